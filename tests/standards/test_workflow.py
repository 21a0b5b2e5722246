import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from core.workflow import TransitionNotAllowed
from organisations.models import Borough, Organisation
from standards import spreadsheet, workflow
from standards.models import DEFAULT_LEVELS, Comment, Framework, FrameworkVersion, Indicator, Standard, Theme
from tests.factories import FrameworkFactory, FrameworkVersionFactory, ThemeFactory
from tests.standards.conftest import content_of, content_rows, noon, sample_parsed, set_dates

pytestmark = pytest.mark.unit

State = FrameworkVersion.State
Answer = Comment.Answer


def events(obj) -> list[tuple[str, str, str, str, str]]:
    """(action, from, to, role, reason) of each audit event about `obj`, oldest first."""
    return [(e.action, e.source_state, e.target_state, e.role, e.reason) for e in audit.events_for(obj).order_by("id")]


def last_history(obj):
    return type(obj).history.filter(id=obj.pk).order_by("-history_id").first()


def after_closing(version) -> datetime.datetime:
    return noon(version.consultation_closes_on + datetime.timedelta(days=1))


@pytest.fixture
def boroughs(db):
    return list(Borough.objects.filter(ons_code__in=["E09000007", "E09000019"]).order_by("ons_code"))


# --- create_framework -----------------------------------------------------------------------------


def test_create_framework_makes_default_levels_and_draft_version_1(framework, steward, hub):
    assert list(framework.owners.all()) == [hub]
    assert (framework.scoring_mode, framework.limiter_trigger, framework.limiter_cap) == ("scored", 1, 2)
    assert [(lv.value, lv.label, lv.descriptor, lv.min_mean) for lv in framework.levels.order_by("value")] == [
        (value, label, descriptor, Decimal(str(min_mean))) for value, label, descriptor, min_mean in DEFAULT_LEVELS
    ]
    (version,) = framework.versions.all()
    assert (version.number, version.state, version.previous, version.themes.count()) == (1, State.DRAFT, None, 0)
    assert events(framework) == [("create", "", "", "steward", "")]
    assert events(version) == [("create", "", "", "steward", "")]
    assert AuditEvent.objects.get(object_type="standards.framework").actor == steward
    history = last_history(framework)
    assert (history.history_user, history.history_change_reason) == (steward, "create")
    assert (last_history(version).history_user, last_history(version).history_change_reason) == (steward, "create")


def test_create_narrative_framework_has_no_scale_and_no_limiter(administrator, hub):
    framework = workflow.create_framework(
        by=administrator,
        name="Stories of change",
        slug="stories",
        purpose="Narrative.",
        owners=[hub],
        scoring_mode=Framework.ScoringMode.NARRATIVE,
    )
    assert not framework.is_scored
    assert (framework.levels.count(), framework.limiter_trigger, framework.limiter_cap) == (0, None, None)
    assert events(framework) == [("create", "", "", "administrator", "")]


