"""Reads about the system itself: versions, database, TimescaleDB, chain head."""

from __future__ import annotations

import platform
from typing import Any

import django
import rest_framework
from django.db import connection

from audit.chain import chain_head
from audit.selectors import checkpoint_status
from audit.witness import witness_status
from core.dbsql import runtime_function_grants


def timescaledb_info() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
        row = cursor.fetchone()
        if row is None:
            return {"installed": False, "version": None, "license": None}
        cursor.execute("SELECT current_setting('timescaledb.license', true)")
        license_row = cursor.fetchone()
    return {
        "installed": True,
        "version": row[0],
        "license": license_row[0] if license_row else None,
    }


def database_info() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_database(), current_user")
        version, name, user = cursor.fetchone()
    settings_dict = connection.settings_dict
    return {
        "server_version": version,
        "name": name,
        "user": user,
        "host": settings_dict.get("HOST") or "socket",
        "port": settings_dict.get("PORT") or "",
    }


def signing_key_info() -> dict[str, Any]:
    from audit.keys import SigningKeyMissing, current_key

    try:
        key = current_key()
    except SigningKeyMissing as exc:
        return {"key_id": None, "public_key": None, "error": str(exc)}
    return {"key_id": key.key_id, "public_key": key.public_pem}


def runtime_privileges() -> dict[str, Any]:
    """Whether the runtime role can run only the TimescaleDB functions it needs."""
    with connection.cursor() as cursor:
        grants = runtime_function_grants(cursor)
    count = len(set(grants["public"]) | set(grants["runtime_beyond_allow_list"]))
    return {**grants, "count": count, "ok": count == 0}


def system_status() -> dict[str, Any]:
    from importlib.metadata import version

    seq, head = chain_head()
    return {
        "versions": {
            "ledgerline": version("ledgerline"),
            "python": platform.python_version(),
            "django": django.get_version(),
            "djangorestframework": rest_framework.VERSION,
        },
        "database": database_info(),
        "timescaledb": timescaledb_info(),
        "chain_head": {"seq": seq, "hash": head},
        "signing_key": signing_key_info(),
        "checkpoints": checkpoint_status(),
        "witness": witness_status(),
        "runtime_privileges": runtime_privileges(),
    }
