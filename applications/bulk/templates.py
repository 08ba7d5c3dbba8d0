"""The bulk templates (一括申請テンプレート, §13 D9): one per principal procedure, as CSV and XLSX.

The columns are declared once, as the fields of a django-import-export resource
(``BulkApplicationResource``): the templates' headers come from it, the stock import that the
benchmark compares us with runs it, and the importer checks a file's header against it. Each
column's help (required or not, format, allowed codes) is plain data in both languages, because
the template carries Japanese and English side by side whatever the reader's language.

A CSV template has the header (English keys) and a help row whose first cell starts with ``#``;
the importer skips such rows. An XLSX template has the header on the sheet "applications" and the
help on the sheet "help" (plus the code lists on "codes")."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from import_export import fields, resources, widgets

from applications.models import Application
from applications.rules.catalogue import (
    NOTICES,
    PRINCIPALS_FOR_ACCOMPANYING,
    PROCEDURE_BY_CODE,
    STATUSES,
    Procedure,
    Scope,
)
from backoffice.accounts.jurisdiction_data import PREFECTURES
from backoffice.accounts.models import Prefecture
from institutions.models import ForeignEmployee

PRINCIPAL_PROCEDURES: tuple[Procedure, ...] = (
    Procedure.COE,
    Procedure.CHANGE,
    Procedure.EXTENSION,
    Procedure.ACQUISITION,
    Procedure.WORK_CERTIFICATE,
)
ACCOMPANYING_COLUMNS = ("with_reentry", "reentry_multiple", "with_extra_activity")
# A comment row (the CSV template's help row): its first cell starts with this and it is skipped.
COMMENT_MARK = "#"
DATA_SHEET = "applications"
HELP_SHEET = "help"
CODES_SHEET = "codes"

ONLINE_STATUS_CODES = tuple(s.code for s in STATUSES if s.scope is Scope.ONLINE)
NOTICE_CODES = tuple(n.code for n in NOTICES)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label_ja: str
    label_en: str
    required: str  # "yes", "no" or "depends" (the description says when)
    format_ja: str
    format_en: str
    help_ja: str
    help_en: str
    codes: str = ""


_YES_NO_JA = "1（はい）又は 0・空欄（いいえ）"
_YES_NO_EN = "1 (yes) or 0 / empty (no)"
_DATE_JA = "日付 YYYY-MM-DD（YYYY/MM/DD も可）"
_DATE_EN = "date YYYY-MM-DD (YYYY/MM/DD also accepted)"

COLUMNS: tuple[Column, ...] = (
    Column(
        "employee_id", "従業員ID", "employee ID", "depends", "整数", "whole number",
        "所属機関の職員等: 外国人従業員名簿のID（又は residence_card_number で指定）。名簿にある氏名・国籍・生年月日・"
        "在留資格・在留期間・在留カード番号は、空欄なら名簿から補います。弁護士・行政書士・本人等は空欄。",
        "Institution-side filers: the ID of the foreign employee in your registry (or give "
        "residence_card_number instead). Name, nationality, date of birth, current status, period of stay and "
        "card number left empty are taken from the registry. Lawyers, gyoseishoshi and individuals: leave empty.",
    ),
    Column(
        "residence_card_number", "在留カード番号", "residence card number", "depends",
        "英字2桁＋数字8桁＋英字2桁（例 AB12345678CD）", "2 letters, 8 digits, 2 letters (e.g. AB12345678CD)",
        "在留カードを持つ方は記入。所属機関の職員等は employee_id の代わりにこの番号で従業員を指定できます。"
        "認定証明書（coe）では空欄。",
        "For holders of a residence card. Institution-side filers may pick the employee by this number instead of "
        "employee_id. Leave empty for a Certificate of Eligibility (coe).",
    ),
    Column(
        "subject_name", "氏名（旅券どおり）", "name (as in passport)", "yes", "文字（150字以内）",
        "text (up to 150 characters)",
        "申請人の氏名（旅券の表記）。名簿の従業員なら空欄で名簿の氏名。",
        "The applicant's name as in the passport. For a registry employee, empty takes the registry's name.",
    ),
    Column(
        "nationality", "国籍・地域", "nationality", "yes", "文字（60字以内）", "text (up to 60 characters)",
        "国籍・地域。名簿の従業員なら空欄で名簿の値。",
        "Nationality or region. For a registry employee, empty takes the registry's value.",
    ),
    Column(
        "date_of_birth", "生年月日", "date of birth", "yes", _DATE_JA, _DATE_EN,
        "生年月日。名簿の従業員なら空欄で名簿の値。", "Date of birth. For a registry employee, empty takes the registry's value.",
    ),
    Column(
        "sex", "性別", "sex", "yes", "M（男）又は F（女）", "M (male) or F (female)", "性別。", "Sex.", codes="M, F"
    ),
    Column(
        "status", "申請する在留資格", "status of residence applied for", "yes", "在留資格コード",
        "status-of-residence code",
        "申請する在留資格のコード（シート codes 又は下記）。", "The code of the status applied for (sheet codes, or below).",
        codes=", ".join(ONLINE_STATUS_CODES),
    ),
    Column(
        "notice", "告示番号", "designated activities notice", "depends", "告示番号（例 7, 33-2）",
        "notice number (e.g. 7, 33-2)",
        "在留資格が特定活動（designated_activities）の場合だけ、告示番号を記入。それ以外は空欄。",
        "Only when the status is designated_activities: the 告示 number. Otherwise leave empty.",
        codes=", ".join(NOTICE_CODES),
    ),
    Column(
        "current_status", "現に有する在留資格", "current status of residence", "no", "在留資格コード",
        "status-of-residence code",
        "現在の在留資格のコード（認定証明書では空欄）。名簿の従業員なら空欄で名簿の値。",
        "The current status's code (empty for a Certificate of Eligibility). For a registry employee, empty "
        "takes the registry's value.",
        codes=", ".join(s.code for s in STATUSES),
    ),
    Column(
        "period_of_stay_until", "在留期間の満了日", "period of stay until", "depends", _DATE_JA, _DATE_EN,
        "在留期間の満了日。変更・更新では必須（満了日当日はオンライン申請不可）。名簿の従業員なら空欄で名簿の値。",
        "The last day of the current period of stay. Required for change and extension (nothing can be filed "
        "online on that day). For a registry employee, empty takes the registry's value.",
    ),
    Column(
        "prefecture", "居住地の都道府県", "prefecture of residence", "yes", "JISコード 01〜47（例 13 = 東京都）",
        "JIS code 01–47 (e.g. 13 = Tokyo)",
        "住居地の都道府県のJISコード。管轄の地方出入国在留管理局はここで決まります。",
        "The JIS code of the prefecture of residence; it decides the bureau with jurisdiction.",
        codes="01–47",
    ),
    Column(
        "address", "住居地", "address in Japan", "yes", "文字（300字以内）", "text (up to 300 characters)",
        "日本の住居地（都道府県から）。", "The address in Japan (from the prefecture on).",
    ),
    Column(
        "notification_email", "本人の通知用メールアドレス", "the foreign national's notification e-mail", "no",
        "メールアドレス", "e-mail address",
        "受付番号のメール（申請中であることの証明）は本人にも送られます。本人のアドレスを記入してください。",
        "The receipt-number e-mail (proof of a pending application) also goes here: give the foreign "
        "national's own address.",
    ),
    Column(
        "with_reentry", "再入国許可も申請", "with a re-entry permit", "no", _YES_NO_JA, _YES_NO_EN,
        "1 なら、この変更・更新・取得と同時に再入国許可を申請します。",
        "1 files a re-entry permit together with this change, extension or acquisition.",
        codes="1, 0",
    ),
    Column(
        "reentry_multiple", "数次再入国", "multiple re-entry", "no", _YES_NO_JA, _YES_NO_EN,
        "再入国許可を数次で申請する場合は 1（with_reentry が 1 の行だけ）。",
        "1 for a multiple re-entry permit (only on rows with with_reentry 1).",
        codes="1, 0",
    ),
    Column(
        "with_extra_activity", "資格外活動許可も申請", "with extra-activity permission", "no", _YES_NO_JA,
        _YES_NO_EN,
        "1 なら、この変更・更新・取得と同時に資格外活動許可を申請します。",
        "1 files permission for activity outside the status together with this change, extension or acquisition.",
        codes="1, 0",
    ),
    Column(
        "subject_unable", "本人が申請できない", "cannot apply personally", "no", _YES_NO_JA, _YES_NO_EN,
        "親族が申請する場合: 本人が疾病その他の事由により自ら申請できないときは 1（※3）。",
        "When a relative files: 1 if the person cannot apply personally because of illness or another reason (※3).",
        codes="1, 0",
    ),
    Column(
        "family_in_japan", "親族が本邦に居住", "the relative lives in Japan", "depends", _YES_NO_JA, _YES_NO_EN,
        "親族が認定証明書を申請する場合は必須: 申請する親族が日本に住んでいれば 1、いなければ 0（※2）。",
        "Required when a relative files a Certificate of Eligibility: 1 if you (the relative) live in Japan, 0 if "
        "not (※2).",
        codes="1, 0",
    ),
)  # fmt: skip
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

_REQUIRED = {
    "yes": ("必須", "Required"),
    "no": ("任意", "Optional"),
    "depends": ("条件付き", "Depends"),
}


def _principal(procedure: Procedure | str) -> Procedure:
    value = Procedure(procedure)
    if value not in PRINCIPAL_PROCEDURES:
        raise ValueError(f"no bulk template for {value}: re-entry and extra activity are columns")
    return value


class BulkApplicationResource(resources.ModelResource):  # type: ignore[misc]
    """The template's columns, declared as import-export fields of an application.

    ``BulkApplicationResource(procedure)`` drops the re-entry and extra-activity columns for the
    procedures they cannot go with. Our importer reads files itself (streaming, no query per row);
    the benchmark runs this resource through import-export's own ``import_data`` to compare."""

    employee_id = fields.Field(
        attribute="employee", column_name="employee_id", widget=widgets.ForeignKeyWidget(ForeignEmployee)
    )
    residence_card_number = fields.Field(
        attribute="residence_card_number", column_name="residence_card_number"
    )
    subject_name = fields.Field(attribute="subject_name", column_name="subject_name")
    nationality = fields.Field(attribute="nationality", column_name="nationality")
    date_of_birth = fields.Field(
        attribute="date_of_birth", column_name="date_of_birth", widget=widgets.DateWidget("%Y-%m-%d")
    )
    sex = fields.Field(attribute="sex", column_name="sex")
    status = fields.Field(attribute="status", column_name="status")
    notice = fields.Field(attribute="notice", column_name="notice")
    current_status = fields.Field(attribute="current_status", column_name="current_status")
    period_of_stay_until = fields.Field(
        attribute="period_of_stay_until",
        column_name="period_of_stay_until",
        widget=widgets.DateWidget("%Y-%m-%d"),
    )
    prefecture = fields.Field(
        attribute="prefecture", column_name="prefecture", widget=widgets.ForeignKeyWidget(Prefecture, "code")
    )
    address = fields.Field(attribute="address", column_name="address")
    notification_email = fields.Field(attribute="notification_email", column_name="notification_email")
    # Not fields of the application itself: they become applications of their own, linked to it.
    with_reentry = fields.Field(column_name="with_reentry", widget=widgets.BooleanWidget())
    reentry_multiple = fields.Field(column_name="reentry_multiple", widget=widgets.BooleanWidget())
    with_extra_activity = fields.Field(column_name="with_extra_activity", widget=widgets.BooleanWidget())
    subject_unable = fields.Field(
        attribute="subject_unable", column_name="subject_unable", widget=widgets.BooleanWidget()
    )
    family_in_japan = fields.Field(
        attribute="family_in_japan", column_name="family_in_japan", widget=widgets.BooleanWidget()
    )

    class Meta:
        model = Application
        fields = tuple(c.key for c in COLUMNS)
        import_id_fields = ()

    def __init__(self, procedure: Procedure | str = Procedure.EXTENSION) -> None:
        super().__init__()
        self.procedure = _principal(procedure)
        if self.procedure not in PRINCIPALS_FOR_ACCOMPANYING:
            for key in ACCOMPANYING_COLUMNS:
                del self.fields[key]

    def columns(self) -> list[str]:
        return [str(h) for h in self.get_export_headers()]


