"""The account page where a person makes, sees and revokes their personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api import tokens
from api.models import ApiToken
from core.shortcuts import get_object_for_user


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """GET lists the person's tokens; POST makes one and shows its secret once."""
    secret, error = "", ""
    if request.method == "POST":
        try:
            _, secret = tokens.create_token(request.user, name=request.POST.get("name", ""))
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
    status = 400 if error else 200
    context = {"tokens": tokens.tokens_of(request.user), "secret": secret, "error": error}
    return render(request, "api/token_list.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_for_user(request, ApiToken, view_perm="api.view_apitoken", perm="api.revoke_apitoken", pk=pk)
    tokens.revoke_token(token, by=request.user)
    messages.success(request, f"The token “{token.name}” is revoked. Anything using it will stop working now.")
    return redirect("api:token-page")
