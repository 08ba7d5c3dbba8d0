"""The e-mails of residence applications (§7.3, §13 D8): filed, receipt number, supplement request,
result, mailing. Each goes to the filer (with an in-app notice) and to the foreign national's
notification address, in Japanese and English (``templates/mail/applications/<name>.<lang>.txt``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.models import Application, ProcedureChoice
from backoffice.workbench.mail import MailKind, mail_compose, mail_notify
from backoffice.workbench.models import OutboxMessage

MAILS: dict[str, MailKind] = {
    "filed": MailKind(
        _("Application filed (申請受付完了のお知らせ)"),
        _("Your application was filed; provisional number %(number)s."),
    ),
    "receipt": MailKind(
        _("Receipt number (申請受付番号のお知らせ)"),
        _("Your application %(provisional)s was received; receipt number %(number)s. Keep this e-mail."),
    ),
    "supplement": MailKind(
        _("Further documents requested (追完のお願い)"),
        _("The bureau asks for further documents for %(number)s by %(due_on)s."),
    ),
    "granted": MailKind(
        _("Examination completed (審査完了のお知らせ)"),
        _("Your application %(number)s was granted."),
    ),
    "denied": MailKind(
        _("Examination completed (審査完了のお知らせ)"),
        _("Your application %(number)s was denied."),
    ),
    "mailed": MailKind(
        _("Residence card mailed (在留カード等送付に関するお知らせ)"),
        _("The card or certificate for %(number)s was mailed; tracking number %(tracking)s."),
    ),
}


def application_mail(application: Application, name: str, **context: Any) -> None:
    """To the filer (in-app and e-mail) and to the notification address if it is another one.
    Written to the outbox inside the caller's transaction; delivered after commit."""
    kind = MAILS[name]
    template = f"mail/applications/{name}.{{language}}.txt"
    url = reverse("applications:detail", args=[application.pk])
    context = {
        "number": str(application),
        "provisional": application.provisional_number or "",
        "application": application,
        "procedure": ProcedureChoice(application.procedure).label,  # lazy: rendered in each language
        "subject": application.subject_name,
        **context,
    }
    mail_notify(
        kind=kind,
        template=template,
        recipient=application.filer,
        url=url,
        context=context,
        verb="application",
    )
    address = application.notification_email
    if address and address.lower() != (application.filer.email or "").lower():
        # Not an account: Japanese first, English below, like every notice.
        subject, body, _notice = mail_compose(
            kind=kind,
            template=template,
            recipient=_Addressee(application.subject_name),
            context={**context, "url": url},
        )
        message = OutboxMessage.objects.create(recipient=address, subject=subject, body=body)
        from backoffice.workbench.tasks import outbox_deliver

        transaction.on_commit(lambda: outbox_deliver.delay(message.pk), robust=True)


class _Addressee:
    preferred_language = "ja"

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name
