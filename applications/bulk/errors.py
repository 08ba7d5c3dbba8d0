"""What the importer says about a file: every message in Japanese and English side by side, as the
permission matrix's reasons are. An import keeps its errors in both languages (the error file
carries both; the page shows the reader's), so they are data here rather than gettext strings
rendered in whichever language happened to be active when the worker ran."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from applications.bulk.templates import COLUMN_BY_KEY


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as the user sees it in the file: the header is row 1; 0 means the file as a whole
    column: str  # the header key, or "" for the row or the file
    code: str
    ja: str
    en: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "ja": self.ja, "en": self.en}

    def text(self, language: str) -> str:
        return self.ja if language == "ja" else self.en


class ImportRefused(Exception):
    """The file cannot be read as a whole (encoding, format, header, size): no row was looked at."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.en for e in errors))
        self.errors = errors


# code → (ja, en); named %-placeholders.
MESSAGES: dict[str, tuple[str, str]] = {
    "BULK-FILE-TYPE": (
        "CSV（.csv）又は Excel（.xlsx）のファイルをアップロードしてください（ファイル名: %(name)s）。",
        "Upload a CSV (.csv) or Excel (.xlsx) file (got “%(name)s”).",
    ),
    "BULK-FILE-TOO-LARGE": (
        "ファイルが大きすぎます（%(size)s MB、上限 %(limit)s MB）。複数のファイルに分けてください。",
        "The file is too large (%(size)s MB; at most %(limit)s MB). Split it into several files.",
    ),
    "BULK-ENCODING": (
        "CSVファイルの文字コードが UTF-8 でも Shift_JIS（CP932）でもありません（%(position)d バイト目）。"
        "Excel では「CSV UTF-8（コンマ区切り）」で保存してください。",
        "The CSV file is neither UTF-8 nor Shift_JIS (cp932) text (unreadable at byte %(position)d). "
        "In Excel, save it as “CSV UTF-8 (Comma delimited)”.",
    ),
    "BULK-ENCODING-UTF16": (
        "CSVファイルが UTF-16 で保存されています。UTF-8 又は Shift_JIS で保存してください。",
        "The CSV file is saved as UTF-16 (Unicode text). Save it as UTF-8 or Shift_JIS.",
    ),
    "BULK-CSV-UNREADABLE": (
        "CSVとして読めません（%(detail)s）。",
        "The file cannot be read as CSV (%(detail)s).",
    ),
    "BULK-XLSX-UNREADABLE": (
        "Excel（.xlsx）ファイルとして読めません。Excel で開いて .xlsx 形式で保存し直してください。",
        "The file cannot be read as an Excel (.xlsx) workbook. Open it in Excel and save it as .xlsx again.",
    ),
    "BULK-EMPTY": (
        "ファイルが空です。1行目に列名（テンプレートの見出し）が必要です。",
        "The file is empty: row 1 must name the columns (the template's header).",
    ),
    "BULK-NO-ROWS": (
        "見出しの下に申請の行がありません。",
        "There are no application rows below the header.",
    ),
    "BULK-TOO-MANY-ROWS": (
        "行が多すぎます（%(limit)d 行まで）。複数のファイルに分けてください。",
        "Too many rows (at most %(limit)d). Split the file into several files.",
    ),
    "BULK-HEADER-UNKNOWN": (
        "不明な列です: “%(name)s”。%(procedure)s のテンプレートの列は次のとおりです: %(expected)s",
        "Unknown column “%(name)s”. The columns of the %(procedure_en)s template are: %(expected)s",
    ),
    "BULK-HEADER-MISSING": (
        "列 %(name)s がありません。%(procedure)s のテンプレートの列は次のとおりです: %(expected)s",
        "Column %(name)s is missing. The columns of the %(procedure_en)s template are: %(expected)s",
    ),
    "BULK-HEADER-DUPLICATE": (
        "列 %(name)s が2回以上あります。各列は1回だけにしてください。",
        "Column %(name)s appears more than once; give each column once.",
    ),
    "BULK-FORMULA": (
        "数式は使えません（“%(value)s”）。値だけを入力してください。=, +, @ 又は - と数字以外で始まるセルは数式とみなします。",
        "Formulas are not accepted (“%(value)s”): enter the value itself. A cell starting with =, +, @, or - "
        "followed by a non-digit is taken as a formula.",
    ),
    "BULK-PROFILE": ("%(ja)s", "%(en)s"),
    "BULK-REQUIRED": (
        "%(label_ja)s を入力してください（%(format_ja)s）。",
        "Required: enter the %(label_en)s (%(format_en)s).",
    ),
    "BULK-EMPLOYEE-REQUIRED": (
        "employee_id 又は residence_card_number で、外国人従業員名簿の従業員を指定してください。",
        "Give the employee_id or the residence_card_number of a foreign employee in your registry.",
    ),
    "BULK-EMPLOYEE-NOT-FILER": (
        "employee_id は所属機関の職員等が名簿の従業員を指定するための列です。空欄にしてください。",
        "employee_id picks an employee from an institution's registry, for institution-side filers only: "
        "leave it empty.",
    ),
    "BULK-EMPLOYEE-MISMATCH": (
        "employee_id %(id)s の在留カード番号は %(card)s ではありません。どちらかを直してください。",
        "Employee %(id)s does not hold residence card %(card)s: correct one of the two.",
    ),
    "BULK-INTEGER": (
        "整数で入力してください（値: “%(value)s”）。",
        "Expected a whole number (got “%(value)s”).",
    ),
    "BULK-DATE": (
        "%(label_ja)s は YYYY-MM-DD 形式の日付で入力してください（値: “%(value)s”）。",
        "The %(label_en)s must be a date YYYY-MM-DD (got “%(value)s”).",
    ),
    "BULK-DATE-FUTURE": (
        "%(label_ja)s が未来の日付です（%(value)s）。",
        "The %(label_en)s cannot be in the future (%(value)s).",
    ),
    "BULK-SEX": (
        "性別は M（男）又は F（女）で入力してください（値: “%(value)s”）。",
        "Sex must be M or F (got “%(value)s”).",
    ),
    "BULK-STATUS": (
        "在留資格のコードが不明です（値: “%(value)s”）。使えるコード: %(codes)s",
        "Unknown status-of-residence code “%(value)s”. Expected one of: %(codes)s",
    ),
    "BULK-NOTICE": (
        "告示番号として読めません（値: “%(value)s”）。例: 7, 33-2。使える番号: %(codes)s",
        "Not a 告示 notice number (got “%(value)s”); e.g. 7 or 33-2. Known numbers: %(codes)s",
    ),
    "BULK-NOTICE-STATUS": (
        "告示番号は在留資格が特定活動（designated_activities）の場合だけ記入します。",
        "A notice number is given only when the status is designated_activities.",
    ),
    "BULK-PREFECTURE": (
        "都道府県は JIS コード 01〜47 で入力してください（値: “%(value)s”）。例: 13（東京都）。",
        "The prefecture must be a JIS code 01–47 (got “%(value)s”), e.g. 13 for Tokyo.",
    ),
    "BULK-EMAIL": (
        "メールアドレスとして正しくありません（値: “%(value)s”）。",
        "Not a valid e-mail address (got “%(value)s”).",
    ),
    "BULK-CARD": (
        "在留カード番号は英字2桁・数字8桁・英字2桁です（例 AB12345678CD）（値: “%(value)s”）。",
        "A residence card number is 2 letters, 8 digits and 2 letters, e.g. AB12345678CD (got “%(value)s”).",
    ),
    "BULK-BOOLEAN": (
        "1（はい）又は 0・空欄（いいえ）で入力してください（値: “%(value)s”）。",
        "Expected 1 (yes) or 0 / empty (no) (got “%(value)s”).",
    ),
    "BULK-TOO-LONG": (
        "%(label_ja)s は %(limit)d 文字以内で入力してください（%(length)d 文字）。",
        "The %(label_en)s may have at most %(limit)d characters (got %(length)d).",
    ),
    "BULK-MY-NUMBER": (
        "個人番号（マイナンバー）と思われる12桁の数字があります。このシステムは個人番号を保存しません。削除してください。",
        "This looks like an individual number (My Number); this system never stores it. Remove it.",
    ),
    "BULK-REENTRY-MULTIPLE": (
        "reentry_multiple は with_reentry が 1 の行だけに指定できます。",
        "reentry_multiple applies only to rows with with_reentry 1.",
    ),
    "BULK-PERIOD-ENDED": (
        "在留期間が満了しています（%(value)s）。変更・更新は在留期間の満了前に申請します。",
        "The period of stay has ended (%(value)s); a change or extension is filed before it ends.",
    ),
    "BULK-DUPLICATE": (
        "同じ人の申請が %(other)d 行目にもあります。1人につき1行にしてください。",
        "The same person is on row %(other)d too; give each person one row.",
    ),
    "BULK-CHANGED": (
        "確認の後に状況が変わりました。もう一度アップロードして確認してください。",
        "Things changed since the check; upload the file again to check it.",
    ),
}


def error(row: int, column: str, code: str, **params: Any) -> RowError:
    ja, en = MESSAGES[code]
    column_spec = COLUMN_BY_KEY.get(column)
    if column_spec is not None:
        params.setdefault("label_ja", column_spec.label_ja)
        params.setdefault("label_en", column_spec.label_en)
        params.setdefault("format_ja", column_spec.format_ja)
        params.setdefault("format_en", column_spec.format_en)
    return RowError(row, column, code, ja % params, en % params)
