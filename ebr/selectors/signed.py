"""Signatures as the batch-record reads show them (21 CFR 11.50 manifestations)."""

from __future__ import annotations

from typing import Any

from audit.canonical import format_ts
from audit.models import Signature


def signature_json(signature: Signature) -> dict[str, Any]:
    return {
        "meaning": signature.meaning,
        "signed_by": signature.signer_username,
        "printed_name": signature.printed_name,
        "signed_at": format_ts(signature.signed_at),
        "reason": signature.reason,
    }


# What a manifestation shows and what groups signatures by record: the rest of a signature
# (its signed fields, hashes, the server's signature) is for the verifier, not for pages.
SHOWN = ("meaning", "signer_username", "printed_name", "signed_at", "reason", "record_table",
         "record_pk")  # fmt: skip
