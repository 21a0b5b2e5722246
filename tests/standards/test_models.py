import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from core.models import AuditEvent
from core.workflow import TransitionNotAllowed, transition
from standards import workflow
from standards.models import Comment, FrameworkVersion, FrozenVersionError, Indicator, Standard, Theme
from tests.factories import (
    CommentFactory,
    FrameworkFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    StandardFactory,
    ThemeFactory,
)
from tests.standards.conftest import content_rows, noon

pytestmark = pytest.mark.unit

State = FrameworkVersion.State

# Each transition and the one state it may start from.
SOURCES = {"open_consultation": State.DRAFT, "publish": State.CONSULTATION, "retire": State.PUBLISHED}


@pytest.fixture
def owned(hub):
    return FrameworkFactory(owners=[hub])


# --- the state machine --------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(State))
def test_each_state_offers_exactly_its_own_moves(owned, state):
    version = FrameworkVersionFactory(framework=owned, state=state)
    possible = {name for name in SOURCES if can_proceed(getattr(version, name), check_conditions=False)}
    assert possible == {name for name, source in SOURCES.items() if source == state}


@pytest.mark.parametrize(
    ("name", "state"), [(name, state) for name, source in SOURCES.items() for state in State if state != source]
)
def test_transition_is_refused_from_every_other_state(owned, steward, name, state):
    version = FrameworkVersionFactory(framework=owned, state=state)
    with pytest.raises(TransitionNotAllowed, match="not possible while it is"):
        transition(version, name, by=steward, reason="Because.")
    assert FrameworkVersion.objects.get(pk=version.pk).state == state
    assert AuditEvent.objects.filter(object_type="standards.frameworkversion").count() == 0


def test_open_consultation_moves_draft_to_consultation(draft, steward):
    today = timezone.localdate()
    workflow.update_version_details(
        draft, by=steward, summary="", consultation_opens_on=today, consultation_closes_on=today
    )
    opened = transition(draft, "open_consultation", by=steward)
    assert FrameworkVersion.objects.get(pk=draft.pk).state == State.CONSULTATION
    assert opened.consultation_is_open()


def test_publish_moves_consultation_to_published_and_stamps_the_time(consultation, steward):
    workflow.close_consultation_early(consultation, by=steward, reason="Enough responses.")
    published = transition(consultation, "publish", by=steward)
    assert published.state == State.PUBLISHED
    assert published.published_at is not None
    assert published.is_frozen


def test_retire_moves_published_to_retired_with_a_reason(published_version, steward):
    with pytest.raises(ValidationError):
        transition(published_version, "retire", by=steward, reason="  ")
    retired = transition(published_version, "retire", by=steward, reason="Replaced.")
    assert (retired.state, retired.retired_at is not None, retired.is_frozen) == (State.RETIRED, True, True)


def test_direct_state_assignment_is_refused(owned):
    version = FrameworkVersionFactory(framework=owned)
    with pytest.raises(AttributeError):
        version.state = State.PUBLISHED


# --- guards -------------------------------------------------------------------------------------


def test_open_consultation_needs_content(framework, steward):
    empty = framework.versions.get()
    today = timezone.localdate()
    workflow.update_version_details(
        empty, by=steward, summary="", consultation_opens_on=today, consultation_closes_on=today
    )
    with pytest.raises(
        TransitionNotAllowed,
        match=r"^Open consultation cannot happen until the version has at least one standard with an indicator\.$",
    ):
        transition(empty, "open_consultation", by=steward)
    StandardFactory(theme=ThemeFactory(version=empty))  # a standard, but no indicator yet
    assert not empty.has_content()
    with pytest.raises(TransitionNotAllowed, match="at least one standard with an indicator"):
        transition(empty, "open_consultation", by=steward)
    assert FrameworkVersion.objects.get(pk=empty.pk).state == State.DRAFT


def test_open_consultation_needs_dates(draft, steward):
    with pytest.raises(
        TransitionNotAllowed,
        match=r"^Open consultation cannot happen until consultation opening and closing dates are set, "
        r"closing on or after opening\.$",
    ):
        transition(draft, "open_consultation", by=steward)
    assert FrameworkVersion.objects.get(pk=draft.pk).state == State.DRAFT


@pytest.mark.parametrize(
    ("opens", "closes", "ok"),
    [
        (None, None, False),
        (datetime.date(2026, 3, 1), None, False),
        (None, datetime.date(2026, 3, 1), False),
        (datetime.date(2026, 3, 2), datetime.date(2026, 3, 1), False),
        (datetime.date(2026, 3, 1), datetime.date(2026, 3, 1), True),
        (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), True),
    ],
)
def test_has_consultation_dates(opens, closes, ok):
    assert FrameworkVersion(consultation_opens_on=opens, consultation_closes_on=closes).has_consultation_dates() is ok


