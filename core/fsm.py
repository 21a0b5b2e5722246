"""django-fsm-2's model mixin and `@transition` decorator, as mypy should see them.

At run time these are django-fsm-2's own objects, unchanged. For mypy: the mixin's `__init__` is
wrapped in `typing.override`, which Python 3.11 lacks, so every model using it would be built as
`Any`; and the decorator's `conditions` are `Callable[[Model], bool]`, which a guard taking the
model it is written on (`def fits(self: Case) -> bool`) is not. Import both from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import django_fsm

__all__ = ["ConcurrentTransitionMixin", "transition"]

_F = TypeVar("_F", bound=Callable[..., Any])

if TYPE_CHECKING:

    class ConcurrentTransitionMixin(django_fsm.ConcurrentTransitionMixin):
        def __init__(self, *args: Any, **kwargs: Any) -> None: ...

    def transition(
        field: Any,
        source: Any = django_fsm.ANY_STATE,
        target: Any = None,
        on_error: Any = None,
        conditions: Sequence[Callable[[Any], bool]] | None = None,
        permission: str | Callable[[Any, Any], bool] | None = None,
        custom: dict[str, Any] | None = None,
    ) -> Callable[[_F], _F]: ...

else:
    ConcurrentTransitionMixin = django_fsm.ConcurrentTransitionMixin
    transition = django_fsm.transition
