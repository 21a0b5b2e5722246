"""OpenAPI post-processing: every operation documents the one error shape for its possible errors."""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERRORS = {
    "400": "The data sent is not valid (see `fields`).",
    "401": "Not signed in: send a personal token as `Authorization: Bearer <token>`.",
    "403": "You may see this but not do this.",
    "404": "Not found, or not visible to you.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "The state has moved on, or a guard is unmet (see `guards`).",
    "415": "Unsupported media type: send JSON.",
    "429": "Too many requests for this token: wait and retry.",
}
ERROR_SCHEMA = {
    "type": "object",
    "description": "The shape of every error response.",
    "properties": {
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "guards": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["status", "code", "detail", "fields", "guards"],
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """SPECTACULAR_SETTINGS POSTPROCESSING_HOOKS: the Error schema on every operation's 4xx answers.

    Each error answer is described once, in `components/responses`, and referred to from every
    operation: the schema stays small, and a generated client has one Error type."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    responses = components.setdefault("responses", {})
    for status, description in ERRORS.items():
        responses[f"Error{status}"] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR_REF}},
        }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in ERRORS:
                answer = operation["responses"].get(status)
                if answer is None or answer.get("content", {}).get("application/json", {}).get("schema") == ERROR_REF:
                    operation["responses"][status] = {"$ref": f"#/components/responses/Error{status}"}
    return result