def test_publish_needs_the_consultation_to_have_closed(consultation, steward):
    with pytest.raises(
        TransitionNotAllowed, match=r"^Publish cannot happen until the consultation period has ended\.$"
    ):
        transition(consultation, "publish", by=steward)
    assert FrameworkVersion.objects.get(pk=consultation.pk).state == State.CONSULTATION


def test_publish_needs_every_comment_answered(consultation, steward, participant):
    comment = workflow.add_comment(consultation, by=participant, kind=Comment.Kind.CONCERN, text="Too long.")
    after_closing = consultation.consultation_closes_on + datetime.timedelta(days=1)
    with time_machine.travel(noon(after_closing), tick=False):
        with pytest.raises(
            TransitionNotAllowed, match=r"^Publish cannot happen until every consultation comment has an answer\.$"
        ):
            transition(consultation, "publish", by=steward)
        workflow.answer_comment(comment, by=steward, answer=Comment.Answer.PARTLY, response="We shortened it.")
        assert transition(consultation, "publish", by=steward).state == State.PUBLISHED


def test_unmet_guards_are_all_named(owned, steward):
    version = FrameworkVersionFactory(framework=owned)
    with pytest.raises(TransitionNotAllowed) as raised:
        transition(version, "open_consultation", by=steward)
    assert "at least one standard with an indicator" in str(raised.value)
    assert "dates are set" in str(raised.value)


# --- consultation dates -------------------------------------------------------------------------

OPENS, CLOSES = datetime.date(2026, 5, 4), datetime.date(2026, 5, 29)


@pytest.fixture
def dated(owned):
    return FrameworkVersionFactory(
        framework=owned, state=State.CONSULTATION, consultation_opens_on=OPENS, consultation_closes_on=CLOSES
    )


@pytest.mark.parametrize(
    ("today", "is_open", "has_closed"),
    [
        (OPENS - datetime.timedelta(days=1), False, False),
        (OPENS, True, False),
        (datetime.date(2026, 5, 15), True, False),
        (CLOSES, True, False),  # the closing date is the last day comments are accepted
        (CLOSES + datetime.timedelta(days=1), False, True),
    ],
)
def test_consultation_is_open_by_dates(dated, today, is_open, has_closed):
    with time_machine.travel(noon(today), tick=False):
        assert dated.consultation_is_open() is is_open
        assert dated.consultation_has_closed() is has_closed
    assert dated.consultation_is_open(on=today) is is_open  # the explicit date wins over the clock


