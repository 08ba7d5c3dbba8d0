"""Writes of the workbench: comments with mentions, activities, notifications, export jobs."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.audit.services import audit_log
from backoffice.text import reject_my_number
from backoffice.workbench.models import Activity, ExportJob, Notification, OutboxMessage
from backoffice.workbench.registry import RecordKind

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.+-]{2,150})")


def mentioned_usernames(body: str) -> list[str]:
    return sorted(set(_MENTION.findall(body)))


def notification_send(
    *, recipient: Any, verb: str, text: str, url: str, email_subject: str = "", email_body: str = ""
) -> Notification:
    """In-app notice plus an outbox e-mail; delivered by the worker after commit."""
    notice = Notification.objects.create(recipient=recipient, verb=verb, text=text[:500], url=url)
    if recipient.email:
        from django.conf import settings

        message = OutboxMessage.objects.create(
            recipient=recipient.email,
            subject=email_subject or text[:200],
            body=email_body or f"{text}\n\n{settings.SITE_URL}{url}\n",
        )
        from backoffice.workbench.tasks import outbox_deliver

        # robust: a broker outage must not turn a saved change into an error page; the
        # message stays in the outbox and outbox_flush sends it later.
        transaction.on_commit(lambda: outbox_deliver.delay(message.pk), robust=True)
    return notice


def comment_post(*, actor: Any, kind: RecordKind, target: models.Model, body: str) -> Any:
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > 5000:
        raise ValidationError({"body": _("A comment can be at most 5,000 characters long.")})
    reject_my_number(body)
    user_model = get_user_model()
    with transaction.atomic():
        mentioned = []
        for user in user_model.objects.filter(username__in=mentioned_usernames(body), is_active=True):
            # Only people who may see the record hear about it.
            try:
                kind.get_for_user(user, str(target.pk))
            except Exception:
                continue
            mentioned.append(user)
        event = audit_log(
            actor=actor,
            action="comment.posted",
            target=target,
            institution_id=kind.institution_id_of(target),
            data={"body": body, "mentions": [u.username for u in mentioned]},
        )
        for user in mentioned:
            if user.pk == actor.pk:
                continue
            notification_send(
                recipient=user,
                verb="mention",
                text=_("%(actor)s mentioned you on %(record)s: %(body)s")
                % {"actor": actor, "record": target, "body": body[:200]},
                url=kind.url_of(target),
            )
    return event


def activity_create(
    *,
    actor: Any,
    kind: RecordKind,
    target: models.Model,
    assignee: Any,
    summary: str,
    due_on: date,
    note: str = "",
) -> Activity:
    reject_my_number(summary)
    reject_my_number(note)
    try:
        kind.get_for_user(assignee, str(target.pk))
    except Exception as exc:
        raise ValidationError(
            {"assignee": _("%(user)s cannot see this record; choose someone who can.") % {"user": assignee}}
        ) from exc
    with transaction.atomic():
        activity = Activity.objects.create(
            target_type=f"{target._meta.app_label}.{target._meta.model_name}",
            target_id=str(target.pk),
            target_label=str(target)[:255],
            target_url=kind.url_of(target),
            institution_id=kind.institution_id_of(target),
            summary=summary,
            note=note,
            assignee=assignee,
            due_on=due_on,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="activity.scheduled",
            target=target,
            institution_id=activity.institution_id,
            data={
                "activity_id": activity.pk,
                "summary": summary,
                "assignee": assignee.username,
                "due_on": str(due_on),
            },
        )
        if assignee.pk != actor.pk:
            notification_send(
                recipient=assignee,
                verb="activity",
                text=_("%(actor)s assigned you “%(summary)s” on %(record)s, due %(due)s")
                % {"actor": actor, "summary": summary, "record": target, "due": due_on.isoformat()},
                url=activity.target_url,
            )
    return activity


def activity_mark_done(*, actor: Any, activity_id: int) -> Activity:
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity_id)
        if activity.done_at is not None:
            return activity
        activity.done_at = timezone.now()
        activity.done_by = actor
        activity.save(update_fields=["done_at", "done_by"])
        audit_log(
            actor=actor,
            action="activity.done",
            target=activity,
            institution_id=activity.institution_id,
            target_label=activity.target_label,
            data={"activity_id": activity.pk, "summary": activity.summary, "record": activity.target_label},
        )
    return activity


def export_job_create(
    *, actor: Any, list_key: str, title: str, params: dict[str, Any], file_format: str,
    encoding: str = "utf-8-sig", in_background: bool = True,
) -> ExportJob:  # fmt: skip
    """An export of one list (出力), if the actor's role may export it. In the background by
    default; ``in_background=False`` leaves the building to the caller (a small export)."""
    from backoffice.access.exports import may_export

    if not may_export(getattr(actor, "role", None), list_key):
        raise PermissionDenied
    if file_format not in {"csv", "xlsx"}:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    if encoding not in {"utf-8-sig", "cp932"}:
        raise ValidationError({"encoding": _("Choose UTF-8 or Shift_JIS.")})
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=actor, list_key=list_key, title=title, params=params, file_format=file_format,
            encoding=encoding if file_format == "csv" else "utf-8-sig",
        )  # fmt: skip
        audit_log(
            actor=actor,
            action="export.requested",
            target=job,
            institution_id=None,
            data={"list": list_key, "params": params, "format": file_format, "encoding": job.encoding},
        )
        if in_background:
            from backoffice.workbench.tasks import export_run

            transaction.on_commit(lambda: export_run.delay(job.pk), robust=True)
    return job
