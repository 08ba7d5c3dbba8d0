"""Filing residence applications: the draft filing (one application, or a simultaneous bundle),
its attachments, and the atomic submission. Examination steps are in ``examination.py``; the
nightly receipt numbers in ``receipts.py``.

Every write: one transaction, rows locked, the permission matrix applied on the day, the audit
event inside the transaction, mail through the outbox after commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, has_transition_perm

from applications import selectors
from applications.mail import application_mail
from applications.models import (
    Application,
    ApplicationState,
    Attachment,
    AttachmentKind,
    Filing,
    FilingMode,
)
from applications.rules.attachments import check_document, check_photo, photo_counts_in_total
from applications.rules.catalogue import Procedure
from applications.rules.matrix import (
    DELEGATED_FILERS,
    INSTITUTION_FILERS,
    CaseIncomplete,
    Decision,
    Filer,
    PermissionCase,
    PermissionDecision,
    permission_check,
)
from backoffice.accounts.models import Prefecture
from backoffice.audit.services import audit_log
from backoffice.text import reject_my_number
from institutions.models import ForeignEmployee

# A photo is filed with the procedures that issue a card or a certificate with one.
PHOTO_REQUIRED = frozenset({Procedure.COE, Procedure.CHANGE, Procedure.EXTENSION, Procedure.ACQUISITION})


@dataclass
class ApplicantInput:
    """One person's application as a form, the bulk importer or the API gives it (plain data)."""

    procedure: Procedure
    status: str
    subject_name: str
    nationality: str
    date_of_birth: date
    sex: str
    prefecture_code: str
    address: str
    with_: tuple[Procedure, ...] = ()
    notice: str = ""
    current_status: str = ""
    period_of_stay_until: date | None = None
    residence_card_number: str = ""
    notification_email: str = ""
    employee_id: int | None = None
    relationship: str = ""
    subject_unable: bool = False
    family_in_japan: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)


def age_on(born: date, day: date) -> int:
    """Completed years (年齢計算ニ関スル法律: a year is completed the day before the birthday; the
    difference only matters for 29 February, and counts as 1 March here like the Civil Code)."""
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def permission_case_for(
    *, user: Any, profile: selectors.FilerProfile, data: ApplicantInput, today: date
) -> tuple[PermissionCase, ForeignEmployee | None]:
    """The matrix's facts for this filer and person, read from our records where we hold them."""
    assert profile.kind is not None
    employee = None
    affiliated = delegation = None
    if profile.kind in INSTITUTION_FILERS:
        if data.employee_id is None:
            raise ValidationError(_("Choose the employee this application is for."))
        employee = selectors.employees_filable_by(user=user, today=today).filter(pk=data.employee_id).first()
        if employee is None:
            raise ValidationError(
                _(
                    "You cannot file for this person: only for foreign nationals affiliated with an institution "
                    "you hold a valid authentication ID for."
                )
            )
        affiliated = selectors.employee_affiliated(employee, today=today)
        if profile.kind in DELEGATED_FILERS:
            delegation = selectors.delegation_active(
                principal_id=employee.institution_id, user=user, today=today
            )
    if (
        profile.kind is Filer.FOREIGN_NATIONAL
        and profile.date_of_birth
        and data.date_of_birth != profile.date_of_birth
    ):
        # 外国人本人 files their own applications; family members are filed by a representative or relative.
        raise ValidationError(
            _(
                "As the foreign national you file for yourself: the date of birth must be the one on your card."
            )
        )
    filer_age = age_on(profile.date_of_birth, today) if profile.date_of_birth else None
    case = PermissionCase(
        on=today,
        filer=profile.kind,
        procedure=data.procedure,
        status=data.status,
        with_=data.with_,
        notice=data.notice or None,
        subject_age=age_on(data.date_of_birth, today),
        subject_unable=data.subject_unable,
        family_in_japan=data.family_in_japan,
        filer_age=filer_age if profile.kind is Filer.FOREIGN_NATIONAL else None,
        affiliated=affiliated,
        delegation_active=delegation,
        last_day_of_stay=data.period_of_stay_until == today,
    )
    return case, employee


def _decide(case: PermissionCase) -> PermissionDecision:
    try:
        return permission_check(case)
    except CaseIncomplete as exc:
        raise ValidationError(exc.ja if translation.get_language() == "ja" else exc.en) from exc


def _refusal(decision: PermissionDecision, who: str) -> ValidationError:
    ja = translation.get_language() == "ja"
    lines = [r.ja if ja else r.en for r in decision.reasons]
    return ValidationError([f"{who}: {line}" for line in lines])


