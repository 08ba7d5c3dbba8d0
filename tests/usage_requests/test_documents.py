"""Upload checks for usage-request documents: real PDFs (reportlab and hand-assembled), impostors,
damaged files, encryption, usage-rights restrictions, size and count limits."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from usage_requests.documents import (
    LIMITS_2022,
    LIMITS_2026,
    PROBLEM_CODES,
    MiB,
    UploadLimits,
    UploadProblem,
    check_pdf,
    limits_for,
)

ROOMY = UploadLimits(max_file_bytes=50 * MiB, max_total_bytes=50 * MiB, max_files=100)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


# --- making PDFs ----------------------------------------------------------------------------------


def reportlab_pdf(
    text: str = "利用申出書 / usage request", *, pages: int = 1, **canvas_options: object
) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, **canvas_options)  # type: ignore[arg-type]
    for page in range(pages):
        pdf.drawString(72, 720, f"{text} — page {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _content(text: bytes = b"(Hello) Tj", padding: int = 0) -> bytes:
    stream = b"BT /F1 12 Tf 72 720 Td " + text + b" ET\n" + b"%" + b"x" * padding + b"\n"
    return b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"


def _page_objects(catalog_extra: bytes = b"", padding: int = 0) -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        4: _content(padding=padding),
    }


def classic_pdf(
    objects: dict[int, bytes] | None = None,
    *,
    trailer_extra: bytes = b"",
    root: bytes = b"/Root 1 0 R",
    version: bytes = b"1.7",
    prefix: bytes = b"",
) -> bytes:
    """A PDF with a cross-reference table, offsets computed, as a conforming writer makes it."""
    objects = _page_objects() if objects is None else objects
    out = bytearray(prefix + b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out) - len(prefix)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = max(objects) + 1
    xref_at = len(out) - len(prefix)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d " % size + root + b" " + trailer_extra + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def xref_stream_pdf(
    plain: dict[int, bytes], compressed: dict[int, bytes], *, xref_extra: bytes = b"", version: bytes = b"1.7"
) -> bytes:
    """A PDF 1.5+ file: ``compressed`` objects in a Flate object stream, a binary XRef stream."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    entries: dict[int, tuple[int, int, int]] = {}
    for num in sorted(plain):
        entries[num] = (1, len(out), 0)
        out += b"%d 0 obj\n" % num + plain[num] + b"\nendobj\n"
    objstm_num = max([*plain, *compressed]) + 1
    xref_num = objstm_num + 1
    if compressed:
        header = b""
        body = b""
        for index, num in enumerate(sorted(compressed)):
            header += b"%d %d " % (num, len(body))
            body += compressed[num] + b"\n"
            entries[num] = (2, objstm_num, index)
        packed = zlib.compress(header + body)
        entries[objstm_num] = (1, len(out), 0)
        out += (
            b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (objstm_num, len(compressed), len(header), len(packed))
            + packed
            + b"\nendstream\nendobj\n"
        )
    entries[xref_num] = (1, len(out), 0)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for num in range(1, xref_num + 1):
        kind, field2, field3 = entries.get(num, (0, 0, 65535))
        rows.append(struct.pack(">BIH", kind, field2, field3))
    table = b"".join(rows)
    xref_at = len(out)
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R " % (xref_num, xref_num + 1)
        + xref_extra
        + b" /Length %d >>\nstream\n" % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def incremental_update(pdf: bytes, objects: dict[int, bytes], *, trailer_extra: bytes = b"") -> bytes:
    """Append a revision, as a PDF editor saving changes does (ISO 32000-1 §7.5.6)."""
    previous = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    size = max(int(re.findall(rb"/Size (\d+)", pdf)[-1]), max(objects) + 1)
    out = bytearray(pdf)
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n"
    for num in sorted(objects):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d " % (size, previous) + trailer_extra + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def pdf_of_size(size: int) -> bytes:
    """A valid PDF of exactly ``size`` bytes: the padding sits in a comment of the page content."""
    padding = 0
    for _ in range(5):
        pdf = classic_pdf(_page_objects(padding=padding))
        if len(pdf) == size:
            return pdf
        padding += size - len(pdf)
    raise AssertionError("could not hit the size")


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def code(data: bytes, limits: UploadLimits = ROOMY, **totals: int) -> str | None:
    problem = check_pdf(data, limits=limits, **totals)
    return None if problem is None else problem.code


