"""Issuing, handing out and verifying documents (発行文書): the only writes of issued documents.

``document_issue`` gathers the record's facts into the renderer's dataclass, renders the PDF
(outside any transaction: nothing is locked while reportlab works), then in one transaction
stores the bytes with their SHA-256 and writes the audit event. A notice or receipt is issued
once per record, kind and language: asking again hands out the stored bytes, so its number and
QR code never change. An audit trail is issued again once its record has newer events.

Two people asking at the same moment: the partial unique constraints on IssuedDocument let one
insert win; the other's fails and it hands out the winner's document instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import Application, FilerKind
from applications.rules.catalogue import PROCEDURE_BY_CODE, STATUS_BY_CODE, Procedure
from backoffice.accounts.models import RegionalBureau
from backoffice.audit.models import AuditEvent, target_type_of
from backoffice.audit.services import audit_log
from backoffice.periods import period_end
from backoffice.workbench.templatetags.workbench import action_label, change_value, field_label, state_label
from reporting.models import DocumentKind, IssuedDocument
from reporting.pdf.audit_trail import AuditTrail, TrailEvent, audit_trail_pdf
from reporting.pdf.common import LANGUAGES, Frame, Language
from reporting.pdf.notices import (
    ApprovalNotice,
    ExtendedId,
    FailedRequirement,
    PeriodicReportAcceptance,
    RejectionNotice,
    RequestParticulars,
    RevocationNotice,
    approval_notice_pdf,
    periodic_report_acceptance_pdf,
    rejection_notice_pdf,
    revocation_notice_pdf,
)
from reporting.pdf.receipt import ApplicationReceipt, Labelled, application_receipt_pdf
from reporting.selectors import Subject, subject_of
from reporting.verification import is_genuine, new_document_number, sha256_of
from reviews.presentation import result_rows
from usage_requests import auth_ids
from usage_requests.id_services import PASSWORD_LINK_HOURS
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.pledge import REQUEST_KIND_LABELS

TITLES: dict[str, tuple[str, str]] = {
    DocumentKind.APPROVAL_NOTICE: (
        "在留申請オンラインシステム利用承認通知書",
        "Notice of Approval to Use the Online Residence Application System",
    ),
    DocumentKind.REJECTION_NOTICE: (
        "在留申請オンラインシステム利用不承認通知書",
        "Notice of Rejection of a Request to Use the Online Residence Application System",
    ),
    DocumentKind.REVOCATION_NOTICE: ("認証ID抹消通知書", "Notice of Revocation of an Authentication ID"),
    DocumentKind.PERIODIC_REPORT_ACCEPTANCE: (
        "定期報告受理通知書",
        "Notice of Acceptance of a Periodic Report",
    ),
    DocumentKind.APPLICATION_RECEIPT: ("申請受付票", "Receipt of a Residence Application"),
    DocumentKind.AUDIT_TRAIL: ("監査証跡", "Audit Trail"),
}
# The notices whose verification page reports an authentication ID's state.
ID_NOTICES = frozenset(
    {
        DocumentKind.APPROVAL_NOTICE,
        DocumentKind.REVOCATION_NOTICE,
        DocumentKind.PERIODIC_REPORT_ACCEPTANCE,
    }
)


def verify_url(number: str) -> str:
    """What the QR code opens: the public verification page, absolute."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('verify_document', args=[number])}"


# --- gathering the facts (ORM → the renderers' plain values) ---------------------------------


@dataclass(frozen=True)
class _Facts:
    """What a builder needs besides the record: the frame and, for an audit trail, its range."""

    frame: Frame
    as_of_seq: int | None


def _bureau_of(record: Any) -> RegionalBureau | None:
    """The bureau that decided (or examines) the record: its name heads the document."""
    bureau: RegionalBureau | None = None
    if isinstance(record, UsageRequest | AuthenticationId):
        review = record.review if isinstance(record, UsageRequest) else record.usage_request.review
        bureau = review.bureau if review is not None else record.institution.prefecture.bureau
    elif isinstance(record, Application):
        bureau = record.bureau
    return bureau


