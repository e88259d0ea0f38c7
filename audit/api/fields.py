"""The `signature` body of API.md as a DRF field, for every endpoint that signs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import SignatureMeaning
from audit.signing import SignatureRequest


class SignatureBodySerializer(serializers.Serializer[SignatureRequest]):
    username = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The signer (required unless a continuous browser session already signed).",
    )
    password = serializers.CharField(write_only=True, trim_whitespace=False)
    meaning = serializers.ChoiceField(choices=SignatureMeaning.choices)
    reason = serializers.CharField()


@extend_schema_field(SignatureBodySerializer)
class SignatureField(serializers.Field):  # type: ignore[type-arg]
    """Validates `{"username", "password", "meaning", "reason"}` into a SignatureRequest.

    Only the shape is checked here: re-authentication, the signer's right to
    sign and the meaning's fit for the action are the signing service's rules.
    """

    default_error_messages = {"invalid": "Expected an object with password, meaning and reason."}

    def __init__(self, *, meanings: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        self.meanings = meanings
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> SignatureRequest:
        if not isinstance(data, dict):
            self.fail("invalid")
        body = SignatureBodySerializer(data=data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        if self.meanings and values["meaning"] not in self.meanings:
            raise serializers.ValidationError(
                {"meaning": f"This action is signed as {' or '.join(self.meanings)}."}
            )
        return SignatureRequest(
            username=values.get("username", ""),
            password=values["password"],
            meaning=values["meaning"],
            reason=values["reason"],
        )

    def to_representation(self, value: Any) -> Any:
        return None
