"""Test settings: the real PostgreSQL + TimescaleDB of this checkout.

The default connection is the migration role (it creates and migrates the test
database from the TimescaleDB template); runtime-role refusals use SET ROLE.
"""

import os

from config.env import BASE_DIR, LOCAL_DATABASE_KEYS, load_env_file

# The suite's tamper tests and table resets act as the superuser; the application never does.
load_env_file(BASE_DIR / ".data" / "env", LOCAL_DATABASE_KEYS | {"SUPERUSER_DATABASE_URL"})
os.environ.setdefault("LEDGERLINE_DB_ROLE", "migration")

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import INSTALLED_APPS, PASSWORD_HASHERS  # noqa: E402

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"
# Argon2 stays first (tests check it); cheap parameters keep the suite fast.
PASSWORD_HASHERS = ["core.testing.FastArgon2PasswordHasher", *PASSWORD_HASHERS]
ALLOWED_HOSTS = ["*"]
SIGNING_KEY_DIR = str(BASE_DIR / ".state" / "test-keys")
# Other state the tests write (the demo collector's token) stays out of the demo's.
STATE_DIR = str(BASE_DIR / ".state" / "test")
REPORT_SIGNING_DIR = str(BASE_DIR / ".state" / "test-reports")
# Every test database restarts its chain at genesis: a fixture gives each test its own
# witness directory (tests/conftest.py); this one is never written by the suite.
WITNESS_DIR = str(BASE_DIR / ".state" / "test-witness")
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
ROOT_URLCONF = "tests.testapp.urls"
