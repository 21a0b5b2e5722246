"""The legal rules as data: each rule either side of its threshold and of its commencement date, the public
"Rules we apply" page, and the closure checks that read them (endowment, TUPE, collective redundancy,
striking off, members' resolutions)."""

import datetime
import importlib
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import law, workflow
from casework.models import Closure, LegalRule, RegisterItem
from core.workflow import TransitionNotAllowed
from organisations.models import Organisation
from tests import scenes
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.integration

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = timezone.localdate()
RULES = importlib.import_module("casework.migrations.0008_load_legal_rules").RULES


@pytest.fixture(autouse=True)
def _fresh_rules():
    law.forget_rules()
    yield
    law.forget_rules()


# --- the table and the lookup ----------------------------------------------------------------------
@pytest.mark.parametrize("row", RULES, ids=[f"{r[0]}@{r[6]}" for r in RULES])
def test_rule_in_force_either_side_of_commencement_and_end(db, row):
    key, _title, value, unit, reference, _url, commences, ends, _judged = row
    rule = law.rule_in_force(key, commences)
    assert (rule.value, rule.unit, rule.reference) == (Decimal(value), unit, reference)
    before = commences - DAY
    if law.is_in_force(key, before):
        assert law.rule_in_force(key, before).commences_on < commences
    else:
        with pytest.raises(law.RuleMissing):
            law.rule_in_force(key, before)
    if ends:
        assert law.rule_in_force(key, ends).commences_on == commences
        after = ends + DAY
        assert not law.is_in_force(key, after) or law.rule_in_force(key, after).commences_on == after
    else:
        assert law.rule_in_force(key, TODAY).commences_on == commences


@pytest.mark.parametrize(
    "key, day, expected",
    [
        ("tupe_eli_days", D(2014, 4, 30), 14),
        ("tupe_eli_days", D(2014, 5, 1), 28),
        ("consultation_days_large", D(2013, 4, 5), 90),
        ("consultation_days_large", D(2013, 4, 6), 45),
        ("hr1_days_large", D(2013, 4, 5), 90),
        ("hr1_days_large", D(2013, 4, 6), 45),
        ("endowment_release_value", D(2023, 6, 13), 10_000),
        ("endowment_release_value", D(2023, 6, 14), 25_000),
        ("endowment_release_income", D(2023, 6, 13), 1_000),
    ],
)
def test_the_law_changed_on_its_commencement_date(db, key, day, expected):
    assert law.rule_in_force(key, day).value == expected


def test_a_repealed_rule_is_not_in_force_after_its_end(db):
    assert law.is_in_force("endowment_release_income", D(2023, 6, 13))
    assert not law.is_in_force("endowment_release_income", D(2023, 6, 14))
    with pytest.raises(law.RuleMissing, match="14 June 2023"):
        law.rule_in_force("endowment_release_income", D(2023, 6, 14))
    with pytest.raises(law.RuleMissing, match="no_such_rule"):
        law.rule_in_force("no_such_rule")


def test_a_saved_rule_is_used_at_once_and_ends_cannot_precede_commencement(db):
    assert law.rule_in_force("tupe_eli_days", D(2030, 1, 1)).value == 28
    old = LegalRule.objects.get(key="tupe_eli_days", ends_on=None)
    old.ends_on = D(2029, 12, 31)
    old.save()
    LegalRule.objects.create(
        key="tupe_eli_days",
        title="ELI",
        value=35,
        unit="days",
        reference="A future amendment",
        source_url="https://www.legislation.gov.uk/",
        commences_on=D(2030, 1, 1),
        applies_to="the transfer date",
    )
    assert law.rule_in_force("tupe_eli_days", D(2029, 12, 31)).value == 28
    assert law.rule_in_force("tupe_eli_days", D(2030, 1, 1)).value == 35
    bad = LegalRule(key="x", commences_on=D(2030, 1, 2), ends_on=D(2030, 1, 1))
    with pytest.raises(ValidationError, match="cannot end before"):
        bad.clean()


