from django.urls import path

from audit.api.views import AuditEventListView, VerifyView

urlpatterns = [
    path("events/", AuditEventListView.as_view(), name="api-audit-events"),
    path("verify/", VerifyView.as_view(), name="api-audit-verify"),
]
