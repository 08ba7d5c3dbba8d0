"""Usage requests (利用申出) and authentication IDs (認証ID).

The model declares the lifecycle (django-fsm-2, protected); services run it."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin, transition

from backoffice.workbench.record import unmet_reason
from institutions.models import Institution
from reviews.models import Review


class RequestKind(models.TextChoices):
    NEW = "new", _("New usage request (新規利用申出)")
    ADDITIONAL = "additional", _("Additional user (追加利用申出)")
    PERIODIC_REPORT = "periodic_report", _("Periodic report (定期報告)")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    POST = "post", _("By post")
    COUNTER = "counter", _("At the counter")


class RequestState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for correction")
    RECOMMENDED = "recommended", _("Recommended")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = (
    RequestState.SUBMITTED,
    RequestState.UNDER_REVIEW,
    RequestState.RETURNED,
    RequestState.RECOMMENDED,
)


def _is_filer_side(request: UsageRequest, user: Any) -> bool:
    from usage_requests.selectors import may_file_for

    return may_file_for(user=user, institution=request.institution, acting_for=request.acting_for)


def _is_bureau_reviewer(request: UsageRequest, user: Any) -> bool:
    from backoffice.access.roles import BUREAU_SIDE

    return bool(
        getattr(user, "role", None) in BUREAU_SIDE
        and request.review is not None
        and user.bureau_id == request.review.bureau_id
    )


def _is_other_supervisor(request: UsageRequest, user: Any) -> bool:
    """Four eyes: a supervising reviewer of the bureau who did not recommend."""
    from backoffice.access.roles import Role

    return bool(
        getattr(user, "role", None) == Role.SUPERVISOR
        and _is_bureau_reviewer(request, user)
        and request.review is not None
        and request.review.recommended_by_id != user.pk
    )


@unmet_reason(_("Requirements fail or still need a decision: settle every needs-review item first."))
def _rules_allow_approval(request: UsageRequest) -> bool:
    return request.review is not None and request.review.outcome == "pass"


@cache
def _fsm_fields(model: type[models.Model]) -> tuple[FSMFieldMixin, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class UsageRequest(ConcurrentTransitionMixin, models.Model):
    """A usage request (利用申出): an institution's staff member asks to file online."""

    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices, default=RequestKind.NEW)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="usage_requests", verbose_name=_("institution")
    )
    acting_for = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="usage_requests_filed",
        verbose_name=_("filed through"),
        help_text=_("The support organisation or public-interest corporation whose staff member files."),
    )
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="usage_requests",
        verbose_name=_("filer"),
    )
    declared_facts = models.JSONField(_("declared facts"), default=dict, blank=True)
    state = FSMField(
        _("state"), default=RequestState.DRAFT, choices=RequestState.choices, protected=True, db_index=True
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    received_on = models.DateField(
        _("received on"),
        null=True,
        blank=True,
        help_text=_("For requests by post or at the counter: the day the papers arrived."),
    )
    review = models.OneToOneField(
        Review,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="usage_request",
        verbose_name=_("review"),
    )
    last_message = models.TextField(_("message to the filer"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "submitted_on"], name="usage_request_state_idx"),
            # The open requests' review ids, in order, under exactly the state list the
            # queue's "open" filter counts with (usage_requests/lists.py, _open_count): the
            # capped count merge-joins it with the bureau's open reviews in id order
            # (reviews: review_open_bureau_id_idx) and stops at the cap, and the
            # administrators' count reads it alone. (usage_request_open_idx, migration
            # 0005, also holds the returned requests, which the count would filter out.)
            models.Index(
                fields=["review"],
                condition=models.Q(
                    state__in=[RequestState.SUBMITTED, RequestState.UNDER_REVIEW, RequestState.RECOMMENDED]
                ),
                name="usage_request_open_review_idx",
            ),
            # The returned requests' review ids (a few in a hundred open ones): a bureau's
            # queue "open" alone is counted from its open reviews less these (lists.py,
            # _bureau_queue_count), which PostgreSQL merges in id order.
            models.Index(
                fields=["review"],
                condition=models.Q(state=RequestState.RETURNED),
                name="usage_request_returned_idx",
            ),
        ]
        verbose_name = _("usage request")
        verbose_name_plural = _("usage requests")

    def __str__(self) -> str:
        return f"UR-{self.pk:06d}" if self.pk else "UR-new"

    @property
    def state_fields(self) -> tuple[FSMFieldMixin, ...]:
        """The FSM fields, which ConcurrentTransitionMixin reads on every instance made (to
        remember their initial values): looked up once per class rather than among all the
        fields for each one (about half the cost of making the 51 requests of a list page)."""
        return _fsm_fields(type(self))

    # --- the lifecycle ----------------------------------------------------------------------

    @transition(
        field=state,
        source=RequestState.DRAFT,
        target=RequestState.SUBMITTED,
        permission=_is_filer_side,
        custom={"label": _("Submit")},
    )
    def submit(self) -> None:
        """The filer sends the request; the rules run and it joins its bureau's queue."""

    @transition(
        field=state,
        source=RequestState.SUBMITTED,
        target=RequestState.UNDER_REVIEW,
        permission=_is_bureau_reviewer,
        custom={"label": _("Start review")},
    )
    def start_review(self) -> None:
        """A reviewer of the bureau takes the request."""

    @transition(
        field=state,
        source=RequestState.UNDER_REVIEW,
        target=RequestState.RETURNED,
        permission=_is_bureau_reviewer,
        custom={"label": _("Return for correction"), "style": "secondary", "reason_required": True},
    )
    def return_to_filer(self) -> None:
        """The reviewer asks the filer to correct something."""

    @transition(
        field=state,
        source=RequestState.RETURNED,
        target=RequestState.SUBMITTED,
        permission=_is_filer_side,
        custom={"label": _("Resubmit")},
    )
    def resubmit(self) -> None:
        """The filer corrected the request; the rules run again."""

    @transition(
        field=state,
        source=RequestState.UNDER_REVIEW,
        target=RequestState.RECOMMENDED,
        permission=_is_bureau_reviewer,
        conditions=[_rules_allow_approval],
        custom={"label": _("Recommend approval")},
    )
    def recommend_approval(self) -> None:
        """The reviewer proposes approval; a different supervisor decides."""

    @transition(
        field=state,
        source=RequestState.UNDER_REVIEW,
        target=RequestState.RECOMMENDED,
        permission=_is_bureau_reviewer,
        custom={"label": _("Recommend rejection"), "style": "danger", "reason_required": True},
    )
    def recommend_rejection(self) -> None:
        """The reviewer proposes rejection, with the reasons."""

    @transition(
        field=state,
        source=RequestState.RECOMMENDED,
        target=RequestState.APPROVED,
        permission=_is_other_supervisor,
        conditions=[_rules_allow_approval],
        custom={"label": _("Approve")},
    )
    def approve(self) -> None:
        """A supervising reviewer who did not recommend approves; an authentication ID is issued."""

    @transition(
        field=state,
        source=RequestState.RECOMMENDED,
        target=RequestState.REJECTED,
        permission=_is_other_supervisor,
        custom={"label": _("Reject"), "style": "danger", "reason_required": True},
    )
    def reject(self) -> None:
        """A supervising reviewer who did not recommend rejects, with the reasons."""

    @transition(
        field=state,
        source=RequestState.RECOMMENDED,
        target=RequestState.UNDER_REVIEW,
        permission=_is_other_supervisor,
        custom={"label": _("Send back to the reviewer"), "style": "secondary", "reason_required": True},
    )
    def send_back(self) -> None:
        """The supervisor disagrees with the recommendation and sends it back."""

    @transition(
        field=state,
        source=[RequestState.DRAFT, *OPEN_STATES],
        target=RequestState.WITHDRAWN,
        permission=_is_filer_side,
        custom={"label": _("Withdraw"), "style": "secondary"},
    )
    def withdraw(self) -> None:
        """The filer withdraws before a decision."""