def test_consultation_is_open_late_in_the_evening_of_the_closing_day(dated):
    last_minute = datetime.datetime.combine(CLOSES, datetime.time(23, 59), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(last_minute, tick=False):
        assert dated.consultation_is_open()


def test_consultation_closed_early_is_not_open(dated):
    dated.consultation_closed_early_on = datetime.date(2026, 5, 10)
    assert not dated.consultation_is_open(on=datetime.date(2026, 5, 11))
    assert dated.consultation_has_closed()


@pytest.mark.parametrize("state", [s for s in State if s != State.CONSULTATION])
def test_consultation_is_only_open_in_consultation(owned, state):
    version = FrameworkVersionFactory(
        framework=owned, state=state, consultation_opens_on=OPENS, consultation_closes_on=CLOSES
    )
    assert not version.consultation_is_open(on=datetime.date(2026, 5, 15))


def test_consultation_without_dates_is_not_open(owned):
    assert not FrameworkVersionFactory(framework=owned, state=State.CONSULTATION).consultation_is_open()


# --- immutability -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(State))
def test_only_published_and_retired_versions_are_frozen(owned, state):
    frozen = state in {State.PUBLISHED, State.RETIRED}
    assert FrameworkVersionFactory(framework=owned, state=state).is_frozen is frozen


@pytest.fixture(params=["published_version", "retired_version"])
def frozen(request):
    return request.getfixturevalue(request.param)


def _parts(version):
    standard = version.standards.order_by("position").first()
    return standard.theme, standard, standard.indicators.first()


def test_frozen_content_refuses_save(frozen):
    before = content_rows(frozen)
    theme, standard, indicator = _parts(frozen)
    theme.title = "Edited"
    standard.title = "Edited"
    indicator.text = "Edited"
    for item in (theme, standard, indicator):
        with pytest.raises(FrozenVersionError, match="Published versions cannot be changed"):
            item.save()
    assert content_rows(frozen) == before


def test_frozen_content_refuses_delete(frozen):
    before = content_rows(frozen)
    for item in reversed(_parts(frozen)):
        with pytest.raises(FrozenVersionError):
            item.delete()
    assert content_rows(frozen) == before


def test_frozen_version_refuses_new_content(frozen):
    before = content_rows(frozen)
    theme, standard, _ = _parts(frozen)
    with pytest.raises(FrozenVersionError):
        Theme(version=frozen, position=99, title="New theme").save()
    with pytest.raises(FrozenVersionError):
        Standard(version=frozen, theme=theme, position=99, code="NEW", title="New").save()
    with pytest.raises(FrozenVersionError):
        Indicator(standard=standard, position=99, text="New").save()
    with pytest.raises(FrozenVersionError):
        Theme.objects.create(version=frozen, position=98, title="Via the manager")
    assert content_rows(frozen) == before


@pytest.mark.parametrize(
    ("model", "lookup", "change"),
    [
        (Theme, "version", {"title": "Bulk"}),
        (Standard, "version", {"title": "Bulk"}),
        (Indicator, "standard__version", {"text": "Bulk"}),
    ],
)
def test_frozen_content_refuses_queryset_update_and_delete(frozen, model, lookup, change):
    before = content_rows(frozen)
    rows = model.objects.filter(**{lookup: frozen})
    with pytest.raises(FrozenVersionError):
        rows.update(**change)
    with pytest.raises(FrozenVersionError):
        rows.delete()
    with pytest.raises(FrozenVersionError):
        model.objects.all().delete()  # a mix of frozen and unfrozen rows is refused as a whole
    assert content_rows(frozen) == before


def test_frozen_content_cannot_be_moved_into_a_draft(published_version, steward):
    """Re-pointing a published item at a draft version would take it out of the published one."""
    draft = workflow.start_new_version(published_version.framework, by=steward)
    before = content_rows(published_version)
    theme, standard, indicator = _parts(published_version)
    draft_theme, draft_standard, _ = _parts(draft)
    theme.version = draft
    theme.title = "Moved out"
    standard.version, standard.theme, standard.code = draft, draft_theme, "MOVED"
    indicator.standard = draft_standard
    for item in (theme, standard, indicator):
        with pytest.raises(FrozenVersionError):
            item.save()
    assert content_rows(published_version) == before


def test_draft_and_consultation_content_can_change(consultation):
    theme, standard, indicator = _parts(consultation)
    theme.title = "Knowing local groups"
    theme.save()
    Indicator.objects.filter(pk=indicator.pk).update(text="Keeps a map")
    assert Indicator.objects.get(pk=indicator.pk).text == "Keeps a map"
    IndicatorFactory(standard=standard)
    assert Theme.objects.get(pk=theme.pk).title == "Knowing local groups"
    Indicator.objects.filter(standard__version=consultation).delete()
    assert not consultation.has_content()


def test_frozen_error_is_a_validation_error_with_a_plain_message():
    error = FrozenVersionError()
    assert isinstance(error, ValidationError)
    assert error.messages == ["Published versions cannot be changed. Start a new version to make changes."]


# --- small facts --------------------------------------------------------------------------------


def test_latest_and_current_published(owned):
    FrameworkVersionFactory(framework=owned, number=1, retired=True)
    v2 = FrameworkVersionFactory(framework=owned, number=2, published=True)
    v3 = FrameworkVersionFactory(framework=owned, number=3)
    assert owned.latest_version() == v3
    assert owned.current_published() == v2
    assert set(FrameworkVersion.objects.public()) == set(owned.versions.exclude(pk=v3.pk))


def test_indicator_prompts_are_lines():
    assert Indicator(evidence_prompts="Minutes\n\n  Survey results  \n").prompts == ["Minutes", "Survey results"]


def test_comment_author_is_shown_by_organisation_kind_unless_they_chose_a_name(consultation):
    comment = CommentFactory(version=consultation, organisation_kind="cvs")
    assert comment.public_author == "Someone from a council for voluntary service (cvs)"
    named = CommentFactory(version=consultation, organisation_kind="", show_name=True)
    assert named.public_author == f"{named.author.full_name}, individual"


def test_comment_target_label(consultation):
    _, standard, indicator = _parts(consultation)
    assert CommentFactory(version=consultation).target_label == "the framework as a whole"
    assert CommentFactory(version=consultation, theme=standard.theme).target_label == "theme “Understanding need”"
    assert CommentFactory(version=consultation, standard=standard).target_label == "standard UN1"
    assert CommentFactory(version=consultation, indicator=indicator).target_label == "indicator of UN1"


def test_an_answer_needs_a_response_in_the_database(consultation):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFactory(version=consultation, answer=Comment.Answer.ACCEPTED, response="")


@pytest.mark.parametrize("model", [Theme, Standard, Indicator])
def test_frozen_version_refuses_bulk_create(frozen, model):
    before = content_rows(frozen)
    theme, standard, _ = _parts(frozen)
    new = {
        Theme: lambda: Theme(version=frozen, position=50, title="Sneaked in"),
        Standard: lambda: Standard(version=frozen, theme=theme, position=50, code="SNEAK", title="Sneaked in"),
        Indicator: lambda: Indicator(standard=standard, position=50, text="Sneaked in"),
    }[model]
    with pytest.raises(FrozenVersionError):
        model.objects.bulk_create([new()])
    assert content_rows(frozen) == before


def test_queryset_update_cannot_move_draft_content_into_a_frozen_version(published_version, steward):
    draft = FrameworkVersionFactory(framework=published_version.framework, number=2)
    indicator = IndicatorFactory(standard=StandardFactory(theme=ThemeFactory(version=draft, title="Fresh"), code="F1"))
    before, draft_before = content_rows(published_version), content_rows(draft)
    published_theme, published_standard, _ = _parts(published_version)
    with pytest.raises(FrozenVersionError):
        Theme.objects.filter(version=draft).update(version=published_version)
    with pytest.raises(FrozenVersionError):
        Standard.objects.filter(version=draft).update(theme=published_theme, version=published_version)
    with pytest.raises(FrozenVersionError):
        Indicator.objects.filter(pk=indicator.pk).update(standard=published_standard)
    assert (content_rows(published_version), content_rows(draft)) == (before, draft_before)


@pytest.fixture
def crosswalked(published_version, steward):
    """Version 2 published (version 1 retired); version 2's standards continue version 1's."""
    v2 = workflow.start_new_version(published_version.framework, by=steward)
    today = timezone.localdate()
    workflow.update_version_details(
        v2, by=steward, summary="", consultation_opens_on=today, consultation_closes_on=today
    )
    v2 = workflow.open_consultation(v2, by=steward)
    workflow.close_consultation_early(v2, by=steward, reason="Nothing to add.")
    v2 = workflow.publish_version(FrameworkVersion.objects.get(pk=v2.pk), by=steward)
    return FrameworkVersion.objects.get(pk=published_version.pk), v2


def _crosswalk(version):
    return sorted((s.code, c.pk) for s in version.standards.all() for c in s.continues.all())


def test_the_crosswalk_of_a_frozen_version_cannot_change(crosswalked):
    v1, v2 = crosswalked
    before = _crosswalk(v2)
    new, old = v2.standards.get(code="UN1"), v1.standards.get(code="UN1")
    other_old = v1.standards.get(code="UN2")
    changes = [
        lambda: new.continues.add(other_old),
        lambda: new.continues.remove(old),
        lambda: new.continues.clear(),
        lambda: new.continues.set([other_old]),
        lambda: other_old.continued_by.add(new),  # the same link, from the other end
        lambda: old.continued_by.remove(new),
        lambda: old.continued_by.clear(),
    ]
    for change in changes:
        # Related-manager writes run in the caller's transaction, which a refusal spoils: give each its own.
        with pytest.raises(FrozenVersionError), transaction.atomic():
            change()
    assert _crosswalk(v2) == before


def test_a_draft_may_continue_a_frozen_version(crosswalked, steward):
    _, v2 = crosswalked
    v3 = workflow.start_new_version(v2.framework, by=steward)
    standard, old = v3.standards.get(code="UN1"), v2.standards.get(code="UN2")
    standard.continues.add(old)  # changes v3's crosswalk only
    old.continued_by.remove(standard)
    v2.standards.get(code="VI1").continued_by.clear()
    assert sorted(c for c, _ in _crosswalk(v3)) == ["UN1", "UN2"]


@pytest.mark.parametrize("fixture", ["published_version", "retired_version"])
def test_frozen_versions_cannot_be_deleted(request, fixture):
    version = request.getfixturevalue(fixture)
    before = content_rows(version)
    with pytest.raises(FrozenVersionError):
        version.delete()
    with pytest.raises(FrozenVersionError):
        FrameworkVersion.objects.filter(pk=version.pk).delete()
    assert FrameworkVersion.objects.filter(pk=version.pk).exists()
    assert content_rows(version) == before


def test_draft_versions_can_be_deleted(draft):
    draft.delete()
    assert not Theme.objects.exists()
