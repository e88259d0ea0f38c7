"""Test-only helpers importable by settings (nothing here is used in production)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with cheap parameters: the test suite hashes hundreds of passwords."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
