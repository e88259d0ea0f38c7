"""`manage.py status`: versions, database, TimescaleDB version and license, chain head,
checkpoints, scheduler, last verification, privileges; ALARM lines for what needs action."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from collectors.selectors import collector_alarms
from portal.selectors import system_status


class Command(BaseCommand):
    help = "Show versions, the database, TimescaleDB version and license, and the chain head."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            status = system_status()
        except OperationalError as exc:
            raise CommandError(
                f"cannot reach the database: {exc}. Start it with 'make db-start' or check "
                "DATABASE_URL."
            ) from exc
        out = self.stdout
        for name, version in status["versions"].items():
            out.write(f"{name:<22}{version}")
        db = status["database"]
        out.write(f"{'postgresql':<22}{db['server_version']}")
        out.write(f"{'database':<22}{db['name']} as {db['user']} at {db['host']}:{db['port']}")
        ts = status["timescaledb"]
        if ts["installed"]:
            out.write(f"{'timescaledb':<22}{ts['version']} (license: {ts['license']})")
        else:
            out.write(f"{'timescaledb':<22}NOT INSTALLED")
        head = status["chain_head"]
        out.write(f"{'audit chain head':<22}{head['seq']} {head['hash']}")
        key = status["signing_key"]
        out.write(f"{'signing key':<22}{key['key_id'] or key.get('error')}")
        cp = status["checkpoints"]
        every = f"every {cp['cadence_seconds'] // 60} min"
        if cp["last_checkpoint_seq"] is None:
            out.write(f"{'checkpoints':<22}{every}; none yet")
        else:
            out.write(
                f"{'checkpoints':<22}{every}; last at seq {cp['last_checkpoint_seq']}, "
                f"{cp['last_checkpoint_at']:%Y-%m-%d %H:%M:%S} UTC"
            )
        if cp["overdue"]:
            out.write(
                f"{'ALARM':<22}checkpoint overdue: events since "
                f"{cp['unsigned_since']:%Y-%m-%d %H:%M:%S} UTC are not signed or witnessed; "
                "start the scheduler ('manage.py scheduler') or run 'manage.py audit_checkpoint'"
            )
        witness = status["witness"]
        out.write(
            f"{'witness journal':<22}{witness['path']} ({witness['entries']} entries, "
            f"last seq {witness['last_seq'] if witness['last_seq'] is not None else '-'})"
        )
        scheduler = status["scheduler"]
        beat = scheduler["last_heartbeat"]
        beat_text = f"{beat:%Y-%m-%d %H:%M:%S} UTC" if beat else "never"
        if scheduler["running"]:
            out.write(
                f"{'scheduler':<22}running ({scheduler['workers']} worker(s), last heartbeat "
                f"{beat_text})"
            )
        else:
            out.write(
                f"{'ALARM':<22}scheduler not running (last heartbeat {beat_text}): checkpoints "
                "and verifications wait; start it with 'manage.py scheduler'"
            )
        owed = status["rollups"]
        if owed["behind"]:
            out.write(
                f"{'ALARM':<22}rollups behind: {owed['owed_minutes']:,} minute(s) owed, the "
                f"oldest stored {owed['age_seconds']:,.0f} s ago (reads recompute them, "
                "slower); start the scheduler ('manage.py scheduler')"
            )
        else:
            out.write(
                f"{'historian rollups':<22}{owed['owed_minutes']:,} minute(s) owed to the drain"
                + (f", oldest {owed['age_seconds']:,.0f} s" if owed["oldest"] else "")
            )
        verification = status["verification"]
        if verification["at"] is None:
            out.write(f"{'last verification':<22}none yet ('manage.py audit_verify')")
        elif verification["ok"]:
            out.write(
                f"{'last verification':<22}OK at {verification['at']:%Y-%m-%d %H:%M:%S} UTC, "
                f"{verification['events']} events"
            )
        else:
            out.write(
                f"{'ALARM':<22}last verification {verification['status']} at "
                f"{verification['at']:%Y-%m-%d %H:%M:%S} UTC: {verification['message']}"
            )
        for row in status["collectors"]:
            oldest = row["oldest_age_seconds"]
            out.write(
                f"{'collector':<22}{row['name']} ({row['kind']}): {row['buffered']:,} value(s) "
                f"buffered{f', oldest {oldest:,.0f} s' if oldest else ''}, "
                f"{row['send_rate']:,.0f} values/s, heartbeat {row['silent_seconds']:,.0f} s ago"
            )
        for alarm in collector_alarms(status["collectors"]):
            out.write(f"{'ALARM':<22}{alarm}")
        privileges = status["runtime_privileges"]
        if privileges["ok"]:
            out.write(f"{'runtime role':<22}runs only its allow-listed TimescaleDB functions")
        else:
            out.write(
                f"{'ALARM':<22}{privileges['count']} TimescaleDB function(s) executable beyond "
                "the allow-list (after an extension update?): re-apply deploy/sql/database.sql"
            )
