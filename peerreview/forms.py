from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukForm, MoveForm
from core.uploads import ALLOWED_LABEL, MAX_UPLOAD_BYTES
from organisations.forms import DateInput
from organisations.models import Membership, Organisation, User
from peerreview.models import APPEAL_MAX_WORDS, Appeal, Assignment, Consent, Evidence, Finding, Reply, Review
from standards.models import FrameworkVersion, Standard

WITHHOLD_CHOICES = [("safeguarding", "Safeguarding"), ("serious_incident", "A serious incident")]


def _levels(review: Review) -> list[tuple[str, str]]:
    """The rating scale's choices, read once per framework instance (a page has a form per standard)."""
    framework = review.framework_version.framework
    if "_level_choices" not in framework.__dict__:
        choices = [(str(lv.value), f"{lv.value} – {lv.label}") for lv in framework.levels.all()]
        framework.__dict__["_level_choices"] = choices
    return framework.__dict__["_level_choices"]


class ReviewCreateForm(GovukForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind__in=list(Organisation.SUPPORT_BODY_KINDS), status="active"),
        label="Organisation to review",
    )
    framework_version = forms.ModelChoiceField(
        queryset=FrameworkVersion.objects.filter(state="published").select_related("framework"),
        label="Framework",
    )
    scope = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Local focus areas agreed with the organisation. You can change this while scoping.",
    )


class ScopeForm(GovukForm):
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    standards = forms.ModelMultipleChoiceField(
        queryset=Standard.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Standards in scope",
        help_text="Leave all unticked to review every standard.",
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standards"].queryset = review.framework_version.standards.order_by("position")


class ReasonForm(GovukForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


class InviteForm(GovukForm):
    reviewer = forms.ModelChoiceField(queryset=User.objects.none())
    role = forms.ChoiceField(choices=Assignment.Role.choices, widget=forms.RadioSelect, initial=Assignment.Role.PEER)
    waiver_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Reason for waiving any conflict (coordinator only)",
        help_text="Only needed if the checks find a conflict that you decide does not matter.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reviewers = Membership.objects.current().filter(role__in=["reviewer", "lead_reviewer"]).values("person")
        self.fields["reviewer"].queryset = User.objects.filter(pk__in=reviewers, is_active=True).order_by("full_name")


class AcceptForm(MoveForm):
    """The inputs of an assignment's accept move (peerreview.workflow.accept_assignment)."""

    declaration = forms.BooleanField(
        label="I declare that I have no conflict of interest with this organisation that I have not recorded, "
        "and I will keep everything I see in this review confidential."
    )


class SelfRatingForm(GovukForm):
    rating = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, required=False, empty_value=None)
    commentary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)
    no_evidence = forms.BooleanField(required=False, label="We have no evidence for this")
    no_evidence_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000, label="Why there is no evidence"
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if review.is_scored:
            self.fields["rating"].choices = _levels(review)
            self.fields["rating"].label = "Our rating"
        else:
            del self.fields["rating"]


class PositionStatementForm(GovukForm):
    position_statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        label="Position statement",
        help_text="In your own words: where you are, and where you want to be.",
    )


class EvidenceForm(GovukForm):
    title = forms.CharField(max_length=200)
    file = forms.FileField(help_text=f"{ALLOWED_LABEL}, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    dated_on = forms.DateField(widget=DateInput, label="Date of the document")
    indicators = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Indicators this evidence supports"
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = review.indicators_in_scope().select_related("standard")
        self.fields["indicators"].label_from_instance = lambda i: f"{i.standard.code}: {i.text[:90]}"


class RatingForm(GovukForm):
    rating = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, required=False, empty_value=None)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = _levels(review)


class NotesForm(GovukForm):
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20000, label="Desk review notes"
    )


class VisitForm(GovukForm):
    visit_date = forms.DateField(widget=DateInput)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), label="Who you met and what you heard", max_length=20000
    )


class ModerationForm(GovukForm):
    rating = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Agreed rating")
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    flag_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
        label="How the panel settled the disagreement",
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = _levels(review)


class FindingForm(GovukForm):
    kind = forms.ChoiceField(choices=Finding.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, label="Finding")
    standards = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)
    evidence = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standards"].queryset = review.standards_in_scope().order_by("position")
        self.fields["evidence"].queryset = Evidence.objects.filter(review=review)


