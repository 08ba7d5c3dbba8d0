"""An export read as rows of values rather than model instances (出力計画).

import-export renders a cell by walking the instance's attributes and calling the field's
widget, which for a million rows costs more than everything else together (~1 ms a row of
seventeen cells with select_related). An :class:`ExportPlan` reads the same columns with
``values_list`` and renders each with a formatter made once per export that does what the
widget would (tests/backoffice/test_export_plan.py compares both, cell by cell, for every
exportable list). On PostgreSQL it can also hand the whole CSV to ``COPY … TO STDOUT``: the
same cells, formatted and made spreadsheet-safe in SQL (:func:`copy_expressions`).

A resource column the plan cannot read as values (a ``dehydrate_…`` method without
``export_values``, a widget it does not know) makes :func:`export_plan` return None: the
export then renders instances, as before.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Case, F, Func, Min, QuerySet, TextField, Value, When
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.formats import sanitize_strftime_format
from django.utils.text import capfirst
from import_export import widgets

from backoffice.workbench.exports import spreadsheet_safe

# How PostgreSQL writes a cell as spreadsheet_safe would (exports._FORMULA_PREFIXES): with an
# apostrophe before one that starts with = + - @ tab CR or LF. Each kind of column checks only
# what its text can start with: these checks are most of what COPY of the list costs over COPY
# of its bare columns (bench/exports.py). An empty text comes out as "" where csv.writer writes
# nothing: both read back as the same empty cell.
_SAFE_TEXT = (
    "CASE WHEN ascii(%(expressions)s) IN (61, 43, 45, 64, 9, 13, 10) "
    "THEN '''' || %(expressions)s ELSE %(expressions)s END"
)
_SAFE_NUMBER = (
    "CASE WHEN %(expressions)s < 0 THEN '''' || %(expressions)s::text ELSE %(expressions)s::text END"
)
# json.dumps of a falsy value is no cell at all; a top-level negative number is the only JSON
# text that starts with a formula character. PostgreSQL writes jsonb as its own text (keys in
# its order, Japanese as itself), which reads back as the same JSON.
_SAFE_JSON = (
    "CASE jsonb_typeof(%(expressions)s) "
    "WHEN 'object' THEN NULLIF(%(expressions)s::text, '{}') "
    "WHEN 'array' THEN NULLIF(%(expressions)s::text, '[]') "
    "WHEN 'string' THEN NULLIF(%(expressions)s::text, '\"\"') "
    "WHEN 'boolean' THEN NULLIF(%(expressions)s::text, 'false') "
    "WHEN 'number' THEN CASE WHEN %(expressions)s = '0' THEN NULL "
    "WHEN %(expressions)s < '0' THEN '''' || %(expressions)s::text ELSE %(expressions)s::text END END"
)
_INTEGER_FIELDS = (models.IntegerField, models.AutoField)  # Big/Small/Positive… are subclasses


@dataclass(frozen=True)
class PlannedColumn:
    """One column: the ORM paths it reads, how their values become its cell, and how
    PostgreSQL writes the same cell as text (None: it cannot, so no COPY)."""

    header: str
    paths: tuple[str, ...]
    cell: Callable[..., Any]
    sql: Any = None  # a Django expression for one text cell
    # An integer column of the list's own table: written as the bare number when the table
    # holds no negative one in it (never_negative), which spares PostgreSQL the check.
    unsigned: str | None = None


@dataclass(frozen=True)
class ExportPlan:
    headers: list[str]
    columns: list[PlannedColumn]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for c in self.columns for p in c.paths))

    @property
    def copyable(self) -> bool:
        return all(c.sql is not None for c in self.columns)

    def rows(self, qs: QuerySet[Any], chunk_size: int = 2000) -> Iterator[list[Any]]:
        """The rendered cells of ``qs``'s rows (before spreadsheet_safe, as export_field's)."""
        index = {path: i for i, path in enumerate(self.paths)}
        readers = [_reader(column, [index[p] for p in column.paths]) for column in self.columns]
        for row in qs.values_list(*self.paths).iterator(chunk_size=chunk_size):
            yield [read(row) for read in readers]

    def safe_rows(self, qs: QuerySet[Any], chunk_size: int = 2000) -> Iterator[list[Any]]:
        """PostgreSQL: rows ready for the file. The cells PostgreSQL can write (PlannedColumn.sql)
        come as the text COPY would write, made safe there; the others are rendered from values
        and made safe here. Run inside a transaction that set DateStyle ISO (sql_dates)."""
        text = {
            f"export_cell_{i}": Func(c.sql, template="(%(expressions)s)::text", output_field=TextField())
            for i, c in enumerate(self.columns)
            if c.sql is not None
        }
        paths = tuple(dict.fromkeys(p for c in self.columns if c.sql is None for p in c.paths))
        fields = [*text, *paths]
        index = {name: k for k, name in enumerate(fields)}
        readers = [
            _text_reader(index[f"export_cell_{i}"])
            if column.sql is not None
            else _safe_reader(_reader(column, [index[p] for p in column.paths]))
            for i, column in enumerate(self.columns)
        ]
        for row in qs.annotate(**text).values_list(*fields).iterator(chunk_size=chunk_size):
            yield [read(row) for read in readers]


@contextmanager
def sql_dates(using: str) -> Iterator[None]:
    """A transaction in which PostgreSQL writes dates and times as _cell_sql expects (ISO)."""
    from django.db import connections, transaction

    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle TO ISO")
        yield


def _text_reader(k: int) -> Callable[[tuple[Any, ...]], Any]:
    return lambda row: "" if row[k] is None else row[k]


def _safe_reader(read: Callable[[tuple[Any, ...]], Any]) -> Callable[[tuple[Any, ...]], Any]:
    return lambda row: spreadsheet_safe(read(row))


def _reader(column: PlannedColumn, at: list[int]) -> Callable[[tuple[Any, ...]], Any]:
    """The column's cell of a row of values, ``at`` the places of its paths in the row."""
    cell = column.cell
    if len(at) == 1:
        i = at[0]
        return lambda row: cell(row[i])
    return lambda row: cell(*[row[i] for i in at])