@pytest.mark.parametrize("role", ["participant", "coordinator", "contact", "outsider"])
def test_create_framework_is_for_stewards_and_administrators(request, hub, role):
    person = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        workflow.create_framework(by=person, name="X", slug="x", purpose="X", owners=[hub])
    assert (Framework.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_create_framework_refuses_a_name_in_use(framework, steward, hub):
    with pytest.raises(ValidationError) as raised:
        workflow.create_framework(by=steward, name="Good Local Support", slug="other", purpose="X", owners=[hub])
    assert "name" in raised.value.message_dict
    assert Framework.objects.count() == 1


# --- start_new_version ----------------------------------------------------------------------------


def test_start_new_version_copies_the_content(published_version, steward):
    v2 = workflow.start_new_version(published_version.framework, by=steward)
    assert (v2.number, v2.state, v2.previous) == (2, State.DRAFT, published_version)
    assert content_of(v2) == content_of(published_version)
    assert not set(v2.standards.values_list("pk", flat=True)) & set(
        published_version.standards.values_list("pk", flat=True)
    )
    assert events(v2) == [("create", "", "", "steward", "")]
    assert audit.events_for(v2).get().payload == {"copied_from": 1}
    for model, count in [(Theme, 2), (Standard, 3), (Indicator, 5)]:
        copied = model.history.filter(history_change_reason="copy")
        assert copied.count() == count
        assert {h.history_user for h in copied} == {steward}


def test_start_new_version_refuses_while_a_draft_exists(framework, steward):
    with pytest.raises(ValidationError, match="Version 1 is still a draft"):
        workflow.start_new_version(framework, by=steward)
    assert framework.versions.count() == 1


def test_start_new_version_from_a_retired_version(retired_version, steward):
    v2 = workflow.start_new_version(retired_version.framework, by=steward)
    assert (v2.number, v2.previous, content_of(v2)) == (2, retired_version, content_of(retired_version))


def test_start_new_version_refuses_a_steward_of_another_organisation(published_version, other_steward):
    with pytest.raises(PermissionDenied):
        workflow.start_new_version(published_version.framework, by=other_steward)
    assert published_version.framework.versions.count() == 1


def test_start_new_version_as_administrator(published_version, administrator):
    v2 = workflow.start_new_version(published_version.framework, by=administrator)
    assert events(v2) == [("create", "", "", "administrator", "")]


# --- update_version_details -----------------------------------------------------------------------


def test_update_version_details_records_before_and_after(draft, steward):
    opens, closes = datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)
    workflow.update_version_details(
        draft, by=steward, summary="Plainer words.", consultation_opens_on=opens, consultation_closes_on=closes
    )
    stored = FrameworkVersion.objects.get(pk=draft.pk)
    assert (stored.summary, stored.consultation_opens_on, stored.consultation_closes_on) == (
        "Plainer words.",
        opens,
        closes,
    )
    event = audit.events_for(draft).last()
    assert (event.action, event.role) == ("update", "steward")
    assert event.payload == {"before": ["", "", ""], "after": ["Plainer words.", "2026-06-01", "2026-06-30"]}
    assert last_history(draft).history_change_reason == "update"


def test_update_version_details_refuses_closing_before_opening(draft, steward):
    with pytest.raises(ValidationError) as raised:
        set_dates(draft, steward, datetime.date(2026, 6, 2), datetime.date(2026, 6, 1))
    assert "consultation_closes_on" in raised.value.message_dict
    assert FrameworkVersion.objects.get(pk=draft.pk).consultation_opens_on is None


def test_update_version_details_refuses_published_versions(published_version, steward):
    with pytest.raises(ValidationError, match="Published versions cannot be changed"):
        set_dates(published_version, steward, None, None)


def test_update_version_details_refuses_others(draft, other_steward, participant):
    for person in (other_steward, participant):
        with pytest.raises(PermissionDenied):
            set_dates(draft, person, None, None)


# --- open_consultation ----------------------------------------------------------------------------


def test_open_consultation_writes_an_audit_event_and_history(draft, steward):
    today = timezone.localdate()
    set_dates(draft, steward, today, today + datetime.timedelta(days=28))
    opened = workflow.open_consultation(draft, by=steward)
    assert FrameworkVersion.objects.get(pk=draft.pk).state == State.CONSULTATION
    assert opened.consultation_is_open()
    assert events(draft)[-1] == ("open_consultation", "draft", "consultation", "steward", "")
    history = last_history(draft)
    assert (history.history_change_reason, history.history_user, history.state) == (
        "open_consultation",
        steward,
        "consultation",
    )


def test_open_consultation_needs_content(framework, steward):
    empty = framework.versions.get()
    today = timezone.localdate()
    set_dates(empty, steward, today, today)
    with pytest.raises(TransitionNotAllowed, match="at least one standard with an indicator"):
        workflow.open_consultation(empty, by=steward)
    assert FrameworkVersion.objects.get(pk=empty.pk).state == State.DRAFT
    assert [e[0] for e in events(empty)] == ["create", "update"]


def test_open_consultation_needs_dates(draft, steward):
    with pytest.raises(TransitionNotAllowed, match="opening and closing dates are set"):
        workflow.open_consultation(draft, by=steward)
    assert FrameworkVersion.objects.get(pk=draft.pk).state == State.DRAFT


def test_open_consultation_refuses_a_steward_of_another_organisation(draft, steward, other_steward):
    set_dates(draft, steward, timezone.localdate(), timezone.localdate())
    with pytest.raises(PermissionDenied):
        workflow.open_consultation(draft, by=other_steward)
    assert FrameworkVersion.objects.get(pk=draft.pk).state == State.DRAFT


# --- publish --------------------------------------------------------------------------------------


