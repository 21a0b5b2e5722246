"""The state field every machine uses."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db.models.signals import class_prepared
from django_fsm import FSMField


class StateField(FSMField):
    """django-fsm-2's FSMField, without one cost in migrations.

    Each FSMField listens to `class_prepared` for every model class built afterwards, to collect
    its transitions. Migrations build thousands of throwaway model classes while rendering their
    states, so the listeners piled up and each new class called all of them: most of the time of
    `migrate` (and of every test database's creation) went there. The models a migration renders
    have no transitions to collect, so their fields stop listening.
    """

    def contribute_to_class(self, cls: Any, name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        if cls._meta.apps is not global_apps:
            class_prepared.disconnect(self._collect_transitions)
