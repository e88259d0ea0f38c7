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

MASTER_CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="The master record's code, e.g. `DC-TAB-10`."
)
MASTER_VERSION = OpenApiParameter(
    "version", int, OpenApiParameter.PATH, description="The version (1, 2, …)."
)
MASTER_FILTERS = [
    OpenApiParameter(
        "code", str, description="Only versions of this code.",
        examples=[OpenApiExample("code", value="DC-TAB-10")],
    ),
    OpenApiParameter(
        "status", str,
        description="Only versions in this status (draft, in_review, approved, effective, "
        "retired).",
        examples=[OpenApiExample("status", value="effective")],
    ),
]  # fmt: skip
MASTERS_LIST: Doc = {
    "summary": "Master batch records",
    "description": (
        "Cursor-paginated versions (every version of every code), each with its definition "
        "and signatures."
    ),
}
MASTER_CREATE: Doc = {
    "summary": "Draft a master record, or its next version",
    "description": (
        "A new `code` makes version 1 as a draft (`product`, `title`, `line`, `steps` "
        "required; `batch_definition` `time` (default) or `quantity` — the line then needs "
        "an outlet tag; `late_after` default `30m`). An existing code makes its next version "
        "as a draft copied from the latest version, with the fields given applied; 409 while "
        "a draft or a version in review exists. Steps: `code`, `title`, `instruction`, "
        "`operation`, `after` (earlier step codes), `repeatable`, `fields` (`name`, `type` "
        "one of number, int, text, bool, choice, timestamp, lot, equipment; `unit`, `low`, "
        "`alert_low`, `alert_high`, `high` for number and int; `choices` for choice; "
        "`required`), `required_signatures` (`performed`, and `verified` where a second "
        "person checks). `parameter_specs`: numeric tags of the line with limits; "
        "`lims_tests`: `test`, `unit`, `low`, `high`. A bad definition → 400 with `fields` "
        "naming each problem by its path, e.g. `steps[2].fields[0].low`."
    ),
}
MASTER_GET: Doc = {"summary": "One master record version", "description": "With its signatures."}
MASTER_PATCH: Doc = {
    "summary": "Edit a draft",
    "description": (
        "Any header or definition field, with `reason`. Only a draft is edited: any other "
        "status → 409 (an approved version never changes; draft a new version instead)."
    ),
}
MASTER_TRANSITION: Doc = {
    "summary": "Move a version along its lifecycle",
    "description": (
        "`{status, reason, signature}`: draft → in_review (its author submits), in_review → "
        "draft (returned for changes), in_review → approved (a QA `signature` with meaning "
        "`approved`; nobody who wrote the version approves it → 403 `signature_failed`), "
        "approved → effective (a QA `signature` with meaning `released`; the previously "
        "effective version is retired), approved or effective → retired. An illegal move → "
        "409 naming the current and allowed statuses. Batches keep the version they were "
        "created with."
    ),
}