def _institution_id_of(record: Any) -> int | None:
    institution_id = getattr(record, "institution_id", None)
    return int(institution_id) if institution_id is not None else None


def _local_date(moment: Any) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def _request_particulars(request: UsageRequest) -> RequestParticulars:
    labels = REQUEST_KIND_LABELS.get(request.kind, {"ja": request.kind, "en": request.kind})
    return RequestParticulars(
        number=str(request),
        kind_ja=labels["ja"],
        kind_en=labels["en"],
        institution_name=request.institution.name,
        filer_name=str(request.filer),
        submitted_on=request.submitted_on,
        ruleset=request.review.ruleset if request.review is not None else "—",
        acting_for_name=request.acting_for.name if request.acting_for_id and request.acting_for else "",
    )


def _decision_event(request: UsageRequest, name: str) -> AuditEvent | None:
    found: AuditEvent | None = (
        AuditEvent.objects.for_target(request)
        .filter(action=f"usage_request.{name}")
        .order_by("-global_seq")
        .first()
    )
    return found


def _approval(request: UsageRequest, facts: _Facts) -> bytes:
    auth_id = AuthenticationId.objects.select_related("holder").get(usage_request=request)
    review = request.review
    assert review is not None  # an approved request was reviewed
    approved_on = _local_date(review.decided_at) or facts.frame.issued_on
    return approval_notice_pdf(
        ApprovalNotice(
            frame=facts.frame,
            request=_request_particulars(request),
            approved_on=approved_on,
            auth_id=auth_ids.display(auth_id.code),
            holder_name=str(auth_id.holder),
            validity_years=auth_id.validity_years,
            valid_until=auth_id.valid_until,
            password_link_hours=PASSWORD_LINK_HOURS,
        )
    )


def _failed_requirements(request: UsageRequest) -> tuple[FailedRequirement, ...]:
    review = request.review
    if review is None:
        return ()
    ja = result_rows(review.results, english=False, overrides=review.overrides)
    en = {row["code"]: row for row in result_rows(review.results, english=True, overrides=review.overrides)}
    return tuple(
        FailedRequirement(
            code=row["code"],
            title_ja=row["title"],
            title_en=en[row["code"]]["title"],
            explanation_ja=row["text"],
            explanation_en=en[row["code"]]["text"],
            settled_reason=(row.get("settled") or {}).get("reason", ""),
        )
        for row in ja
        if row["outcome"] == "fail"
    )


def _rejection(request: UsageRequest, facts: _Facts) -> bytes:
    review = request.review
    event = _decision_event(request, "reject")
    reason = (event.data.get("reason") if event is not None else "") or request.last_message
    decided_on = _local_date(review.decided_at if review is not None else None) or facts.frame.issued_on
    return rejection_notice_pdf(
        RejectionNotice(
            frame=facts.frame,
            request=_request_particulars(request),
            decided_on=decided_on,
            reason=reason,
            failed=_failed_requirements(request),
        )
    )


def _periodic_report(request: UsageRequest, facts: _Facts) -> bytes:
    review = request.review
    assert review is not None
    event = _decision_event(request, "approve")
    extended: dict[str, str] = dict((event.data.get("extended") or {}) if event is not None else {})
    codes = {auth_ids.normalise(code): until for code, until in extended.items()}
    holders = {
        auth_id.code: str(auth_id.holder)
        for auth_id in AuthenticationId.objects.filter(code__in=codes).select_related("holder")
    }
    from reviews.rules import RULESETS

    ruleset = RULESETS.get(review.ruleset)
    return periodic_report_acceptance_pdf(
        PeriodicReportAcceptance(
            frame=facts.frame,
            request=_request_particulars(request),
            accepted_on=_local_date(review.decided_at) or facts.frame.issued_on,
            validity_years=ruleset.id_validity_years if ruleset is not None else 1,
            extended=tuple(
                ExtendedId(auth_ids.display(code), holders.get(code, ""), date.fromisoformat(until))
                for code, until in sorted(codes.items())
            ),
        )
    )


