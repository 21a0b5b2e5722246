from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.urls import schema_urlpatterns
from organisations import forms as org_forms
from organisations import views as org_views
from reports import views as report_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("audit/", report_views.audit_log, name="audit-log"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=org_forms.SignInForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", org_views.two_factor_verify, name="two-factor"),
    path("accounts/two-factor/setup/", org_views.two_factor_setup, name="two-factor-setup"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(form_class=org_forms.PasswordChangeForm),
        name="password_change",
    ),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=org_forms.PasswordResetForm),
        name="password_reset",
    ),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=org_forms.SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("organisations.urls")),
    path("", include("standards.urls")),
    path("", include("casework.urls")),
    path("", include("peerreview.urls")),
    path("", include("reports.urls")),
    path("", include("api.urls")),
    *schema_urlpatterns,
    path("admin/", admin.site.urls),
]

handler400 = "api.errors.bad_request"
handler404 = "api.errors.page_not_found"
