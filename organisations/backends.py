"""Sign-in by email; permissions come from `rules` alone.

Django's ModelBackend also answers has_perm from per-user and group grants, and says yes to every
superuser. We keep both out of the picture: one source of truth (each app's rules.py), and no
extra permission queries on every page that asks a rule which says no.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()
