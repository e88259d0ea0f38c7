from django.urls import path

from reports.api import views

urlpatterns = [
    path("batches/<str:batch_number>.pdf", views.BatchReportView.as_view(),
         name="api-reports-batch"),
    path("deviations/<str:number>.pdf", views.DeviationReportView.as_view(),
         name="api-reports-deviation"),
    path("audit.pdf", views.AuditReportView.as_view(), name="api-reports-audit"),
    path("trend.pdf", views.TrendReportView.as_view(), name="api-reports-trend"),
    path("genealogy.pdf", views.GenealogyReportView.as_view(), name="api-reports-genealogy"),
    path("jobs/<str:document_id>/", views.JobView.as_view(), name="api-reports-job"),
    path("documents/<str:document_id>.pdf", views.DocumentView.as_view(),
         name="api-reports-document"),
    path("verify/", views.VerifyView.as_view(), name="api-reports-verify"),
    path("signing-certificate/", views.CertificateView.as_view(),
         name="api-reports-certificate"),
]  # fmt: skip

# Served under /api/v1/ebr/ (API.md puts the ranking beside the deviation it ranks).
rootcause_urlpatterns = [
    path("deviations/<str:number>/root-cause/", views.RootCauseView.as_view(),
         name="api-ebr-deviation-root-cause"),
]  # fmt: skip
