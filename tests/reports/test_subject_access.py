"""The subject-access export holds every row naming the person, and no secrets."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from organisations import workflow

pytestmark = pytest.mark.integration


def test_export_person_has_their_rows_and_no_password(administrator, contact, reviewed_org, tmp_path):
    workflow.declare_conflict(contact, reviewed_org, by=contact, kind="trusteeship", reason="I am a trustee")
    output = tmp_path / "export.zip"
    call_command("export_person", contact.email.upper(), output=str(output))
    archive = zipfile.ZipFile(io.BytesIO(output.read_bytes()))
    person = json.loads(archive.read("person.json"))
    assert [row["fields"]["email"] for row in person] == [contact.email]
    assert person[0]["fields"]["password"] == "(withheld: a secret)"
    index = json.loads(archive.read("index.json"))
    assert index["files"]["organisations.membership.json"] == 1
    assert index["files"]["organisations.conflictdeclaration.json"] == 1
    declarations = json.loads(archive.read("organisations.conflictdeclaration.json"))
    assert declarations[0]["fields"]["reason"] == "I am a trustee"
    assert contact.password not in output.read_bytes().decode("latin-1")


def test_export_person_refuses_an_unknown_address(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Nobody has the email address"):
        call_command("export_person", "nobody@example.org", output=str(tmp_path / "x.zip"))
