"""Bad input gets a clear, translated error on the field, and nothing is saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from institutions.models import CriminalSentence, Delegation, Institution
from tests.factories import valid_corporate_number

NEW_INSTITUTION = {
    "kind": "accepting",
    "name": "新規登録株式会社",
    "prefecture": "13",
    "address": "東京都港区1-2-3",
    "statutory_report_filed": "on",
    "withholding_tax_yen": "12000000",
}


def _post(client: Any, url: str, data: dict[str, Any], language: str = "ja") -> Any:
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.django_db
def test_wrong_check_digit_is_refused_in_japanese_and_nothing_saved(client_for: Any) -> None:
    client = client_for("reviewer_tokyo")
    before = Institution.objects.count()
    good = valid_corporate_number(424242)
    bad = str((int(good[0]) % 9) + 1) + good[1:]
    response = _post(client, reverse("institutions:create"), {**NEW_INSTITUTION, "corporate_number": bad})
    assert response.status_code == 400
    assert "corporate_number" in response.context["form"].errors
    assert Institution.objects.count() == before
    assert "チェックデジット" in response.content.decode()


@pytest.mark.django_db
def test_english_error_for_an_english_user(client_for: Any) -> None:
    client = client_for("reviewer_tokyo")
    client.cookies["django_language"] = "en"
    response = client.post(reverse("institutions:create"), {**NEW_INSTITUTION, "corporate_number": "123"})
    assert response.status_code == 400
    assert "exactly 13 digits" in response.content.decode()


@pytest.mark.django_db
def test_full_width_corporate_number_is_accepted_after_nfkc(client_for: Any) -> None:
    client = client_for("reviewer_tokyo")
    number = valid_corporate_number(515151)
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = _post(
        client, reverse("institutions:create"), {**NEW_INSTITUTION, "corporate_number": full_width}
    )
    assert response.status_code == 302
    institution = Institution.objects.get(corporate_number=number)
    assert institution.category == 2
    assert "CAT2-WITHHOLDING" in institution.category_reason


@pytest.mark.django_db
def test_my_number_in_a_name_is_refused(client_for: Any) -> None:
    from backoffice.text import my_number_check_digit

    number = "12345678901" + str(my_number_check_digit("12345678901"))
    client = client_for("reviewer_tokyo")
    response = _post(
        client, reverse("institutions:create"), {**NEW_INSTITUTION, "name": f"株式会社 {number}"}
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not Institution.objects.filter(name__contains=number).exists()


@pytest.mark.django_db
def test_future_sentence_date_is_refused(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("hr")
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {
        "institution": cast["company"].pk,
        "law_kind": "immigration",
        "law_name": "出入国管理及び難民認定法",
        "penalty": "fine",
        "sentenced_on": "2020-01-10",
        "served_on": tomorrow.isoformat(),
    }
    response = _post(client, reverse("institutions:sentence_create"), data)
    assert response.status_code == 400
    assert "served_on" in response.context["form"].errors
    assert CriminalSentence.objects.count() == 0


@pytest.mark.django_db
def test_delegation_ending_before_it_starts_is_refused(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("hr")
    before = Delegation.objects.count()
    data = {
        "principal": cast["company"].pk,
        "agent": cast["support_org"].pk,
        "valid_from": "2025-04-01",
        "valid_to": "2025-03-31",
        "scope": ["residence_applications"],
    }
    response = _post(client, reverse("institutions:delegation_create"), data)
    assert response.status_code == 400
    assert "valid_to" in response.context["form"].errors
    assert Delegation.objects.count() == before


@pytest.mark.django_db
def test_staff_cannot_attach_records_to_another_institution(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("hr")
    data = {"institution": cast["other"].pk, "name": "他社 太郎", "position": "取締役"}
    response = _post(client, reverse("institutions:officer_create"), data)
    assert response.status_code == 400
    assert "institution" in response.context["form"].errors


@pytest.mark.django_db
def test_valid_sub_record_is_saved_with_an_audit_event(client_for: Any, cast: dict[str, Any]) -> None:
    from backoffice.audit.models import AuditEvent

    client = client_for("hr")
    data = {
        "institution": cast["company"].pk,
        "name": "新任 役員",
        "position": "取締役",
        "appointed_on": "2025-06-01",
    }
    response = _post(client, reverse("institutions:officer_create"), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="officer.created")
    assert event.institution_id == cast["company"].pk
    assert event.actor_id == cast["users"]["hr"].pk
    assert event.data["fields"]["name"] == "新任 役員"
