"""The list view of the workbench: search, named filters, group-by with counts, sorting,
a column chooser, capped counting, selection with bulk actions, and export.

An app describes a list with a ``ListSpec``; ``filtered_queryset`` (``narrowed_queryset``
then ``with_filters``) turns request parameters into a queryset, and is shared by the page
and the export worker so that an export contains exactly what the user was looking at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partialmethod
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import Count, Q, QuerySet, Subquery
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.encoding import force_str
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from backoffice.text import nfkc
from backoffice.workbench.list_html import ListRow

NULL_GROUP = "__none__"
DEFERRED_JOIN_FROM = 1_000
# (model, ORM path) of the columns whose sort picks a page's ids first (Column.ids_first).
_IDS_FIRST_ORDERS: set[tuple[type[models.Model], str]] = set()


class PerPage:
    """A column's ``render`` or a list's ``row_url`` with work to do once per page rather
    than for every row (today's date, the fixed parts of a URL, labels in the active
    language): ``for_page()`` does that work and returns the function for the page's rows.
    Called directly, it renders one object the same way."""

    __slots__ = ("for_page",)

    def __init__(self, for_page: Callable[[], Callable[[Any], Any]]) -> None:
        self.for_page = for_page

    def __call__(self, obj: Any) -> Any:
        return self.for_page()(obj)


def _for_page(render: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return render.for_page() if isinstance(render, PerPage) else render


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    path: str = ""  # ORM path for sorting and for the default rendering; defaults to key
    sortable: bool = True
    default: bool = True
    render: Callable[[Any], Any] | None = None  # may be a PerPage
    # Sorted by this column, a page picks its rows by id in a subquery (page_of): for a
    # sort key in another table that PostgreSQL walks with many ties, see _page_ids_first.
    ids_first: bool = False

    @property
    def orm_path(self) -> str:
        return self.path or self.key

    def value(self, obj: Any) -> Any:
        return self.reader(type(obj))(obj)

    def reader(self, model: type[models.Model]) -> Callable[[Any], Any]:
        """The cell's value of a row, as a function: made once per page, called per row.

        What does not change from row to row is looked up here, once: the field at the
        end of the path, and for a field with choices its labels in the active language
        (``get_FOO_display`` builds and hashes the whole choice list, translating every
        label, for every cell). The values are those of ``get_FOO_display`` and of the
        attribute path, dates as ``Y-m-d`` and booleans as Yes/No.
        """
        if self.render is not None:
            return _for_page(self.render)
        parts = tuple(self.orm_path.split("__"))
        head, last = parts[:-1], parts[-1]
        kind, labels = _final_field(model, parts, get_language())

        def walk(obj: Any) -> Any:
            current: Any = obj
            for part in head:
                if current is None:
                    return None
                current = getattr(current, part)
            return current

        if kind == "choices":
            assert labels is not None

            def read_label(obj: Any) -> Any:
                owner = walk(obj) if head else obj
                if owner is None:
                    return ""
                raw = getattr(owner, last)
                try:
                    label = labels.get(raw, _MISSING)
                except TypeError:  # unhashable: as Django would show it
                    return getattr(owner, f"get_{last}_display")()
                return force_str(raw, strings_only=True) if label is _MISSING else label

            return read_label
        if kind == "plain":

            def read_plain(obj: Any) -> Any:
                owner = walk(obj) if head else obj
                if owner is None:
                    return ""
                value = getattr(owner, last)
                return value if type(value) is str else _shown(value)

            return read_plain

        def read_any(obj: Any) -> Any:  # a property, an overridden get_FOO_display, …
            owner = walk(obj)
            if owner is None:
                return ""
            display = getattr(owner, f"get_{last}_display", None)
            if callable(display):
                return display()
            return _shown(getattr(owner, last))

        return read_any


_MISSING = object()
_DISPLAY = models.Model._get_FIELD_display  # type: ignore[attr-defined]  # what get_FOO_display calls


def _shown(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()  # what date_format(…, "Y-m-d") gives, without its look-ups
    if hasattr(value, "isoformat") and not hasattr(value, "hour"):
        return date_format(value, "Y-m-d")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


@lru_cache(maxsize=512)
def _final_field(
    model: type[models.Model], parts: tuple[str, ...], language: str | None
) -> tuple[str, dict[Any, str] | None]:
    """How to read the field at the end of ``parts``: ("choices", {stored value: label})
    if it has choices shown by Django's own ``get_FOO_display``; ("plain", None) if it is a
    field without choices and without a ``get_FOO_display``; ("any", None) otherwise.
    The labels are in ``language``, the active one: the same for every page in it."""
    try:
        for part in parts[:-1]:
            related = model._meta.get_field(part).related_model
            if not isinstance(related, type):
                return "any", None
            model = related
        model_field = model._meta.get_field(parts[-1])
    except FieldDoesNotExist:
        return "any", None
    name = f"get_{parts[-1]}_display"
    display = next((klass.__dict__[name] for klass in model.__mro__ if name in klass.__dict__), None)
    if display is None:
        return "plain", None
    if (
        getattr(model_field, "choices", None)
        and isinstance(display, partialmethod)
        and display.func is _DISPLAY
    ):
        return "choices", {value: str(label) for value, label in getattr(model_field, "flatchoices", ())}
    return "any", None


@dataclass(frozen=True)
class NamedFilter:
    """A filter chip. ``condition`` selects its rows, for everything by default: a page's
    rows and count, group-bys, exports.

    A page runs two queries, and the form of a condition PostgreSQL plans best is not
    always the same for both; each may have one of its own, which must select the very
    same rows (by the app's invariants, which its tests check):

    * ``rows_condition()``: for fetching a page's rows in sort order (ORDER BY … LIMIT),
      where a misestimated row count costs parallel workers or a sort of every match;
    * ``count_condition(qs)``: for the capped count, given the queryset it narrows (scope,
      search, drill-down): which form counts fastest can depend on what that queryset
      joins already (``joins``).
    """

    key: str
    label: Any
    condition: Callable[[], Q]
    rows_condition: Callable[[], Q] | None = None
    count_condition: Callable[[QuerySet[Any]], Q] | None = None


def joins(qs: QuerySet[Any], model: type[models.Model]) -> bool:
    """Whether ``qs`` joins ``model``'s table already (for ``NamedFilter.count_condition``)."""
    table = model._meta.db_table
    return any(getattr(join, "table_name", None) == table for join in qs.query.alias_map.values())


@dataclass(frozen=True)
class GroupBy:
    key: str
    label: Any
    path: str
    label_path: str = ""  # ORM path of a readable label for the group's value
    choices: Mapping[Any, Any] | None = None


@dataclass(frozen=True)
class BulkAction:
    key: str
    label: Any
    capability: str
    run: Callable[[Any, QuerySet[Any]], str]  # (user, selected rows) -> message


@dataclass(frozen=True)
class LinkAction:
    """A button beside "New" that leads to another page (e.g. recording a paper request)."""

    label: Any
    url_name: str
    capability: str


@dataclass
class ListSpec:
    key: str
    title: Any
    model: type[models.Model]
    scope: Callable[[Any], QuerySet[Any]]  # the selector: rows this user may see
    columns: Sequence[Column]
    row_url: Callable[[Any], str]
    search_fields: Sequence[str] = ()
    search_normaliser: Callable[[str], str] = nfkc
    filters: Sequence[NamedFilter] = ()
    group_bys: Sequence[GroupBy] = ()
    default_sort: str = "-pk"
    select_related: Sequence[str] = ()
    # The fields a page's rows are fetched with (``QuerySet.only``), if any: every one the
    # columns (their paths and ``render``), ``row_url`` and the row's ``str()`` read. One
    # left out costs a query per row, which the list's tests catch by counting queries
    # with every column shown. Empty: every field of the row and its select_related.
    only: Sequence[str] = ()
    # A page's rows as values rather than model instances, for a list read often over many
    # rows: the ORM paths ``row_values`` are fetched (``QuerySet.values_list``) and each
    # row is ``row_type(*values)``, which must offer what the columns (their paths, read
    # as attributes, and ``render``), ``row_url`` and the selection box (``pk``, ``str()``)
    # read, as a model instance would. Making a page of instances with their
    # select_related costs ~60 µs a row (the review queue: a request, its institution,
    # review and assignee); a row of values ~8 µs. Columns are then read as fields of
    # ``model`` (Column.reader). Empty: model instances (``select_related``, ``only``).
    row_values: Sequence[str] = ()
    row_type: Callable[..., Any] | None = None
    # For pages whose rows some other queryset counts faster (from another table, say):
    # ``count_shortcut(user, params)`` returns it, or None for the page's own count form
    # (NamedFilter.count_condition). It must count the very rows the page lists, by the
    # app's invariants, which its tests check, and cheaply enough to be counted with every
    # page: in the query that fetches the page's rows (page_of, count_with_rows).
    count_shortcut: Callable[[Any, ListParams], QuerySet[Any] | None] | None = None
    bulk_actions: Sequence[BulkAction] = ()
    export_resource: Callable[[], Any] | None = None
    create_url_name: str = ""
    create_capability: str = ""
    link_actions: Sequence[LinkAction] = ()
    search_help: Any = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for column in self.columns:
            if column.ids_first:
                _IDS_FIRST_ORDERS.add((self.model, column.orm_path))

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def group_by(self, key: str) -> GroupBy | None:
        return next((g for g in self.group_bys if g.key == key), None)


@dataclass(frozen=True)
class ListParams:
    query: str = ""
    filters: tuple[str, ...] = ()
    group: str = ""
    group_value: str | None = None
    sort: str = ""
    page: int = 1

    @classmethod
    def from_querydict(cls, data: Mapping[str, Any], getlist: Callable[[str], list[str]]) -> ListParams:
        try:
            page = max(1, int(data.get("page") or 1))
        except ValueError:
            page = 1
        return cls(
            query=str(data.get("q") or "").strip()[:200],
            filters=tuple(sorted(set(getlist("f")))),
            group=str(data.get("group") or ""),
            group_value=data.get("gv"),
            sort=str(data.get("sort") or ""),
            page=page,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "q": self.query,
            "f": list(self.filters),
            "group": self.group,
            "gv": self.group_value,
            "sort": self.sort,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListParams:
        return cls(
            query=data.get("q") or "",
            filters=tuple(data.get("f") or ()),
            group=data.get("group") or "",
            group_value=data.get("gv"),
            sort=data.get("sort") or "",
        )


def _search(spec: ListSpec, qs: QuerySet[Any], raw: str) -> QuerySet[Any]:
    terms = [t for t in spec.search_normaliser(raw).split() if t]
    for term in terms:
        condition = Q()
        for path in spec.search_fields:
            condition |= Q(**{f"{path}__icontains": term})
        qs = qs.filter(condition)
    return qs


def sort_key(spec: ListSpec, requested: str) -> tuple[str, str]:
    """The validated sort parameter and its ORM ordering expression."""
    key = requested.lstrip("-")
    column = spec.column(key)
    if column is None or not column.sortable:
        requested = spec.default_sort
        key = requested.lstrip("-")
        column = spec.column(key)
        path = column.orm_path if column else key
    else:
        path = column.orm_path
    prefix = "-" if requested.startswith("-") else ""
    return requested, prefix + path


def filtered_queryset(spec: ListSpec, user: Any, params: ListParams, *, form: str = "") -> QuerySet[Any]:
    """Scope, search, group drill-down and named filters; no ordering or slicing.

    ``form``: "rows" for the queryset a page's rows are fetched from, "count" for the one
    they are counted from (``with_filters``); the same rows whatever the form.
    """
    return with_filters(spec, narrowed_queryset(spec, user, params), params, form=form)


def narrowed_queryset(spec: ListSpec, user: Any, params: ListParams) -> QuerySet[Any]:
    """Scope, search and group drill-down: what every form of the named filters narrows.
    (A scope may run a query of its own, e.g. a bureau's prefectures: once per page.)"""
    qs = spec.scope(user)
    if params.query and spec.search_fields:
        qs = _search(spec, qs, params.query)
    group = spec.group_by(params.group)
    if group is not None and params.group_value is not None:
        if params.group_value == NULL_GROUP:
            qs = qs.filter(**{f"{group.path}__isnull": True})
        else:
            qs = qs.filter(**{group.path: params.group_value})
    return qs


def with_filters(spec: ListSpec, qs: QuerySet[Any], params: ListParams, *, form: str = "") -> QuerySet[Any]:
    """``qs`` with the named filters of ``params``, each in its ``form`` if it has one
    (NamedFilter: "rows" → ``rows_condition``, "count" → ``count_condition``)."""
    known = {f.key: f for f in spec.filters}
    for key in params.filters:
        named = known.get(key)
        if named is None:
            continue
        if form == "rows" and named.rows_condition is not None:
            qs = qs.filter(named.rows_condition())
        elif form == "count" and named.count_condition is not None:
            qs = qs.filter(named.count_condition(qs))
        else:
            qs = qs.filter(named.condition())
    return qs


def ordered(spec: ListSpec, qs: QuerySet[Any], params: ListParams) -> QuerySet[Any]:
    _, order = sort_key(spec, params.sort)
    # The primary key breaks ties so that paging never shows a row twice or skips one.
    tiebreak = "-pk" if order.startswith("-") else "pk"
    return qs.order_by(order, tiebreak)


@dataclass(frozen=True)
class GroupRow:
    value: Any
    param: str
    label: Any
    count: int


def group_rows(spec: ListSpec, qs: QuerySet[Any], group: GroupBy, limit: int = 200) -> list[GroupRow]:
    fields = [group.path] + ([group.label_path] if group.label_path else [])
    # COUNT(*) rather than COUNT(pk): PostgreSQL can then answer from an index on the
    # group key without reading the table (measured 5x faster on a million rows).
    counted = qs.order_by().values(*fields).annotate(n=Count("*"))
    rows = counted.order_by(group.label_path or group.path)[:limit]
    result = []
    for row in rows:
        value = row[group.path]
        if value is None:
            label: Any = _("(none)")
        elif group.label_path:
            label = row[group.label_path]
        elif group.choices is not None:
            label = group.choices.get(value, value)
        else:
            label = value
        result.append(
            GroupRow(
                value=value, param=NULL_GROUP if value is None else str(value), label=label, count=row["n"]
            )
        )
    return result


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int
    size: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)

    @property
    def last_page(self) -> int | None:
        if self.count_capped:
            return None
        return max(1, -(-self.count // self.size))


class CappedCount(Subquery):
    """``(SELECT COUNT(*) FROM (<queryset>))``: the count of a (sliced) queryset as a column
    of another query, which PostgreSQL computes once (an InitPlan)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = models.IntegerField()


_COUNTED = "capped_count_of_page"  # the annotation that carries it (page_of, count_with_rows)


@dataclass(frozen=True)
class RowSource:
    """How a page's rows are made of the queryset that selects them: model instances, or
    ``make(*values)`` of the ORM paths ``values`` (ListSpec.row_values, row_type)."""

    values: tuple[str, ...] = ()
    make: Callable[..., Any] | None = None

    def fetch(self, qs: QuerySet[Any], count: CappedCount | None = None) -> tuple[list[Any], int | None]:
        """The rows, and ``count`` as the query computed it with them (None if not asked
        for, or if there are no rows to carry it)."""
        if count is not None:
            qs = qs.annotate(**{_COUNTED: count})
        if self.make is None:
            objects = list(qs)
            return objects, getattr(objects[0], _COUNTED) if objects and count is not None else None
        make, width = self.make, len(self.values)
        if count is None:
            return [make(*values) for values in qs.values_list(*self.values)], None
        fetched = list(qs.values_list(*self.values, _COUNTED))
        return [make(*values[:width]) for values in fetched], fetched[0][width] if fetched else None


def row_source(spec: ListSpec) -> RowSource:
    """A list's page rows: model instances, or rows of values (ListSpec.row_values)."""
    if spec.row_type is None or not spec.row_values:
        return RowSource()
    return RowSource(tuple(spec.row_values), spec.row_type)


def page_of(
    qs: QuerySet[Any],
    *,
    number: int,
    size: int,
    count_cap: int,
    count_qs: QuerySet[Any] | None = None,
    rows: RowSource = RowSource(),
    count_with_rows: bool = False,
) -> Page:
    """One page, fetching size+1 rows to learn whether another follows (for a sort by
    a Column.ids_first, their ids in a subquery of the same query: _page_ids_first),
    as ``rows`` makes them (model instances by default).

    Counting is capped: COUNT over a LIMIT subquery never reads more than cap+1 rows,
    so a million-row table answers as fast as a small one ("10,000+"). ``count_qs``, if
    given, is counted instead of ``qs``: the same rows, in the form that counts fastest
    (``filtered_queryset(…, form="count")``, ListSpec.count_shortcut). With
    ``count_with_rows``, it is counted in the query that fetches the rows (CappedCount)
    rather than in one of its own: a round trip less, for a count cheap enough to make
    even where the page would not need it (a first page with no next).
    """
    offset = (number - 1) * size
    counted = qs if count_qs is None else count_qs
    count_expr = CappedCount(counted.order_by().values("pk")[: count_cap + 1]) if count_with_rows else None
    if offset >= DEFERRED_JOIN_FROM:
        # Deep pages: walk the index for the ids alone, then fetch just those rows. OFFSET
        # over narrow index tuples is far cheaper than over whole joined rows.
        ids = list(qs.values_list("pk", flat=True)[offset : offset + size + 1])
        fetched, with_rows = rows.fetch(qs.filter(pk__in=ids), count_expr)
        by_pk = {obj.pk: obj for obj in fetched}
        found = [by_pk[pk] for pk in ids if pk in by_pk]
    elif _page_ids_first(qs):
        found, with_rows = rows.fetch(
            qs.filter(pk__in=qs.values("pk")[offset : offset + size + 1]), count_expr
        )
    else:
        found, with_rows = rows.fetch(qs[offset : offset + size + 1], count_expr)
    has_next = len(found) > size
    found = found[:size]
    if number == 1 and not has_next:
        count, capped = len(found), False
    else:
        count = counted.order_by()[: count_cap + 1].count() if with_rows is None else with_rows
        capped = count > count_cap
        count = min(count, count_cap)
        if offset + len(found) > count:
            count = offset + len(found)
    return Page(rows=found, number=number, size=size, has_next=has_next, count=count, count_capped=capped)


def _page_ids_first(qs: QuerySet[Any]) -> bool:
    """Whether to pick a page's rows by id in a subquery, in the page's one query:
    ``id IN (SELECT id … ORDER BY … LIMIT …)``, the order and the conditions kept outside.

    For a sort key in another table with many ties (Column.ids_first: the queue by its
    review's due date, ~500 open reviews a day for Tokyo), PostgreSQL walks that table's
    index and sorts every row of the ties up to the page's last, each joined beforehand to
    the relations the columns show (select_related: institution, assignee). In the
    subquery it sorts them with only what the filters and the order need, and the
    columns' relations are joined for the page's rows alone: ~6 ms against ~9 ms for
    Tokyo's first page on a million requests. Not for every sort: where PostgreSQL can
    put off a filter's join until after the sort (category 3 or 4 sorted by outcome), or
    has few ties to sort (by institution name), the plain query is as fast or faster.
    The same rows in the same order (a row repeated by a join would be listed once, as on
    deep pages).
    """
    order = qs.query.order_by
    first = order[0] if order else None
    return bool(
        qs.query.select_related
        and isinstance(first, str)
        and (qs.model, first.lstrip("-")) in _IDS_FIRST_ORDERS
        and connections[qs.db].features.allow_sliced_subqueries_with_in
    )


def page_rows(spec: ListSpec, columns: Sequence[Column], objects: Sequence[Any]) -> list[ListRow]:
    """A page's rows with their links and the chosen columns' values, each column's
    reader made once for the page (Column.reader; for rows of values, ListSpec.row_type,
    as fields of the list's model)."""
    if not objects:
        return []
    model = spec.model if spec.row_type is not None and spec.row_values else type(objects[0])
    readers = [c.reader(model) for c in columns]
    url = _for_page(spec.row_url)
    return [ListRow(obj, url(obj), [read(obj) for read in readers]) for obj in objects]


_PK_SLOT = 4_611_686_018_427_387_903  # 2**62 - 1: no URL has it by chance


@lru_cache(maxsize=64)
def _url_halves(url_name: str, prefix: str, urlconf: Any, language: str | None) -> tuple[str, str] | None:
    # prefix, urlconf and language: what reverse() depends on, hence the cache key.
    url = reverse(url_name, args=[_PK_SLOT], urlconf=urlconf)
    head, slot, tail = url.partition(str(_PK_SLOT))
    return (head, tail) if slot and str(_PK_SLOT) not in tail else None


def record_url(url_name: str) -> PerPage:
    """A ``row_url`` for a record page whose one argument is an integer primary key.

    What ``reverse(url_name, args=[obj.pk])`` gives, reversed once per URL prefix, URLconf
    and language and the row's key filled in: ``reverse`` costs ~25 µs, per row. What the
    URL depends on is looked up once per page (PerPage).
    """

    def for_page() -> Callable[[Any], str]:
        prefix, urlconf, language = get_script_prefix(), get_urlconf(), get_language()

        def url(obj: Any) -> str:
            pk = obj.pk
            if type(pk) is int:
                halves = _url_halves(url_name, prefix, urlconf, language)
                if halves is not None:
                    return f"{halves[0]}{pk}{halves[1]}"
            return reverse(url_name, args=[pk])

        return url

    return PerPage(for_page)
