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
