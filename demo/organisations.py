"""Demo London: fictional organisations across the 33 areas, people in every role, one login per role.

Built through organisations.workflow, exactly as the pages do it. Names are invented in the style of
London bodies -- after rivers and brooks, streets and markets, neighbourhoods -- and none is meant
to match a real organisation (no borough's real CVS, no real charity). Each borough has one or two
local support bodies serving it and, at most, its neighbours; the City of London has none of its
own and is served by the CVSs next door, as in real life.
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
HUB_NAME = "Walbrook Lifeboat and Peer Review Hub (demo)"

K = Organisation.Kind
# (name, kind, the borough it is based in, other boroughs it serves). Only neighbours, never
# across London; equalities networks, specialist services and funders work sub-regionally.
SPECS: list[tuple[str, str, str, tuple[str, ...]]] = [
    # Local support bodies: one or two per borough.
    ("Mayes Brook Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Barking and Dagenham", ()),
    ("Dollis Brook Council for Voluntary Service", K.CVS, "Barnet", ()),
    ("Silk Stream Volunteer Centre", K.VOLUNTEER_CENTRE, "Barnet", ("Brent",)),
    ("Cray Valley Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Bexley", ("Bromley",)),
    ("Mitchell Brook Council for Voluntary Service", K.CVS, "Brent", ()),
    ("Neasden Lane Volunteer Centre", K.VOLUNTEER_CENTRE, "Brent", ()),
    ("Ravensbourne Council for Voluntary Service", K.CVS, "Bromley", ()),
    ("Fleet Valley Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Camden", ("City of London",)),
    ("Norbury Brook Council for Voluntary Service", K.CVS, "Croydon", ()),
    ("Surrey Street Volunteer Centre", K.VOLUNTEER_CENTRE, "Croydon", ("Sutton",)),
    ("Pitshanger Council for Voluntary Service", K.CVS, "Ealing", ()),
    ("Salmons Brook Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Enfield", ()),
    ("Pymmes Brook Volunteer Centre", K.VOLUNTEER_CENTRE, "Enfield", ("Haringey",)),
    ("Kidbrooke Council for Voluntary Service", K.CVS, "Greenwich", ("Bexley",)),
    ("Well Street Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Hackney", ()),
    ("Kingsland Waste Volunteer Centre", K.VOLUNTEER_CENTRE, "Hackney", ("Islington",)),
    ("Counter's Creek Council for Voluntary Service", K.CVS, "Hammersmith and Fulham", ()),
    ("Moselle Brook Council for Voluntary Service", K.CVS, "Haringey", ()),
    ("Seven Sisters Road Volunteer Centre", K.VOLUNTEER_CENTRE, "Haringey", ("Islington",)),
    ("Yeading Brook Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Harrow", ("Hillingdon",)),
    ("Ingrebourne Council for Voluntary Service", K.CVS, "Havering", ()),
    ("Rom Valley Volunteer Centre", K.VOLUNTEER_CENTRE, "Havering", ("Barking and Dagenham",)),
    ("Pinn Valley Council for Voluntary Service", K.CVS, "Hillingdon", ()),
    ("Crane Meadows Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Hounslow", ()),
    ("Chapel Market Council for Voluntary Service", K.CVS, "Islington", ("City of London",)),
    ("Golborne Road Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Kensington and Chelsea", ("Hammersmith and Fulham",)),
    ("Hogsmill Council for Voluntary Service", K.CVS, "Kingston upon Thames", ()),
    ("Effra Council for Voluntary Service", K.CVS, "Lambeth", ()),
    ("Lower Marsh Volunteer Centre", K.VOLUNTEER_CENTRE, "Lambeth", ("Southwark",)),
    ("Pool River Council for Voluntary Service", K.CVS, "Lewisham", ()),
    ("Deptford High Street Volunteer Centre", K.VOLUNTEER_CENTRE, "Lewisham", ("Greenwich",)),
    ("Pyl Brook Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Merton", ("Sutton",)),
    ("Green Street Council for Voluntary Service", K.CVS, "Newham", ()),
    ("Channelsea Volunteer Centre", K.VOLUNTEER_CENTRE, "Newham", ()),
    ("Roding Valley Council for Voluntary Service", K.CVS, "Redbridge", ()),
    ("Beverley Brook Council for Voluntary Service", K.CVS, "Richmond upon Thames", ("Kingston upon Thames",)),
    ("Neckinger Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Southwark", ()),
    ("East Street Volunteer Centre", K.VOLUNTEER_CENTRE, "Southwark", ("Lambeth",)),
    ("Wrythe Green Council for Voluntary Service", K.CVS, "Sutton", ()),
    ("Chrisp Street Council for Voluntary Service", K.CVS, "Tower Hamlets", ("City of London",)),
    ("Roman Road Volunteer Centre", K.VOLUNTEER_CENTRE, "Tower Hamlets", ()),
    ("Ching Brook Voluntary Action", K.CVS_VOLUNTEER_CENTRE, "Waltham Forest", ()),
    ("Lea Bridge Road Volunteer Centre", K.VOLUNTEER_CENTRE, "Waltham Forest", ("Hackney",)),
    ("Falcon Brook Council for Voluntary Service", K.CVS, "Wandsworth", ()),
    ("Tyburn Council for Voluntary Service", K.CVS, "Westminster", ()),
    ("Church Street Market Volunteer Centre", K.VOLUNTEER_CENTRE, "Westminster", ("Kensington and Chelsea",)),
    # Equalities networks, anchors and specialist services: a sub-region each, not all London.
    ("Whitechapel Road Equalities Network", K.EQUALITIES_NETWORK, "Tower Hamlets", ("Newham", "Hackney")),
    ("Old Kent Road Equalities Network", K.EQUALITIES_NETWORK, "Southwark", ("Lambeth", "Lewisham")),
    ("Uxbridge Road Equalities Network", K.EQUALITIES_NETWORK, "Ealing", ("Hammersmith and Fulham", "Hounslow")),
    ("Green Lanes Equalities Network", K.EQUALITIES_NETWORK, "Haringey", ("Enfield", "Barnet")),
    ("Effra Community Trust", K.COMMUNITY_ANCHOR, "Lambeth", ()),
    ("Bow Common Community Trust", K.COMMUNITY_ANCHOR, "Tower Hamlets", ()),
    ("Plumstead Common Community Hub", K.COMMUNITY_ANCHOR, "Greenwich", ()),
    ("Acton Vale Community Hub", K.COMMUNITY_ANCHOR, "Ealing", ()),
    ("Holloway Road Governance Advice", K.SPECIALIST_SUPPORT, "Islington", ("Camden", "Hackney", "Haringey")),
    ("Beam Parklands Community Accounts", K.SPECIALIST_SUPPORT, "Barking and Dagenham", ("Havering", "Redbridge")),
    # Frontline groups: one in most boroughs, each named after its street, market or green.
    ("Ridley Road Traders' Network", K.FRONTLINE_GROUP, "Hackney", ()),
    ("Effra Road Community Pantry", K.FRONTLINE_GROUP, "Lambeth", ()),
    ("Queens Market Sewing Circle", K.FRONTLINE_GROUP, "Newham", ()),
    ("Woolwich Ferry Supper Club", K.FRONTLINE_GROUP, "Greenwich", ()),
    ("Cable Street Bangla Saturday School", K.FRONTLINE_GROUP, "Tower Hamlets", ()),
    ("Deptford Creek Rowing and Wellbeing Club", K.FRONTLINE_GROUP, "Lewisham", ()),
    ("Pinner Road Carers' Circle", K.FRONTLINE_GROUP, "Harrow", ()),
    ("Southall Broadway Somali Elders", K.FRONTLINE_GROUP, "Ealing", ()),
    ("Tottenham Hale Refugee Welcome", K.FRONTLINE_GROUP, "Haringey", ()),
    ("Edmonton Green Polish Saturday School", K.FRONTLINE_GROUP, "Enfield", ()),
    ("Colindale Avenue Tenants' Forum", K.FRONTLINE_GROUP, "Barnet", ()),
    ("Neasden Parade Cricket for All", K.FRONTLINE_GROUP, "Brent", ()),
    ("Hounslow Heath Growing Project", K.FRONTLINE_GROUP, "Hounslow", ()),
    ("Hayes Town Arabic Speakers' Network", K.FRONTLINE_GROUP, "Hillingdon", ()),
    ("Romford Market Mutual Aid", K.FRONTLINE_GROUP, "Havering", ()),
    ("Ilford Lane Community Kitchen", K.FRONTLINE_GROUP, "Redbridge", ()),
    ("Walthamstow Marshes Bike Workshop", K.FRONTLINE_GROUP, "Waltham Forest", ()),
    ("Barking Riverside Parents' Network", K.FRONTLINE_GROUP, "Barking and Dagenham", ()),
    ("Erith Pier Angling for Health", K.FRONTLINE_GROUP, "Bexley", ()),
    ("Anerley Hill Lunch Club", K.FRONTLINE_GROUP, "Bromley", ()),
    ("Thornton Heath Pond Chinese Association", K.FRONTLINE_GROUP, "Croydon", ()),
    ("Fair Green Dementia Café", K.FRONTLINE_GROUP, "Merton", ()),
    ("Rose Hill Youth Theatre", K.FRONTLINE_GROUP, "Sutton", ()),
    ("Norbiton Fields Tamil School", K.FRONTLINE_GROUP, "Kingston upon Thames", ()),
    ("Ham Riverside Walking Group", K.FRONTLINE_GROUP, "Richmond upon Thames", ()),
    ("Battersea Park Road Advice Drop-in", K.FRONTLINE_GROUP, "Wandsworth", ()),
    ("Marchmont Street Community Laundry", K.FRONTLINE_GROUP, "Camden", ()),
    ("Portobello Road Urdu Poetry Circle", K.FRONTLINE_GROUP, "Kensington and Chelsea", ()),
    ("North End Road Market Pantry", K.FRONTLINE_GROUP, "Hammersmith and Fulham", ()),
    ("Lisson Grove Boxing and Mentoring", K.FRONTLINE_GROUP, "Westminster", ()),
    ("Blue Market Older People's Club", K.FRONTLINE_GROUP, "Southwark", ()),
    ("Caledonian Road Somali Parents' Forum", K.FRONTLINE_GROUP, "Islington", ()),
    ("Lea Bridge Tenants' Association", K.FRONTLINE_GROUP, "Hackney", ()),
    ("Whitecross Street Lunch Club", K.FRONTLINE_GROUP, "Islington", ()),
    ("Tooting Market Youth Radio", K.FRONTLINE_GROUP, "Wandsworth", ()),
    ("Kilburn High Road Irish Pensioners", K.FRONTLINE_GROUP, "Brent", ()),
    ("Chalk Farm Road Drop-in", K.FRONTLINE_GROUP, "Camden", ()),
    ("Bellingham Green Repair Club", K.FRONTLINE_GROUP, "Lewisham", ()),
    ("Gants Hill Carers' Coffee Morning", K.FRONTLINE_GROUP, "Redbridge", ()),
    # Funders and a public body.
    ("Tyburn and Fleet Community Fund", K.FUNDER, "Westminster", ("Camden", "Islington", "City of London")),
    ("Kyd Brook Community Fund", K.FUNDER, "Lewisham", ("Greenwich", "Southwark", "Lambeth")),
    ("Three Mills Neighbourhoods Partnership Board", K.PUBLIC_BODY, "Newham", ("Tower Hamlets", "Hackney")),
]
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
    by_name = {b.name: b for b in boroughs}
    organisations: list[Organisation] = []
    # Above scale 1 (benchmarks), the same London again with numbered names.
    for round_no in range(scale):
        for name, kind, home, also in SPECS:
            form, charity, company = _unique_numbers(rng, kind, used)
            served = sorted({by_name[home], *(by_name[b] for b in also)}, key=lambda b: b.ons_code)
            slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
            organisations.append(
                workflow.register_organisation(
                    by=by,
                    boroughs=served,
                    name=name + (f" {round_no + 1}" if round_no else ""),
                    kind=kind,
                    legal_form=form,
                    charity_number=charity,
                    company_number=company,
                    website=f"https://{slug}{'-' + str(round_no + 1) if round_no else ''}.demo.example/",
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
