"""The codebase's own promises: the state diagrams in docs/ are the code's, and no model change lacks
its migration. (`make check` runs these too, with ruff and the import contract.)"""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.unit


def test_state_diagrams_match_the_code():
    call_command("draw_state_diagrams", "--check")


def test_every_model_change_has_its_migration(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
