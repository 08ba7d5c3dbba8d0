"""How a view declares who may reach it. A view that declares nothing is refused (deny by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

View = TypeVar("View", bound=Callable[..., Any])

PUBLIC = "__public__"
AUTHENTICATED = "__authenticated__"
# Reachable while logged in but before the second factor: the OTP pages and logout.
PRE_SECOND_FACTOR = "__pre_second_factor__"


def requires(capability: str) -> Callable[[View], View]:
    def mark(view: View) -> View:
        view._zairyu_access = capability  # type: ignore[attr-defined]
        return view

    return mark


def public(view: View) -> View:
    view._zairyu_access = PUBLIC  # type: ignore[attr-defined]
    return view


def authenticated(view: View) -> View:
    view._zairyu_access = AUTHENTICATED  # type: ignore[attr-defined]
    return view


def pre_second_factor(view: View) -> View:
    view._zairyu_access = PRE_SECOND_FACTOR  # type: ignore[attr-defined]
    return view


def access_of(view: Callable[..., Any]) -> str | None:
    declared = getattr(view, "_zairyu_access", None)
    if declared is None and hasattr(view, "view_class"):
        declared = getattr(view.view_class, "access", None)
    return declared
