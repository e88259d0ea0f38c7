from django.urls import path

from ebr.api import views

urlpatterns = [
    path("lines/", views.LineListView.as_view(), name="api-ebr-lines"),
    path("lines/<str:code>/", views.LineDetailView.as_view(), name="api-ebr-line"),
    path(
        "lines/<str:code>/rtd-models/",
        views.RtdModelListView.as_view(),
        name="api-ebr-rtd-models",
    ),
    path(
        "lines/<str:code>/rtd-models/fit/",
        views.RtdFitView.as_view(),
        name="api-ebr-rtd-fit",
    ),
    path("lines/<str:code>/feeds/", views.FeedListView.as_view(), name="api-ebr-feeds"),
    path("lines/<str:code>/diversion/", views.DiversionView.as_view(), name="api-ebr-diversion"),
    path("master-records/", views.MasterListView.as_view(), name="api-ebr-masters"),
    path(
        "master-records/<str:code>/<int:version>/",
        views.MasterDetailView.as_view(),
        name="api-ebr-master",
    ),
    path(
        "master-records/<str:code>/<int:version>/transition/",
        views.MasterTransitionView.as_view(),
        name="api-ebr-master-transition",
    ),
    path("batches/", views.BatchListView.as_view(), name="api-ebr-batches"),
    path("batches/<str:batch_number>/", views.BatchDetailView.as_view(), name="api-ebr-batch"),
    path(
        "batches/<str:batch_number>/transition/",
        views.BatchTransitionView.as_view(),
        name="api-ebr-batch-transition",
    ),
    path(
        "batches/<str:batch_number>/steps/<str:step_code>/entries/",
        views.EntryCreateView.as_view(),
        name="api-ebr-entries",
    ),
    path(
        "batches/<str:batch_number>/steps/<str:step_code>/verify/",
        views.EntryVerifyView.as_view(),
        name="api-ebr-verify",
    ),
    path(
        "batches/<str:batch_number>/close/",
        views.BatchCloseView.as_view(),
        name="api-ebr-batch-close",
    ),
    path(
        "batches/<str:batch_number>/exceptions/",
        views.BatchExceptionsView.as_view(),
        name="api-ebr-batch-exceptions",
    ),
    path(
        "batches/<str:batch_number>/exceptions/<str:exception_id>/review/",
        views.ExceptionReviewView.as_view(),
        name="api-ebr-exception-review",
    ),
    path(
        "batches/<str:batch_number>/disposition/",
        views.BatchDispositionView.as_view(),
        name="api-ebr-batch-disposition",
    ),
    path("deviations/", views.DeviationListView.as_view(), name="api-ebr-deviations"),
    path("deviations/<str:number>/", views.DeviationDetailView.as_view(), name="api-ebr-deviation"),
    path(
        "deviations/<str:number>/transition/",
        views.DeviationTransitionView.as_view(),
        name="api-ebr-deviation-transition",
    ),
    path("lots/", views.LotListView.as_view(), name="api-ebr-lots"),
    path("lots/<str:material>/<str:lot>/", views.LotDetailView.as_view(), name="api-ebr-lot"),
    path(
        "lots/<str:material>/<str:lot>/disposition/",
        views.LotDispositionView.as_view(),
        name="api-ebr-lot-disposition",
    ),
]

# Mounted at /api/v1/genealogy/ (API.md): genealogy is part of the batch records.
genealogy_urlpatterns = [
    path("backward/", views.BackwardView.as_view(), name="api-genealogy-backward"),
    path("forward/", views.ForwardView.as_view(), name="api-genealogy-forward"),
]
