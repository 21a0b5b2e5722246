"""DRF authentication with personal tokens: `Authorization: Bearer <secret>` (or `Token <secret>`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api import tokens


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """The request acts as the token's owner, with exactly their permissions."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as “Authorization: Bearer <token>”.")
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = tokens.authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid, or has been revoked.")
        return token.person, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token from your account page."}
