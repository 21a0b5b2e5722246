"""Filters by id that cannot be used as existence oracles (issue #16).

A filter that looks the related row up (django-filter's default for a foreign key, or a choice
of rows) answers "select a valid choice" for an id that does not exist and filters for one that
exists but is hidden from the reader. These filter by the id alone: the list is already the
reader's own, so an id they may not see and an id that does not exist both give the same empty
page, and only a malformed id is refused, with one message. Shared by the API's filter sets and
the pages' (the case list), so both answer the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms

ID_LIMIT = 2**63 - 1  # the largest id a database column holds: beyond it, one plain refusal


class IdField(forms.IntegerField):
    """A positive id, or one of `keywords` (such as "me") that the filter's method resolves."""

    def __init__(self, *args: Any, keywords: Iterable[str] = (), **kwargs: Any) -> None:
        self.keywords = frozenset(keywords)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_LIMIT)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip() in self.keywords:
            return value.strip()
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        if value in self.keywords:
            return
        super().validate(value)

    def run_validators(self, value: Any) -> None:
        if value in self.keywords:
            return
        super().run_validators(value)


class IdFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter ships no types
    """Rows whose related object has this id: no lookup of the related object itself."""

    field_class = IdField
