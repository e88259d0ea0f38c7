"""Who acts: a person's account, or a named machine actor (`system:<name>`).

The audit trail attributes every write to one of them. `audit` knows no user
model beyond `settings.AUTH_USER_MODEL`: a person is anything with the
`Actor` shape (the accounts app's `User` has it).
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias, runtime_checkable


@runtime_checkable
class Actor(Protocol):
    """A person (or service account) who can act: authenticated, with permissions."""

    pk: Any
    username: str
    is_active: bool

    @property
    def is_authenticated(self) -> bool: ...

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...


class Signer(Actor, Protocol):
    """A person who signs: the printed name goes into the manifestation (11.50)."""

    full_name: str


class SystemActor:
    """A named machine actor (`system:seed`, `system:migration`, …) for work no person does.

    It may call services (there is no person to act), and it is recorded in
    the audit trail by its name, with no account id.
    """

    pk = None
    is_active = True
    is_authenticated = True

    def __init__(self, name: str) -> None:
        if not name.startswith("system:"):
            raise ValueError("system actors are named 'system:<name>'")
        self.username = name

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True

    def __str__(self) -> str:
        return self.username


# What a service's `actor` may be: an account, a system actor, or a system actor's name.
AnyActor: TypeAlias = Actor | SystemActor | str


class MissingActor(ValueError):
    """An audit context needs someone to attribute the writes to."""


def actor_identity(
    actor: AnyActor | None, *, allow_anonymous: bool = False
) -> tuple[int | None, str]:
    """(id, username) of an account, of a system actor, or of a `system:<name>` string.

    Without an actor there is no attribution: refused, unless `allow_anonymous` (a
    security event about a request nobody authenticated, e.g. a failed login of an
    unknown username), which is recorded as `anonymous`.
    """
    if actor is None:
        if allow_anonymous:
            return None, "anonymous"
        raise MissingActor("an audit context needs an actor")
    if isinstance(actor, str):
        if not actor.startswith("system:"):
            raise MissingActor("a named actor is 'system:<name>'")
        return None, actor
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "username", ""):
        raise MissingActor("an anonymous user cannot write GxP records")
    pk = getattr(actor, "pk", None)
    return (int(pk) if pk is not None else None), str(actor.username)
