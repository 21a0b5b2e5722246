"""List filters that cannot be used as existence oracles (issue #16).

django-filter turns a foreign key in `filterset_fields` into a choice of every row of the related
table, so `?case=17` answered 400 "select a valid choice" for a case that does not exist and 200
for one that exists but is hidden from the reader. Here a foreign key filters by id instead
(`core.filters.IdFilter`): the list is already the reader's own (`visible(user)`), so an id they
may not see and an id that does not exist both give the same empty page, and only a malformed id
is refused, with one message. Filter sets written by hand (casework.filters.CaseFilter) use the
same IdFilter for their foreign keys.
"""

from __future__ import annotations

import django_filters
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend

from core.filters import IdFilter


class FilterSet(django_filters.rest_framework.FilterSet):
    """Every API filter set: foreign keys and one-to-one links filter by id (see the module docstring)."""

    FILTER_DEFAULTS = {
        **django_filters.rest_framework.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class FilterBackend(DjangoFilterBackend):
    """DRF's django-filter backend, building `filterset_fields` on our FilterSet."""

    filterset_base = FilterSet
