"""Reviews of anything a bureau examines (審査). Knows no usage-request or application model:
the reviewed record points here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import RegionalBureau


class Review(models.Model):
    """One examination: its bureau and assignee, the SLA, the rule-result snapshot, the
    reviewer's settlements of needs_review items, and the four-eyes decision."""

    class Recommendation(models.TextChoices):
        NONE = "", _("None yet")
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    bureau = models.ForeignKey(
        RegionalBureau, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("bureau")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_reviews",
        verbose_name=_("assignee"),
    )
    due_on = models.DateField(_("review due"))
    ruleset = models.CharField(_("rule set"), max_length=10)
    evaluated_on = models.DateField(_("evaluated on"))
    rule_outcome = models.CharField(_("rule outcome"), max_length=15)
    results = models.JSONField(_("rule results"), default=list)
    overrides = models.JSONField(_("reviewer settlements"), default=dict, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=15,
        db_index=True,
        help_text=_("The rule outcome after the reviewer's settlements."),
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices, blank=True, default=""
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recommended by"),
    )
    recommended_at = models.DateTimeField(_("recommended at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # When the reviewed record was decided or withdrawn; NULL while the review is open (also
    # after a resubmission reopens it). Set by the reviewed record's services; the queue's
    # partial indexes below are built on it.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The open reviews (closed_at IS NULL, about 5 % of them) get partial indexes of
        # their own: a bureau's queue by due date (also "overdue", "due today", "due soon")
        # and the same across bureaus for auditors and administrators, and a bureau's open
        # reviews by assignee ("unassigned", the group-by). Each is a few tens of thousands
        # of entries on a million reviews, so the queue's first page reads ~50 of them in
        # due-date order instead of sorting every open review; the id lets counting and the
        # join to the reviewed record run from the index alone.
        indexes = [
            models.Index(fields=["bureau", "due_on"], name="review_queue_idx"),
            models.Index(
                fields=["bureau", "due_on", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="review_open_bureau_due_idx",
            ),
            models.Index(
                fields=["due_on", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="review_open_due_idx",
            ),
            models.Index(
                fields=["bureau", "assignee", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="review_open_assignee_idx",
            ),
            # A bureau's open reviews in id order: the capped count of its queue ("open",
            # COUNT over LIMIT 10,001) merge-joins them with the open requests' review ids
            # (usage_request_open_review_idx) and stops at the cap, where the indexes above
            # (ordered by due date or assignee first) make PostgreSQL hash every open review
            # of the bureau first: ~5 ms against ~13 ms for Tokyo on a million requests.
            models.Index(
                fields=["bureau", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="review_open_bureau_id_idx",
            ),
        ]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.ruleset} {self.outcome}"
