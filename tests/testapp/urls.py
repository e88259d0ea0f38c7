from django.urls import include, path

from tests.testapp.api import SpecimenApproveView

urlpatterns = [
    path("api/test/specimens/<int:pk>/approve/", SpecimenApproveView.as_view()),
    path("", include("config.urls")),
]

# While the database is not answering: 503 and a page (or the API's body) that says so.
handler500 = "core.views.server_error"
