from django.urls import path

from lims_bridge import views

app_name = "lims_bridge"

urlpatterns = [
    path("", views.imports, name="imports"),
    path("upload/", views.upload, name="upload"),
    path("imports/<int:transfer_id>/", views.preview, name="preview"),
    path("imports/<int:transfer_id>/confirm/", views.confirm, name="confirm"),
    path("mappings/", views.mapping_new, name="mapping_new"),
    path("pulls/", views.pull_new, name="pull_new"),
]
