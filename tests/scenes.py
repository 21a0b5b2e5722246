"""Small worlds built through the real workflow functions, shared by several test modules."""

from __future__ import annotations

import datetime

from django.utils import timezone

from standards import spreadsheet, workflow

SHEET = (
    "Theme,Theme description,Standard code,Standard title,Standard description,Standard guidance,Indicator,Evidence prompts\n"
    "Need,Knowing the sector,1.1,We know who is out there,,Include informal groups,We keep a directory,A dated list\n"
    "Need,Knowing the sector,1.1,We know who is out there,,Include informal groups,We map gaps,Ward map\n"
    "Voice,Speaking up,2.1,We represent fairly,,,We consult before speaking,Records\n"
)


def standards_scene(*, steward, owner, commenter) -> dict:
    """A framework whose version 1 is in an open consultation with one comment, and a second
    framework whose version 1 is still a draft."""
    today = timezone.localdate()
    framework = workflow.create_framework(by=steward, name="Scene framework", slug="scene", purpose="Testing.", owners=[owner])
    version = framework.versions.get()
    workflow.import_version(version, spreadsheet.read(SHEET.encode(), "scene.csv"), by=steward)
    workflow.update_version_details(
        version, by=steward, summary="", consultation_opens_on=today - datetime.timedelta(days=1),
        consultation_closes_on=today + datetime.timedelta(days=10),
    )
    version = workflow.open_consultation(version, by=steward)
    comment = workflow.add_comment(version, by=commenter, kind="concern", text="Too many standards.")
    draft_framework = workflow.create_framework(
        by=steward, name="Draft framework", slug="draft", purpose="Not yet public.", owners=[owner]
    )
    return {"framework": framework, "version": version, "comment": comment, "draft": draft_framework.versions.get()}
