from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Q
from django.template import Context, Engine
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice.accounts.models import Prefecture
from backoffice.workbench.list_html import rows_html
from backoffice.workbench.lists import (
    Column,
    GroupBy,
    ListParams,
    ListSpec,
    NamedFilter,
    RowSource,
    filtered_queryset,
    joins,
    ordered,
    page_of,
    page_rows,
    record_url,
)
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
@pytest.mark.parametrize("values", [False, True])
def test_a_count_made_with_the_rows_is_the_same_a_query_less(cast: dict[str, Any], values: bool) -> None:
    """page_of(count_with_rows=True) counts in the rows' query (CappedCount), as instances
    or rows of values (RowSource); a page with no rows to carry it counts on its own."""
    InstitutionFactory.create_batch(23)
    qs = Institution.objects.order_by("name", "pk")
    rows = (
        RowSource(("pk", "name"), lambda pk, name: SimpleNamespace(pk=pk, name=name))
        if values
        else RowSource()
    )
    for number, size in ((1, 10), (2, 10), (3, 10), (9, 10), (1, 50)):
        plain = page_of(qs, number=number, size=size, count_cap=15)
        with CaptureQueriesContext(connection) as queries:
            inline = page_of(qs, number=number, size=size, count_cap=15, rows=rows, count_with_rows=True)
        assert [(r.pk, r.name) for r in inline.rows] == [(r.pk, r.name) for r in plain.rows]
        assert (inline.count, inline.count_capped, inline.has_next) == (
            plain.count,
            plain.count_capped,
            plain.has_next,
        )
        assert len(queries) == (1 if inline.rows else 2), (number, size)
        if number == 2:
            assert "(SELECT COUNT(*) FROM (SELECT" in queries.captured_queries[0]["sql"]


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


# --- reading and rendering a page's cells once per page ------------------------------------


def _legacy_value(column: Column, obj: Any) -> Any:
    """How a cell's value was read per cell before Column.reader (get_FOO_display per cell)."""
    if column.render is not None:
        return column.render(obj)
    current: Any = obj
    parts = column.orm_path.split("__")
    for i, part in enumerate(parts):
        if current is None:
            return ""
        display = getattr(current, f"get_{part}_display", None)
        if i == len(parts) - 1 and callable(display):
            return display()
        current = getattr(current, part)
    if current is None:
        return ""
    if hasattr(current, "isoformat") and not hasattr(current, "hour"):
        return date_format(current, "Y-m-d")
    if isinstance(current, bool):
        return _("Yes") if current else _("No")
    return current


LEGACY_CELLS = (
    '{% for obj, url, values in rows %}<tr>{% if select %}<td><input type="checkbox" name="sel" '
    'value="{{ obj.pk }}" aria-label="{{ select }} {{ obj }}"></td>{% endif %}{% for v in values %}'
    '<td>{% if forloop.first %}<a href="{{ url }}">{{ v }}</a>{% else %}{{ v }}{% endif %}</td>'
    "{% endfor %}</tr>{% endfor %}"
)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_cells_read_and_render_as_the_template_did(cast: dict[str, Any], language: str) -> None:
    InstitutionFactory(
        name="<b>&株式会社</b>", online_approved_on=date(2025, 4, 1), statutory_report_filed=False
    )
    spec = ListSpec(
        key="t",
        title="t",
        model=Institution,
        scope=lambda user: Institution.objects.all(),
        row_url=record_url("institutions:detail"),
        columns=[
            *INSTITUTIONS.columns,
            Column("filed", "filed", path="statutory_report_filed"),  # a boolean
            Column("approved", "approved", path="online_approved_on"),  # a date, or None
            Column("prefecture_name", "p", path="prefecture__name_en"),  # through a relation
            Column("name_display", "n", path="name", render=lambda o: format_html("<i>{}</i>", o.name)),
        ],
    )
    objects = list(Institution.objects.select_related("prefecture__bureau").order_by("pk"))
    with translation.override(language):
        rows = page_rows(spec, spec.columns, objects)
        legacy = [
            (o, reverse("institutions:detail", args=[o.pk]), [_legacy_value(c, o) for c in spec.columns])
            for o in objects
        ]
        assert [(r.obj, r.url, [str(v) for v in r.values]) for r in rows] == [
            (o, url, [str(v) for v in values]) for o, url, values in legacy
        ]
        for select in (None, "選択"):
            ours = re.sub(r"\s+", " ", str(rows_html(rows, select_label=select)))
            theirs = (
                Engine.get_default()
                .from_string(LEGACY_CELLS)
                .render(Context({"rows": legacy, "select": select}))
            )
            assert ours.replace("> <", "><").replace("<tr> ", "<tr>") == theirs
    assert "&lt;b&gt;&amp;株式会社&lt;/b&gt;" in ours and "<i>" in ours


