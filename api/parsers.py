"""The API's JSON parser: DRF's, with limits on size, nesting and NUL characters.

Python's json module recurses once per level of nesting: 5,000 nested arrays ran it out of stack
(RecursionError, a server error). No request body this API takes nests deeper than a few levels
or needs more than a megabyte, and PostgreSQL refuses NUL in text, so each is a 400 with a message.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20
MAX_BYTES = 1024 * 1024


def _check(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and NUL characters, walking without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list) and depth > MAX_DEPTH:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.")
        if isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in key:
                    raise ParseError("JSON may not contain NUL characters (\\u0000).")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and "\x00" in item:
            raise ParseError("JSON may not contain NUL characters (\\u0000).")


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = stream.read(MAX_BYTES + 1) if stream is not None else b""
        if len(body) > MAX_BYTES:
            raise ParseError(f"The request body is larger than {MAX_BYTES // 1024} KB.")
        try:
            data = json.loads(body.decode(encoding), parse_constant=_no_constant)
        except RecursionError:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
        _check(data)
        return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
