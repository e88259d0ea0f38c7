"""`manage.py simulate_line`: the line simulator (digital twin), through the real ingest path.

    --line L1 --start 2026-03-01T00:00:00Z --hours 24 --seed 42 --speed max
    --fault feeder_drop@2h+5m:feeder=FEEDER1,factor=0.5 --fault nir_drift@4h+30m:rate=1
    --via service | api (--url http://127.0.0.1:8000 --token KEY)
          | mqtt (--broker mqtt://127.0.0.1:1883: JSON samples on plant/<line>, QoS 1, for a
            collector to forward: manage.py collect mqtt)

Chunks are ingested under keys derived from line, seed, faults and time, so a
run repeated with the same arguments stores nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from accounts.services import service_account_create
from audit.actors import SystemActor
from historian import rollups
from historian.ingest import ingest_samples
from historian.models import Tag
from historian.services import tag_create
from historian.simulator import Fault, Simulator, tag_definitions
from historian.timestamps import parse_ts

SIMULATOR_ACCOUNT = "line-simulator"  # its service account (system:… names are reserved)


def ensure_line(line: str) -> int:
    """Create the line's tags that do not exist yet; returns how many were created."""
    actor = SystemActor("system:simulator")
    existing = set(Tag.objects.filter(name__startswith=f"{line}.").values_list("name", flat=True))
    created = 0
    for definition in tag_definitions(line):
        if definition["name"] in existing:
            continue
        name, equipment = definition.pop("name"), definition.pop("equipment")
        tag_create(
            actor=actor,
            name=name,
            equipment=equipment,
            reason="line simulator set-up",
            **definition,
        )
        created += 1
    return created


def simulator_account() -> User:
    account = User.objects.filter(username=SIMULATOR_ACCOUNT).first()
    if account is None:
        account = service_account_create(
            actor=SystemActor("system:seed"),
            username=SIMULATOR_ACCOUNT,
            full_name="Line simulator (digital twin)",
            reason="the line simulator's own account",
        )
    return account


class Command(BaseCommand):
    help = "Simulate a continuous direct-compression line at 1 Hz through the ingest path."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--line", default="L1")
        parser.add_argument("--start", help="UTC start (default: now for realtime, else 24 h ago)")
        parser.add_argument("--hours", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--speed", default="max", help="max, realtime or a factor (e.g. 60)")
        parser.add_argument(
            "--fault",
            action="append",
            default=[],
            help="kind@offset[+duration][:k=v,…]; kinds: " + ", ".join(Fault.KINDS),
        )
        parser.add_argument("--via", choices=["service", "api", "mqtt"], default="service")
        parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--token", default=os.environ.get("LEDGERLINE_TOKEN", ""))
        parser.add_argument("--chunk", type=int, default=300, help="seconds per ingest request")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            faults = [Fault.parse(spec) for spec in options["fault"]]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        speed = options["speed"]
        factor = 0.0 if speed == "max" else 1.0 if speed == "realtime" else float(speed)
        if options["start"]:
            parsed = parse_ts(options["start"])
            if isinstance(parsed, str):
                raise CommandError(f"--start: {parsed}")
            start = parsed[0]
        else:
            now = datetime.now(tz=UTC).replace(microsecond=0)
            start = now if factor else now - timedelta(hours=options["hours"])
        seconds = int(options["hours"] * 3600)
        line = options["line"]
        created = ensure_line(line)
        if created:
            self.stdout.write(f"created {created} tags of line {line}")
        account = simulator_account()
        simulator = Simulator(line=line, start=start, seed=options["seed"], faults=faults)
        fingerprint = hashlib.sha256(json.dumps(options["fault"]).encode()).hexdigest()[:8]
        chunk = max(1, options["chunk"] if not factor else min(options["chunk"], 5))
        stored = duplicates = 0
        began = time.monotonic()
        with tqdm(
            total=seconds,
            unit="s",
            desc=f"simulating {line}",
            disable=options["quiet"],
            file=sys.stderr,
        ) as bar:
            for offset in range(0, seconds, chunk):
                width = min(chunk, seconds - offset)
                items = [item for second in simulator.samples(width, offset) for item in second]
                key = (
                    f"sim/{line}/{options['seed']}/{fingerprint}/"
                    f"{(start + timedelta(seconds=offset)).isoformat()}"
                )
                status, body = self._send(options, account, key, items)
                if status == 201:
                    stored += body["accepted"]
                    duplicates += body["duplicates"]
                else:  # a replay: this chunk was stored by an earlier run
                    duplicates += len(items)
                bar.update(width)
                if factor:
                    due = began + (offset + width) / factor
                    time.sleep(max(0.0, due - time.monotonic()))
        self.stdout.write(
            f"{line}: {stored} samples stored, {duplicates} already there, "
            f"{start.isoformat()} + {options['hours']} h"
        )
        if options["via"] == "service" and not factor:
            # A backfill: bring the rollups up to date now rather than leave every read of
            # these hours to recompute them until the scheduler's drain catches up.
            owed = rollups.backlog().minutes
            with tqdm(total=owed, unit="min", desc="rollups", disable=options["quiet"] or not owed,
                      file=sys.stderr) as bar:  # fmt: skip
                rollups.drain_all(progress=bar.update)

    def _send(
        self, options: dict[str, Any], account: User, key: str, items: list[dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        if options["via"] == "mqtt":
            self._publish(options, items)
            return 201, {"accepted": len(items), "duplicates": 0}  # published, for a collector
        if options["via"] == "service":
            result = ingest_samples(
                actor=account, source=f"simulator:{options['line']}", ingest_key=key, items=items
            )
            return result.status, result.body
        if not options["token"]:
            raise CommandError("--via api needs --token (or LEDGERLINE_TOKEN)")
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's
            options["url"].rstrip("/") + "/api/v1/historian/samples/",
            data=json.dumps(
                {"source": f"simulator:{options['line']}", "ingest_key": key, "samples": items}
            ).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Token {options['token']}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, dict(json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            raise CommandError(
                f"the API refused a chunk ({exc.code}): {exc.read()[:500]!r}"
            ) from exc

    def _publish(self, options: dict[str, Any], items: list[dict[str, Any]]) -> None:
        """The samples as one JSON message on plant/<line>, at QoS 1 (delivered to the broker
        before the next chunk)."""
        if not hasattr(self, "_mqtt"):
            import paho.mqtt.client as mqtt

            url = urllib.parse.urlparse(options["broker"])
            self._mqtt = mqtt.Client(client_id=f"simulator-{options['line']}",
                                     protocol=mqtt.MQTTv5)  # fmt: skip
            try:
                self._mqtt.connect(url.hostname or "127.0.0.1", url.port or 1883)
            except OSError as exc:
                raise CommandError(
                    f"cannot reach the MQTT broker {options['broker']}: {exc}"
                ) from None
            self._mqtt.loop_start()
        topic = f"plant/{options['line']}"
        self._mqtt.publish(topic, json.dumps({"samples": items}), qos=1).wait_for_publish(30)
