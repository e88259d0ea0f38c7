from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.trail, name="trail"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.jsonl", views.export, {"fmt": "jsonl"}, name="export_jsonl"),
    path("records/<str:table>/<path:pk>/", views.record, name="record"),
    path("review/", views.review, name="review"),
    path("verification/", views.verification, name="verification"),
    path("verification/start/", views.verification_start, name="verification_start"),
]
