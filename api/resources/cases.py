"""Lifeboat referrals and cases. Confidential: outside the case team, the panel and administrators,
a case does not exist (404 for one case, absent from lists), exactly as on the web pages.

Facts recorded on the case itself and things created under it are nested under it
(`/cases/{id}/screening/`, `/cases/{id}/tasks/`…): each is one `@action` calling one operation in
casework/workflow.py, after loading the case through `self._case(perm)` (the pages' 404/403 rules).
Things with their own address and lifecycle (tasks, documents, the closure and its register items,
turnaround and interim records) are resources of their own in api/resources/closures.py and
api/resources/pathways.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.parsers import LimitedJSONParser
from api.resources.base import AuthenticatedRequest, ModelSerializer, VisibleViewSet
from api.transitions import TransitionsField, TransitionsMixin, transition_schema
from casework import queries
from casework import workflow as cw
from casework.filters import CaseFilter
from casework.models import Case, CaseDocument, CaseNote, HealthCheck, PathwayChange, Referral, RegisterItem, Task
from core import uploads
from core.uploads import LEGACY_OFFICE, OFFICE
from organisations.models import Organisation, User

VIEW = "casework.view_case"
WORK = "casework.work_case"
WRITE = "casework.write_case"  # the case team, while the case is open
DECIDE = "casework.decide_case"
ID: dict[str, Any] = {"min_value": 1, "max_value": 2**31 - 1}
CASE_MOVES = tuple(t.name for t in Case._meta.get_field("state").get_all_transitions(Case))


class ReferralSerializer(ModelSerializer):
    case = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "organisation",
            "source",
            "source_reference",
            "concerns",
            "referred_by",
            "referrer_contact",
            "received_on",
            "urgency",
            "organisation_knows",
            "created_at",
            "case",
        ]
        read_only_fields = fields

    def get_case(self, referral: Referral) -> int | None:
        case = getattr(referral, "case", None)
        return case.pk if case is not None else None


class ReferralCreateSerializer(serializers.Serializer):
    """The inputs of casework.workflow.refer_organisation, as on the page's referral form."""

    organisation = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    source = serializers.ChoiceField(choices=Referral.Source.choices)
    concerns = serializers.CharField(max_length=10000)
    referrer_contact = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    received_on = serializers.DateField(required=False, default=None, help_text="Today or earlier; today if left out.")
    urgency = serializers.ChoiceField(choices=Referral.Urgency.choices, required=False, default="routine")
    organisation_knows = serializers.BooleanField(required=False, allow_null=True, default=None)
    not_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True to confirm a new concern when the organisation already has a referral waiting or an open case.",
    )


class DismissReferralSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=3000)


class ReassignCaseSerializer(serializers.Serializer):
    """The inputs of casework.workflow.reassign_case, as on the page's handover form."""

    owner = serializers.IntegerField(**ID, help_text="A lifeboat caseworker.")
    reason = serializers.CharField(max_length=3000)
    keep_previous_on_team = serializers.BooleanField(required=False, default=True)


class HealthCheckSerializer(ModelSerializer):
    risk = serializers.SerializerMethodField()
    recommended_pathway = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    reserves_months = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True, allow_null=True)
    runway_weeks = serializers.IntegerField(read_only=True)

    class Meta:
        model = HealthCheck
        exclude = ["id", "case", "created_at", "updated_at"]

    def get_risk(self, check: HealthCheck) -> str:
        return check.assess()[0]

    def get_recommended_pathway(self, check: HealthCheck) -> str:
        return check.assess()[1]

    def get_reasons(self, check: HealthCheck) -> list[str]:
        return check.assess()[2]


class PathwayChangeSerializer(ModelSerializer):
    class Meta:
        model = PathwayChange
        fields = ["from_pathway", "to_pathway", "reason", "approved_by", "changed_at"]


class CaseSerializer(ModelSerializer):
    transitions = TransitionsField()
    team = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "referral",
            "organisation",
            "owner",
            "team",
            "state",
            "pathway",
            "identity_confirmed",
            "latest_accounts_on",
            "triaged_by",
            "board_consent_on",
            "decided_by",
            "held_until",
            "escalation",
            "signposting",
            "outcome",
            "outcome_note",
            "unresolved_note",
            "unresolved_at_closure",
            "closed_at",
            "created_at",
            "updated_at",
            "transitions",
        ]
        read_only_fields = fields


