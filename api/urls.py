"""The API's addresses: /api/v1/… (resources), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI
served from local static files), and the account page for personal tokens."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import views
from api.resources import cases, closures, organisations, pathways, reports, reviews, standards, tokens

app_name = "api"

router = SimpleRouter()
router.register("organisations", organisations.OrganisationViewSet, basename="organisation")
router.register("boroughs", organisations.BoroughViewSet, basename="borough")
router.register("frameworks", standards.FrameworkViewSet, basename="framework")
router.register("framework-versions", standards.FrameworkVersionViewSet, basename="frameworkversion")
router.register("reviews", reviews.ReviewViewSet, basename="review")
router.register("assignments", reviews.AssignmentViewSet, basename="assignment")
router.register("findings", reviews.FindingViewSet, basename="finding")
router.register("actions", reviews.ActionViewSet, basename="action")
router.register("referrals", cases.ReferralViewSet, basename="referral")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("tasks", cases.TaskViewSet, basename="task")
router.register("documents", cases.DocumentViewSet, basename="casedocument")
router.register("closures", closures.ClosureViewSet, basename="closure")
router.register("register-items", closures.RegisterItemViewSet, basename="registeritem")
router.register("turnarounds", pathways.TurnaroundViewSet, basename="turnaround")
router.register("milestones", pathways.MilestoneViewSet, basename="milestone")
router.register("grants", pathways.GrantViewSet, basename="grant")
router.register("tranches", pathways.TrancheViewSet, basename="tranche")
router.register("interims", pathways.InterimViewSet, basename="interim")
router.register("candidates", pathways.CandidateViewSet, basename="candidate")
router.register("assessments", reports.AssessmentViewSet, basename="assessment")
router.register("intelligence", reports.IntelligenceViewSet, basename="intelligence")
router.register("tokens", tokens.TokenViewSet, basename="token")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("accounts/api-tokens/", views.token_list, name="token-page"),
    path("accounts/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]

# Outside the namespace so the schema's URL names read plainly.
schema_urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(api_version="1.0.0"), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
