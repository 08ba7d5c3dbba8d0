"""Upload checks for usage-request documents (利用申出の添付書類): PDF only, size limits by rule set.

"Uploads: PDF only, size limit by rule set, refused with a clear message if encrypted, restricted,
or not a PDF at all (check the bytes, not the name)." ``check_pdf`` answers with ``None`` or one
``UploadProblem`` whose Japanese and English messages say what is wrong and what to do. Plain
Python, no Django, no I/O: the caller hands over the bytes and the running totals of the filing.

Limits (§13 D8, §7.4)
---------------------
- **2022 rules** (``R2019`` and ``R2022``): "one PDF up to 10 MB without security settings". We read
  this literally, per filing: **one file of at most 10 MB** (``max_files=1``, total = file limit).
  This is what ISA's system enforced for an application from 2019 to 2025 (one file per
  application, §7.4); a filer with several documents combines them into one PDF. We deliberately
  do not invent a per-document allowance that no source states. ISA's later "attach the rest
  after the bureau re-enables attachment" workaround (参考様式9) is a reviewer's decision, not an
  upload rule: when a reviewer asks for a supplement, the caller starts a new filing with fresh
  totals.
- **2026 rules** (``R2026``): "several files up to 25 MB in total": **at most 25 MB in total** and
  hence per file, and **at most 20 files** — the sources say only "several"; 20 is our cap, enough
  for every document of a usage request, small enough to review.
- "MB" is taken as MiB (1,048,576 bytes): Windows Explorer labels binary megabytes "MB", and a file
  that Explorer shows as "10.0 MB" must pass. Messages round sizes *up* to 0.1 MB, so one byte over
  the limit never reads as the limit.
- ``already_uploaded_bytes`` / ``already_uploaded_files`` are what the same filing already holds
  (without a file being replaced). The caller should stop reading an upload after
  ``max_file_bytes + 1`` bytes; that is enough for ``too_large``.

Order of the checks (the first problem found is reported)
---------------------------------------------------------
``too_many_files`` (no further file fits, whatever it is) → ``empty`` → ``not_pdf`` → ``too_large``
→ ``total_too_large`` → ``encrypted`` → ``damaged`` → ``restricted``. "Not a PDF" comes before the
sizes because converting the file is the first thing the filer must do; "encrypted" comes before
"damaged" because an encrypted file must be re-saved anyway, and a truncated one usually only shows
its encryption in a linearised first-page trailer.

How the bytes are read (no PDF library is a dependency)
-------------------------------------------------------
A careful byte-level reading, conservative where it must guess:

- **PDF at all**: a ``%PDF-1.x`` or ``%PDF-2.0`` header within the first 1024 bytes (what Acrobat
  accepts). The extension and the declared content type are ignored.
- **damaged**: no ``%%EOF`` in the last 1024 bytes (a truncated upload or download), no
  ``startxref <offset>`` before it, an offset that does not lead to a cross-reference table or
  stream (also tried relative to the header, as readers do when junk precedes it), no trailer
  dictionary or cross-reference stream at all, or none naming the document catalog (``/Root``);
  also a file that would need more reading than any real one does (see the bounds below).
- **encrypted**: an ``/Encrypt`` key in *any* trailer dictionary (every ``trailer`` that follows a
  cross-reference table, including those of earlier revisions and of a linearised file's first
  page) or in *any* cross-reference stream dictionary (``/Type /XRef``). Dictionaries are
  tokenised (comments, strings, nesting, ``#xx`` escapes in names), so a word "/Encrypt" in page
  text does not count. An encrypted file with an empty user password (it opens without a password,
  but printing or copying is restricted) is still reported as encrypted; so are rights-management
  handlers ("network authentication"), which also use ``/Encrypt``. If a trailer cannot be
  tokenised, a raw ``/Encrypt`` between ``trailer`` and the next ``startxref`` is enough.
- **restricted**: the document catalog — every definition of every object that a trailer names as
  ``/Root``, in the body or inside a Flate-compressed object stream (``/Type /ObjStm``) — carries a
  non-empty ``/Perms`` (usage rights such as Reader extensions ``/UR3``, or a certification
  signature's change restrictions ``/DocMDP``). An encryption dictionary's ``/P`` only exists in
  an encrypted file, which is reported as ``encrypted``.

Limits of this approach, all erring towards acceptance except where stated:

- No full cross-reference resolution: all definitions of the catalog are examined, so a file whose
  ``/Perms`` was removed by a later incremental update is still refused (conservative).
- Object streams compressed with anything other than plain Flate (for example with a PNG
  predictor, or another filter) are not decoded; a catalog hidden there is not inspected for
  ``/Perms``. Decompression stops after 64 MiB in total (a defence against zip bombs).
- A file whose body is damaged but whose end (``startxref``, xref, trailer) is intact passes: only
  a renderer can tell whether every page and image decodes. Conformance to ISO 32000 beyond these
  structural points is not checked.
- An uncompressed embedded PDF with its own encrypted trailer makes the outer file "encrypted"
  (conservative); embedded files are almost always compressed, so this is rare.
- Work is bounded (the last 512 candidates of each kind, 200,000 tokens, 64 MiB inflated, nesting
  64 deep): a real 25 MB file takes about 0.1 s, a crafted one at most about 2 s.
"""

