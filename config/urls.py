from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ebr.api.urls import genealogy_urlpatterns
from reports.api.urls import rootcause_urlpatterns

urlpatterns = [
    path("", include("portal.urls")),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("historian/", include("historian.urls")),
    path("api/v1/", include("portal.api.urls")),
    path("api/v1/audit/", include("audit.api.urls")),
    path("api/v1/historian/", include("historian.api.urls")),
    path("api/v1/collectors/", include("collectors.api.urls")),
    path("api/v1/ebr/", include(rootcause_urlpatterns)),
    path("api/v1/ebr/", include("ebr.api.urls")),
    path("api/v1/genealogy/", include(genealogy_urlpatterns)),
    path("api/v1/lims/", include("lims_bridge.api.urls")),
    path("lims/", include("lims_bridge.urls")),
    path("api/v1/reports/", include("reports.api.urls")),
    path("reports/", include("reports.urls")),
    path("ebr/", include("ebr.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

# While the database is not answering: 503 and a page (or the API's body) that says so.
handler500 = "core.views.server_error"
