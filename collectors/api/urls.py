from django.urls import path

from collectors.api import views

urlpatterns = [
    path("", views.CollectorListView.as_view(), name="api-collectors"),
    path("<str:name>/heartbeat/", views.HeartbeatView.as_view(), name="api-collector-heartbeat"),
]
