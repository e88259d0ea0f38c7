"""The batch-record pages' forms (shapes only: the services check the rules)."""

from __future__ import annotations

from typing import Any

from django import forms


class LotReceiveForm(forms.Form):
    material = forms.CharField(max_length=100)
    lot = forms.CharField(max_length=100)
    supplier = forms.CharField(max_length=200, required=False)
    supplier_lot = forms.CharField(max_length=100, required=False, label="Supplier's lot")
    quantity = forms.FloatField(required=False, min_value=0.000001)
    unit = forms.CharField(max_length=20, required=False, initial="kg")
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In the site's time zone.",
    )


class MasterNewForm(forms.Form):
    code = forms.CharField(max_length=60, help_text="e.g. DC-TAB-10")
    product = forms.CharField(max_length=200)
    title = forms.CharField(max_length=300)
    line = forms.ChoiceField(choices=[])
    batch_definition = forms.ChoiceField(
        choices=[("time", "time window"), ("quantity", "quantity (from the outlet)")],
        label="Batch defined by",
    )

    def __init__(self, *args: object, lines: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        line = self.fields["line"]
        assert isinstance(line, forms.ChoiceField)
        line.choices = [(code, code) for code in lines]


class TransitionForm(forms.Form):
    status = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=500, required=False)


class BatchPlanForm(forms.Form):
    batch_number = forms.CharField(max_length=60)
    master_record = forms.ChoiceField(choices=[], label="Master record (effective version)")
    start = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="A time batch's end; leave empty for a quantity batch.",
    )
    planned_quantity = forms.FloatField(required=False, min_value=0.000001)
    unit = forms.CharField(max_length=20, required=False, initial="kg")

    def __init__(self, *args: object, records: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["master_record"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = records


def entry_values(step: dict[str, object], post: dict[str, str]) -> dict[str, object]:
    """A step's values from the execution screen's inputs (`v_<field>`), typed as the service
    expects them; what cannot be read as its type is passed on as given, for the service to
    name (so one rule decides)."""
    from datetime import datetime

    from django.utils import timezone

    values: dict[str, object] = {}
    fields = step.get("fields") or []
    assert isinstance(fields, list)
    for field in fields:
        name, kind = field["name"], field["type"]
        raw = post.get(f"v_{name}", "")
        if kind == "bool":
            values[name] = raw == "on"
            continue
        if raw.strip() == "":
            continue
        if kind in ("number", "int"):
            try:
                number = float(raw)
                values[name] = int(number) if kind == "int" and number.is_integer() else number
            except ValueError:
                values[name] = raw
        elif kind == "timestamp":
            try:
                local = datetime.fromisoformat(raw)
                if local.tzinfo is None:
                    local = local.replace(tzinfo=timezone.get_current_timezone())
                values[name] = local.isoformat()
            except ValueError:
                values[name] = raw
        else:
            values[name] = raw.strip()
    return values


class DeviationRaiseForm(forms.Form):
    line = forms.ChoiceField(choices=[])
    batch_number = forms.CharField(max_length=60, required=False, label="Batch (optional)")
    severity = forms.ChoiceField(
        choices=[("minor", "minor"), ("major", "major"), ("critical", "critical")]
    )
    start = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Since"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)

    def __init__(self, *args: object, lines: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["line"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, code) for code in lines]


def _moment(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, help_text="In the site's time zone.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"},
                                   format="%Y-%m-%dT%H:%M:%S"),
    )  # fmt: skip


def _choices(field: forms.Field, values: list[str]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = [(v, v) for v in values]


class BackwardForm(forms.Form):
    """Which lots are in what left a line over a window."""

    line = forms.ChoiceField(choices=[])
    start = _moment("From")
    end = _moment("Until")

    def __init__(self, *args: object, lines: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _choices(self.fields["line"], lines)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "after From")
        return data


class ForwardForm(forms.Form):
    """Where a lot went."""

    lot = forms.ChoiceField(choices=[], help_text="Lots that were fed")
    threshold = forms.FloatField(initial=0.001, min_value=1e-6, max_value=0.5,
                                 help_text="Smallest fraction shown")  # fmt: skip

    def __init__(self, *args: object, lots: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _choices(self.fields["lot"], lots)


class RtdFitForm(forms.Form):
    """A recorded step or pulse test to fit."""

    feeder = forms.ChoiceField(choices=[])
    input_tag = forms.ChoiceField(choices=[], label="Input (at the feeder)")
    output_tag = forms.ChoiceField(choices=[], label="Response (at the outlet)")
    start = _moment("Test from")
    end = _moment("Test until")
    model = forms.ChoiceField(choices=[("tanks_in_series", "tanks in series"),
                                       ("axial_dispersion", "axial dispersion")])  # fmt: skip
    boundary = forms.ChoiceField(choices=[("closed", "closed (Danckwerts)"), ("open", "open")],
                                 required=False, help_text="Axial dispersion only")  # fmt: skip

    def __init__(self, *args: object, feeders: list[str], tags: list[str], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _choices(self.fields["feeder"], feeders)
        _choices(self.fields["input_tag"], tags)
        _choices(self.fields["output_tag"], tags)


class RtdSaveForm(forms.Form):
    """A fitted (or typed) model saved as the feeder's next version."""

    feeder = forms.CharField(max_length=60)
    model = forms.ChoiceField(choices=[("tanks_in_series", "tanks in series"),
                                       ("axial_dispersion", "axial dispersion")])  # fmt: skip
    n = forms.FloatField(required=False)
    peclet = forms.FloatField(required=False)
    boundary = forms.CharField(required=False)
    tau_s = forms.FloatField(label="τ (s)")
    delay_s = forms.FloatField(label="Dead time (s)", required=False)
    effective_from = _moment("Effective from", required=False)
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
