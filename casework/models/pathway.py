"""What every pathway's own lifecycle shares: one record per case and pathway, an FSM called
`state`, the case's confidentiality and roles, and an exit the parent case waits for."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.urls import reverse

from casework.models.case import Case
from core.fsm import ConcurrentTransitionMixin
from core.models import TimeStamped


class PathwayRecord(ConcurrentTransitionMixin, TimeStamped):
    """Abstract base. A subclass named after its `Case.Pathway` value (Turnaround, Interim,
    Closure) is reached from the case as `case.turnaround`, `case.interim`, `case.closure`.
    The record stays when the case changes pathway, so the earlier pathway's history is kept."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="%(class)s")

    pathway: ClassVar[str]
    EXIT_STATES: ClassVar[tuple[str, ...]]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{Case.Pathway(self.pathway).label} for {self.case}"

    def get_absolute_url(self) -> str:
        return reverse(f"casework:{self.pathway}", args=[self.case_id])

    # Guard shared by every pathway transition (the docstring is the refusal text).
    def case_is_active(self) -> bool:
        """The case is active on this pathway"""
        return self.case.state == Case.State.ACTIVE and self.case.pathway == self.pathway

    @property
    def exit_reached(self) -> bool:
        return self.state in self.EXIT_STATES

    def open_obligations(self) -> list[str]:
        """What this pathway still owes others, in plain words (register items without a resolved
        destination, grants approved but not settled, an interim in post). A case cannot close
        while its current pathway has any, whatever its outcome (`Case.obligations_settled`)."""
        return []

    def acting_role(self, user: Any) -> str:
        return self.case.acting_role(user)
