"""Account pages: thin views over accounts.services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import forms, selectors, services
from accounts.errors import AuthenticationRefused
from accounts.models import ApiToken, User
from core.decorators import capability_required
from core.errors import DomainError


def acting_user(request: HttpRequest) -> User:
    """The signed-in person acting (the capability decorators have checked who)."""
    user = request.user
    assert isinstance(user, User)
    return user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True


def session_alive(request: HttpRequest) -> HttpResponse:
    """A person is at the page (a click, a key, the warning's button: static/js/session.js):
    the idle middleware has just counted this request as their activity. 204 while signed
    in; 401 once the session has ended, so the page goes to the sign-in page."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                user=acting_user(request),
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            update_session_auth_hash(request, acting_user(request))
            messages.success(request, "Your password has been changed.")
            return redirect("portal:home")
    return render(request, "accounts/password_change.html", {"form": form})


def _form_errors(form: Any, exc: DomainError) -> None:
    placed = False
    for field, error in exc.fields.items():
        if field in form.fields:
            form.add_error(field, error if isinstance(error, list) else str(exc))
            placed = True
    if not placed:
        form.add_error(None, str(exc))


# --- administration -------------------------------------------------------------------


@capability_required("accounts.manage_users")
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/user_list.html", {"users": selectors.user_list()})


@capability_required("accounts.manage_users")
def user_create(request: HttpRequest) -> HttpResponse:
    form = forms.UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.user_create(actor=acting_user(request), **form.cleaned_data)
        except (DomainError, AuthenticationRefused) as exc:
            _form_errors(form, exc)
        else:
            return render(
                request, "accounts/one_time_password.html", {"subject": user, "password": password}
            )
    return render(request, "accounts/user_form.html", {"form": form})


@capability_required("accounts.manage_users")
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    user = get_object_or_404(selectors.user_list(), username=username)
    roles_form = forms.RolesForm(initial={"roles": user.role_names})
    return render(
        request,
        "accounts/user_detail.html",
        {"subject": user, "roles_form": roles_form, "reason_form": forms.ReasonForm()},
    )


def _admin_action(request: HttpRequest, username: str, action: str) -> HttpResponse:
    subject = get_object_or_404(User, username=username)
    form: Any = (
        forms.RolesForm(request.POST) if action == "roles" else forms.ReasonForm(request.POST)
    )
    if not form.is_valid():
        messages.error(request, "A reason is required: it is recorded in the audit trail.")
        return redirect(_detail_url(subject))
    reason = form.cleaned_data["reason"]
    actor = acting_user(request)
    try:
        if action == "roles":
            services.user_set_roles(
                actor=actor, user=subject, roles=form.cleaned_data["roles"], reason=reason
            )
            messages.success(request, f"Roles of {subject.username} changed.")
        elif action == "deactivate":
            services.user_deactivate(actor=actor, user=subject, reason=reason)
            messages.success(request, f"{subject.username} is deactivated.")
        elif action == "reactivate":
            services.user_reactivate(actor=actor, user=subject, reason=reason)
            messages.success(request, f"{subject.username} is active again.")
        elif action == "unlock":
            services.user_unlock(actor=actor, user=subject, reason=reason)
            messages.success(request, f"{subject.username} is unlocked.")
        elif action == "reset_password":
            password = services.user_reset_password(actor=actor, user=subject, reason=reason)
            return render(
                request,
                "accounts/one_time_password.html",
                {"subject": subject, "password": password},
            )
    except (DomainError, AuthenticationRefused) as exc:
        messages.error(request, str(exc))
    return redirect(_detail_url(subject))


def _detail_url(subject: User) -> str:
    from django.urls import reverse

    name = (
        "accounts:service_account_detail" if subject.is_service_account else "accounts:user_detail"
    )
    return reverse(name, args=[subject.username])


@require_POST
@capability_required("accounts.manage_users")
def user_roles(request: HttpRequest, username: str) -> HttpResponse:
    return _admin_action(request, username, "roles")


@require_POST
@capability_required("accounts.manage_users")
def user_deactivate(request: HttpRequest, username: str) -> HttpResponse:
    return _admin_action(request, username, "deactivate")


@require_POST
@capability_required("accounts.manage_users")
def user_reactivate(request: HttpRequest, username: str) -> HttpResponse:
    return _admin_action(request, username, "reactivate")


@require_POST
@capability_required("accounts.unlock_accounts")
def user_unlock(request: HttpRequest, username: str) -> HttpResponse:
    return _admin_action(request, username, "unlock")


@require_POST
@capability_required("accounts.manage_users")
def user_reset_password(request: HttpRequest, username: str) -> HttpResponse:
    return _admin_action(request, username, "reset_password")


# --- service accounts and tokens -----------------------------------------------------------


@capability_required("accounts.manage_tokens")
def service_account_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/service_account_list.html",
        {"accounts": selectors.user_list(service_accounts=True)},
    )


@capability_required("accounts.manage_users")
def service_account_create(request: HttpRequest) -> HttpResponse:
    form = forms.ServiceAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.service_account_create(
                actor=acting_user(request), **form.cleaned_data
            )
        except (DomainError, AuthenticationRefused) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Service account {account.username} created.")
            return redirect("accounts:service_account_detail", account.username)
    return render(request, "accounts/service_account_form.html", {"form": form})


@capability_required("accounts.manage_tokens")
def service_account_detail(request: HttpRequest, username: str) -> HttpResponse:
    account = get_object_or_404(User, username=username, is_service_account=True)
    return render(
        request,
        "accounts/service_account_detail.html",
        {
            "subject": account,
            "tokens": account.api_tokens.all(),
            "token_form": forms.TokenIssueForm(),
            "reason_form": forms.ReasonForm(),
        },
    )


@require_POST
@capability_required("accounts.manage_tokens")
def token_issue(request: HttpRequest, username: str) -> HttpResponse:
    account = get_object_or_404(User, username=username, is_service_account=True)
    form = forms.TokenIssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the token a name, a validity of 1 to 730 days and a reason.")
        return redirect("accounts:service_account_detail", username)
    try:
        token, key = services.token_issue(
            actor=acting_user(request),
            user=account,
            name=form.cleaned_data["name"],
            ttl=timedelta(days=form.cleaned_data["ttl_days"]),
            reason=form.cleaned_data["reason"],
        )
    except (DomainError, AuthenticationRefused) as exc:
        messages.error(request, str(exc))
        return redirect("accounts:service_account_detail", username)
    return render(
        request, "accounts/token_issued.html", {"subject": account, "token": token, "key": key}
    )


@require_POST
@capability_required("accounts.manage_tokens")
def token_action(request: HttpRequest, username: str, token_id: int, action: str) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user__username=username)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A reason is required: it is recorded in the audit trail.")
        return redirect("accounts:service_account_detail", username)
    try:
        if action == "rotate":
            new_token, key = services.token_rotate(
                actor=acting_user(request),
                token=token,
                reason=form.cleaned_data["reason"],
            )
            return render(
                request,
                "accounts/token_issued.html",
                {"subject": token.user, "token": new_token, "key": key},
            )
        services.token_revoke(
            actor=acting_user(request),
            token=token,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"Token {token.prefix}… revoked.")
    except (DomainError, AuthenticationRefused) as exc:
        messages.error(request, str(exc))
    return redirect("accounts:service_account_detail", username)
