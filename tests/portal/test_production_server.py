"""The production application server as deployed (deploy/production/gunicorn.conf.py): gunicorn
with a worker per core answers the API and serves the static files itself (WhiteNoise), DEBUG
off — real HTTP against the real cluster."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_api_and_the_static_files(tmp_path: Path) -> None:
    port = _free_port()
    database = str(connection.settings_dict["NAME"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "LEDGERLINE_DB_ROLE": "runtime",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database,
        "LEDGERLINE_BIND": f"127.0.0.1:{port}",
        "LEDGERLINE_WORKERS": "2",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen([gunicorn, "-c", "deploy/production/gunicorn.conf.py"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        status = 0
        while time.time() < deadline and server.poll() is None:
            try:
                status = _get(f"{base}/api/v1/status/")[0]
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200, (tmp_path / "gunicorn.log").read_text()
        code, headers, body = _get(f"{base}/static/css/ledgerline.css")
        assert code == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b".rootcause" in body
        assert _get(f"{base}/accounts/login/")[0] == 200
        # DEBUG off: an unknown page is the site's 404, not Django's technical page.
        code, _, body = _get(f"{base}/no-such-page/")
        assert code == 404
        assert b"Traceback" not in body
        assert b"URLconf" not in body
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                 text=True, check=False).stdout.split()  # fmt: skip
        assert len(workers) == 2
        # Each worker froze the loaded application out of the garbage collector's reach (the
        # second may still be loading it: waited for).
        deadline = time.time() + 60
        while time.time() < deadline:
            frozen = (tmp_path / "gunicorn.log").read_text().count("frozen out of the garbage")
            if frozen == 2:
                break
            time.sleep(0.2)
        assert frozen == 2, (tmp_path / "gunicorn.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
