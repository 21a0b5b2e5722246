"""Sign-in by email; permissions come from `rules` alone.

Django's ModelBackend also answers has_perm from per-user and group grants, and says yes to every
superuser. We keep both out of the picture: one source of truth (each app's rules.py), and no
extra permission queries on every page that asks a rule which says no.

The demo password is public (it is in the README): it signs nobody in unless DEBUG is on, even
where demo data was loaded into a real database by mistake.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils.crypto import constant_time_compare

# The demo data's password (the `demo` app signs its people in with it). It lives here, beside the
# rule that refuses it outside DEBUG, because nothing in the domain may import the demo app.
DEMO_PASSWORD = "demo-only-Lifeboat-2026"  # noqa: S105 - used by the demo data and nowhere else


class EmailBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if not settings.DEBUG and password is not None and constant_time_compare(password, DEMO_PASSWORD):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()


def lockout_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """django-axes' key for an account (AXES_USERNAME_CALLABLE): the email as sign-in reads it.

    Sign-in ignores case and surrounding spaces, so the lockout must too: otherwise `sTEWARD@…`
    gets five fresh tries after `steward@…` is locked."""
    from django.conf import settings

    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get("username") or (credentials or {}).get(field)
    if value is None and request is not None:
        value = request.POST.get(field)
    return str(value or "").strip().lower()