from __future__ import annotations

import re
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from math import ceil
from typing import NamedTuple, TypeAlias

MiB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_total_bytes: int
    max_files: int


LIMITS_2022 = UploadLimits(max_file_bytes=10 * MiB, max_total_bytes=10 * MiB, max_files=1)
LIMITS_2026 = UploadLimits(max_file_bytes=25 * MiB, max_total_bytes=25 * MiB, max_files=20)

_LIMITS_BY_RULESET = {"R2019": LIMITS_2022, "R2022": LIMITS_2022, "R2026": LIMITS_2026}


def limits_for(ruleset_name: str) -> UploadLimits:
    """The upload limits of a rule set (§13 D1): R2019 and R2022 → 2022 limits, R2026 → 2026."""
    try:
        return _LIMITS_BY_RULESET[ruleset_name]
    except KeyError:
        known = ", ".join(sorted(_LIMITS_BY_RULESET))
        raise ValueError(f"unknown rule set {ruleset_name!r}; expected one of {known}") from None


@dataclass(frozen=True)
class UploadProblem:
    code: str
    ja: str
    en: str


NOT_PDF = "not_pdf"
EMPTY = "empty"
TOO_LARGE = "too_large"
TOTAL_TOO_LARGE = "total_too_large"
TOO_MANY_FILES = "too_many_files"
ENCRYPTED = "encrypted"
RESTRICTED = "restricted"
DAMAGED = "damaged"
PROBLEM_CODES = (NOT_PDF, EMPTY, TOO_LARGE, TOTAL_TOO_LARGE, TOO_MANY_FILES, ENCRYPTED, RESTRICTED, DAMAGED)


def check_pdf(
    data: bytes,
    *,
    limits: UploadLimits,
    already_uploaded_bytes: int = 0,
    already_uploaded_files: int = 0,
) -> UploadProblem | None:
    """``None`` if ``data`` may be attached to a filing that already holds the given files.

    Otherwise the first problem in the order given in the module docstring.
    """
    if already_uploaded_bytes < 0 or already_uploaded_files < 0:
        raise ValueError("already uploaded bytes and files cannot be negative")

    if already_uploaded_files >= limits.max_files:
        return _too_many_files(limits)
    if not data:
        return UploadProblem(
            EMPTY,
            "ファイルが空です（0バイト）。正しいファイルを選んだか、保存が終わっているかを確認して、もう一度添付してください。",
            "The file is empty (0 bytes). Check that you chose the right file and that it was saved "
            "completely, then attach it again.",
        )
    if _HEADER.search(data, 0, _HEADER_WINDOW) is None:
        return _not_pdf(data)
    size = len(data)
    if size > limits.max_file_bytes:
        return _too_large(size, limits)
    if already_uploaded_bytes + size > limits.max_total_bytes:
        return _total_too_large(size, already_uploaded_bytes, limits)

    findings = _inspect(data)
    if findings.encrypted:
        return UploadProblem(
            ENCRYPTED,
            "PDFにパスワードや印刷制限などのセキュリティ設定があります。設定を解除してから添付してください。",
            "The PDF has security settings (a password, or restrictions such as on printing or copying). "
            "Remove the security settings, save the PDF again and attach it.",
        )
    if findings.damaged:
        return UploadProblem(
            DAMAGED,
            "PDFファイルが壊れているか、途中までしか保存されていません。元の書類からPDFを作成し直して添付してください。",
            "The PDF is damaged or incomplete (it may have been cut off while saving or downloading). "
            "Create the PDF again from the original document and attach it.",
        )
    if findings.restricted:
        return UploadProblem(
            RESTRICTED,
            "PDFに利用権限の設定（電子署名による変更制限や、Adobe Readerで入力・保存するための拡張機能など）があります。"
            "「PDFとして印刷」などで設定のないPDFとして保存し直してから添付してください。",
            "The PDF carries usage rights or change restrictions (for example a certification signature, or "
            "extensions that let Adobe Reader fill in and save it). Save it again as a plain PDF, for example "
            'with "Print to PDF", and attach that.',
        )
    return None


