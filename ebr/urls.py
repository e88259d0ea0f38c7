from django.urls import path

from ebr import views

app_name = "ebr"

urlpatterns = [
    path("lines/", views.lines_and_lots, name="lines"),
    path("lines/<str:code>/rtd/", views.line_rtd, name="line_rtd"),
    path("lines/<str:code>/rtd/save/", views.line_rtd_save, name="line_rtd_save"),
    path("genealogy/", views.genealogy, name="genealogy"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/plan/", views.batch_plan, name="batch_plan"),
    path("batches/<str:batch_number>/", views.batch_detail, name="batch"),
    path("batches/<str:batch_number>/move/", views.batch_move, name="batch_move"),
    path("batches/<str:batch_number>/execute/", views.batch_execute, name="batch_execute"),
    path(
        "batches/<str:batch_number>/steps/<str:step_code>/entries/",
        views.entry_new,
        name="entry_new",
    ),
    path(
        "batches/<str:batch_number>/steps/<str:step_code>/verify/",
        views.entry_verify,
        name="entry_verify",
    ),
    path("verify/", views.verify_queue, name="verify_queue"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<str:batch_number>/", views.batch_review, name="batch_review"),
    path("review/<str:batch_number>/exception/", views.exception_review, name="exception_review"),
    path(
        "review/<str:batch_number>/disposition/",
        views.batch_disposition,
        name="batch_disposition",
    ),
    path("deviations/", views.deviation_list, name="deviations"),
    path("deviations/new/", views.deviation_new, name="deviation_new"),
    path("deviations/<str:number>/", views.deviation_detail, name="deviation"),
    path("deviations/<str:number>/move/", views.deviation_move, name="deviation_move"),
    path("master-records/", views.master_list, name="masters"),
    path("master-records/new/", views.master_new, name="master_new"),
    path("master-records/<str:code>/diff/", views.master_diff, name="master_diff"),
    path("master-records/<str:code>/next/", views.master_next, name="master_next"),
    path("master-records/<str:code>/<int:version>/", views.master_detail, name="master"),
    path("master-records/<str:code>/<int:version>/move/", views.master_move, name="master_move"),
    path("lots/receive/", views.lot_receive, name="lot_receive"),
    path(
        "lots/<str:material>/<str:lot>/disposition/",
        views.lot_disposition,
        name="lot_disposition",
    ),
]
