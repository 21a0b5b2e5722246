"""Demo frameworks, built through the same spreadsheet import and workflow the steward uses.

One scored framework with version 1 published and version 2 in consultation (comments, some
answered), and one narrative-only framework. The text is this project's own.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.utils import timezone

from organisations.models import Organisation, User
from standards import spreadsheet, workflow
from standards.models import Framework, FrameworkVersion

# theme -> (description, [(code, title, guidance, [(indicator, [evidence prompts])])])
LOCAL_SUPPORT: dict[str, tuple[str, list[tuple[str, str, str, list[tuple[str, list[str]]]]]]] = {
    "Understanding need": (
        "Knowing the local voluntary and community sector, and the communities it serves, well enough to act.",
        [
            (
                "1.1",
                "We know who is out there",
                "Include small, informal and faith groups, not only registered charities.",
                [
                    (
                        "We keep an up-to-date picture of local groups, including those without a constitution.",
                        ["A directory or map with dates of last update", "How groups not on any register were found"],
                    ),
                    (
                        "We know which communities and places have few groups supporting them.",
                        ["Gap analysis or ward-level mapping"],
                    ),
                    (
                        "We share what we know with groups and partners in a form they can use.",
                        ["Published state-of-the-sector summary"],
                    ),
                ],
            ),
            (
                "1.2",
                "We listen before we plan",
                "",
                [
                    (
                        "Groups tell us what support they need, at least once a year, in ways that suit them.",
                        ["Survey, forum or conversation records", "Response rates by kind of group"],
                    ),
                    (
                        "We hear from groups led by and for people facing discrimination.",
                        ["Who took part, by community"],
                    ),
                    ("Our plans change because of what we hear.", ["A plan showing what changed and why"]),
                ],
            ),
            (
                "1.3",
                "We use evidence well",
                "",
                [
                    (
                        "We collect data on the sector's health: income, volunteers, closures and new groups.",
                        ["Dataset with sources and dates"],
                    ),
                    ("We use local and national data alongside what groups tell us.", ["Reports citing sources"]),
                    ("We are honest about what our evidence cannot show.", ["Limitations stated in published reports"]),
                ],
            ),
        ],
    ),
    "Support for groups": (
        "Practical help that makes groups stronger: advice, training, funding support and one-to-one development.",
        [
            (
                "2.1",
                "Help is easy to find and use",
                "",
                [
                    (
                        "Any group can find out what help we offer and how to get it within a working day.",
                        ["Enquiry response times"],
                    ),
                    (
                        "Our help is free or affordable for the smallest groups.",
                        ["Pricing policy", "Take-up by groups with under £10,000 income"],
                    ),
                    (
                        "We offer help in languages and formats that local groups need.",
                        ["Languages and formats offered this year"],
                    ),
                ],
            ),
            (
                "2.2",
                "Advice is accurate and timely",
                "Cover governance, money, safeguarding, employment and funding.",
                [
                    ("Advisers are trained and their knowledge is kept up to date.", ["Training records"]),
                    ("We check a sample of advice for accuracy each year.", ["Quality check results"]),
                    ("We refer on when a question is beyond us, and follow up.", ["Referral log with outcomes"]),
                ],
            ),
            (
                "2.3",
                "Groups grow stronger",
                "",
                [
                    (
                        "We agree goals with the groups we support in depth and review them together.",
                        ["Development plans", "Review notes"],
                    ),
                    (
                        "Groups we support report better governance, finances or reach a year later.",
                        ["Follow-up survey results"],
                    ),
                    (
                        "We spot groups in difficulty early and offer help or a referral to the lifeboat.",
                        ["Referrals made and their outcomes"],
                    ),
                ],
            ),
            (
                "2.4",
                "Funding support opens doors",
                "",
                [
                    ("We tell groups about funding they are eligible for.", ["Funding bulletins and their reach"]),
                    (
                        "We help groups write stronger bids and learn from rejections.",
                        ["Bids supported and success rate"],
                    ),
                    (
                        "We work with funders to make funding easier for small groups to reach.",
                        ["Changes funders made after our input"],
                    ),
                ],
            ),
        ],
    ),
    "Volunteering": (
        "Making it easy and rewarding for people to volunteer, and helping organisations involve volunteers well.",
        [
            (
                "3.1",
                "People find the right volunteering",
                "",
                [
                    (
                        "Anyone can find volunteering opportunities that suit their time, skills and access needs.",
                        ["Opportunities listed and how they are matched"],
                    ),
                    (
                        "We support people who face barriers to volunteering.",
                        ["Support offered to disabled, young, older or newly arrived volunteers"],
                    ),
                    (
                        "We know how many people we helped into volunteering and whether they stayed.",
                        ["Placement and retention figures"],
                    ),
                ],
            ),
            (
                "3.2",
                "Organisations involve volunteers well",
                "",
                [
                    (
                        "We help organisations recruit, support and thank their volunteers.",
                        ["Training and resources on volunteer management"],
                    ),
                    (
                        "Our advice on volunteer safeguarding and expenses is current.",
                        ["Date of last review of guidance"],
                    ),
                    (
                        "We challenge practice that exploits volunteers or replaces paid roles.",
                        ["Examples of challenge and the result"],
                    ),
                ],
            ),
            (
                "3.3",
                "Volunteering is valued locally",
                "",
                [
                    ("We celebrate volunteers publicly, including those in informal roles.", ["Events and awards"]),
                    (
                        "We make the case for investment in volunteering infrastructure.",
                        ["Submissions and meetings with decision makers"],
                    ),
                    (
                        "We help mobilise volunteers quickly in a local emergency.",
                        ["Emergency plan", "Recent mobilisation record"],
                    ),
                ],
            ),
        ],
    ),
    "Voice and influence": (
        "Bringing the sector's and communities' voices to the people who make decisions, and changing those decisions.",
        [
            (
                "4.1",
                "We represent the sector fairly",
                "Representation should reflect the whole sector, not only our members.",
                [
                    (
                        "We consult groups before we speak on their behalf.",
                        ["Consultation records before key meetings"],
                    ),
                    (
                        "People who represent the sector report back on what they did.",
                        ["Published feedback from partnership boards"],
                    ),
                    (
                        "Groups led by people with lived experience speak for themselves where they wish.",
                        ["Seats or slots held by such groups"],
                    ),
                ],
            ),
            (
                "4.2",
                "We influence decisions",
                "",
                [
                    ("We respond to local plans and consultations that affect the sector.", ["Responses submitted"]),
                    (
                        "We can show decisions that changed because of our influence.",
                        ["Examples with evidence of change"],
                    ),
                    (
                        "We hold decision makers to account for commitments they make to the sector.",
                        ["Compact or agreement monitoring"],
                    ),
                ],
            ),
            (
                "4.3",
                "We strengthen community voice",
                "",
                [
                    ("We help communities organise to raise issues themselves.", ["Campaigns or groups supported"]),
                    (
                        "We share information about local decisions in plain language.",
                        ["Briefings and their readership"],
                    ),
                    ("We protect the independence of groups that challenge public bodies.", ["Policy on independence"]),
                ],
            ),
        ],
    ),
    "Partnership": (
        "Working with others across sectors so that local people get joined-up support.",
        [
            (
                "5.1",
                "We build useful partnerships",
                "",
                [
                    (
                        "We bring groups together where working jointly would help them or their communities.",
                        ["Networks and consortia convened"],
                    ),
                    ("Partnerships we run have clear, fair agreements.", ["Partnership agreements"]),
                    ("We review whether each partnership still serves its purpose.", ["Partnership reviews"]),
                ],
            ),
            (
                "5.2",
                "Contracts and commissioning are fair",
                "",
                [
                    ("We help groups understand and bid for public contracts.", ["Support given and contracts won"]),
                    (
                        "Consortia we lead share money and risk fairly with smaller members.",
                        ["Distribution of contract income"],
                    ),
                    (
                        "We press commissioners for fair terms, full cost recovery and prompt payment.",
                        ["Evidence of influence on terms"],
                    ),
                ],
            ),
            (
                "5.3",
                "We work across London",
                "",
                [
                    (
                        "We share learning and data with other support bodies across London.",
                        ["Joint reports or shared datasets"],
                    ),
                    ("We take part in peer review, giving as well as receiving.", ["Reviews given and received"]),
                    (
                        "We cover gaps with neighbouring boroughs where needs cross borders.",
                        ["Cross-borough arrangements"],
                    ),
                ],
            ),
        ],
    ),
    "Leadership and resources": (
        "Being a well-run, accountable organisation that lives its values and will still be here next year.",
        [
            (
                "6.1",
                "We are well governed",
                "",
                [
                    (
                        "Our board has the skills it needs and reviews its own performance.",
                        ["Skills audit", "Board review"],
                    ),
                    (
                        "People from the communities we serve are on our board or shape our decisions.",
                        ["Board make-up", "Advisory groups"],
                    ),
                    ("We meet our legal and regulatory duties on time.", ["Filing history with regulators"]),
                ],
            ),
            (
                "6.2",
                "We are financially resilient",
                "Reserves policy should match the organisation's risks.",
                [
                    ("We hold reserves in line with our policy.", ["Reserves policy", "Latest accounts"]),
                    (
                        "No single funder provides more than half our income, or we have a plan for that risk.",
                        ["Income analysis"],
                    ),
                    ("We know the full cost of each service we run.", ["Cost model"]),
                ],
            ),
            (
                "6.3",
                "We value our people",
                "",
                [
                    (
                        "Staff and volunteers are supported, trained and paid fairly.",
                        ["Pay policy", "Supervision records"],
                    ),
                    (
                        "Our workforce reflects the communities we serve, or we act to change it.",
                        ["Workforce data and action plan"],
                    ),
                    ("We act on what staff and volunteers tell us.", ["Survey results and actions"]),
                ],
            ),
        ],
    ),
}

NARRATIVE: dict[str, tuple[str, list[tuple[str, str, str, list[tuple[str, list[str]]]]]]] = {
    "Reach and trust": (
        "Whether the communities the network exists for know it, use it and trust it.",
        [
            (
                "A1",
                "Communities shape the network",
                "",
                [
                    ("Members set the network's priorities.", ["Minutes of members' meetings"]),
                    ("The network reaches beyond its established members.", ["New members this year"]),
                ],
            ),
            (
                "A2",
                "The network is trusted",
                "",
                [
                    ("Members say the network speaks for them accurately.", ["Member feedback"]),
                    ("Complaints are handled openly.", ["Complaints log"]),
                ],
            ),
        ],
    ),
    "Challenge and change": (
        "How the network challenges discrimination and what changes as a result.",
        [
            (
                "B1",
                "Challenge is evidence-based",
                "",
                [
                    ("Challenge rests on members' experience and data.", ["Briefings with sources"]),
                    ("Members are protected when they speak out.", ["Policy on anonymity and support"]),
                ],
            ),
            (
                "B2",
                "Change happens",
                "",
                [
                    ("Public bodies change policy or practice after the network's challenge.", ["Examples of change"]),
                    ("The network tells members what changed.", ["Updates to members"]),
                ],
            ),
        ],
    ),
}

COMMENTS = [
    (
        "participant",
        "concern",
        "standard",
        "1.1",
        "Many of the groups in our estate never appear in any directory. Please say how informal groups will be found, not just that they should be.",
        "accepted",
        "We added guidance that informal, faith and unregistered groups must be included, and an evidence prompt asking how they were found.",
    ),
    (
        "contact",
        "wording",
        "standard",
        "2.1",
        "“Within a working day” is unrealistic for a two-person CVS. Suggest “within two working days”.",
        "partly",
        "We kept a clear response time but moved the exact figure into guidance so that each review can agree it locally.",
    ),
    (
        "reviewer",
        "support",
        "theme",
        "Voice and influence",
        "Strongly support separating representing the sector from strengthening community voice.",
        "accepted",
        "Thank you: both standards stay separate in version 2.",
    ),
    (
        "funder",
        "concern",
        "standard",
        "6.2",
        "The 50% single-funder threshold may penalise organisations with one large council contract.",
        "not_accepted",
        "We kept the threshold because concentration is a real risk, but it can be met with a credible plan, which the indicator already allows.",
    ),
    (
        "participant",
        "wording",
        "standard",
        "3.1",
        "Please mention people with caring responsibilities among those who face barriers to volunteering.",
        None,
        None,
    ),
    (
        "contact",
        "concern",
        "framework",
        "",
        "Twenty standards is a lot for a small organisation's self-assessment. Could some be optional?",
        None,
        None,
    ),
]


def _csv_for(content: dict[str, Any], changes: dict[str, Any] | None = None) -> bytes:
    """The content as the steward's spreadsheet, so demo data goes through the real importer."""
    changes = changes or {}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(list(spreadsheet.COLUMNS))
    for theme, (theme_description, standards) in content.items():
        for code, title, guidance, indicators in standards:
            change = changes.get(code)
            if change == "remove":
                continue
            if change:
                title, guidance = change
            for text, prompts in indicators:
                writer.writerow([theme, theme_description, code, title, "", guidance, text, "\n".join(prompts)])
        for code, title, guidance, text, prompts in changes.get(f"add:{theme}", []):
            writer.writerow([theme, theme_description, code, title, "", guidance, text, "\n".join(prompts)])
    return buffer.getvalue().encode("utf-8")


