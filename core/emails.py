"""One way to build an email: `make_message(template_prefix, to, context)` renders the triple
`<prefix>-subject.html`, `<prefix>-body-text.html`, `<prefix>-body-html.html` (healthchecks' layout)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def make_message(prefix: str, to: Sequence[str], context: dict[str, Any]) -> EmailMultiAlternatives:
    context = {"site_name": settings.SITE_NAME, **context}
    # Subjects and text bodies are plain text: their templates switch autoescape off
    # (tests/test_bad_input.py checks every one).
    subject = " ".join(render_to_string(f"{prefix}-subject.html", context).split())
    text = render_to_string(f"{prefix}-body-text.html", context)
    html = render_to_string(f"{prefix}-body-html.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(to))
    message.attach_alternative(html, "text/html")
    return message


def send_on_commit(prefix: str, to: Sequence[str], context: dict[str, Any]) -> None:
    """Render now (the data is at hand), send only if the surrounding transaction commits."""
    if not to:
        return
    message = make_message(prefix, to, context)
    transaction.on_commit(lambda: message.send(fail_silently=False))
