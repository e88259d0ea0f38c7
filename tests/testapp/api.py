"""A test-only signing endpoint: how later issues plug the signature field in."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.api.fields import SignatureField
from audit.context import audit_context
from audit.signing import sign_record
from core.api.views import LedgerlineAPIView
from tests.testapp.models import Specimen


class SpecimenApproveSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True)
    signature = SignatureField(meanings=("approved",))


@extend_schema(exclude=True)  # the test stand-in's endpoint is not part of the product's API
class SpecimenApproveView(LedgerlineAPIView):
    capabilities = {"POST": "historian.view_process_data"}

    def post(self, request: Request, pk: int) -> Response:
        body = SpecimenApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        specimen = get_object_or_404(Specimen, pk=pk)
        session = request.session if request.auth is None else None
        session_user = request.user if request.auth is None else None
        with transaction.atomic():
            with audit_context(actor=request.user, reason="approval note"):
                approved = Specimen.objects.create(
                    name=specimen.name,
                    value=specimen.value,
                    version=specimen.version + 1,
                    supersedes=specimen,
                    note=body.validated_data.get("note", ""),
                )
            signature = sign_record(
                record=approved,
                request=body.validated_data["signature"],
                session_user=session_user,
                session=session,
            )
        return Response(
            {"id": approved.pk, "signature": signature.pk}, status=status.HTTP_201_CREATED
        )
