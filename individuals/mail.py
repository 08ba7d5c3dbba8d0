"""The e-mails of individual users' registration (templates/individuals/mail/<name>.<lang>.txt),
composed by backoffice.workbench.mail: the recipient's language first, the other below a rule."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from backoffice.workbench import mail as workbench_mail
from backoffice.workbench.mail import MailKind
from backoffice.workbench.models import Notification

MAILS: dict[str, MailKind] = {
    "cardholder_registered": MailKind(
        _("Authentication ID issued"),
        _("You are registered with your My Number Card. Your authentication ID is %(code)s."),
    ),
    "agent_registered": MailKind(
        _("Authentication ID issued"),
        _(
            "You are registered. Your authentication ID is %(code)s; log in with it and the password you chose."
        ),
    ),
    "agent_suspended": MailKind(
        _("Authentication ID suspended"),
        _("The authentication ID %(code)s is suspended: your entry in the register is not valid at present."),
    ),
    "agent_reinstated": MailKind(
        _("Authentication ID usable again"),
        _("The authentication ID %(code)s can be used again."),
    ),
    "agent_revoked": MailKind(
        _("Authentication ID revoked"),
        _("The authentication ID %(code)s was revoked: your notification was withdrawn or revoked."),
    ),
}


def mail_compose(*, name: str, recipient: Any, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, body in both languages, in-app notice) for ``recipient``."""
    return workbench_mail.mail_compose(
        kind=MAILS[name],
        template=f"individuals/mail/{name}.{{language}}.txt",
        recipient=recipient,
        context=context,
    )


def mail_notify(*, name: str, recipient: Any, url: str, context: dict[str, Any]) -> Notification:
    """The in-app notice and the e-mail (through the outbox, sent after commit)."""
    return workbench_mail.mail_notify(
        kind=MAILS[name], template=f"individuals/mail/{name}.{{language}}.txt", recipient=recipient, url=url,
        context=context, verb="agent_registration" if name.startswith("agent") else "account",
    )  # fmt: skip
