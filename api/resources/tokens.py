"""Personal API tokens through the API itself: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api import tokens
from api.models import ApiToken
from api.resources.base import ModelSerializer, VisibleViewSet


class TokenSerializer(ModelSerializer):
    name = serializers.CharField(max_length=100)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class NewTokenSerializer(TokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once, now: store it safely.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "secret"]


@extend_schema_view(
    create=extend_schema(request=TokenSerializer, responses={201: NewTokenSerializer}),
    destroy=extend_schema(responses={200: TokenSerializer}, description="Revoke the token at once."),
)
class TokenViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, VisibleViewSet):
    """Your personal API tokens."""

    serializer_class = TokenSerializer
    view_perm = "api.view_apitoken"
    ordering_fields = ["created_at", "last_used_at", "name"]
    ordering = ["-created_at"]

    def visible(self, user: Any) -> QuerySet[ApiToken]:
        return tokens.tokens_of(user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Make a named token. The answer holds the secret: it is never shown again."""
        self.require("api.add_apitoken")
        body = TokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, secret = tokens.create_token(request.user, name=body.validated_data["name"])
        data = NewTokenSerializer(token).data | {"secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = self.get_object()
        self.require("api.revoke_apitoken", token)
        return Response(TokenSerializer(tokens.revoke_token(token, by=request.user)).data)
