"""What the apps above the ground floor tell the workbench: menu entries, record kinds, lists and
record panels.

``backoffice`` imports no app; apps register here from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from backoffice.workbench.lists import ListSpec


@dataclass(frozen=True)
class MenuEntry:
    label: Any
    url_name: str
    capability: str
    order: int = 100
    section: Any = ""


@dataclass(frozen=True)
class RecordKind:
    """How to find one record for a user (scoped), its URL, and the institution its events chain to."""

    model: type[models.Model]
    get_for_user: Callable[[Any, str], models.Model]  # raises Http404 when out of scope
    url_of: Callable[[models.Model], str]
    institution_id_of: Callable[[models.Model], int | None]
    can_change: Callable[[Any, models.Model], bool]


# A panel an upper app adds to the record pages of the apps below it (``{% record_panels obj %}``):
# ``render(context, record)`` returns its HTML, safe, or "" for a record it has nothing for.
RecordPanel = Callable[[Any, models.Model], str]

MENU: list[MenuEntry] = []
RECORD_PANELS: list[RecordPanel] = []
RECORD_KINDS: dict[str, RecordKind] = {}
LIST_SPECS: dict[str, ListSpec] = {}


def register_menu(entry: MenuEntry) -> None:
    if entry not in MENU:
        MENU.append(entry)
        MENU.sort(key=lambda e: e.order)


def register_record_kind(kind: RecordKind) -> None:
    meta = kind.model._meta
    RECORD_KINDS[f"{meta.app_label}.{meta.model_name}"] = kind


def register_record_panel(render: RecordPanel) -> None:
    if render not in RECORD_PANELS:
        RECORD_PANELS.append(render)


def register_list(spec: ListSpec) -> None:
    LIST_SPECS[spec.key] = spec


def record_kind_of(obj: models.Model) -> RecordKind:
    return RECORD_KINDS[f"{obj._meta.app_label}.{obj._meta.model_name}"]
