"""Home pages per role and the status page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import roles as R
from accounts.models import User
from accounts.selectors import locked_users
from audit.selectors import recent_events
from portal.selectors import system_status

# What each role's home page offers, in the order the role meets its work.
ROLE_HOME: dict[str, dict[str, Any]] = {
    R.OPERATOR: {
        "title": "Operator",
        "summary": "Execute batch record steps on the line and sign what you performed.",
    },
    R.SUPERVISOR: {
        "title": "Supervisor",
        "summary": "Verify steps performed by others, handle line events and annotate data.",
    },
    R.QA_REVIEWER: {
        "title": "QA review",
        "summary": "Review batches by exception, investigate deviations, release or reject, "
        "review the audit trail.",
    },
    R.AUDITOR: {
        "title": "Audit",
        "summary": "Read-only: the audit trail, signatures and reports; verify the chain.",
    },
    R.PROCESS_ENGINEER: {
        "title": "Process engineering",
        "summary": "Tags and equipment, master batch records, trends and root cause.",
    },
    R.ADMINISTRATOR: {
        "title": "Administration",
        "summary": "Users, roles, service accounts and tokens. Administrators hold no GxP "
        "permission (separation of duties).",
    },
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    role_names = [r for r in R.HUMAN_ROLES if r in set(user.role_names)]
    context: dict[str, Any] = {
        "roles": [{"name": r, **ROLE_HOME[r]} for r in role_names],
        "capabilities": sorted(
            p.split(".", 1)[1].replace("_", " ") for p in user.get_all_permissions()
        ),
        "my_events": recent_events(actor=user, limit=8),
    }
    if user.has_perm("accounts.manage_users"):
        context["locked_users"] = locked_users()
        context["user_counts"] = {
            "active": User.objects.filter(is_active=True, is_service_account=False).count(),
            "deactivated": User.objects.filter(is_active=False).count(),
            "service": User.objects.filter(is_service_account=True, is_active=True).count(),
        }
    if user.has_perm("audit.view_audit_trail"):
        context["recent_events"] = recent_events(limit=10)
    return render(request, "portal/home.html", context)


@login_required
def status(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/status.html", {"status": system_status()})
