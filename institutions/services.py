"""Every write of the registry: one transaction, the row locked, the audit event inside it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from backoffice.access.roles import BUREAU_SIDE, Cap, Role
from backoffice.audit.services import audit_log
from backoffice.text import reject_my_number
from institutions.models import Delegation, Institution
from institutions.rules import Category1Basis, CategoryDecision, CategoryEvidence, category_for
from institutions.selectors import institution_can_change


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def field_changes(instance: models.Model, before: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Old → new for the fields that changed: the chatter's tracking lines."""
    changes = {}
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if old != new:
            changes[name] = {"from": _jsonable(old), "to": _jsonable(new)}
    return changes


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def category_decision(institution: Institution) -> CategoryDecision:
    basis = Category1Basis(institution.category1_basis) if institution.category1_basis else None
    return category_for(
        CategoryEvidence(
            category1_basis=basis,
            statutory_report_filed=institution.statutory_report_filed,
            withholding_tax_yen=institution.withholding_tax_yen,
        )
    )


def _apply_category(institution: Institution) -> None:
    decision = category_decision(institution)
    institution.category = decision.category
    institution.category_reason = f"{decision.code}: {decision.explanation_ja} / {decision.explanation_en}"[
        :300
    ]


def institution_create(*, actor: Any, data: dict[str, Any]) -> Institution:
    with transaction.atomic():
        institution = Institution(**data)
        _apply_category(institution)
        institution.save()
        audit_log(
            actor=actor,
            action="institution.created",
            target=institution,
            institution_id=institution.pk,
            data={"fields": {k: _jsonable(v) for k, v in data.items()}, "category": institution.category},
        )
    return institution


def institution_update(*, actor: Any, institution_id: int, data: dict[str, Any]) -> Institution:
    with transaction.atomic():
        institution = Institution.objects.select_for_update().get(pk=institution_id)
        fields = [*data.keys(), "category"]
        before = snapshot(institution, fields)
        for name, value in data.items():
            setattr(institution, name, value)
        _apply_category(institution)
        changes = field_changes(institution, before, fields)
        if not changes:
            return institution
        institution.save(update_fields=[*data.keys(), "category", "category_reason", "updated_at"])
        audit_log(
            actor=actor,
            action="institution.updated",
            target=institution,
            institution_id=institution.pk,
            data={"changes": changes},
        )
    return institution


def institution_transition(*, actor: Any, institution_id: int, name: str, reason: str = "") -> Institution:
    """Run one lifecycle transition (suspend, reinstate, close) with its permission and conditions."""
    if name not in {"suspend", "reinstate", "close"}:
        raise PermissionDenied
    reject_my_number(reason)
    with transaction.atomic():
        institution = Institution.objects.select_for_update().get(pk=institution_id)
        method = getattr(institution, name)
        if not institution_can_change(user=actor, institution=institution):
            raise PermissionDenied
        if not has_transition_perm(method, actor):
            if can_proceed(method, check_conditions=False) and not can_proceed(method):
                raise ValidationError(_("This action is blocked: its conditions are not met."))
            raise PermissionDenied
        if _reason_required(institution, name) and not reason.strip():
            raise ValidationError(_("Give a reason for this action; it is kept in the record's history."))
        source = institution.status
        method()
        institution.save(update_fields=["status", "updated_at"])
        audit_log(
            actor=actor,
            action=f"institution.{name}",
            target=institution,
            institution_id=institution.pk,
            data={
                "transition": {"field": "status", "from": source, "to": institution.status},
                "reason": reason,
            },
        )
    return institution


def _reason_required(institution: Institution, name: str) -> bool:
    fsm_field = Institution._meta.get_field("status")
    return any(
        t.name == name and t.custom.get("reason_required") for t in fsm_field.get_all_transitions(Institution)
    )