class AuthIdState(models.TextChoices):
    AWAITING_PASSWORD = "awaiting_password", _("Awaiting password")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked (抹消)")


class AuthenticationId(models.Model):
    """An authentication ID (認証ID), issued on approval; one per person and scope (§13 D4)."""

    code = models.CharField(_("authentication ID"), max_length=12, unique=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auth_ids", verbose_name=_("holder")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="auth_ids", verbose_name=_("institution")
    )
    usage_request = models.OneToOneField(
        UsageRequest, on_delete=models.PROTECT, related_name="auth_id", verbose_name=_("usage request")
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=AuthIdState.choices,
        default=AuthIdState.AWAITING_PASSWORD,
        db_index=True,
    )
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"))
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    password_set_on = models.DateField(_("password set on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    password = models.CharField(_("password"), max_length=128, blank=True)
    # Only the SHA-256 of the one-time link's token is kept; the token itself is mailed once.
    password_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    password_token_expires_at = models.DateTimeField(null=True, blank=True)
    renewal_reminded_on = models.DateField(_("renewal reminder sent on"), null=True, blank=True)
    report_deadline_notified_on = models.DateField(
        _("periodic-report deadline notice sent on"), null=True, blank=True
    )
    # Which password notices went out for the current password (30, 7 days before; 0 = expired).
    password_notices = models.JSONField(_("password notices sent"), default=list, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("revocation reason"),
        max_length=20,
        blank=True,
        choices=[
            ("own_request", _("At the holder's or institution's request")),
            ("sanction", _("Sanction")),
            ("superseded", _("Replaced by a new ID")),
        ],
    )
    revocation_note = models.TextField(_("revocation note"), blank=True)

    class Meta:
        constraints = [
            # One live ID per person and institution; a revoked one may be followed by a new one.
            models.UniqueConstraint(
                fields=["holder", "institution"],
                condition=~models.Q(state="revoked"),
                name="auth_id_one_live_per_scope",
            )
        ]
        verbose_name = _("authentication ID")
        verbose_name_plural = _("authentication IDs")

    def __str__(self) -> str:
        return f"{self.code[:4]}-{self.code[4:8]}-{self.code[8:]}"


class DocumentKind(models.TextChoices):
    PLEDGE = "pledge", _("Pledge (誓約書)")
    FINANCIALS = "financials", _("Financial statements (categories 3 and 4)")
    AGENT_CERTIFICATE = "agent_certificate", _("Copy of the 申請等取次者証明書 or a training certificate")
    PLEDGE_LIST = "pledge_list", _("利用者別誓約機関一覧表")
    OTHER = "other", _("Other document")


def _document_path(instance: RequestDocument, filename: str) -> str:
    # The stored name is ours, never the uploader's (which is kept in original_name).
    return f"usage_requests/{instance.request_id}/{instance.sha256[:16]}.pdf"


class RequestDocument(models.Model):
    """A PDF attached to a usage request, checked byte by byte before it is kept."""

    request = models.ForeignKey(
        UsageRequest, on_delete=models.CASCADE, related_name="documents", verbose_name=_("usage request")
    )
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=_document_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
