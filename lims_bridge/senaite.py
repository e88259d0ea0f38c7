"""Pulling analyses from SENAITE through its JSON API (senaite.jsonapi, `@@API/senaite/v1`).

- Login: `login` with the form fields `__ac_name` and `__ac_password`; the session keeps the
  `__ac` cookie. A 401 is a refused login.
- Analyses: `GET analysis?complete=yes&sort_on=created&sort_order=ascending&limit=&b_start=`,
  following `next` through every page of the paged envelope (`count`, `pagesize`, `items`,
  `page`, `pages`, `next`, `previous`). SENAITE 2.x's analysis catalog has no modification
  index (a `recent_modified` filter is ignored), so every page is read and an analysis is kept
  when its `modified` (a full object's field) is at or after `since`; each kept one is compared
  with its stored revision (ebr: nothing stored when unchanged).
- An analysis carries no batch: its sample (`parent_uid`, `analysisrequest/{uid}`) gives
  `getBatchID`, read once per sample.
- A page that fails (connection error, 5xx, a body that is not the envelope) is tried once
  more; a second failure ends the pull with that error.

Field mapping (API.md "LIMS bridge"): `uid` → lims_id; `getKeyword` → test; `getResult` →
result; `getUnit` → unit; `ResultsRange` (`getResultsRange`) min/max → spec, warn_min/warn_max
→ warning limits; `review_state` → status; `getRetestOfUID` → retest_of;
`getResultCaptureDate` → captured_at; `getDateSampled` → sampled_at; `getSubmittedBy` →
analyst; `getVerificators` → verified_by; `getRequestID` → sample_id; the sample's
`getBatchID` → batch_number; `getMethodTitle` → method. An analysis without a result yet is
left out (nothing to record)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from historian.timestamps import parse_ts

API = "@@API/senaite/v1"
PAGE_SIZE = 500
TIMEOUT_S = 30.0


class PullError(Exception):
    """The pull cannot go on: what failed, and what to do."""


@dataclass(frozen=True)
class Site:
    url: str
    user: str
    password: str

    @classmethod
    def configured(cls) -> Site | None:
        url = os.environ.get("LEDGERLINE_SENAITE_URL", "").strip().rstrip("/")
        if not url:
            return None
        return cls(url, os.environ.get("LEDGERLINE_SENAITE_USER", ""),
                   os.environ.get("LEDGERLINE_SENAITE_PASSWORD", ""))  # fmt: skip

    @property
    def api(self) -> str:
        return f"{self.url}/{API}"


class Client:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.http = requests.Session()

    def login(self) -> None:
        try:
            answer = self.http.post(f"{self.site.api}/login", timeout=TIMEOUT_S,
                                    data={"__ac_name": self.site.user,
                                          "__ac_password": self.site.password})  # fmt: skip
        except requests.RequestException as exc:
            raise PullError(f"SENAITE at {self.site.url} cannot be reached: {exc}. Check "
                            "LEDGERLINE_SENAITE_URL and the network.") from exc  # fmt: skip
        if answer.status_code in (400, 401, 403):
            raise PullError(f"SENAITE refused the login of {self.site.user!r} "
                            f"({answer.status_code}): check LEDGERLINE_SENAITE_USER and "
                            "LEDGERLINE_SENAITE_PASSWORD.")  # fmt: skip
        if answer.status_code >= 300:
            raise PullError(f"SENAITE's login answered {answer.status_code}.")

    def _page(self, url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        """One page of the envelope, tried twice."""
        problem = ""
        for _ in range(2):
            try:
                answer = self.http.get(url, params=params, timeout=TIMEOUT_S)
                if answer.status_code == 401:
                    raise PullError("SENAITE answered 401 (the session ended): pull again.")
                if answer.status_code >= 400:
                    problem = f"{answer.status_code} {answer.text[:200]}"
                    continue
                body = answer.json()
                if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                    problem = "an answer that is not SENAITE's paged envelope"
                    continue
                return body
            except (requests.RequestException, ValueError) as exc:
                problem = str(exc)
        raise PullError(f"SENAITE failed twice on {url}: {problem}. Nothing of this pull was "
                        "stored; pull again when the site answers.")  # fmt: skip

    def analyses(self, progress: Callable[[int, int], None] | None = None
                 ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Every analysis, page after page (progress: pages read, pages in all)."""
        url: str | None = f"{self.site.api}/analysis"
        params: dict[str, Any] | None = {"complete": "yes", "sort_on": "created",
                                         "sort_order": "ascending", "limit": PAGE_SIZE,
                                         "b_start": 0}  # fmt: skip
        read = 0
        while url:
            body = self._page(url, params)
            read += 1
            if progress:
                progress(read, int(body.get("pages") or read))
            yield from body["items"]
            url, params = body.get("next"), None  # `next` carries the query on

    def sample(self, uid: str) -> dict[str, Any]:
        body = self._page(f"{self.site.api}/analysisrequest/{uid}", None)
        items = body.get("items") or []
        return items[0] if items else {}


def modified_since(analysis: dict[str, Any], since: datetime | None) -> bool:
    if since is None:
        return True
    parsed = parse_ts(str(analysis.get("modified") or ""))
    return isinstance(parsed, str) or parsed[0] >= since  # unknown: keep it, compare content


def _first(analysis: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = analysis.get(name)
        if value not in (None, ""):
            return value
    return None


def _range(analysis: dict[str, Any]) -> dict[str, Any]:
    found = analysis.get("ResultsRange") or analysis.get("getResultsRange") or {}
    return found if isinstance(found, dict) else {}


def to_item(analysis: dict[str, Any], batch_id: str) -> dict[str, Any] | None:
    """The push item of an analysis (its revision left for the caller), or None when it has
    no result yet."""
    result = _first(analysis, "getResult", "Result")
    if result is None:
        return None
    limits = _range(analysis)
    retest = _first(analysis, "getRetestOfUID")
    if retest is None and isinstance(analysis.get("RetestOf"), dict):
        retest = analysis["RetestOf"].get("uid")
    verifiers = analysis.get("getVerificators") or []
    return {
        "lims_id": analysis.get("uid"),
        "sample_id": _first(analysis, "getRequestID", "parent_id"),
        "batch_number": batch_id,
        "test": _first(analysis, "getKeyword", "Keyword"),
        "result": result,
        "unit": _first(analysis, "getUnit", "Unit") or "",
        "spec_low": limits.get("min"),
        "spec_high": limits.get("max"),
        "warn_low": limits.get("warn_min"),
        "warn_high": limits.get("warn_max"),
        "status": analysis.get("review_state"),
        "retest_of": retest or "",
        "captured_at": _first(analysis, "getResultCaptureDate", "ResultCaptureDate"),
        "sampled_at": _first(analysis, "getDateSampled"),
        "analyst": _first(analysis, "getSubmittedBy") or "",
        "verified_by": [v for v in verifiers if isinstance(v, str)],
        "method": _first(analysis, "getMethodTitle") or "",
    }
