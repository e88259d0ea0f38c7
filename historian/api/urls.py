from django.urls import path

from historian.api import views

# Tag names contain dots: the default `str` converter takes everything but "/".
urlpatterns = [
    path("tags/", views.TagListView.as_view(), name="api-historian-tags"),
    path("tags/<str:name>/", views.TagDetailView.as_view(), name="api-historian-tag"),
    path("tags/<str:name>/values/", views.TagValuesView.as_view(), name="api-historian-values"),
    path("tags/<str:name>/current/", views.TagCurrentView.as_view(), name="api-historian-current"),
    path(
        "tags/<str:name>/annotations/",
        views.AnnotationListView.as_view(),
        name="api-historian-annotations",
    ),
    path(
        "tags/<str:name>/corrections/",
        views.CorrectionListView.as_view(),
        name="api-historian-corrections",
    ),
    path("samples/", views.SampleIngestView.as_view(), name="api-historian-samples"),
    path("displays/", views.DisplayListView.as_view(), name="api-historian-displays"),
    path("displays/<int:pk>/", views.DisplayDetailView.as_view(), name="api-historian-display"),
]