def export_plan(resource: Any, model: type[models.Model]) -> ExportPlan | None:
    """The resource's export columns read as values, or None if one of them cannot be."""
    headers: list[str] = []
    columns: list[PlannedColumn] = []
    for field in resource.get_export_fields():
        column = _plan_column(resource, model, field)
        if column is None:
            return None
        headers.append(column.header)
        columns.append(column)
    return ExportPlan(headers, columns)


def _plan_column(resource: Any, model: type[models.Model], field: Any) -> PlannedColumn | None:
    name = resource.get_field_name(field)
    dehydrate = getattr(resource, field.get_dehydrate_method(name), None)
    if dehydrate is not None:
        return _dehydrated(resource, name, dehydrate, str(field.column_name))
    if not field.attribute:
        return None  # import-export writes nothing there; not worth a plan
    attribute: str = field.attribute
    if attribute.startswith("get_") and attribute.endswith("_display"):
        return _display(model, attribute[4:-8], str(field.column_name))
    model_field = _resolve(model, attribute)
    if model_field is None:
        return None
    # The header and the choices as export_columns has them: the model's own field by the
    # attribute's full name (a related field's path is not one, so neither applies).
    header, choices = str(field.column_name), {}
    try:
        own: Any = model._meta.get_field(attribute)
        header = str(capfirst(own.verbose_name))
        choices = {k: str(v) for k, v in own.flatchoices} if own.choices else {}
    except FieldDoesNotExist:
        pass
    render = _renderer(field.widget, model_field)
    if render is None:
        return None
    sql = _cell_sql(F(attribute), field.widget, model_field)
    if choices:
        # export_columns looks the rendered text up among the choices' values as text
        by_text = {str(k): label for k, label in choices.items()}
        plain = render
        render = lambda v: str(by_text.get(str(r := plain(v)), r))  # noqa: E731
        sql = _choices_sql(attribute, choices, sql) if sql is not None else None
    numeric = type(field.widget) in (widgets.IntegerWidget, widgets.ForeignKeyWidget)
    unsigned = attribute if sql is not None and numeric and not choices and "__" not in attribute else None
    return PlannedColumn(header, (attribute,), render, sql, unsigned)


def _resolve(model: type[models.Model], attribute: str) -> models.Field[Any, Any] | None:
    """The concrete field at the end of ``a__b__c``, or None if it is not one."""
    current: Any = model
    field: Any = None
    for part in attribute.split("__"):
        if current is None:
            return None
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False) or field.many_to_many:
            return None
        current = field.related_model
    return field  # type: ignore[no-any-return]