def columns_for(procedure: Procedure | str) -> list[str]:
    """The header keys of the procedure's template, in order."""
    return BulkApplicationResource(procedure).columns()


def column_help(column: Column, language: str) -> tuple[str, str, str, str]:
    """(required, format, codes, description) in one language, for pages."""
    ja = language == "ja"
    required = _REQUIRED[column.required][0 if ja else 1]
    return (
        required,
        column.format_ja if ja else column.format_en,
        column.codes,
        column.help_ja if ja else column.help_en,
    )


def _help_cell(column: Column) -> str:
    req_ja, req_en = _REQUIRED[column.required]
    codes = f"［{column.codes}］" if column.codes else ""
    return (
        f"{req_ja}・{column.format_ja}{codes}：{column.help_ja} / "
        f"{req_en}; {column.format_en}{' [' + column.codes + ']' if column.codes else ''}: {column.help_en}"
    )


def _title(procedure: Procedure) -> str:
    entry = PROCEDURE_BY_CODE[procedure]
    return f"{entry.ja} / {entry.en}"


def template_csv(procedure: Procedure | str) -> bytes:
    """UTF-8 with BOM (Excel on Japanese Windows reads it as UTF-8 only with the BOM): the header and
    one help row, whose first cell starts with ``#`` so that an upload of the template as it is
    finds the help row skipped and no application in it."""
    keys = columns_for(procedure)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(keys)
    help_row = [_help_cell(COLUMN_BY_KEY[k]) for k in keys]
    help_row[0] = f"{COMMENT_MARK} {help_row[0]}"
    writer.writerow(help_row)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(procedure: Procedure | str) -> bytes:
    """The sheet "applications" with the header, "help" describing every column in Japanese and
    English, and "codes" with the statuses, notices and prefectures."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    value = _principal(procedure)
    keys = columns_for(value)
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append(keys)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 4)
    # No cell formats: the importer takes numbers and dates as Excel stores them (13 → "13",
    # 1 → "01" for a prefecture, a date cell as the date).
    sheet.freeze_panes = "A2"

    helps = book.create_sheet(HELP_SHEET)
    helps.append([_title(value)])
    helps.append(
        [
            "列 / column",
            "項目 / field",
            "必須 / required",
            "形式 / format",
            "使えるコード / allowed codes",
            "説明",
            "description",
        ]
    )
    for key in keys:
        c = COLUMN_BY_KEY[key]
        req_ja, req_en = _REQUIRED[c.required]
        helps.append(
            [
                c.key,
                f"{c.label_ja} / {c.label_en}",
                f"{req_ja} / {req_en}",
                f"{c.format_ja} / {c.format_en}",
                c.codes,
                c.help_ja,
                c.help_en,
            ]
        )
    helps.append([])
    helps.append(
        [
            "注意 / notes",
            "数式は使えません（=, +, @ 又は - と数字以外で始まるセルは拒否）。申請は下書きとして作成され、書類を添付して"
            "申請画面から提出します。 / Formulas are refused (a cell starting with =, +, @, or - followed by a "
            "non-digit). Applications are created as drafts: attach the documents and submit on the application pages.",
        ]
    )
    for cell in helps[2]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (22, 30, 18, 34, 40, 60, 60), strict=True):
        helps.column_dimensions[letter].width = width
    for row in helps.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    codes = book.create_sheet(CODES_SHEET)
    codes.append(["status / current_status", "在留資格", "status of residence", "online"])
    for s in STATUSES:
        codes.append([s.code, s.ja, s.en, "○" if s.scope is Scope.ONLINE else "×"])
    codes.append([])
    codes.append(["notice", "告示", "notice"])
    for n in NOTICES:
        codes.append([n.code, n.ja, n.en])
    codes.append([])
    codes.append(["prefecture", "都道府県", "prefecture"])
    for code, name_ja, name_en, _bureau in PREFECTURES:
        codes.append([code, name_ja, name_en])
    for letter, width in zip("ABCD", (36, 40, 56, 8), strict=True):
        codes.column_dimensions[letter].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_file(procedure: Procedure | str, file_format: str) -> tuple[bytes, str, str]:
    """(content, file name, content type)."""
    value = _principal(procedure)
    if file_format == "csv":
        return template_csv(value), f"zairyu-bulk-{value.value}.csv", "text/csv; charset=utf-8"
    if file_format == "xlsx":
        return (
            template_xlsx(value),
            f"zairyu-bulk-{value.value}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise ValueError(file_format)
