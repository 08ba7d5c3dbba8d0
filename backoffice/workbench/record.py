"""The form view's header: the status bar (path taken, current, next) and transition buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django_fsm import FSMFieldMixin

from backoffice.audit.models import AuditEvent


def unmet_reason(message: Any) -> Callable[[Callable[[Any], bool]], Callable[[Any], bool]]:
    """Attach the message that explains a failed transition condition to its button."""

    def mark(condition: Callable[[Any], bool]) -> Callable[[Any], bool]:
        condition.unmet_message = message  # type: ignore[attr-defined]
        return condition

    return mark


@dataclass(frozen=True)
class TransitionButton:
    name: str
    label: Any
    target: str
    target_label: Any
    enabled: bool
    reasons: list[Any] = field(default_factory=list)
    style: str = "primary"
    reason_required: bool = False


@dataclass(frozen=True)
class StatusStep:
    value: str
    label: Any
    kind: str  # "taken", "current", "next" or "other"


@dataclass(frozen=True)
class StatusBar:
    steps: list[StatusStep]
    buttons: list[TransitionButton]


def _source_matches(source: Any, current: str, target: Any) -> bool:
    return bool(source == current or source == "*" or (source == "+" and current != target))


def status_bar(obj: models.Model, field_name: str, user: Any) -> StatusBar:
    fsm_field = obj._meta.get_field(field_name)
    assert isinstance(fsm_field, FSMFieldMixin)
    current = getattr(obj, field_name)
    labels = dict(fsm_field.choices or [])
    buttons: list[TransitionButton] = []
    next_states: set[str] = set()
    seen: set[str] = set()
    for transition in fsm_field.get_all_transitions(obj.__class__):
        if not _source_matches(transition.source, current, transition.target) or transition.name in seen:
            continue
        custom = transition.custom
        if custom.get("button") is False:
            continue
        if not transition.has_perm(obj, user):
            continue
        seen.add(transition.name)
        reasons = [
            getattr(cond, "unmet_message", cond.__name__) for cond in transition.conditions if not cond(obj)
        ]
        target = str(transition.target)
        next_states.add(target)
        buttons.append(
            TransitionButton(
                name=transition.name,
                label=custom.get("label", transition.name),
                target=target,
                target_label=labels.get(target, target),
                enabled=not reasons,
                reasons=reasons,
                style=custom.get("style", "primary"),
                reason_required=bool(custom.get("reason_required", False)),
            )
        )
    # Buttons follow the lifecycle's order of states, not the order Python lists methods in.
    order = {value: i for i, (value, _label) in enumerate(fsm_field.choices or [])}
    buttons.sort(key=lambda b: order.get(b.target, len(order)))
    taken = _path_taken(obj, field_name)
    steps: list[StatusStep] = []
    for value, label in fsm_field.choices or []:
        if value == current:
            kind = "current"
        elif value in taken:
            kind = "taken"
        elif value in next_states:
            kind = "next"
        else:
            kind = "other"
        steps.append(StatusStep(value=value, label=label, kind=kind))
    return StatusBar(steps=steps, buttons=buttons)


def _path_taken(obj: models.Model, field_name: str) -> set[str]:
    taken: set[str] = set()
    for data in AuditEvent.objects.for_target(obj).values_list("data", flat=True):
        transition = data.get("transition") if isinstance(data, dict) else None
        if transition and transition.get("field", field_name) == field_name:
            taken.add(transition.get("from", ""))
    return taken
