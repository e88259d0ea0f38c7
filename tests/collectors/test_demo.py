"""The demo collector's token: kept in the state directory (0600), a fresh one when the file
holds none this database knows (a new or reset database), left alone otherwise."""

from __future__ import annotations

import stat
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import OutputWrapper

from accounts.services import token_authenticate
from collectors import demo

pytestmark = pytest.mark.django_db


def test_the_demo_collector_token_is_kept_and_renewed_when_stale(
    settings: Any, tmp_path: Path
) -> None:
    settings.STATE_DIR = str(tmp_path)
    path = demo.token_path()
    path.write_text("a token of another database\n")
    out = OutputWrapper(StringIO())
    assert demo.seed(out) == [f"demo collector's API token kept in {path}"]
    token = token_authenticate(path.read_text().strip())
    assert token is not None
    assert token.user.username == demo.DEMO_COLLECTOR
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = path.read_text()
    assert demo.seed(out) == []
    assert path.read_text() == kept
