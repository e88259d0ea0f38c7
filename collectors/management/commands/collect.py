"""`manage.py collect mqtt|opcua`: a collector beside the equipment, storing every value in
its buffer before acknowledging it and forwarding batches to the historian's REST API.

    manage.py collect opcua --endpoint opc.tcp://10.0.0.5:4840 --nodes nodes.csv \\
        --buffer /var/lib/ledgerline/collector-2 --historian https://historian.example \\
        --name collector-2

    manage.py collect mqtt --broker mqtt://127.0.0.1:1883 --topics 'plant/#' 'spBv1.0/L1/#' \\
        --share-group historian --buffer /var/lib/ledgerline/collector-1 \\
        --historian https://historian.example --name collector-1

The API token comes from LEDGERLINE_COLLECTOR_TOKEN (not the command line, which other users
of the machine can read).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from collectors.buffer import MAX_BYTES, Buffer, BufferCorrupt
from collectors.forwarder import BATCH_VALUES, Forwarder, Historian
from collectors.run import forward_until_stopped, stop_on_signals


class Command(BaseCommand):
    help = "Run a collector (MQTT or OPC UA) with store-and-forward into the historian."

    def add_arguments(self, parser: CommandParser) -> None:
        sources = parser.add_subparsers(dest="source", required=True)
        mqtt = sources.add_parser("mqtt", help="MQTT: JSON payloads and Sparkplug B")
        mqtt.add_argument("--broker", required=True, help="mqtt://host:port")
        mqtt.add_argument("--topics", nargs="+", required=True)
        mqtt.add_argument("--share-group", help="MQTT v5 shared subscription group")
        mqtt.add_argument("--username")
        opcua = sources.add_parser("opcua", help="OPC UA: subscribed nodes")
        opcua.add_argument("--endpoint", required=True, help="opc.tcp://host:port/path")
        opcua.add_argument("--nodes", required=True, help="CSV of node_id,tag lines")
        secure = opcua.add_argument_group("security (none: anonymous, unencrypted)")
        secure.add_argument("--security", default="",
                            help="POLICY,MODE, e.g. Basic256Sha256,SignAndEncrypt")  # fmt: skip
        secure.add_argument("--certificate", help="the collector's (DER; made if missing)")
        secure.add_argument("--private-key", help="its key (PEM; made if missing, 0600)")
        secure.add_argument("--server-certificate", help="the server's certificate, trusted")
        secure.add_argument("--username", help="its password: LEDGERLINE_OPCUA_PASSWORD")
        for sub in (mqtt, opcua):
            sub.add_argument("--name", required=True, help="the collector's name (its source)")
            sub.add_argument("--buffer", required=True, help="the buffer's directory")
            sub.add_argument("--historian", required=True, help="the historian's base URL")
            sub.add_argument("--max-buffer-bytes", type=int, default=MAX_BYTES)
            sub.add_argument("--batch", type=int, default=BATCH_VALUES)

    def handle(self, *args: Any, **options: Any) -> None:
        token = os.environ.get("LEDGERLINE_COLLECTOR_TOKEN", "")
        if not token:
            raise CommandError(
                "set LEDGERLINE_COLLECTOR_TOKEN to the collector's API token "
                "(a service account with the integration role)"
            )
        # The source's settings are checked before the buffer is touched: bad input changes
        # nothing on disk.
        make_source = self._mqtt(options) if options["source"] == "mqtt" else self._opcua(options)
        try:
            buffer = Buffer(options["buffer"], collector=options["name"],
                            max_bytes=options["max_buffer_bytes"])  # fmt: skip
        except (RuntimeError, BufferCorrupt, OSError) as exc:
            raise CommandError(f"--buffer: {exc}") from None
        lock = threading.Lock()
        historian = Historian(url=options["historian"], token=token, source=options["name"])
        forwarder = Forwarder(buffer, historian, batch_values=options["batch"], lock=lock)
        stop = threading.Event()
        stop_on_signals(stop)
        source = make_source(buffer, lock)
        source.start()
        self.stdout.write(f"{options['name']}: collecting into {options['buffer']}")
        try:
            forward_until_stopped(
                forwarder, stop, every=lambda: forwarder.heartbeat(options["source"])
            )
        finally:
            source.stop()
            buffer.close()

    def _opcua(self, options: dict[str, Any]) -> Callable[[Buffer, threading.Lock], Any]:
        from collectors.opcua import OpcUaCollector, OpcUaThread, Security, read_nodes

        try:
            nodes = read_nodes(options["nodes"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"--nodes: {exc}") from None
        policy, _, mode = options["security"].partition(",")
        paths = {k: Path(options[k]) if options[k] else None
                 for k in ("certificate", "private_key", "server_certificate")}  # fmt: skip
        security = Security(policy=policy, mode=mode or "SignAndEncrypt", **paths,
                            application_uri=f"urn:ledgerline:collector:{options['name']}",
                            username=options["username"],
                            password=os.environ.get("LEDGERLINE_OPCUA_PASSWORD"))  # fmt: skip
        try:
            security.check()
        except ValueError as exc:
            raise CommandError(f"--security: {exc}") from None
        if policy and security.make_certificate():
            self.stdout.write(f"made the collector's certificate {security.certificate}: have "
                              "the OPC UA server trust it")  # fmt: skip
        return lambda buffer, lock: OpcUaThread(
            OpcUaCollector(
                buffer, endpoint=options["endpoint"], nodes=nodes, lock=lock, security=security
            )
        )

    def _mqtt(self, options: dict[str, Any]) -> Callable[[Buffer, threading.Lock], Any]:
        from collectors.mqtt import MqttCollector

        return lambda buffer, lock: MqttCollector(
            buffer,
            broker=options["broker"],
            topics=options["topics"],
            client_id=options["name"],
            share_group=options.get("share_group"),
            lock=lock,
            username=options.get("username"),
            password=os.environ.get("LEDGERLINE_MQTT_PASSWORD"),
        )