# --- limits ---------------------------------------------------------------------------------------


def test_limits_of_the_two_rule_generations() -> None:
    assert (
        UploadLimits(max_file_bytes=10 * 1024 * 1024, max_total_bytes=10 * 1024 * 1024, max_files=1)
        == LIMITS_2022
    )
    assert (
        UploadLimits(max_file_bytes=25 * 1024 * 1024, max_total_bytes=25 * 1024 * 1024, max_files=20)
        == LIMITS_2026
    )


@pytest.mark.parametrize(
    ("ruleset", "limits"), [("R2019", LIMITS_2022), ("R2022", LIMITS_2022), ("R2026", LIMITS_2026)]
)
def test_limits_for_rule_set(ruleset: str, limits: UploadLimits) -> None:
    assert limits_for(ruleset) is limits


@pytest.mark.parametrize("ruleset", ["", "R2020", "r2022", "2026"])
def test_limits_for_unknown_rule_set(ruleset: str) -> None:
    with pytest.raises(ValueError, match="unknown rule set"):
        limits_for(ruleset)


def test_problem_codes_are_the_agreed_ones() -> None:
    assert set(PROBLEM_CODES) == {
        "not_pdf", "empty", "too_large", "total_too_large", "too_many_files", "encrypted", "restricted", "damaged",
    }  # fmt: skip


# --- good PDFs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{}, {"pageCompression": 0}, {"pageCompression": 1}, {"invariant": 1}],
    ids=["default", "uncompressed", "compressed", "invariant"],
)
@pytest.mark.parametrize("limits", [LIMITS_2022, LIMITS_2026])
def test_reportlab_pdfs_pass(options: dict[str, object], limits: UploadLimits) -> None:
    assert check_pdf(reportlab_pdf(pages=3, **options), limits=limits) is None


def test_words_from_the_pdf_syntax_in_page_text_do_not_matter() -> None:
    text = "trailer << /Encrypt 9 0 R >> /Perms /XRef /ObjStm startxref 0 %%EOF"
    assert code(reportlab_pdf(text, pageCompression=0)) is None
    assert code(classic_pdf({**_page_objects(), 4: _content(b"(trailer << /Encrypt) Tj")})) is None


def test_hand_assembled_classic_pdf_passes() -> None:
    assert code(classic_pdf()) is None


def test_pdf_with_xref_and_object_streams_passes() -> None:
    objects = _page_objects()
    pdf = xref_stream_pdf({4: objects.pop(4)}, objects)
    assert b"/Catalog" not in pdf  # the catalog is compressed
    assert code(pdf) is None


@pytest.mark.parametrize("version", [b"1.0", b"1.4", b"1.7", b"2.0"])
def test_every_pdf_version_header(version: bytes) -> None:
    assert code(classic_pdf(version=version)) is None


def test_header_after_some_junk_within_1024_bytes() -> None:
    # Offsets then count from the header, as readers accept.
    assert code(classic_pdf(prefix=b"\r\n" + b" " * 1000)) is None


def test_header_beyond_1024_bytes_is_not_a_pdf() -> None:
    assert code(classic_pdf(prefix=b" " * 1020)) == "not_pdf"


def test_comment_and_whitespace_after_eof_are_tolerated() -> None:
    assert code(classic_pdf() + b"\r\n\x00\x00" + b" " * 500) is None


def test_an_empty_perms_dictionary_restricts_nothing() -> None:
    assert code(classic_pdf(_page_objects(b"/Perms << >>"))) is None


def test_perms_outside_the_catalog_is_not_a_restriction() -> None:
    objects = {**_page_objects(), 5: b"<< /Type /Annot /Perms << /UR3 6 0 R >> >>", 6: b"<< >>"}
    assert code(classic_pdf(objects)) is None


# --- not a PDF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (png_bytes(), "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200, "JPEG"),
        (b"GIF89a" + b"\x00" * 50, "GIF"),
        (b"II*\x00" + b"\x00" * 50, "TIFF"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 50, "HEIC"),
        (zip_bytes({"scan.pdf": reportlab_pdf()}), "ZIP"),
        (zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}), "Word"),
        (zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}), "Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Word"),
    ],
    ids=["png", "jpeg", "gif", "tiff", "heic", "zip", "docx", "xlsx", "doc"],
)
def test_other_formats_are_named_in_the_message(data: bytes, named: str) -> None:
    problem = check_pdf(data, limits=ROOMY)
    assert problem is not None and problem.code == "not_pdf"
    assert named in problem.ja and named in problem.en


