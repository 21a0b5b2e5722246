"""Types the apps share: who makes a change, and a request from someone signed in.

`User` is the project's user model (`settings.AUTH_USER_MODEL`, `organisations.User`) for mypy:
django-stubs' plugin turns its `_User` placeholder into the configured model, so `core` names the
user model without importing `organisations` (ARCHITECTURE.md's import direction). At run time
the name is `AbstractBaseUser`, the model's base; use it in annotations only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User
else:
    from django.contrib.auth.base_user import AbstractBaseUser as User

__all__ = ["User", "AuthenticatedHttpRequest"]


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind `login_required` (or the site-wide sign-in): `request.user` is a user,
    never AnonymousUser. Annotation only: Django builds plain HttpRequests."""

    user: User
