"""What /api/docs/ says of the historian's endpoints, in API.md's words ("Historian"): the
summaries, descriptions and parameters the views' `extend_schema` use."""

from __future__ import annotations

from typing import TypedDict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter


class Doc(TypedDict):
    """The words of one operation: `extend_schema(**doc, ...)`."""

    summary: str
    description: str


TAG_NAME = OpenApiParameter(
    "name",
    str,
    OpenApiParameter.PATH,
    description="The tag's name, case-sensitive; dots allowed (e.g. `L1.FEEDER1.MASSFLOW`).",
    examples=[OpenApiExample("mass flow", value="L1.FEEDER1.MASSFLOW")],
)


def _param(
    name: str,
    description: str,
    example: str,
    *,
    required: bool = False,
    kind: type | OpenApiTypes = str,
) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        kind,
        required=required,
        description=description,
        examples=[OpenApiExample(name, value=example)],
    )


VALUE_PARAMS = [
    TAG_NAME,
    _param(
        "start",
        "Window start, inclusive: ISO 8601 with an offset (`Z` or `+01:00`). Windows are "
        "half-open `[start, end)`.",
        "2026-03-01T08:00:00Z",
        required=True,
    ),
    _param("end", "Window end, exclusive; after `start`.", "2026-03-01T09:00:00Z", required=True),
    _param(
        "mode",
        "`raw` (stored samples in time order, at most `limit`), `interpolated` (a value at "
        "every `interval`), `aggregate` (per bucket, the `aggregates`) or `plot` (at most "
        "`points` intervals with first, last, min and max, so a chart shows every "
        "excursion; an interval holding only bad samples answers `count` 0, null values "
        "and its `bad_count`, so a chart can mark where bad data lies). Default `raw`.",
        "aggregate",
    ),
    _param(
        "interval",
        "Bucket or step for `aggregate` and `interpolated`: an integer with `s`, `m`, `h` or "
        "`d`. Buckets align to the UTC epoch, or to local midnight and hours with `tz`.",
        "5m",
    ),
    _param(
        "tz",
        "An IANA zone: buckets of `aggregate` align to its midnight and hours (a day across a "
        "daylight-saving change lasts 23 or 25 hours).",
        "Europe/Zurich",
    ),
    _param(
        "limit",
        "`raw`: at most this many samples (1–1,000,000, default 100,000); a cut response "
        "has `truncated: true` and `next_start`, from which the next page reads on.",
        "10000",
        kind=int,
    ),
    _param(
        "points", "`plot`: at most this many intervals (1–20,000, default 1,000).", "1000", kind=int
    ),
    _param(
        "aggregates",
        "`aggregate`: a comma list of `avg`, `min`, `max`, `twa` (time-weighted average of "
        "the signal as the tag interpolates it), `count`, `first`, `last`, `stddev` (sample "
        "standard deviation). Each bucket also reports `bad_count` and `uncertain_count`.",
        "avg,min,max,twa",
    ),
    _param(
        "include_bad",
        "`true` keeps `bad` samples in aggregates, plot statistics and interpolation; by "
        "default they are left out (and counted in `bad_count`).",
        "false",
        kind=bool,
    ),
    _param(
        "fill",
        "`null`: `aggregate` also returns buckets without samples, their aggregates null. By "
        "default such buckets are omitted.",
        "null",
    ),
    _param(
        "corrections",
        "`apply`: signed corrections replace the originals they cover (flagged "
        "`corrected: true`). By default originals are returned, flagged `has_correction: true`.",
        "apply",
    ),
    _param(
        "format",
        "`csv` answers CSV, as `Accept: text/csv` does (one row per value, the tag first).",
        "csv",
    ),
]

