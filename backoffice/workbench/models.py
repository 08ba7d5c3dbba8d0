"""Activities (to-dos on a record), in-app notifications, the mail outbox and export jobs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """A due-dated to-do attached to any record (Odoo's mail.activity)."""

    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(_("record"), max_length=255)
    target_url = models.CharField(max_length=255)
    institution_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    # Empty while a queue item waits for someone to take it (e.g. a review not yet assigned).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("assignee"),
    )
    due_on = models.DateField(_("due date"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_on"], name="activity_inbox_idx"),
            models.Index(fields=["target_type", "target_id"], name="activity_target_idx"),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.summary

    def due_state(self, today: date) -> str:
        """overdue / today / planned / done: drives the colouring."""
        if self.done_at is not None:
            return "done"
        if self.due_on < today:
            return "overdue"
        if self.due_on == today:
            return "today"
        return "planned"


class Notification(models.Model):
    """An in-app notice for one user, e.g. a mention in a comment."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.text


class OutboxMessage(models.Model):
    """An e-mail waiting to be sent. Written in the business transaction, so a broker outage loses nothing."""

    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class ExportJob(models.Model):
    """An export of one list's current filter, built by the worker with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs")
    list_key = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    params = models.JSONField(default=dict)
    file_format = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    # CSV only: UTF-8 with a BOM (Excel opens it), or Shift_JIS (CP932) on request.
    encoding = models.CharField(
        max_length=10, default="utf-8-sig",
        choices=[("utf-8-sig", _("UTF-8 (with BOM)")), ("cp932", _("Shift_JIS (CP932)"))],
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(null=True, blank=True)
    done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("download link valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.file_format})"

    def expired(self, now: Any) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, int(self.done * 100 / self.total))
