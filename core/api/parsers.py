"""Request parsers: JSON through orjson (fast, strict), CSV handed over as text."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer


class FastJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return orjson.loads(stream.read())
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"the body is not valid JSON: {exc}") from exc


class CSVTextParser(BaseParser):
    media_type = "text/csv"

    def parse(  # type: ignore[override]
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> str:
        try:
            text: str = stream.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("the CSV body is not UTF-8") from exc
        return text


class CSVRenderer(BaseRenderer):
    """Lets `Accept: text/csv` through content negotiation; the view writes the CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> Any:
        return data if isinstance(data, str | bytes) else str(data)