# --- messages ----------------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    """A size in MB (MiB) for messages, rounded *up* to 0.1 so that one byte over never reads "10.0"."""
    if size % MiB == 0:
        return f"{size // MiB} MB"
    return f"{ceil(size * 10 / MiB) / 10:.1f} MB"


def _limit_megabytes(size: int) -> str:
    return f"{size // MiB} MB" if size % MiB == 0 else f"{size / MiB:.1f} MB"


def _too_many_files(limits: UploadLimits) -> UploadProblem:
    if limits.max_files == 1:
        return UploadProblem(
            TOO_MANY_FILES,
            "添付できるPDFは1ファイルだけです。書類を1つのPDFにまとめてから、添付済みのファイルと差し替えてください。",
            "Only one PDF can be attached. Combine the documents into a single PDF and replace the file "
            "already attached with it.",
        )
    return UploadProblem(
        TOO_MANY_FILES,
        f"添付できるファイルは{limits.max_files}件までです。不要なファイルを削除するか、書類を1つのPDFにまとめてから添付してください。",
        f"No more than {limits.max_files} files can be attached. Remove a file you do not need, or combine "
        "documents into one PDF, and attach it again.",
    )


def _too_large(size: int, limits: UploadLimits) -> UploadProblem:
    limit = _limit_megabytes(limits.max_file_bytes)
    ja = f"ファイルサイズ（{_megabytes(size)}）が上限の{limit}を超えています。"
    en = f"The file ({_megabytes(size)}) is larger than the limit of {limit}."
    if limits.max_files > 1:
        ja += "スキャンの解像度を200dpi程度に下げるなどしてファイルを小さくするか、複数のファイルに分けて添付してください。"
        en += " Make it smaller, for example by scanning at about 200 dpi, or split it into several files."
    else:
        ja += "スキャンの解像度を200dpi程度に下げるなどしてファイルを小さくしてから添付してください。"
        en += " Make it smaller, for example by scanning at about 200 dpi, and attach it again."
    return UploadProblem(TOO_LARGE, ja, en)


def _total_too_large(size: int, already: int, limits: UploadLimits) -> UploadProblem:
    limit = _limit_megabytes(limits.max_total_bytes)
    return UploadProblem(
        TOTAL_TOO_LARGE,
        f"添付ファイルの合計が上限の{limit}を超えます（添付済み {_megabytes(already)}＋このファイル "
        f"{_megabytes(size)}）。ファイルを小さくするか、不要な添付ファイルを削除してください。",
        f"The attachments would exceed the total limit of {limit} ({_megabytes(already)} already attached "
        f"+ {_megabytes(size)} for this file). Make the file smaller or remove attachments you do not need.",
    )