def child_record_save(
    *,
    actor: Any,
    instance: models.Model,
    entity: str,
    institution_id: int,
    fields: list[str],
    before: dict[str, Any] | None,
) -> models.Model:
    """Create or update an officer, sentence, filing, employee, membership or delegation.

    ``before`` is the snapshot taken when the form was loaded (None when creating).
    """
    _refuse_withdrawn(instance)
    with transaction.atomic():
        if before is None:
            instance.save()
            audit_log(
                actor=actor,
                action=f"{entity}.created",
                target=instance,
                institution_id=institution_id,
                data={"fields": {name: _jsonable(getattr(instance, name)) for name in fields}},
            )
            return instance
        type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
        changes = field_changes(instance, before, fields)
        if changes:
            instance.save()
            audit_log(
                actor=actor,
                action=f"{entity}.updated",
                target=instance,
                institution_id=institution_id,
                data={"changes": changes},
            )
    return instance


def _refuse_withdrawn(instance: models.Model) -> None:
    """A withdrawn delegation is history: its dates and its row stay as they were."""
    if isinstance(instance, Delegation) and instance.pk and instance.withdrawn_at is not None:
        raise ValidationError(_("This delegation was withdrawn and can no longer be changed or deleted."))


def child_record_delete(*, actor: Any, instance: models.Model, entity: str, institution_id: int) -> None:
    _refuse_withdrawn(instance)
    with transaction.atomic():
        label = str(instance)
        audit_log(
            actor=actor,
            action=f"{entity}.deleted",
            target=instance,
            institution_id=institution_id,
            data={"label": label},
        )
        instance.delete()


def delegation_may_withdraw(*, user: Any, delegation: Delegation) -> bool:
    """Withdrawing is the delegating institution's own act: its staff (those who may change
    its records, as for every other sub-record) or an administrator. Reviewers may correct a
    delegation through the registry but do not withdraw one in the institution's name; the
    agent's staff never withdraw what they were given."""
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.DELEGATION_MANAGE):
        return False
    if user.role == Role.ADMINISTRATOR:
        return True
    if user.role in BUREAU_SIDE:
        return False
    return institution_can_change(user=user, institution=delegation.principal)


def delegation_withdraw(*, actor: Any, delegation_id: int, reason: str) -> Delegation:
    """The delegating institution withdraws its delegation (依頼の取下げ) from today.

    The delegation stops counting as active at once (``active_on`` excludes withdrawn ones),
    so the agent's staff lose the institution from their scope and can no longer file for it.
    What depends on the delegation in later apps (authentication IDs) is handled by their own
    service, in the same transaction: ``usage_requests.delegation_services``.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Write why the delegation is withdrawn; it is kept in the delegation's history.")}
        )
    try:
        reject_my_number(reason)
    except ValidationError as exc:
        raise ValidationError({"reason": exc}) from exc
    with transaction.atomic():
        delegation = (
            Delegation.objects.select_for_update(of=("self",))
            .select_related("principal__prefecture", "agent")
            .get(pk=delegation_id)
        )
        if not delegation_may_withdraw(user=actor, delegation=delegation):
            raise PermissionDenied
        today = timezone.localdate()
        if delegation.withdrawn_at is not None:
            raise ValidationError(_("This delegation was already withdrawn."))
        if delegation.valid_to is not None and delegation.valid_to < today:
            raise ValidationError(
                _("This delegation already ended on %(day)s; there is nothing to withdraw.")
                % {"day": delegation.valid_to.isoformat()}
            )
        before_valid_to = delegation.valid_to
        delegation.withdrawn_at = timezone.now()
        delegation.withdrawn_by = actor
        delegation.withdrawal_reason = reason
        # Ends today (a delegation not yet started thus never comes into force).
        delegation.valid_to = today
        delegation.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "valid_to"])
        data = {
            "principal": _jsonable(delegation.principal),
            "agent": _jsonable(delegation.agent),
            "scope": list(delegation.scope or []),
            "reason": reason,
            "changes": {"valid_to": {"from": _jsonable(before_valid_to), "to": today.isoformat()}},
        }
        audit_log(
            actor=actor,
            action="delegation.withdrawn",
            target=delegation,
            institution_id=delegation.principal_id,
            data=data,
        )
        # An event row belongs to one chain. The agent's chain records it too, so that the
        # organisation's own history (and its chain verification) shows it lost the delegation.
        audit_log(
            actor=actor,
            action="institution.delegation_withdrawn",
            target=delegation.agent,
            institution_id=delegation.agent_id,
            data={**data, "delegation": delegation.pk},
        )
    return delegation
