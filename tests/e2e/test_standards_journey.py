"""A steward takes a framework from a spreadsheet to a published version through consultation,
with a participant commenting in their own browser session."""

import datetime

import pytest
from django.utils import timezone

from standards.models import FrameworkVersion
from tests.e2e.test_sign_in import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHEET = (
    "Theme,Theme description,Standard code,Standard title,Standard description,Standard guidance,Indicator,Evidence prompts\n"
    "Understanding need,Knowing the sector,1.1,We know who is out there,,Include informal groups,We keep a directory,A dated list\n"
    "Understanding need,Knowing the sector,1.1,We know who is out there,,Include informal groups,We map gaps,Ward map\n"
    "Voice,Speaking up,2.1,We represent fairly,,,We consult before speaking,Records\n"
)
BAD_SHEET = "Theme,Standard code,Standard title,Indicator\nNeed,1.1,,We keep a directory\n"


def test_steward_publishes_a_framework_through_consultation(
    browser, live_server, tmp_path, steward, hub, participant, screenshot
):
    good, bad = tmp_path / "framework.csv", tmp_path / "broken.csv"
    good.write_text(SHEET, encoding="utf-8")
    bad.write_text(BAD_SHEET, encoding="utf-8")
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, steward.email)

    page.goto("/standards/")
    page.get_by_role("link", name="Start a framework").click()
    page.get_by_label("Name").fill("Borough Support Standards")
    page.get_by_label("Purpose").fill("What good support looks like.")
    page.get_by_label(hub.name).check()
    page.get_by_label("Scored", exact=False).first.check()
    page.get_by_role("button", name="Create framework").click()
    page.get_by_text("empty draft version 1").wait_for()

    page.get_by_role("link", name="Replace from a spreadsheet").first.click()
    page.get_by_label("Spreadsheet").set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    page.locator("#problems").wait_for()
    assert "Row 2, column “Standard title”" in page.locator("#problems").inner_text()
    screenshot("standards-import-errors", page)
    page.get_by_label("Spreadsheet").set_input_files(str(good))
    page.get_by_role("button", name="Check and import").click()
    page.get_by_text("Imported 2 themes, 2 standards and 3 indicators.").wait_for()

    today = timezone.localdate()
    page.get_by_role("link", name="Change summary and dates").click()
    page.get_by_label("Summary of changes").fill("First version.")
    page.get_by_label("Consultation opens on").fill(today.isoformat())
    page.get_by_label("Consultation closes on").fill((today + datetime.timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Open consultation").click()
    page.get_by_text("The consultation is open.").wait_for()
    version_url = page.url

    other = browser.new_context(base_url=live_server.url).new_page()
    sign_in(other, participant.email)
    other.goto(version_url)
    other.get_by_role("link", name="Comment on this draft").click()
    other.get_by_label("What are you commenting on?").select_option(label="1.1 We know who is out there")
    other.get_by_label("Concern").check()
    other.get_by_label("Your comment").fill("Say how informal groups will be found.")
    other.get_by_role("button", name="Send comment").click()
    other.get_by_text("your comment has been recorded").wait_for()
    other.context.close()

    page.reload()
    page.get_by_text("Close the consultation early").click()
    page.get_by_label("Reason", exact=True).fill("Enough responses.")
    page.get_by_role("button", name="Close consultation").click()
    assert page.get_by_role("button", name="Publish").count() == 0
    assert "Every consultation comment has an answer." in page.locator(".govuk-inset-text").first.inner_text()

    page.get_by_role("link", name="You said, we did").click()
    page.get_by_role("link", name="Answer").click()
    page.get_by_label("Accepted", exact=True).check()
    page.get_by_label("What you did").fill("Added an evidence prompt about informal groups.")
    page.get_by_role("button", name="Save answer").click()
    page.get_by_text("Someone from a").wait_for()
    page.get_by_role("link", name="Version 1").click()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("The version is published.").wait_for()
    screenshot("standards-published", page)
    assert FrameworkVersion.objects.get(framework__slug="borough-support-standards").state == "published"

    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto(version_url + "you-said-we-did/")
    assert "Added an evidence prompt about informal groups." in public.content()
    assert participant.full_name not in public.content()
    public.context.close()
    context.close()
