"""The reports' PAdES signatures (pyhanko) and their offline validation.

The certificate: the site's own PKI when configured (LEDGERLINE_REPORT_CERT, _KEY and optional
_CHAIN: PEM files; the chain's last certificate is the root validators are told to trust),
else the installation's own self-signed ECDSA P-256 certificate, created once under
REPORT_SIGNING_DIR (mode 0700, the key 0600). Either is served at
`/api/v1/reports/signing-certificate/`. Validation trusts exactly that root and fetches
nothing: a PDF is authentic when its signature is intact, valid and chains to it, and unchanged
when the signature covers the entire file (an update appended after signing — even one pyhanko
calls harmless, such as new metadata — is a change)."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

# pyhanko logs whole tracebacks at ERROR for an untrusted chain or an appended change, though
# validation answers normally: what it found is in the answer.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

FIELD = "Ledgerline"
T = TypeVar("T")


@dataclass(frozen=True)
class Credentials:
    key_pem: bytes
    cert_pem: bytes
    chain_pems: tuple[bytes, ...]  # the intermediates and root, when the site has its PKI

    @property
    def root_pem(self) -> bytes:
        return self.chain_pems[-1] if self.chain_pems else self.cert_pem

    @property
    def served_pem(self) -> bytes:
        """The certificate and its chain, as served for validators."""
        return self.cert_pem + b"".join(self.chain_pems)


def _configured() -> Credentials | None:
    cert, key = os.environ.get("LEDGERLINE_REPORT_CERT"), os.environ.get("LEDGERLINE_REPORT_KEY")
    if not cert or not key:
        return None
    chain = os.environ.get("LEDGERLINE_REPORT_CHAIN")
    chain_pems = tuple(_split_pem(Path(chain).read_bytes())) if chain else ()
    return Credentials(Path(key).read_bytes(), Path(cert).read_bytes(), chain_pems)


def _split_pem(data: bytes) -> list[bytes]:
    marker = b"-----END CERTIFICATE-----"
    return [
        part.strip() + b"\n" + marker + b"\n" for part in data.split(marker) if b"BEGIN" in part
    ]


def _own() -> Credentials:
    """The installation's own certificate, made once (atomically: a directory renamed in)."""
    home = Path(settings.REPORT_SIGNING_DIR)
    key_file, cert_file = home / "report-signing-key.pem", home / "report-signing-cert.pem"
    if not cert_file.exists():
        home.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".report-signing-", dir=home.parent))
        key_pem, cert_pem = _self_signed()
        (staging / key_file.name).write_bytes(key_pem)
        os.chmod(staging / key_file.name, 0o600)
        (staging / cert_file.name).write_bytes(cert_pem)
        try:
            staging.rename(home)  # fails when another process made it first
        except OSError:
            for leftover in staging.iterdir():
                leftover.unlink()
            staging.rmdir()
    return Credentials(key_file.read_bytes(), cert_file.read_bytes(), ())


def _self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "Ledgerline report signing"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.REPORT_SIGNING_ORGANISATION),
    ])  # fmt: skip
    now = datetime.now(tz=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@lru_cache(maxsize=1)
def credentials() -> Credentials:
    return _configured() or _own()


def signed_by(credentials_: Credentials | None = None) -> str:
    cert = x509.load_pem_x509_certificate((credentials_ or credentials()).cert_pem)
    return cert.subject.rfc4514_string()


def _outside_event_loop(call: Callable[[], T]) -> T:
    """pyhanko runs its own event loop (asyncio.run): from a thread that has one running (an
    async worker, a test driving a browser), do the work in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def sign(pdf: bytes, *, reason: str = "Generated by Ledgerline") -> bytes:
    """The PDF with an invisible PAdES signature (SHA-256) by the report certificate."""
    return _outside_event_loop(lambda: _sign(pdf, reason))


def _sign(pdf: bytes, reason: str) -> bytes:
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    found = credentials()
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    for pem in found.chain_pems:
        registry.register(next(load_certs_from_pemder_data(pem)))
    signer = signers.SimpleSigner(
        signing_cert=next(load_certs_from_pemder_data(found.cert_pem)),
        signing_key=load_private_key_from_pemder_data(found.key_pem, passphrase=None),
        cert_registry=registry,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location="Ledgerline",
    )  # fmt: skip
    out = signers.sign_pdf(writer, meta, signer=signer,
                           new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD))  # fmt: skip
    return bytes(out.getvalue())


@dataclass(frozen=True)
class Verdict:
    authentic: bool
    unchanged: bool
    signed_by: str | None
    problem: str


def verify(pdf: bytes) -> Verdict:
    """Whether a PDF is authentic (signed by the report certificate) and unchanged since."""
    return _outside_event_loop(lambda: _verify(pdf))


def _verify(pdf: bytes) -> Verdict:
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    root = next(load_certs_from_pemder_data(credentials().root_pem))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    try:
        found: Any = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
        if len(found) != 1:
            return Verdict(False, False, None, f"{len(found)} signatures: a Ledgerline report "
                                               "has exactly one")  # fmt: skip
        status = validate_pdf_signature(found[0], signer_validation_context=context)
    except Exception as exc:  # a damaged file or signature: neither authentic nor unchanged
        return Verdict(False, False, None, f"{type(exc).__name__}: {exc}"[:300])
    unchanged = bool(status.intact and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)
    authentic = bool(status.intact and status.valid and status.trusted)
    subject = status.signing_cert.subject.human_friendly if status.signing_cert else None
    problem = "" if authentic and unchanged else status.summary()
    return Verdict(authentic, unchanged, subject, problem)