def test_publish_needs_the_consultation_closed(consultation, steward):
    with pytest.raises(
        TransitionNotAllowed, match=r"^Publish cannot happen until the consultation period has ended\.$"
    ):
        workflow.publish_version(consultation, by=steward)
    assert FrameworkVersion.objects.get(pk=consultation.pk).state == State.CONSULTATION


def test_publish_needs_every_comment_answered(consultation, steward, participant):
    first = workflow.add_comment(consultation, by=participant, kind=Comment.Kind.SUPPORT, text="Yes.")
    second = workflow.add_comment(consultation, by=participant, kind=Comment.Kind.CONCERN, text="Too long.")
    with time_machine.travel(after_closing(consultation), tick=False):
        workflow.answer_comment(first, by=steward, answer=Answer.ACCEPTED, response="Thank you.")
        with pytest.raises(
            TransitionNotAllowed, match=r"^Publish cannot happen until every consultation comment has an answer\.$"
        ):
            workflow.publish_version(consultation, by=steward)
        assert FrameworkVersion.objects.get(pk=consultation.pk).state == State.CONSULTATION
        workflow.answer_comment(second, by=steward, answer=Answer.NOT_ACCEPTED, response="It is already short.")
        published = workflow.publish_version(consultation, by=steward)
    assert published.state == State.PUBLISHED
    assert events(consultation)[-1] == ("publish", "consultation", "published", "steward", "")


def test_publish_retires_the_previous_published_version(published_version, steward, participant):
    v2 = workflow.start_new_version(published_version.framework, by=steward)
    set_dates(v2, steward, timezone.localdate(), timezone.localdate())
    v2 = workflow.open_consultation(v2, by=steward)
    with time_machine.travel(after_closing(v2), tick=False):
        v2 = workflow.publish_version(v2, by=steward)
    v1 = FrameworkVersion.objects.get(pk=published_version.pk)
    assert (v1.state, v2.state) == (State.RETIRED, State.PUBLISHED)
    assert v1.retired_at is not None
    assert events(v1)[-1] == ("retire", "published", "retired", "steward", "Replaced by version 2.")
    history = last_history(v1)
    assert (history.history_change_reason, history.history_user, history.state) == ("retire", steward, "retired")
    assert published_version.framework.current_published() == v2


def test_publish_after_closing_early(consultation, steward):
    with pytest.raises(ValidationError):
        workflow.close_consultation_early(consultation, by=steward, reason="  ")
    workflow.close_consultation_early(consultation, by=steward, reason="Enough responses.")
    assert FrameworkVersion.objects.get(pk=consultation.pk).consultation_closed_early_on == timezone.localdate()
    assert events(consultation)[-1] == ("close_early", "", "", "steward", "Enough responses.")
    assert not consultation.consultation_is_open()
    with pytest.raises(ValidationError, match="Only an open consultation"):
        workflow.close_consultation_early(consultation, by=steward, reason="Again.")
    assert workflow.publish_version(consultation, by=steward).state == State.PUBLISHED


def test_publish_refuses_a_steward_of_another_organisation(consultation, steward, other_steward):
    workflow.close_consultation_early(consultation, by=steward, reason="Enough.")
    with pytest.raises(PermissionDenied):
        workflow.publish_version(consultation, by=other_steward)
    with pytest.raises(PermissionDenied):
        workflow.close_consultation_early(
            FrameworkVersion.objects.get(pk=consultation.pk), by=other_steward, reason="x"
        )
    assert FrameworkVersion.objects.get(pk=consultation.pk).state == State.CONSULTATION


# --- retire ---------------------------------------------------------------------------------------


def test_retire_needs_a_reason(published_version, steward):
    with pytest.raises(ValidationError):
        workflow.retire_version(published_version, by=steward, reason="   ")
    assert FrameworkVersion.objects.get(pk=published_version.pk).state == State.PUBLISHED
    retired = workflow.retire_version(published_version, by=steward, reason="The sector asked for a rewrite.")
    assert (retired.state, retired.retired_at is not None) == (State.RETIRED, True)
    assert events(published_version)[-1] == (
        "retire",
        "published",
        "retired",
        "steward",
        "The sector asked for a rewrite.",
    )


def test_retire_as_administrator_and_not_as_another_steward(published_version, administrator, other_steward):
    with pytest.raises(PermissionDenied):
        workflow.retire_version(published_version, by=other_steward, reason="No.")
    workflow.retire_version(published_version, by=administrator, reason="Replaced.")
    assert events(published_version)[-1][3] == "administrator"