def _revocation(auth_id: AuthenticationId, facts: _Facts) -> bytes:
    revoked_on = _local_date(auth_id.revoked_at) or facts.frame.issued_on
    cooldown = (
        period_end(revoked_on, years=1, count_first_day=False)
        if auth_id.revocation_reason == "sanction"
        else None
    )
    return revocation_notice_pdf(
        RevocationNotice(
            frame=facts.frame,
            auth_id=auth_ids.display(auth_id.code),
            holder_name=str(auth_id.holder),
            institution_name=auth_id.institution.name,
            request_number=str(auth_id.usage_request),
            revoked_on=revoked_on,
            reason=auth_id.revocation_reason or "own_request",
            note=auth_id.revocation_note,
            cooldown_until=cooldown,
        )
    )


_LABEL_PARTS = re.compile(r"^(?P<en>.*?)\s*\((?P<ja>[^()]*)\)\s*$")


def _filer_kind(value: str) -> Labelled:
    """FilerKind's label "Institution staff (所属機関の職員)" as its two halves."""
    with translation.override("en"):
        label = str(FilerKind(value).label) if value in FilerKind.values else value
    match = _LABEL_PARTS.match(label)
    return Labelled(match["ja"], match["en"]) if match else Labelled(label, label)


def _procedure(code: str) -> Labelled:
    entry = PROCEDURE_BY_CODE.get(Procedure(code)) if code in Procedure._value2member_map_ else None
    return Labelled(entry.ja, entry.en) if entry else Labelled(code, code)


def _status(code: str) -> Labelled:
    entry = STATUS_BY_CODE.get(code)
    return Labelled(entry.ja, entry.en) if entry else Labelled(code, code)


SPECIAL_PERIOD_PROCEDURES = frozenset({Procedure.CHANGE.value, Procedure.EXTENSION.value})


def _receipt(application: Application, facts: _Facts) -> bytes:
    received_on = _local_date(application.received_at) or facts.frame.issued_on
    filed_on = _local_date(application.submitted_at) or received_on
    accompanying = application.accompanying.exclude(state="withdrawn").order_by("pk")
    special = bool(
        application.procedure in SPECIAL_PERIOD_PROCEDURES
        and application.period_of_stay_until is not None
        and filed_on <= application.period_of_stay_until
    )
    return application_receipt_pdf(
        ApplicationReceipt(
            frame=facts.frame,
            receipt_number=application.receipt_number or "",
            provisional_number=application.provisional_number or "—",
            received_on=received_on,
            filed_on=filed_on,
            procedure=_procedure(application.procedure),
            accompanying=tuple(_procedure(a.procedure) for a in accompanying),
            applicant_name=application.subject_name,
            nationality=application.nationality,
            date_of_birth=application.date_of_birth,
            residence_card_number=application.residence_card_number,
            status_applied_for=_status(application.status),
            current_status=_status(application.current_status) if application.current_status else None,
            period_of_stay_until=application.period_of_stay_until,
            filer_name=str(application.filer),
            filer_kind=_filer_kind(application.filing.filer_kind),
            institution_name=application.institution.name if application.institution else "",
            special_period=special,
        )
    )


# The audit data keys shown on their own lines, or left out because they are long snapshots.
_SKIPPED_KEYS = frozenset({"transition", "reason", "changes", "rules", "declared_facts"})


def _short(value: Any, limit: int = 160) -> str:
    text = str(change_value(value))
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _event_lines(event: AuditEvent, language: str) -> list[str]:
    data = event.data if isinstance(event.data, dict) else {}
    lines: list[str] = []
    with translation.override(language):
        transition = data.get("transition")
        if isinstance(transition, dict):
            lines.append(
                f"{state_label(event, transition.get('from', ''))} → {state_label(event, transition.get('to', ''))}"
            )
        if data.get("reason"):
            lines.append(f"{_('Reason')}: {_short(data['reason'], 400)}")
        changes = data.get("changes")
        if isinstance(changes, dict):
            for name, change in changes.items():
                if isinstance(change, dict):
                    lines.append(
                        f"{field_label(event, name)}: {_short(change.get('from'))} → {_short(change.get('to'))}"
                    )
        rules = data.get("rules")
        if isinstance(rules, dict):
            lines.append(f"{rules.get('ruleset', '')}: {rules.get('outcome', '')}")
        for key, value in data.items():
            if key not in _SKIPPED_KEYS:
                lines.append(f"{key}: {_short(value)}")
    return lines


