"""The LIMS pages' forms (shapes only: the services check the rules)."""

from __future__ import annotations

from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8) or Excel .xlsx, at most 32 MB")
    mapping = forms.ChoiceField(choices=[])

    def __init__(self, *args: object, mappings: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["mapping"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(m, m) for m in mappings]


class MappingForm(forms.Form):
    name = forms.CharField(max_length=100)
    columns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text='JSON: {"file column": "result field", …}',
    )
    sheet = forms.CharField(max_length=100, required=False, help_text="Excel: the sheet")
    timestamp_format = forms.CharField(
        max_length=100, required=False, help_text="e.g. %d.%m.%Y %H:%M (default ISO 8601)"
    )


class PullForm(forms.Form):
    since = forms.DateTimeField(
        required=False, help_text="Default: the last pull", label="Modified since",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
