"""REST ingest through the production server (gunicorn, a worker per core), JSON and CSV
bodies, from a load client with several connections."""

from __future__ import annotations

import json
import time

from bench.historian.common import (
    INGEST_TAGS,
    REST_SAMPLES,
    bench_account,
    bench_tags,
    free_port,
    serving,
    start_gunicorn,
    time_ordered_items,
)

CONNECTIONS = 4  # the load client's connections (two per core of this machine)


def rest() -> dict[str, float]:
    """REST ingest through the production server (deploy/production/gunicorn.conf.py, a
    worker per core), 10,000-sample requests over CONNECTIONS keep-alive connections: JSON
    bodies, then the same as CSV. Seconds for each."""
    from concurrent.futures import ThreadPoolExecutor
    from http.client import HTTPConnection

    tags = bench_tags("REST", INGEST_TAGS)
    names = [t.name for t in tags]
    _, key = bench_account("bench-rest")
    per_request = 10_000
    count = REST_SAMPLES // per_request
    json_bodies = [
        json.dumps({"source": "bench", "ingest_key": f"r{k}", "samples": time_ordered_items(
            names, k * per_request // INGEST_TAGS, per_request)}).encode()
        for k in range(count)
    ]  # fmt: skip
    csv_bodies = []
    for k in range(count):
        items = time_ordered_items(names, (count + k) * per_request // INGEST_TAGS, per_request)
        lines = ["tag,ts,value"] + [f"{i['tag']},{i['ts']},{i['value']}" for i in items]
        csv_bodies.append((f"c{k}", ("\n".join(lines) + "\n").encode()))
    port = free_port()
    server = start_gunicorn(port)

    def send(share: list[tuple[str, bytes, str]]) -> None:
        client = HTTPConnection("127.0.0.1", port, timeout=300)
        for path, body, content_type in share:
            headers = {"Content-Type": content_type, "Authorization": f"Token {key}"}
            if content_type == "text/csv":
                path, idempotency = path.split("|")
                headers["Idempotency-Key"] = idempotency
            client.request("POST", path, body=body, headers=headers)
            answer = client.getresponse()
            answer.read()
            assert answer.status == 201, answer.status
        client.close()

    def load(requests: list[tuple[str, bytes, str]]) -> float:
        shares = [requests[i::CONNECTIONS] for i in range(CONNECTIONS)]
        started = time.perf_counter()
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            list(pool.map(send, shares))
        return time.perf_counter() - started

    samples = "/api/v1/historian/samples/"
    try:
        serving(port, 60)
        json_s = load([(samples, body, "application/json") for body in json_bodies])
        csv_s = load([(f"{samples}?source=bench|{k}", body, "text/csv")
                      for k, body in csv_bodies])  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"rest_s": json_s, "rest_csv_s": csv_s, "rest_samples": float(count * per_request)}
