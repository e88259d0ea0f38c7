"""A test-only signing endpoint: the thin view later apps follow (parse, call one service,
answer) with the signature field plugged in."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.api.fields import SignatureField
from core.api.views import LedgerlineAPIView
from tests.testapp.models import Specimen
from tests.testapp.services import specimen_approve


class SpecimenApproveSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True)
    signature = SignatureField(meanings=("approved",))


@extend_schema(exclude=True)  # the test stand-in's endpoint is not part of the product's API
class SpecimenApproveView(LedgerlineAPIView):
    capabilities = {"POST": "historian.view_process_data"}

    def post(self, request: Request, pk: int) -> Response:
        body = SpecimenApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        approved, signature = specimen_approve(
            actor=request.user,
            specimen=get_object_or_404(Specimen, pk=pk),
            note=body.validated_data.get("note", ""),
            signature=body.validated_data["signature"],
            session=request.session if request.auth is None else None,
        )
        return Response(
            {"id": approved.pk, "signature": signature.pk}, status=status.HTTP_201_CREATED
        )
