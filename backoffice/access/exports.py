"""Who may export which list (出力権限): a permission of its own, per role and list, separate from
seeing the list. By default auditors and supervising reviewers export every exportable list; the
table below is where an installation widens or narrows that per list. Plain data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping

from backoffice.access.roles import Role

DEFAULT_EXPORTERS: frozenset[str] = frozenset({Role.AUDITOR, Role.SUPERVISOR})

# list key → the roles that may export it, where it differs from DEFAULT_EXPORTERS.
EXPORTERS_BY_LIST: Mapping[str, frozenset[str]] = {}


def may_export(role: str | None, list_key: str) -> bool:
    """Whether a user of ``role`` may export the list ``list_key`` (within what they may see)."""
    if role is None:
        return False
    return role in EXPORTERS_BY_LIST.get(list_key, DEFAULT_EXPORTERS)


def exporting_roles() -> frozenset[str]:
    """Every role that may export some list: they get the export pages (Cap.EXPORT)."""
    roles = set(DEFAULT_EXPORTERS)
    for allowed in EXPORTERS_BY_LIST.values():
        roles |= allowed
    return frozenset(roles)
