from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from backoffice.audit.models import AppendOnlyError, AuditEvent
from backoffice.audit.services import audit_log
from backoffice.audit.verify import verify_chains
from tests.factories import InstitutionFactory, UserFactory


def _log(actor: Any, target: Any, n: int = 1) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_log(
                    actor=actor, action="test.event", target=target, institution_id=target.pk, data={"i": i}
                )
            )
    return events


@pytest.mark.django_db
def test_rows_chain_globally_and_per_institution() -> None:
    actor = UserFactory()
    a, b = InstitutionFactory(), InstitutionFactory()
    first = _log(actor, a, 2)
    second = _log(actor, b, 1)
    assert [e.chain_seq for e in first] == [1, 2]
    assert second[0].chain_seq == 1
    assert second[0].prev_hash == first[1].hash
    assert first[1].chain_prev_hash == first[0].chain_hash
    report = verify_chains()
    assert report.ok and report.events_checked == 6  # 3 global links + 3 institution links


@pytest.mark.django_db(transaction=True)
def test_audit_log_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        audit_log(actor=None, action="x", target=InstitutionFactory(), institution_id=None)


@pytest.mark.django_db
def test_orm_cannot_update_or_delete_rows() -> None:
    event = _log(UserFactory(), InstitutionFactory())[0]
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_audit_verify_reports_an_altered_row_and_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    institution = InstitutionFactory()
    events = _log(UserFactory(), institution, 3)
    call_command("audit_verify")
    assert "OK" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"i": 99}', events[1].pk])
    with pytest.raises(CommandError):
        call_command("audit_verify")
    err = capsys.readouterr().err
    assert f"event_id={events[1].pk}" in err
    assert "altered" in err


@pytest.mark.django_db
def test_a_removed_row_is_a_gap() -> None:
    events = _log(UserFactory(), InstitutionFactory(), 3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = verify_chains()
    assert not report.ok
    assert any("gap" in link.reason for link in report.broken)


@pytest.mark.django_db
def test_a_truncated_tail_is_caught_by_the_chain_head() -> None:
    events = _log(UserFactory(), InstitutionFactory(), 3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    report = verify_chains()
    assert not report.ok
    assert any("chain head" in link.reason for link in report.broken)


@pytest.mark.django_db
def test_request_id_is_recorded(client: Any) -> None:
    from tests.factories import TEST_PASSWORD

    user = UserFactory(username="hr_login")
    response = client.post(
        "/accounts/login/",
        {"username": "hr_login", "password": TEST_PASSWORD},
        HTTP_X_REQUEST_ID="req-12345678",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.logged_in", target_id=str(user.pk))
    assert event.request_id == "req-12345678"


@pytest.mark.django_db
def test_a_forged_chain_head_hash_is_caught() -> None:
    from backoffice.audit.models import AuditChainHead

    _log(UserFactory(), InstitutionFactory(), 2)
    AuditChainHead.objects.filter(chain="global").update(last_hash="f" * 64)
    report = verify_chains()
    assert [link.chain for link in report.broken] == ["global"]