BATCH_NUMBER = OpenApiParameter(
    "batch_number", str, OpenApiParameter.PATH, description="The batch number, e.g. `B-0001`."
)
BATCH_FILTERS = [
    OpenApiParameter(
        "line", str, description="Only batches on this line.",
        examples=[OpenApiExample("line", value="L1")],
    ),
    OpenApiParameter(
        "status", str, description="Only batches in this status.",
        examples=[OpenApiExample("status", value="in_progress")],
    ),
]  # fmt: skip
BATCHES_LIST: Doc = {
    "summary": "Batches",
    "description": "Cursor-paginated batches, each with its window, version and quantities.",
}
BATCH_CREATE: Doc = {
    "summary": "Plan a batch",
    "description": (
        "`{batch_number, master_record, version, line, start, end, planned_quantity, unit}`: "
        "a window `[start, end)` on the line under the master record's effective version "
        "(`version` may name it; any other version → 409; a line other than the master "
        "record's → 422). A `time` batch needs `end` (it may move while the batch runs); a "
        "`quantity` batch leaves `end` out and closes itself when the mass integrated from "
        "the line's outlet tag reaches `planned_quantity` (`unit` kg, g, mg or t). Windows of "
        "one line never overlap among batches not cancelled: the database refuses it → 409 "
        "naming the batch in the way. Created `planned`."
    ),
}
BATCH_GET: Doc = {
    "summary": "One batch",
    "description": "The batch with its master record version's steps and specs (its snapshot).",
}
BATCH_PATCH: Doc = {
    "summary": "Move a time batch's end",
    "description": "`{end, reason}` while the batch is planned or in progress; overlap → 409.",
}
BATCH_TRANSITION: Doc = {
    "summary": "Start, close, cancel or take a batch into review",
    "description": (
        "`{status, reason, end}`: `in_progress` (start), `closed` (optional `end`, default "
        "now, or a time batch's planned end when that has passed; the actual quantity is "
        "integrated from the line's outlet), `cancelled` (from "
        "`planned`), `under_review` (QA takes a closed batch into review). `released` and "
        "`rejected` are QA's signed disposition. An illegal move → 409 naming the current "
        "and allowed statuses."
    ),
}
BATCH_CLOSE: Doc = {
    "summary": "Close a batch's window",
    "description": (
        "Shorthand for `transition` to `closed`: `{end}` (optional; default now, or a time "
        "batch's planned end when that has passed)."
    ),
}

DEVIATION_NUMBER = OpenApiParameter(
    "number", str, OpenApiParameter.PATH, description="The deviation's number, e.g. `DEV-0007`."
)
DEVIATION_FILTERS = [
    OpenApiParameter(name, str, description=text, examples=[OpenApiExample(name, value=example)])
    for name, text, example in (
        ("line", "Only deviations on this line.", "L1"),
        ("batch_number", "Only deviations of this batch.", "B-0001"),
        ("status", "open, investigating or closed.", "open"),
        ("kind", "cpp_excursion, oos, step_limit or manual.", "manual"),
    )
]
DEVIATIONS_LIST: Doc = {
    "summary": "Deviations",
    "description": "Cursor-paginated deviations, newest first, with their workflow and signatures.",
}
DEVIATION_CREATE: Doc = {
    "summary": "Raise a manual deviation",
    "description": (
        "`{line, batch_number, severity, tag, start, end, description}`: a deviation on a line, "
        "with or without a batch (start-up, cleaning), numbered by the server (`DEV-0001` …), "
        "`open`. People raise `manual` ones; the system raises `cpp_excursion`, `step_limit` "
        "and `oos` deviations itself. Audited."
    ),
}
DEVIATION_GET: Doc = {"summary": "One deviation", "description": "With its closing signature."}
DEVIATION_TRANSITION: Doc = {
    "summary": "Investigate or close a deviation (QA)",
    "description": (
        "`{status, reason, root_cause, impact, capa, signature}`: open → investigating → "
        "closed (or open → closed). Closing needs `root_cause`, `impact` and a `capa` "
        "reference and a QA `signature` with meaning `approved`; an integration account may "
        "carry a QA reviewer's signature. An illegal move → 409 naming the current and allowed "
        "statuses; a closed deviation never changes (the database guards the signed record)."
    ),
}

STEP_CODE = OpenApiParameter(
    "step_code", str, OpenApiParameter.PATH, description="The step's code, e.g. `S20`."
)
ENTRY_CREATE: Doc = {
    "summary": "Record a step's values (signed performed)",
    "description": (
        "`{values, signature}` on an open step of a batch in progress — or closed or under "
        "review, until QA's disposition (then 409: the record is read-only) — (a step opens "
        "when every predecessor is complete — performed, and verified where asked; else 409). "
        "Values are "
        "checked by field type (`lot`: a released, unexpired lot as `material/lot`; "
        "`equipment`: an equipment path); out-of-limit numbers are accepted, flagged in "
        "`out_of_limit`, and raise a `step_limit` deviation; entries later than the master "
        "record's `late_after` after the step opened are flagged `late`. A correction adds "
        "`corrects` (the entry's id) and `reason`, by its performer or a supervisor; the "
        "original stays, and a corrected verified entry needs a new verification. Answers 201 "
        "with the entry and its `id`. An integration account may carry the operator's "
        "signature."
    ),
}
ENTRY_VERIFY: Doc = {
    "summary": "Verify a step (second person, signed verified)",
    "description": (
        "`{entry, signature}`: a supervisor verifies the step's entry waiting for it; its "
        "performer → 403 `signature_failed`; nothing waiting → 409."
    ),
}

