"""A PostgreSQL + TimescaleDB cluster of a test's own, made by the project's own
deploy/local/bootstrap.sh (copied, with its SQL, into a directory that stands for a checkout)
and migrated by `manage.py migrate`: a test can stop it and start it again without touching
the cluster the rest of the suite runs on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]


class OwnCluster:
    def __init__(self, directory: Path) -> None:
        self.checkout = directory / "checkout"
        (self.checkout / "deploy").mkdir(parents=True)
        for part in ("local", "sql"):
            shutil.copytree(ROOT / "deploy" / part, self.checkout / "deploy" / part)
        self.state = directory / "state"  # the signing key and witness of its chain

    def _bootstrap(self, command: str) -> None:
        subprocess.run(["bash", str(self.checkout / "deploy/local/bootstrap.sh"), command],
                       check=True, capture_output=True, timeout=300)  # fmt: skip

    def start(self) -> None:
        self._bootstrap("start")

    def stop(self) -> None:
        self._bootstrap("stop")

    def urls(self) -> dict[str, str]:
        """DATABASE_URL (the runtime role), MIGRATION_DATABASE_URL, SUPERUSER_DATABASE_URL."""
        lines = (self.checkout / ".data" / "env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def environment(self, **extra: str) -> dict[str, str]:
        """What a process of the application needs to run against this cluster."""
        urls = self.urls()
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": urls["DATABASE_URL"],
            "MIGRATION_DATABASE_URL": urls["MIGRATION_DATABASE_URL"],
            "LEDGERLINE_STATE_DIR": str(self.state),
            **extra,
        }

    def manage(self, *args: str) -> str:
        """`manage.py` against this cluster, as the migration role; what it printed."""
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True,
                              env=self.environment(LEDGERLINE_DB_ROLE="migration"),
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        return done.stdout

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.urls()["SUPERUSER_DATABASE_URL"]) as connection:
            return connection.execute(sql, params).fetchall()

    def destroy(self) -> None:
        """Stopped, and its data deleted (it may live under /var/tmp: bootstrap.sh says
        where)."""
        self.stop()
        location = self.checkout / ".data" / "cluster-location"
        if location.is_file():
            shutil.rmtree(location.read_text().strip(), ignore_errors=True)