def test_record_url_is_reverse() -> None:
    url = record_url("institutions:detail")
    for pk in (1, 42, 10**12):
        assert url(SimpleNamespace(pk=pk)) == reverse("institutions:detail", args=[pk])


@pytest.mark.django_db
def test_a_filter_fetches_and_counts_in_its_own_forms(cast: dict[str, Any], settings: Any) -> None:
    """rows_condition for the page's rows, count_condition(qs) for its count, condition
    for the rest; the kit hands count_condition the queryset it narrows."""
    InstitutionFactory.create_batch(4)
    seen: list[bool] = []

    def count_form(qs: Any) -> Q:
        seen.append(joins(qs, Prefecture))
        return Q(category__in=[3, 4], corporate_number__isnull=False)

    spec = ListSpec(
        key="t",
        title="t",
        model=Institution,
        scope=lambda user: Institution.objects.all(),
        row_url=record_url("institutions:detail"),
        columns=INSTITUTIONS.columns,
        filters=[
            NamedFilter(
                "cat34",
                "cat34",
                lambda: Q(category__in=[3, 4]),
                rows_condition=lambda: Q(category__gte=3),
                count_condition=count_form,
            )
        ],
        group_bys=INSTITUTIONS.group_bys,
    )
    admin = cast["users"]["admin"]
    plain = filtered_queryset(spec, admin, ListParams(filters=("cat34",)))
    rows = filtered_queryset(spec, admin, ListParams(filters=("cat34",)), form="rows")
    counted = filtered_queryset(
        spec, admin, ListParams(filters=("cat34",), group="bureau", group_value="1"), form="count"
    )
    assert '"category" IN (3, 4)' in str(plain.query) and '"category" >= 3' in str(rows.query)
    assert '"corporate_number" IS NOT NULL' in str(counted.query)
    assert seen == [True], "the drill-down by bureau joined prefectures before the filter"
    assert not joins(Institution.objects.all(), Prefecture)
    page = page_of(rows.order_by("pk"), number=1, size=2, count_cap=100, count_qs=plain)
    assert page.has_next and page.count == plain.count()


