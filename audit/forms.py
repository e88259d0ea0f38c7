from __future__ import annotations

from django import forms


class ReviewForm(forms.Form):
    from_seq = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    to_seq = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignatureForm(forms.Form):
    """The signing dialog: re-authentication, meaning and reason (21 CFR 11.200, 11.50)."""

    sig_username = forms.CharField(required=False, label="Username")
    sig_password = forms.CharField(label="Password", widget=forms.PasswordInput)
    sig_meaning = forms.CharField(widget=forms.HiddenInput)
    sig_reason = forms.CharField(label="Reason", max_length=500)
