"""The batch-record pages' forms (shapes only: the services check the rules)."""

from __future__ import annotations

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
