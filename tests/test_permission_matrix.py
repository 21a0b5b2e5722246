"""Every URL × every role: the status each person gets. A URL missing from MATRIX fails the suite.

Codes: 200 shown, 302 redirected (to sign in, or after a successful POST), 403 may see but not
act, 404 may not even know it exists, 405 wrong method.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import ROLE_FIXTURES
from tests.sessions import signed_in_client
from tests.shared_scene import *  # noqa: F403 - the module's scene and cast (fixtures)

pytestmark = pytest.mark.integration

ROLES = ["anonymous", *ROLE_FIXTURES]
EVERYONE_SIGNED_IN = {r: 200 for r in ROLE_FIXTURES} | {"anonymous": 302}


def only(allowed: dict[str, int], *, others: int, anonymous: int = 302) -> dict[str, int]:
    return {r: allowed.get(r, others) for r in ROLE_FIXTURES} | {"anonymous": anonymous}


def _r(name: str, key: str = "review", *extra: str):
    namespace = "reports" if name == "assessment-pdf" else "peerreview"
    return lambda s: reverse(f"{namespace}:{name}", args=[s[key].pk, *extra])


def _pr(allowed: dict[str, int], *, panel_and_contact: int = 403) -> dict[str, int]:
    """Peer review pages: people who cannot see the review get 404; those who can but may not act, 403."""
    viewers = {"coordinator", "administrator", "reviewer", "lead_reviewer", "contact"}
    return only({r: allowed.get(r, panel_and_contact) for r in viewers}, others=404)


HUB = {"coordinator": 200, "administrator": 200}
# The scene's finding is a draft by the lead at desk review: hidden from the other reviewer, who has
# not submitted, and from the organisation, whose draft report is not issued (issue #16).
DRAFT_HIDDEN = {"reviewer": 404, "contact": 404}
INTELLIGENCE = {r: 200 for r in ["coordinator", "administrator", "funder", "steward", "caseworker", "panel_member"]}
PANEL_HUB_CONTACT = {r: 200 for r in ["coordinator", "administrator", "reviewer", "lead_reviewer", "contact"]}


def _c(name: str, key: str = "case", *extra: str):
    return lambda s: reverse(f"casework:{name}", args=[s[key].pk, *extra])


LIFEBOAT = {"caseworker": 200, "panel_member": 200, "administrator": 200}


def _cw(allowed: dict[str, int]) -> dict[str, int]:
    """Confidential: outside the case team, the panel and administrators, a case does not exist (404)."""
    return only({r: allowed.get(r, 403) for r in LIFEBOAT}, others=404)


CASEWORK = {
    "casework:case-list": ("get", lambda s: reverse("casework:case-list"), only(LIFEBOAT, others=403)),
    "casework:referral-create": (
        "get",
        lambda s: reverse("casework:referral-create"),
        only({"caseworker": 200}, others=403),
    ),
    # Dismissing a referral: caseworkers (the panel and administrators see referrals but may not act).
    "casework:referral-dismiss": ("get", _c("referral-dismiss", "waiting_referral"), _cw({"caseworker": 200})),
    "casework:case-open": ("post", _c("case-open", "waiting_referral"), _cw({"caseworker": 302})),
    "casework:case-detail": ("get", _c("case-detail"), _cw(LIFEBOAT)),
    # Declining without signposting is refused with a message; people outside the move get 403.
    "casework:case-move": ("post", _c("case-move", "case", "decline"), _cw({"caseworker": 302, "panel_member": 302})),
    "casework:case-screening": ("get", _c("case-screening"), _cw({"caseworker": 200})),
    # Handing a case over: the case team, or an administrator while the owner is away.
    "casework:case-reassign": ("get", _c("case-reassign"), _cw({"caseworker": 200, "administrator": 200})),
    "casework:case-health-check": ("get", _c("case-health-check"), _cw({"caseworker": 200})),
    "casework:case-decide": ("get", _c("case-decide"), _cw({"panel_member": 200})),
    "casework:case-pathway": ("get", _c("case-pathway"), _cw({"panel_member": 200})),
    "casework:case-outcome": ("get", _c("case-outcome"), _cw({"caseworker": 200})),
    "casework:case-note": ("post", _c("case-note"), _cw({"caseworker": 302})),
    "casework:closure": ("get", _c("closure", "closing_case"), _cw(LIFEBOAT)),
    "casework:closure-facts": ("get", _c("closure-facts", "closing_case", "winding_down"), _cw({"caseworker": 200})),
    # approving the plan is the panel's (it is refused on its guards, hence the redirect), never the team's
    "casework:closure-move": ("post", _c("closure-move", "closing_case", "wind_down"), _cw({"panel_member": 302})),
    "casework:item-new": ("get", _c("item-new", "closing_case", "asset"), _cw({"caseworker": 200})),
    "casework:item-edit": (
        "get",
        lambda s: reverse("casework:item-edit", args=[s["item"].pk]),
        _cw({"caseworker": 200}),
    ),
    "casework:item-move": ("post", _c("item-move", "item", "ask_not_applicable"), _cw({"caseworker": 302})),
    "casework:item-compatible": (
        "get",
        _c("item-compatible", "item"),
        _cw({"caseworker": 200, "panel_member": 200}),
    ),
    "casework:task-new": ("get", _c("task-new", "closing_case"), _cw({"caseworker": 200})),
    "casework:task-edit": ("get", _c("task-edit", "task"), _cw({"caseworker": 200})),
    "casework:task-done": ("post", _c("task-done", "task"), _cw({"caseworker": 302})),
    "casework:document-new": ("get", _c("document-new", "closing_case"), _cw({"caseworker": 200})),
    "casework:document-download": ("get", _c("document-download", "document"), _cw(LIFEBOAT)),
    "casework:case-consent": ("get", _c("case-consent", "closing_case"), _cw({"caseworker": 200})),
    # Public: the legal rules the lifeboat applies, with their sources (no case, nothing confidential).
    "casework:rule-list": ("get", lambda s: reverse("casework:rule-list"), {r: 200 for r in ROLES}),
    "casework:case-timeline": ("get", _c("case-timeline", "closing_case"), _cw(LIFEBOAT)),
    "casework:decision-log-csv": ("get", _c("decision-log-csv", "closing_case"), _cw(LIFEBOAT)),
    "reports:case-pdf": (
        "get",
        lambda s: reverse("reports:case-pdf", args=[s["closing_case"].pk, "closure"]),
        _cw(LIFEBOAT),
    ),
}
PEER_REVIEW = {
    "peerreview:review-list": ("get", lambda s: reverse("peerreview:review-list"), EVERYONE_SIGNED_IN),
    "peerreview:review-create": ("get", lambda s: reverse("peerreview:review-create"), only(HUB, others=403)),
    "peerreview:review-detail": ("get", _r("review-detail"), _pr(PANEL_HUB_CONTACT)),
    "peerreview:review-scope": ("get", _r("review-scope"), _pr(HUB)),
    # The scene's review is at desk review, too early to renew: hub staff get a message and a redirect.
    "peerreview:review-renew": ("post", _r("review-renew"), _pr({"coordinator": 302, "administrator": 302})),
    "peerreview:review-move": (
        "post",
        _r("review-move", "review", "hold"),
        _pr({"coordinator": 302, "administrator": 302}),
    ),
    "peerreview:assignment-invite": ("get", _r("assignment-invite"), _pr(HUB)),
    "peerreview:self-assessment": ("get", _r("self-assessment"), _pr(PANEL_HUB_CONTACT)),
    "peerreview:evidence-upload": ("get", _r("evidence-upload"), _pr(PANEL_HUB_CONTACT)),
    "peerreview:review-visit": ("get", _r("review-visit"), _pr({**HUB, "lead_reviewer": 200})),
    "peerreview:review-moderation": (
        "get",
        _r("review-moderation"),
        _pr({r: 302 for r in ["coordinator", "administrator", "reviewer", "lead_reviewer"]}),
    ),
    "peerreview:finding-create": ("get", _r("finding-create"), _pr({**HUB, "reviewer": 200, "lead_reviewer": 200})),
    "peerreview:review-replies": ("get", _r("review-replies"), _pr(PANEL_HUB_CONTACT)),
    # The review panel's lead proposes the outcome; the hub decides no judgement.
    "peerreview:review-outcome": ("get", _r("review-outcome"), _pr({"lead_reviewer": 200})),
    "peerreview:review-publish": ("get", _r("review-publish"), _pr(HUB)),
    "peerreview:action-create": ("get", _r("action-create"), _pr({**HUB, "contact": 200})),
    # Lifeboat referral from a review goes through the coordinator (the lead may not refer quietly).
    "peerreview:review-refer": ("get", _r("review-refer"), _pr(HUB)),
    # The organisation appeals (the window note shows while the review is unpublished); the appeals
    # group sees a review only once an appeal is lodged.
    # Public, signed out: a report only with the organisation's consent to publish (the scene's review
    # is unpublished, so nobody finds it), and the register of current quality awards.
    "peerreview:public-report": ("get", _r("public-report"), {r: 404 for r in ROLES}),
    "peerreview:award-register": ("get", lambda s: reverse("peerreview:award-register"), {r: 200 for r in ROLES}),
    "peerreview:review-appeal": ("get", _r("review-appeal"), _pr({"contact": 200})),
    # The organisation's own rights: its management response and its consents (never the hub's).
    "peerreview:review-response": ("get", _r("review-response"), _pr({"contact": 200})),
    "peerreview:review-consent": ("get", _r("review-consent"), _pr({"contact": 200})),
    "peerreview:consent-withdraw": ("post", _r("consent-withdraw", "consent"), _pr({"contact": 302})),
    "peerreview:review-report": ("get", _r("review-report"), _pr({}, panel_and_contact=404)),
    "peerreview:assignment-respond": ("get", _r("assignment-respond", "lead_assignment"), _pr({"lead_reviewer": 200})),
    "peerreview:assignment-score": ("get", _r("assignment-score", "lead_assignment"), _pr({"lead_reviewer": 200})),
    "peerreview:assignment-move": (
        "post",
        _r("assignment-move", "lead_assignment", "replace"),
        _pr({"coordinator": 302, "administrator": 302}),
    ),
    # The hub's remedy when a lead cannot go on: appoint another panel member (the scene's lead
    # already leads, so hub staff get a message and a redirect; the panel may not, 403).
    "peerreview:assignment-appoint-lead": (
        "post",
        _r("assignment-appoint-lead", "lead_assignment"),
        _pr({"coordinator": 302, "administrator": 302}),
    ),
    "peerreview:evidence-download": ("get", _r("evidence-download", "evidence"), _pr(PANEL_HUB_CONTACT)),
    "peerreview:finding-agree": (
        "post",
        _r("finding-agree", "finding"),
        # A draft finding is its author's and the hub's (issue #16): 404 to the others. Only the
        # lead agrees it: the hub sees it but decides no judgement (403, issue #17).
        _pr({"lead_reviewer": 302, **DRAFT_HIDDEN}),
    ),
    # Challenges are decided by a quality panel member not on the visit; the scene's review is still
    # at desk review, which the quality panel does not see yet (404), and the hub may not decide (403).
    "peerreview:reply-decide": ("get", _r("reply-decide", "reply"), _pr({})),
    "peerreview:extension-decide": ("get", _r("extension-decide", "extension"), _pr(HUB)),
    "peerreview:action-move": (
        "post",
        _r("action-move", "action", "agree"),
        _pr({"coordinator": 302, "administrator": 302}),
    ),
}


def _api(allowed: dict[str, int], *, others: int) -> dict[str, int]:
    """API endpoints: without a token or session, 401."""
    return only(allowed, others=others, anonymous=401)


def _apr(allowed: dict[str, int], *, viewers: int = 403) -> dict[str, int]:
    """API peer review endpoints: like the pages, 404 to people who cannot see the review."""
    seen = {"coordinator", "administrator", "reviewer", "lead_reviewer", "contact"}
    return _api({r: allowed.get(r, viewers) for r in seen}, others=404)


def _acw(allowed: dict[str, int]) -> dict[str, int]:
    """API lifeboat endpoints: confidential, exactly as the pages (404 outside the team, panel, admins)."""
    return _api({r: allowed.get(r, 403) for r in LIFEBOAT}, others=404)


def _u(name: str, key: str | None = None, *extra: str):
    return lambda s: reverse(f"api:{name}", args=[*([s[key].pk] if key else []), *extra])


API_SIGNED_IN = _api({r: 200 for r in ROLE_FIXTURES}, others=200)
API_REVIEW_VIEWERS = _apr({r: 200 for r in PANEL_HUB_CONTACT})
HUB_400 = {"coordinator": 400, "administrator": 400}
API = {
    "api-schema": ("get", lambda s: reverse("api-schema"), {r: 200 for r in ROLES}),
    "api-docs": ("get", lambda s: reverse("api-docs"), {r: 200 for r in ROLES}),
    "api:token-page": ("get", _u("token-page"), EVERYONE_SIGNED_IN),
    "api:token-revoke": ("post", _u("token-revoke", "token"), only({"contact": 302}, others=404)),
    "api:token-list": ("get", _u("token-list"), API_SIGNED_IN),
    "api:token-detail": ("get", _u("token-detail", "token"), _api({"contact": 200}, others=404)),
    "api:organisation-list": ("get", _u("organisation-list"), API_SIGNED_IN),
    "api:organisation-detail": ("get", _u("organisation-detail", "reviewed_org"), API_SIGNED_IN),
    "api:borough-list": ("get", _u("borough-list"), API_SIGNED_IN),
    "api:borough-detail": ("get", lambda s: reverse("api:borough-detail", args=["E09000007"]), API_SIGNED_IN),
    "api:framework-list": ("get", _u("framework-list"), API_SIGNED_IN),
    "api:framework-detail": (
        "get",
        lambda s: reverse("api:framework-detail", args=[s["version"].framework_id]),
        API_SIGNED_IN,
    ),
    "api:frameworkversion-list": ("get", _u("frameworkversion-list"), API_SIGNED_IN),
    "api:frameworkversion-detail": ("get", _u("frameworkversion-detail", "version"), API_SIGNED_IN),
    # The consultation is still open and a comment unanswered: those who may publish hear why not (409).
    "api:frameworkversion-transition": (
        "post",
        _u("frameworkversion-transition", "version", "publish"),
        _api({"steward": 409, "administrator": 409}, others=403),
    ),
    "api:review-list": ("get", _u("review-list"), API_SIGNED_IN),
    "api:review-detail": ("get", _u("review-detail", "review"), API_REVIEW_VIEWERS),
    # Holding needs a reason: those who may hold get 400 naming the field.
    "api:review-transition": ("post", _u("review-transition", "review", "hold"), _apr(HUB_400)),
    "api:review-scope": ("put", _u("review-scope", "review"), _apr(HUB_400)),
    "api:review-assignments": ("get", _u("review-assignments", "review"), API_REVIEW_VIEWERS),
    "api:review-self-assessment": ("get", _u("review-self-assessment", "review"), API_REVIEW_VIEWERS),
    # At desk review the self-assessment is frozen: the contact hears so (400).
    "api:review-self-assessment-submit": (
        "post",
        _u("review-self-assessment-submit", "review"),
        _apr({"contact": 400}),
    ),
    "api:review-visit": ("put", _u("review-visit", "review"), _apr({**HUB_400, "lead_reviewer": 400})),
    "api:review-moderated-ratings": (
        "get",
        _u("review-moderated-ratings", "review"),
        _apr({r: 200 for r in ["coordinator", "administrator", "reviewer", "lead_reviewer"]}),
    ),
    "api:review-findings": ("get", _u("review-findings", "review"), API_REVIEW_VIEWERS),
    # Contacts draft replies; only the nominated responsible person signs them off (a refusal, 400).
    "api:review-replies-submit": ("post", _u("review-replies-submit", "review"), _apr({"contact": 400})),
    # Replies are the organisation's: the contact hears what the (empty) body lacks (400).
    "api:review-replies": ("put", _u("review-replies", "review"), _apr({"contact": 400})),
    "api:review-outcome": ("put", _u("review-outcome", "review"), _apr({"lead_reviewer": 400})),
    "api:review-actions": ("get", _u("review-actions", "review"), API_REVIEW_VIEWERS),
    # No published report yet: nobody gets a PDF.
    "api:review-assessment-pdf": ("get", _u("review-assessment-pdf", "review"), _apr({}, viewers=404)),
    "api:assignment-list": ("get", _u("assignment-list"), API_SIGNED_IN),
    "api:assignment-detail": ("get", _u("assignment-detail", "lead_assignment"), API_REVIEW_VIEWERS),
    "api:assignment-transition": ("post", _u("assignment-transition", "lead_assignment", "replace"), _apr(HUB_400)),
    "api:assignment-ratings": ("get", _u("assignment-ratings", "lead_assignment"), API_REVIEW_VIEWERS),
    "api:finding-list": ("get", _u("finding-list"), API_SIGNED_IN),
    "api:finding-detail": ("get", _u("finding-detail", "finding"), {**API_REVIEW_VIEWERS, **DRAFT_HIDDEN}),
    # The page's row above has just agreed the finding (and the action): agreeing again is a conflict
    # (409) for the lead; the hub may not agree findings at all (403, issue #17).
    "api:finding-transition": (
        "post",
        _u("finding-transition", "finding", "agree"),
        _apr({"lead_reviewer": 409, **DRAFT_HIDDEN}),
    ),
    "api:finding-reply": ("put", _u("finding-reply", "finding"), _apr(DRAFT_HIDDEN)),
    "api:finding-reply-decision": ("post", _u("finding-reply-decision", "finding"), _apr(DRAFT_HIDDEN)),
    "api:action-list": ("get", _u("action-list"), API_SIGNED_IN),
    "api:action-detail": ("get", _u("action-detail", "action"), API_REVIEW_VIEWERS),
    "api:action-transition": (
        "post",
        _u("action-transition", "action", "agree"),
        _apr({"coordinator": 409, "administrator": 409}),
    ),
    "api:referral-list": ("get", _u("referral-list"), API_SIGNED_IN),
    "api:referral-detail": ("get", _u("referral-detail", "waiting_referral"), _acw(LIFEBOAT)),
    # The page's row above has just opened this referral's case, so the caseworker hears it is open (400).
    "api:referral-open": ("post", _u("referral-open", "waiting_referral"), _acw({"caseworker": 400})),
    # Dismissing needs a reason: caseworkers hear it is missing (400).
    "api:referral-dismiss": ("post", _u("referral-dismiss", "waiting_referral"), _acw({"caseworker": 400})),
    "api:case-list": ("get", _u("case-list"), API_SIGNED_IN),
    "api:case-detail": ("get", _u("case-detail", "case"), _acw(LIFEBOAT)),
    # Declining without signposting is refused (400); people outside the move get 403.
    "api:case-transition": (
        "post",
        _u("case-transition", "case", "decline"),
        _acw({"caseworker": 400, "panel_member": 400}),
    ),
    "api:case-notes": ("get", _u("case-notes", "case"), _acw(LIFEBOAT)),
    # Handing over needs the new owner and a reason (400) from the case team or an administrator.
    "api:case-owner": ("post", _u("case-owner", "case"), _acw({"caseworker": 400, "administrator": 400})),
    # Case writes: those who may make them get 400 for the empty body (what is missing), others 403/404.
    "api:case-screening": ("put", _u("case-screening", "case"), _acw({"caseworker": 400})),
    "api:case-health-check": ("put", _u("case-health-check", "case"), _acw({"caseworker": 400})),
    # Four eyes: the panel chooses, never the caseworker who triaged the case.
    "api:case-pathway": ("put", _u("case-pathway", "case"), _acw({"panel_member": 400})),
    "api:case-pathway-changes": ("get", _u("case-pathway-changes", "closing_case"), _acw(LIFEBOAT)),
    "api:case-outcome": ("put", _u("case-outcome", "closing_case"), _acw({"caseworker": 400})),
    "api:case-funder-consent": ("put", _u("case-funder-consent", "closing_case"), _acw({"caseworker": 400})),
    "api:case-tasks": ("get", _u("case-tasks", "closing_case"), _acw(LIFEBOAT)),
    "api:case-documents": ("get", _u("case-documents", "closing_case"), _acw(LIFEBOAT)),
    "api:task-list": ("get", _u("task-list"), API_SIGNED_IN),
    "api:task-detail": ("get", _u("task-detail", "task"), _acw(LIFEBOAT)),
    # The page's row above has just done this task, so the caseworker hears it is done (400).
    "api:task-complete": ("post", _u("task-complete", "task"), _acw({"caseworker": 400})),
    "api:task-change": ("put", _u("task-change", "task"), _acw({"caseworker": 400})),
    "api:casedocument-list": ("get", _u("casedocument-list"), API_SIGNED_IN),
    "api:casedocument-detail": ("get", _u("casedocument-detail", "document"), _acw(LIFEBOAT)),
    "api:casedocument-download": ("get", _u("casedocument-download", "document"), _acw(LIFEBOAT)),
    "api:closure-list": ("get", _u("closure-list"), API_SIGNED_IN),
    "api:closure-detail": ("get", _u("closure-detail", "closure"), _acw(LIFEBOAT)),
    # Approving the plan is the panel's; the plan is not ready, so the panel hears which guard (409).
    "api:closure-transition": (
        "post",
        _u("closure-transition", "closure", "wind_down"),
        _acw({"panel_member": 409}),
    ),
    # Every winding-down fact is optional: an empty body changes nothing and succeeds for the team.
    "api:closure-facts": ("put", _u("closure-facts", "closure", "winding_down"), _acw({"caseworker": 200})),
    "api:closure-items": ("get", _u("closure-items", "closure"), _acw(LIFEBOAT)),
    "api:registeritem-list": ("get", _u("registeritem-list"), API_SIGNED_IN),
    "api:registeritem-detail": ("get", _u("registeritem-detail", "item"), _acw(LIFEBOAT)),
    # Asking for "not applicable" needs a reason: the team hears so (400); the panel may not ask.
    "api:registeritem-transition": (
        "post",
        _u("registeritem-transition", "item", "ask_not_applicable"),
        _acw({"caseworker": 400}),
    ),
    "api:registeritem-compatible": (
        "post",
        _u("registeritem-compatible", "item"),
        _acw({"caseworker": 400, "panel_member": 400}),
    ),
    "api:assessment-list": ("get", _u("assessment-list"), API_SIGNED_IN),
    "api:assessment-detail": ("get", lambda s: reverse("api:assessment-detail", args=[999999]), _api({}, others=404)),
    "api:intelligence-list": ("get", _u("intelligence-list"), _api(INTELLIGENCE, others=403)),
    "api:intelligence-detail": (
        "get",
        lambda s: reverse("api:intelligence-detail", args=["ratings"]),
        _api(INTELLIGENCE, others=403),
    ),
}


# name -> (method, how to build the URL from the scene, expected status by role)
MATRIX = {
    "home": ("get", lambda s: reverse("home"), EVERYONE_SIGNED_IN),
    "audit-log": ("get", lambda s: reverse("audit-log"), only({"administrator": 200}, others=403)),
    "login": ("get", lambda s: reverse("login"), {r: 302 for r in ROLE_FIXTURES} | {"anonymous": 200}),
    "logout": ("post", lambda s: reverse("logout"), {r: 302 for r in ROLES}),
    "password_change": ("get", lambda s: reverse("password_change"), EVERYONE_SIGNED_IN),
    # Signed-in test clients have passed the second factor (tests/conftest.py): both steps show.
    "two-factor": ("get", lambda s: reverse("two-factor"), EVERYONE_SIGNED_IN),
    "two-factor-setup": ("get", lambda s: reverse("two-factor-setup"), EVERYONE_SIGNED_IN),
    "two-factor-recovery-codes": ("get", lambda s: reverse("two-factor-recovery-codes"), EVERYONE_SIGNED_IN),
    "password_change_done": ("get", lambda s: reverse("password_change_done"), EVERYONE_SIGNED_IN),
    "password_reset": ("get", lambda s: reverse("password_reset"), {r: 200 for r in ROLES}),
    "password_reset_done": ("get", lambda s: reverse("password_reset_done"), {r: 200 for r in ROLES}),
    "password_reset_confirm": (
        "get",
        lambda s: reverse("password_reset_confirm", args=["MQ", "bad-token"]),
        {r: 200 for r in ROLES},
    ),
    "privacy": ("get", lambda s: reverse("privacy"), {r: 200 for r in ROLES}),
    "cookies": ("get", lambda s: reverse("cookies"), {r: 200 for r in ROLES}),
    "accessibility": ("get", lambda s: reverse("accessibility"), {r: 200 for r in ROLES}),
    "health": ("get", lambda s: reverse("health") + "?format=json", {r: 200 for r in ROLES}),
    "invitation-accept": (
        "get",
        lambda s: reverse("invitation-accept", args=["MQ", "bad-token"]),
        {r: 200 for r in ROLES},
    ),
    "password_reset_complete": ("get", lambda s: reverse("password_reset_complete"), {r: 200 for r in ROLES}),
    "organisations:organisation-list": (
        "get",
        lambda s: reverse("organisations:organisation-list"),
        EVERYONE_SIGNED_IN,
    ),
    "organisations:organisation-create": (
        "get",
        lambda s: reverse("organisations:organisation-create"),
        only({"administrator": 200}, others=403),
    ),
    "organisations:organisation-detail": (
        "get",
        lambda s: reverse("organisations:organisation-detail", args=[s["reviewed_org"].pk]),
        EVERYONE_SIGNED_IN,
    ),
    "organisations:organisation-edit": (
        "get",
        lambda s: reverse("organisations:organisation-edit", args=[s["reviewed_org"].pk]),
        only({"administrator": 200, "coordinator": 200, "contact": 200}, others=403),
    ),
    "organisations:borough-list": ("get", lambda s: reverse("organisations:borough-list"), EVERYONE_SIGNED_IN),
    "organisations:borough-detail": (
        "get",
        lambda s: reverse("organisations:borough-detail", args=["E09000007"]),
        EVERYONE_SIGNED_IN,
    ),
    "organisations:person-list": (
        "get",
        lambda s: reverse("organisations:person-list"),
        only({"administrator": 200, "coordinator": 200, "caseworker": 200}, others=403),
    ),
    "organisations:person-create": (
        "get",
        lambda s: reverse("organisations:person-create"),
        only({"administrator": 200}, others=403),
    ),
    "organisations:person-detail": (
        "get",
        lambda s: reverse("organisations:person-detail", args=[s["contact"].pk]),
        only({"administrator": 200, "coordinator": 200, "caseworker": 200, "contact": 200}, others=404),
    ),
    "organisations:membership-add": (
        "get",
        lambda s: reverse("organisations:membership-add", args=[s["contact"].pk]),
        only({"administrator": 200, "coordinator": 403, "caseworker": 403, "contact": 403}, others=404),
    ),
    "organisations:person-invite": (
        "post",
        lambda s: reverse("organisations:person-invite", args=[s["contact"].pk]),
        only({"administrator": 302, "coordinator": 403, "caseworker": 403, "contact": 403}, others=404),
    ),
    "organisations:person-invitation-revoke": (
        "post",
        lambda s: reverse("organisations:person-invitation-revoke", args=[s["contact"].pk]),
        only({"administrator": 302, "coordinator": 403, "caseworker": 403, "contact": 403}, others=404),
    ),
    "organisations:membership-end": (
        "post",
        lambda s: reverse("organisations:membership-end", args=[s["contact"].memberships.get().pk]),
        only({"administrator": 302}, others=403),
    ),
    "organisations:conflict-list": ("get", lambda s: reverse("organisations:conflict-list"), EVERYONE_SIGNED_IN),
    "organisations:conflict-declare": ("get", lambda s: reverse("organisations:conflict-declare"), EVERYONE_SIGNED_IN),
    "organisations:conflict-end": (
        "post",
        lambda s: reverse("organisations:conflict-end", args=[s["declaration"].pk]),
        only({"administrator": 302, "coordinator": 302, "contact": 302}, others=404),
    ),
    "standards:framework-list": ("get", lambda s: reverse("standards:framework-list"), {r: 200 for r in ROLES}),
    "standards:framework-create": (
        "get",
        lambda s: reverse("standards:framework-create"),
        only({"steward": 200, "administrator": 200}, others=403),
    ),
    "standards:framework-detail": ("get", lambda s: _v(s, "framework-detail", slug_only=True), {r: 200 for r in ROLES}),
    "standards:version-create": (
        "post",
        lambda s: _v(s, "version-create", slug_only=True),
        only({"steward": 302, "administrator": 302}, others=403),
    ),
    "standards:version-detail": ("get", lambda s: _v(s, "version-detail"), {r: 200 for r in ROLES}),
    "standards:version-edit": (
        "get",
        lambda s: _v(s, "version-edit"),
        only({"steward": 200, "administrator": 200}, others=403),
    ),
    "standards:version-import": (
        "get",
        lambda s: reverse("standards:version-import", args=[s["draft"].framework.slug, s["draft"].number]),
        only({"steward": 200, "administrator": 200, "coordinator": 403}, others=404),
    ),
    "standards:version-export": (
        "get",
        lambda s: reverse("standards:version-export", args=[s["version"].framework.slug, s["version"].number, "xlsx"]),
        {r: 200 for r in ROLES},
    ),
    "standards:version-changes": ("get", lambda s: _v(s, "version-changes"), {r: 200 for r in ROLES}),
    "standards:version-you-said": ("get", lambda s: _v(s, "version-you-said"), {r: 200 for r in ROLES}),
    "standards:comment-create": (
        "get",
        lambda s: _v(s, "comment-create"),
        # The quality panel and appeals group fixtures are accredited reviewers too, so they may comment.
        only(
            {
                r: 200
                for r in [
                    "participant",
                    "contact",
                    "reviewer",
                    "lead_reviewer",
                    "funder",
                    "steward",
                    "coordinator",
                    "quality_panel_member",
                    "appeals_member",
                ]
            },
            others=403,
        ),
    ),
    "standards:comment-answer": (
        "get",
        lambda s: reverse("standards:comment-answer", args=[s["comment"].pk]),
        only({"steward": 200, "administrator": 200}, others=404),
    ),
    "standards:version-close-early": (
        "post",
        lambda s: _v(s, "version-close-early"),
        only({"steward": 302, "administrator": 302}, others=403),
    ),
    "standards:version-transition": (
        "post",
        lambda s: reverse(
            "standards:version-transition", args=[s["version"].framework.slug, s["version"].number, "publish"]
        ),
        only({"steward": 302, "administrator": 302}, others=403),
    ),
    **PEER_REVIEW,
    **CASEWORK,
    **API,
    # The scene's review has no published report yet: nobody gets a PDF.
    "reports:assessment-pdf": ("get", _r("assessment-pdf"), only({}, others=404)),
    # Public; an unknown fingerprint is "not genuine" for everyone.
    "reports:verify": ("get", lambda s: reverse("reports:verify", args=["0" * 64]), {r: 404 for r in ROLES}),
    "reports:intelligence": ("get", lambda s: reverse("reports:intelligence"), only(INTELLIGENCE, others=403)),
    "reports:annual-report": (
        "get",
        lambda s: reverse("reports:annual-report", args=[2026]),
        only(INTELLIGENCE, others=403),
    ),
    "reports:intelligence-download": (
        "get",
        lambda s: reverse("reports:intelligence-download", args=["ratings", "csv"]),
        only(INTELLIGENCE, others=403),
    ),
    # Django's admin sends everyone else to its login page, which refuses signed-in non-administrators.
    "admin:index": ("get", lambda s: reverse("admin:index"), only({"administrator": 200}, others=302)),
}


# --- Turnaround and interim management --
def _pw(name: str, *keys: str, extra: tuple[str, ...] = ()):
    """A turnaround or interim URL: the case first, then any sub-objects, then literal arguments."""

    def build(s: dict) -> str:
        case = s["interim_case"] if name.startswith(("interim", "candidate")) else s["turnaround_case"]
        return reverse(f"casework:{name}", args=[case.pk, *[s[k].pk for k in keys], *extra])

    return build


TEAM_ONLY = {"caseworker": 200}
PATHWAYS = {
    "casework:turnaround": ("get", _pw("turnaround"), _cw(LIFEBOAT)),
    "casework:turnaround-edit": ("get", _pw("turnaround-edit"), _cw(TEAM_ONLY)),
    # Diagnosis is over: the move does not exist from here, so the team gets a message; others 403.
    "casework:turnaround-move": (
        "post",
        _pw("turnaround-move", extra=("implement",)),
        _cw({"caseworker": 302}),
    ),
    "casework:turnaround-evidence": ("get", _pw("turnaround-evidence"), _cw(TEAM_ONLY)),
    "casework:milestone-add": ("get", _pw("milestone-add"), _cw(TEAM_ONLY)),
    "casework:milestone-edit": ("get", _pw("milestone-edit", "milestone"), _cw(TEAM_ONLY)),
    "casework:grant-request": ("get", _pw("grant-request"), _cw(TEAM_ONLY)),
    # Four eyes: the caseworker asked for it, so only the panel may consider it.
    "casework:grant-approve": ("get", _pw("grant-approve", "grant_requested"), _cw({"panel_member": 200})),
    "casework:grant-monitoring": ("get", _pw("grant-monitoring", "grant_approved"), _cw(TEAM_ONLY)),
    # Refusing without a reason gives the panel a message; the requester and administrators get 403.
    "casework:grant-move": (
        "post",
        _pw("grant-move", "grant_requested", extra=("refuse",)),
        _cw({"panel_member": 302}),
    ),
    "casework:tranche-add": ("get", _pw("tranche-add", "grant_approved"), _cw(TEAM_ONLY)),
    "casework:tranche-release": ("post", _pw("tranche-release", "tranche"), _cw({"caseworker": 302})),
    "casework:grant-export": ("get", _pw("grant-export"), _cw(LIFEBOAT)),
    "casework:grant-export-all": (
        "get",
        lambda s: reverse("casework:grant-export-all"),
        only({"panel_member": 200, "administrator": 200}, others=404),
    ),
    "casework:interim": ("get", _pw("interim"), _cw(LIFEBOAT)),
    "casework:interim-edit": ("get", _pw("interim-edit"), _cw(TEAM_ONLY)),
    # Matching is refused for want of candidates (a message for the team); others 403.
    "casework:interim-move": ("post", _pw("interim-move", extra=("match",)), _cw({"caseworker": 302})),
    "casework:interim-evidence": ("get", _pw("interim-evidence"), _cw(TEAM_ONLY)),
    "casework:candidate-add": ("get", _pw("candidate-add"), _cw(TEAM_ONLY)),
    "casework:candidate-edit": ("get", _pw("candidate-edit", "candidate"), _cw(TEAM_ONLY)),
    "casework:candidate-choose": ("post", _pw("candidate-choose", "candidate"), _cw({"caseworker": 302})),
    "casework:interim-review-add": ("get", _pw("interim-review-add"), _cw(TEAM_ONLY)),
}
MATRIX.update(PATHWAYS)

# The organisation's own part in its case (issue 17): the scene's turnaround case is the reviewed
# organisation's, decided by the panel, so its contact takes part; everyone else, the case team
# included, gets the 404 of a case that does not exist.
OUR_CASE = {"contact": 200}
ORGANISATION = {
    "casework:our-case": ("get", _pw("our-case"), only(OUR_CASE, others=404)),
    "casework:our-case-consent": ("get", _pw("our-case-consent"), only(OUR_CASE, others=404)),
    "casework:our-case-evidence": ("get", _pw("our-case-evidence"), only(OUR_CASE, others=404)),
    # The board sponsor (the nominated responsible person) signs off; a plain contact may not (403).
    "casework:our-case-sign-off": ("post", _pw("our-case-sign-off", "milestone"), only({"contact": 403}, others=404)),
    # The scene's 13-week cash forecast, in one of the organisation's own slots.
    "casework:our-case-document": (
        "get",
        lambda s: reverse(
            "casework:our-case-document",
            args=[s["turnaround_case"].pk, s["turnaround_case"].documents.get(slot="cash_forecast").pk],
        ),
        only(OUR_CASE, others=404),
    ),
}
MATRIX.update(ORGANISATION)


def _apw(name: str, key: str, *extra: str):
    """An API address of a turnaround or interim record (or one of their rows) in the pathway scene."""

    def build(s: dict) -> str:
        records = {"turnaround": s["turnaround_case"].turnaround, "interim": s["interim_case"].interim}
        return reverse(f"api:{name}", args=[(records.get(key) or s[key]).pk, *extra])

    return build


API_PATHWAYS = {
    "api:turnaround-list": ("get", _u("turnaround-list"), API_SIGNED_IN),
    "api:turnaround-detail": ("get", _apw("turnaround-detail", "turnaround"), _acw(LIFEBOAT)),
    # As on the page: the team hears the unmet guards (409); others may not make the move (403).
    "api:turnaround-transition": (
        "post",
        _apw("turnaround-transition", "turnaround", "implement"),
        _acw({"caseworker": 409}),
    ),
    "api:turnaround-milestones": ("get", _apw("turnaround-milestones", "turnaround"), _acw(LIFEBOAT)),
    "api:turnaround-grants": ("get", _apw("turnaround-grants", "turnaround"), _acw(LIFEBOAT)),
    "api:milestone-list": ("get", _u("milestone-list"), API_SIGNED_IN),
    "api:milestone-detail": ("get", _apw("milestone-detail", "milestone"), _acw(LIFEBOAT)),
    "api:grant-list": ("get", _u("grant-list"), API_SIGNED_IN),
    "api:grant-detail": ("get", _apw("grant-detail", "grant_requested"), _acw(LIFEBOAT)),
    # Four eyes: the caseworker asked for it; the panel must give a reason to refuse (400).
    "api:grant-transition": (
        "post",
        _apw("grant-transition", "grant_requested", "refuse"),
        _acw({"panel_member": 400}),
    ),
    "api:grant-approve": ("post", _apw("grant-approve", "grant_requested"), _acw({"panel_member": 400})),
    "api:grant-monitoring": ("put", _apw("grant-monitoring", "grant_approved"), _acw({"caseworker": 400})),
    "api:grant-tranches": ("get", _apw("grant-tranches", "grant_approved"), _acw(LIFEBOAT)),
    "api:tranche-list": ("get", _u("tranche-list"), API_SIGNED_IN),
    "api:tranche-detail": ("get", _apw("tranche-detail", "tranche"), _acw(LIFEBOAT)),
    # The page's row above has just released it: releasing again is a conflict (409).
    "api:tranche-transition": ("post", _apw("tranche-transition", "tranche", "release"), _acw({"caseworker": 409})),
    "api:interim-list": ("get", _u("interim-list"), API_SIGNED_IN),
    "api:interim-detail": ("get", _apw("interim-detail", "interim"), _acw(LIFEBOAT)),
    # Matching is refused for want of candidates (409 naming the guards); others 403.
    "api:interim-transition": ("post", _apw("interim-transition", "interim", "match"), _acw({"caseworker": 409})),
    "api:interim-candidates": ("get", _apw("interim-candidates", "interim"), _acw(LIFEBOAT)),
    # No candidate named in the (empty) body: the team gets 400; others may not choose (403).
    "api:interim-choose": ("post", _apw("interim-choose", "interim"), _acw({"caseworker": 400})),
    "api:interim-reviews": ("get", _apw("interim-reviews", "interim"), _acw(LIFEBOAT)),
    "api:candidate-list": ("get", _u("candidate-list"), API_SIGNED_IN),
    "api:candidate-detail": ("get", _apw("candidate-detail", "candidate"), _acw(LIFEBOAT)),
}
MATRIX.update(API_PATHWAYS)


def _v(scene: dict, name: str, *, slug_only: bool = False) -> str:
    version = scene["version"]
    args = [version.framework.slug] if slug_only else [version.framework.slug, version.number]
    return reverse(f"standards:{name}", args=args)


def _url_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            if pattern.namespace == "admin":
                continue  # the admin is one entry ("admin:index"), tested separately in depth
            names |= _url_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{prefix}{pattern.name}")
    return names


def test_every_url_is_in_the_matrix():
    missing = _url_names(get_resolver()) - set(MATRIX)
    assert missing == set(), f"add these URLs to MATRIX: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, request, scene):
    person = None if role == "anonymous" else request.getfixturevalue(role)
    actual, expected = {}, {}
    for name, (method, build, statuses) in MATRIX.items():
        client = signed_in_client(request, person)  # a session of its own: logout must not leak into the next URL
        url = build(scene)
        # API writes send an empty JSON object: who may act gets 400 (what is missing), others 403/404.
        body = {"data": {}, "content_type": "application/json"} if method != "get" and url.startswith("/api/") else {}
        response = getattr(client, method)(url, **body)
        actual[name], expected[name] = response.status_code, statuses[role]
    assert actual == expected


@pytest.mark.parametrize("name", [n for n, (method, _, _) in MATRIX.items() if method == "post" and n != "logout"])
def test_post_only_routes_refuse_get(name, scene, administrator, client_for):
    _, build, _ = MATRIX[name]
    assert client_for(administrator).get(build(scene)).status_code == 405


def test_anonymous_requests_are_sent_to_sign_in(client):
    response = client.get(reverse("organisations:organisation-list"))
    assert response["Location"] == "/accounts/login/?next=/organisations/"


@pytest.mark.parametrize("role", ["coordinator", "outsider"])
def test_admin_refuses_signed_in_people_without_the_administrator_role(role, request, client_for):
    response = client_for(request.getfixturevalue(role)).get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_admin_login_sends_anonymous_people_to_the_one_sign_in_page(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
