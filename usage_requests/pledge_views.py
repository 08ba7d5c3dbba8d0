"""The pledge (誓約書) for a usage request, rendered for signature: a PDF download."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import get_language

from backoffice.access.decorators import requires
from backoffice.access.roles import Cap, Role
from institutions.models import StaffMembership
from reviews.rules import RULESETS, ruleset_for
from usage_requests import selectors
from usage_requests.models import UsageRequest
from usage_requests.pledge import (
    NO_CORPORATE_NUMBER,
    RULESET_CODES,
    Language,
    PledgeParticulars,
    RuleSetCode,
    pledge_pdf,
    request_kind_label,
)


def _address(institution: Any) -> str:
    address = institution.address
    prefecture = institution.prefecture.name_ja if institution.prefecture_id else ""
    if prefecture and not address.startswith(prefecture):
        address = f"{prefecture}{address}"
    return f"〒{institution.postal_code} {address}" if institution.postal_code else address


def _representative(institution: Any) -> tuple[str, str]:
    """The serving officer whose position names them the representative (代表…), if recorded."""
    for officer in institution.officers.filter(left_on__isnull=True).order_by("pk"):
        position = officer.position.strip()
        if "代表" in position or "representative" in position.lower():
            return position, officer.name
    return "", ""


def _filer_role(usage_request: UsageRequest, language: Language) -> str:
    employer = usage_request.acting_for or usage_request.institution
    title = (
        StaffMembership.objects.filter(user=usage_request.filer, institution=employer)
        .exclude(title="")
        .order_by("-valid_from", "-pk")
        .values_list("title", flat=True)
        .first()
    )
    if title:
        return title
    with translation.override(language):
        return str(Role(usage_request.filer.role).label) if usage_request.filer.role in Role.values else ""


def _ruleset(usage_request: UsageRequest, today: date) -> RuleSetCode:
    """The set the request was (or will be) judged by: its review's, else the one in force."""
    name = usage_request.review.ruleset if usage_request.review is not None else ""
    if name not in RULESETS:
        on = usage_request.submitted_on or today
        name = ruleset_for(on, r2026_enabled=settings.RULESET_R2026_ENABLED).name
    if name not in RULESET_CODES:
        raise ValueError(f"unknown rule set {name!r}")
    return name


def _particulars(usage_request: UsageRequest, *, language: Language, today: date) -> PledgeParticulars:
    institution = usage_request.institution
    bureau = institution.prefecture.bureau
    title, name = _representative(institution)
    return PledgeParticulars(
        institution_name=institution.name,
        corporate_number=institution.corporate_number or NO_CORPORATE_NUMBER,
        address=_address(institution),
        representative_title=title,
        representative_name=name,
        filer_name=str(usage_request.filer),
        filer_role=_filer_role(usage_request, language),
        request_number=str(usage_request),
        request_kind_label=request_kind_label(usage_request.kind, language),
        ruleset=_ruleset(usage_request, today),
        issued_on=today,
        language=language,
        bureau_name_ja=bureau.name_ja,
        bureau_name_en=f"the {bureau.name_en}",
        acting_for_name=usage_request.acting_for.name if usage_request.acting_for else "",
    )


@requires(Cap.USAGE_REQUEST_VIEW)
def pledge_download(request: HttpRequest, pk: int) -> HttpResponse:
    usage_request = selectors.usage_request_get_for(user=request.user, pk=pk)
    language: Language = "en" if (get_language() or "ja").startswith("en") else "ja"
    particulars = _particulars(usage_request, language=language, today=timezone.localdate())
    response = HttpResponse(pledge_pdf(particulars), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"pledge-{particulars.request_number}.pdf"
    )
    return response
