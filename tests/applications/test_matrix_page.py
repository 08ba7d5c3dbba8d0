"""The public permission-matrix page renders the leaflet's table (seed/isa-leaflet-2022-01.txt)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# The leaflet's table, row by row (columns: 認定証明書, 変更, 更新, 取得, 就労資格証明書, 資格外活動, 再入国).
LEAFLET_ROWS = {
    "外国人本人": ["○※1", "○", "○", "○※1", "○", "○", "○"],
    "法定代理人": ["○", "○", "○", "○", "○", "○", "○"],
    "親族": ["△※2", "△※3", "△※3", "△※3", "×", "×", "△※3"],
    "弁護士・行政書士": ["○", "○", "○", "○", "○", "○", "○"],
}
EN_ROW_PREFIX = {
    "外国人本人": "foreign national",
    "法定代理人": "legal representative",
    "親族": "relative",
    "弁護士・行政書士": "lawyer",
}
LEAFLET_COLUMNS_JA = ["認定証明書", "変更", "更新", "取得", "就労資格証明書", "資格外活動", "再入国"]

ALL_STATUSES = (
    "diplomat", "official", "professor", "artist", "religious_activities", "journalist",
    "highly_skilled_professional", "business_manager", "legal_accounting_services", "medical_services",
    "researcher", "instructor", "engineer_humanities_international", "intra_company_transferee",
    "nursing_care", "entertainer", "skilled_labor", "specified_skilled_worker", "technical_intern_training",
    "cultural_activities", "temporary_visitor", "student", "trainee", "dependent", "designated_activities",
    "permanent_resident", "spouse_of_japanese", "spouse_of_permanent_resident", "long_term_resident",
)  # fmt: skip


class Tables(HTMLParser):
    """Collects every table with an id as a list of rows, each a list of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def squash(text: str) -> str:
    return "".join(text.split())


def get_tables(client: Client, query: str = "") -> dict[str, list[list[str]]]:
    response = client.get(reverse("applications:matrix") + query)
    assert response.status_code == 200
    parser = Tables()
    parser.feed(response.content.decode())
    for table_id in ("permission-matrix", "relative-statuses", "institution-matrix", "status-catalogue"):
        assert table_id in parser.tables, table_id
    return parser.tables


def leaflet_rows(table: list[list[str]], language: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in table[1:]:
        label = row[0]
        for key in LEAFLET_ROWS:
            wanted = key if language == "ja" else EN_ROW_PREFIX[key]
            if (
                label.startswith(wanted) if language == "ja" else wanted in label.lower()
            ) and key not in found:
                found[key] = [squash(c) for c in row[1:]]
    return found


@pytest.fixture
def en_client(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_anonymous_gets_the_page_in_japanese(client: Client) -> None:
    response = client.get(reverse("applications:matrix"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="ja"' in html
    assert "16歳未満" in html  # ※3


def test_anonymous_gets_the_page_in_english(en_client: Client) -> None:
    response = en_client.get(reverse("applications:matrix"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "under 16" in html


@pytest.mark.parametrize("query", ["", "?version=2022-03", "?version=2023-04"])
def test_japanese_table_matches_the_leaflet(client: Client, query: str) -> None:
    table = get_tables(client, query)["permission-matrix"]
    assert [squash(c) for c in table[0][1:]] == LEAFLET_COLUMNS_JA
    assert leaflet_rows(table, "ja") == LEAFLET_ROWS
    assert len(table) == 1 + len(LEAFLET_ROWS)


@pytest.mark.parametrize("query", ["", "?version=2022-03"])
def test_english_table_matches_the_leaflet(en_client: Client, query: str) -> None:
    table = get_tables(en_client, query)["permission-matrix"]
    assert leaflet_rows(table, "en") == LEAFLET_ROWS


@pytest.mark.parametrize("language", ["ja", "en"])
def test_relatives_row_marks_and_footnotes(client: Client, language: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    row = leaflet_rows(get_tables(client)["permission-matrix"], language)["親族"]
    marks = [cell[0] for cell in row]
    notes = [cell[1:] or "-" for cell in row]
    assert marks == ["△", "△", "△", "△", "×", "×", "△"]
    assert notes == ["※2", "※3", "※3", "※3", "-", "-", "※3"]


@pytest.mark.parametrize(("query", "listed"), [("?version=2022-03", False), ("?version=2023-04", True)])
def test_cultural_activities_in_relative_statuses(client: Client, query: str, listed: bool) -> None:
    rows = get_tables(client, query)["relative-statuses"]
    text = " ".join(" ".join(r) for r in rows)
    assert ("文化活動" in text) is listed
    assert ("33の2" in text or "33号の2" in text) is listed
    assert ("52" in text) is listed
    for status in ("留学", "家族滞在", "特定活動", "日本人の配偶者等", "永住者の配偶者等", "定住者"):
        assert status in text
    for notice in ("7", "18", "19", "23", "24", "30", "31", "33", "34", "38", "39", "47"):
        assert f"告示{notice}号" in text


@pytest.mark.parametrize(("query", "listed"), [("?version=2022-03", False), ("?version=2023-04", True)])
def test_cultural_activities_in_relative_statuses_english(
    en_client: Client, query: str, listed: bool
) -> None:
    text = " ".join(" ".join(r) for r in get_tables(en_client, query)["relative-statuses"])
    assert ("Cultural Activities" in text) is listed
    assert "Student" in text


def test_unknown_version_still_renders(client: Client) -> None:
    assert leaflet_rows(get_tables(client, "?version=1999-01")["permission-matrix"], "ja") == LEAFLET_ROWS


def test_status_catalogue_lists_all_29(client: Client) -> None:
    rows = get_tables(client)["status-catalogue"][1:]
    codes = [r[0] for r in rows]
    assert sorted(codes) == sorted(ALL_STATUSES)
    assert len(codes) == 29


def test_institution_matrix_has_three_rows_of_open_cells(client: Client) -> None:
    rows = get_tables(client)["institution-matrix"][1:]
    assert len(rows) == 3
    for row in rows:
        assert [squash(c) for c in row[1:8]] == ["○"] * 7
