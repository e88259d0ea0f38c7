from typing import Any

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor
from rest_framework.pagination import CursorPagination as _CursorPagination


class CursorPagination(_CursorPagination):
    """`{"results": [...], "next": url | null}` (API.md, "Lists").

    A cursor that was not handed out by a previous page is bad input (400), not a missing
    resource.
    """

    def decode_cursor(self, request: Any) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {"cursor": "not a cursor this list gave: follow the `next` link"}
            ) from None

    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering = "-pk"

    def get_paginated_response(self, data):  # type: ignore[no-untyped-def]
        from rest_framework.response import Response

        return Response(
            {"results": data, "next": self.get_next_link(), "previous": self.get_previous_link()}
        )

    def get_paginated_response_schema(self, schema):  # type: ignore[no-untyped-def]
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