def _trail_events(record: Any, as_of_seq: int) -> tuple[TrailEvent, ...]:
    events = []
    for event in (
        AuditEvent.objects.for_target(record).filter(global_seq__lte=as_of_seq).order_by("global_seq")
    ):
        with translation.override("ja"):
            label_ja = str(action_label(event))
        with translation.override("en"):
            label_en = str(action_label(event))
        ja, en = _event_lines(event, "ja"), _event_lines(event, "en")
        details = tuple(zip(ja, en, strict=True)) if len(ja) == len(en) else tuple((line, "") for line in ja)
        events.append(
            TrailEvent(
                seq=event.global_seq,
                occurred_at=event.occurred_at,
                actor=event.actor_label,
                action=event.action,
                label_ja=label_ja,
                label_en=label_en,
                details=details,
                hash=event.hash,
            )
        )
    return tuple(events)


def _audit_trail(record: Any, facts: _Facts) -> bytes:
    subject = subject_of(record)
    as_of = facts.as_of_seq or 0
    institution = getattr(record, "institution", None)
    return audit_trail_pdf(
        AuditTrail(
            frame=facts.frame,
            record_kind_ja=subject.label_ja,
            record_kind_en=subject.label_en,
            record_label=str(record),
            record_ref=f"{target_type_of(record)}:{record.pk}",
            institution_name=institution.name if institution is not None else "",
            as_of_seq=as_of,
            events=_trail_events(record, as_of),
        )
    )


BUILDERS: dict[str, Callable[[Any, _Facts], bytes]] = {
    DocumentKind.APPROVAL_NOTICE: _approval,
    DocumentKind.REJECTION_NOTICE: _rejection,
    DocumentKind.PERIODIC_REPORT_ACCEPTANCE: _periodic_report,
    DocumentKind.REVOCATION_NOTICE: _revocation,
    DocumentKind.APPLICATION_RECEIPT: _receipt,
    DocumentKind.AUDIT_TRAIL: _audit_trail,
}


# --- the services --------------------------------------------------------------------------------


def last_event_seq(record: Any) -> int:
    """The global sequence number of the record's latest audit event (0: none yet)."""
    latest = AuditEvent.objects.for_target(record).aggregate(latest=Max("global_seq"))["latest"]
    return int(latest or 0)


def _issued(
    subject: Subject, record: Any, kind: str, language: str, as_of_seq: int | None
) -> IssuedDocument | None:
    qs = IssuedDocument.objects.filter(
        subject_type=subject.type, subject_id=str(record.pk), kind=kind, language=language
    )
    if kind == DocumentKind.AUDIT_TRAIL:
        qs = qs.filter(as_of_seq=as_of_seq)
    found: IssuedDocument | None = qs.select_related("bureau").order_by("pk").first()
    return found


def _audit(actor: Any, action: str, document: IssuedDocument, **data: Any) -> None:
    audit_log(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target=document,
        institution_id=document.institution_id,
        target_label=f"{document.number} {document.kind} {document.subject_type}:{document.subject_id}",
        data={"number": document.number, "kind": document.kind, "language": document.language, **data},
    )


def document_handed_out(*, actor: Any, document: IssuedDocument) -> None:
    """A stored document given again (re-asked or downloaded): who fetched it, audited."""
    with transaction.atomic():
        _audit(actor, "document.pdf_downloaded", document, sha256=document.sha256)


