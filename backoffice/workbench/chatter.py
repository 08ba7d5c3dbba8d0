"""Everything the form view shows under and beside a record: chatter, activities, forms."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from backoffice.access.roles import Cap
from backoffice.audit.models import AuditEvent, target_type_of
from backoffice.workbench.forms import ActivityForm, CommentForm
from backoffice.workbench.models import Activity
from backoffice.workbench.record import status_bar


def record_context(
    *,
    user: Any,
    obj: models.Model,
    status_field: str | None = None,
    chatter_institution_id: int | None = None,
) -> dict[str, Any]:
    """Status bar, chatter (newest first) and open activities for one record.

    With ``chatter_institution_id`` the chatter shows every event of that
    institution's chain (the institution and all its sub-records).
    """
    if chatter_institution_id is not None:
        events = AuditEvent.objects.filter(institution_id=chatter_institution_id)
    else:
        events = AuditEvent.objects.for_target(obj)
    today = timezone.localdate()
    target_type = target_type_of(obj)
    activities = Activity.objects.filter(target_type=target_type, target_id=str(obj.pk), done_at__isnull=True)
    return {
        "object": obj,
        "target_type": target_type,
        "status": status_bar(obj, status_field, user) if status_field else None,
        "chatter": list(events.select_related("actor").order_by("-global_seq")[:100]),
        "activities": [
            (a, a.due_state(today)) for a in activities.select_related("assignee").order_by("due_on")
        ],
        "comment_form": CommentForm() if user.can(Cap.COMMENT_POST) else None,
        "activity_form": ActivityForm() if user.can(Cap.ACTIVITY_MANAGE) else None,
    }
