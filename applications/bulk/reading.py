"""Reading a bulk file (一括) as a stream of rows: CSV in UTF-8 (a BOM is accepted) or Shift_JIS
(cp932, what Excel on Japanese Windows writes), XLSX with openpyxl in read-only mode; formula cells
refused; the header checked against the template's columns before any row is read."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from typing import IO, Any

from django.conf import settings

from applications.bulk.errors import ImportRefused, RowError, error
from applications.bulk.templates import DATA_SHEET, columns_for
from applications.rules.catalogue import PROCEDURE_BY_CODE, Procedure

MAX_BYTES = 20 * 1024 * 1024
_CHUNK = 64 * 1024


def max_rows() -> int:
    return int(getattr(settings, "APPLICATIONS_BULK_MAX_ROWS", 20_000))


def file_format_of(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".xlsx"):
        return "xlsx"
    return None


def is_formula(value: str) -> bool:
    """=, + and @ start a formula in a spreadsheet; so does - unless a number follows (-1 is data)."""
    if not value:
        return False
    first = value[0]
    if first in "=+@":
        return True
    return first == "-" and len(value) > 1 and not value[1].isdigit()


def formula_text(value: Any) -> str | None:
    """The formula in a cell, or None. openpyxl gives a formula cell's text ("=SUM(A1)") in
    read-only mode, or an ArrayFormula / DataTableFormula object."""
    if isinstance(value, str):
        return value if is_formula(value) else None
    if type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        return str(getattr(value, "text", "") or type(value).__name__)
    return None


def detect_encoding(binary: IO[bytes]) -> tuple[str, int]:
    """("utf-8" | "utf-8-sig" | "cp932", number of line feeds), read in chunks without keeping
    the text. Raises ImportRefused for anything else."""
    binary.seek(0)
    head = binary.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused([error(0, "", "BULK-ENCODING-UTF16")])
    first_bad = 0
    for encoding in ("utf-8-sig", "cp932"):
        binary.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        position = lines = 0
        try:
            while chunk := binary.read(_CHUNK):
                decoder.decode(chunk)
                position += len(chunk)
                lines += chunk.count(b"\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig":
                first_bad = position + exc.start + 1
            continue
        if encoding == "utf-8-sig":
            return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), lines
        return encoding, lines
    raise ImportRefused([error(0, "", "BULK-ENCODING", position=first_bad)])


class RowSource(ABC):
    """The file's rows as (row number, cells), header first; ``estimated_rows`` counts the data
    rows roughly for the progress bar (line feeds in a CSV, the sheet's dimension in an XLSX)."""

    encoding: str = ""
    estimated_rows: int | None = None

    @abstractmethod
    def __iter__(self) -> Iterator[tuple[int, list[Any]]]: ...

    @abstractmethod
    def close(self) -> None: ...


class CsvSource(RowSource):
    def __init__(self, binary: IO[bytes]) -> None:
        self.binary = binary
        self.encoding, lines = detect_encoding(binary)
        self.estimated_rows = max(0, lines - 1)
        self._rows: Generator[tuple[int, list[Any]]] | None = None

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        self._rows = self._read()
        return self._rows

    def _read(self) -> Generator[tuple[int, list[Any]]]:
        self.binary.seek(0)
        text = io.TextIOWrapper(self.binary, encoding=self.encoding, newline="")
        try:
            yield from enumerate(csv.reader(text), start=1)
        except csv.Error as exc:
            raise ImportRefused([error(0, "", "BULK-CSV-UNREADABLE", detail=str(exc))]) from exc
        finally:
            text.detach()  # leave the caller's file open

    def close(self) -> None:
        # A file refused at its header leaves the reader half-way: finish it while the file is open.
        if self._rows is not None:
            self._rows.close()


class XlsxSource(RowSource):
    def __init__(self, binary: IO[bytes]) -> None:
        from openpyxl import load_workbook

        binary.seek(0)
        try:
            self.book = load_workbook(binary, read_only=True, data_only=False)
        except Exception as exc:  # a damaged or mislabelled file: say so, no server error
            raise ImportRefused([error(0, "", "BULK-XLSX-UNREADABLE")]) from exc
        names = self.book.sheetnames
        self.sheet = self.book[DATA_SHEET] if DATA_SHEET in names else self.book.worksheets[0]
        max_row = self.sheet.max_row
        self.estimated_rows = max(0, max_row - 1) if max_row else None

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(self.sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        except ImportRefused:
            raise
        except Exception as exc:
            raise ImportRefused([error(0, "", "BULK-XLSX-UNREADABLE")]) from exc

    def close(self) -> None:
        self.book.close()


def open_source(binary: IO[bytes], file_format: str) -> RowSource:
    return CsvSource(binary) if file_format == "csv" else XlsxSource(binary)


def _header_key(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()


def read_header(cells: list[Any], procedure: Procedure) -> dict[str, int]:
    """Column key → position; refuses a header that is not exactly the template's columns."""
    expected = columns_for(procedure)
    entry = PROCEDURE_BY_CODE[procedure]
    names = {
        "procedure": entry.ja,
        "procedure_en": entry.en,
        "expected": ", ".join(expected),
    }
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for position, raw in enumerate(cells):
        key = _header_key(raw)
        if not key:
            continue
        if key not in expected:
            errors.append(error(1, str(raw), "BULK-HEADER-UNKNOWN", name=str(raw), **names))
        elif key in positions:
            errors.append(error(1, key, "BULK-HEADER-DUPLICATE", name=key))
        else:
            positions[key] = position
    for key in expected:
        if key not in positions:
            errors.append(error(1, key, "BULK-HEADER-MISSING", name=key, **names))
    if errors:
        raise ImportRefused(errors)
    return positions