def _not_pdf(data: bytes) -> UploadProblem:
    kind = _what_it_looks_like(data)
    if kind is None:
        ja_is, en_is = "PDFファイルではありません。", "This file is not a PDF."
    else:
        ja_is, en_is = f"このファイルはPDFではなく、{kind[0]}です。", f"This file is not a PDF but {kind[1]}."
    if kind is not None and kind[1] == "a ZIP archive":
        ja_do = "ZIPファイルを展開し、中のPDFを添付してください。"
        en_do = "Extract the archive and attach the PDF files inside it."
    else:
        ja_do = "PDF形式で保存し直すかPDFに変換してから添付してください（ファイル名を「.pdf」に変えるだけでは変換されません）。"
        en_do = 'Save or convert it as a PDF and attach that (renaming a file to ".pdf" does not convert it).'
    return UploadProblem(NOT_PDF, ja_is + ja_do, f"{en_is} {en_do}")


def _what_it_looks_like(data: bytes) -> tuple[str, str] | None:
    """A name for common non-PDF uploads, from their magic bytes, to make the message concrete."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG画像", "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG画像", "a JPEG image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF画像", "a GIF image"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF画像", "a TIFF image"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "HEIC画像（iPhoneなどの写真）", "a HEIC image (a photo from an iPhone or similar)"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "Word・Excelなどの文書（旧形式）", "an Office document (Word, Excel or similar, old format)"
    if head.startswith(b"PK\x03\x04"):
        if b"word/document.xml" in data:
            return "Wordの文書", "a Word document"
        if b"xl/workbook.xml" in data:
            return "Excelのブック", "an Excel workbook"
        return "ZIP圧縮ファイル", "a ZIP archive"
    return None


# --- reading the bytes -----------------------------------------------------------------------------

_HEADER_WINDOW = 1024
_EOF_WINDOW = 1024
_HEADER = re.compile(rb"%PDF-(?:1\.[0-9]|2\.0)")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_NAME_END = rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"  # the name or keyword ends here
# Patterns scanned over the whole file start with a literal (a leading look-behind would make the
# regex engine try every position: ten times slower on 25 MB); what precedes is checked apart.
_TRAILER = re.compile(rb"trailer" + _NAME_END)
_XREF_NAME = re.compile(rb"/XRef" + _NAME_END)
_OBJSTM_NAME = re.compile(rb"/ObjStm" + _NAME_END)
_OBJ_HEADER = re.compile(rb"(?<![0-9])(\d+)\s+(\d+)\s+obj" + _NAME_END)
_AFTER_XREF_TABLE = re.compile(
    rb"(?:\d+[\t\x0c ]+\d+[\t\x0c ]+[nf]|xref\s+\d+[\t\x0c ]+\d+)[\x00\t\n\x0c\r ]*\Z"
)
_RAW_ENCRYPT = re.compile(rb"/Encrypt" + _NAME_END)
_XREF_AT = re.compile(rb"[\x00\t\n\x0c\r ]*(?:xref|\d+\s+\d+\s+obj)")
# Tokens of the object syntax (ISO 32000-1 §7.2–7.3).
_SPACE = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
_REGULAR = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_INTEGER = re.compile(rb"\d+")
_PAREN_OR_ESCAPE = re.compile(rb"[()\\]")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

# Bounds that keep a hostile file from costing much: how far back from a name to look for the start
# of its object, how many candidates of each kind to examine (the last ones: the latest revision is
# at the end), how deep to nest, how many tokens to read in all, how much to inflate.
_OBJECT_LOOKBACK = 16 * 1024
_TRAILER_SPAN = 4 * 1024
_MAX_CANDIDATES = 512
_MAX_DEPTH = 64
_MAX_TOKENS = 200_000
_MAX_INFLATE = 64 * MiB


class _Ref(NamedTuple):
    num: int
    gen: int


class _Name(str):
    """A PDF name object (``/Type``), told apart from a string."""


_Obj: TypeAlias = "int | float | bool | bytes | _Name | _Ref | list[_Obj] | dict[str, _Obj] | None"


class _Findings(NamedTuple):
    damaged: bool
    encrypted: bool
    restricted: bool


class _ParseError(Exception):
    pass


class _Budget:
    """Tokens left for one check; a file that needs more than any real trailer and catalog do is
    treated as damaged rather than read for seconds."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens

    @property
    def exhausted(self) -> bool:
        return self.tokens <= 0

    def spend(self) -> None:
        self.tokens -= 1
        if self.tokens < 0:
            raise _ParseError("too much to read")


