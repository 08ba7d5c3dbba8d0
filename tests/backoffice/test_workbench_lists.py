from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from backoffice.accounts.models import Prefecture
from backoffice.workbench.lists import ListParams, filtered_queryset, ordered, page_of
from institutions.lists import INSTITUTIONS
from institutions.models import Institution
from tests.factories import InstitutionFactory


@pytest.mark.django_db
def test_capped_count_and_paging_visit_every_row_once(cast: dict[str, Any]) -> None:
    InstitutionFactory.create_batch(23)
    admin = cast["users"]["admin"]
    qs = ordered(INSTITUTIONS, filtered_queryset(INSTITUTIONS, admin, ListParams()), ListParams(sort="name"))
    seen = []
    number = 1
    while True:
        page = page_of(qs, number=number, size=10, count_cap=15)
        seen += [row.pk for row in page.rows]
        if number > 1:
            assert page.count_capped and page.last_page is None
            assert page.count >= max(15, page.last_index)
        if not page.has_next:
            break
        number += 1
    assert sorted(seen) == sorted(Institution.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 28


@pytest.mark.django_db
def test_small_lists_need_no_count_query(cast: dict[str, Any]) -> None:
    qs = Institution.objects.order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        page = page_of(qs, number=1, size=50, count_cap=100)
    assert len(queries) == 1 and page.count == 5 and not page.count_capped


@pytest.mark.django_db
def test_search_normalises_full_width_and_matches_every_term(cast: dict[str, Any]) -> None:
    InstitutionFactory(name="ＡＢＣ商事株式会社")  # stored as typed
    InstitutionFactory(name="ABC物流株式会社")
    admin = cast["users"]["admin"]
    names = lambda q: set(  # noqa: E731
        filtered_queryset(INSTITUTIONS, admin, ListParams(query=q)).values_list("name", flat=True)
    )
    assert names("ＡＢＣ 物流") == {"ABC物流株式会社"}
    assert names("みどり") == {"みどり食品株式会社"}


@pytest.mark.django_db
def test_list_page_filters_groups_and_sorts(client_for: Any, cast: dict[str, Any]) -> None:
    InstitutionFactory(name="大阪第二株式会社", prefecture=Prefecture.objects.get(code="27"), category=4)
    client = client_for("admin")
    grouped = client.get(reverse("institutions:list"), {"group": "bureau"})
    groups = {str(g.label): g.count for g in grouped.context["groups"]}
    assert groups == {"東京出入国在留管理局": 4, "大阪出入国在留管理局": 2}
    tokyo = next(g for g in grouped.context["groups"] if str(g.label) == "東京出入国在留管理局")
    drilled = client.get(reverse("institutions:list"), {"group": "bureau", "gv": tokyo.param})
    assert len(drilled.context["rows"]) == 4
    assert all(obj.prefecture.bureau.code == "tokyo" for obj, _url, _vals in drilled.context["rows"])
    cat4 = client.get(reverse("institutions:list"), {"f": "cat34", "sort": "-name"})
    names = [obj.name for obj, _u, _v in cat4.context["rows"]]
    assert names == sorted(names, reverse=True)
    bogus = client.get(reverse("institutions:list"), {"sort": "password"})
    assert bogus.status_code == 200 and bogus.context["current_sort"] == "name"


@pytest.mark.django_db
@override_settings(WORKBENCH_PAGE_SIZE=50)
def test_list_page_query_count_does_not_grow_with_rows(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("reviewer_tokyo")
    client.get(reverse("institutions:list"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("institutions:list"))
    InstitutionFactory.create_batch(40)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("institutions:list"))
    assert len(many) == len(few)
    assert len(many) <= 12, [q["sql"] for q in many.captured_queries]


@pytest.mark.django_db
def test_column_chooser_is_remembered(client_for: Any) -> None:
    client = client_for("admin")
    client.get(reverse("institutions:list"), {"cols": ["name", "address"]})
    page = client.get(reverse("institutions:list"))
    assert [c.key for c in page.context["columns"]] == ["name", "address"]


@pytest.mark.django_db
def test_bulk_action_only_touches_rows_in_scope(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("reviewer_tokyo")
    tokyo, osaka = cast["company"], cast["osaka_company"]
    response = client.post(reverse("institutions:list"), {"action": "suspend", "sel": [tokyo.pk, osaka.pk]})
    assert response.status_code == 302
    assert Institution.objects.get(pk=tokyo.pk).status == "suspended"
    assert Institution.objects.get(pk=osaka.pk).status == "active"


@pytest.mark.django_db
def test_staff_cannot_run_bulk_suspend(client_for: Any, cast: dict[str, Any]) -> None:
    client = client_for("hr")
    response = client.post(reverse("institutions:list"), {"action": "suspend", "sel": [cast["company"].pk]})
    assert response.status_code == 403
    assert Institution.objects.get(pk=cast["company"].pk).status == "active"


@pytest.mark.django_db
def test_deep_pages_use_ids_first_and_keep_the_order(cast: dict[str, Any]) -> None:
    from backoffice.workbench import lists

    InstitutionFactory.create_batch(30)
    qs = Institution.objects.order_by("name", "pk")
    expected = list(qs.values_list("pk", flat=True))[10:20]
    original = lists.DEFERRED_JOIN_FROM
    lists.DEFERRED_JOIN_FROM = 5
    try:
        with CaptureQueriesContext(connection) as queries:
            page = page_of(qs, number=2, size=10, count_cap=100)
    finally:
        lists.DEFERRED_JOIN_FROM = original
    assert [row.pk for row in page.rows] == expected
    assert "IN (" in queries.captured_queries[1]["sql"]
