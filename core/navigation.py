"""What an app shows in the site's navigation: it declares `navigation` on its AppConfig.

The site (portal) collects the entries of every installed app and shows each only to
users whose role may use it. The kernel defines the shape; it names no app.
"""

from __future__ import annotations

from dataclasses import dataclass

# The sidebar's sections, top to bottom.
SECTIONS = ("main", "process", "batches", "audit", "admin", "system")


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    permission: str | None = None  # None: every signed-in user
    section: str = "main"
    order: int = 50  # within its section, smaller first
