"""Lifeboat casework models, one module per part of the lifecycle.

- case.py: the referral, the parent case (referred → … → archived) with its pathway history and
  the triage health check, case notes;
- turnaround.py, interim.py, closure.py: each pathway's own lifecycle, one record per case and
  pathway (kept when the case changes pathway);
- tools.py: tasks and documents in named evidence slots, shared by every pathway.
"""

from casework.models.case import Case, CaseNote, HealthCheck, PathwayChange, Referral

__all__ = ["Case", "CaseNote", "HealthCheck", "PathwayChange", "Referral"]
