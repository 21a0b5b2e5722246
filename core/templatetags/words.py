"""`{% load words %}` then `{{ amount|money }}`: money as people write it (£4,500.00, -£20.00)."""

from __future__ import annotations

from typing import Any

from django import template

from core import words

register = template.Library()


@register.filter
def money(value: Any) -> str:
    return words.money(value) or "—"
