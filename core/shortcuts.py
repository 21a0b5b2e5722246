"""Loading objects for a person: 404 when they may not see it, 403 when they may see but not act."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.forms import apply_validation_error
from core.workflow import FASTER_MESSAGE, ConcurrentTransition, TransitionNotAllowed

M = TypeVar("M", bound=models.Model)


def get_object_for_user(
    request: HttpRequest,
    queryset: type[M] | models.QuerySet[M],
    *,
    view_perm: str,
    perm: str | None = None,
    **lookup: Any,
) -> M:
    """Fetch one object by `lookup` that `request.user` may view (`view_perm`), and act on (`perm`).

    Not visible and not existing look the same (404), so confidential records do not leak their
    existence. A visible object the person may not act on gives 403.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        obj = qs.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):  # qs.get raises only qs.model.DoesNotExist
        raise Http404 from None
    user = request.user
    if not user.has_perm(view_perm, obj):
        raise Http404
    if perm and not user.has_perm(perm, obj):
        raise PermissionDenied
    return obj


def attempt(request: HttpRequest, action: Callable[[], Any], success: str | Callable[[Any], str]) -> bool:
    """Run one workflow call; turn every refusal into a message. True when it worked. `success`
    may be a function of the call's result, to say what happened and what comes next."""
    try:
        result = action()
    except ConcurrentTransition:
        messages.error(request, FASTER_MESSAGE)
    except (TransitionNotAllowed, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
    else:
        messages.success(request, success(result) if callable(success) else success)
        return True
    return False


def form_page(
    request: HttpRequest,
    template: str,
    form: Any,
    context: dict[str, Any],
    action: Callable[[dict[str, Any]], Any],
    success: str | Callable[[Any], str],
    target: Any,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `action(cleaned_data)`; model refusals land on the form.
    `success` and `target` (where to go next) may be functions of the action's result."""
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data)
        except (ValidationError, TransitionNotAllowed) as error:
            apply_validation_error(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        except ConcurrentTransition:
            form.add_error(None, FASTER_MESSAGE)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(target(result) if callable(target) else target)
    return render(request, template, {"form": form, **context})