def _renderer(widget: Any, field: Any) -> Callable[[Any], Any] | None:
    """What ``widget.render`` makes of the field's value, without the per-cell checks."""
    kind = type(widget)
    if kind is widgets.CharWidget or kind is widgets.Widget:
        return lambda v: "" if v is None else (v if type(v) is str else force_str(v))
    if kind is widgets.IntegerWidget and not settings.USE_THOUSAND_SEPARATOR:
        # number_format() of an int without grouping is its decimal digits
        return lambda v: "" if v is None else str(v)
    if kind is widgets.DateTimeWidget and settings.USE_TZ:
        fmt = sanitize_strftime_format(widget.formats[0])
        zone = timezone.get_current_timezone()
        return lambda v: "" if not v else v.astimezone(zone).strftime(fmt)
    if kind is widgets.DateWidget:
        fmt = sanitize_strftime_format(widget.formats[0])
        return lambda v: "" if not v else v.strftime(fmt)
    if kind is widgets.ForeignKeyWidget and widget.field == "pk":
        return lambda v: "" if v is None else v
    if isinstance(widget, widgets.Widget) and not isinstance(field, models.ForeignKey):
        return lambda v: widget.render(v)
    return None


def _cell_sql(column: Any, widget: Any, field: Any) -> Any:
    """The widget's text of a plain column (no params in it: the templates repeat it) as
    PostgreSQL writes it, made safe; None if it cannot be. Dates and times are written by
    PostgreSQL itself, in the ISO style write_csv_by_copy sets: they start with a digit."""
    kind = type(widget)

    def safe(template: str) -> Any:
        return Func(column, template=template, output_field=TextField())

    if kind in (widgets.CharWidget, widgets.Widget) and isinstance(
        field, (models.CharField, models.TextField)
    ):
        return safe(_SAFE_TEXT)
    integer = isinstance(field, _INTEGER_FIELDS) and not settings.USE_THOUSAND_SEPARATOR
    if kind is widgets.IntegerWidget and integer:
        return safe(_SAFE_NUMBER)
    if kind is widgets.ForeignKeyWidget and widget.field == "pk" and isinstance(field, models.ForeignKey):
        return safe(_SAFE_NUMBER)
    if kind is widgets.DateTimeWidget and widget.formats[0] == "%Y-%m-%d %H:%M:%S" and settings.USE_TZ:
        zone = str(timezone.get_current_timezone()).replace("'", "")
        return safe(f"date_trunc('second', %(expressions)s AT TIME ZONE '{zone}')")
    if kind is widgets.DateWidget and widget.formats[0] == "%Y-%m-%d" and isinstance(field, models.DateField):
        return safe("%(expressions)s")
    if kind is widgets.JSONWidget and isinstance(field, models.JSONField):
        return safe(_SAFE_JSON)
    return None


def _choices_sql(attribute: str, choices: dict[Any, str], other: Any) -> Any:
    """A choice's label (made spreadsheet-safe here, once) or, for a value not among the
    choices, ``other``: its own text as _cell_sql writes it."""
    return Func(
        Case(
            *[
                When(**{attribute: key}, then=Value(spreadsheet_safe(label)))
                for key, label in choices.items()
            ],
            default=other,
            output_field=TextField(),
        ),
        template="NULLIF(%(expressions)s, '')",
        output_field=TextField(),
    )


