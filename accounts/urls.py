from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("session/alive/", views.session_alive, name="session_alive"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<str:username>/", views.user_detail, name="user_detail"),
    path("users/<str:username>/roles/", views.user_roles, name="user_roles"),
    path("users/<str:username>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<str:username>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<str:username>/unlock/", views.user_unlock, name="user_unlock"),
    path(
        "users/<str:username>/reset-password/",
        views.user_reset_password,
        name="user_reset_password",
    ),
    path("service-accounts/", views.service_account_list, name="service_account_list"),
    path("service-accounts/new/", views.service_account_create, name="service_account_create"),
    path(
        "service-accounts/<str:username>/",
        views.service_account_detail,
        name="service_account_detail",
    ),
    path("service-accounts/<str:username>/tokens/", views.token_issue, name="token_issue"),
    path(
        "service-accounts/<str:username>/tokens/<int:token_id>/rotate/",
        views.token_action,
        {"action": "rotate"},
        name="token_rotate",
    ),
    path(
        "service-accounts/<str:username>/tokens/<int:token_id>/revoke/",
        views.token_action,
        {"action": "revoke"},
        name="token_revoke",
    ),
]