EXCEPTION_ID = OpenApiParameter(
    "exception_id", str, OpenApiParameter.PATH,
    description="The exception's id as its list gives it, e.g. `entry:123:late`.",
)  # fmt: skip
BATCH_EXCEPTIONS: Doc = {
    "summary": "A batch's review by exception",
    "description": (
        "`{exceptions, blockers, disposition}`. Each exception has a stable `id` naming its "
        "subject and a `kind`: `entry_out_of_limit`, `entry_corrected`, `entry_late`, "
        "`deviation`, `cpp_excursion`, `lims_oos`, `lims_warning`, `lims_revised`, "
        "`lims_missing`, `step_unsigned`, `step_unverified` (these two once the window has "
        "closed), `audit_change` (the batch's record changed after it was executed: its window "
        "moved after it started, or a signed correction of its CPP tags' values in its window — "
        "who, what, when, why), `diversion`; with its review (`reviewed_by`, `reviewed_at`, "
        "`comment`, the signature) or nulls, `post_disposition` when it arose after QA's "
        "disposition, and `resolved` for a reviewed one an action has since cleared. "
        "`blockers` is what stops a release now (the 409 of `disposition/` lists the same)."
    ),
}
EXCEPTION_REVIEW: Doc = {
    "summary": "Review one exception (signed reviewed)",
    "description": (
        "`{comment, signature}`: QA records that it looked (meaning `reviewed`). It does not "
        "resolve what needs an action: open deviations and unsigned or unverified steps block "
        "the release until resolved. Answers 200 with the exception and its review; an unknown "
        "id → 404; reviewed already → 409; exceptions found after the disposition are "
        "reviewed the same way. An integration account may carry a QA reviewer's signature."
    ),
}
BATCH_DISPOSITION: Doc = {
    "summary": "Release or reject a batch (signed released / rejected)",
    "description": (
        "`{decision, signature}`: `release` (meaning `released`) or `reject` (`rejected`), from "
        "`closed` or `under_review` (else 409 naming the current and allowed statuses). A "
        "release while anything blocks it → 409 `conflict` with `items: [{kind, ref, detail}]` "
        "listing every blocker: `deviation_open`, `step_unsigned`, `step_unverified`, "
        "`exception_unreviewed`, and those other apps add (`lims_missing`, …); nothing changes. "
        "The signature covers the batch as disposed: from then on its entries, steps and "
        "disposition are read-only (409); deviations and exceptions found later still attach, "
        "flagged `post_disposition`. Answers 200 with the batch's detail."
    ),
}

