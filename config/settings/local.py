"""Developer and demo settings: the per-checkout cluster of deploy/local/."""

from config.env import BASE_DIR, LOCAL_DATABASE_KEYS, load_env_file

load_env_file(BASE_DIR / ".data" / "env", LOCAL_DATABASE_KEYS)

from config.env import env_bool, env_str  # noqa: E402
from config.settings.base import *  # noqa: E402,F403

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "local-only-not-a-secret-" + str(BASE_DIR)
