"""The demo's collector: a service account whose API token is kept in the state directory
(mode 0600), so `make demo` can run the line simulator publishing to Mosquitto with a
collector forwarding into the historian. Idempotent."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import OutputWrapper

from accounts.models import User
from accounts.services import service_account_create, token_issue
from audit.actors import SystemActor

DEMO_COLLECTOR = "demo-collector"


def token_path() -> Path:
    return Path(settings.STATE_DIR) / "demo-collector.token"


def seed(out: OutputWrapper) -> list[str]:
    path = token_path()
    if path.exists():
        return []
    actor = SystemActor("system:seed")
    account = User.objects.filter(username=DEMO_COLLECTOR).first()
    if account is None:
        account = service_account_create(
            actor=actor, username=DEMO_COLLECTOR, full_name="Demo collector", reason="demo seed"
        )
    _, key = token_issue(actor=actor, user=account, name="demo", reason="demo seed")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return [f"demo collector's API token kept in {path}"]
