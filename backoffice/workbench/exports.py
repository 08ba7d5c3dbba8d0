"""Writing an export file row by row, with progress, and cells made safe for spreadsheets."""

from __future__ import annotations

import csv
import hashlib
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
            # by the value as text: the widget renders a number as one
            choices = {str(k): v for k, v in model_field.flatchoices} if model_field.choices else {}
        except FieldDoesNotExist:
            pass

        def getter(obj: Any, field: Any = field, choices: dict[Any, Any] = choices) -> Any:
            value = resource.export_field(field, obj)
            return str(choices.get(str(value), value)) if choices else value

        headers.append(header)
        getters.append(getter)
    return headers, getters


class UnencodableCells(ValueError):
    """Cells whose characters Shift_JIS (CP932) cannot hold: reported, never silently replaced."""

    def __init__(self, cells: list[tuple[int, str, str]], more: int) -> None:
        self.cells = cells  # (row number in the file, column header, the characters)
        self.more = more
        listed = "; ".join(f"row {row} “{column}”: {chars}" for row, column, chars in cells)
        super().__init__(f"{listed}{f' (and {more} more)' if more else ''}")


MAX_REPORTED_CELLS = 20
# The same JIS X 0208 character under the code point CP932 uses (the "wave dash problem"): ¥ in
# "¥15,000,000" is the full-width yen sign there, and so on. Written as CP932's, not reported.
CP932_EQUIVALENTS = str.maketrans(
    {
        "\u00a5": "\uffe5",  # ¥ → ￥
        "\u203e": "\uffe3",  # ‾ → ￣
        "\u2212": "\uff0d",  # − → －
        "\u301c": "\uff5e",  # 〜 → ～
        "\u2016": "\u2225",  # ‖ → ∥
        "\u00a2": "\uffe0",  # ¢ → ￠
        "\u00a3": "\uffe1",  # £ → ￡
        "\u00ac": "\uffe2",  # ¬ → ￢
        "\u2014": "\u2015",  # — → ―
    }
)


def _unencodable(value: Any, encoding: str) -> str:
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return "".join(sorted({c for c in text if not _fits(c, encoding)}))
    return ""


def _fits(character: str, encoding: str) -> bool:
    try:
        character.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def write_rows(
    *,
    path: Path,
    file_format: str,
    headers: list[str],
    rows: Iterable[list[Any]],
    progress: Callable[[int], None],
    every: int = 500,
    encoding: str = "utf-8-sig",
    made_safe: bool = False,
) -> int:
    """Stream the rows into ``path``: CSV row by row (constant memory), XLSX through openpyxl's
    write-only mode. A Shift_JIS CSV is checked cell by cell; any character it cannot hold stops
    the export with every such cell listed (UnencodableCells), and no file is left. ``made_safe``:
    the rows' cells are spreadsheet-safe already (export_plan.ExportPlan.safe_rows)."""
    count = 0
    if file_format == "csv":
        # UTF-8 with BOM by default: Excel on Japanese Windows otherwise reads it as Shift_JIS.
        strict = encoding != "utf-8-sig"
        bad: list[tuple[int, str, str]] = []
        more = 0
        with path.open(
            "w", encoding=encoding, errors="replace" if strict else "strict", newline=""
        ) as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in rows:
                cells = row if made_safe else [spreadsheet_safe(v) for v in row]
                count += 1
                if encoding == "cp932":
                    cells = [c.translate(CP932_EQUIVALENTS) if isinstance(c, str) else c for c in cells]
                if strict:
                    for header, cell in zip(headers, cells, strict=False):
                        chars = _unencodable(cell, encoding) if isinstance(cell, str) else ""
                        if chars and len(bad) < MAX_REPORTED_CELLS:
                            bad.append((count + 1, header, chars))
                        elif chars:
                            more += 1
                writer.writerow(cells)
                if count % every == 0:
                    progress(count)
        if bad:
            path.unlink(missing_ok=True)
            raise UnencodableCells(bad, more)
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("export")
        sheet.append(headers)
        for row in rows:
            sheet.append(row if made_safe else [spreadsheet_safe(v) for v in row])
            count += 1
            if count % every == 0:
                progress(count)
        book.save(path)
    progress(count)
    return count


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