@pytest.mark.parametrize(
    "data",
    [
        "利用申出書の内容です。".encode(),
        "利用申出書".encode("shift_jis"),
        b"<!DOCTYPE html><html><body>%PDF</body></html>",
        b"PDF-1.7\n",
        b"%PDF1.7\n",
        b"%pdf-1.7\n",
        b"%PDF-3.0\n",
        b"\x00" * 2000,
    ],
    ids=["utf8-text", "sjis-text", "html", "no-percent", "no-hyphen", "lower-case", "version-3", "zeros"],
)
def test_text_and_near_misses_are_not_pdf(data: bytes) -> None:
    problem = check_pdf(data, limits=ROOMY)
    assert problem is not None and problem.code == "not_pdf"
    assert "PDF" in problem.ja and ".pdf" in problem.en


def test_zip_advice_is_to_extract() -> None:
    problem = check_pdf(zip_bytes({"a.pdf": b"%PDF-1.4"}), limits=ROOMY)
    assert problem is not None and "展開" in problem.ja and "Extract" in problem.en


def test_empty_file() -> None:
    problem = check_pdf(b"", limits=LIMITS_2022)
    assert problem is not None and problem.code == "empty"
    assert "0バイト" in problem.ja and "0 bytes" in problem.en


# --- damaged --------------------------------------------------------------------------------------


def test_truncated_pdf_is_damaged() -> None:
    pdf = reportlab_pdf()
    assert code(pdf[: len(pdf) // 2]) == "damaged"
    assert code(pdf[: pdf.rindex(b"%%EOF")]) == "damaged"


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_cut_before_the_end_is_damaged(data: st.DataObject) -> None:
    pdf = reportlab_pdf(pages=2)
    end = pdf.rindex(b"%%EOF") + 4  # cutting anywhere before the last F
    cut = data.draw(st.integers(min_value=pdf.index(b"%PDF") + 9, max_value=end))
    assert code(pdf[:cut]) == "damaged"


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=3))
def test_xref_stream_pdf_cut_before_the_end_is_damaged(keep_from_end: int) -> None:
    objects = _page_objects()
    pdf = xref_stream_pdf({4: objects.pop(4)}, objects)
    assert code(pdf[: pdf.rindex(b"%%EOF") + 5 - keep_from_end]) == "damaged"


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda pdf: pdf.replace(b"%%EOF", b"%%EOX"), "no %%EOF"),
        (lambda pdf: re.sub(rb"startxref\n\d+", b"startxref\n99999999", pdf), "offset beyond the file"),
        (lambda pdf: re.sub(rb"startxref\n\d+", b"startxref\n3", pdf), "offset into the middle of nothing"),
        (lambda pdf: pdf.replace(b"startxref", b"startxraf"), "no startxref"),
        (lambda pdf: pdf.replace(b"trailer", b"trailor"), "no trailer"),
        (lambda pdf: pdf.replace(b"/Root 1 0 R", b"/Raat 1 0 R"), "no /Root"),
        (lambda pdf: pdf.replace(b"trailer\n<<", b"trailer\n<< ) "), "unreadable trailer"),
        (lambda pdf: pdf + b"x" * 2000, "junk after %%EOF"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_structural_damage(mutate: object, why: str) -> None:
    pdf = mutate(classic_pdf())  # type: ignore[operator]
    assert code(pdf) == "damaged", why


def test_header_only_is_damaged() -> None:
    assert code(b"%PDF-1.7\n%%EOF\n") == "damaged"
    assert code(b"%PDF-1.7\nstartxref\n0\n%%EOF\n") == "damaged"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    for candidate in (
        data,
        b"%PDF-1.7\n" + data,
        b"%PDF-1.7\n" + data + b"\ntrailer << /Root 1 0 R >>\nstartxref\n0\n%%EOF",
    ):
        problem = check_pdf(candidate, limits=ROOMY)
        assert problem is None or problem.code in PROBLEM_CODES


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"<<",
                b">>",
                b"[",
                b"]",
                b"(",
                b")",
                b"/Encrypt",
                b"/Root",
                b"1 0 R",
                b"\\",
                b"%",
                b"\n",
                b" ",
                b"trailer",
                b"obj",
                b"stream",
                b"<",
                b">",
                b"/ObjStm",
                b"/XRef",
                b"/Type",
            ]
        ),
        max_size=80,
    )
)
def test_pdf_syntax_soup_never_crashes(tokens: list[bytes]) -> None:
    body = b" ".join(tokens)
    data = (
        b"%PDF-1.7\n1 0 obj\n"
        + body
        + b"\nendobj\ntrailer\n<< /Root 1 0 R "
        + body
        + b" >>\nstartxref\n9\n%%EOF\n"
    )
    problem = check_pdf(data, limits=ROOMY)
    assert problem is None or problem.code in PROBLEM_CODES


