"""The one wording of a signature manifestation, for screens and PDFs alike."""

from __future__ import annotations

from datetime import UTC

from audit.models import Signature


def signed_at_text(signature: Signature) -> str:
    return signature.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def manifestation_text(signature: Signature) -> str:
    """`Electronically signed by <printed name> (<username>) on <UTC time> — <meaning>`."""
    return (
        f"Electronically signed by {signature.printed_name} ({signature.signer_username}) "
        f"on {signed_at_text(signature)} — {signature.get_meaning_display()}"
    )
