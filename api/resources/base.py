"""What every resource shares: the list comes from the app's queries.py (the SQL twin of its view
rule), and one object is loaded through core.shortcuts.get_object_for_user (404 if the person may
not see it, 403 if they may see it but not act), exactly as the web pages do."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from core.shortcuts import get_object_for_user
from organisations.models import User


class AuthenticatedRequest(Request):
    """A request to the API: every resource needs a signed-in person or a token
    (REST_FRAMEWORK's default permission), so `request.user` is a user, never AnonymousUser.
    Annotation only: DRF builds plain Requests."""

    user: User


class VisibleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read access shaped by the app's rules: `visible(user)` for lists, `view_perm` for one object."""

    view_perm: str = ""
    lookup_value_regex = r"[0-9]+"

    def visible(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def objects(self) -> QuerySet[Any]:
        """Where one object is looked up before its view rule is asked (all rows of the model)."""
        return self.get_serializer_class().Meta.model._default_manager.all()

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.get_serializer_class().Meta.model._default_manager.none()
        return self.visible(self.request.user)

    def get_object(self) -> Model:
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        return get_object_for_user(self.request, self.objects(), view_perm=self.view_perm, **lookup)

    def require(self, perm: str, obj: Any = None) -> None:
        """403 unless the person holds `perm` (on `obj`). Writes ask this before reading the body, so
        someone who may not act hears so rather than how to fill the form in; the workflow function
        asks the same rule again."""
        if not self.request.user.has_perm(perm, obj):
            raise PermissionDenied()


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, except that read-only choice fields that may be blank say so: DRF
    drops `allow_blank` from read-only fields, and the schema would then promise a choice where
    the answer is "" (schemathesis found this)."""

    def include_extra_kwargs(self, kwargs: dict[str, Any], extra_kwargs: dict[str, Any]) -> dict[str, Any]:
        blank = kwargs.get("allow_blank")
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank and "choices" in kwargs:
            kwargs["allow_blank"] = True
        return kwargs