def test_deep_nesting_does_not_crash() -> None:
    deep = b"[" * 100_000
    data = classic_pdf(trailer_extra=b"/Junk " + deep)
    assert code(data) in {"damaged", None}
    data = classic_pdf({**_page_objects(), 5: b"<< /Type /XRef /Junk " + deep + b" >>"})
    assert code(data) is None


# --- encrypted ------------------------------------------------------------------------------------


def test_password_protected_pdf_is_encrypted() -> None:
    problem = check_pdf(reportlab_pdf(encrypt="secret"), limits=LIMITS_2022)
    assert problem is not None and problem.code == "encrypted"
    assert (
        problem.ja
        == "PDFにパスワードや印刷制限などのセキュリティ設定があります。設定を解除してから添付してください。"
    )
    assert "security settings" in problem.en


def test_user_password_with_print_restriction_is_encrypted() -> None:
    encryption = pdfencrypt.StandardEncryption("user", canPrint=0)
    assert code(reportlab_pdf(encrypt=encryption)) == "encrypted"


def test_owner_password_only_is_still_encrypted() -> None:
    # Opens without a password, but printing and copying are restricted.
    encryption = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=0, canCopy=0)
    assert code(reportlab_pdf(encrypt=encryption)) == "encrypted"


def test_strong_encryption_is_encrypted() -> None:
    encryption = pdfencrypt.StandardEncryption("user", ownerPassword="owner", strength=128)
    assert code(reportlab_pdf(encrypt=encryption, pages=2)) == "encrypted"


def test_encrypt_in_an_xref_stream_dictionary() -> None:
    objects = _page_objects()
    content = objects.pop(4)
    encrypt = b"<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <00> /U <00> >>"
    pdf = xref_stream_pdf({4: content, 9: encrypt}, objects, xref_extra=b"/Encrypt 9 0 R /ID [<01><01>]")
    assert code(pdf) == "encrypted"