def document_issue(*, actor: Any, record: Any, kind: str, language: str) -> tuple[IssuedDocument, bool]:
    """The document of ``kind`` about ``record`` in ``language`` ("ja", or "en": Japanese with
    English): the stored one if it was issued before (False), else a new one (True).

    The caller has checked that ``actor`` may see ``record`` (reporting.selectors)."""
    if language not in LANGUAGES:
        raise ValidationError(_("Choose Japanese, or Japanese and English."))
    subject = subject_of(record)
    if kind not in subject.kinds_of(record):
        raise ValidationError(_("This record has no such document in its present state."))
    as_of_seq = last_event_seq(record) if kind == DocumentKind.AUDIT_TRAIL else None
    existing = _issued(subject, record, kind, language, as_of_seq)
    if existing is not None:
        document_handed_out(actor=actor, document=existing)
        return existing, False
    bureau = _bureau_of(record)
    lang: Language = "en" if language == "en" else "ja"
    title_ja, title_en = TITLES[kind]
    for _attempt in range(4):
        number = new_document_number()
        issued_at = timezone.now()
        frame = Frame(
            number=number,
            verify_url=verify_url(number),
            issued_at=issued_at,
            language=lang,
            title_ja=title_ja,
            title_en=title_en,
            bureau_ja=bureau.name_ja if bureau is not None else "",
            bureau_en=bureau.name_en if bureau is not None else "",
        )
        pdf = BUILDERS[kind](record, _Facts(frame=frame, as_of_seq=as_of_seq))
        sha256, size = sha256_of([pdf])
        try:
            with transaction.atomic():
                document = IssuedDocument.objects.create(
                    number=number, kind=kind, language=language, subject_type=subject.type,
                    subject_id=str(record.pk), authentication_id=_auth_id_of(record, kind),
                    bureau=bureau, institution_id=_institution_id_of(record), sha256=sha256, size=size,
                    content=pdf, issued_at=issued_at, as_of_seq=as_of_seq,
                    issued_by=actor if getattr(actor, "is_authenticated", False) else None,
                )  # fmt: skip
                _audit(actor, "document.pdf_issued", document, sha256=sha256, size=size, as_of_seq=as_of_seq)
        except IntegrityError:
            # Someone issued it at the same moment (or, once in 2^80, the number was taken).
            existing = _issued(subject, record, kind, language, as_of_seq)
            if existing is not None:
                document_handed_out(actor=actor, document=existing)
                return existing, False
            continue
        return document, True
    raise RuntimeError("could not store the document under a fresh number")


def _auth_id_of(record: Any, kind: str) -> AuthenticationId | None:
    if isinstance(record, AuthenticationId) and kind == DocumentKind.REVOCATION_NOTICE:
        return record
    if isinstance(record, UsageRequest) and kind == DocumentKind.APPROVAL_NOTICE:
        found: AuthenticationId | None = AuthenticationId.objects.filter(usage_request=record).first()
        return found
    return None


@dataclass(frozen=True)
class Verification:
    genuine: bool
    sha256: str
    size: int


def document_verify(*, actor: Any, document: IssuedDocument, chunks: Iterable[bytes]) -> Verification:
    """Is the uploaded file the document we issued under this number? Hash it, compare, audit
    the attempt (by anyone, logged in or not) whatever the answer."""
    sha256, size = sha256_of(chunks)
    genuine = is_genuine(issued_sha256=document.sha256, uploaded_sha256=sha256)
    action = "document.verified_genuine" if genuine else "document.verified_not_genuine"
    with transaction.atomic():
        _audit(
            actor, action, document, uploaded_sha256=sha256, size=size, genuine=genuine,
            anonymous=not getattr(actor, "is_authenticated", False),
        )  # fmt: skip
    return Verification(genuine=genuine, sha256=sha256, size=size)


def periodic_report_ids(document: IssuedDocument) -> list[str]:
    """The (bare) codes of the IDs a periodic-report acceptance extended."""
    if document.kind != DocumentKind.PERIODIC_REPORT_ACCEPTANCE:
        return []
    event = (
        AuditEvent.objects.filter(
            target_type="usage_requests.usagerequest",
            target_id=document.subject_id,
            action="usage_request.approve",
        )
        .order_by("-global_seq")
        .first()
    )
    extended = (event.data.get("extended") or {}) if event is not None else {}
    return sorted(auth_ids.normalise(code) for code in extended)
