from django.urls import path

from historian import views

app_name = "historian"

urlpatterns = [
    path("", views.tag_browser, name="tags"),
    path("trend/", views.trend, name="trend"),
]
