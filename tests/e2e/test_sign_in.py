"""A person signs in with their email, finds their work, and meets a form's error summary."""

import pytest

from tests.factories import TEST_PASSWORD, second_factor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in, and pass the two-factor step with a recovery code where the role needs one."""
    from organisations.models import User
    from organisations.two_factor import needs_two_factor

    person = User.objects.filter(email=email).first()
    code = second_factor(person) if person is not None and needs_two_factor(person) else ""
    page.goto("/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():  # the form posts: the next page (or the same, refused) loads
        page.get_by_role("button", name="Sign in").click()
    if code and "/accounts/two-factor/" in page.url:
        page.get_by_label("Code").fill(code)
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


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
