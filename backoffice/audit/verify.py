"""Walking the chains: recompute every hash and report the first broken link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from backoffice.audit.hashing import canonical_row, chain_hash
from backoffice.audit.models import GENESIS_HASH, GLOBAL_CHAIN, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    global_seq: int
    chain_seq: int
    event_id: int
    reason: str


@dataclass
class VerificationReport:
    chains_checked: int = 0
    events_checked: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def _canonical(event: AuditEvent) -> str:
    return canonical_row(
        global_seq=event.global_seq,
        chain=event.chain,
        chain_seq=event.chain_seq,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        target_label=event.target_label,
        institution_id=event.institution_id,
        data=event.data,
        request_id=event.request_id,
    )


def _walk(events: Iterator[AuditEvent], *, chain: str, use_global: bool) -> tuple[int, BrokenLink | None]:
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in events:
        count += 1
        seq = event.global_seq if use_global else event.chain_seq
        stored_prev = event.prev_hash if use_global else event.chain_prev_hash
        stored_hash = event.hash if use_global else event.chain_hash

        def broken(reason: str, event: AuditEvent = event) -> BrokenLink:
            return BrokenLink(chain, event.global_seq, event.chain_seq, event.pk, reason)

        if seq != expected_seq:
            return count, broken(f"sequence gap: expected {expected_seq}, found {seq} (a row was removed)")
        if stored_prev != prev:
            return count, broken("previous-hash link does not match the row before it")
        if chain_hash(prev, _canonical(event)) != stored_hash:
            return count, broken("row content does not match its hash (the row was altered)")
        prev = stored_hash
        expected_seq += 1
    return count, None


def verify_chains(*, chains: list[str] | None = None) -> VerificationReport:
    """Verify the global chain and every scope chain (or only the named ones)."""
    report = VerificationReport()
    names = chains if chains is not None else [GLOBAL_CHAIN, *_scope_chains()]
    for name in names:
        if name == GLOBAL_CHAIN:
            rows = AuditEvent.objects.order_by("global_seq").iterator(chunk_size=2000)
            count, problem = _walk(rows, chain=name, use_global=True)
            tail = AuditEvent.objects.order_by("-global_seq").values_list("global_seq", flat=True).first()
        else:
            rows = AuditEvent.objects.filter(chain=name).order_by("chain_seq").iterator(chunk_size=2000)
            count, problem = _walk(rows, chain=name, use_global=False)
            tail = (
                AuditEvent.objects.filter(chain=name)
                .order_by("-chain_seq")
                .values_list("chain_seq", flat=True)
                .first()
            )
        report.chains_checked += 1
        report.events_checked += count
        if problem is None:
            head = AuditChainHead.objects.filter(chain=name).first()
            if head is not None and head.last_seq != (tail or 0):
                reason = f"chain head says {head.last_seq} rows, found {tail or 0}"
                problem = BrokenLink(name, 0, 0, 0, reason)
            elif head is not None and head.last_hash != _last_hash(name):
                problem = BrokenLink(name, 0, 0, 0, "chain head hash does not match the last row")
        if problem is not None:
            report.broken.append(problem)
    return report


def _last_hash(chain: str) -> str:
    if chain == GLOBAL_CHAIN:
        last = AuditEvent.objects.order_by("-global_seq").values_list("hash", flat=True).first()
    else:
        rows = AuditEvent.objects.filter(chain=chain).order_by("-chain_seq")
        last = rows.values_list("chain_hash", flat=True).first()
    return last or GENESIS_HASH


def _scope_chains() -> list[str]:
    return list(
        AuditEvent.objects.exclude(chain=GLOBAL_CHAIN)
        .values_list("chain", flat=True)
        .distinct()
        .order_by("chain")
    )
