"""The institutions registry: institutions (所属機関 / 登録支援機関 / 公益法人 / 監理団体), their
officers (役員) and criminal-sentence records, compliance filings, affiliated foreign
employees, staff memberships and delegations (依頼). Never a My Number."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from backoffice.access.roles import Cap
from backoffice.accounts.models import Prefecture
from backoffice.workbench.record import unmet_reason
from institutions.rules import Category1Basis


class InstitutionKind(models.TextChoices):
    ACCEPTING = "accepting", _("Accepting institution (所属機関)")
    SUPERVISING = "supervising", _("Supervising organisation (監理団体)")
    SUPPORT_ORG = "support_org", _("Registered support organisation (登録支援機関)")
    PUBLIC_INTEREST = "public_interest", _("Public-interest corporation (公益法人)")


class Category1BasisChoice(models.TextChoices):
    LISTED = Category1Basis.LISTED.value, _("Listed on a Japanese stock exchange")
    MUTUAL_INSURANCE = Category1Basis.MUTUAL_INSURANCE.value, _("Mutual insurance company")
    GOVERNMENT = Category1Basis.GOVERNMENT.value, _("National or local government")
    INCORPORATED_ADMINISTRATIVE_AGENCY = (
        Category1Basis.INCORPORATED_ADMINISTRATIVE_AGENCY.value,
        _("Incorporated administrative agency (独立行政法人)"),
    )
    SPECIAL_CORPORATION = Category1Basis.SPECIAL_CORPORATION.value, _("Special or licensed corporation")
    PUBLIC_INTEREST_APPROVED = (
        Category1Basis.PUBLIC_INTEREST_APPROVED.value,
        _("Government-approved 公益法人"),
    )
    CORPORATION_TAX_TABLE1 = (
        Category1Basis.CORPORATION_TAX_TABLE1.value,
        _("Public corporation in Corporation Tax Act Table 1"),
    )
    INNOVATION_COMPANY = (
        Category1Basis.INNOVATION_COMPANY.value,
        _("Innovation-creating company (高度専門職省令)"),
    )
    CERTAIN_CONDITIONS = Category1Basis.CERTAIN_CONDITIONS.value, _("Company meeting certain conditions")


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


def _no_active_delegations(institution: Institution) -> bool:
    today = timezone.localdate()
    return (
        not Delegation.objects.active_on(today)
        .filter(Q(principal=institution) | Q(agent=institution))
        .exists()
    )


_no_active_delegations = unmet_reason(_("It still has active delegations; end them first."))(
    _no_active_delegations
)


def _can_suspend(institution: Institution, user: object) -> bool:
    return bool(getattr(user, "can", lambda _c: False)(Cap.INSTITUTION_SUSPEND))


def _can_close(institution: Institution, user: object) -> bool:
    return bool(getattr(user, "can", lambda _c: False)(Cap.INSTITUTION_CLOSE))


class Institution(FSMModelMixin, models.Model):
    """An institution (所属機関 and the like)."""

    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    corporate_number = models.CharField(
        _("corporate number (法人番号)"),
        max_length=13,
        blank=True,
        null=True,
        unique=True,
        help_text=_("13 digits; leave empty for a sole proprietor."),
    )
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    prefecture = models.ForeignKey(Prefecture, on_delete=models.PROTECT, verbose_name=_("prefecture"))
    address = models.CharField(_("address"), max_length=300)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    category1_basis = models.CharField(
        _("category 1 basis"), max_length=40, choices=Category1BasisChoice.choices, blank=True
    )
    statutory_report_filed = models.BooleanField(_("filed last year's 法定調書合計表"), default=False)
    withholding_tax_yen = models.BigIntegerField(
        _("withholding tax in last year's 法定調書合計表 (yen)"), null=True, blank=True
    )
    category = models.PositiveSmallIntegerField(_("category"), editable=False, db_index=True)
    category_reason = models.CharField(_("category reason"), max_length=300, editable=False)
    online_approved_on = models.DateField(
        _("online use approved on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("From this day the institution is treated as category 2 for documents (§13 D3)."),
    )
    status = FSMField(
        _("status"),
        default=InstitutionStatus.ACTIVE,
        choices=InstitutionStatus.choices,
        protected=True,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["prefecture", "category"], name="institution_pref_cat_idx"),
            models.Index(fields=["kind", "status"], name="institution_kind_status_idx"),
        ]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name

    @property
    def document_category(self) -> int:
        """Category for document requirements: an institution approved for online use counts
        as category 2 (categories 3 and 4 move up); the decided category stays as it is."""
        if self.online_approved_on is not None and self.category in (3, 4):
            return 2
        return int(self.category)

    @transition(
        field=status,
        source=InstitutionStatus.ACTIVE,
        target=InstitutionStatus.SUSPENDED,
        permission=_can_suspend,
        custom={"label": _("Suspend"), "style": "danger", "reason_required": True},
    )
    def suspend(self) -> None:
        """A bureau suspends an institution while it investigates."""

    @transition(
        field=status,
        source=InstitutionStatus.SUSPENDED,
        target=InstitutionStatus.ACTIVE,
        permission=_can_suspend,
        custom={"label": _("Reinstate")},
    )
    def reinstate(self) -> None:
        """The suspension is lifted."""

    @transition(
        field=status,
        source=[InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED],
        target=InstitutionStatus.CLOSED,
        permission=_can_close,
        conditions=[_no_active_delegations],
        custom={"label": _("Close"), "style": "danger", "reason_required": True},
    )
    def close(self) -> None:
        """The institution stopped its business (廃業) or left the system."""


class Officer(models.Model):
    """An officer (役員) of an institution."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="officers", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100)
    appointed_on = models.DateField(_("appointed on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["institution", "name", "pk"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")

    def __str__(self) -> str:
        return f"{self.name} ({self.position})"


class LawKind(models.TextChoices):
    IMMIGRATION = "immigration", _("Immigration law (入管法)")
    LABOUR = "labour", _("Labour law (労働関係法令)")
    OTHER = "other", _("Other law")


class PenaltyKind(models.TextChoices):
    FINE = "fine", _("Fine (罰金)")
    IMPRISONMENT = "imprisonment", _("Imprisonment without work (禁錮)")
    IMPRISONMENT_WITH_WORK = "imprisonment_with_work", _("Imprisonment with work (懲役)")
    CONFINEMENT = "confinement", _("Confinement (拘禁刑, from 2025-06)")


class CriminalSentence(models.Model):
    """A sentence of the institution itself (officer empty) or of one of its officers."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="sentences", verbose_name=_("institution")
    )
    officer = models.ForeignKey(
        Officer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sentences",
        verbose_name=_("officer"),
        help_text=_("Leave empty when the institution itself was sentenced."),
    )
    law_kind = models.CharField(_("kind of law"), max_length=20, choices=LawKind.choices)
    law_name = models.CharField(_("law"), max_length=200)
    penalty = models.CharField(_("penalty"), max_length=30, choices=PenaltyKind.choices)
    sentenced_on = models.DateField(_("sentenced on"))
    served_on = models.DateField(
        _("served or ceased to be enforceable on"),
        help_text=_("The day the sentence was served or ceased to be enforceable."),
    )

    class Meta:
        ordering = ["-served_on", "pk"]
        verbose_name = _("criminal sentence")
        verbose_name_plural = _("criminal sentences")

    def __str__(self) -> str:
        return f"{self.get_penalty_display()} {self.law_name} ({self.served_on})"


class FilingKind(models.TextChoices):
    ACCEPTANCE_START = "acceptance_start", _("Start of acceptance (受入れ開始の届出)")
    ACCEPTANCE_END = "acceptance_end", _("End of acceptance (受入れ終了の届出)")
    EMPLOYMENT_STATUS = "employment_status", _("Report on employment of foreign workers (外国人雇用状況届出)")


class ComplianceFiling(models.Model):
    """A notification the institution filed (届出)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="filings", verbose_name=_("institution")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=FilingKind.choices)
    event_on = models.DateField(_("date of the event"), help_text=_("e.g. the day the acceptance started"))
    filed_on = models.DateField(_("filed on"))
    employee = models.ForeignKey(
        "ForeignEmployee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="filings",
        verbose_name=_("foreign employee"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-filed_on", "pk"]
        verbose_name = _("compliance filing")
        verbose_name_plural = _("compliance filings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filed_on}"


class StatusOfResidence(models.TextChoices):
    """Statuses of residence (在留資格), Immigration Control Act Tables 1 and 2 (§4.1)."""

    DIPLOMAT = "diplomat", _("Diplomat (外交)")
    OFFICIAL = "official", _("Official (公用)")
    PROFESSOR = "professor", _("Professor (教授)")
    ARTIST = "artist", _("Artist (芸術)")
    RELIGIOUS = "religious_activities", _("Religious activities (宗教)")
    JOURNALIST = "journalist", _("Journalist (報道)")
    HSP = "highly_skilled_professional", _("Highly skilled professional (高度専門職)")
    BUSINESS_MANAGER = "business_manager", _("Business manager (経営・管理)")
    LEGAL_ACCOUNTING = "legal_accounting_services", _("Legal/accounting services (法律・会計業務)")
    MEDICAL = "medical_services", _("Medical services (医療)")
    RESEARCHER = "researcher", _("Researcher (研究)")
    INSTRUCTOR = "instructor", _("Instructor (教育)")
    ENGINEER = (
        "engineer_humanities_international",
        _("Engineer/specialist in humanities/international services (技術・人文知識・国際業務)"),
    )
    INTRA_COMPANY = "intra_company_transferee", _("Intra-company transferee (企業内転勤)")
    NURSING_CARE = "nursing_care", _("Nursing care (介護)")
    ENTERTAINER = "entertainer", _("Entertainer (興行)")
    SKILLED_LABOR = "skilled_labor", _("Skilled labor (技能)")
    SSW = "specified_skilled_worker", _("Specified skilled worker (特定技能)")
    TITP = "technical_intern_training", _("Technical intern training (技能実習)")
    CULTURAL = "cultural_activities", _("Cultural activities (文化活動)")
    TEMPORARY_VISITOR = "temporary_visitor", _("Temporary visitor (短期滞在)")
    STUDENT = "student", _("Student (留学)")
    TRAINEE = "trainee", _("Trainee (研修)")
    DEPENDENT = "dependent", _("Dependent (家族滞在)")
    DESIGNATED = "designated_activities", _("Designated activities (特定活動)")
    PERMANENT = "permanent_resident", _("Permanent resident (永住者)")
    SPOUSE_JP = "spouse_of_japanese", _("Spouse or child of Japanese national (日本人の配偶者等)")
    SPOUSE_PR = "spouse_of_permanent_resident", _("Spouse or child of permanent resident (永住者の配偶者等)")
    LONG_TERM = "long_term_resident", _("Long-term resident (定住者)")


class ForeignEmployee(models.Model):
    """A foreign national affiliated with an institution. Never holds a My Number."""

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="employees", verbose_name=_("institution")
    )
    name = models.CharField(_("name (as in passport)"), max_length=150)
    nationality = models.CharField(_("nationality"), max_length=60)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    status_of_residence = models.CharField(
        _("status of residence"), max_length=40, choices=StatusOfResidence.choices
    )
    period_of_stay_until = models.DateField(_("period of stay until"), null=True, blank=True)
    residence_card_number = models.CharField(
        _("residence card number"),
        max_length=12,
        blank=True,
        help_text=_("2 letters, 8 digits, 2 letters, e.g. AB12345678CD"),
    )
    employed_from = models.DateField(_("employed from"), null=True, blank=True)
    employed_until = models.DateField(_("employed until"), null=True, blank=True)

    class Meta:
        ordering = ["institution", "name", "pk"]
        verbose_name = _("foreign employee")
        verbose_name_plural = _("foreign employees")

    def __str__(self) -> str:
        return self.name


class StaffMembership(models.Model):
    """A user working for an institution, which decides what that user may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("institution")
    )
    title = models.CharField(_("job title"), max_length=100, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["institution", "user", "pk"]
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.institution}"


class DelegationScope(models.TextChoices):
    RESIDENCE_APPLICATIONS = "residence_applications", _("Residence applications")
    USAGE_REQUEST = "usage_request", _("Usage request (利用申出)")
    PERIODIC_REPORT = "periodic_report", _("Periodic report (定期報告)")


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def active_on(self, day: date) -> DelegationQuerySet:
        """In force on ``day``: started, not ended, and not withdrawn. A withdrawn delegation
        is excluded for every day: its ``valid_to`` is the day of the withdrawal (inclusive),
        yet the agent's staff must lose their access that same day, not the next. Callers ask
        about today; nothing asks whether a withdrawn delegation was in force in the past."""
        return self.filter(valid_from__lte=day, withdrawn_at__isnull=True).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class Delegation(models.Model):
    """A request (依頼) from an institution to a support organisation or public-interest corporation."""

    principal = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="delegations_given",
        verbose_name=_("delegating institution"),
    )
    agent = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="delegations_received",
        verbose_name=_("delegated to"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    scope = models.JSONField(_("scope"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Set only by institutions.services.delegation_withdraw (hence not editable in forms).
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True, editable=False)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "pk"]
        indexes = [models.Index(fields=["agent", "valid_from", "valid_to"], name="delegation_agent_idx")]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")

    def __str__(self) -> str:
        label = f"{self.principal} → {self.agent}"
        return f"{label} ({_('withdrawn')})" if self.withdrawn_at else label
