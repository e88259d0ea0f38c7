from django.urls import path

from lims_bridge.api import views

urlpatterns = [
    path("results/", views.ResultListView.as_view(), name="api-lims-results"),
    path("mappings/", views.MappingListView.as_view(), name="api-lims-mappings"),
    path("imports/", views.ImportView.as_view(), name="api-lims-imports"),
    path("pulls/", views.PullView.as_view(), name="api-lims-pulls"),
    path("transfers/<int:transfer_id>/", views.TransferView.as_view(), name="api-lims-transfer"),
]
