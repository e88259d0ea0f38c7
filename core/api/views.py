"""The base API view every endpoint derives from."""

from __future__ import annotations

from typing import ClassVar

from rest_framework.views import APIView

from core.api.permissions import CapabilityPermission


class LedgerlineAPIView(APIView):
    """The base of every endpoint: authentication, the capability permission and error bodies,
    never forgotten. (Each operation documents itself with `extend_schema`; a test checks
    that none falls back to this text.)"""

    permission_classes = [CapabilityPermission]
    capabilities: ClassVar[dict[str, str | tuple[str, ...]]] = {}
    public: ClassVar[bool] = False
