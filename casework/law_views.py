"""The public "Rules we apply" page: every legal threshold and period the lifeboat uses, with its source."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casework import law


def rule_list(request: HttpRequest) -> HttpResponse:
    """Public (no sign-in): the rules table, current rules first under each name, earlier versions after."""
    today = timezone.localdate()
    rules = law.all_rules()
    current = [r for r in rules if r.in_force_on(today)]
    earlier = [r for r in rules if not r.in_force_on(today)]
    return render(request, "casework/rule_list.html", {"current": current, "earlier": earlier, "today": today})
