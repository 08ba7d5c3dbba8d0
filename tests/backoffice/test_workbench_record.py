from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from backoffice.workbench.exports import spreadsheet_safe
from backoffice.workbench.models import Activity, ExportJob, Notification, OutboxMessage
from institutions.models import Delegation, Institution


@pytest.mark.django_db
def test_close_is_blocked_with_its_reason_while_a_delegation_is_active(
    client_for: Any, cast: dict[str, Any]
) -> None:
    client = client_for("admin")
    page = client.get(reverse("institutions:detail", args=[cast["company"].pk]))
    buttons = {b.name: b for b in page.context["status"].buttons}
    assert set(buttons) == {"suspend", "close"}
    assert buttons["suspend"].enabled
    assert not buttons["close"].enabled and buttons["close"].reasons
    html = page.content.decode()
    assert 'id="why-close"' in html and "disabled" in html
    response = client.post(reverse("institutions:transition", args=[cast["company"].pk, "close"]))
    assert response.status_code == 302
    assert Institution.objects.get(pk=cast["company"].pk).status == "active"


@pytest.mark.django_db
def test_transition_is_audited_and_shown_as_the_path_taken(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("reviewer_tokyo")
    pk = cast["company"].pk
    client.post(reverse("institutions:transition", args=[pk, "suspend"]), {"reason": "調査中"})
    assert Institution.objects.get(pk=pk).status == "suspended"
    event = AuditEvent.objects.get(action="institution.suspend")
    assert event.data["transition"] == {"field": "status", "from": "active", "to": "suspended"}
    client.post(reverse("institutions:transition", args=[pk, "reinstate"]))
    page = client.get(reverse("institutions:detail", args=[pk]))
    steps = {s.value: s.kind for s in page.context["status"].steps}
    assert steps == {"active": "current", "suspended": "taken", "closed": "next"}
    assert [b.name for b in page.context["status"].buttons] == ["suspend", "close"]


@pytest.mark.django_db
def test_staff_see_no_suspend_button_and_cannot_post_it(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("hr")
    pk = cast["company"].pk
    page = client.get(reverse("institutions:detail", args=[pk]))
    assert "suspend" not in [b.name for b in page.context["status"].buttons]
    assert client.post(reverse("institutions:transition", args=[pk, "suspend"])).status_code == 403


@pytest.mark.django_db
def test_close_works_once_delegations_have_ended(client_for: Any, cast: dict[str, Any]) -> None:
    Delegation.objects.update(valid_to=timezone.localdate() - timedelta(days=1))
    client = client_for("admin")
    url = reverse("institutions:transition", args=[cast["company"].pk, "close"])
    client.post(url)
    assert Institution.objects.get(pk=cast["company"].pk).status == "active", "a reason is required"
    client.post(url, {"reason": "廃業届を受理"})
    assert Institution.objects.get(pk=cast["company"].pk).status == "closed"
    assert AuditEvent.objects.get(action="institution.close").data["reason"] == "廃業届を受理"


@pytest.mark.django_db
def test_comment_mentions_notify_only_people_in_scope(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("reviewer_tokyo")
    pk = cast["company"].pk
    body = "@hr 書類の確認をお願いします。 @reviewer_osaka"
    response = client.post(
        reverse("workbench:comment", args=["institutions.institution", pk]), {"body": body}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="comment.posted")
    assert event.data["mentions"] == ["hr"]
    assert Notification.objects.filter(recipient=cast["users"]["hr"], verb="mention").count() == 1
    assert not Notification.objects.filter(recipient=cast["users"]["reviewer_osaka"]).exists()
    assert (
        OutboxMessage.objects.filter(recipient=cast["users"]["hr"].email, sent_at__isnull=True).count() == 1
    )
    page = client_for("hr").get(reverse("institutions:detail", args=[pk]))
    assert body.splitlines()[0] in page.content.decode()


@pytest.mark.django_db
def test_auditor_cannot_comment_and_out_of_scope_records_are_404(
    client_for: Any, cast: dict[str, Any]
) -> None:
    url = reverse("workbench:comment", args=["institutions.institution", cast["company"].pk])
    assert client_for("auditor").post(url, {"body": "x"}).status_code == 403
    assert client_for("reviewer_osaka").post(url, {"body": "x"}).status_code == 404
    assert not AuditEvent.objects.filter(action="comment.posted").exists()


@pytest.mark.django_db
def test_activity_due_states_and_done(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("reviewer_tokyo")
    pk = cast["company"].pk
    today = timezone.localdate()
    url = reverse("workbench:activity_create", args=["institutions.institution", pk])
    hr = cast["users"]["hr"]
    client.post(url, {"summary": "財務書類の提出", "assignee": hr.pk, "due_on": today.isoformat()})
    past = client.post(
        url, {"summary": "x", "assignee": hr.pk, "due_on": (today - timedelta(days=1)).isoformat()}
    )
    assert past.status_code == 302 and Activity.objects.count() == 1
    activity = Activity.objects.get()
    assert activity.due_state(today) == "today"
    assert activity.due_state(today + timedelta(days=1)) == "overdue"
    assert activity.due_state(today - timedelta(days=1)) == "planned"
    hr_client = client_for("hr")
    mine = hr_client.get(reverse("workbench:activities"))
    assert [a.pk for a, _state in mine.context["items"]] == [activity.pk]
    hr_client.post(reverse("workbench:activity_done", args=[activity.pk]))
    assert Activity.objects.get().done_at is not None
    assert AuditEvent.objects.filter(action="activity.done").exists()


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("普通の名前", "普通の名前"),
        (12, 12),
        (None, ""),
    ],
)
def test_spreadsheet_cells_are_made_safe(value: Any, expected: Any) -> None:
    assert spreadsheet_safe(value) == expected


@pytest.mark.django_db
def test_export_request_creates_a_job_with_the_current_filter(
    client_for: Any, cast: dict[str, Any], settings: Any
) -> None:
    from backoffice.workbench.tasks import export_run

    settings.WORKBENCH_EXPORT_INLINE_ROWS = 0  # every export goes to the worker here
    client = client_for("supervisor_tokyo")
    response = client.get(reverse("institutions:list"), {"f": "cat34", "q": "みどり", "export": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "workbench:export_detail", args=[job.pk]
    )
    assert job.params["q"] == "みどり" and job.params["f"] == ["cat34"]
    # The worker's function, run here in-process to check its output (the real worker is
    # exercised in tests/integration).
    export_run(job.pk)
    job = ExportJob.objects.get()
    assert job.status == "done" and job.done == 1
    from backoffice.workbench.tasks import export_dir

    text = Path(export_dir() / job.file_name).read_text(encoding="utf-8-sig")
    assert "みどり食品株式会社" in text and "さくら" not in text
    header, first = text.splitlines()[:2]
    assert "法人番号" in header, "headers are the fields' names in the user's language"
    assert "所属機関" in first and "accepting" not in first, "choices are exported as their labels"
    assert client_for("hr").get(reverse("workbench:export_download", args=[job.pk])).status_code == 403
    assert client_for("auditor").get(reverse("workbench:export_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("workbench:export_download", args=[job.pk])).status_code == 200


@pytest.mark.django_db
def test_activity_cannot_be_assigned_to_someone_outside_the_record(
    client_for: Any, cast: dict[str, Any]
) -> None:
    client = client_for("reviewer_tokyo")
    url = reverse("workbench:activity_create", args=["institutions.institution", cast["company"].pk])
    due = timezone.localdate().isoformat()
    client.post(url, {"summary": "確認", "assignee": cast["users"]["hr_other"].pk, "due_on": due})
    assert not Activity.objects.exists()
    assert not Notification.objects.filter(recipient=cast["users"]["hr_other"]).exists()


@pytest.mark.django_db
def test_agents_cannot_close_their_principal(client_for: Any, cast: dict[str, Any]) -> None:
    Delegation.objects.update(valid_to=timezone.localdate())
    client = client_for("support")
    url = reverse("institutions:transition", args=[cast["company"].pk, "close"])
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert Institution.objects.get(pk=cast["company"].pk).status == "active"


@pytest.mark.django_db
def test_reviewer_registers_only_in_their_jurisdiction(client_for: Any) -> None:
    page = client_for("reviewer_tokyo").get(reverse("institutions:create"))
    codes = {p.code for p in page.context["form"].fields["prefecture"].queryset}
    assert "13" in codes and "27" not in codes


@pytest.mark.django_db
def test_only_the_assignee_closes_an_activity(client_for: Any, cast: dict[str, Any]) -> None:
    reviewer = client_for("reviewer_tokyo")
    url = reverse("workbench:activity_create", args=["institutions.institution", cast["company"].pk])
    due = timezone.localdate().isoformat()
    reviewer.post(
        url, {"summary": "書類確認", "assignee": cast["users"]["supervisor_tokyo"].pk, "due_on": due}
    )
    activity = Activity.objects.get()
    assert reviewer.post(reverse("workbench:activity_done", args=[activity.pk])).status_code == 403
    assert client_for("hr").post(reverse("workbench:activity_done", args=[activity.pk])).status_code == 403
    assert Activity.objects.get().done_at is None
    client_for("supervisor_tokyo").post(reverse("workbench:activity_done", args=[activity.pk]))
    assert Activity.objects.get().done_at is not None
