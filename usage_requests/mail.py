"""The e-mails of usage requests and authentication IDs, in the recipient's language.

Every mail has a Japanese and an English template (``templates/mail/usage_requests/<name>.<lang>.txt``),
composed by backoffice.workbench.mail (the recipient's language first, the other below a rule)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backoffice.workbench import mail as workbench_mail
from backoffice.workbench.mail import MailKind, per_language
from backoffice.workbench.models import Notification

__all__ = ["MAILS", "absolute", "mail_compose", "mail_notify", "per_language"]

MAILS: dict[str, MailKind] = {
    "received": MailKind(
        _("Usage request received"),
        _("We received your usage request %(number)s; the review is due by %(due_on)s."),
    ),
    "returned": MailKind(
        _("Usage request returned for correction"),
        _("Your usage request %(number)s was returned for correction: %(reason)s"),
    ),
    "approved": MailKind(
        _("Authentication ID issued"),
        _(
            "Your usage request %(number)s was approved. Your authentication ID is %(code)s; "
            "set its password with the link in the e-mail."
        ),
    ),
    "rejected": MailKind(
        _("Usage request rejected"),
        _("Your usage request %(number)s was rejected: %(reason)s"),
    ),
    "report_approved": MailKind(
        _("Periodic report approved"),
        _("Your periodic report %(number)s was approved; the authentication IDs are extended."),
    ),
    "report_reminder": MailKind(
        _("File the periodic report"),
        _(
            "The authentication ID %(code)s expires on %(until)s. File the periodic report (定期報告) "
            "by %(deadline)s."
        ),
    ),
    "report_deadline_passed": MailKind(
        _("Periodic report deadline passed"),
        _(
            "The periodic report for the authentication ID %(code)s can no longer be filed (closed on "
            "%(deadline)s). The ID expires on %(until)s."
        ),
    ),
    "expired": MailKind(
        _("Authentication ID expired"),
        _(
            "The authentication ID %(code)s expired on %(until)s and can no longer log in. "
            "File a new usage request to continue."
        ),
    ),
    "password_reminder": MailKind(
        _("Password expires soon"),
        _("The password of the authentication ID %(code)s expires on %(expires_on)s. Change it before then."),
    ),
    "password_expired": MailKind(
        _("Password expired"),
        _(
            "The password of the authentication ID %(code)s expired on %(expires_on)s. "
            "You will be asked to choose a new one when you next log in."
        ),
    ),
    "revoked": MailKind(
        _("Authentication ID revoked"),
        _("The authentication ID %(code)s was revoked: %(note)s"),
    ),
    "suspended": MailKind(
        _("Authentication ID suspended"),
        _("The authentication ID %(code)s is suspended: %(why)s"),
    ),
}


def mail_compose(
    *,
    name: str,
    recipient: Any,
    context: dict[str, Any],
    by_language: dict[str, dict[str, Any]] | None = None,
) -> tuple[str, str, str]:
    """(subject, body in both languages, in-app notice) for ``recipient``."""
    return workbench_mail.mail_compose(
        kind=MAILS[name], template=f"mail/usage_requests/{name}.{{language}}.txt", recipient=recipient,
        context=context, by_language=by_language,
    )  # fmt: skip


def mail_notify(
    *,
    name: str,
    recipient: Any,
    url: str,
    context: dict[str, Any],
    verb: str,
    by_language: dict[str, dict[str, Any]] | None = None,
) -> Notification:
    """The in-app notice and the e-mail (through the outbox, sent after commit)."""
    return workbench_mail.mail_notify(
        kind=MAILS[name], template=f"mail/usage_requests/{name}.{{language}}.txt", recipient=recipient, url=url,
        context=context, verb=verb, by_language=by_language,
    )  # fmt: skip


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
