"""factory_boy factories for test data. Every record goes through its service, so the audit
trail, the signatures and the state check see test data exactly as they see real data."""

from __future__ import annotations

from typing import Any

import factory

from accounts import roles as R
from accounts.models import User
from accounts.services import user_create
from audit.actors import SystemActor
from audit.context import audit_context
from historian.models import Tag
from historian.services import tag_create
from tests.testapp.models import Specimen

SEED = SystemActor("system:seed")
PASSWORD = "correct horse battery staple 42"


class PersonFactory(factory.Factory):  # type: ignore[misc]
    """A person with one or more roles and the known test password, no change required."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"person{n}")
    full_name = factory.LazyAttribute(lambda person: person.username.replace("-", " ").title())
    roles: Any = factory.LazyFunction(lambda: [R.OPERATOR])

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> User:
        user, _ = user_create(
            actor=SEED,
            username=kwargs["username"],
            full_name=kwargs["full_name"],
            roles=list(kwargs["roles"]),
            reason="test person",
        )
        with audit_context(actor=SEED, reason="test password"):
            user.set_password(PASSWORD)
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
        return user


class TagFactory(factory.Factory):  # type: ignore[misc]
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"L1.UNIT.T{n:03d}")
    equipment = "L1/UNIT"
    unit = "kg/h"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Tag:
        actor = kwargs.pop("actor", SEED)
        return tag_create(actor=actor, **kwargs)


class SpecimenFactory(factory.Factory):  # type: ignore[misc]
    class Meta:
        model = Specimen

    name = factory.Sequence(lambda n: f"specimen {n}")
    value = 98.7

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Specimen:
        actor = kwargs.pop("actor", SEED)
        with audit_context(actor=actor, reason=""):
            return Specimen.objects.create(**kwargs)
