"""A person signs in with their email, finds their work, and meets a form's error summary."""

import pytest

from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_coordinator_signs_in_and_declares_an_interest(page, screenshot, coordinator, reviewed_org):
    page.goto("/")
    assert page.title().startswith("Sign in")
    screenshot("sign-in", page)
    sign_in(page, coordinator.email)
    page.get_by_role("heading", name="Your work").wait_for()
    assert page.get_by_text("Reviews you coordinate").is_visible()
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")
    screenshot("home-coordinator", page)

    page.get_by_role("link", name="Conflicts of interest").click()
    page.get_by_role("link", name="Declare an interest").click()
    page.get_by_role("button", name="Declare interest").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "There is a problem" in summary.inner_text()
    assert page.title().startswith("Error: ")
    screenshot("declare-interest-errors", page)

    page.get_by_label("Organisation", exact=True).select_option(label=reviewed_org.name)
    page.get_by_label("Kind of interest").select_option("trusteeship")
    page.get_by_label("Reason").fill("I chair its board.")
    page.get_by_role("button", name="Declare interest").click()
    page.get_by_text("The interest has been recorded").wait_for()
    assert page.get_by_role("cell", name=reviewed_org.name, exact=True).is_visible()


def test_wrong_password_is_refused_plainly(page, coordinator):
    sign_in(page, coordinator.email, "not-the-password")
    assert page.get_by_text("Enter a correct email address and password").is_visible()
