"""Account use cases: identity, roles, lockout, passwords and API tokens.

Every function records its Part 11 security event in the same transaction.

Lock order. Two locks meet in authentication: an account's login-throttle row
(`SELECT … FOR UPDATE`, held while its password is checked, so that counting a
failure, setting the lock and letting the right password in are one atomic
step per account), and the audit chain's advisory lock (taken when a
transaction seals its events, held to commit). Everywhere, a transaction that
needs both takes the throttle row first and the chain lock second: a failed
login locks the row, then records its security events; a signing
re-authenticates the signer before it writes anything audited
(`audit.signing.reauthenticate_signer` refuses to run once the chain lock is
held). One order, so two of them can never wait on each other.

The package: checks.py (what every service checks first), authentication.py (passwords,
lockout, the signer's re-authentication), users.py (people, roles, passwords), tokens.py
(API tokens). Import from the package: the names below are its public face.
"""

from __future__ import annotations

from accounts.services.authentication import (
    authenticate_credentials,
    authenticate_signer,
    is_locked,
    user_unlock,
)
from accounts.services.checks import Actor
from accounts.services.tokens import (
    TOKEN_PREFIX,
    token_authenticate,
    token_digest,
    token_issue,
    token_revoke,
    token_rotate,
)
from accounts.services.users import (
    check_role_combination,
    one_time_password,
    service_account_create,
    user_change_password,
    user_create,
    user_deactivate,
    user_reactivate,
    user_reset_password,
    user_set_roles,
)

__all__ = [
    "TOKEN_PREFIX",
    "Actor",
    "authenticate_credentials",
    "authenticate_signer",
    "check_role_combination",
    "is_locked",
    "one_time_password",
    "service_account_create",
    "token_authenticate",
    "token_digest",
    "token_issue",
    "token_revoke",
    "token_rotate",
    "user_change_password",
    "user_create",
    "user_deactivate",
    "user_reactivate",
    "user_reset_password",
    "user_set_roles",
    "user_unlock",
]