def filing_create(*, actor: Any, applicants: list[ApplicantInput], mode: str | None = None) -> Filing:
    """A draft filing: the first applicant is the principal; the others are family members filed
    together (同時). Each one's re-entry and extra-activity requests become applications of their
    own, linked to it. Nothing is created if the matrix denies any of them."""
    if not actor.can("application.file"):
        raise PermissionDenied
    if not applicants:
        raise ValidationError(_("Add at least one applicant."))
    profile = selectors.filer_profile(user=actor)
    if profile.kind is None or not profile.active:
        raise ValidationError(
            profile.problem_ja if translation.get_language() == "ja" else profile.problem_en
        )
    today = timezone.localdate()
    errors: list[ValidationError] = []
    prepared = []
    for data in applicants:
        for text in (data.subject_name, data.nationality, data.address, data.notice, str(data.details)):
            reject_my_number(text)
        try:
            case, employee = permission_case_for(user=actor, profile=profile, data=data, today=today)
        except ValidationError as exc:
            errors.append(ValidationError([f"{data.subject_name}: {m}" for m in exc.messages]))
            continue
        decision = _decide(case)
        if decision.decision is Decision.DENIED:
            errors.append(_refusal(decision, data.subject_name))
        prepared.append((data, employee, decision))
    if errors:
        raise ValidationError(errors)
    prefectures = {
        p.code: p for p in Prefecture.objects.filter(code__in={d.prefecture_code for d in applicants})
    }
    simultaneous = len(applicants) > 1 or any(d.with_ for d in applicants)
    with transaction.atomic():
        first_employee = prepared[0][1]
        filing = Filing.objects.create(
            filer=actor, filer_kind=profile.kind.value,
            mode=mode or (FilingMode.SIMULTANEOUS if simultaneous else FilingMode.INDIVIDUAL),
            institution=first_employee.institution if first_employee else None,
        )  # fmt: skip
        for data, employee, decision in prepared:
            prefecture = prefectures.get(data.prefecture_code)
            if prefecture is None:
                raise ValidationError(_("Unknown prefecture: %(code)s") % {"code": data.prefecture_code})
            principal = _application_create(
                filing, actor, data, data.procedure, employee, prefecture, decision
            )
            for procedure in data.with_:
                _application_create(
                    filing, actor, data, procedure, employee, prefecture, decision, principal=principal
                )
        audit_log(
            actor=actor, action="application.filing_created", target=filing, institution_id=filing.institution_id,
            data={"mode": filing.mode, "applications": list(filing.applications.values_list("pk", "procedure"))},
        )  # fmt: skip
    return filing


def _application_create(
    filing: Filing, actor: Any, data: ApplicantInput, procedure: Procedure, employee: ForeignEmployee | None,
    prefecture: Prefecture, decision: PermissionDecision, principal: Application | None = None,
) -> Application:  # fmt: skip
    application: Application = Application.objects.create(
        filing=filing, principal=principal, procedure=procedure.value, filer=actor,
        institution=employee.institution if employee else None, employee=employee,
        subject_name=data.subject_name, nationality=data.nationality, date_of_birth=data.date_of_birth, sex=data.sex,
        residence_card_number=data.residence_card_number, prefecture=prefecture, address=data.address,
        notification_email=data.notification_email, current_status=data.current_status,
        period_of_stay_until=data.period_of_stay_until, status=data.status, notice=data.notice,
        relationship=data.relationship, subject_unable=data.subject_unable, family_in_japan=data.family_in_japan,
        details=data.details, permission={**decision.as_json(), "version": decision.version},
    )  # fmt: skip
    return application


def _upload_totals(application: Application, *, round_of: Any) -> tuple[int, int]:
    files = application.attachments.filter(supplement=round_of)
    sizes = list(files.values_list("kind", "size"))
    counted = [
        s for k, s in sizes if k == AttachmentKind.DOCUMENT or photo_counts_in_total(timezone.localdate())
    ]
    return sum(counted), len(counted)


def attachment_add(
    *, actor: Any, application_id: int, kind: str, name: str, data: bytes, supplement: Any = None
) -> Attachment:
    """One file, checked by its content against the rules in force today. Drafts take the
    filing's files; a supplement round takes the files answering that request."""
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        if not selectors.may_act_as_filer(user=actor, application=application):
            raise PermissionDenied
        expected = ApplicationState.AWAITING_SUPPLEMENT if supplement is not None else ApplicationState.DRAFT
        if application.state != expected:
            raise ValidationError(
                _("Files can be attached only to a draft or in answer to a supplement request.")
            )
        today = timezone.localdate()
        used_bytes, used_files = _upload_totals(application, round_of=supplement)
        if kind == AttachmentKind.PHOTO:
            problem = check_photo(data, day=today, uploaded_bytes=used_bytes)
        else:
            problem = check_document(data, day=today, uploaded_bytes=used_bytes, uploaded_files=used_files)
        if problem is not None:
            raise ValidationError(
                problem.ja if translation.get_language() == "ja" else problem.en, code=problem.code
            )
        if kind == AttachmentKind.PHOTO and supplement is None:
            application.attachments.filter(kind=AttachmentKind.PHOTO, supplement=None).delete()
        digest = hashlib.sha256(data).hexdigest()
        attachment = Attachment(
            application=application, supplement=supplement, kind=kind, original_name=name[:200], size=len(data),
            sha256=digest, uploaded_by=actor,
        )  # fmt: skip
        attachment.file.save(name[-80:] or "file", ContentFile(data), save=False)
        attachment.save()
        audit_log(
            actor=actor, action="application.attachment_added", target=application,
            institution_id=application.institution_id,
            data={"kind": kind, "name": attachment.original_name, "size": len(data), "sha256": digest},
        )  # fmt: skip
    return attachment


