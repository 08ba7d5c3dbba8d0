"""The business event log: append-only, hash-chained; the source of every record's chatter.

Each row sits on two chains: the global chain and its scope's chain (one per
institution, or ``system`` for events that belong to none). A row's hash on a
chain is SHA-256(previous hash on that chain ‖ canonical JSON of the row).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GLOBAL_CHAIN = "global"
GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit row."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("audit events cannot be deleted")

    def for_target(self, obj: models.Model) -> AuditEventQuerySet:
        return self.filter(target_type=target_type_of(obj), target_id=str(obj.pk))


def target_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


class AuditEvent(models.Model):
    """One business event (監査ログ): who did what to which record, when, with what data."""

    global_seq = models.BigIntegerField(unique=True, editable=False)
    chain = models.CharField(max_length=40, db_index=True, editable=False)
    chain_seq = models.BigIntegerField(editable=False)
    occurred_at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=255, blank=True)
    institution_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    chain_prev_hash = models.CharField(max_length=64, editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-global_seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["target_type", "target_id", "-global_seq"], name="audit_target_idx")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.global_seq} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditChainHead(models.Model):
    """The last sequence number and hash of one chain; its row lock serialises appends."""

    chain = models.CharField(max_length=40, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.chain}@{self.last_seq}"
