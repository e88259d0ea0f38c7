"""Accounts benchmark: does a refused sign-in take the same time whoever the name belongs to?

Median time of `authenticate_credentials` with the production password hasher (Argon2id
with Django's parameters) for an unknown username, a service account, a person with a wrong
password and a deactivated person; the baseline of the run is the person with a wrong
password. Ratios near 1.00 mean the time tells nothing about the name.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from typing import Any

from tqdm import tqdm

ROUNDS = int(os.environ.get("BENCH_LOGIN_ROUNDS", "30"))


def timings() -> dict[str, float]:
    from django.conf import settings
    from django.contrib.auth import hashers

    from accounts import roles as R
    from accounts.errors import AuthenticationRefused
    from accounts.services import (
        authenticate_credentials,
        authentication,
        service_account_create,
        user_create,
        user_deactivate,
    )
    from audit.actors import SystemActor

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.LOCKOUT_THRESHOLD = 10**9  # measure refusals, not the lock
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()
    authentication._decoy_hash.cache_clear()
    actor = SystemActor("system:bench")
    user_create(
        actor=actor, username="bench-known", full_name="Known", roles=[R.OPERATOR], reason="bench"
    )
    gone, _ = user_create(
        actor=actor, username="bench-gone", full_name="Gone", roles=[R.OPERATOR], reason="bench"
    )
    user_deactivate(actor=actor, user=gone, reason="bench")
    service_account_create(actor=actor, username="bench-svc", full_name="Service", reason="bench")
    cases = {
        "wrong password (baseline)": "bench-known",
        "unknown username": "bench-nobody",
        "service account": "bench-svc",
        "deactivated account": "bench-gone",
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in tqdm(range(ROUNDS), desc="sign-in refusals", leave=False):
        for name, username in cases.items():
            started = time.perf_counter()
            with contextlib.suppress(AuthenticationRefused):
                authenticate_credentials(username=username, password="not the password")
            results[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in results.items()}


def run() -> None:
    print("== accounts: time of a refused sign-in, by who the name belongs to ==")
    medians: dict[str, Any] = timings()
    base = medians["wrong password (baseline)"]
    for name, seconds in medians.items():
        print(f"{name:<28} {seconds * 1000:7.1f} ms  ratio {seconds / base:.2f}")
