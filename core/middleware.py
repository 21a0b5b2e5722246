"""Two small guards every request passes (config.settings.MIDDLEWARE).

- `reject_nul_bytes`: a NUL character in the address, the query string or a form field is never
  meaningful, and PostgreSQL refuses it in text ("A string literal cannot contain NUL"), which
  would surface as a server error on any page that filters by it. Refused with a 400 up front.
- `no_store_when_signed_in`: nothing a signed-in person sees may stay in a browser or proxy cache
  (the back button would show a case after sign-out), so their responses say `no-store, private`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

NUL_MESSAGE = "The request holds a character that is not allowed (a NUL byte). Remove it and try again."


def _holds_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for data in sources:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


def reject_nul_bytes(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            raise BadRequest(NUL_MESSAGE)  # config.urls' handler400 answers: a page, or JSON under /api/
        return get_response(request)

    return middleware


def no_store_when_signed_in(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        # After the view: API token requests are authenticated inside DRF, which sets request.user.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private, max-age=0
        return response

    return middleware
