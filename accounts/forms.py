from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from accounts import roles as R
from accounts.models import User

TRIED_KEY = "ledgerline_login_attempts"
HUMAN_ROLE_CHOICES = [(r, R.ROLE_LABELS[r]) for r in R.HUMAN_ROLES]


class LoginForm(AuthenticationForm):
    """Shows why a login was refused when it is safe to say (locked, deactivated)."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            refusal = getattr(self.request, "login_refusal", None)
            # Said only when the password was right (accounts.services.authenticate_credentials).
            if refusal is not None and refusal.reason in {"locked", "inactive"}:
                raise forms.ValidationError(str(refusal), code=refusal.reason) from None
            raise forms.ValidationError(
                self._refusal_text(getattr(refusal, "failures", None)), code="invalid_login"
            ) from None

    def _refusal_text(self, failures: int | None) -> str:
        """The same sentence for every wrong name or password, with how many attempts are
        left: an existing account's own count of wrong passwords in a row (accurate, from the
        database), or, for a name no person holds, this browser session's count of attempts
        on it — so the count does not tell which names exist."""
        threshold = int(settings.LOCKOUT_THRESHOLD)
        username = str(self.data.get("username", "")).strip().casefold()[:150]
        tried: dict[str, int] = self.request.session.get(TRIED_KEY, {}) if self.request else {}
        tried[username] = tried.get(username, 0) + 1
        if self.request is not None:
            self.request.session[TRIED_KEY] = dict(list(tried.items())[-20:])
        count = failures if failures is not None else tried[username]
        remaining = threshold - count
        text = "The username or password is not correct."
        if remaining <= 0:
            return f"{text} The account is now locked: ask an administrator to unlock it."
        if remaining <= 2:
            plural = "attempt remains" if remaining == 1 else "attempts remain"
            return f"{text} {remaining} {plural} before the account is locked."
        return f"{text} After {threshold} wrong passwords in a row the account is locked."


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="Current password", widget=forms.PasswordInput)
    new_password = forms.CharField(
        label="New password",
        widget=forms.PasswordInput,
        help_text="At least 12 characters; not a common password; not like your username.",
    )
    confirm_password = forms.CharField(label="New password again", widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("confirm_password"):
            self.add_error("confirm_password", "The two new passwords differ.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        help_text="Recorded in the audit trail.",
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    full_name = forms.CharField(
        max_length=200, label="Printed name", help_text="Shown in signature manifestations."
    )
    email = forms.EmailField(required=False)
    roles = forms.MultipleChoiceField(
        choices=HUMAN_ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        max_length=500, help_text="Required: recorded in the audit trail (Annex 11 §12)."
    )


class RolesForm(ReasonForm):
    roles = forms.MultipleChoiceField(
        choices=HUMAN_ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    field_order = ["roles", "reason"]


class ServiceAccountForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="e.g. mes-integration, opcua-collector-1")
    full_name = forms.CharField(max_length=200, label="Description")
    reason = forms.CharField(
        max_length=500, help_text="Required: recorded in the audit trail (Annex 11 §12)."
    )


class TokenIssueForm(forms.Form):
    name = forms.CharField(max_length=100, initial="default")
    ttl_days = forms.IntegerField(min_value=1, max_value=730, initial=90, label="Valid for (days)")
    reason = forms.CharField(
        max_length=500, help_text="Required: recorded in the audit trail (Annex 11 §12)."
    )


def user_choices() -> list[tuple[int, str]]:
    return [(u.pk, str(u)) for u in User.objects.all()]
