"""Lifeboat casework models, one module per part of the lifecycle.

- case.py: the referral, the parent case (referred → … → archived) with its pathway history and
  the triage health check, case notes;
- pathway.py: what each pathway's own lifecycle shares (one record per case and pathway, kept
  when the case changes pathway);
- closure.py (and turnaround.py, interim.py): each pathway's lifecycle and registers;
- tools.py: tasks and documents in named evidence slots, shared by every pathway.
"""

from casework.models.case import Case, CaseNote, HealthCheck, PathwayChange, Referral
from casework.models.closure import Closure, RegisterItem
from casework.models.tools import CaseDocument, Task

__all__ = [
    "Case",
    "CaseDocument",
    "CaseNote",
    "Closure",
    "HealthCheck",
    "PathwayChange",
    "Referral",
    "RegisterItem",
    "Task",
]
