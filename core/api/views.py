"""The base API view every endpoint derives from."""

from __future__ import annotations

from typing import ClassVar

from rest_framework.views import APIView

from core.api.permissions import CapabilityPermission


class LedgerlineAPIView(APIView):
    """Authentication, the capability permission and error bodies, never forgotten."""

    permission_classes = [CapabilityPermission]
    capabilities: ClassVar[dict[str, str]] = {}
    public: ClassVar[bool] = False
