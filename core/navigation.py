"""The navigation: each entry shows only to users whose role may use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    permission: str | None = None  # None: every signed-in user
    section: str = "main"


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "core:home", "home"),
    NavItem("Tags", "historian:tags", "tag", "core.view_process_data", "process"),
    NavItem("Trends", "historian:trend", "chart", "core.view_process_data", "process"),
    NavItem("Audit trail", "audit:trail", "list", "audit.view_audit_trail", "audit"),
    NavItem("Verification", "audit:verification", "shield", "audit.view_audit_trail", "audit"),
    NavItem("Users", "accounts:user_list", "users", "accounts.manage_users", "admin"),
    NavItem(
        "Service accounts",
        "accounts:service_account_list",
        "key",
        "accounts.manage_tokens",
        "admin",
    ),
    NavItem("System status", "core:status", "pulse", None, "system"),
    NavItem("API documentation", "api-docs", "book", None, "system"),
)


def visible_items(user: object) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        item
        for item in NAV_ITEMS
        if item.permission is None or user.has_perm(item.permission)  # type: ignore[attr-defined]
    ]
