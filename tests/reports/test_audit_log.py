"""The audit log page: newest first, pages by event id (no count of the whole trail), filter by kind."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from core import audit
from organisations.models import Organisation

URL = reverse("audit-log")


def _ids(response) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="govuk-table__cell">(\d+)</td>', response.content.decode())]


def _seed(hub: Organisation, count: int) -> None:
    now = timezone.now()
    audit.append_many(audit.event_for(hub, action=f"test {n}", when=now) for n in range(count))


def test_pages_walk_the_trail_by_id_both_ways(client, administrator, hub):
    _seed(hub, 120)
    client.force_login(administrator)
    every = list(audit.AuditEvent.objects.order_by("-id").values_list("id", flat=True))

    first = client.get(URL)
    assert _ids(first) == every[:50]
    assert "Newer" not in first.content.decode()
    second = client.get(URL, {"before": every[49]})
    assert _ids(second) == every[50:100]
    last = client.get(URL, {"before": every[99]})
    assert _ids(last) == every[100:]
    assert "Older" not in last.content.decode()
    back = client.get(URL, {"after": every[50]})  # "Newer" from the second page
    assert _ids(back) == every[:50]


def test_filter_lists_each_kind_once_and_keeps_to_it(client, administrator, hub, reviewed_org):
    _seed(hub, 3)
    audit.append(reviewed_org, action="renamed")
    client.force_login(administrator)
    types = audit.audited_types()
    assert types == sorted(set(audit.AuditEvent.objects.values_list("object_type", flat=True)))
    response = client.get(URL, {"type": "organisations.organisation"})
    shown = _ids(response)
    assert shown and set(shown) == set(
        audit.AuditEvent.objects.filter(object_type="organisations.organisation").values_list("id", flat=True)[:50]
    )


def test_nonsense_page_boundaries_are_ignored(client, administrator, hub):
    _seed(hub, 3)
    client.force_login(administrator)
    for bad in ["-1", "abc", "9" * 40, "1.5"]:
        response = client.get(URL, {"before": bad})
        assert response.status_code == 200
        assert len(_ids(response)) == audit.AuditEvent.objects.count()