# --- add_comment ----------------------------------------------------------------------------------


def test_add_comment_snapshots_organisation_kind_and_boroughs(consultation, participant, reviewed_org, boroughs):
    reviewed_org.boroughs.set(boroughs)
    standard = consultation.standards.get(code="UN2")
    comment = workflow.add_comment(
        consultation,
        by=participant,
        kind=Comment.Kind.WORDING,
        text="  Say ‘learn’, not ‘use’.  ",
        standard=standard,
        show_name=True,
    )
    assert (comment.organisation, comment.organisation_kind) == (reviewed_org, Organisation.Kind.CVS)
    assert comment.borough_codes == ["E09000007", "E09000019"]
    assert (comment.text, comment.show_name, comment.answer) == ("Say ‘learn’, not ‘use’.", True, Answer.UNANSWERED)
    assert comment.target_label == "standard UN2"
    assert events(comment) == [("comment", "", "", "participant", "")]
    assert audit.events_for(comment).get().payload == {"version": consultation.pk, "kind": "wording"}
    history = last_history(comment)
    assert (history.history_change_reason, history.history_user) == ("comment", participant)

    # The snapshot stays when the organisation changes later.
    reviewed_org.kind = Organisation.Kind.COMMUNITY_ANCHOR
    reviewed_org.save()
    reviewed_org.boroughs.clear()
    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.organisation_kind, stored.borough_codes) == ("cvs", ["E09000007", "E09000019"])


@pytest.mark.parametrize("role", ["participant", "contact", "reviewer", "lead_reviewer", "funder"])
def test_consultees_may_comment_while_open(request, consultation, role):
    person = request.getfixturevalue(role)
    comment = workflow.add_comment(consultation, by=person, kind=Comment.Kind.SUPPORT, text="Agreed.")
    assert comment.author == person
    assert comment.organisation_kind == person.current_memberships[0].organisation.kind


@pytest.mark.parametrize("role", ["caseworker", "panel_member", "outsider"])
def test_non_consultees_may_not_comment(request, consultation, role):
    person = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        workflow.add_comment(consultation, by=person, kind=Comment.Kind.SUPPORT, text="Agreed.")
    assert Comment.objects.count() == 0


def test_anonymous_visitors_may_not_comment(consultation):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        workflow.add_comment(consultation, by=AnonymousUser(), kind=Comment.Kind.SUPPORT, text="Agreed.")


def test_comments_only_while_the_consultation_is_open(draft, steward, participant):
    with pytest.raises(PermissionDenied):  # still a draft
        workflow.add_comment(draft, by=participant, kind=Comment.Kind.SUPPORT, text="Early.")
    opens = timezone.localdate() + datetime.timedelta(days=3)
    set_dates(draft, steward, opens, opens + datetime.timedelta(days=7))
    version = workflow.open_consultation(draft, by=steward)
    with pytest.raises(PermissionDenied):  # before the opening date
        workflow.add_comment(version, by=participant, kind=Comment.Kind.SUPPORT, text="Early.")
    with time_machine.travel(noon(opens), tick=False):
        workflow.add_comment(version, by=participant, kind=Comment.Kind.SUPPORT, text="On time.")
    with time_machine.travel(after_closing(version), tick=False), pytest.raises(PermissionDenied):
        workflow.add_comment(version, by=participant, kind=Comment.Kind.SUPPORT, text="Late.")
    assert list(Comment.objects.values_list("text", flat=True)) == ["On time."]


def test_comments_are_refused_once_closed_early_or_published(consultation, steward, participant):
    workflow.close_consultation_early(consultation, by=steward, reason="Enough.")
    with pytest.raises(PermissionDenied):
        workflow.add_comment(consultation, by=participant, kind=Comment.Kind.SUPPORT, text="Late.")
    published = workflow.publish_version(FrameworkVersion.objects.get(pk=consultation.pk), by=steward)
    with pytest.raises(PermissionDenied):
        workflow.add_comment(published, by=participant, kind=Comment.Kind.SUPPORT, text="Late.")


def test_add_comment_refuses_parts_of_another_version(consultation, participant, hub):
    other = FrameworkVersionFactory(framework=FrameworkFactory(owners=[hub]), consultation=True)
    theme = ThemeFactory(version=other)
    with pytest.raises(ValidationError, match="belongs to another version"):
        workflow.add_comment(consultation, by=participant, kind=Comment.Kind.CONCERN, text="Hm.", theme=theme)
    assert Comment.objects.count() == 0