class _Parser:
    """Parses one object of the PDF syntax from ``pos``: enough for dictionaries and their values."""

    def __init__(self, data: bytes, pos: int, budget: _Budget) -> None:
        self.data = data
        self.pos = pos
        self.budget = budget

    def skip_space(self) -> None:
        match = _SPACE.match(self.data, self.pos)
        if match is not None:
            self.pos = match.end()

    def keyword(self) -> bytes:
        self.skip_space()
        match = _REGULAR.match(self.data, self.pos)
        word = b"" if match is None else match.group()
        self.pos += len(word)
        return word

    def parse(self, depth: int = 0) -> _Obj:
        if depth > _MAX_DEPTH:
            raise _ParseError("nested too deeply")
        self.budget.spend()
        self.skip_space()
        data, pos = self.data, self.pos
        if pos >= len(data):
            raise _ParseError("unexpected end")
        byte = data[pos]
        if data.startswith(b"<<", pos):
            return self._dictionary(depth)
        if byte == 0x2F:  # /
            return self._name()
        if byte == 0x5B:  # [
            return self._array(depth)
        if byte == 0x28:  # (
            return self._literal_string()
        if byte == 0x3C:  # <
            end = data.find(b">", pos)
            if end < 0:
                raise _ParseError("unterminated hex string")
            self.pos = end + 1
            return data[pos + 1 : end]
        number = _NUMBER.match(data, pos)
        if number is not None:
            self.pos = number.end()
            return self._number_or_reference(number.group())
        word = self.keyword()
        if word == b"true":
            return True
        if word == b"false":
            return False
        if word == b"null":
            return None
        raise _ParseError(f"unexpected {word[:20]!r} at {pos}")

    def _dictionary(self, depth: int) -> dict[str, _Obj]:
        self.pos += 2
        result: dict[str, _Obj] = {}
        while True:
            self.skip_space()
            if self.data.startswith(b">>", self.pos):
                self.pos += 2
                return result
            key = self.parse(depth + 1)
            if not isinstance(key, _Name):
                raise _ParseError("a dictionary key must be a name")
            result.setdefault(str(key), self.parse(depth + 1))

    def _array(self, depth: int) -> list[_Obj]:
        self.pos += 1
        result: list[_Obj] = []
        while True:
            self.skip_space()
            if self.data.startswith(b"]", self.pos):
                self.pos += 1
                return result
            result.append(self.parse(depth + 1))

    def _name(self) -> _Name:
        self.pos += 1
        match = _REGULAR.match(self.data, self.pos)
        raw = b"" if match is None else match.group()
        self.pos += len(raw)
        return _Name(_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1"))

    def _literal_string(self) -> bytes:
        start = self.pos
        pos, level = start + 1, 1
        while True:
            self.budget.spend()
            found = _PAREN_OR_ESCAPE.search(self.data, pos)
            if found is None:
                raise _ParseError("unterminated string")
            pos = found.end()
            if found.group() == b"\\":
                pos += 1  # the escaped byte
            elif found.group() == b"(":
                level += 1
            else:
                level -= 1
                if level == 0:
                    self.pos = pos
                    return self.data[start + 1 : pos - 1]

    def _number_or_reference(self, text: bytes) -> _Obj:
        if not text.isdigit():
            try:
                return float(text) if b"." in text else int(text)
            except ValueError:
                raise _ParseError(f"bad number {text[:20]!r}") from None
        after_first = self.pos
        self.skip_space()
        generation = _INTEGER.match(self.data, self.pos)
        if generation is not None:
            self.pos = generation.end()
            if self.keyword() == b"R":
                return _Ref(int(text), int(generation.group()))
        self.pos = after_first
        return int(text)


def _last(matches: Iterator[re.Match[bytes]]) -> re.Match[bytes] | None:
    last = None
    for last in matches:  # noqa: B007 - we want the last one
        pass
    return last


def _tail(matches: Iterable[re.Match[bytes]]) -> list[re.Match[bytes]]:
    return list(deque(matches, maxlen=_MAX_CANDIDATES))


def _flate_only(dictionary: dict[str, _Obj]) -> bool:
    filters = dictionary.get("Filter")
    if isinstance(filters, list) and len(filters) == 1:
        filters = filters[0]
    if filters not in ("FlateDecode", "Fl"):
        return False
    parms = dictionary.get("DecodeParms")
    if isinstance(parms, list) and len(parms) == 1:
        parms = parms[0]
    return parms is None or (isinstance(parms, dict) and parms.get("Predictor", 1) == 1)


class _Reader:
    """The structural facts of one file that starts like a PDF, read with a shared budget."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.budget = _Budget(_MAX_TOKENS)
        self._compressed: dict[int, list[tuple[bytes, int]]] | None = None

    def parse_at(self, buffer: bytes, pos: int) -> _Obj:
        """The object starting at ``pos`` in ``buffer``, or ``None`` if it cannot be parsed."""
        try:
            return _Parser(buffer, pos, self.budget).parse()
        except (_ParseError, RecursionError, ValueError):
            return None

    def object_dictionary_around(self, name_pos: int) -> tuple[dict[str, _Obj], int] | None:
        """The dictionary of the indirect object that contains the name at ``name_pos``, and its end.

        Goes from a ``/XRef`` or ``/ObjStm`` found in the raw bytes to the dictionary it sits in.
        """
        data = self.data
        header = _last(_OBJ_HEADER.finditer(data, max(0, name_pos - _OBJECT_LOOKBACK), name_pos))
        if header is None:
            return None
        parser = _Parser(data, header.end(), self.budget)
        try:
            value = parser.parse()
        except (_ParseError, RecursionError, ValueError):
            return None
        if not isinstance(value, dict) or parser.pos <= name_pos:
            return None
        return value, parser.pos

    def trailer_dictionaries(self) -> tuple[list[dict[str, _Obj]], bool]:
        """Every trailer dictionary, and whether a trailer that cannot be read shows ``/Encrypt``.

        Only a ``trailer`` keyword that follows a cross-reference table (an entry such as
        ``0000000017 00000 n``, or an empty subsection) counts, so that the word in uncompressed
        page text does not. The raw fallback reads up to a ``startxref`` found within a few
        kilobytes, with no object or stream in between.
        """
        data = self.data
        found: list[dict[str, _Obj]] = []
        raw_encrypt = False
        for match in _tail(_TRAILER.finditer(data)):
            if _AFTER_XREF_TABLE.search(data, max(0, match.start() - 64), match.start()) is None:
                continue
            value = self.parse_at(data, match.end())
            if isinstance(value, dict):
                found.append(value)
                continue
            end = data.find(b"startxref", match.end(), match.end() + _TRAILER_SPAN)
            span = data[match.end() : max(end, match.end())]
            if b"stream" not in span and b"endobj" not in span and _RAW_ENCRYPT.search(span):
                raw_encrypt = True
        return found, raw_encrypt

    def xref_stream_dictionaries(self) -> list[dict[str, _Obj]]:
        found = []
        for match in _tail(_XREF_NAME.finditer(self.data)):
            located = self.object_dictionary_around(match.start())
            if located is not None and located[0].get("Type") == "XRef":
                found.append(located[0])
        return found

    def startxref_leads_somewhere(self, offset: int, header_at: int) -> bool:
        data = self.data
        candidates = (offset, offset + header_at)
        return any(0 <= at < len(data) and _XREF_AT.match(data, at) is not None for at in candidates)

    def stream_data(self, dictionary: dict[str, _Obj], dict_end: int) -> bytes | None:
        data = self.data
        parser = _Parser(data, dict_end, self.budget)
        if parser.keyword() != b"stream":
            return None
        start = parser.pos
        if data.startswith(b"\r\n", start):
            start += 2
        elif data.startswith((b"\n", b"\r"), start):
            start += 1
        length = dictionary.get("Length")
        if (
            type(length) is int  # not a reference, not a bool
            and 0 <= length <= len(data) - start
            and _Parser(data, start + length, self.budget).keyword() == b"endstream"
        ):
            return data[start : start + length]
        end = data.find(b"endstream", start)
        if end < 0:
            return None
        return data[start:end].removesuffix(b"\n").removesuffix(b"\r")

    def compressed_definitions(self, num: int) -> list[_Obj]:
        """The definitions of object ``num`` inside Flate-compressed object streams."""
        if self._compressed is None:
            self._compressed = self._index_object_streams()
        return [self.parse_at(buffer, pos) for buffer, pos in self._compressed.get(num, [])]

    def _index_object_streams(self) -> dict[int, list[tuple[bytes, int]]]:
        index: dict[int, list[tuple[bytes, int]]] = {}
        inflate_left = _MAX_INFLATE
        for match in _tail(_OBJSTM_NAME.finditer(self.data)):
            located = self.object_dictionary_around(match.start())
            if located is None or inflate_left <= 0:
                continue
            dictionary, dict_end = located
            count, first = dictionary.get("N"), dictionary.get("First")
            if dictionary.get("Type") != "ObjStm" or not _flate_only(dictionary):
                continue
            if not isinstance(count, int) or not isinstance(first, int) or count < 0 or first < 0:
                continue
            raw = self.stream_data(dictionary, dict_end)
            if raw is None:
                continue
            try:
                inflated = zlib.decompressobj().decompress(raw, inflate_left)
            except zlib.error:
                continue
            inflate_left -= len(inflated)
            # The stream starts with N pairs "object-number offset", offsets counted from First.
            numbers = [int(n) for n in _INTEGER.findall(inflated, 0, min(first, len(inflated)))]
            for num, offset in zip(numbers[: 2 * count : 2], numbers[1 : 2 * count : 2], strict=False):
                index.setdefault(num, []).append((inflated, first + offset))
        return index

    def plain_definitions(self, ref: _Ref) -> list[_Obj]:
        data = self.data
        pattern = re.compile(rb"%d\s+%d\s+obj" % (ref.num, ref.gen) + _NAME_END)
        matches = (
            match for match in pattern.finditer(data) if not data[match.start() - 1 : match.start()].isdigit()
        )
        return [self.parse_at(data, match.end()) for match in _tail(matches)]

    def restricted_catalog(self, roots: set[_Ref]) -> bool:
        for root in sorted(roots):
            definitions = self.plain_definitions(root)
            if root.gen == 0:
                definitions += self.compressed_definitions(root.num)
            for catalog in definitions:
                if isinstance(catalog, dict) and "Perms" in catalog and catalog["Perms"] != {}:
                    return True
        return False


def _inspect(data: bytes) -> _Findings:
    """Encryption, damage and restrictions of a file that has a PDF header."""
    reader = _Reader(data)
    trailers, raw_encrypt = reader.trailer_dictionaries()
    dictionaries = trailers + reader.xref_stream_dictionaries()
    encrypted = raw_encrypt or any("Encrypt" in d for d in dictionaries)

    header = _HEADER.search(data, 0, _HEADER_WINDOW)
    header_at = header.start() if header is not None else 0
    eof = data.rfind(b"%%EOF", max(0, len(data) - _EOF_WINDOW))
    startxref = None if eof < 0 else _last(_STARTXREF.finditer(data, max(0, eof - _EOF_WINDOW), eof + 5))
    roots = set()
    for dictionary in dictionaries:
        root = dictionary.get("Root")
        if isinstance(root, _Ref):
            roots.add(root)
    damaged = (
        startxref is None
        or not reader.startxref_leads_somewhere(int(startxref.group(1)), header_at)
        or not dictionaries
        or not roots
    )
    restricted = not encrypted and not damaged and reader.restricted_catalog(roots)
    # A file that needs more reading than any real one is not given the benefit of the doubt.
    damaged = damaged or reader.budget.exhausted
    return _Findings(damaged=damaged, encrypted=encrypted, restricted=restricted and not damaged)
