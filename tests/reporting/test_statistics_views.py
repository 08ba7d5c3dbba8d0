"""The statistics page and its CSV: who sees which bureau, the CSV's numbers are the page's, and
the CSV is audited like every export."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import Any

import pytest
from django.urls import reverse

from backoffice.audit.models import AuditEvent
from tests.reporting.test_statistics import seed_november

URL = reverse("reporting:statistics")
CSV_URL = reverse("reporting:statistics_csv")


@pytest.fixture
def seeded(cast: dict[str, Any]) -> dict[str, Any]:
    seed_november(cast)
    return cast


def page_cells(html: str) -> dict[tuple[str, str], list[str]]:
    """(section, row) → the raw values the page keeps beside what it prints."""
    cells: dict[tuple[str, str], list[str]] = {}
    for section, body in re.findall(r'data-section="([^"]+)"(.*?)</section>', html, re.S):
        for row, tds in re.findall(r'data-row="([^"]+)">(.*?)</tr>', body, re.S):
            cells[(section, row)] = re.findall(r'data-value="([^"]*)"', tds)
    return cells


def csv_cells(content: bytes) -> dict[tuple[str, str], list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    header = next(reader)
    assert header[:3] == ["section", "row", "label"]
    return {
        (row[0], row[1]): [cell for cell in row[3:]]
        for row in reader
        if row[0] != "report" and row[1] != "#columns"
    }


def _number(text: str) -> float | None:
    return float(text) if text != "" else None


@pytest.mark.django_db
def test_csv_numbers_equal_the_page(seeded: dict[str, Any], client_for: Any) -> None:
    client = client_for("auditor")
    query = {"month": "2026-11", "bureau": "tokyo"}
    page = client.get(URL, query)
    assert page.status_code == 200
    html = page.content.decode()
    shown = page_cells(html)
    download = client.get(CSV_URL, query)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert 'filename="statistics-2026-11-tokyo.csv"' in download["Content-Disposition"]
    exported = csv_cells(download.content)
    assert set(shown) == set(exported)
    assert len(shown) > 40
    for key, values in shown.items():
        assert [_number(v) for v in values] == [_number(v) for v in exported[key]], key
    # The figures are the seeded ones (the lead time's table, for one).
    assert shown[("lead_time", "within_target")] == ["3"]
    assert shown[("lead_time", "within_target_pct")] == ["75.0"]
    assert shown[("requests_by_outcome", "approved")] == ["3"]
    # Charts beside the tables: inline SVG images with a title.
    assert html.count('role="img"') == sum(1 for _ in re.finditer(r"<svg ", html)) >= 6


@pytest.mark.django_db
def test_the_csv_is_audited_with_who_filter_rows_and_sha256(seeded: dict[str, Any], client_for: Any) -> None:
    client = client_for("supervisor_tokyo")
    download = client.get(CSV_URL, {"month": "2026-11"})
    assert download.status_code == 200
    event = AuditEvent.objects.get(action="statistics.exported")
    assert event.actor.username == "supervisor_tokyo"
    assert event.data["filter"] == {"month": "2026-11", "bureau": "tokyo"}
    assert event.data["sha256"] == hashlib.sha256(download.content).hexdigest()
    lines = download.content.decode("utf-8-sig").strip().splitlines()
    assert event.data["rows"] == len(lines) - 1  # the header is not a row


@pytest.mark.django_db
def test_the_auditor_sees_every_bureau_and_all_together(seeded: dict[str, Any], client_for: Any) -> None:
    client = client_for("auditor")
    everything = client.get(URL, {"month": "2026-11", "bureau": ""})
    assert everything.status_code == 200
    assert page_cells(everything.content.decode())[("requests_by_outcome", "approved")] == ["4"]
    osaka = client.get(URL, {"month": "2026-11", "bureau": "osaka"})
    assert page_cells(osaka.content.decode())[("requests_by_outcome", "approved")] == ["1"]
    # Without a choice: all bureaus, last month.
    assert client.get(URL).status_code == 200


@pytest.mark.django_db
def test_a_supervisor_sees_their_own_bureau_only(seeded: dict[str, Any], client_for: Any) -> None:
    client = client_for("supervisor_tokyo")
    own = client.get(URL, {"month": "2026-11"})
    assert own.status_code == 200
    assert own.context["bureau"].code == "tokyo"
    assert '<option value="">' not in own.content.decode()  # no "all bureaus" to pick
    assert client.get(URL, {"month": "2026-11", "bureau": "osaka"}).status_code == 403
    assert client.get(URL, {"month": "2026-11", "bureau": ""}).status_code == 403
    assert client.get(CSV_URL, {"month": "2026-11", "bureau": "osaka"}).status_code == 403
    assert client.get(CSV_URL, {"month": "2026-11", "bureau": ""}).status_code == 403
    assert not AuditEvent.objects.filter(action="statistics.exported").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer_tokyo", "hr", "support", "admin", "foreign_national"])
def test_reviewers_institution_staff_and_others_are_refused(
    cast: dict[str, Any], client_for: Any, role: str
) -> None:
    client = client_for(role)
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


@pytest.mark.django_db
def test_a_month_that_cannot_be_read_is_said_so(cast: dict[str, Any], client_for: Any) -> None:
    client = client_for("auditor")
    response = client.get(URL, {"month": "2026/11"})
    assert response.status_code == 200
    assert response.context["errors"]
    assert client.get(URL, {"month": "2099-01"}).context["errors"]
    assert client.get(CSV_URL, {"month": "2026/11"}).status_code == 404


@pytest.mark.django_db
def test_the_menu_offers_statistics_to_auditors_and_supervisors(
    cast: dict[str, Any], client_for: Any
) -> None:
    home = reverse("workbench:home")
    assert URL in client_for("auditor").get(home).content.decode()
    assert URL in client_for("supervisor_tokyo").get(home).content.decode()
    assert URL not in client_for("reviewer_tokyo").get(home).content.decode()
