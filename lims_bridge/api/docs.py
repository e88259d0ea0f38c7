"""What the LIMS bridge's API says of itself in /api/docs/ (API.md, "LIMS bridge")."""

from __future__ import annotations

from historian.api.docs import Doc

RESULTS_PUSH: Doc = {
    "summary": "Push LIMS results",
    "description": (
        'One result, or `{"results": [...]}` stored atomically. Keyed by (`lims_id`, '
        "`revision`, an integer ≥ 1): the same key with the same content is a replay (200, the "
        "first response's body, nothing stored); with other content 409 `conflict` (items name "
        "them). A new revision keeps the earlier ones. `result` is a number (or a text a number "
        'reads as, "10.2") or a text ("complies"); `status` `to_be_verified`, `verified`, '
        "`published`, `retracted` — any other state is kept as given and counts as not "
        "verified. From one revision to the next the known states move as a state machine: "
        "`to_be_verified` → `verified` → `published`, any of them → `retracted`, which is "
        "final (a retest is a new result naming it in `retest_of`); another move → 409. "
        "Beyond API.md's fields: optional `captured_at` (when the result was entered) and "
        "`sample_status`. `analyst` and `verified_by` (a name or a list) are kept "
        "as given and mapped to Ledgerline usernames where such exist (`analyst_user`, "
        "`verifier_users`). A result outside `[spec_low, spec_high]` raises an `oos` deviation "
        "(one per `lims_id`). 422 `unprocessable` with `items: [{index, field, error}]` for "
        "invalid items, an unknown `batch_number`, a `unit` other than the master record's for "
        "that test, a sample already of another batch; nothing is stored. One result answers "
        '201 with it; a list answers `{"results": [{lims_id, revision, outcome}]}` '
        "(`created` / `replayed`), 201 when anything was created, else 200. `sampling_point` "
        "names a node of the line (a feeder, `OUTLET`): the batch's results show when the "
        "sampled material left the outlet (a feeder's through its RTD)."
    ),
}
RESULTS_LIST: Doc = {
    "summary": "LIMS results",
    "description": "One item per `lims_id`: its latest revision with every push field, `oos`, "
    "`warning` and `revisions` (the earlier ones, oldest first); newest first, cursor-paginated; "
    "`?batch_number=` for one batch.",
}
MAPPINGS_LIST: Doc = {
    "summary": "Saved column mappings for result files",
    "description": "Every mapping by name.",
}
MAPPING_SAVE: Doc = {
    "summary": "Save a column mapping",
    "description": (
        '`{name, columns: {"<file column>": "<result field>"}, sheet?, timestamp_format?}`: '
        "how a CSV or Excel file's columns map to the push's fields (`lims_id`, `revision`, "
        "`sample_id`, `batch_number`, `test`, `result`, `unit`, …). `sheet` names the Excel "
        "sheet (default the first); `timestamp_format` is a strptime format for the time "
        "columns (default ISO 8601), read in the site's time zone unless it has `%z`. 201 new, "
        "200 replaced (the same name); 400 naming the field for an unknown result field or a "
        "mapping without the required ones."
    ),
}
IMPORT: Doc = {
    "summary": "Import a CSV or Excel result file",
    "description": (
        "Multipart: `file` (CSV, or .xlsx) and `mapping` (a saved mapping's name); `preview` "
        "`true` parses and answers the rows without storing anything. Stored atomically as a "
        "push of every row (the same rules; a row's `index` is its line in the file, the "
        "header being line 1); the file as received is kept with its SHA-256. Answers "
        '`{"transfer": {...}, "results": [{row, lims_id, revision, outcome}]}`, 201 when '
        "anything was created, else 200; 422 naming each broken row and field, nothing stored."
    ),
}
PULL: Doc = {
    "summary": "Pull analyses from SENAITE",
    "description": (
        '`{"source": "senaite", "since": ts}`: queued on the background queue; answers '
        "202 with the transfer (its `id`, `state`, and `status_url` to follow it). The pull "
        "logs in to the configured site (LEDGERLINE_SENAITE_URL, _USER, _PASSWORD), follows "
        "every page of analyses modified since `since`, maps them as API.md states and stores "
        "them atomically: an unchanged analysis stores nothing, a changed one is a new "
        "revision. A page that fails is retried once; then the transfer fails with the error "
        "and nothing of it is stored. 400 when no SENAITE site is configured."
    ),
}
TRANSFER_GET: Doc = {
    "summary": "One import or pull",
    "description": "Its state (`queued`, `running`, `done`, `failed`), progress (0–1), counts "
    "and error.",
}
TRANSFERS_LIST: Doc = {
    "summary": "Imports and pulls",
    "description": "The history of file imports and SENAITE pulls with their counts, newest "
    "first; `?kind=file` or `senaite`.",
}
