"""One error shape for every API error:

    {"status": 409, "code": "guard_unmet", "detail": "Start screening cannot happen until …",
     "fields": {"reason": ["Give a reason for this decision."]}, "guards": ["…"]}

`fields` and `guards` are always present (empty when they do not apply). Domain refusals from the
workflow functions (Django's ValidationError and PermissionDenied, django-fsm-2's
TransitionNotAllowed and ConcurrentTransition) are translated here, so views never catch them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.workflow import FASTER_MESSAGE, ConcurrentTransition, TransitionNotAllowed


class ErrorSerializer(serializers.Serializer):
    """The shape of every error response."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    guards = serializers.ListField(child=serializers.CharField())


class TransitionRefused(exceptions.APIException):
    """A move that exists but cannot happen now: not from this state, or a guard is unmet."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "transition_not_allowed"

    def __init__(self, detail: str, *, code: str = "transition_not_allowed", guards: list[str] | None = None):
        super().__init__(detail, code)
        self.guards = guards or []


def error_body(status_code: int, code: str, detail: str, fields: Any = None, guards: Any = None) -> dict[str, Any]:
    return {"status": status_code, "code": code, "detail": detail, "fields": fields or {}, "guards": guards or []}


def _flatten(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail as {field: [messages]}; nested fields get dotted names."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            for sub, messages in _flatten(value).items():
                out[f"{key}.{sub}" if sub else str(key)] = messages
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {"": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            for sub, messages in _flatten(item).items():
                out[f"{index}.{sub}" if sub else str(index)] = messages
        return out
    return {"": [str(detail)]}


def _from_django_validation(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError({k: [str(m) for m in v] for k, v in error.message_dict.items()})
    return exceptions.ValidationError({"non_field_errors": [str(m) for m in error.messages]})


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return _from_django_validation(exc)
    if isinstance(exc, ConcurrentTransition):
        return TransitionRefused(FASTER_MESSAGE, code="concurrent_change")
    if isinstance(exc, TransitionNotAllowed):
        return TransitionRefused(str(exc))
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def _detail_for_validation(fields: dict[str, list[str]]) -> str:
    general = fields.pop("non_field_errors", None) or fields.pop("", None)
    if general:
        return " ".join(general)
    return "Some of the data sent is not valid: see `fields`."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every handled error in the one documented shape."""
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: let Django report it
    assert isinstance(exc, exceptions.APIException)
    codes = exc.get_codes()
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        detail = _detail_for_validation(fields)
        code = "invalid"
    else:
        fields = {}
        detail = str(exc.detail)
        code = codes if isinstance(codes, str) else exc.default_code
    response.data = error_body(response.status_code, code, detail, fields, getattr(exc, "guards", None))
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """config.urls handler404: addresses under /api/ answer in the error shape, the rest as pages."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(404, "not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """config.urls handler400: our own refusals (django.core.exceptions.BadRequest) say what was wrong;
    anything else Django found suspicious gets a general message (its text may be internal)."""
    detail = str(exception) if type(exception) is BadRequest and str(exception) else GENERAL_BAD_REQUEST
    return bad_request_response(request, detail)


GENERAL_BAD_REQUEST = "The request could not be understood. Check the address or the form and try again."


def bad_request_response(request: HttpRequest, detail: str) -> HttpResponse:
    """A 400 with `detail`: in the error shape under /api/, as a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(400, "bad_request", detail), status=400)
    return render(request, "400.html", {"detail": detail}, status=400)