def _import(version: FrameworkVersion, data: bytes, *, by: User) -> None:
    workflow.import_version(version, spreadsheet.read(data, "framework.csv"), by=by)


def seed(*, steward: User, owner: Organisation, consultees: dict[str, User]) -> list[Framework]:
    """Create the two demo frameworks; `consultees` maps demo login names to people."""
    today = timezone.localdate()
    scored = workflow.create_framework(
        by=steward,
        name="London Local Support Quality Framework",
        slug="local-support",
        purpose="What good local support for civil society looks like, written with London's CVSs, volunteer centres, "
        "equalities networks and the groups they serve.",
        owners=[owner],
    )
    v1 = scored.versions.get()
    _import(v1, _csv_for(LOCAL_SUPPORT), by=steward)
    workflow.update_version_details(
        v1,
        by=steward,
        summary="First version, drafted with eight CVSs and two equalities networks.",
        consultation_opens_on=today,
        consultation_closes_on=today + datetime.timedelta(days=28),
    )
    v1 = workflow.open_consultation(v1, by=steward)
    first = workflow.add_comment(
        v1,
        by=consultees["participant"],
        kind="support",
        show_name=True,
        text="Good to see informal groups named. Please keep it that way.",
    )
    workflow.answer_comment(first, by=steward, answer="accepted", response="Kept in the guidance for standard 1.1.")
    v1 = workflow.close_consultation_early(
        v1, by=steward, reason="Enough responses; the sector asked for the framework before the spring review round."
    )
    v1 = workflow.publish_version(v1, by=steward)

    v2 = workflow.start_new_version(scored, by=steward)
    changes = {
        "1.1": (
            "We know who is out there, including informal groups",
            "Include small, informal, faith and unregistered groups: say how they were found.",
        ),
        "2.1": ("Help is easy to find and use", "Agree a response time locally; two working days is typical."),
        "5.3": "remove",
        "add:Partnership": [
            (
                "5.4",
                "We work across borough borders",
                "Needs and groups cross borough lines.",
                "We share learning, data and cover with neighbouring boroughs.",
                ["Joint reports", "Cross-borough arrangements"],
            )
        ],
    }
    _import(v2, _csv_for(LOCAL_SUPPORT, changes), by=steward)
    workflow.update_version_details(
        v2,
        by=steward,
        summary="Clearer on informal groups and response times; cross-borough working rewritten.",
        consultation_opens_on=today - datetime.timedelta(days=7),
        consultation_closes_on=today + datetime.timedelta(days=21),
    )
    v2 = workflow.open_consultation(v2, by=steward)
    targets = {
        "standard": {s.code: s for s in v2.standards.all()},
        "theme": {t.title: t for t in v2.themes.all()},
    }
    for login, kind, target_kind, key, text, answer, response in COMMENTS:
        target = {target_kind: targets[target_kind][key]} if target_kind != "framework" else {}
        comment = workflow.add_comment(v2, by=consultees[login], kind=kind, text=text, **target)
        if answer:
            workflow.answer_comment(comment, by=steward, answer=answer, response=response or "")

    narrative = workflow.create_framework(
        by=steward,
        name="Equalities Network Peer Conversation",
        slug="equalities-conversation",
        purpose="A structured peer conversation for equalities networks: findings and recommendations, no grade.",
        owners=[owner],
        scoring_mode=Framework.ScoringMode.NARRATIVE,
    )
    n1 = narrative.versions.get()
    _import(n1, _csv_for(NARRATIVE), by=steward)
    workflow.update_version_details(
        n1,
        by=steward,
        summary="First version.",
        consultation_opens_on=today,
        consultation_closes_on=today + datetime.timedelta(days=14),
    )
    n1 = workflow.open_consultation(n1, by=steward)
    n1 = workflow.close_consultation_early(
        n1, by=steward, reason="Agreed at the networks' meeting; no comments needed."
    )
    workflow.publish_version(n1, by=steward)
    # Version 2 replaces version 1 (which is retired), and version 3 is being drafted.
    n2 = workflow.start_new_version(narrative, by=steward)
    workflow.update_version_details(
        n2,
        by=steward,
        summary="Wording agreed at the spring networks' meeting.",
        consultation_opens_on=today,
        consultation_closes_on=today + datetime.timedelta(days=14),
    )
    n2 = workflow.open_consultation(n2, by=steward)
    n2 = workflow.close_consultation_early(n2, by=steward, reason="No changes proposed by members.")
    workflow.publish_version(n2, by=steward)
    workflow.start_new_version(narrative, by=steward)
    return [scored, narrative]
