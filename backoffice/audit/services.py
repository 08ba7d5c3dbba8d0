"""Writing audit events. Call ``audit_log`` inside the same transaction as the change it records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from backoffice.audit.context import current_request_id
from backoffice.audit.hashing import canonical_row, chain_hash
from backoffice.audit.models import GLOBAL_CHAIN, AuditChainHead, AuditEvent, target_type_of

SYSTEM_CHAIN = "system"


def chain_for_institution(institution_id: int | None) -> str:
    return f"institution:{institution_id}" if institution_id is not None else SYSTEM_CHAIN


def _locked_heads(chain: str) -> tuple[AuditChainHead, AuditChainHead]:
    # Create missing heads without racing (INSERT .. ON CONFLICT DO NOTHING), then lock
    # them. Always in the same order (global first), so two writers cannot deadlock.
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(chain=GLOBAL_CHAIN), AuditChainHead(chain=chain)], ignore_conflicts=True
    )
    heads = {
        head.chain: head
        for head in AuditChainHead.objects.select_for_update()
        .filter(chain__in=[GLOBAL_CHAIN, chain])
        .order_by("chain")
    }
    return heads[GLOBAL_CHAIN], heads[chain]


def audit_log(
    *,
    actor: Any | None,
    action: str,
    target: models.Model,
    institution_id: int | None,
    data: Mapping[str, Any] | None = None,
    target_label: str | None = None,
) -> AuditEvent:
    """Append one event to the global chain and to the institution's chain (or ``system``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_log must run inside the transaction of the change it records")
    chain = chain_for_institution(institution_id)
    global_head, chain_head = _locked_heads(chain)
    occurred_at = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    fields: dict[str, Any] = {
        "global_seq": global_head.last_seq + 1,
        "chain": chain,
        "chain_seq": chain_head.last_seq + 1,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_label": str(actor) if actor_id else "system",
        "action": action,
        "target_type": target_type_of(target),
        "target_id": str(target.pk),
        "target_label": (target_label if target_label is not None else str(target))[:255],
        "institution_id": institution_id,
        "data": dict(data or {}),
        "request_id": current_request_id(),
    }
    canonical = canonical_row(**fields)
    event = AuditEvent(
        **fields,
        prev_hash=global_head.last_hash,
        hash=chain_hash(global_head.last_hash, canonical),
        chain_prev_hash=chain_head.last_hash,
        chain_hash=chain_hash(chain_head.last_hash, canonical),
    )
    event.save(force_insert=True)
    AuditChainHead.objects.filter(chain=GLOBAL_CHAIN).update(last_seq=event.global_seq, last_hash=event.hash)
    AuditChainHead.objects.filter(chain=chain).update(last_seq=event.chain_seq, last_hash=event.chain_hash)
    return event
