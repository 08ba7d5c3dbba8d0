"""Bilingual notices: the recipient's language first and the other below a rule, because a notice
from a government system must be readable by whoever opens it. The subject and the in-app notice
are in the recipient's language, not the sender's. Each app keeps its own kinds and templates."""

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


def language_of(recipient: Any) -> str:
    language = getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else "ja"


def mail_compose(
    *,
    kind: MailKind,
    template: str,
    recipient: Any,
    context: dict[str, Any],
    by_language: dict[str, dict[str, Any]] | None = None,
) -> tuple[str, str, str]:
    """(subject, body, in-app notice) for ``recipient``. ``template`` has a ``{language}`` slot
    (e.g. ``mail/usage_requests/received.{language}.txt``). Lazy strings in ``context`` render in
    each template's language; ``by_language`` adds values built per language."""
    first = language_of(recipient)
    second = "en" if first == "ja" else "ja"
    context = {**context, "recipient": recipient, "site_url": settings.SITE_URL}
    bodies = []
    for language in (first, second):
        own = {**context, **(by_language or {}).get(language, {})}
        with translation.override(language):
            bodies.append(render_to_string(template.format(language=language), own).strip())
    with translation.override(first):
        subject = f"{SUBJECT_PREFIX}{kind.subject}"
        values = {**context, **(by_language or {}).get(first, {})}
        notice = str(kind.notice) % {key: str(value) for key, value in values.items()}
    return subject, LANGUAGE_RULE.join(bodies) + "\n", notice


def mail_notify(
    *,
    kind: MailKind,
    template: str,
    recipient: Any,
    url: str,
    context: dict[str, Any],
    verb: str,
    by_language: dict[str, dict[str, Any]] | None = None,
) -> Notification:
    """The in-app notice and the e-mail (through the outbox, sent after commit)."""
    subject, body, notice = mail_compose(
        kind=kind,
        template=template,
        recipient=recipient,
        context={**context, "url": url},
        by_language=by_language,
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