VALUES: Doc = {
    "summary": "Read a tag's values: raw, interpolated, aggregate or plot",
    "description": (
        "One read of one tag over `[start, end)`. Long plots and aggregates over whole minutes "
        "read the minute or hour rollups (`source` says which); a read that includes bad "
        "samples, applies a correction in its window or has edges off whole minutes reads the "
        "stored rows. Errors: 400 `invalid` naming the parameter (e.g. `end` before `start`, "
        "an unknown aggregate, too many buckets)."
    ),
}
CURRENT: Doc = {
    "summary": "The tag's latest stored sample",
    "description": "`{tag, ts, value, quality}`; 404 `not_found` while the tag has no samples.",
}
TAGS_LIST: Doc = {
    "summary": "List tags",
    "description": (
        "Cursor-paginated (`{results, next}`), newest first. `search` matches the name or the "
        "description; `equipment` takes a path and lists every tag under it (`L1` lists "
        "line L1's)."
    ),
}
TAG_CREATE: Doc = {
    "summary": "Create a tag",
    "description": (
        "`name` (unique, case-sensitive), `description`, `unit`, `equipment` (a path of 1–4 "
        "segments, site/area/line/unit, e.g. `L1/FEEDER1`; missing levels are created), "
        "`value_type` (`float`, `int`, `bool`, `string`), `step` (default false for `float`, "
        "true otherwise), `classification` (`CPP`, `CQA`, `KPP`, `monitoring`), optional "
        "`range_low`/`range_high` (instrument range) and process limits `spec_low`/`spec_high`/"
        "`alert_low`/`alert_high` (each low below its high, the alert limits inside the "
        "specification; drawn as bands on the trend). Audited. 400 names each invalid field."
    ),
}
TAG_GET: Doc = {
    "summary": "One tag",
    "description": "The tag with its equipment path and range.",
}
TAG_PATCH: Doc = {
    "summary": "Change a tag, with a reason",
    "description": (
        "Changes `description`, `equipment`, `classification`, `range_low`/`range_high`, "
        "`spec_low`/`spec_high`/`alert_low`/`alert_high`; "
        "`reason` is required and recorded in the audit trail. `unit`, `value_type` and `step` "
        "cannot change once the tag has samples: 409 `conflict`."
    ),
}
INGEST: Doc = {
    "summary": "Ingest samples",
    "description": (
        "JSON `{source, ingest_key, samples: [{tag, ts, value, quality}]}`, or `text/csv` "
        "(header `tag,ts,value,quality`) with the key in `Idempotency-Key` and `?source=`. "
        "Checks in order: a key used before with a different request → 409 "
        "`idempotency_mismatch`; invalid items → 422 `unprocessable` with `items` (unknown "
        "tag, a value that does not fit the tag, a time without offset, finer than µs or more "
        "than 5 minutes ahead); a different value for a stored (tag, ts) → 409 `conflict`. "
        "Nothing is stored on any error. 201 `{ingest_id, accepted, duplicates, sha256}`; a "
        "replay of the same request answers 200 with the same body and stores nothing."
    ),
}
ANNOTATIONS_LIST: Doc = {
    "summary": "A tag's annotations",
    "description": "Cursor-paginated (`{results, next}`) notes on time ranges, newest first.",
}
ANNOTATION_CREATE: Doc = {
    "summary": "Annotate a time range",
    "description": (
        "`{start, end, text}` over `[start, end)`; the samples stay untouched. Audited; the "
        "author is the caller."
    ),
}
CORRECTIONS_LIST: Doc = {
    "summary": "A tag's corrections",
    "description": (
        "Cursor-paginated (`{results, next}`) signed corrections, newest first, each with its "
        "values and signature."
    ),
}
CORRECTION_CREATE: Doc = {
    "summary": "Correct values, signed",
    "description": (
        "`{start, end, values: [{ts, value, quality}], reason, signature: {username, "
        "password, meaning, reason}}`: within `[start, end)` the given values replace the "
        "originals when read with `corrections=apply`; the originals stay. The signer "
        "re-authenticates (21 CFR 11.200); a failed signature → 403 `signature_failed` and "
        "nothing stored."
    ),
}
DISPLAY_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The saved display's id (one of yours)."
)
DISPLAYS_LIST: Doc = {
    "summary": "Your saved trend displays",
    "description": (
        "The caller's own saved trend views, by name; each with its `url` (the trend page "
        "that opens it) and its window in words. Nobody sees another person's displays."
    ),
}
DISPLAY_SAVE: Doc = {
    "summary": "Save a trend view under a name",
    "description": (
        "`{name, tags, layout, last | start and end}`: `tags` (1–20 known tag names, in the "
        "order drawn), `layout` `axes` (an axis per unit, the default) or `lanes` (a lane "
        "per tag); the window is relative (`last`: `1h`, `8h`, `24h`, `7d`, `30d`, until the "
        "moment it is opened), fixed (`start`, `end`, ISO 8601 with offset) or, with "
        "neither, the latest 8 hours of the tags' data. A new name → 201; the name of one of "
        "your displays → 200, that display replaced. Audited. Bad fields → 400 `invalid` "
        "with `fields` saying what to fix; nothing saved."
    ),
}
DISPLAY_GET: Doc = {
    "summary": "One of your saved displays",
    "description": "404 `not_found` for an id that is not one of the caller's displays.",
}
DISPLAY_DELETE: Doc = {
    "summary": "Delete one of your saved displays",
    "description": (
        "204; the audit trail keeps what it was. 404 `not_found` for an id that is not one "
        "of the caller's displays."
    ),
}
RANGE_WINDOW = [
    _param(
        "start",
        "Optional: only those ending after this time (ISO 8601 with an offset), so the list "
        "holds what overlaps `[start, end)`.",
        "2026-03-01T08:00:00Z",
    ),
    _param(
        "end",
        "Optional: only those starting before this time (ISO 8601 with an offset).",
        "2026-03-01T09:00:00Z",
    ),
]
