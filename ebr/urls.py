from django.urls import path

from ebr import views

app_name = "ebr"

urlpatterns = [
    path("lines/", views.lines_and_lots, name="lines"),
    path("lots/receive/", views.lot_receive, name="lot_receive"),
    path(
        "lots/<str:material>/<str:lot>/disposition/",
        views.lot_disposition,
        name="lot_disposition",
    ),
]
