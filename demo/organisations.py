"""Demo London: fictional organisations in all 33 areas, people in every role, one login per role.

Built through organisations.workflow, exactly as the pages do it. Names are invented; none is
meant to match a real organisation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password

from organisations import workflow
from organisations.backends import DEMO_PASSWORD
from organisations.models import Borough, Membership, Organisation, User

DEMO_DOMAIN = "demo.example"
HUB_NAME = "Thameslink Support Hub (demo)"

PLACES = [
    "Alderhithe",
    "Brackenmere",
    "Cindervale",
    "Dunmarsh",
    "Elmwick",
    "Fallowden",
    "Glenhurst",
    "Hollinbrook",
    "Ivydene",
    "Juniper Vale",
    "Kestrelford",
    "Larkspur",
    "Millbourne",
    "Nettlecombe",
    "Oakhollow",
    "Pennyroyal",
    "Quarrendon",
    "Rookwood",
    "Sallowfield",
    "Thistlebank",
    "Underhill",
    "Vetchley",
    "Willowmere",
    "Yarrowby",
    "Ashcombe",
    "Birchanger",
    "Coldharbour Reach",
    "Dovecote",
    "Emberlea",
    "Foxglove",
    "Greystoke Row",
    "Hazelbury",
    "Inkpen",
    "Jessamine",
    "Kingsmoss",
    "Lanternfield",
    "Marigold",
    "Northwold",
    "Orchard Rise",
]
SUFFIXES = {
    Organisation.Kind.CVS: "Council for Voluntary Service",
    Organisation.Kind.VOLUNTEER_CENTRE: "Volunteer Centre",
    Organisation.Kind.CVS_VOLUNTEER_CENTRE: "Voluntary Action and Volunteering",
    Organisation.Kind.EQUALITIES_NETWORK: "Equalities Network",
    Organisation.Kind.COMMUNITY_ANCHOR: "Community Hub",
    Organisation.Kind.SPECIALIST_SUPPORT: "Community Accountancy Service",
    Organisation.Kind.FRONTLINE_GROUP: "Community Food Project",
    Organisation.Kind.FUNDER: "Community Foundation",
    Organisation.Kind.PUBLIC_BODY: "Partnership Board",
}
KIND_MIX = (
    [Organisation.Kind.CVS] * 12
    + [Organisation.Kind.VOLUNTEER_CENTRE] * 6
    + [Organisation.Kind.CVS_VOLUNTEER_CENTRE] * 5
    + [Organisation.Kind.EQUALITIES_NETWORK] * 4
    + [Organisation.Kind.COMMUNITY_ANCHOR] * 4
    + [Organisation.Kind.SPECIALIST_SUPPORT] * 2
    + [Organisation.Kind.FRONTLINE_GROUP] * 4
    + [Organisation.Kind.FUNDER] * 2
    + [Organisation.Kind.PUBLIC_BODY] * 1
)
FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chiara",
    "Dev",
    "Efua",
    "Finn",
    "Grace",
    "Hamid",
    "Ines",
    "Jonah",
    "Kemi",
    "Luca",
    "Maya",
    "Nikhil",
    "Olu",
    "Priya",
    "Rosa",
    "Sami",
    "Tendai",
    "Una",
    "Viktor",
    "Wen",
    "Yusuf",
    "Zara",
]
LAST_NAMES = [
    "Adeyemi",
    "Brennan",
    "Chowdhury",
    "Da Silva",
    "Evans",
    "Farah",
    "Golding",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Connor",
    "Patel",
    "Quinn",
    "Rahman",
    "Sato",
    "Thompson",
    "Usman",
    "Vasquez",
    "Williams",
    "Yilmaz",
]

# One demo login per role: (email local part, name, role). README lists them.
DEMO_LOGINS = [
    ("coordinator", "Chris Coordinator", Membership.Role.COORDINATOR),
    ("lead", "Lee Lead-Reviewer", Membership.Role.LEAD_REVIEWER),
    ("reviewer", "Robin Reviewer", Membership.Role.REVIEWER),
    ("contact", "Casey Contact", Membership.Role.CONTACT),
    ("steward", "Sam Steward", Membership.Role.STEWARD),
    ("participant", "Pat Participant", Membership.Role.PARTICIPANT),
    ("caseworker", "Kit Caseworker", Membership.Role.CASEWORKER),
    ("panel", "Parveen Panel", Membership.Role.PANEL_MEMBER),
    ("funder", "Frankie Funder", Membership.Role.FUNDER_READER),
    ("admin", "Alex Administrator", Membership.Role.ADMINISTRATOR),
]


@dataclass
class DemoLondon:
    hub: Organisation
    organisations: list[Organisation]
    logins: dict[str, User]


def _legal_form(rng: random.Random, kind: str) -> tuple[str, str, str]:
    """A legal form with plausible (fictional) register numbers."""
    if kind == Organisation.Kind.PUBLIC_BODY:
        return Organisation.LegalForm.STATUTORY, "", ""
    form = rng.choice(
        [Organisation.LegalForm.CHARITABLE_COMPANY] * 3
        + [Organisation.LegalForm.CIO] * 3
        + [Organisation.LegalForm.TRUST, Organisation.LegalForm.UNINCORPORATED, Organisation.LegalForm.CIC]
    )
    charity = (
        str(rng.randint(1_100_000, 1_209_999))
        if form not in {Organisation.LegalForm.CIC, Organisation.LegalForm.UNINCORPORATED}
        else ""
    )
    company = (
        f"{rng.randint(1_000_000, 15_999_999):08d}"
        if form in {Organisation.LegalForm.CHARITABLE_COMPANY, Organisation.LegalForm.CIC}
        else ""
    )
    return form, charity, company


def _unique_numbers(rng: random.Random, kind: str, used: set[str]) -> tuple[str, str, str]:
    while True:
        form, charity, company = _legal_form(rng, kind)
        if (not charity or charity not in used) and (not company or company not in used):
            used.update(x for x in (charity, company) if x)
            return form, charity, company


def seed(*, by: Any, rng: random.Random, scale: int = 1) -> DemoLondon:
    """Create the demo London. `by` is the administrator the records are attributed to."""
    boroughs = list(Borough.objects.order_by("ons_code"))
    used: set[str] = set()
    hub = workflow.register_organisation(
        by=by,
        boroughs=boroughs,
        name=HUB_NAME,
        kind=Organisation.Kind.SPECIALIST_SUPPORT,
        legal_form=Organisation.LegalForm.CHARITABLE_COMPANY,
        charity_number="1190001",
        company_number="12000001",
        website="https://hub.demo.example/",
    )
    used.update({"1190001", "12000001"})
    organisations: list[Organisation] = []
    count = len(KIND_MIX) * scale
    for i in range(count):
        kind = KIND_MIX[i % len(KIND_MIX)]
        place = PLACES[i % len(PLACES)]
        round_no = i // len(PLACES)
        name = f"{place} {SUFFIXES[kind]}" + (f" {round_no + 1}" if round_no else "")
        form, charity, company = _unique_numbers(rng, kind, used)
        # Every area gets at least one support body: walk the boroughs in order first.
        home = boroughs[i % len(boroughs)]
        served = {home}
        if kind in {Organisation.Kind.EQUALITIES_NETWORK, Organisation.Kind.FUNDER}:
            served.update(rng.sample(boroughs, rng.randint(3, 8)))
        elif rng.random() < 0.3:
            served.add(rng.choice(boroughs))
        status = (
            Organisation.Status.IN_DIFFICULTY
            if kind == Organisation.Kind.FRONTLINE_GROUP and i % 3 == 0
            else Organisation.Status.ACTIVE
        )
        organisations.append(
            workflow.register_organisation(
                by=by,
                boroughs=sorted(served, key=lambda b: b.ons_code),
                name=name,
                kind=kind,
                legal_form=form,
                charity_number=charity,
                company_number=company,
                website=f"https://{place.lower().replace(' ', '-')}-{i}.demo.example/",
                status=status,
            )
        )

    password_hash = make_password(DEMO_PASSWORD)  # Argon2 is slow on purpose: hash once, not per person
    support = [o for o in organisations if o.is_support_body]
    funders = [o for o in organisations if o.kind == Organisation.Kind.FUNDER]
    logins: dict[str, User] = {}
    for local, name, role in DEMO_LOGINS:
        person = workflow.create_person(
            by=by, email=f"{local}@{DEMO_DOMAIN}", full_name=name, password_hash=password_hash
        )
        if role in {Membership.Role.REVIEWER, Membership.Role.LEAD_REVIEWER, Membership.Role.CONTACT}:
            org = support[{"lead": 1, "reviewer": 2, "contact": 0}[local]]
        elif role == Membership.Role.FUNDER_READER:
            org = funders[0]
        elif role == Membership.Role.PARTICIPANT:
            org = next(o for o in organisations if o.kind == Organisation.Kind.FRONTLINE_GROUP)
        else:
            org = hub
        workflow.grant_membership(person, org, role, by=by, job_title=role.label)
        if role in {Membership.Role.REVIEWER, Membership.Role.LEAD_REVIEWER}:
            # Reviewers are staff of their own CVS, and usually its contacts as well (DESIGN.md).
            workflow.grant_membership(person, org, Membership.Role.CONTACT, by=by)
        logins[local] = person

    # A pool of peer reviewers and contacts across the support bodies, for panels and self-assessment.
    # `support` already grows with the scale: one more person per support body, not scale² of them.
    for n, org in enumerate(support):
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        person = workflow.create_person(
            by=by,
            email=f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}.{n}@{DEMO_DOMAIN}",
            full_name=f"{first} {last}",
            password_hash=password_hash,
        )
        workflow.grant_membership(person, org, Membership.Role.CONTACT, by=by, job_title="Chief executive")
        if n % 2 == 0:
            workflow.grant_membership(person, org, Membership.Role.REVIEWER, by=by)
        if n % 5 == 0:
            other = support[(n + 3) % len(support)]
            workflow.declare_conflict(
                person, other, by=person, kind="trusteeship", reason=f"Trustee of {other.name} since 2022."
            )
    workflow.declare_conflict(
        logins["reviewer"],
        support[5],
        by=logins["reviewer"],
        kind="consortium",
        reason="Our two CVSs run a joint volunteering contract.",
    )
    return DemoLondon(hub=hub, organisations=organisations, logins=logins)
