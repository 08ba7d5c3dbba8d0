"""Canonical form of an audit row and its chain hashes. Pure functions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def canonical_row(
    *,
    global_seq: int,
    chain: str,
    chain_seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    institution_id: int | None,
    data: Mapping[str, Any],
    request_id: str,
) -> str:
    """Sorted keys, no whitespace, UTF-8 kept, timestamps in UTC ISO form with microseconds."""
    payload = {
        "global_seq": global_seq,
        "chain": chain,
        "chain_seq": chain_seq,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": target_label,
        "institution_id": institution_id,
        "data": data,
        "request_id": request_id,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