def _display(model: type[models.Model], name: str, header: str) -> PlannedColumn | None:
    """``get_<name>_display``: the choice's label in the export's language."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    labels = {k: str(v) for k, v in field.flatchoices}  # type: ignore[union-attr]
    text = _cell_sql(F(name), widgets.CharWidget(), field)
    return PlannedColumn(
        header,
        (name,),
        lambda v: labels.get(v, "" if v is None else force_str(v)),
        _choices_sql(name, labels, text) if text is not None else None,
    )


def _dehydrated(resource: Any, name: str, dehydrate: Any, header: str) -> PlannedColumn | None:
    """A ``dehydrate_<name>`` column the resource can make from values: ``export_values``
    names the ORM paths it reads; the resource's ``values_<name>(*values)`` makes the cell of
    them (and ``sql_<name>()``, if it has one, the SQL that writes the same, made safe) or, if it
    has none, ``dehydrate_<name>`` is called with a row of those values
    named as on the instance."""
    paths = getattr(resource, "export_values", {}).get(name)
    if not paths:
        return None
    by_values = getattr(resource, f"values_{name}", None)
    if by_values is not None:
        # ``sql_<name>()``: the same cell as PostgreSQL writes it, if the resource has it.
        by_sql = getattr(resource, f"sql_{name}", None)
        return PlannedColumn(header, tuple(paths), by_values, by_sql() if by_sql is not None else None)
    row_type = namedtuple("row", paths)  # type: ignore[misc]
    return PlannedColumn(header, tuple(paths), lambda *values: dehydrate(row_type(*values)))


def never_negative(plan: ExportPlan, qs: QuerySet[Any]) -> frozenset[int]:
    """The integer columns (PlannedColumn.unsigned) of which the list's whole table holds no
    negative value: one query, each minimum read from an index where there is one."""
    paths = {i: c.unsigned for i, c in enumerate(plan.columns) if c.unsigned}
    if not paths:
        return frozenset()
    lowest = qs.model._default_manager.using(qs.db).aggregate(
        **{f"lowest_{i}": Min(path) for i, path in paths.items()}
    )
    return frozenset(i for i in paths if lowest[f"lowest_{i}"] is None or lowest[f"lowest_{i}"] >= 0)


def copy_query(
    plan: ExportPlan, qs: QuerySet[Any], unsigned: frozenset[int] = frozenset()
) -> tuple[str, tuple[Any, ...]]:
    """``COPY (<the rows' cells as text>) TO STDOUT`` for ``qs`` (a copyable plan, PostgreSQL);
    the ``unsigned`` columns as their bare numbers (never_negative)."""
    names = [f"export_cell_{i}" for i in range(len(plan.columns))]
    cells = qs.annotate(
        **{
            name: F(column.unsigned) if i in unsigned and column.unsigned else column.sql
            for i, (name, column) in enumerate(zip(names, plan.columns, strict=True))
        }
    ).values_list(*names)
    sql, params = cells.query.get_compiler(using=qs.db).as_sql()
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')", tuple(params)


COPY_PROGRESS_EVERY = 50_000  # lines between two progress reports of a COPY
COPY_BLOCK_BYTES = 1 << 20  # COPY sends a message a row: they are written (and hashed) a megabyte at a time


def write_csv_by_copy(
    *, path: Any, plan: ExportPlan, qs: QuerySet[Any], progress: Callable[[int], None], total: int
) -> tuple[int, str]:
    """Write ``qs`` as a UTF-8 CSV with BOM through PostgreSQL's COPY: the header from
    Python, the rows as PostgreSQL writes them, streamed to the file in constant memory.
    Progress counts line ends (a cell's own line break counts too, so it is capped at
    ``total``). Returns COPY's own row count and the file's SHA-256, hashed as written."""
    import csv
    import hashlib
    import io

    from django.db import connections, transaction

    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(plan.headers)
    digest = hashlib.sha256()
    lines = reported = 0
    block = bytearray(("\ufeff" + head.getvalue()).encode("utf-8"))
    connection = connections[qs.db]
    outermost = not connection.in_atomic_block
    with path.open("wb") as handle, transaction.atomic(using=qs.db), connection.cursor() as cursor:
        if outermost:  # one snapshot for the check of the numbers and the rows
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET LOCAL DateStyle TO ISO")  # what _cell_sql's dates are written in
        sql, params = copy_query(plan, qs, never_negative(plan, qs))
        raw = cursor.cursor  # psycopg's own: Django's wrapper has no copy()
        with raw.copy(sql, params) as copy:
            for row in copy:
                block += row
                if len(block) < COPY_BLOCK_BYTES:
                    continue
                handle.write(block)
                digest.update(block)
                lines += block.count(b"\n")
                block.clear()
                if lines - reported >= COPY_PROGRESS_EVERY:
                    reported = lines
                    progress(min(lines, total))
        handle.write(block)
        digest.update(block)
        lines += block.count(b"\n")
        count = raw.rowcount
    return int(count if count is not None and count >= 0 else lines - 1), digest.hexdigest()
