"""Every knob Ledgerline reads from the environment, through typed helpers.

Local checkouts also read `.data/env`, written by deploy/local/bootstrap.sh, for
any variable the environment does not already set.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def load_env_file(path: Path, only: frozenset[str]) -> None:
    """Fill os.environ from a KEY=VALUE file without overriding what is set, taking only the
    named keys (the file holds the superuser's URL too, which the application never gets)."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key.strip() in only:
            os.environ.setdefault(key.strip(), value.strip())


# What the application takes from .data/env (written by deploy/local/bootstrap.sh).
LOCAL_DATABASE_KEYS = frozenset(
    {"DATABASE_URL", "MIGRATION_DATABASE_URL", "LEDGERLINE_TEMPLATE_DB"}
)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_zone(name: str, default: str) -> str:
    """An IANA time zone name ("Europe/Zurich"); a name the system does not know stops start-up
    with what to set instead."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = os.environ.get(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a time zone: use an IANA name such as Europe/Zurich or UTC"
        ) from exc
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Turn `postgres://user:password@host:port/name?option=value` into Django's dict."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"DATABASE_URL must be a postgres:// URL, not {parsed.scheme!r}")
    options: dict[str, object] = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "OPTIONS": options,
    }
