"""Who may read intelligence, and who sees it only anonymised."""

from __future__ import annotations

import rules

from organisations.rules import (
    is_administrator,
    is_caseworker,
    is_coordinator,
    is_funder_reader,
    is_panel_member,
    is_steward,
)

sees_named_figures = is_coordinator | is_administrator

rules.add_perm(
    "reports.view_intelligence", sees_named_figures | is_funder_reader | is_steward | is_caseworker | is_panel_member
)
rules.add_perm("reports.view_named_intelligence", sees_named_figures)
# Exact lifeboat figures only for those who may see every case: anyone else (a coordinator, a
# caseworker not on every case, a funder) is an outsider and sees them rounded (issue #16).
rules.add_perm("reports.view_exact_lifeboat_figures", is_panel_member | is_administrator)
