from django.urls import path

from ebr import views

app_name = "ebr"

urlpatterns = [
    path("lines/", views.lines_and_lots, name="lines"),
    path("master-records/", views.master_list, name="masters"),
    path("master-records/new/", views.master_new, name="master_new"),
    path("master-records/<str:code>/diff/", views.master_diff, name="master_diff"),
    path("master-records/<str:code>/<int:version>/", views.master_detail, name="master"),
    path("master-records/<str:code>/<int:version>/move/", views.master_move, name="master_move"),
    path("lots/receive/", views.lot_receive, name="lot_receive"),
    path(
        "lots/<str:material>/<str:lot>/disposition/",
        views.lot_disposition,
        name="lot_disposition",
    ),
]
