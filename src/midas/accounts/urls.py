from django.urls import path

from midas.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("register/", views.register, name="register"),
    path("register/check-email/", views.check_email, name="check_email"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("delete/", views.delete_account, name="delete"),
    path("deleted/", views.account_deleted, name="deleted"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path(
        "password/reset/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
]
