"""What the batch-record API says of itself in /api/docs/ (API.md's words)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from historian.api.docs import Doc

LINE_CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="The line's code, e.g. `L1`."
)
MATERIAL = OpenApiParameter(
    "material", str, OpenApiParameter.PATH, description="The material, e.g. `API-X`."
)
LOT = OpenApiParameter("lot", str, OpenApiParameter.PATH, description="The lot number.")
LOT_FILTERS = [
    OpenApiParameter(
        "material",
        str,
        description="Only lots of this material.",
        examples=[OpenApiExample("material", value="API-X")],
    ),
    OpenApiParameter(
        "status",
        str,
        description="Only lots in this status: `quarantine`, `released` or `rejected`.",
        examples=[OpenApiExample("status", value="released")],
    ),
]

LINES_LIST: Doc = {
    "summary": "Lines",
    "description": "Cursor-paginated lines, each with its equipment path, outlet tag and feeders.",
}
LINE_CREATE: Doc = {
    "summary": "Define a line",
    "description": (
        "`{code, name, equipment, outlet_tag}`: a line is the equipment node it names "
        "(`equipment`, default the code; created with its missing levels when new); its "
        "feeders are that node's children, addressed by name; its tags are the tags under "
        "it. `outlet_tag` (optional) is a numeric mass-flow tag under the node (kg/h, "
        "kg/min, kg/s, g/h, g/min, g/s, t/h); a quantity-defined batch integrates it. Audited."
    ),
}
LINE_GET: Doc = {
    "summary": "One line",
    "description": "The line with its feeders and every tag under its equipment node.",
}
LOTS_LIST: Doc = {
    "summary": "Material lots",
    "description": (
        "Cursor-paginated lots, each with its status and, once QA decided, the disposition "
        "signature (who, when, meaning, reason)."
    ),
}
LOT_CREATE: Doc = {
    "summary": "Receive a material lot",
    "description": (
        "`{material, lot, supplier, supplier_lot, quantity, unit, expires_at}`; (`material`, "
        "`lot`) is unique. Created `quarantine`: it cannot be used in a batch or charged to "
        "a feeder until QA releases it. Audited."
    ),
}
LOT_GET: Doc = {"summary": "One material lot", "description": "The lot and its disposition."}
LOT_DISPOSITION: Doc = {
    "summary": "Release or reject a lot (QA, signed)",
    "description": (
        "`{decision: release | reject, signature}`: from `quarantine` only (else 409 naming "
        "the current and allowed statuses); signed by a QA reviewer with meaning `released` "
        "or `rejected`. An integration account may carry a QA reviewer's signature (the "
        "signer is the actor; the chain records the carrier). A signer who is not QA, or a "
        "failed re-authentication → 403 `signature_failed`; nothing changes."
    ),
}
