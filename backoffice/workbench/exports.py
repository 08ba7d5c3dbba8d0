"""Writing an export file row by row, with progress, and cells made safe for spreadsheets."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# Spreadsheet programs run a cell that starts with one of these as a formula (OWASP
# "CSV injection"). import-export's own escaping only strips a leading "=", so we
# quote every such cell with an apostrophe instead and change nothing else.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def export_columns(resource: Any, model: Any) -> tuple[list[str], list[Callable[[Any], Any]]]:
    """Readable headers (the model's field names in the active language) and cell getters
    that show a choice's label instead of its code."""
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.text import capfirst

    headers: list[str] = []
    getters: list[Callable[[Any], Any]] = []
    for field in resource.get_export_fields():
        attribute = field.attribute or field.column_name
        choices: dict[Any, Any] = {}
        header = str(field.column_name)
        try:
            model_field = model._meta.get_field(attribute)
            header = str(capfirst(model_field.verbose_name))
            choices = dict(model_field.flatchoices) if model_field.choices else {}
        except FieldDoesNotExist:
            pass

        def getter(obj: Any, field: Any = field, choices: dict[Any, Any] = choices) -> Any:
            value = resource.export_field(field, obj)
            return str(choices.get(value, value)) if choices else value

        headers.append(header)
        getters.append(getter)
    return headers, getters


def write_rows(
    *,
    path: Path,
    file_format: str,
    headers: list[str],
    rows: Iterable[list[Any]],
    progress: Callable[[int], None],
    every: int = 500,
) -> int:
    count = 0
    if file_format == "csv":
        # UTF-8 with BOM: Excel on Japanese Windows otherwise reads it as Shift_JIS.
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([spreadsheet_safe(v) for v in row])
                count += 1
                if count % every == 0:
                    progress(count)
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("export")
        sheet.append(headers)
        for row in rows:
            sheet.append([spreadsheet_safe(v) for v in row])
            count += 1
            if count % every == 0:
                progress(count)
        book.save(path)
    progress(count)
    return count