def test_periods_in_months_are_calendar_months(db):
    months = law.rule_in_force("strike_off_inactive_months", D(2026, 1, 1))
    assert law.add_period(D(2026, 11, 30), months) == D(2027, 2, 28)
    days = law.rule_in_force("strike_off_notice_days", D(2026, 1, 1))
    assert law.add_period(D(2026, 12, 28), days) == D(2027, 1, 4)
    assert law.add_period(D(2026, 12, 28), days, times=-1) == D(2026, 12, 21)


# --- the public page -------------------------------------------------------------------------------
def test_rules_page_is_public_and_lists_every_rule_with_its_source(db, client):
    page = client.get(reverse("casework:rule-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "not legal advice" in html
    for key, title, *_rest in RULES:
        assert title.replace("'", "&#x27;") in html, key
    assert html.count('rel="noopener">') == len(RULES)  # one source link per rule, current or earlier
    for row in RULES:
        assert f'href="{row[5]}"' in html
    assert "£25,000" in html and "£10,000" in html and "14 June 2023" in html and "13 June 2023" in html


# --- permanent endowment (Charities Act 2011 ss.281-282) -------------------------------------------
@pytest.fixture
def endowment(caseworker, panel_member, reviewed_org):
    closure = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    check = closure.case.health_check
    check.annual_income = Decimal("50000")
    check.save()
    return RegisterItem.objects.create(
        closure=closure,
        register="fund",
        kind="endowment",
        name="Almshouse endowment",
        value=Decimal("25000"),
        outcome="spent",
        destination_note="Running costs during closure",
    )


RELEASE = "record the date of the trustees' resolution"


def test_spending_endowment_on_running_costs_needs_its_release(endowment):
    endowment.value = Decimal("500000")
    assert any(RELEASE in p for p in endowment.problems())  # the inverted check: it used to pass


@pytest.mark.parametrize(
    "value, income, on, needs",
    [
        ("25000", "50000", D(2023, 6, 14), False),  # new rule: up to £25,000 by resolution
        ("25000.01", "50000", D(2023, 6, 14), True),
        ("25000.01", "500", D(2023, 6, 14), True),  # income no longer matters
        ("10000.01", "1000.01", D(2023, 6, 13), True),  # old rule: both over
        ("10000", "1000.01", D(2023, 6, 13), False),
        ("10000.01", "1000", D(2023, 6, 13), False),
        ("25000", "50000", D(2023, 6, 13), True),  # the same fund the day before the change
    ],
)
def test_endowment_release_needs_the_commission_over_the_threshold_in_force(endowment, value, income, on, needs):
    check = endowment.case.health_check
    check.annual_income = Decimal(income)
    check.save()
    endowment.value = Decimal(value)
    endowment.release_resolution_on = on
    assert endowment.needs_commission_concurrence(on) is needs
    concurrence = [p for p in endowment.problems() if "concurrence" in p]
    assert bool(concurrence) is needs
    assert not any(RELEASE in p for p in endowment.problems())
    endowment.regulator_consent = "Commission concurrence ref 123"
    assert [p for p in endowment.problems() if "concurrence" in p] == []


def test_transferring_endowment_keeps_it_endowment_and_needs_no_release(endowment, reviewer_org):
    endowment.outcome = "transferred"
    endowment.destination = reviewer_org
    problems = endowment.problems()
    assert not any(RELEASE in p or "concurrence" in p for p in problems)
    assert "A named reviewer must mark the recipient's purposes compatible with the fund's." in problems


# --- TUPE employee liability information (reg 11(6), reg 12) ---------------------------------------
@pytest.fixture
def closure_planning(caseworker, panel_member, reviewed_org):
    planning = scenes.case_in_closure_planning(
        caseworker=caseworker, panel_member=panel_member, organisation=reviewed_org
    )
    return Closure.objects.get(pk=planning["closure"].pk)


def _worker(closure, caseworker, destination, **dates):
    return workflow.save_item(
        closure,
        by=caseworker,
        register="employee",
        kind="employee",
        name="Project worker",
        owner=caseworker,
        due_on=TODAY,
        outcome="tupe",
        destination=destination,
        **dates,
    )


def test_late_employee_liability_information_is_recorded_and_flagged_never_refused(
    closure_planning, caseworker, reviewer_org
):
    item = _worker(closure_planning, caseworker, reviewer_org, eli_sent_on=TODAY, transfer_on=TODAY + 27 * DAY)
    item = RegisterItem.objects.get(pk=item.pk)
    assert (item.eli_sent_on, item.transfer_on) == (TODAY, TODAY + 27 * DAY)  # the real dates are kept
    assert item.problems() == []
    assert item.eli_shortfall_days() == 1
    [flag] = item.legal_flags()
    assert "1 day(s) late" in flag and "28 days" in flag and "£500" in flag and "reg 12(5)" in flag
    assert "Record the special circumstances" in flag
    item = workflow.save_item(closure_planning, by=caseworker, item=item, eli_late_reason="The landlord's notice")
    assert "Special circumstances recorded: The landlord's notice" in item.legal_flags()[0]
    assert workflow.move_item(item, "agree", by=caseworker).state == "agreed"  # a flag does not block


@pytest.mark.parametrize(
    "transfer_on, gap, shortfall",
    [
        (TODAY, 28, 0),
        (TODAY, 27, 1),
        (TODAY, -3, 31),  # sent after the transfer
        (D(2014, 4, 30), 14, 0),  # the 14-day rule before 1 May 2014
        (D(2014, 4, 30), 13, 1),
        (D(2014, 5, 1), 14, 14),  # the 28-day rule from 1 May 2014
    ],
)
def test_eli_shortfall_either_side_of_the_period_and_of_1_may_2014(
    closure_planning, caseworker, reviewer_org, transfer_on, gap, shortfall
):
    item = RegisterItem(
        closure=closure_planning,
        outcome="tupe",
        eli_sent_on=transfer_on - gap * DAY,
        transfer_on=transfer_on,
    )
    assert item.eli_shortfall_days() == shortfall
    assert len(item.legal_flags()) == (1 if shortfall else 0)


# --- collective redundancy (TULRCA ss.188, 193) ----------------------------------------------------
def _redundancies(closure, count, leaving_on):
    for n in range(count):
        RegisterItem.objects.create(
            closure=closure,
            register="employee",
            kind="employee",
            name=f"Worker {n}",
            outcome="redundancy",
            notice_on=leaving_on - 30 * DAY,
            leaving_on=leaving_on,
        )


@pytest.mark.parametrize(
    "proposed, on, consultation, hr1",
    [
        (19, D(2026, 3, 1), None, None),
        (20, D(2026, 3, 1), 30, 30),
        (99, D(2026, 3, 1), 30, 30),
        (100, D(2026, 3, 1), 45, 45),
        (100, D(2013, 4, 6), 45, 45),
        (100, D(2013, 4, 5), 90, 90),  # before SI 2013/763
    ],
)
def test_collective_consultation_clock_either_side_of_20_and_100_and_6_april_2013(
    closure_planning, proposed, on, consultation, hr1
):
    closure_planning.redundancies_proposed = proposed
    closure_planning.redundancies_proposed_on = on
    rules = closure_planning.collective_rules()
    if consultation is None:
        assert rules is None and closure_planning.earliest_dismissal_on() is None
        return
    assert (rules[0].number, rules[1].number) == (consultation, hr1)
    assert closure_planning.earliest_dismissal_on() == on + consultation * DAY


def test_a_dismissal_inside_the_clock_is_flagged_on_the_register(closure_planning, caseworker):
    start = D(2026, 3, 2)
    closure_planning.redundancies_proposed = 20
    closure_planning.redundancies_proposed_on = start
    closure_planning.hr1_sent_on = start
    closure_planning.collective_consultation = "Staff forum from 2 March"
    closure_planning.save()
    _redundancies(closure_planning, 19, start + 30 * DAY)
    _redundancies(closure_planning, 1, start + 29 * DAY)
    closure = Closure.objects.get(pk=closure_planning.pk)
    flagged = [i for i in closure.items.filter(register="employee") if i.legal_flags()]
    assert [i.leaving_on for i in flagged] == [start + 29 * DAY]
    assert "1 April 2026" in flagged[0].legal_flags()[0]
    assert closure.legal_flags() == [
        "Form HR1 was sent on 2 March 2026, after 1 March 2026, less than 30 days before the first dismissal "
        "(Trade Union and Labour Relations (Consolidation) Act 1992 s.193(2)): failing to notify is an offence.",
        "1 dismissal(s) take effect before 1 April 2026, inside the consultation clock (Trade Union and Labour "
        "Relations (Consolidation) Act 1992 s.188(1A)(b)): employees may claim a protective award.",
    ]
    assert closure.redundancies_consulted()


def test_hr1_deadline_before_the_first_dismissal(closure_planning):
    first = D(2026, 6, 30)
    _redundancies(closure_planning, 20, first)
    closure = Closure.objects.get(pk=closure_planning.pk)
    assert closure.redundancies_counted() == 20
    assert closure.hr1_due_by() == D(2026, 5, 31)
    flags = closure.legal_flags()
    assert any("record the date it began" in f.lower() for f in flags)
    assert any("Form HR1 must reach the Redundancy Payments Service by 31 May 2026" in f for f in flags)
    assert not closure.redundancies_consulted()  # the guard needs the consultation and its start
    closure.hr1_sent_on = D(2026, 6, 1)
    assert any("after 31 May 2026" in f for f in closure.legal_flags())
    closure.hr1_sent_on = D(2026, 5, 31)
    assert not any("HR1" in f for f in closure.legal_flags())


# --- striking off a company, and dissolution by legal form -----------------------------------------
@pytest.fixture
def company_closure(caseworker, panel_member, reviewed_org):
    reviewed_org.legal_form = Organisation.LegalForm.CHARITABLE_COMPANY
    reviewed_org.company_number = "01234567"
    reviewed_org.save()
    return scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)


def _strike_off(closure, filed_on):
    closure.dissolution_filed_on = filed_on
    closure.last_trading_on = filed_on - relativedelta(months=3)
    closure.parties_notified_on = filed_on
    closure.no_other_activities = True
    closure.no_pending_proceedings = True


def test_strike_off_three_calendar_months_after_the_last_activity(company_closure):
    _strike_off(company_closure, D(2026, 5, 31))
    assert company_closure.last_trading_on == D(2026, 2, 28)
    assert company_closure.strike_off_timing_ok()
    company_closure.last_trading_on = D(2026, 3, 1)
    assert not company_closure.strike_off_timing_ok()


@pytest.mark.parametrize("missing", ["no_other_activities", "no_pending_proceedings", "parties_notified_on"])
def test_strike_off_needs_the_s1004_s1005_s1006_checks(company_closure, missing):
    _strike_off(company_closure, D(2026, 5, 31))
    setattr(company_closure, missing, None if missing.endswith("_on") else False)
    assert not company_closure.strike_off_timing_ok()


def test_copies_sent_after_7_days_are_flagged(company_closure):
    _strike_off(company_closure, D(2026, 5, 1))
    company_closure.parties_notified_on = D(2026, 5, 8)
    assert company_closure.strike_off_flags() == []
    company_closure.parties_notified_on = D(2026, 5, 9)
    assert company_closure.strike_off_flags() == [
        "Copies of the striking-off application were sent on 9 May 2026; Companies Act 2006 s.1006(1) required "
        "them by 8 May 2026."
    ]


def test_a_company_is_dissolved_only_after_the_gazette_period(company_closure):
    _strike_off(company_closure, D(2026, 3, 1))
    company_closure.dissolved_on = D(2026, 5, 31)
    assert not company_closure.dissolution_took_effect()  # no Gazette notice recorded
    company_closure.gazette_notice_on = D(2026, 4, 1)
    assert not company_closure.dissolution_took_effect()  # a day short of two months
    company_closure.dissolved_on = D(2026, 6, 1)
    assert company_closure.dissolution_took_effect()
    company_closure.dissolved_on = TODAY + DAY
    company_closure.gazette_notice_on = TODAY - relativedelta(months=3)
    assert not company_closure.dissolution_took_effect()  # not in the future


def test_a_cio_is_dissolved_when_the_regulator_confirms_not_when_it_applies(caseworker, panel_member, reviewed_org):
    closure = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    closure.dissolution_filed_on = TODAY
    assert not closure.dissolution_took_effect()
    closure.dissolved_on = TODAY - DAY
    assert not closure.dissolution_took_effect()  # before the application
    closure.dissolved_on = TODAY
    assert closure.dissolution_took_effect()


@pytest.mark.parametrize(
    "form, needed",
    [
        (Organisation.LegalForm.CIO, True),
        (Organisation.LegalForm.CBS, True),
        (Organisation.LegalForm.TRUST, False),
        (Organisation.LegalForm.CHARITABLE_COMPANY, False),
        (Organisation.LegalForm.UNINCORPORATED, False),
    ],
)
def test_members_resolution_derives_from_the_legal_form(caseworker, panel_member, form, needed):
    organisation = OrganisationFactory(legal_form=form, charity_number="", company_number="")
    closure = Closure(
        case=scenes.case_on_pathway(
            "closure", caseworker=caseworker, panel=panel_member, organisation=organisation
        ).case
    )
    assert closure.members_resolution_needed() is needed
    closure.members_resolution_required = True  # the governing document can still require it
    assert closure.members_resolution_needed()


def test_a_cio_cannot_decide_to_close_without_its_members(caseworker, panel_member, reviewed_org):
    closure = scenes.case_on_pathway("closure", caseworker=caseworker, panel=panel_member, organisation=reviewed_org)
    workflow.update_closure(
        closure,
        by=caseworker,
        part="decision",
        balance_sheet_solvent=True,
        cash_flow_solvent=True,
        solvency_tested_on=TODAY,
        dissolution_clause="Clause 9",
        trustee_resolution_on=TODAY,
    )
    with pytest.raises(TransitionNotAllowed, match="members"):
        workflow.move_closure(closure, "decide", by=caseworker)


# --- filing deadlines (the health check's "accounts overdue") --------------------------------------
@pytest.mark.parametrize(
    "form, due",
    [
        (Organisation.LegalForm.CIO, D(2027, 1, 31)),  # Charities Act 2011 s.163: 10 months
        (Organisation.LegalForm.TRUST, D(2027, 1, 31)),
        (Organisation.LegalForm.CHARITABLE_COMPANY, D(2026, 12, 31)),  # Companies Act 2006 s.442: 9 months
        (Organisation.LegalForm.CIC, D(2026, 12, 31)),
        (Organisation.LegalForm.CBS, D(2026, 10, 31)),  # CCBSA 2014 s.89: 7 months
    ],
)
def test_next_accounts_are_due_a_year_on_plus_the_filing_period_for_the_form(db, form, due):
    from casework.models import Case

    case = Case(organisation=Organisation(legal_form=form), latest_accounts_on=D(2025, 3, 31))
    assert case.next_accounts_due_on() == due
    assert Case(organisation=Organisation(legal_form=form)).next_accounts_due_on() is None


def test_tasks_follow_the_consultation_and_hr1_clocks(closure_planning, caseworker):
    from casework.models import Task

    _redundancies(closure_planning, 25, D(2026, 9, 30))
    closure = workflow.update_closure(
        Closure.objects.get(pk=closure_planning.pk),
        by=caseworker,
        part="winding_down",
        redundancies_proposed=25,
        redundancies_proposed_on=D(2026, 8, 3),
    )
    tasks = {t.title: t.due_on for t in Task.objects.filter(case=closure.case, title__in=workflow.CLOCK_TASKS.values())}
    assert tasks == {
        workflow.CLOCK_TASKS["consultation"]: D(2026, 9, 2),
        workflow.CLOCK_TASKS["hr1"]: D(2026, 8, 31),
    }
    closure = workflow.update_closure(
        closure, by=caseworker, part="winding_down", redundancies_proposed_on=D(2026, 8, 10)
    )
    moved = Task.objects.get(case=closure.case, title=workflow.CLOCK_TASKS["consultation"])
    assert moved.due_on == D(2026, 9, 9)
    assert Task.objects.filter(case=closure.case, title__in=workflow.CLOCK_TASKS.values()).count() == 2
