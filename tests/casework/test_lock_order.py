"""Lock order on PostgreSQL: notes, moves and uploads on one case at once never deadlock.

Every write path takes row locks first and the audit-chain lock last (ARCHITECTURE.md, "Audit").
The trap was Django's foreign keys, which PostgreSQL checks at COMMIT (DEFERRABLE INITIALLY
DEFERRED): a note took the chain lock in `audit.append` and only then, at commit, the key-share
lock on its case row, while a move held the case row (`select_for_update`) and waited for the
chain. `audit.append` now fires the pending checks before it takes the chain lock.

SQLite serialises writers (transaction_mode=IMMEDIATE), so these tests skip there.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connections, transaction

from casework import workflow as cw
from casework.models import Case, CaseDocument, CaseNote
from core import audit
from core.workflow import ConcurrentTransition, TransitionNotAllowed
from tests.scenes import case_on_pathway, pdf_upload

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite serialises writers; lock order matters on PostgreSQL",
    ),
]

SECONDS = 6
THREADS = 9  # three each of notes, moves and uploads


def _work(kind: str, case_pk: int, person: Any, deadline: float, done: list[str], failed: list[BaseException]):
    try:
        while time.monotonic() < deadline:
            case = Case.objects.get(pk=case_pk)
            try:
                if kind == "note":
                    cw.add_note(case, by=person, text="Spoke to the treasurer.")
                elif kind == "upload":
                    cw.add_document(
                        case,
                        by=person,
                        slot="other",
                        title="Bank statement",
                        dated_on=case.created_at.date(),
                        upload=pdf_upload("statement.pdf"),
                    )
                elif case.state == Case.State.ACTIVE:
                    cw.move_case(case, "hold", by=person, reason="Waiting for the board.")
                else:
                    cw.move_case(case, "resume", by=person)
                done.append(kind)
            except (ConcurrentTransition, TransitionNotAllowed):
                done.append("refused")  # somebody else was faster: the page says so, no error page
    except BaseException as error:  # noqa: BLE001 - reported by the test's assertion
        failed.append(error)
    finally:
        connections.close_all()


def test_notes_moves_and_uploads_on_one_case_never_deadlock(caseworker, panel_member, reviewed_org):
    case = case_on_pathway("turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org).case
    deadline = time.monotonic() + SECONDS
    done: list[str] = []
    failed: list[BaseException] = []
    kinds = ["note", "move", "upload"] * (THREADS // 3)
    pool = [threading.Thread(target=_work, args=(k, case.pk, caseworker, deadline, done, failed)) for k in kinds]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=SECONDS + 60)
    assert not any(t.is_alive() for t in pool), "a writer is still waiting a minute after the deadline"
    assert [repr(e) for e in failed] == []
    assert {"note", "move", "upload"} <= set(done)
    assert CaseNote.objects.filter(case=case).count() == done.count("note")
    assert CaseDocument.objects.filter(case=case).count() == done.count("upload")
    assert audit.verify()[1] is None


def test_a_note_holding_the_chain_lock_cannot_invert_the_order(caseworker, panel_member, reviewed_org):
    """The exact interleaving from the report, made deterministic: a note appends its event (and so
    holds the chain lock) while a move waits for the chain holding the case row. Before the fix the
    note's deferred key check then waited for the case row: PostgreSQL's deadlock detector killed
    one of them. Now the note has its key-share lock before the chain lock, so the move waits for
    the case row instead and both finish."""
    case = case_on_pathway("turnaround", caseworker=caseworker, panel=panel_member, organisation=reviewed_org).case
    note_has_chain = threading.Event()
    move_started = threading.Event()
    errors: list[BaseException] = []

    def note() -> None:
        try:
            with transaction.atomic():
                cw.add_note(Case.objects.get(pk=case.pk), by=caseworker, text="First call.")
                note_has_chain.set()
                move_started.wait(10)
                time.sleep(0.5)  # let the move block on whatever it blocks on
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    def move() -> None:
        try:
            note_has_chain.wait(10)
            move_started.set()
            cw.move_case(Case.objects.get(pk=case.pk), "hold", by=caseworker, reason="Board meets Friday.")
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=note), threading.Thread(target=move)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    assert not [e for e in errors if isinstance(e, OperationalError | ValidationError)], errors
    assert errors == []
    assert Case.objects.get(pk=case.pk).state == Case.State.ON_HOLD
    assert CaseNote.objects.filter(case=case).count() == 1
