"""Register entries and the code table for the individuals tests (and the access matrix)."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from django.apps import apps

from backoffice.accounts.models import RegionalBureau
from individuals.models import AgentRegisterEntry

LEAFLET_NUMBER = "132010700050"


def seed_code_table() -> None:
    """The data migration's rows (a transactional test elsewhere may have flushed them)."""
    importlib.import_module("individuals.migrations.0002_seed_code_table").load(apps, None)


def register_entry(**overrides: Any) -> AgentRegisterEntry:
    """The leaflet's lawyer 「（東）弁 10 第 50 号」, notified in Tokyo, valid until 2099."""
    values: dict[str, Any] = {
        "certificate_number": LEAFLET_NUMBER,
        "kind": "lawyer",
        "name": "山田 太郎",
        "name_latin": "YAMADA TARO",
        "date_of_birth": date(1975, 4, 1),
        "association": "東京弁護士会",
        "office_name": "山田法律事務所",
        "bureau": RegionalBureau.objects.get(code="tokyo"),
        "old_style_number": "(東)弁 10 第 50 号",  # as the form stores it (NFKC)
        "notified_on": date(2010, 4, 1),
        "valid_from": date(2024, 4, 1),
        "valid_until": date(2099, 3, 31),
    }
    values.update(overrides)
    return AgentRegisterEntry.objects.create(**values)
