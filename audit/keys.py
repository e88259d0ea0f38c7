"""The server's Ed25519 signing keys: read from a directory, created on first run locally.

The directory (LEDGERLINE_SIGNING_KEY_DIR) holds `<key_id>.pem` private keys
(PKCS#8, mode 0600) and a `current` file naming the key in use. Production
points it at a mounted secret and sets LEDGERLINE_SIGNING_KEY_CREATE=false, so
a missing key is an error rather than a silent new identity. Keys are never
committed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class SigningKeyMissing(RuntimeError):
    """No usable server key: configure LEDGERLINE_SIGNING_KEY_DIR."""


@dataclass(frozen=True)
class ServerKey:
    key_id: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_pem(self) -> str:
        return public_pem(self.public_key)

    def sign(self, data: bytes) -> str:
        return self.private_key.sign(data).hex()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id_of(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def key_dir() -> Path:
    return Path(settings.SIGNING_KEY_DIR)


def _write_key(directory: Path, private_key: Ed25519PrivateKey) -> str:
    key_id = key_id_of(private_key.public_key())
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{key_id}.pem"
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key_id


def _load(directory: Path, key_id: str) -> ServerKey:
    path = directory / f"{key_id}.pem"
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyMissing(f"{path} is not an Ed25519 private key")
    if key_id_of(private_key.public_key()) != key_id:
        raise SigningKeyMissing(f"{path} does not hold key {key_id}")
    return ServerKey(key_id=key_id, private_key=private_key)


def current_key() -> ServerKey:
    """The key in use; created on first run where LEDGERLINE_SIGNING_KEY_CREATE allows it."""
    directory = key_dir()
    pointer = directory / "current"
    if pointer.is_file():
        return _load(directory, pointer.read_text().strip())
    if not settings.SIGNING_KEY_CREATE:
        raise SigningKeyMissing(
            f"no server signing key in {directory}: provision one with "
            "'manage.py audit_rotate_key' or mount the key directory"
        )
    key_id = _write_key(directory, Ed25519PrivateKey.generate())
    pointer.write_text(key_id + "\n")
    return _load(directory, key_id)


def load_key(key_id: str) -> ServerKey:
    return _load(key_dir(), key_id)


def new_key() -> ServerKey:
    """Create a new key file (not yet current: rotation makes it current)."""
    directory = key_dir()
    key_id = _write_key(directory, Ed25519PrivateKey.generate())
    return _load(directory, key_id)


def make_current(key: ServerKey) -> None:
    (key_dir() / "current").write_text(key.key_id + "\n")
