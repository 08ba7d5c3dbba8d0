"""The code table is administrators' data, maintained in the Django admin, every change audited."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from backoffice.audit.models import AuditEvent
from individuals.models import CertificateCode

MY_NUMBER = "123456789018"


def test_the_seed_holds_what_the_leaflet_proves(code_table: None) -> None:
    rows = set(CertificateCode.objects.values_list("kind", "symbol", "code"))
    assert {("office", "東", "13"), ("category", "弁", "7")} <= rows


def test_an_administrator_adds_and_changes_a_code(
    cast: dict[str, Any], client_for: Any, code_table: None
) -> None:
    client = client_for("admin")
    add = reverse("admin:individuals_certificatecode_add")
    assert client.get(add).status_code == 200
    response = client.post(add, {"kind": "category", "symbol": " 行 ", "code": "8", "label": "行政書士",
                                 "source": "transcribed from the leaflet's table", "active": "on"})  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    code = CertificateCode.objects.get(symbol="行")
    assert code.code == "8"
    assert AuditEvent.objects.get(action="certificate_code.created").data["fields"]["symbol"] == "行"
    change = reverse("admin:individuals_certificatecode_change", args=[code.pk])
    client.post(
        change,
        {"kind": "category", "symbol": "行", "code": "9", "label": "行政書士", "source": "", "active": "on"},
    )
    assert AuditEvent.objects.get(action="certificate_code.updated").data["changes"]["code"] == {
        "from": "8",
        "to": "9",
    }
    client.post(reverse("admin:individuals_certificatecode_delete", args=[code.pk]), {"post": "yes"})
    assert not CertificateCode.objects.filter(symbol="行").exists()
    assert AuditEvent.objects.filter(action="certificate_code.deleted").count() == 1


def test_codes_have_the_right_length_and_no_my_number(
    cast: dict[str, Any], client_for: Any, code_table: None
) -> None:
    client = client_for("admin")
    add = reverse("admin:individuals_certificatecode_add")
    wrong = client.post(add, {"kind": "office", "symbol": "大", "code": "7", "label": "", "source": ""})
    assert wrong.status_code == 200 and "code" in wrong.context["adminform"].form.errors
    mine = client.post(
        add, {"kind": "office", "symbol": "大", "code": "27", "label": MY_NUMBER, "source": ""}
    )
    assert "label" in mine.context["adminform"].form.errors
    assert not CertificateCode.objects.filter(symbol="大").exists()


def test_only_administrators_reach_it(cast: dict[str, Any], client_for: Any, code_table: None) -> None:
    url = reverse("admin:individuals_certificatecode_changelist")
    assert client_for("admin").get(url).status_code == 200
    for role in ("reviewer_tokyo", "auditor", "lawyer"):
        assert client_for(role).get(url).status_code == 403
