from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView
from health_check.views import HealthCheckView

from api.urls import schema_urlpatterns
from organisations import forms as org_forms
from organisations import views as org_views
from reports import views as report_views

PUBLIC = {
    "site_name": settings.SITE_NAME,
    "retention": settings.RETENTION_DAYS,
    "session_hours": settings.SESSION_COOKIE_AGE // 3600,
}

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
        "accounts/two-factor/recovery-codes/",
        org_views.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
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
    path(
        "accounts/invitation/<uidb64>/<token>/",
        org_views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("", include("organisations.urls")),
    path("", include("standards.urls")),
    path("", include("casework.urls")),
    path("", include("peerreview.urls")),
    path("", include("reports.urls")),
    path("", include("api.urls")),
    *schema_urlpatterns,
    path("admin/", admin.site.urls),
    # Public pages (issue #19), linked from every page's footer.
    path("privacy/", TemplateView.as_view(template_name="pages/privacy.html", extra_context=PUBLIC), name="privacy"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html", extra_context=PUBLIC), name="cookies"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html", extra_context=PUBLIC),
        name="accessibility",
    ),
    path(
        "health/",
        HealthCheckView.as_view(
            checks=[
                "health_check.checks.Database",
                "health_check.checks.Cache",
                "health_check.checks.Storage",
                "reports.health.Outbox",
                "reports.health.Reminders",
            ]
        ),
        name="health",
    ),
]

handler400 = "api.errors.bad_request"
handler404 = "api.errors.page_not_found"