def filing_missing(filing: Filing) -> list[str]:
    """What still stops the submission: a document for every application, a photo where needed."""
    missing = []
    for application in filing.applications.filter(principal__isnull=True).prefetch_related("attachments"):
        kinds = {a.kind for a in application.attachments.all()}
        if AttachmentKind.DOCUMENT not in kinds:
            missing.append(_("%(name)s: attach the documents (PDF).") % {"name": application.subject_name})
        if Procedure(application.procedure) in PHOTO_REQUIRED and AttachmentKind.PHOTO not in kinds:
            missing.append(
                _("%(name)s: attach the photo (JPEG or PNG).") % {"name": application.subject_name}
            )
    return missing


def filing_submit(*, actor: Any, filing_id: int) -> Filing:
    """Every application of the filing is filed at once or none is: the matrix is applied again on
    the day, each gets the bureau with jurisdiction over the applicant's address and a provisional
    number, and the filer and the foreign national get one e-mail per application."""
    try:
        with transaction.atomic():
            filing = Filing.objects.select_for_update().get(pk=filing_id)
            applications = list(
                filing.applications.select_for_update(of=("self",))
                .select_related("prefecture__bureau", "filer", "employee")
                .order_by("pk")
            )
            if not applications or any(a.state != ApplicationState.DRAFT for a in applications):
                raise ValidationError(_("This filing has already been submitted or withdrawn."))
            for application in applications:
                if not has_transition_perm(application.submit, actor):
                    raise PermissionDenied
            missing = filing_missing(filing)
            if missing:
                raise ValidationError(missing)
            profile = selectors.filer_profile(user=actor)
            if profile.kind is None or not profile.active:
                raise ValidationError(
                    profile.problem_ja if translation.get_language() == "ja" else profile.problem_en
                )
            today = timezone.localdate()
            now = timezone.now()
            for application in applications:
                if application.principal_id is not None:
                    continue
                data = _input_of(application, [a for a in applications if a.principal_id == application.pk])
                case, _employee = permission_case_for(user=actor, profile=profile, data=data, today=today)
                decision = _decide(case)
                if decision.decision is Decision.DENIED:
                    raise _refusal(decision, application.subject_name)
            for application in applications:
                application.submit()
                application.submitted_at = now
                application.bureau = application.prefecture.bureau
                application.save()
                application.provisional_number = f"P-{today:%Y%m%d}-{application.pk:07d}"
                application.save(
                    update_fields=["provisional_number", "submitted_at", "bureau", "state", "updated_at"]
                )
                audit_log(
                    actor=actor, action="application.submit", target=application,
                    institution_id=application.institution_id,
                    data={
                        "transition": {"field": "state", "from": ApplicationState.DRAFT, "to": application.state},
                        "provisional_number": application.provisional_number, "bureau": application.bureau_id,
                        "permission": application.permission,
                    },
                )  # fmt: skip
                application_mail(application, "filed", bureau=application.bureau)
            filing.submitted_at = now
            filing.save(update_fields=["submitted_at"])
    except ConcurrentTransition as exc:
        raise ValidationError(
            _("Someone else changed this filing at the same moment. Reload and try again.")
        ) from exc
    return filing


def _input_of(application: Application, accompanying: list[Application]) -> ApplicantInput:
    return ApplicantInput(
        procedure=Procedure(application.procedure), status=application.status,
        subject_name=application.subject_name, nationality=application.nationality,
        date_of_birth=application.date_of_birth, sex=application.sex, prefecture_code=application.prefecture_id,
        address=application.address, with_=tuple(Procedure(a.procedure) for a in accompanying),
        notice=application.notice, current_status=application.current_status,
        period_of_stay_until=application.period_of_stay_until, employee_id=application.employee_id,
        subject_unable=application.subject_unable, family_in_japan=application.family_in_japan,
    )  # fmt: skip


def filing_discard(*, actor: Any, filing_id: int) -> None:
    """A draft filing the filer no longer wants: withdrawn (kept, for the record), not deleted."""
    with transaction.atomic():
        filing = Filing.objects.select_for_update().get(pk=filing_id)
        for application in filing.applications.select_for_update().filter(state=ApplicationState.DRAFT):
            if not has_transition_perm(application.withdraw, actor):
                raise PermissionDenied
            application.withdraw()
            application.withdrawn_at = timezone.now()
            application.save()
            audit_log(
                actor=actor, action="application.withdraw", target=application,
                institution_id=application.institution_id,
                data={"transition": {"field": "state", "from": ApplicationState.DRAFT, "to": application.state}},
            )  # fmt: skip