def test_encrypt_in_an_earlier_revision_counts() -> None:
    # Conservative: an incremental update cannot take the encryption of the base file away.
    pdf = classic_pdf(
        {**_page_objects(), 5: b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <00> /U <00> >>"},
        trailer_extra=b"/Encrypt 5 0 R",
    )
    updated = incremental_update(pdf, {3: _page_objects()[3]})
    assert code(updated) == "encrypted"


def test_encrypt_added_by_an_incremental_update() -> None:
    pdf = incremental_update(
        classic_pdf(),
        {5: b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <00> /U <00> >>"},
        trailer_extra=b"/Encrypt 5 0 R",
    )
    assert code(pdf) == "encrypted"


def test_encrypt_in_a_trailer_that_cannot_be_tokenised() -> None:
    pdf = classic_pdf(trailer_extra=b"/Encrypt 5 0 R /Broken )")
    assert code(pdf) == "encrypted"


def test_encrypt_with_an_escaped_name_is_found() -> None:
    # /Encr#79pt is the name "Encrypt" written with a #xx escape (ISO 32000-1 §7.3.5).
    assert code(classic_pdf(trailer_extra=b"/Encr#79pt 5 0 R")) == "encrypted"


def test_encrypted_beats_damaged() -> None:
    pdf = reportlab_pdf(encrypt="secret")
    broken = re.sub(rb"startxref\n\d+", b"startxref\n7", pdf)
    assert code(broken) == "encrypted"


# --- restricted -----------------------------------------------------------------------------------

UR3 = b"/Perms << /UR3 5 0 R >>"
SIGNATURE = b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Contents <00> >>"


def test_usage_rights_in_the_catalog_are_restricted() -> None:
    problem = check_pdf(classic_pdf({**_page_objects(UR3), 5: SIGNATURE}), limits=LIMITS_2022)
    assert problem is not None and problem.code == "restricted"
    assert "Print to PDF" in problem.en and "PDFとして印刷" in problem.ja


def test_certification_signature_in_the_catalog_is_restricted() -> None:
    objects = {**_page_objects(b"/Perms << /DocMDP 5 0 R >>"), 5: SIGNATURE}
    assert code(classic_pdf(objects)) == "restricted"


def test_perms_by_reference_is_restricted() -> None:
    objects = {**_page_objects(b"/Perms 6 0 R"), 5: SIGNATURE, 6: b"<< /UR3 5 0 R >>"}
    assert code(classic_pdf(objects)) == "restricted"


def test_perms_in_a_compressed_catalog_is_restricted() -> None:
    objects = _page_objects(UR3)
    content = objects.pop(4)
    pdf = xref_stream_pdf({4: content, 5: SIGNATURE}, objects)
    assert b"/Perms" not in pdf
    assert code(pdf) == "restricted"


def test_perms_added_by_an_incremental_update() -> None:
    pdf = incremental_update(classic_pdf(), {1: _page_objects(UR3)[1], 5: SIGNATURE})
    assert code(pdf) == "restricted"


def test_catalog_found_when_the_root_is_not_object_1() -> None:
    objects = _page_objects(UR3)
    objects[7] = objects.pop(1)
    objects[5] = SIGNATURE
    assert code(classic_pdf(objects, root=b"/Root 7 0 R")) == "restricted"
    del objects[7]
    objects[7] = _page_objects()[1]
    assert code(classic_pdf(objects, root=b"/Root 7 0 R")) is None


def test_encrypted_and_restricted_reports_encrypted() -> None:
    objects = {
        **_page_objects(UR3),
        5: SIGNATURE,
        6: b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <00> /U <00> >>",
    }
    assert code(classic_pdf(objects, trailer_extra=b"/Encrypt 6 0 R")) == "encrypted"


# --- sizes, totals, counts ------------------------------------------------------------------------


def test_file_size_boundary_with_small_limits() -> None:
    pdf = classic_pdf()
    exact = UploadLimits(max_file_bytes=len(pdf), max_total_bytes=len(pdf), max_files=1)
    assert code(pdf, exact) is None
    one_less = UploadLimits(max_file_bytes=len(pdf) - 1, max_total_bytes=10 * len(pdf), max_files=1)
    assert code(pdf, one_less) == "too_large"


def test_pdf_of_size_is_exact_and_valid() -> None:
    for size in (2000, 2001, 4095, 100_000):
        pdf = pdf_of_size(size)
        assert len(pdf) == size
        assert code(pdf) is None


@pytest.mark.parametrize("limits", [LIMITS_2022, LIMITS_2026], ids=["2022", "2026"])
def test_real_limits_exactly_and_one_byte_over(limits: UploadLimits) -> None:
    at_limit = pdf_of_size(limits.max_file_bytes)
    assert check_pdf(at_limit, limits=limits) is None
    over = pdf_of_size(limits.max_file_bytes + 1)
    problem = check_pdf(over, limits=limits)
    assert problem is not None and problem.code == "too_large"
    limit_text = f"{limits.max_file_bytes // MiB} MB"
    assert limit_text in problem.ja and limit_text in problem.en
    # One byte over never reads as the limit itself.
    over_text = f"{limits.max_file_bytes // MiB}.1 MB"
    assert over_text in problem.ja and over_text in problem.en


def test_too_large_advice_depends_on_whether_files_can_be_split() -> None:
    big = pdf_of_size(3000)
    single = UploadLimits(max_file_bytes=2000, max_total_bytes=2000, max_files=1)
    several = UploadLimits(max_file_bytes=2000, max_total_bytes=5000, max_files=5)
    one = check_pdf(big, limits=single)
    many = check_pdf(big, limits=several)
    assert one is not None and many is not None
    assert "分けて" not in one.ja and "split" not in one.en
    assert "分けて" in many.ja and "split" in many.en
    assert "200dpi" in one.ja and "200 dpi" in one.en


def test_total_boundary() -> None:
    pdf = classic_pdf()
    limits = UploadLimits(max_file_bytes=len(pdf), max_total_bytes=3 * len(pdf), max_files=10)
    assert code(pdf, limits, already_uploaded_bytes=2 * len(pdf), already_uploaded_files=2) is None
    assert (
        code(pdf, limits, already_uploaded_bytes=2 * len(pdf) + 1, already_uploaded_files=2)
        == "total_too_large"
    )


def test_total_with_the_2026_limits() -> None:
    pdf = pdf_of_size(5 * MiB)
    assert code(pdf, LIMITS_2026, already_uploaded_bytes=20 * MiB, already_uploaded_files=4) is None
    problem = check_pdf(
        pdf, limits=LIMITS_2026, already_uploaded_bytes=20 * MiB + 1, already_uploaded_files=4
    )
    assert problem is not None and problem.code == "total_too_large"
    assert "25 MB" in problem.ja and "25 MB" in problem.en
    assert "20.1 MB" in problem.ja and "5 MB" in problem.en


def test_the_2022_rule_is_one_file() -> None:
    pdf = classic_pdf()
    assert code(pdf, LIMITS_2022, already_uploaded_files=0) is None
    problem = check_pdf(pdf, limits=LIMITS_2022, already_uploaded_bytes=len(pdf), already_uploaded_files=1)
    assert problem is not None and problem.code == "too_many_files"
    assert "1つのPDFにまとめ" in problem.ja and "single PDF" in problem.en


def test_the_2026_rule_is_twenty_files() -> None:
    pdf = classic_pdf()
    assert code(pdf, LIMITS_2026, already_uploaded_bytes=19 * len(pdf), already_uploaded_files=19) is None
    problem = check_pdf(
        pdf, limits=LIMITS_2026, already_uploaded_bytes=20 * len(pdf), already_uploaded_files=20
    )
    assert problem is not None and problem.code == "too_many_files"
    assert "20件" in problem.ja and "20 files" in problem.en


def test_negative_totals_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        check_pdf(classic_pdf(), limits=LIMITS_2022, already_uploaded_bytes=-1)
    with pytest.raises(ValueError, match="negative"):
        check_pdf(classic_pdf(), limits=LIMITS_2022, already_uploaded_files=-1)


# --- order and messages ---------------------------------------------------------------------------


def test_order_of_the_checks() -> None:
    tiny = UploadLimits(max_file_bytes=10, max_total_bytes=10, max_files=1)
    # No further file fits, whatever this one is.
    assert code(b"", tiny, already_uploaded_files=1) == "too_many_files"
    # Empty before anything about the contents.
    assert code(b"", tiny) == "empty"
    # A large image is first of all not a PDF.
    assert code(png_bytes() + b"\x00" * 100, tiny) == "not_pdf"
    # Too large before damaged, encrypted or restricted.
    assert code(reportlab_pdf()[:500], tiny) == "too_large"
    assert code(reportlab_pdf(encrypt="x"), tiny) == "too_large"
    # Per file before the total.
    assert code(classic_pdf(), tiny, already_uploaded_bytes=5) == "too_large"


def _all_problems() -> list[UploadProblem]:
    tiny = UploadLimits(max_file_bytes=100, max_total_bytes=100, max_files=2)
    cases = [
        check_pdf(b"x", limits=tiny, already_uploaded_files=2),
        check_pdf(b"x", limits=LIMITS_2022, already_uploaded_files=1),
        check_pdf(b"", limits=tiny),
        check_pdf(b"hello", limits=tiny),
        check_pdf(png_bytes(), limits=tiny),
        check_pdf(classic_pdf(), limits=tiny),
        check_pdf(b"%PDF-1.4\n%%EOF", limits=tiny, already_uploaded_bytes=90),
        check_pdf(reportlab_pdf(encrypt="x"), limits=ROOMY),
        check_pdf(b"%PDF-1.4\n", limits=tiny),
        check_pdf(classic_pdf({**_page_objects(UR3), 5: SIGNATURE}), limits=ROOMY),
    ]
    return [problem for problem in cases if problem is not None]


def test_every_code_has_clear_messages_in_both_languages() -> None:
    problems = _all_problems()
    assert {problem.code for problem in problems} == set(PROBLEM_CODES)
    for problem in problems:
        assert JAPANESE.search(problem.ja), problem
        assert problem.ja.endswith("。"), problem
        assert not JAPANESE.search(problem.en), problem
        assert problem.en.endswith("."), problem
        assert "  " not in problem.en and ",," not in problem.en, problem


def test_problems_are_immutable() -> None:
    problem = _all_problems()[0]
    with pytest.raises(AttributeError):
        problem.code = "other"  # type: ignore[misc]
