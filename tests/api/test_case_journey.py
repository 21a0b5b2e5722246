"""Done when: with tokens only, a caseworker and a panel member take a lifeboat case from referral
through an orderly closure (registers settled, the bank account last, final accounts and dissolution
documents filed, dissolution confirmed by the panel) to closed. Mirrors tests/scenes.py
closure_dissolved and tests/casework/test_closure.py."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import Case, Closure, RegisterItem
from core.models import AuditEvent

pytestmark = pytest.mark.e2e

TODAY = timezone.localdate()


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json()


def _post(api: APIClient, url: str, body: dict | None = None, status: int = 200) -> dict:
    return _ok(api.post(url, body or {}, format="json"), status)


def _move(api: APIClient, url: str, name: str, **body) -> dict:
    return _post(api, f"{url}transitions/{name}/", body)


def _names(obj: dict) -> set[str]:
    return {t["name"] for t in obj["transitions"]}


def _upload(api: APIClient, case_url: str, slot: str, title: str) -> dict:
    pdf = SimpleUploadedFile(f"{slot}.pdf", b"%PDF-1.4\n%" + slot.encode() + b"\n", content_type="application/pdf")
    body = {"slot": slot, "title": title, "dated_on": TODAY.isoformat(), "upload": pdf}
    return _ok(api.post(f"{case_url}documents/", body, format="multipart"), 201)


def test_a_script_takes_a_case_from_referral_through_an_orderly_closure_to_closed(
    api_for, caseworker, panel_member, outsider, reviewed_org, reviewer_org, funder
):
    team, panel, nobody = api_for(caseworker), api_for(panel_member), api_for(outsider)
    funder_org = funder.memberships.get().organisation

    # Referral, case, screening, triage.
    referral = _post(
        team,
        "/api/v1/referrals/",
        {"organisation": reviewed_org.pk, "source": "cvs", "concerns": "Cash is running out."},
        201,
    )
    case = _post(team, f"/api/v1/referrals/{referral['id']}/open/", status=201)
    url = f"/api/v1/cases/{case['id']}/"
    assert nobody.get(url).status_code == 404  # confidential, exactly like the page
    refused = team.post(f"{url}transitions/screen/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "guard_unmet"
    assert refused.json()["guards"] == ["The organisation's legal form and register numbers have been checked"]
    screening = {"identity_confirmed": True, "conflict_note": "", "latest_accounts_on": TODAY.isoformat()}
    _ok(team.put(f"{url}screening/", screening, format="json"))
    _move(team, url, "screen")
    assert _move(team, url, "start_triage")["state"] == "triage"
    check = {
        "annual_income": "100000",
        "annual_expenditure": "120000",
        "free_reserves": "10000",
        "cash_at_bank": "8000",
        "weekly_net_cash": ["-500"] * 13,
        "largest_funder_percent": 40,
        "finances_as_of": TODAY.isoformat(),
        "finances_source": "Accounts",
        "forecast_as_of": TODAY.isoformat(),
        "forecast_source": "Forecast",
        "governance_as_of": TODAY.isoformat(),
        "governance_source": "Chair",
    }
    assessed = _ok(team.put(f"{url}health-check/", check, format="json"))
    assert assessed["risk"] and assessed["recommended_pathway"]
    assert _move(team, url, "submit_triage")["state"] == "awaiting_decision"

    # The panel chooses the closure pathway (the team may not) and approves.
    choice = {
        "pathway": "closure",
        "reason": "The trustees have decided to close.",
        "board_consent_on": TODAY.isoformat(),
        "board_consent_note": "Board minutes",
    }
    assert team.put(f"{url}pathway/", choice, format="json").status_code == 403
    _ok(panel.put(f"{url}pathway/", choice, format="json"))
    case = _move(panel, url, "approve")
    assert case["state"] == "active" and case["pathway"] == "closure"
    closure_url = f"/api/v1/closures/{case['pathway_records']['closure']}/"
    assert nobody.get(closure_url).status_code == 404

    # Consent to tell a funder; a task made and done.
    consent = {"funders": [funder_org.pk], "consent_on": TODAY.isoformat(), "note": "Email from the chair"}
    assert _ok(team.put(f"{url}funder-consent/", consent, format="json"))["shared_with_funders"] == [funder_org.pk]
    task = _post(
        team,
        f"{url}tasks/",
        {"title": "Tell the users", "due_on": TODAY.isoformat(), "assignee": caseworker.pk},
        201,
    )
    assert _post(team, f"/api/v1/tasks/{task['id']}/complete/")["done_by"] == caseworker.pk

    # The decision to close, then planning.
    decision = {
        "balance_sheet_solvent": True,
        "cash_flow_solvent": True,
        "solvency_tested_on": TODAY.isoformat(),
        "dissolution_clause": "Clause 22 of the constitution",
        "trustee_resolution_on": TODAY.isoformat(),
        "members_resolution_on": TODAY.isoformat(),  # a CIO: its members resolve too, by law
    }
    _ok(team.put(f"{closure_url}facts/decision/", decision, format="json"))
    assert "decide" in _names(_ok(team.get(closure_url)))
    _move(team, closure_url, "decide")
    assert _move(team, closure_url, "plan")["state"] == "planning"

    # The registers: a service, a restricted fund, an asset and the bank account.
    common = {"owner": caseworker.pk, "due_on": TODAY.isoformat()}
    rows = {
        "service": {
            "register": "service",
            "kind": "service",
            "name": "Advice drop-in",
            "outcome": "transferred",
            "destination": reviewer_org.pk,
            "go_live_on": TODAY.isoformat(),
        },
        "fund": {
            "register": "fund",
            "kind": "restricted",
            "name": "Youth grant balance",
            "value": "4000.00",
            "outcome": "transferred",
            "destination": reviewer_org.pk,
            "funder": funder_org.pk,
            "funder_consent": "Funder's letter",
        },
        "asset": {
            "register": "asset",
            "kind": "equipment",
            "name": "Laptops",
            "outcome": "transferred",
            "destination": reviewer_org.pk,
            "destination_note": "Accepted by letter",
        },
        "bank": {"register": "asset", "kind": "bank_account", "name": "Current account", "outcome": "closed"},
    }
    items = {key: _post(team, f"{closure_url}items/", row | common, 201) for key, row in rows.items()}
    assert items["fund"]["problems"] == [
        "A named reviewer must mark the recipient's purposes compatible with the fund's."
    ]
    fund_url = f"/api/v1/register-items/{items['fund']['id']}/"
    assert _post(panel, f"{fund_url}compatible/", {"note": "Both serve young people."})["problems"] == []

    winding_down = {
        "staff_timeline": "No staff; volunteers thanked.",
        "safeguarding_handover": "None open",
        "data_disposition": "Deleted, certificate on file",
        "records_custodian": "The chair",
    }
    _ok(team.put(f"{closure_url}facts/winding_down/", winding_down, format="json"))
    assert team.post(f"{closure_url}transitions/wind_down/", {}, format="json").status_code == 403  # four eyes
    assert _move(panel, closure_url, "wind_down")["state"] == "winding_down"

    # Settle every item, the bank account last (it is refused while others are open).
    bank_url = f"/api/v1/register-items/{items['bank']['id']}/"
    _ok(team.patch(bank_url, {"completed_on": TODAY.isoformat()}, format="json"))
    _move(team, bank_url, "agree")
    early = team.post(f"{bank_url}transitions/complete/", {}, format="json")
    assert early.status_code == 409
    assert early.json()["guards"] == ["Every other item is resolved before the bank account closes"]
    for key in ("service", "fund", "asset"):
        item_url = f"/api/v1/register-items/{items[key]['id']}/"
        _ok(team.patch(item_url, {"completed_on": TODAY.isoformat()}, format="json"))
        _move(team, item_url, "agree")
        assert _move(team, item_url, "complete")["state"] == "completed"
    assert _move(team, bank_url, "complete")["state"] == "completed"
    assert _ok(team.get(closure_url))["outstanding"] == []
    assert _move(team, closure_url, "finish_winding_down")["state"] == "final_accounts"

    # Final accounts and filing, with the documents uploaded into their slots.
    accounts = _upload(team, url, "final_accounts", "Final accounts")
    download = team.get(accounts["download"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert nobody.get(accounts["download"]).status_code == 404
    filing = {
        "final_accounts_approved_on": TODAY.isoformat(),
        "last_trading_on": (TODAY - datetime.timedelta(days=120)).isoformat(),
        "dissolution_reference": "Removed from the register",
        "dissolution_filed_on": TODAY.isoformat(),
        "dissolved_on": TODAY.isoformat(),  # the Commission's removal: dissolution took effect
    }
    _ok(team.put(f"{closure_url}facts/filing/", filing, format="json"))
    assert _move(team, closure_url, "file")["state"] == "regulator_filing"
    not_yet = panel.post(f"{closure_url}transitions/dissolve/", {}, format="json")
    assert not_yet.status_code == 409 and "dissolution evidence" in " ".join(not_yet.json()["guards"])
    _upload(team, url, "dissolution", "Removal letter")
    assert team.post(f"{closure_url}transitions/dissolve/", {}, format="json").status_code == 403
    assert _move(panel, closure_url, "dissolve")["state"] == "dissolved"

    # The case: outcome, proposed for closing by the team, closed by the panel.
    outcome = {"outcome": "closed_orderly", "note": "Services passed on; funds returned."}
    _ok(team.put(f"{url}outcome/", outcome, format="json"))
    assert _move(team, url, "propose_closure")["state"] == "closing_review"
    assert "close" in _names(_ok(panel.get(url)))
    assert _move(panel, url, "close")["state"] == "closed"

    closed = Case.objects.get(pk=case["id"])
    closure = Closure.objects.get(case=closed)
    assert closed.state == "closed" and closure.state == "dissolved"
    assert closure.dissolution_approved_by == panel_member
    assert set(closure.items.values_list("state", flat=True)) == {RegisterItem.State.COMPLETED}
    moves = AuditEvent.objects.filter(object_type="casework.closure").values_list("action", "actor_id")
    assert ("dissolve", panel_member.pk) in set(moves)
    assert _ok(team.get(f"{url}documents/"))[0]["slot"] in {"final_accounts", "dissolution"}
