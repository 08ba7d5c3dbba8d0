"""Residence applications (在留申請): the filing, each application in it and its lifecycle (§13 D8),
supplement requests (追完), attachments, receipt-number counters.

The model declares the lifecycle (django-fsm-2, protected); services run it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from applications.rules.catalogue import Procedure
from applications.rules.matrix import Filer
from backoffice.accounts.models import Prefecture, RegionalBureau
from backoffice.workbench.record import unmet_reason
from institutions.models import ForeignEmployee, Institution, StatusOfResidence


class ProcedureChoice(models.TextChoices):
    COE = Procedure.COE.value, _("Certificate of Eligibility (在留資格認定証明書交付)")
    CHANGE = Procedure.CHANGE.value, _("Change of status (在留資格変更)")
    EXTENSION = Procedure.EXTENSION.value, _("Extension of period of stay (在留期間更新)")
    ACQUISITION = Procedure.ACQUISITION.value, _("Acquisition of status (在留資格取得)")
    WORK_CERTIFICATE = Procedure.WORK_CERTIFICATE.value, _("Work certificate (就労資格証明書交付)")
    REENTRY = Procedure.REENTRY.value, _("Re-entry permit (再入国許可)")
    EXTRA_ACTIVITY = Procedure.EXTRA_ACTIVITY.value, _("Extra activity (資格外活動許可)")


class FilerKind(models.TextChoices):
    FOREIGN_NATIONAL = Filer.FOREIGN_NATIONAL.value, _("The foreign national (本人)")
    LEGAL_REPRESENTATIVE = Filer.LEGAL_REPRESENTATIVE.value, _("Legal representative (法定代理人)")
    RELATIVE = Filer.RELATIVE.value, _("Relative (親族)")
    LAWYER = Filer.LAWYER.value, _("Lawyer (弁護士)")
    GYOSEISHOSHI = Filer.GYOSEISHOSHI.value, _("Gyoseishoshi (行政書士)")
    INSTITUTION_STAFF = Filer.INSTITUTION_STAFF.value, _("Institution staff (所属機関の職員)")
    SUPPORT_ORG_STAFF = Filer.SUPPORT_ORG_STAFF.value, _("Support organisation staff (登録支援機関の職員)")
    PUBLIC_INTEREST_STAFF = (
        Filer.PUBLIC_INTEREST_STAFF.value,
        _("Public-interest corporation staff (公益法人の職員)"),
    )


class FilingMode(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual input (個別)")
    SIMULTANEOUS = "simultaneous", _("Simultaneous input (同時)")
    BULK = "bulk", _("Bulk input (一括)")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Filed (申請完了)")
    RECEIVED = "received", _("Received (受付)")
    UNDER_EXAMINATION = "under_examination", _("Under examination (審査中)")
    AWAITING_SUPPLEMENT = "awaiting_supplement", _("Awaiting supplement (追完待ち)")
    GRANTED = "granted", _("Granted (許可)")
    DENIED = "denied", _("Denied (不許可)")
    AWAITING_ISSUE = "awaiting_issue", _("Awaiting issue (発行待ち)")
    COMPLETED = "completed", _("Completed (完了)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


WITHDRAWABLE = [
    ApplicationState.DRAFT,
    ApplicationState.SUBMITTED,
    ApplicationState.RECEIVED,
    ApplicationState.UNDER_EXAMINATION,
    ApplicationState.AWAITING_SUPPLEMENT,
]
OPEN_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.RECEIVED,
    ApplicationState.UNDER_EXAMINATION,
    ApplicationState.AWAITING_SUPPLEMENT,
)


class Filing(models.Model):
    """One submission by one filer: a single application, a simultaneous bundle (同時: a principal
    with its re-entry and extra-activity requests and family members' applications), or a bulk
    upload (一括). Submitted atomically: every application in it, or none."""

    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="filings", verbose_name=_("filer")
    )
    filer_kind = models.CharField(_("filed as"), max_length=30, choices=FilerKind.choices)
    mode = models.CharField(_("input mode"), max_length=20, choices=FilingMode.choices)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="application_filings",
        verbose_name=_("institution"),
    )  # fmt: skip
    # Set when a private service filed it through the application API (§13 D10).
    operator = models.ForeignKey(
        "applications.ServiceOperator", on_delete=models.PROTECT, null=True, blank=True, related_name="filings",
        verbose_name=_("filed through"),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("filing")
        verbose_name_plural = _("filings")

    def __str__(self) -> str:
        return f"F-{self.pk:06d}" if self.pk else "F-new"


def _is_filer_side(application: Application, user: Any) -> bool:
    from applications.selectors import may_act_as_filer

    return may_act_as_filer(user=user, application=application)


def _is_examiner(application: Application, user: Any) -> bool:
    from backoffice.access.roles import BUREAU_SIDE

    return bool(
        getattr(user, "role", None) in BUREAU_SIDE
        and application.bureau_id is not None
        and user.bureau_id == application.bureau_id
    )


@unmet_reason(_("Record the tracking number of the mailed card first."))
def _card_mailed(application: Application) -> bool:
    return bool(application.tracking_number)


class Application(ConcurrentTransitionMixin, models.Model):
    """One residence application (在留申請) for one person and one procedure."""

    filing = models.ForeignKey(
        Filing, on_delete=models.PROTECT, related_name="applications", verbose_name=_("filing")
    )
    principal = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="accompanying",
        verbose_name=_("filed together with"),
        help_text=_("A re-entry or extra-activity request goes with a change, extension or acquisition."),
    )  # fmt: skip
    procedure = models.CharField(_("procedure"), max_length=20, choices=ProcedureChoice.choices)
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("filer"),
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("institution"), help_text=_("The institution the foreign national is affiliated with."),
    )  # fmt: skip
    employee = models.ForeignKey(
        ForeignEmployee, on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("employee"),
    )  # fmt: skip
    # The person the application is for (申請人). Never a My Number.
    subject_name = models.CharField(_("name (as in passport)"), max_length=150)
    nationality = models.CharField(_("nationality"), max_length=60)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=[("M", _("Male")), ("F", _("Female"))])
    residence_card_number = models.CharField(_("residence card number"), max_length=12, blank=True)
    prefecture = models.ForeignKey(
        Prefecture, on_delete=models.PROTECT, verbose_name=_("prefecture of residence")
    )
    address = models.CharField(_("address in Japan"), max_length=300)
    notification_email = models.EmailField(
        _("the foreign national's notification e-mail"), blank=True,
        help_text=_("The receipt-number e-mail, the foreign national's proof of a pending application, also goes here."),
    )  # fmt: skip
    current_status = models.CharField(
        _("current status of residence"), max_length=40, choices=StatusOfResidence.choices, blank=True
    )
    period_of_stay_until = models.DateField(_("period of stay until"), null=True, blank=True)
    status = models.CharField(
        _("status of residence applied for"), max_length=40, choices=StatusOfResidence.choices
    )
    notice = models.CharField(_("designated activities notice (告示)"), max_length=30, blank=True)
    relationship = models.CharField(
        _("relationship to the principal applicant"), max_length=30, blank=True,
        help_text=_("For family members filed together (同時)."),
    )  # fmt: skip
    subject_unable = models.BooleanField(
        _("cannot apply personally (illness or another reason)"), default=False
    )
    family_in_japan = models.BooleanField(_("the relative lives in Japan"), null=True, blank=True)
    details = models.JSONField(_("particulars"), default=dict, blank=True)
    permission = models.JSONField(_("permission decision"), default=dict, blank=True, editable=False)

    state = FSMField(
        _("state"),
        default=ApplicationState.DRAFT,
        choices=ApplicationState.choices,
        protected=True,
        db_index=True,
    )
    bureau = models.ForeignKey(
        RegionalBureau, on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("bureau"),
    )  # fmt: skip
    provisional_number = models.CharField(
        _("provisional number (仮受付番号)"), max_length=30, null=True, blank=True, unique=True
    )
    receipt_number = models.CharField(
        _("receipt number (受付番号)"), max_length=30, null=True, blank=True, unique=True
    )
    receipt_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    receipt_serial = models.PositiveIntegerField(null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("examiner"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    fee_yen = models.PositiveIntegerField(_("fee (yen)"), null=True, blank=True)
    fee_confirmed_at = models.DateTimeField(_("fee confirmed at"), null=True, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=30, blank=True)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The nightly numbering reads submitted applications per bureau in filing order.
            models.Index(
                fields=["bureau", "submitted_at", "id"],
                name="application_to_number_idx",
                condition=Q(state="submitted"),
            ),
            models.Index(fields=["bureau", "state"], name="application_bureau_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "receipt_year", "receipt_serial"], name="application_receipt_serial_unique"
            )
        ]
        verbose_name = _("residence application")
        verbose_name_plural = _("residence applications")

    def __str__(self) -> str:
        return self.receipt_number or self.provisional_number or (f"A-{self.pk:06d}" if self.pk else "A-new")

    # --- the lifecycle ----------------------------------------------------------------------

    @transition(field=state, source=ApplicationState.DRAFT, target=ApplicationState.SUBMITTED, permission=_is_filer_side,
                custom={"button": False})  # fmt: skip
    def submit(self) -> None:
        """Filed: the provisional number is given at once."""

    @transition(field=state, source=ApplicationState.SUBMITTED, target=ApplicationState.RECEIVED,
                custom={"button": False})  # fmt: skip
    def receive(self) -> None:
        """Received: the nightly run gives the receipt number (受付番号)."""

    @transition(field=state, source=ApplicationState.RECEIVED, target=ApplicationState.UNDER_EXAMINATION,
                permission=_is_examiner, custom={"label": _("Start examination"), "style": "primary"})  # fmt: skip
    def start_examination(self) -> None:
        pass

    @transition(field=state, source=ApplicationState.UNDER_EXAMINATION, target=ApplicationState.AWAITING_SUPPLEMENT,
                permission=_is_examiner, custom={"button": False})  # fmt: skip
    def request_supplement(self) -> None:
        pass

    @transition(field=state, source=ApplicationState.AWAITING_SUPPLEMENT, target=ApplicationState.UNDER_EXAMINATION,
                permission=_is_filer_side, custom={"button": False})  # fmt: skip
    def answer_supplement(self) -> None:
        """Run by the supplement upload, not by a button."""

    @transition(field=state, source=ApplicationState.UNDER_EXAMINATION, target=ApplicationState.GRANTED,
                permission=_is_examiner, custom={"label": _("Grant"), "style": "primary"})  # fmt: skip
    def grant(self) -> None:
        pass

    @transition(field=state, source=ApplicationState.UNDER_EXAMINATION, target=ApplicationState.DENIED,
                permission=_is_examiner, custom={"label": _("Deny"), "style": "danger", "reason_required": True})  # fmt: skip
    def deny(self) -> None:
        pass

    @transition(field=state, source=ApplicationState.GRANTED, target=ApplicationState.AWAITING_ISSUE,
                permission=_is_examiner, custom={"button": False})  # fmt: skip
    def confirm_fee(self) -> None:
        """The fee (収入印紙 on the 手数料納付書) is confirmed; the card can be issued."""

    @transition(field=state, source=ApplicationState.AWAITING_ISSUE, target=ApplicationState.AWAITING_ISSUE,
                permission=_is_examiner, custom={"button": False})  # fmt: skip
    def mail_card(self) -> None:
        """The residence card (or certificate) is mailed with a tracking number."""

    @transition(field=state, source=ApplicationState.AWAITING_ISSUE, target=ApplicationState.COMPLETED,
                permission=_is_examiner, conditions=[_card_mailed],
                custom={"label": _("Complete"), "style": "primary"})  # fmt: skip
    def complete(self) -> None:
        pass

    @transition(field=state, source=WITHDRAWABLE, target=ApplicationState.WITHDRAWN, permission=_is_filer_side,
                custom={"label": _("Withdraw"), "style": "danger"})  # fmt: skip
    def withdraw(self) -> None:
        pass


class SupplementRequest(models.Model):
    """A request for more documents (追完) with a message and a deadline, answered by upload."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="supplements", verbose_name=_("application")
    )
    message = models.TextField(_("message"))
    due_on = models.DateField(_("due on"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.TextField(_("note from the filer"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")

    def __str__(self) -> str:
        return f"{self.application} {self.due_on}"


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("Document (PDF)")
    PHOTO = "photo", _("Photo")


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"applications/{instance.application_id}/{instance.sha256[:16]}-{filename[-80:]}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("application")
    )
    supplement = models.ForeignKey(
        SupplementRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ReceiptCounter(models.Model):
    """The last receipt serial per receiving office and year. Locked while numbers are given, so
    the serial is gap-free and unique however many nightly runs overlap."""

    bureau = models.ForeignKey(RegionalBureau, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "year"], name="receipt_counter_unique")]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.year}: {self.last_serial}"


from applications.api_models import ApiSubmission, OperatorCredential, ServiceOperator  # noqa: E402,F401  (registered with the app's models)
from applications.bulk_models import BulkImport  # noqa: E402,F401  (registered with the app's models)
