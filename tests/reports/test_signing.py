"""The report certificate: the installation's own (made once, the key private to its owner) or
the site's PKI (a leaf issued by the site's CA, with its chain): signed PDFs verify against
the root served for validators, and not against another root."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from reportlab.pdfgen import canvas

from reports import signing


def _pdf() -> bytes:
    from io import BytesIO

    out = BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "A report")
    page.save()
    return out.getvalue()


Issuer = tuple[x509.Name, ec.EllipticCurvePrivateKey]


def _cert(name: str, key: ec.EllipticCurvePrivateKey, issuer: Issuer | None,
          ca: bool) -> x509.Certificate:  # fmt: skip
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = issuer or (subject, key)
    now = datetime.now(tz=UTC)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )  # fmt: skip
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def fresh() -> Iterator[None]:
    signing.credentials.cache_clear()
    yield
    signing.credentials.cache_clear()


def test_the_installation_makes_its_own_certificate_once(
    settings: object, tmp_path: Path, fresh: None
) -> None:
    settings.REPORT_SIGNING_DIR = str(tmp_path / "reports")  # type: ignore[attr-defined]
    signed = signing.sign(_pdf())
    key = tmp_path / "reports" / "report-signing-key.pem"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    first = signing.credentials().cert_pem
    signing.credentials.cache_clear()
    assert signing.credentials().cert_pem == first  # made once, then read
    verdict = signing.verify(signed)
    assert (verdict.authentic, verdict.unchanged) == (True, True)


def test_a_sites_pki_signs_and_its_root_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    root_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    root = _cert("Site Root CA", root_key, None, ca=True)
    leaf = _cert("Site report signing", leaf_key, (root.subject, root_key), ca=False)
    (tmp_path / "leaf.pem").write_bytes(_pem(leaf))
    (tmp_path / "chain.pem").write_bytes(_pem(root))
    (tmp_path / "key.pem").write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    monkeypatch.setenv("LEDGERLINE_REPORT_CERT", str(tmp_path / "leaf.pem"))
    monkeypatch.setenv("LEDGERLINE_REPORT_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setenv("LEDGERLINE_REPORT_CHAIN", str(tmp_path / "chain.pem"))
    signed = signing.sign(_pdf())
    assert signing.credentials().root_pem == _pem(root)
    assert _pem(root) in signing.credentials().served_pem  # validators get the chain
    verdict = signing.verify(signed)
    assert (verdict.authentic, verdict.unchanged) == (True, True)
    assert verdict.signed_by is not None
    assert "Site report signing" in verdict.signed_by
    # Against another root (the installation's own, say) the same file is not authentic.
    monkeypatch.delenv("LEDGERLINE_REPORT_CERT")
    monkeypatch.delenv("LEDGERLINE_REPORT_KEY")
    monkeypatch.delenv("LEDGERLINE_REPORT_CHAIN")
    signing.credentials.cache_clear()
    other = signing.verify(signed)
    assert (other.authentic, other.unchanged) == (False, True)
