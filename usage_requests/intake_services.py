"""Requests that arrive on paper, by post (郵送) or at the counter (窓口), recorded by a reviewer
of the bureau with the scanned papers and the date of receipt. From then on they run the same
lifecycle as online requests; the review clock starts on the day the papers arrived."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.access.roles import BUREAU_SIDE, Role
from backoffice.audit.services import audit_log
from backoffice.text import nfkc, reject_my_number
from institutions.models import Institution, StaffMembership
from reviews.rules import ruleset_for
from usage_requests import services
from usage_requests.document_services import document_store, documents_check
from usage_requests.models import Channel, RequestKind, UsageRequest

PAPER_CHANNELS = (Channel.POST, Channel.COUNTER)
OLDEST_RECEIPT_DAYS = 365  # papers older than a year are a data-entry mistake, not a backlog


def _bureau_reviewer_of(actor: Any, institution: Institution) -> bool:
    return bool(
        getattr(actor, "role", None) in BUREAU_SIDE and actor.bureau_id == institution.prefecture.bureau_id
    )


def paper_filers(*, institution: Institution, today: date | None = None) -> list[Any]:
    """The institution's staff today, any of whom may have signed the paper request."""
    today = today or timezone.localdate()
    memberships = (
        StaffMembership.objects.filter(institution=institution, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(user__is_active=True, user__role=Role.INSTITUTION_STAFF)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )
    return [membership.user for membership in memberships]


def paper_filer_register(*, actor: Any, institution: Institution, name: str, email: str) -> Any:
    """The person named on the paper request (利用申出人) when they have no account yet: an
    institution-staff account without a password of its own (they log in with the ID issued
    on approval) and a membership from today. Call inside the recording transaction."""
    name, email = nfkc(name).strip(), nfkc(email).strip().lower()
    if not name:
        raise ValidationError({"filer_name": _("Write the filer's name as it appears on the request.")})
    try:
        reject_my_number(name)
    except ValidationError as exc:
        raise ValidationError({"filer_name": exc}) from exc
    if not email:
        raise ValidationError(
            {"filer_email": _("Write the filer's e-mail address: the result is sent there.")}
        )
    user_model = get_user_model()
    existing = user_model.objects.filter(email__iexact=email).first()
    if existing is not None:
        if existing in paper_filers(institution=institution):
            return existing
        raise ValidationError(
            {"filer_email": _("This address belongs to an account that is not staff of this institution.")}
        )
    user = user_model(
        username=f"paper-{secrets.token_hex(4)}", email=email, display_name=name, role=Role.INSTITUTION_STAFF
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    StaffMembership.objects.create(
        user=user, institution=institution, valid_from=timezone.localdate(), title=_("Filer (利用申出人)")
    )
    audit_log(
        actor=actor, action="user.registered_from_paper", target=user, institution_id=institution.pk,
        data={"display_name": name, "email": email},
    )  # fmt: skip
    return user


def usage_request_record_paper(
    *,
    actor: Any,
    institution: Institution,
    kind: str,
    channel: str,
    received_on: date,
    declared_facts: dict[str, Any],
    papers: Sequence[tuple[str, str, bytes]],
    filer: Any = None,
    new_filer: tuple[str, str] | None = None,
) -> UsageRequest:
    """Record a paper request and submit it as of ``received_on``: all or nothing.

    ``papers`` are (document kind, file name, bytes), every one checked before anything is
    kept. The filer is an existing staff member or ``new_filer`` = (name, e-mail)."""
    if not _bureau_reviewer_of(actor, institution):
        raise PermissionDenied
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if kind not in RequestKind.values:
        errors["kind"] = _("Choose the kind of request.")
    if channel not in PAPER_CHANNELS:
        errors["channel"] = _("Choose how the papers arrived: by post or at the counter.")
    if received_on > today:
        errors["received_on"] = _("The date of receipt cannot be in the future.")
    elif received_on < today - timedelta(days=OLDEST_RECEIPT_DAYS):
        errors["received_on"] = _("The date of receipt is more than a year ago; check it.")
    if not papers:
        errors["papers"] = _("Attach the scanned papers (PDF).")
    if (filer is None) == (new_filer is None):
        errors["filer"] = _("Choose the filer, or enter the name and e-mail of a new one.")
    elif filer is not None and filer not in paper_filers(institution=institution):
        errors["filer"] = _("The filer must be on the institution's staff.")
    if errors:
        raise ValidationError(errors)
    ruleset = ruleset_for(received_on, r2026_enabled=settings.RULESET_R2026_ENABLED)
    documents_check(papers, ruleset_name=ruleset.name)
    with transaction.atomic():
        if new_filer is not None:
            filer = paper_filer_register(
                actor=actor, institution=institution, name=new_filer[0], email=new_filer[1]
            )
        request: UsageRequest = UsageRequest.objects.create(
            kind=kind, channel=channel, institution=institution, filer=filer, declared_facts=declared_facts,
            received_on=received_on,
        )  # fmt: skip
        audit_log(
            actor=actor, action="usage_request.recorded", target=request, institution_id=institution.pk,
            data={"kind": kind, "channel": channel, "received_on": received_on.isoformat(),
                  "filer": filer.pk, "papers": len(papers)},
        )  # fmt: skip
        for doc_kind, filename, data in papers:
            document_store(
                request, actor=actor, kind=doc_kind, filename=filename, data=data, ruleset_name=ruleset.name
            )
        services.usage_request_submit_recorded(actor=actor, request_id=request.pk, received_on=received_on)
    recorded: UsageRequest = UsageRequest.objects.get(pk=request.pk)
    return recorded
