"""A subject-access export: every row that names a person, as JSON files in one zip.

Generic on purpose: it follows every foreign key to the user model (including history rows they
authored, audit events they made, roles, declarations, tokens), so a new model that points at people
is included without anyone remembering to add it. Secrets are left out (password hashes, token digests).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import models
from django.utils import timezone

SECRET_FIELDS = {"password", "key_hash", "digest", "token_hash", "secret"}


def _rows(model: type[models.Model], queryset: Any) -> list[dict[str, Any]]:
    data = json.loads(serializers.serialize("json", queryset))
    for row in data:
        for name in list(row["fields"]):
            if name in SECRET_FIELDS:
                row["fields"][name] = "(withheld: a secret)"
    return data


def export_person(person: Any) -> bytes:
    """The zip: person.json (the account) and one file per model with rows pointing at them."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", json.dumps(_rows(user_model, [person]), indent=2, default=str))
        index = {"person": person.email, "made_at": timezone.now().isoformat(), "files": {}}
        for model in apps.get_models():
            links = [
                f.name
                for f in model._meta.get_fields()
                if isinstance(f, models.ForeignKey) and f.related_model is user_model
            ]
            if not links:
                continue
            query = models.Q()
            for name in links:
                query |= models.Q(**{name: person})
            queryset = model._default_manager.filter(query).order_by("pk")
            if queryset.exists():
                name = f"{model._meta.label_lower}.json"
                rows = _rows(model, queryset)
                archive.writestr(name, json.dumps(rows, indent=2, default=str))
                index["files"][name] = len(rows)
        archive.writestr("index.json", json.dumps(index, indent=2))
    return buffer.getvalue()
