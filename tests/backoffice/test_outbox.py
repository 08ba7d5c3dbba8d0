from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from backoffice.workbench.models import OutboxMessage
from backoffice.workbench.tasks import deliver_once, retry_delay


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_sending_twice_delivers_once() -> None:
    message = OutboxMessage.objects.create(recipient="hr@example.test", subject="件名", body="本文")
    assert deliver_once(message.pk) == (True, 1)
    assert deliver_once(message.pk) == (False, 0)
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "件名"
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None


class _BrokenBackend:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("smtp down")


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.backoffice.test_outbox._BrokenBackend")
def test_a_mail_failure_keeps_the_message_for_a_retry() -> None:
    message = OutboxMessage.objects.create(recipient="hr@example.test", subject="s", body="b")
    assert deliver_once(message.pk) == (False, 1)
    assert deliver_once(message.pk) == (False, 2)
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert stored.sent_at is None and "smtp down" in stored.last_error


def test_backoff_grows_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays) and max(delays) == 3600