class ReplyForm(GovukForm):
    kind = forms.ChoiceField(choices=Reply.Kind.choices, widget=forms.RadioSelect, label="Your reply")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="Explanation",
        help_text="Needed for a challenge. Disagreeing with a judgement alone is not a challenge.",
    )
    evidence = forms.ModelChoiceField(queryset=None, required=False, help_text="Needed for a (B) challenge.")

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(review=review)


class ExtensionForm(GovukForm):
    working_days = forms.IntegerField(min_value=1, max_value=20, label="Extra working days")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(choices=Reply.Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)
    amended_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        label="Corrected finding",
        help_text="Needed when the challenge is accepted or partly accepted.",
    )


class ExtensionDecisionForm(GovukForm):
    grant = forms.TypedChoiceField(
        choices=[("1", "Grant"), ("0", "Refuse")], coerce=lambda v: v == "1", widget=forms.RadioSelect, label="Decision"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)


class OutcomeForm(GovukForm):
    outcome = forms.ChoiceField(choices=Review.Outcome.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class PublishForm(MoveForm):
    """The inputs of the publish move (peerreview.workflow.publish_review): readers within the
    organisation's consent. Private unless said otherwise."""

    visibility = forms.ChoiceField(
        choices=Review.Visibility.choices, widget=forms.RadioSelect, initial=Review.Visibility.PRIVATE
    )
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Funders to share with",
        help_text="Only funders the organisation has consented to share with are listed.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consented = self.obj.consents.filter(withdrawn_at__isnull=True, kind="funder").values("funder")
        self.fields["shared_with"].queryset = Organisation.objects.filter(pk__in=consented)


class ManagementResponseForm(GovukForm):
    """The spec of peerreview.workflow.save_management_response."""

    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=6000,
        label="Your management response",
        help_text="Up to 500 words, published beside the report in your own words. It is not decided by anyone.",
    )


class ConsentForm(GovukForm):
    """The spec of peerreview.workflow.give_consent."""

    kind = forms.ChoiceField(choices=Consent.Kind.choices, widget=forms.RadioSelect, label="We consent to")
    funder = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.FUNDER),
        required=False,
        label="The funder",
        help_text="Needed when you consent to sharing with a funder.",
    )


class ActionForm(GovukForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=3000, label="Action")
    owner = forms.CharField(max_length=150)
    due_on = forms.DateField(widget=DateInput, label="Due by")
    finding = forms.ModelChoiceField(queryset=None, required=False, label="Responds to finding")

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = review.findings.filter(
            kind__in=[Finding.Kind.RECOMMENDATION, Finding.Kind.CONDITION, Finding.Kind.DEVELOPMENT]
        )


class ReferralForm(GovukForm):
    """The spec of peerreview.workflow.refer_to_lifeboat."""

    concerns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), max_length=5000, label="What concerns the panel"
    )
    withhold_grounds = forms.ChoiceField(
        choices=[("", "No: tell the organisation (the usual case)"), *WITHHOLD_CHOICES],
        required=False,
        widget=forms.RadioSelect,
        label="Is there a reason not to tell the organisation?",
    )
    withhold_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=3000,
        label="Why the organisation is not told",
        help_text="Recorded on the referral, where the lifeboat panel reads it.",
    )


class AppealGroundsForm(MoveForm):
    """The inputs of the appeal move besides its reason, which is the appeal itself
    (peerreview.workflow.lodge_appeal)."""

    grounds = forms.ChoiceField(choices=Appeal.Grounds.choices, widget=forms.RadioSelect, label="Grounds")


class AppealForm(AppealGroundsForm):
    """The appeal page: the grounds, and the appeal in the organisation's words (the move's reason)."""

    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=6000,
        label="Your appeal",
        help_text=f"Up to {APPEAL_MAX_WORDS} words. Disagreeing with a judgement alone is not a ground for appeal.",
    )


class AppealDecisionForm(GovukForm):
    """The spec of peerreview.workflow.decide_appeal."""

    uphold = forms.TypedChoiceField(
        choices=[("0", "Dismiss: the review stands"), ("1", "Uphold: reopen the review for a new report")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        label="Decision",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


ACTION_MOVES = {
    name: label
    for name, label in [
        ("agree", "Agree"),
        ("start", "Start"),
        ("complete", "Mark done"),
        ("slip", "Record slippage"),
        ("drop", "Drop"),
        ("verify", "Verify"),
    ]
}
