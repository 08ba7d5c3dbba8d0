"""The audit chain on a real PostgreSQL: the append-only trigger, ``manage.py audit_verify``
as a separate process, and concurrent writers that must queue on the chain head."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction

from backoffice.audit.models import GLOBAL_CHAIN, AuditEvent
from backoffice.audit.services import audit_log, chain_for_institution
from backoffice.audit.verify import verify_chains
from tests.factories import InstitutionFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TRIGGER = "audit_event_append_only"


def _log_events(actor: Any, institution: Any, n: int) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_log(
                    actor=actor,
                    action="test.event",
                    target=institution,
                    institution_id=institution.pk,
                    data={"i": i, "note": "監査テスト"},
                )
            )
    return events


def _audit_verify() -> subprocess.CompletedProcess[str]:
    """Run ``manage.py audit_verify`` in its own process against the test database."""
    db = connection.settings_dict
    url = (
        f"postgresql://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
        f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "backoffice.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _tamper(sql: str, params: list[Any]) -> None:
    """What an attacker with table-owner rights can do: switch the trigger off, edit, switch it on."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {TRIGGER}")
        try:
            cursor.execute(sql, params)
            assert cursor.rowcount == 1
        finally:
            cursor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {TRIGGER}")


def test_the_trigger_refuses_raw_sql_update_and_delete() -> None:
    event = _log_events(UserFactory(), InstitutionFactory(), 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = %s AND tgrelid = 'audit_auditevent'::regclass",
            [TRIGGER],
        )
        assert cursor.fetchone() == ("O",)  # present and enabled

    for sql in (
        "UPDATE audit_auditevent SET data = '{\"forged\": true}'::jsonb WHERE id = %s",
        "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == "test.event"
    assert stored.data == {"i": 0, "note": "監査テスト"}
    assert verify_chains().ok


def test_audit_verify_command_passes_an_intact_chain_and_names_an_altered_row() -> None:
    actor, institution = UserFactory(), InstitutionFactory()
    events = _log_events(actor, institution, 5)

    ok = _audit_verify()
    assert ok.returncode == 0, ok.stderr
    assert "OK:" in ok.stdout
    assert "BROKEN" not in ok.stderr

    altered = events[2]
    _tamper(
        "UPDATE audit_auditevent SET data = %s::jsonb WHERE id = %s",
        ['{"i": 2, "note": "改ざん"}', altered.pk],
    )
    broken = _audit_verify()
    assert broken.returncode != 0
    lines = [line for line in broken.stderr.splitlines() if line.startswith("BROKEN")]
    # The altered row breaks both of its chains, and each report names that very row.
    chains = {GLOBAL_CHAIN, chain_for_institution(institution.pk)}
    assert {line.split()[1] for line in lines} == {f"chain={c}" for c in chains}, broken.stderr
    for line in lines:
        assert f"event_id={altered.pk} " in line
        assert "altered" in line


def test_audit_verify_command_detects_a_deleted_row() -> None:
    actor, institution = UserFactory(), InstitutionFactory()
    events = _log_events(actor, institution, 5)
    removed = events[1]
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])

    result = _audit_verify()
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("BROKEN")]
    assert len(lines) == 2, result.stderr
    after = events[2]  # the first row after the gap is where each chain breaks
    for line in lines:
        assert f"event_id={after.pk} " in line
        assert "sequence gap" in line
    report = verify_chains()
    assert not report.ok
    assert {b.reason.split(":")[0] for b in report.broken} == {"sequence gap"}


def test_concurrent_appends_to_one_institution_never_fork_the_chain() -> None:
    actor, institution = UserFactory(), InstitutionFactory()
    threads_n, per_thread = 6, 5
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                with transaction.atomic():
                    audit_log(
                        actor=actor,
                        action="test.concurrent",
                        target=institution,
                        institution_id=institution.pk,
                        data={"thread": n, "i": i},
                    )
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung (deadlock?)"
    assert not errors, errors

    total = threads_n * per_thread
    chain = chain_for_institution(institution.pk)
    seqs = list(
        AuditEvent.objects.filter(chain=chain).order_by("chain_seq").values_list("chain_seq", flat=True)
    )
    assert seqs == list(range(1, total + 1))
    global_seqs = list(AuditEvent.objects.order_by("global_seq").values_list("global_seq", flat=True))
    assert global_seqs == list(range(1, len(global_seqs) + 1))
    # Every writer's rows are there, each exactly once.
    pairs = {
        (e["thread"], e["i"]) for e in AuditEvent.objects.filter(chain=chain).values_list("data", flat=True)
    }
    assert len(pairs) == total
    report = verify_chains()
    assert report.ok, report.broken
    assert report.events_checked == 2 * len(global_seqs)