def test_add_comment_needs_one_target_text_and_a_known_kind(consultation, participant):
    standard = consultation.standards.first()
    with pytest.raises(ValidationError, match="one part at a time"):
        workflow.add_comment(
            consultation, by=participant, kind="concern", text="Hm.", theme=standard.theme, standard=standard
        )
    with pytest.raises(ValidationError) as raised:
        workflow.add_comment(consultation, by=participant, kind="concern", text="   ")
    assert raised.value.message_dict == {"text": ["Enter your comment."]}
    with pytest.raises(ValidationError) as raised:
        workflow.add_comment(consultation, by=participant, kind="praise", text="Lovely.")
    assert "kind" in raised.value.message_dict
    assert Comment.objects.count() == 0


def test_add_comment_on_each_kind_of_part(consultation, participant):
    standard = consultation.standards.get(code="UN1")
    indicator = standard.indicators.first()
    labels = [
        workflow.add_comment(consultation, by=participant, kind="support", text="Yes.", **target).target_label
        for target in ({}, {"theme": standard.theme}, {"standard": standard}, {"indicator": indicator})
    ]
    assert labels == [
        "the framework as a whole",
        "theme “Understanding need”",
        "standard UN1",
        "indicator of UN1",
    ]


# --- answer_comment -------------------------------------------------------------------------------


@pytest.fixture
def comment(consultation, participant):
    return workflow.add_comment(consultation, by=participant, kind=Comment.Kind.CONCERN, text="Too long.")


def test_answer_comment_by_the_steward(comment, steward):
    workflow.answer_comment(comment, by=steward, answer=Answer.PARTLY, response="  We cut two indicators.  ")
    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.answer, stored.response, stored.answered_by) == (Answer.PARTLY, "We cut two indicators.", steward)
    assert stored.answered_at is not None
    assert events(comment)[-1] == ("answer", "", "", "steward", "")
    assert audit.events_for(comment).last().payload == {"answer": "partly"}
    assert last_history(comment).history_change_reason == "answer"


def test_answer_comment_by_an_administrator(comment, administrator):
    workflow.answer_comment(comment, by=administrator, answer=Answer.ACCEPTED, response="Done.")
    assert events(comment)[-1][3] == "administrator"


@pytest.mark.parametrize("response", ["", "   "])
def test_answer_comment_needs_a_response(comment, steward, response):
    with pytest.raises(ValidationError) as raised:
        workflow.answer_comment(comment, by=steward, answer=Answer.ACCEPTED, response=response)
    assert raised.value.message_dict == {"response": ["Explain what you did with this comment."]}
    assert Comment.objects.get(pk=comment.pk).answer == Answer.UNANSWERED


@pytest.mark.parametrize("answer", [Answer.UNANSWERED, "maybe", ""])
def test_answer_comment_needs_a_real_answer(comment, steward, answer):
    with pytest.raises(ValidationError) as raised:
        workflow.answer_comment(comment, by=steward, answer=answer, response="Hm.")
    assert "answer" in raised.value.message_dict
    assert Comment.objects.get(pk=comment.pk).answer == Answer.UNANSWERED


@pytest.mark.parametrize("role", ["other_steward", "participant", "coordinator", "contact", "outsider"])
def test_only_the_frameworks_steward_or_an_administrator_may_answer(request, comment, role):
    person = request.getfixturevalue(role)
    count = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        workflow.answer_comment(comment, by=person, answer=Answer.ACCEPTED, response="Fine.")
    assert Comment.objects.get(pk=comment.pk).answer == Answer.UNANSWERED
    assert AuditEvent.objects.count() == count


def test_answers_are_final_once_published(comment, steward):
    workflow.answer_comment(comment, by=steward, answer=Answer.ACCEPTED, response="Done.")
    workflow.close_consultation_early(comment.version, by=steward, reason="Enough.")
    workflow.publish_version(FrameworkVersion.objects.get(pk=comment.version_id), by=steward)
    comment = Comment.objects.get(pk=comment.pk)
    with pytest.raises(ValidationError, match="answers are final"):
        workflow.answer_comment(comment, by=steward, answer=Answer.NOT_ACCEPTED, response="Changed my mind.")


# --- import_version -------------------------------------------------------------------------------


