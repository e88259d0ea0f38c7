"""The demo's collector: a service account whose API token is kept in the state directory
(mode 0600), so `make demo` can run the line simulator publishing to Mosquitto with a
collector forwarding into the historian. Idempotent."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import OutputWrapper

from accounts.models import User
from accounts.services import service_account_create, token_authenticate, token_issue
from audit.actors import SystemActor

DEMO_COLLECTOR = "demo-collector"


def token_path() -> Path:
    return Path(settings.STATE_DIR) / "demo-collector.token"


def seed(out: OutputWrapper) -> list[str]:
    """The demo collector's account, and a token of it in the state file: a new one when the
    file holds none this database knows (a new or reset database)."""
    path = token_path()
    if path.exists():
        token = token_authenticate(path.read_text().strip())
        if token is not None and token.user.username == DEMO_COLLECTOR:
            return []
    actor = SystemActor("system:seed")
    account = User.objects.filter(username=DEMO_COLLECTOR).first()
    if account is None:
        account = service_account_create(
            actor=actor, username=DEMO_COLLECTOR, full_name="Demo collector", reason="demo seed"
        )
    _, key = token_issue(actor=actor, user=account, name="demo", reason="demo seed")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    os.replace(temporary, path)
    return [f"demo collector's API token kept in {path}"]
