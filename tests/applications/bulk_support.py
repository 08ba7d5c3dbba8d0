"""The bulk input's test world: HR of みどり食品 with a live authentication ID, its foreign employees
(and one who left, and one of another company), and helpers that write CSV and XLSX files."""

from __future__ import annotations

import copy
import csv
import io
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from applications.bulk.templates import columns_for
from institutions.models import ForeignEmployee
from tests.usage_requests.conftest import APPROVAL, GOOD_FACTS
from usage_requests.models import AuthenticationId


def issue_auth_id(cast: dict[str, Any], filer: str = "hr", institution: str = "company") -> AuthenticationId:
    """As tests/usage_requests do: a request filed and approved, then the ID's password set."""
    from usage_requests.services import usage_request_create, usage_request_transition

    users = cast["users"]
    target = cast[institution]
    type(target).objects.filter(pk=target.pk).update(category=2)
    request = usage_request_create(
        actor=users[filer],
        institution=target,
        acting_for=None,
        kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )
    for who, name in [(filer, "submit"), *APPROVAL[1:]]:
        usage_request_transition(actor=users[who], request_id=request.pk, name=name)
    auth_id = AuthenticationId.objects.get(usage_request=request)
    auth_id.state = "active"
    auth_id.password = make_password("sakura-Tsubame-2026")
    auth_id.password_set_on = timezone.localdate()
    auth_id.valid_until = timezone.localdate() + timedelta(days=300)
    auth_id.save()
    return auth_id


def employees(institution: Any, n: int, *, start: int = 0, **fields: Any) -> list[ForeignEmployee]:
    today = timezone.localdate()
    made = [
        ForeignEmployee(
            institution=institution,
            name=f"NGUYEN VAN {start + i:05d}",
            nationality="ベトナム",
            date_of_birth=date(1990, 1, 1) + timedelta(days=(start + i) % 3000),
            status_of_residence="engineer_humanities_international",
            period_of_stay_until=today + timedelta(days=60),
            residence_card_number=f"AB{start + i:08d}CD",
            employed_from=date(2023, 4, 1),
            **fields,
        )
        for i in range(n)
    ]
    return ForeignEmployee.objects.bulk_create(made)


def make_bulk_cast(cast: dict[str, Any]) -> dict[str, Any]:
    """The cast, plus: HR's live ID for みどり食品, five of its employees, one who left it, and one
    employee of the other company. Each test module wraps this in its ``bulk_cast`` fixture."""
    issue_auth_id(cast)
    cast["employees"] = employees(cast["company"], 5)
    cast["former"] = employees(cast["company"], 1, start=900, employed_until=date(2024, 12, 31))[0]
    cast["stranger"] = employees(cast["other"], 1, start=950)[0]
    return cast


def row_for(employee: ForeignEmployee | None, **overrides: Any) -> dict[str, Any]:
    """A valid extension row for a registry employee: the registry fills name, birth date, etc."""
    row: dict[str, Any] = {
        "employee_id": employee.pk if employee else "",
        "sex": "M",
        "status": "engineer_humanities_international",
        "prefecture": "13",
        "address": "東京都千代田区霞が関1-1-1",
        "notification_email": "worker@example.test",
    }
    row.update(overrides)
    return row


def csv_bytes(
    rows: list[dict[str, Any]],
    procedure: str = "extension",
    *,
    encoding: str = "utf-8-sig",
    header: list[str] | None = None,
    help_row: bool = False,
) -> bytes:
    keys = header or columns_for(procedure)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(keys)
    if help_row:
        writer.writerow(["# help"] + [""] * (len(keys) - 1))
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k, "") for k in keys])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], procedure: str = "extension", header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "applications"
    sheet.append(header or columns_for(procedure))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_row(row: dict[str, Any], procedure: str = "extension") -> list[Any]:
    return [row.get(k) for k in columns_for(procedure)]


def bulk_import_of(user: Any) -> Any:
    """An import of ``user``'s, as the upload leaves it (queued), for pages that only need one."""
    from applications.bulk.services import bulk_import_create

    return bulk_import_create(
        actor=user, procedure="extension", file_name="staff.csv", content=csv_bytes([]), enqueue=False
    )