RTD_MODELS_LIST: Doc = {
    "summary": "A line's RTD model versions",
    "description": "Every version per feeder, newest first (cursor-paginated); `?feeder=` "
    "for one feeder.",
}
RTD_MODEL_CREATE: Doc = {
    "summary": "A new RTD model version (feeder → outlet)",
    "description": (
        "`{feeder, model, n | peclet (+ boundary), tau_s, delay_s, effective_from, reason}`: "
        "`tanks_in_series` with `n` (real, > 0) or `axial_dispersion` with `peclet` and "
        "`boundary` (`closed`, Danckwerts, the default, or `open`); `tau_s` is the mean "
        "residence time after the dead time `delay_s`. Each call is the feeder's next version "
        "(numbered by the server), effective from `effective_from` (default now); the version "
        "in force at a time is the latest effective by then. Versions are never changed or "
        "deleted. Answers 201 with the version; parameters that are no RTD → 400 naming them."
    ),
}
FEEDS_LIST: Doc = {
    "summary": "A line's feeds",
    "description": "Every lot charged to the line's feeders, newest first (cursor-paginated); "
    "`?feeder=` for one feeder. `until` is when the lot left the feeder: its `end`, at the "
    "latest the next feed's `start` (null while it is still in).",
}
FEED_CREATE: Doc = {
    "summary": "Charge a lot to a feeder",
    "description": (
        "`{feeder, material, lot, start, end?}`: the lot is in the feeder from `start` until "
        "`end` if given, at the latest until the next feed on that feeder begins. 201 with the "
        "feed; the same feed sent again (same feeder, start, lot and end) answers 200 with the "
        "stored one and stores nothing. 409 when the lot is not released or expired at "
        "`start`, or when the feeder has another feed beginning at `start`; 400 naming the "
        "field for an unknown feeder or lot, a start in the future or an end before start."
    ),
}
GENEALOGY_BACKWARD: Doc = {
    "summary": "Backward genealogy of an output window",
    "description": (
        "The input lots in the material that left the line in `[start, end)`: per feeder, each "
        "lot's mass fraction averaged over the window (fractions per feeder sum to 1), from "
        "the feeds and the RTD version in force while the material left, weighted by the "
        "outlet mass-flow tag (`weighted_by`; its mean per interval — whole minutes, or whole "
        "hours for windows over 2 days, at most 2,000 intervals; an interval without data "
        "takes the window's mean) where the line has "
        "one. Material fed before the first recorded feed is reported with `material` and "
        "`lot` null; time when a feeder fed nothing (a feed ended before the next began) is "
        "left out. `rtd_models` lists the versions used. 409 when a feeder has feeds but no "
        "RTD model in force; 404 for an unknown line."
    ),
}
GENEALOGY_FORWARD: Doc = {
    "summary": "Forward genealogy of a lot",
    "description": (
        "Where the lot went: the output windows in which its fraction at the outlet exceeds "
        "`threshold` (default 0.001), cut by the batches they overlap (`batch_number` null "
        "where no batch ran), each with the lot's largest fraction there; edges to 1 s. `end` "
        "null: the lot is still in its feeder. `material` may be left out when the lot number "
        "is unique (else 400). 404 for an unknown lot."
    ),
}
DIVERSION: Doc = {
    "summary": "Outlet diversion window for an inlet disturbance",
    "description": (
        "For a disturbance `[start, end)` on a feeder: the outlet window from the RTD's "
        "`quantile` after `start` to its `1 − quantile` after `end` (the version in force at "
        "`start`), rounded outward to whole seconds. With `size` (the deviation the "
        "disturbance would cause at the outlet if it lasted) and a CQA limit (`low`, `high`, "
        "around `nominal`), only the part where `nominal + size·(F(t − start) − F(t − end))` "
        "is beyond a limit — `divert_start`/`divert_end` null when it never is — and "
        "`peak_deviation`. 409 without an RTD model in force."
    ),
}
RTD_FIT: Doc = {
    "summary": "Fit an RTD model to a recorded step or pulse test",
    "description": (
        "`{feeder, input_tag, output_tag, start, end, model, boundary?}`: reads both numeric "
        "tags over the test's window (2 min to 12 h; bad samples left out; put on a 1 s grid, "
        "gaps over 10 s left empty) and fits the model's response to the input's change "
        "(baseline and gain by linear least squares, n or Pe, τ and the dead time by bounded "
        "least squares). Answers 200 with the parameters, R², RMSE and the input, measured "
        "and fitted curves (at most 1,500 points). Nothing is saved: POST the parameters to "
        "`rtd-models/` with a reason to make them a version. 400 naming the field for an "
        "unknown or text tag, a window that is no test (too short, too long, the input not "
        "changing, fewer than 30 usable seconds)."
    ),
}
