"""A local HTTP server that answers like SENAITE's JSON API (senaite.jsonapi 2.x): cookie login
through `login` (form fields `__ac_name`, `__ac_password`; 401 "Invalid Credentials"), the
paged envelope (`count`, `pagesize`, `items`, `page`, `pages`, `next`, `previous`; `limit`
and `b_start`; `next` a full URL), analyses with `complete=yes` carrying both catalog
metadata (`getKeyword`, `getResult`, …) and full-object fields (`ResultsRange`, `modified`),
and samples (`analysisrequest/{uid}`) with `getBatchID`. Tests change its data between pulls
and make a page fail."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

API = "/@@API/senaite/v1"
USER, PASSWORD = "lab-bridge", "lab-secret"


@dataclass
class Lims:
    analyses: list[dict[str, Any]] = field(default_factory=list)
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_pages: dict[int, int] = field(default_factory=dict)  # b_start → failures left
    requests: list[str] = field(default_factory=list)

    def sample(self, uid: str, sample_id: str, batch_id: str) -> None:
        self.samples[uid] = {"uid": uid, "id": sample_id, "getId": sample_id,
                             "getBatchID": batch_id, "portal_type": "AnalysisRequest"}  # fmt: skip

    def analysis(self, uid: str, sample_uid: str, keyword: str, result: str | None,
                 **more: Any) -> dict[str, Any]:  # fmt: skip
        sample = self.samples[sample_uid]
        item = {
            "uid": uid, "id": keyword, "portal_type": "Analysis", "getKeyword": keyword,
            "getResult": result, "getUnit": more.pop("unit", "%"),
            "review_state": more.pop("state", "to_be_verified"),
            "getRequestID": sample["id"], "parent_id": sample["id"], "parent_uid": sample_uid,
            "getResultCaptureDate": more.pop("captured", "2026-03-03T09:10:00+01:00"),
            "getDateSampled": more.pop("sampled", "2026-03-03T08:00:00+01:00"),
            "getSubmittedBy": more.pop("analyst", "analyst1"),
            "getVerificators": more.pop("verifiers", []),
            "getRetestOfUID": more.pop("retest_of", ""),
            "getMethodTitle": "HPLC assay",
            "Method": {"uid": "m1", "url": "http://x/m1", "api_url": "http://x/api/m1"},
            "Instrument": {},
            "ResultsRange": {"min": more.pop("min", "95"), "max": more.pop("max", "105"),
                             "warn_min": more.pop("warn_min", ""),
                             "warn_max": more.pop("warn_max", ""),
                             "min_operator": "geq", "max_operator": "leq"},
            "modified": more.pop("modified", "2026-03-03T09:10:05+01:00"),
            "created": "2026-03-03T08:30:00+01:00",
        }  # fmt: skip
        self.analyses.append(item)
        return item


def _handler(lims: Lims) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Any, cookie: str = "") -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if cookie:
                self.send_header("Set-Cookie", cookie)
            self.end_headers()
            self.wfile.write(data)

        def _logged_in(self) -> bool:
            return "__ac=ok" in (self.headers.get("Cookie") or "")

        def do_POST(self) -> None:
            url = urlparse(self.path)
            lims.requests.append(f"POST {url.path}")
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if url.path != f"{API}/login":
                self._send(404, {"success": False, "message": "not found"})
                return
            if form.get("__ac_name") == [USER] and form.get("__ac_password") == [PASSWORD]:
                self._send(200, {"count": 1, "items": [{"authenticated": True}]},
                           cookie="__ac=ok; Path=/")  # fmt: skip
            else:
                self._send(401, {"success": False, "message": "Invalid Credentials"})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            lims.requests.append(f"GET {url.path}?{url.query}")
            if not self._logged_in():
                self._send(401, {"success": False, "message": "Unauthorized"})
                return
            if url.path == f"{API}/analysis":
                self._page(query)
            elif url.path.startswith(f"{API}/analysisrequest/"):
                uid = url.path.rsplit("/", 1)[-1]
                sample = lims.samples.get(uid)
                body = {"count": 1, "items": [sample]} if sample else {"message": "not found"}
                self._send(200 if sample else 404, body)
            else:
                self._send(404, {"success": False, "message": "not found"})

        def _page(self, query: dict[str, str]) -> None:
            start, size = int(query.get("b_start", 0)), int(query.get("limit", 25)) or 25
            left = lims.fail_pages.get(start, 0)
            if left:
                lims.fail_pages[start] = left - 1
                self._send(503, {"success": False, "message": "Service Unavailable"})
                return
            items = lims.analyses[start : start + size]
            pages = max(1, -(-len(lims.analyses) // size))
            base = f"http://{self.headers.get('Host')}{API}/analysis?"

            def link(at: int) -> str | None:
                if at < 0 or at >= len(lims.analyses):
                    return None
                return base + urlencode({**query, "b_start": at})

            self._send(200, {"count": len(lims.analyses), "pagesize": size, "items": items,
                             "page": start // size + 1, "pages": pages,
                             "next": link(start + size), "previous": link(start - size),
                             "_runtime": 0.01})  # fmt: skip

    return Handler


@contextmanager
def running(lims: Lims) -> Iterator[str]:
    """The fake site's root URL while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(lims))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