class CaseListSerializer(CaseSerializer):
    """A row of the caseload: the case and the list's columns."""

    risk = serializers.CharField(source="risk_level", read_only=True, help_text="red, amber, green, or blank.")
    next_due = serializers.DateField(read_only=True, allow_null=True, help_text="The earliest open task's date.")
    has_overdue = serializers.BooleanField(read_only=True)
    stage_since = serializers.DateTimeField(read_only=True)
    last_contact = serializers.DateField(read_only=True, allow_null=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "risk", "next_due", "has_overdue", "stage_since", "last_contact"]
        read_only_fields = fields


class PathwayRecordsSerializer(serializers.Serializer):
    """The ids of the case's pathway records (a record stays when the pathway changes)."""

    closure = serializers.IntegerField(allow_null=True)
    turnaround = serializers.IntegerField(allow_null=True)
    interim = serializers.IntegerField(allow_null=True)


class CaseDetailSerializer(CaseSerializer):
    health_check = HealthCheckSerializer(read_only=True, allow_null=True)
    pathway_changes = PathwayChangeSerializer(many=True, read_only=True)
    shared_with_funders = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    pathway_records = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "conflict_note",
            "accounts_note",
            "board_consent_note",
            "funder_consent_on",
            "funder_consent_note",
            "shared_with_funders",
            "health_check",
            "pathway_changes",
            "pathway_records",
        ]
        read_only_fields = fields

    @extend_schema_field(PathwayRecordsSerializer)
    def get_pathway_records(self, case: Case) -> dict[str, int | None]:
        """Where to find the closure (/closures/{id}/), turnaround and interim records."""
        return {name: getattr(getattr(case, name, None), "pk", None) for name in ("closure", "turnaround", "interim")}


# --- what a person records on the case --------------------------------------------------------------


class ScreeningSerializer(serializers.Serializer):
    identity_confirmed = serializers.BooleanField()
    conflict_note = serializers.CharField(allow_blank=True, max_length=5000, help_text="Your conflicts, or blank.")
    latest_accounts_on = serializers.DateField(allow_null=True)
    accounts_note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class HealthCheckInputSerializer(serializers.Serializer):
    annual_income = serializers.DecimalField(min_value=0, **MONEY)
    annual_expenditure = serializers.DecimalField(min_value=0, **MONEY)
    free_reserves = serializers.DecimalField(**MONEY)
    cash_at_bank = serializers.DecimalField(**MONEY)
    weekly_net_cash = serializers.ListField(
        child=serializers.DecimalField(**MONEY), min_length=13, max_length=13, help_text="13 weeks of net cash flow."
    )
    largest_funder_percent = serializers.IntegerField(min_value=0, max_value=100)
    overdue_filings = serializers.BooleanField(required=False, default=False)
    governance_concerns = serializers.BooleanField(required=False, default=False)
    safeguarding_concerns = serializers.BooleanField(required=False, default=False)
    finances_as_of = serializers.DateField()
    finances_source = serializers.CharField(max_length=200)
    forecast_as_of = serializers.DateField()
    forecast_source = serializers.CharField(max_length=200)
    governance_as_of = serializers.DateField()
    governance_source = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class PathwayChoiceSerializer(serializers.Serializer):
    pathway = serializers.ChoiceField(choices=Case.Pathway.choices)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="", help_text="Needed when not the recommended."
    )
    board_consent_on = serializers.DateField()
    board_consent_note = serializers.CharField(max_length=5000)


class PathwayChangeInputSerializer(serializers.Serializer):
    pathway = serializers.ChoiceField(choices=Case.Pathway.choices)
    reason = serializers.CharField(max_length=5000)


class OutcomeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Case.Outcome.choices)
    note = serializers.CharField(max_length=5000)
    unresolved_note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class FunderConsentSerializer(serializers.Serializer):
    funders = serializers.ListField(child=serializers.IntegerField(**ID), max_length=50)
    consent_on = serializers.DateField(allow_null=True, required=False, default=None)
    note = serializers.CharField(max_length=5000)
    publish_grants = serializers.BooleanField(required=False, default=False)


class TaskSerializer(ModelSerializer):
    class Meta:
        model = Task
        fields = [
            "id",
            "case",
            "title",
            "due_on",
            "assignee",
            "item",
            "done_at",
            "done_by",
            "closed_reason",
            "created_at",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    assignee = serializers.IntegerField(**ID, help_text="Someone on the case team.")
    item = serializers.IntegerField(**ID, required=False, allow_null=True, default=None, help_text="A register item.")


class DocumentSerializer(ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = CaseDocument
        fields = [
            "id",
            "case",
            "slot",
            "title",
            "original_name",
            "content_type",
            "size",
            "dated_on",
            "uploaded_by",
            "created_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, document: CaseDocument) -> str:
        from django.urls import reverse

        return reverse("api:casedocument-download", args=[document.pk])


class DocumentUploadSerializer(serializers.Serializer):
    slot = serializers.ChoiceField(choices=CaseDocument.Slot.choices)
    title = serializers.CharField(max_length=200)
    dated_on = serializers.DateField()
    upload = serializers.FileField(help_text="PDF, Word, Excel, PowerPoint, OpenDocument, CSV, PNG or JPEG; 10 MB.")


class CaseNoteSerializer(ModelSerializer):
    class Meta:
        model = CaseNote
        fields = ["id", "author", "kind", "contacted_on", "text", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"text": {"max_length": 20000}}


def _found(queryset: QuerySet[Any], field: str, pk: int) -> Any:
    """One row by id, or a 400 naming the field (ids sent in a body)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [f"Unknown id {pk}."]})
    return found


def _organisation(pk: int, field: str = "organisation") -> Organisation:
    return _found(Organisation.objects.all(), field, pk)


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(create=extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer}))
class ReferralViewSet(mixins.CreateModelMixin, VisibleViewSet):
    """Lifeboat referrals. POST records one (caseworkers); `…/open/` opens its case."""

    serializer_class = ReferralSerializer
    view_perm = "casework.view_referral"
    filterset_fields = ["source", "organisation"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def visible(self, user: Any) -> QuerySet[Referral]:
        """Referrals still waiting for a case (the same list as the lifeboat page)."""
        return queries.referrals_waiting(user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require("casework.add_case")
        body = ReferralCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        referral = cw.refer_organisation(
            _organisation(data.pop("organisation")), by=request.user, role="caseworker", **data
        )
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DismissReferralSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Dismiss a referral no case will be opened for (a repeat, or not for the lifeboat), with the reason."""
        referral = self.get_object()
        self.require("casework.add_case", referral)
        referral = cw.dismiss_referral(referral, by=request.user, **_body(DismissReferralSerializer, request))
        return Response(ReferralSerializer(referral).data)

    @extend_schema(request=None, responses={201: CaseSerializer})
    @action(detail=True, methods=["post"])
    def open(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Open a case for this referral; the caseworker who opens it owns it."""
        referral = self.get_object()
        self.require("casework.add_case", referral)
        case = cw.open_case(referral, by=request.user)
        return Response(
            CaseSerializer(case, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(transition=transition_schema(CaseDetailSerializer, CASE_MOVES))
class CaseViewSet(TransitionsMixin, VisibleViewSet):
    """Lifeboat cases and their lifecycle. Decline and withdraw need `signposting`; escalate takes `kind`."""

    view_perm = VIEW
    # Search, filters and sorting are the case list page's (casework.filters.CaseFilter): `q`,
    # `state` (repeatable), `pathway`, `owner` (an id or "me"), `borough` (ONS code), `risk`,
    # `overdue`, `organisation`, `outcome`, and `ordering`.
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    transition_names = CASE_MOVES

    def move(self, obj: Any, name: str, by: Any, data: dict[str, Any]) -> Any:
        return cw.perform(obj, name, by=by, reason=data["reason"], **data["inputs"])

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return CaseListSerializer if self.action == "list" else CaseDetailSerializer

    def visible(self, user: Any) -> QuerySet[Case]:
        return queries.caseload_visible_to(user).prefetch_related("team")

    @extend_schema(request=ReassignCaseSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def owner(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Hand the case over to another caseworker, with the reason (the case team or an administrator)."""
        case = self._case("casework.reassign_case")
        data = _body(ReassignCaseSerializer, request)
        data["owner"] = _found(User.objects.all(), "owner", data["owner"])
        return self._answer(cw.reassign_case(case, by=request.user, **data))

    def objects(self) -> QuerySet[Case]:
        return Case.objects.select_related("organisation", "owner", "referral", "health_check")

    def _case(self, perm: str | None = None) -> Case:
        """The case, 404 to people who may not see it, 403 to those who may see it but not do this."""
        case = self.get_object()
        if perm:
            self.require(perm, case)
        return case

    def _answer(self, case: Case) -> Response:
        fresh = self.objects().get(pk=case.pk)
        return Response(CaseDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=ScreeningSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["put"])
    def screening(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Screening facts: identity checked, your conflict declaration, the latest accounts (the case team)."""
        case = self._case(WORK)
        return self._answer(cw.record_screening(case, by=request.user, **_body(ScreeningSerializer, request)))

    @extend_schema(request=HealthCheckInputSerializer, responses=HealthCheckSerializer)
    @action(detail=True, methods=["put"], url_path="health-check", url_name="health-check")
    def health_check(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The triage health check (the case team, during triage); answers with the risk and recommendation."""
        case = self._case(WORK)
        check = cw.record_health_check(case, by=request.user, **_body(HealthCheckInputSerializer, request))
        return Response(HealthCheckSerializer(check).data)

    @extend_schema(request=PathwayChoiceSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["put"])
    def pathway(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The panel chooses the pathway and records the board's consent (then approves the case)."""
        case = self._case(DECIDE)
        return self._answer(cw.choose_pathway(case, by=request.user, **_body(PathwayChoiceSerializer, request)))

    @extend_schema(methods=["get"], responses=PathwayChangeSerializer(many=True))
    @extend_schema(methods=["post"], request=PathwayChangeInputSerializer, responses={201: CaseDetailSerializer})
    @action(detail=True, methods=["get", "post"], url_path="pathway-changes", url_name="pathway-changes")
    def pathway_changes(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The pathway's history. POST moves an active case to another pathway (the panel, with a reason)."""
        case = self._case()
        if request.method == "GET":
            return Response(PathwayChangeSerializer(case.pathway_changes.all(), many=True).data)
        self.require(DECIDE, case)
        case = cw.change_pathway(case, by=request.user, **_body(PathwayChangeInputSerializer, request))
        return Response(self._answer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OutcomeInputSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["put"], url_path="outcome", url_name="outcome")
    def record_outcome(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Record the case's outcome (the case team), before proposing to close it."""
        case = self._case(WORK)
        return self._answer(cw.record_outcome(case, by=request.user, **_body(OutcomeInputSerializer, request)))

    @extend_schema(request=FunderConsentSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["put"], url_path="funder-consent", url_name="funder-consent")
    def funder_consent(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The funders the organisation agreed may know about the case (an empty list withdraws consent)."""
        case = self._case(WRITE)
        data = _body(FunderConsentSerializer, request)
        funders = [_organisation(pk, field="funders") for pk in data["funders"]]
        return self._answer(
            cw.record_funder_consent(
                case,
                by=request.user,
                funders=funders,
                consent_on=data["consent_on"],
                note=data["note"],
                publish_grants=data["publish_grants"],
            )
        )

    @extend_schema(methods=["get"], responses=TaskSerializer(many=True))
    @extend_schema(methods=["post"], request=TaskCreateSerializer, responses={201: TaskSerializer})
    @action(detail=True, methods=["get", "post"])
    def tasks(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """The case's tasks. POST adds one for someone on the case team (the case team, while open)."""
        case = self._case()
        if request.method == "GET":
            return Response(TaskSerializer(case.tasks.all(), many=True).data)
        self.require(WRITE, case)
        data = _body(TaskCreateSerializer, request)
        assignee = _found(User.objects.all(), "assignee", data["assignee"])
        item = _found(RegisterItem.objects.filter(closure__case=case), "item", data["item"]) if data["item"] else None
        task = cw.add_task(
            case, by=request.user, title=data["title"], due_on=data["due_on"], assignee=assignee, item=item
        )
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=DocumentSerializer(many=True))
    @extend_schema(
        methods=["post"], request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer}
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, LimitedJSONParser])
    def documents(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Documents in the case's evidence slots. POST (multipart) files one after the upload checks."""
        case = self._case()
        if request.method == "GET":
            return Response(DocumentSerializer(case.documents.all(), many=True).data)
        self.require(WRITE, case)
        document = cw.add_document(case, by=request.user, **_body(DocumentUploadSerializer, request))
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=CaseNoteSerializer(many=True))
    @extend_schema(methods=["post"], request=CaseNoteSerializer, responses={201: CaseNoteSerializer})
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Case notes. POST adds one (the case team, while the case is open)."""
        case = self.get_object()
        if request.method == "GET":
            return Response(CaseNoteSerializer(case.notes.all(), many=True).data)
        body = CaseNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = cw.add_note(case, by=request.user, **body.validated_data)
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)


# --- tasks and documents: their own addresses ----------------------------------------------------------


class TaskViewSet(VisibleViewSet):
    """Tasks on the cases you may see. `…/complete/` marks one done (the case team, while open)."""

    serializer_class = TaskSerializer
    view_perm = VIEW
    filterset_fields = ["case", "assignee"]
    ordering_fields = ["due_on", "created_at"]
    ordering = ["due_on"]

    def visible(self, user: Any) -> QuerySet[Task]:
        return Task.objects.filter(case__in=queries.cases_visible_to(user))

    def objects(self) -> QuerySet[Task]:
        return Task.objects.select_related("case")

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        task = self.get_object()
        self.require(WRITE, task)
        return Response(TaskSerializer(cw.complete_task(task, by=request.user)).data)

    @extend_schema(request=TaskCreateSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["put"])
    def change(self, request: AuthenticatedRequest, pk: Any = None) -> Response:
        """Change an open task: what, by when, who (someone on the case team), its register item."""
        task = self.get_object()
        self.require(WRITE, task)
        data = _body(TaskCreateSerializer, request)
        case = task.case
        assignee = _found(User.objects.all(), "assignee", data["assignee"])
        item = _found(RegisterItem.objects.filter(closure__case=case), "item", data["item"]) if data["item"] else None
        task = cw.change_task(
            task, by=request.user, title=data["title"], due_on=data["due_on"], assignee=assignee, item=item
        )
        return Response(TaskSerializer(task).data)


# Every type core.uploads accepts (it sniffs the content): the download answers with the one filed.
DOCUMENT_TYPES = sorted(
    {"application/pdf", "image/png", "image/jpeg", "text/csv", "text/plain", *OFFICE.values(), *LEGACY_OFFICE.values()}
)


@extend_schema_view(
    download=extend_schema(
        responses={(200, t): OpenApiResponse(bytes, description="The file as filed.") for t in DOCUMENT_TYPES}
    )
)
class DocumentViewSet(VisibleViewSet):
    """Documents on the cases you may see (file them through `/cases/{id}/documents/`)."""

    serializer_class = DocumentSerializer
    view_perm = VIEW
    filterset_fields = ["case", "slot"]
    ordering_fields = ["dated_on", "created_at"]
    ordering = ["case", "slot", "-dated_on"]

    def visible(self, user: Any) -> QuerySet[CaseDocument]:
        return CaseDocument.objects.filter(case__in=queries.cases_visible_to(user))

    def objects(self) -> QuerySet[CaseDocument]:
        return CaseDocument.objects.select_related("case")

    @action(detail=True, methods=["get"])
    def download(self, request: AuthenticatedRequest, pk: Any = None) -> FileResponse:
        """The file, as the case page serves it (an attachment; never sniffed)."""
        document = self.get_object()
        return uploads.download(document)
