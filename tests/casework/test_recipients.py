"""Who may receive what a closing organisation leaves (issue 18): a charity's assets and funds go on
to charitable purposes, a CIC's asset lock lets them go only to an asset-locked body; a sale at
market value is not limited. The rule is one of RegisterItem.problems(), so agreeing the item is
refused with it on every path."""

from __future__ import annotations

import pytest

from organisations.models import Organisation
from tests.factories import CaseFactory, ClosureFactory, OrganisationFactory, RegisterItemFactory

pytestmark = pytest.mark.unit

LegalForm = Organisation.LegalForm


def _company(**kw):
    return OrganisationFactory(legal_form=LegalForm.CHARITABLE_COMPANY, **kw)


def _item(closing, recipient, *, register="asset", kind="equipment", outcome="transferred"):
    closure = ClosureFactory(case=CaseFactory(organisation=closing, closing=True))
    return RegisterItemFactory(
        closure=closure,
        register=register,
        kind=kind,
        outcome=outcome,
        destination=recipient,
        destination_note="Accepted by letter.",
    )


def _recipient_rule(item) -> list[str]:
    return [p for p in item.problems() if "asset lock" in p or "charitable purposes" in p]


@pytest.mark.django_db
def test_a_cics_assets_go_only_to_an_asset_locked_body():
    cic = OrganisationFactory(legal_form=LegalForm.CIC, charity_number="")
    ordinary = OrganisationFactory(legal_form=LegalForm.UNINCORPORATED, charity_number="")
    [problem] = _recipient_rule(_item(cic, ordinary))
    assert "asset lock" in problem and ordinary.name in problem and "reg. 23" in problem
    assert _recipient_rule(_item(cic, OrganisationFactory(legal_form=LegalForm.CIC, charity_number=""))) == []
    assert _recipient_rule(_item(cic, OrganisationFactory(legal_form=LegalForm.CIO))) == []


@pytest.mark.django_db
def test_a_charitys_assets_and_funds_go_on_to_charitable_purposes():
    charity = OrganisationFactory(legal_form=LegalForm.CIO)
    cic = OrganisationFactory(legal_form=LegalForm.CIC, charity_number="")
    [problem] = _recipient_rule(_item(charity, cic))
    assert "not a charity" in problem and cic.name in problem
    assert _recipient_rule(_item(charity, cic, register="fund", kind="unrestricted"))
    assert _recipient_rule(_item(charity, _company())) == []
    registered_association = OrganisationFactory(legal_form=LegalForm.UNINCORPORATED, charity_number="1999999")
    assert _recipient_rule(_item(charity, registered_association)) == []


@pytest.mark.django_db
def test_a_sale_and_services_and_non_charities_are_not_limited():
    charity = OrganisationFactory(legal_form=LegalForm.CIO)
    cic = OrganisationFactory(legal_form=LegalForm.CIC, charity_number="")
    assert _recipient_rule(_item(charity, cic, outcome="sold")) == []
    assert _recipient_rule(_item(charity, cic, register="service", kind="service")) == []
    association = OrganisationFactory(legal_form=LegalForm.UNINCORPORATED, charity_number="")
    assert _recipient_rule(_item(association, cic)) == []
