"""The test stand-in's one signed service: the example every later app follows.

A service is keyword-only, takes the actor (and a reason where it changes something), opens
its transaction and audit context in one statement, and for a signed change re-authenticates
the signer before it writes (`audit.signing.signed_change`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from audit.models import Signature
from audit.signing import SignatureRequest, signed_change
from tests.testapp.models import Specimen


def specimen_approve(
    *,
    actor: Any,
    specimen: Specimen,
    note: str,
    signature: SignatureRequest,
    session: SessionBase | None = None,
) -> tuple[Specimen, Signature]:
    """A new version of the specimen carrying the note, signed `approved` by the signer."""
    with signed_change(
        actor=actor, reason="approval note", signature=signature, session=session
    ) as signed:
        approved = Specimen.objects.create(
            name=specimen.name,
            value=specimen.value,
            version=specimen.version + 1,
            supersedes=specimen,
            note=note,
        )
        return approved, signed.sign(approved)
