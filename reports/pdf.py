"""Rendering a report's content as a PDF (reportlab): A4, the same header and footer on every
page — the document id, "page x of y", who generated it and when (the site's zone with UTC
beside), the SHA-256 of its content manifest — and the document's metadata for validators."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import orjson
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

INK = colors.HexColor("#14212b")
MUTED = colors.HexColor("#5b6b79")
BRAND = colors.HexColor("#0f5e8c")
LINE = colors.HexColor("#d5dde5")
BAD = colors.HexColor("#b42318")

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle("title", parent=_base["Title"], fontSize=17, leading=21,
                            alignment=TA_LEFT, textColor=INK, spaceAfter=4),
    "h2": ParagraphStyle("h2", parent=_base["Heading2"], fontSize=12.5, leading=15,
                         textColor=BRAND, spaceBefore=10, spaceAfter=4),
    "h3": ParagraphStyle("h3", parent=_base["Heading3"], fontSize=10.5, leading=13,
                         textColor=INK, spaceBefore=6, spaceAfter=2),
    "body": ParagraphStyle("body", parent=_base["BodyText"], fontSize=9, leading=11.5,
                           textColor=INK),
    "small": ParagraphStyle("small", parent=_base["BodyText"], fontSize=7.5, leading=9.5,
                            textColor=MUTED),
    "cell": ParagraphStyle("cell", parent=_base["BodyText"], fontSize=7.8, leading=9.6,
                           textColor=INK),
    "manifest": ParagraphStyle("manifest", parent=_base["BodyText"], fontSize=7.5,
                               leading=9.5, textColor=INK, fontName="Courier"),
}  # fmt: skip


def manifest_sha256(manifest: Any) -> str:
    """The digest of a report's content manifest (canonical JSON: sorted keys, UTF-8)."""
    data = orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(data).hexdigest()


def when(value: datetime | None) -> str:
    """A moment as a person reads it on paper: the site's zone, UTC beside."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    utc = value.astimezone(UTC)
    if local.utcoffset() == utc.utcoffset():
        return f"{utc:%Y-%m-%d %H:%M:%S} UTC"
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()} ({utc:%H:%M:%S} UTC)"


def para(text: Any, style: str = "body") -> Paragraph:
    from xml.sax.saxutils import escape

    return Paragraph(escape("" if text is None else str(text)), STYLES[style])


def table(header: Sequence[str], rows: Sequence[Sequence[Any]],
          widths: Sequence[float] | None = None) -> Table:  # fmt: skip
    """A table whose cells wrap, the header repeated on every page it spans."""
    data = [[para(h, "cell") for h in header]]
    data += [[c if isinstance(c, Flowable) else para(c, "cell") for c in row] for row in rows]
    found = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    found.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))  # fmt: skip
    return found


def pairs(rows: Sequence[tuple[str, Any]]) -> Table:
    """Label–value lines."""
    data = [[para(k, "small"), v if isinstance(v, Flowable) else para(v)] for k, v in rows]
    found = Table(data, colWidths=[38 * mm, None], hAlign="LEFT")
    found.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))  # fmt: skip
    return found


@dataclass
class Content:
    """What a report shows: its title, the flowables, and the manifest (the data it shows, in
    canonical form, whose SHA-256 the pages carry)."""

    title: str
    subtitle: str
    story: list[Flowable] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stamp:
    document_id: str
    generated_by: str  # printed name (username)
    generated_at: datetime
    manifest_sha256: str


def render(content: Content, stamp: Stamp) -> tuple[bytes, int]:
    """(the PDF, its page count)."""
    out = BytesIO()
    pages: list[int] = []

    class Numbered(pdfcanvas.Canvas):  # type: ignore[misc]  # two passes: "page x of y" needs y
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            pages.append(total)
            for state in self._saved:
                self.__dict__.update(state)
                _furnish(self, stamp, content.title, self._pageNumber, total)
                super().showPage()
            super().save()

    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=20 * mm,
        bottomMargin=20 * mm, title=content.title, author=stamp.generated_by,
        subject=f"Ledgerline document {stamp.document_id}", creator="Ledgerline",
        keywords=f"document_id={stamp.document_id}; manifest_sha256={stamp.manifest_sha256}; "
                 f"generated_at={stamp.generated_at.astimezone(UTC).isoformat()}",
    )  # fmt: skip
    head = [
        para(content.title, "title"),
        para(content.subtitle, "small"),
        Spacer(1, 3 * mm),
        KeepTogether(
            [
                pairs(
                    [
                        ("Document", stamp.document_id),
                        ("Generated", f"{when(stamp.generated_at)} by {stamp.generated_by}"),
                        (
                            "Content manifest",
                            Paragraph(f"SHA-256 {stamp.manifest_sha256}", STYLES["manifest"]),
                        ),
                        (
                            "Signature",
                            "PAdES, by the Ledgerline report certificate "
                            "(/api/v1/reports/signing-certificate/); verify at /reports/verify/",
                        ),
                    ]
                )
            ]
        ),
        Spacer(1, 4 * mm),
    ]
    doc.build(head + content.story, canvasmaker=Numbered)
    return out.getvalue(), pages[0] if pages else 1


def _furnish(canvas: Any, stamp: Stamp, title: str, page: int, total: int) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setStrokeColor(LINE)
    canvas.setLineWidth(0.4)
    canvas.line(16 * mm, height - 14 * mm, width - 16 * mm, height - 14 * mm)
    canvas.line(16 * mm, 14 * mm, width - 16 * mm, 14 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(16 * mm, height - 12 * mm, f"Ledgerline · {title}"[:110])
    canvas.drawRightString(width - 16 * mm, height - 12 * mm, stamp.document_id)
    made = f"{when(stamp.generated_at)} by {stamp.generated_by}"
    canvas.drawString(16 * mm, 10 * mm, f"Document {stamp.document_id} · generated {made}")
    canvas.drawString(16 * mm, 6.5 * mm, f"Content manifest SHA-256 {stamp.manifest_sha256}")
    canvas.drawRightString(width - 16 * mm, 10 * mm, f"Page {page} of {total}")
    canvas.restoreState()
