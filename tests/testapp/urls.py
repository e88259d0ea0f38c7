from django.urls import include, path

from tests.testapp.api import SpecimenApproveView

urlpatterns = [
    path("api/test/specimens/<int:pk>/approve/", SpecimenApproveView.as_view()),
    path("", include("config.urls")),
]