def test_import_version_fills_a_draft(framework, steward):
    version = framework.versions.get()
    workflow.import_version(version, sample_parsed(), by=steward)
    assert (version.themes.count(), version.standards.count()) == (2, 3)
    assert Indicator.objects.filter(standard__version=version).count() == 5
    assert list(version.standards.values_list("code", "position")) == [("UN1", 1), ("UN2", 2), ("VI1", 3)]
    assert version.standards.get(code="UN1").indicators.first().prompts == [
        "Directory of groups",
        "Date of last review",
    ]
    event = audit.events_for(version).last()
    assert (event.action, event.role, event.payload) == (
        "import",
        "steward",
        {"themes": 2, "standards": 3, "indicators": 5},
    )
    assert {h.history_change_reason for h in Standard.history.all()} == {"import"}


def test_import_version_replaces_the_content_of_a_draft(draft, steward):
    data = "\n".join(
        [
            ",".join(spreadsheet.COLUMNS),
            "Partnership,,PA1,Works in partnership,,,Shares a forward plan,",
        ]
    ).encode()
    workflow.import_version(draft, spreadsheet.read(data, "new.csv"), by=steward)
    assert content_of(draft) == [
        ("Partnership", "", [("PA1", "Works in partnership", "", "", [("Shares a forward plan", "")])])
    ]
    assert Theme.objects.count() == 1  # the old content is gone, not orphaned


def test_import_version_is_all_or_nothing(draft, steward):
    before, count = content_rows(draft), AuditEvent.objects.count()
    parsed = sample_parsed()
    parsed.themes.append(parsed.themes[0])  # the same theme title twice: the database refuses the second
    with pytest.raises(IntegrityError):
        workflow.import_version(draft, parsed, by=steward)
    assert content_rows(draft) == before
    assert AuditEvent.objects.count() == count


def test_import_version_continues_the_previous_version_by_code(published_version, steward):
    v2 = workflow.start_new_version(published_version.framework, by=steward)
    parsed = sample_parsed()
    parsed.themes[0].standards[1].code = "UN9"
    workflow.import_version(v2, parsed, by=steward)
    old = {s.code: s for s in published_version.standards.all()}
    crosswalk = {s.code: [c.code for c in s.continues.all()] for s in v2.standards.all()}
    assert crosswalk == {"UN1": ["UN1"], "UN9": [], "VI1": ["VI1"]}
    assert list(v2.standards.get(code="UN1").continues.all()) == [old["UN1"]]


@pytest.mark.parametrize("fixture", ["consultation", "published_version", "retired_version"])
def test_import_version_refuses_a_version_that_is_not_a_draft(request, steward, fixture):
    version = request.getfixturevalue(fixture)
    before = content_rows(version)
    with pytest.raises(ValidationError, match="Only a draft version"):
        workflow.import_version(version, sample_parsed(), by=steward)
    assert content_rows(version) == before


@pytest.mark.parametrize("role", ["other_steward", "participant", "coordinator"])
def test_import_version_refuses_people_who_do_not_manage_the_framework(request, draft, role):
    before = content_rows(draft)
    with pytest.raises(PermissionDenied):
        workflow.import_version(draft, sample_parsed(), by=request.getfixturevalue(role))
    assert content_rows(draft) == before


# --- the trail as a whole -------------------------------------------------------------------------


def test_the_whole_life_of_a_version_is_on_the_audit_chain(published_version, steward, participant):
    v2 = workflow.start_new_version(published_version.framework, by=steward)
    set_dates(v2, steward, timezone.localdate(), timezone.localdate())
    v2 = workflow.open_consultation(v2, by=steward)
    comment = workflow.add_comment(v2, by=participant, kind="support", text="Good.")
    workflow.answer_comment(comment, by=steward, answer=Answer.ACCEPTED, response="Thanks.")
    with time_machine.travel(after_closing(v2), tick=False):
        workflow.publish_version(v2, by=steward)
    assert [e[0] for e in events(v2)] == ["create", "update", "open_consultation", "publish"]
    assert [e[0] for e in events(published_version)] == [
        "create",
        "import",
        "update",
        "open_consultation",
        "publish",
        "retire",
    ]
    assert [h.history_change_reason for h in v2.history.order_by("history_id")] == [
        "create",
        "update",
        "open_consultation",
        "publish",
    ]
    assert audit.verify()[1] is None
