"""The Nu HTML Checker finds no errors on any main page, nor on any form shown with its errors.

The pages come from tests/pages.py (every GET page of the permission matrix, as the role that uses
it); their HTML is written to one folder and checked in a single run of the checker (one JVM start).
Needs Java and `make test-tools` (the npm package vnu-jar, in node_modules/).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pages import collect
from tests.shared_scene import *  # noqa: F403 - the module's scene and cast (fixtures)

pytestmark = pytest.mark.integration

VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_main_page_is_valid_html(request, scene, tmp_path):
    if not VNU.is_file() or not shutil.which("java"):
        pytest.fail("The Nu HTML Checker needs `make test-tools` and Java (Debian default-jre-headless).")
    pages = collect(request, scene)
    folder = tmp_path / "html"  # tmp_path also holds the uploads (MEDIA_ROOT)
    folder.mkdir()
    files = {}
    for n, page in enumerate(pages):
        path = folder / f"{n:03d}.html"
        path.write_text(page.html, encoding="utf-8")
        files[path.resolve().as_uri().replace("file:///", "file:/")] = page.name
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = {}
    for m in messages:
        name = files.get(m.get("url", ""), m.get("url", "?"))
        errors.setdefault(name, []).append(f"line {m.get('lastLine')}: {m['message']}")
    assert errors == {}
    assert len(pages) >= 60  # today: 58 pages and 30 forms with errors; fewer means the page list broke
    print(f"vnu: {len(pages)} pages checked, {sum(p.method == 'post' for p in pages)} of them forms with errors")
