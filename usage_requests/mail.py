"""The e-mails of usage requests and authentication IDs, in the recipient's language.

Every mail has a Japanese and an English template (``templates/mail/usage_requests/<name>.<lang>.txt``).
The recipient's chosen language comes first and the other follows below a rule, because a
notice from a government system must be readable by whoever in the company opens it. The
in-app notice (and the subject) are in the recipient's language, not the sender's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backoffice.workbench.models import Notification
from backoffice.workbench.services import notification_send

SUBJECT_PREFIX = _("【在留申請オンラインシステム】")
LANGUAGE_RULE = "\n" + "-" * 70 + "\n\n"


@dataclass(frozen=True)
class MailKind:
    """One kind of mail: its subject and the one-line in-app notice (``%(name)s`` from the context)."""

    subject: Promise
    notice: Promise


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


def _language_of(recipient: Any) -> str:
    language = getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else "ja"


def mail_compose(
    *,
    name: str,
    recipient: Any,
    context: dict[str, Any],
    by_language: dict[str, dict[str, Any]] | None = None,
) -> tuple[str, str, str]:
    """(subject, body, in-app notice) for ``recipient``; the body carries both languages.

    Lazy strings in ``context`` render in each template's language; ``by_language`` adds
    values that are built per language (such as rule explanations)."""
    kind = MAILS[name]
    first = _language_of(recipient)
    second = "en" if first == "ja" else "ja"
    context = {**context, "recipient": recipient, "site_url": settings.SITE_URL}
    bodies = []
    for language in (first, second):
        own = {**context, **(by_language or {}).get(language, {})}
        with translation.override(language):
            bodies.append(render_to_string(f"mail/usage_requests/{name}.{language}.txt", own).strip())
    with translation.override(first):
        subject = f"{SUBJECT_PREFIX}{kind.subject}"
        values = {**context, **(by_language or {}).get(first, {})}
        notice = str(kind.notice) % {key: str(value) for key, value in values.items()}
    return subject, LANGUAGE_RULE.join(bodies) + "\n", notice


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
    subject, body, notice = mail_compose(
        name=name, recipient=recipient, context={**context, "url": url}, by_language=by_language
    )
    return notification_send(
        recipient=recipient, verb=verb, text=notice, url=url, email_subject=subject, email_body=body
    )


def per_language(build: Callable[[], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``build()`` run once in each language: for values formatted from translated text."""
    built = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            built[language] = build()
    return built


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
