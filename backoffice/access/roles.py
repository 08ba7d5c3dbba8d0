"""Roles and what each may do. Deny by default: a capability not listed is refused."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INSTITUTION_STAFF = "institution_staff", _("Institution staff (所属機関の職員)")
    SUPPORT_ORG_STAFF = "support_org_staff", _("Registered support organisation staff (登録支援機関の職員)")
    PUBLIC_INTEREST_STAFF = "public_interest_staff", _("Public-interest corporation staff (公益法人の職員)")
    REVIEWER = "reviewer", _("Reviewer")
    SUPERVISOR = "supervisor", _("Supervising reviewer")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    FOREIGN_NATIONAL = "foreign_national", _("Foreign national (外国人本人)")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative (法定代理人)")
    RELATIVE = "relative", _("Relative (親族)")
    LAWYER = "lawyer", _("Lawyer (弁護士)")
    GYOSEISHOSHI = "gyoseishoshi", _("Gyoseishoshi (行政書士)")


INSTITUTION_SIDE = frozenset({Role.INSTITUTION_STAFF, Role.SUPPORT_ORG_STAFF, Role.PUBLIC_INTEREST_STAFF})
BUREAU_SIDE = frozenset({Role.REVIEWER, Role.SUPERVISOR})
INDIVIDUALS = frozenset(
    {Role.FOREIGN_NATIONAL, Role.LEGAL_REPRESENTATIVE, Role.RELATIVE, Role.LAWYER, Role.GYOSEISHOSHI}
)
# These roles hold the keys to many institutions' data: a password alone is not enough.
SECOND_FACTOR_REQUIRED = frozenset({Role.REVIEWER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR})


class Cap:
    """Capability names. A view declares the one it needs; roles grant them below."""

    WORKBENCH = "workbench.use"
    ACTIVITY_MANAGE = "activity.manage"
    COMMENT_POST = "comment.post"
    EXPORT = "export.run"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_VIEW = "audit.view"
    INSTITUTION_VIEW = "institution.view"
    INSTITUTION_CREATE = "institution.create"
    INSTITUTION_EDIT = "institution.edit"
    INSTITUTION_SUSPEND = "institution.suspend"
    INSTITUTION_CLOSE = "institution.close"
    MEMBERSHIP_MANAGE = "membership.manage"
    DELEGATION_MANAGE = "delegation.manage"
    ELIGIBILITY_CHECK = "eligibility.check"
    USAGE_REQUEST_VIEW = "usage_request.view"
    USAGE_REQUEST_FILE = "usage_request.file"
    USAGE_REQUEST_REVIEW = "usage_request.review"
    # The register of notified lawyers and gyoseishoshi (§13 D5): read it, and maintain it.
    AGENT_REGISTER_VIEW = "agent_register.view"
    AGENT_REGISTER_MANAGE = "agent_register.manage"
    JPKI_TRUST_MANAGE = "jpki_trust.manage"
    # Residence applications: see (scoped), file (filers), examine (the bureau with jurisdiction).
    APPLICATION_VIEW = "application.view"
    APPLICATION_FILE = "application.file"
    APPLICATION_EXAMINE = "application.examine"
    # Service operators of the application API and their credentials.
    API_OPERATOR_MANAGE = "api_operator.manage"


_STAFF_CAPS = frozenset(
    {
        Cap.WORKBENCH,
        Cap.ACTIVITY_MANAGE,
        Cap.COMMENT_POST,
        Cap.INSTITUTION_VIEW,
        Cap.INSTITUTION_EDIT,
        Cap.INSTITUTION_CLOSE,
        Cap.DELEGATION_MANAGE,
        Cap.ELIGIBILITY_CHECK,
        Cap.USAGE_REQUEST_VIEW,
        Cap.USAGE_REQUEST_FILE,
        Cap.APPLICATION_VIEW,
        Cap.APPLICATION_FILE,
    }
)
_REVIEWER_CAPS = frozenset(
    {
        Cap.WORKBENCH,
        Cap.ACTIVITY_MANAGE,
        Cap.COMMENT_POST,
        Cap.INSTITUTION_VIEW,
        Cap.INSTITUTION_CREATE,
        Cap.INSTITUTION_EDIT,
        Cap.INSTITUTION_SUSPEND,
        Cap.INSTITUTION_CLOSE,
        Cap.MEMBERSHIP_MANAGE,
        Cap.DELEGATION_MANAGE,
        Cap.ELIGIBILITY_CHECK,
        Cap.USAGE_REQUEST_VIEW,
        Cap.USAGE_REQUEST_REVIEW,
        Cap.AGENT_REGISTER_VIEW,
        Cap.AGENT_REGISTER_MANAGE,
        Cap.APPLICATION_VIEW,
        Cap.APPLICATION_EXAMINE,
    }
)

_INDIVIDUAL_CAPS = frozenset({Cap.APPLICATION_VIEW, Cap.APPLICATION_FILE})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.INSTITUTION_STAFF: _STAFF_CAPS,
    Role.SUPPORT_ORG_STAFF: _STAFF_CAPS - {Cap.DELEGATION_MANAGE},
    Role.PUBLIC_INTEREST_STAFF: _STAFF_CAPS - {Cap.DELEGATION_MANAGE},
    Role.REVIEWER: _REVIEWER_CAPS,
    # Exporting is a permission of its own (backoffice/access/exports.py): by default supervising
    # reviewers and auditors only.
    Role.SUPERVISOR: _REVIEWER_CAPS | {Cap.EXPORT},
    # Auditors read everything and change nothing: no edit, comment or activity caps.
    Role.AUDITOR: frozenset(
        {
            Cap.WORKBENCH,
            Cap.EXPORT,
            Cap.AUDIT_VERIFY,
            Cap.AUDIT_VIEW,
            Cap.INSTITUTION_VIEW,
            Cap.USAGE_REQUEST_VIEW,
            Cap.AGENT_REGISTER_VIEW,
            Cap.APPLICATION_VIEW,
        }
    ),
    # Administrators manage the registry and users; deciding requests is the bureaus' job.
    # They also load the pinned J-LIS roots and import CRLs for the My Number Card (§13 D6).
    Role.ADMINISTRATOR: (_REVIEWER_CAPS - {Cap.USAGE_REQUEST_REVIEW, Cap.APPLICATION_EXAMINE})
    | {Cap.AUDIT_VERIFY, Cap.AUDIT_VIEW, Cap.JPKI_TRUST_MANAGE, Cap.API_OPERATOR_MANAGE},
    # Individuals file and follow their own applications; the institution workbench is not theirs.
    Role.FOREIGN_NATIONAL: _INDIVIDUAL_CAPS,
    Role.LEGAL_REPRESENTATIVE: _INDIVIDUAL_CAPS,
    Role.RELATIVE: _INDIVIDUAL_CAPS,
    Role.LAWYER: _INDIVIDUAL_CAPS,
    Role.GYOSEISHOSHI: _INDIVIDUAL_CAPS,
}


def role_has(role: str, capability: str) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
