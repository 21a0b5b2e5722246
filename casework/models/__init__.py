"""Lifeboat casework models, one module per part of the lifecycle.

- case.py: the referral, the parent case (referred → … → archived) with its pathway history and
  the triage health check, case notes;
- pathway.py: what each pathway's own lifecycle shares (one record per case and pathway, kept
  when the case changes pathway);
- closure.py (and turnaround.py, interim.py): each pathway's lifecycle and registers;
- law.py: the legal thresholds and periods, as data with their source and dates;
- tools.py: tasks and documents in named evidence slots, shared by every pathway.
"""

from casework.models.case import Case, CaseNote, HealthCheck, PathwayChange, Referral
from casework.models.closure import Closure, RegisterItem
from casework.models.interim import Candidate, Interim, InterimReview
from casework.models.law import LegalRule
from casework.models.tools import CaseDocument, Task
from casework.models.turnaround import Grant, Milestone, Tranche, Turnaround

__all__ = [
    "Candidate",
    "Case",
    "CaseDocument",
    "CaseNote",
    "Closure",
    "Grant",
    "HealthCheck",
    "Interim",
    "InterimReview",
    "LegalRule",
    "Milestone",
    "PathwayChange",
    "Referral",
    "RegisterItem",
    "Task",
    "Tranche",
    "Turnaround",
]