@pytest.mark.django_db
@override_settings(WORKBENCH_PAGE_SIZE=2)
def test_a_page_asks_for_its_scope_once(
    client_for: Any, cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bureau's scope runs a query of its own (its prefectures): the page's rows and its
    count share it, so a page needing a count costs no extra query."""
    InstitutionFactory.create_batch(4)
    calls: list[Any] = []
    scope = INSTITUTIONS.scope

    def counted(user: Any) -> Any:
        calls.append(user)
        return scope(user)

    monkeypatch.setattr(INSTITUTIONS, "scope", counted)
    page = client_for("reviewer_tokyo").get(reverse("institutions:list"), {"f": "cat34"})
    assert page.context["page"].has_next and page.context["page"].count > 2
    assert len(calls) == 1


@pytest.mark.django_db
def test_a_page_sorted_by_an_ids_first_column_fetches_its_rows_in_one_query(cast: dict[str, Any]) -> None:
    """Column.ids_first: the page's ids in a subquery of its one query, the same rows in the
    same order as the plain query, and the columns' relations joined."""
    InstitutionFactory.create_batch(12)
    spec = ListSpec(
        key="t",
        title="t",
        model=Institution,
        scope=lambda user: Institution.objects.all(),
        row_url=record_url("institutions:detail"),
        columns=[
            Column("name", "name"),
            Column("bureau_name", "bureau", path="prefecture__bureau__name_ja", ids_first=True),
        ],
    )
    admin = cast["users"]["admin"]
    for sort in ("bureau_name", "-bureau_name", "name"):
        params = ListParams(sort=sort)
        qs = ordered(spec, filtered_queryset(spec, admin, params), params).select_related(
            "prefecture__bureau"
        )
        expected = list(qs.values_list("pk", flat=True))
        seen: list[int] = []
        for number in (1, 2, 3):
            with CaptureQueriesContext(connection) as queries:
                page = page_of(qs, number=number, size=6, count_cap=100)
                bureaus = [row.prefecture.bureau.name_ja for row in page.rows]
            seen += [row.pk for row in page.rows]
            assert len(bureaus) == len(page.rows) and len(queries) <= 2  # rows (and count)
            assert ("IN (SELECT" in queries.captured_queries[0]["sql"]) == (sort != "name")
        assert seen == expected


def _menu_as_the_template_did(menu: list[dict[str, Any]]) -> str:
    """base.html's menu loop before the menu's HTML was cached (access/context.py)."""
    return (
        Engine.get_default()
        .from_string(
            "{% regroup menu by section as sections %}\n    {% for section in sections %}\n      "
            "{% if section.grouper %}<h2>{{ section.grouper }}</h2>{% endif %}\n      {% for item in "
            'section.list %}<a href="{{ item.url }}"{% if item.active %} aria-current="page"{% endif %}>'
            "{{ item.label }}</a>{% endfor %}\n    {% endfor %}"
        )
        .render(Context({"menu": menu}))
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_menu_and_unread_count_are_as_computed_on_every_page(cast: dict[str, Any], language: str) -> None:
    from django.test import RequestFactory

    from backoffice.access.context import navigation
    from backoffice.workbench.models import Notification
    from backoffice.workbench.registry import MENU

    users = cast["users"]
    Notification.objects.create(recipient=users["reviewer_tokyo"], verb="v", text="one")
    Notification.objects.create(recipient=users["reviewer_tokyo"], verb="v", text="two")
    Notification.objects.create(
        recipient=users["reviewer_tokyo"], verb="v", text="read", read_at=timezone.now()
    )
    Notification.objects.create(recipient=users["admin"], verb="v", text="theirs")
    unread = {"reviewer_tokyo": 2, "admin": 1}
    active = 0
    with translation.override(language):
        for name, user in users.items():
            for path in ("/", reverse("usage_requests:list"), reverse("institutions:list") + "?page=2"):
                request = RequestFactory().get(path)
                request.user = user
                for _twice in range(2):  # computed, then from the cache
                    got = navigation(request)
                    expected = [
                        {
                            "label": e.label,
                            "url": reverse(e.url_name),
                            "section": e.section,
                            "active": request.path.startswith(reverse(e.url_name))
                            and reverse(e.url_name) != "/",
                        }
                        for e in MENU
                        if user.can(e.capability)
                    ]
                    assert got["menu"] == expected
                    assert got["unread_notifications"] == unread.get(name, 0)
                    assert str(got["menu_html"]) == "\n    " + _menu_as_the_template_did(expected) + "\n  "
                    active += sum(item["active"] for item in expected)
    assert active, "some pages had their entry marked"


# The loops of workbench/list.html and _list_body.html that wrote the chips, the column
# chooser and the column heads before lists.filter_chips_html and the others did.
LEGACY_FILTER_CHIPS = (
    "{% for nf in spec.filters %}{% if nf.key in params.filters %}\n"
    '    <a class="chip on" aria-pressed="true" href="?{{ query_without.f }}{% for f in params.filters %}'
    '{% if f != nf.key %}&amp;f={{ f }}{% endif %}{% endfor %}">✓ {{ nf.label }}</a>\n'
    '  {% else %}<a class="chip" aria-pressed="false" href="?{{ base_query }}&amp;f={{ nf.key }}">'
    "{{ nf.label }}</a>{% endif %}{% endfor %}"
)
LEGACY_GROUP_CHIPS = (
    "{% for g in spec.group_bys %}{% if g.key == params.group %}"
    '<a class="chip on" aria-pressed="true" href="?{{ query_without.group }}">✓ {{ g.label }}</a>{% else %}'
    '<a class="chip" aria-pressed="false" href="?{{ query_without.gv }}&amp;group={{ g.key }}">{{ g.label }}</a>'
    "{% endif %}{% endfor %}"
)
LEGACY_COLUMN_CHOICES = (
    '{% for c in all_columns %}<label style="display:block"><input type="checkbox" form="columns-form" '
    'name="cols" value="{{ c.key }}"{% if c.key in chosen %} checked{% endif %}> {{ c.label }}</label>{% endfor %}'
)
LEGACY_COLUMN_HEADS = (
    '{% for c in columns %}<th scope="col">{% if c.sortable %}{% with key=c.key %}\n'
    '        {% if current_sort == key %}<a href="?{{ query_without.sort }}&amp;sort=-{{ key }}" '
    'aria-sort="ascending">{{ c.label }} ▲</a>\n'
    '        {% elif current_sort == "-"|add:key %}<a href="?{{ query_without.sort }}&amp;sort={{ key }}" '
    'aria-sort="descending">{{ c.label }} ▼</a>\n'
    '        {% else %}<a href="?{{ query_without.sort }}&amp;sort={{ key }}">{{ c.label }}</a>{% endif %}'
    "{% endwith %}\n      {% else %}{{ c.label }}{% endif %}</th>{% endfor %}"
)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_chips_chooser_and_heads_render_as_the_templates_did(language: str) -> None:
    from backoffice.workbench.list_html import (
        column_choices_html,
        column_heads_html,
        filter_chips_html,
        group_chips_html,
    )
    from backoffice.workbench.lists import (
        sort_key,
    )
    from usage_requests.lists import USAGE_REQUESTS

    engine = Engine.get_default()
    rendered: list[str] = []
    odd = ListSpec(  # labels and keys that need escaping
        key="odd",
        title="odd",
        model=Institution,
        scope=lambda user: Institution.objects.all(),
        row_url=record_url("institutions:detail"),
        columns=[Column("a<'\"&", "A & <b>", path="name"), Column("n", _("Name"), sortable=False)],
        filters=[NamedFilter("f<'&", 'F "&" <i>', lambda: Q()), NamedFilter("g", _("Active"), lambda: Q())],
        group_bys=[GroupBy("h&<", "H 'x'", "name"), GroupBy("k", _("Kind"), "kind")],
    )
    for spec in (INSTITUTIONS, USAGE_REQUESTS, odd):
        keys = [f.key for f in spec.filters]
        sortable = next(c.key for c in spec.columns if c.sortable)
        unsortable = [c.key for c in spec.columns if not c.sortable]
        chosen_sets = [[c.key for c in spec.columns if c.default], [c.key for c in spec.columns][::-1]]
        cases = [
            ListParams(),
            ListParams(filters=(keys[0],), sort=sortable),
            ListParams(filters=(keys[1], keys[0]), sort=f"-{sortable}", group=spec.group_bys[0].key),
            ListParams(query="\"<b>'&x", filters=(keys[-1],), group=spec.group_bys[-1].key, group_value="1"),
            ListParams(sort=unsortable[0] if unsortable else "nothing", page=3),
        ]
        for params in cases:
            current_sort, _order = sort_key(spec, params.sort)
            base = {k: v for k, v in params.as_dict().items() if v not in (None, "", [])}
            base_query = urlencode(base, doseq=True)
            without = {
                key: urlencode({k: v for k, v in base.items() if k != key}, doseq=True)
                for key in ("q", "f", "group", "gv", "sort")
            }
            for chosen in chosen_sets:
                columns = [c for c in spec.columns if c.key in chosen]
                context = Context(
                    {
                        "spec": spec, "params": params, "base_query": base_query, "query_without": without,
                        "all_columns": spec.columns, "columns": columns, "chosen": chosen,
                        "current_sort": current_sort,
                    }
                )  # fmt: skip
                with translation.override(language):
                    ours = [
                        filter_chips_html(
                            spec.filters, params.filters, base_query=base_query, without_filters=without["f"]
                        ),
                        group_chips_html(
                            spec.group_bys,
                            params.group,
                            without_group=without["group"],
                            without_value=without["gv"],
                        ),
                        column_choices_html(spec.columns, chosen),
                        column_heads_html(columns, current_sort, without_sort=without["sort"]),
                    ]
                    theirs = [
                        engine.from_string(legacy).render(context)
                        for legacy in (
                            LEGACY_FILTER_CHIPS,
                            LEGACY_GROUP_CHIPS,
                            LEGACY_COLUMN_CHOICES,
                            LEGACY_COLUMN_HEADS,
                        )
                    ]
                assert [str(html) for html in ours] == theirs, (spec.key, params, chosen)
                rendered.append(theirs[0])
    assert any("q=%22%3Cb%3E%27%26x" in chips for chips in rendered), "the search went into the links"
