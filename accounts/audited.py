"""Everything that decides who may do what is audited row by row: users, their roles and
permissions, groups, permissions and content types, API tokens. Lockout counters are not:
the verifier checks each account's lock against the security events that set it."""

from collections.abc import Iterator

from audit.catalogue import AuditedTable

AUDITED_TABLES = [
    AuditedTable(
        "accounts_user",
        ignored=("last_login",),
        masked=("password",),
        history_table="accounts_user_history",
        triggers=(
            "accounts_user_no_delete",
            "accounts_user_no_truncate",
            "accounts_user_username_fixed",
        ),
    ),
    AuditedTable("accounts_user_history", capture=False, append_only=True),
    AuditedTable("accounts_user_groups"),
    AuditedTable("accounts_user_user_permissions"),
    AuditedTable("auth_group"),
    AuditedTable("auth_group_permissions"),
    AuditedTable("auth_permission"),
    AuditedTable("django_content_type"),
    # Its last use is not a change of who may do what; the key's digest is kept as a digest.
    AuditedTable("accounts_api_token", ignored=("last_used_at",), masked=("digest",)),
]


def current_states() -> Iterator[tuple[str, str, bool]]:
    """("account_lock", username, locked) of every account with a lockout counter."""
    from accounts.models import LoginThrottle

    for username, locked_at in LoginThrottle.objects.values_list("user__username", "locked_at"):
        yield "account_lock", username, locked_at is not None
