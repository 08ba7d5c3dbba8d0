"""Labels on the figures: the sections that the page, the CSV and the monthly PDF show.

One function, :func:`sections`, turns :class:`~reporting.statistics.MonthlyFigures` into
titled tables with their charts. The page and the CSV call it in the reader's language; the
PDF calls it with ``bilingual=True`` and gets Japanese labels followed by the English ones
(the report's fixed wording, like the pledge's, whatever the reader's language).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from applications.models import ApplicationState, ProcedureChoice
from reporting import charts
from reporting import statistics as st
from usage_requests.models import RequestKind, RequestState

TITLES: dict[str, tuple[str, Any]] = {
    "requests_by_kind": ("利用申出の受付（種別）", _("Usage requests received, by kind")),
    "requests_by_category": ("利用申出の受付（カテゴリー）", _("Usage requests received, by category")),
    "requests_by_outcome": ("利用申出の処理結果", _("Usage requests decided or withdrawn, by outcome")),
    "lead_time": ("審査期間（目標：5営業日以内）", _("Review lead time (target: 5 business days)")),
    "lead_time_distribution": ("審査期間の分布（営業日）", _("Review lead time in business days")),
    "auth_ids": ("認証IDの状況（月末時点）", _("Authentication IDs at the end of the month")),
    "applications_by_procedure": ("在留申請（申請種別）", _("Residence applications filed, by procedure")),
    "applications_by_state": ("在留申請（現在の状態）", _("Residence applications filed, by state now")),
    "supplements": ("追完（補正）", _("Supplements (追完)")),
}

COLUMNS: dict[str, tuple[str, Any]] = {
    "count": ("件数", _("Count")),
    "value": ("値", _("Value")),
    "filed": ("申請", _("Filed")),
    "supplemented": ("追完あり", _("With a supplement request")),
    "supplement_rate_pct": ("追完率", _("Supplement rate")),
}

ROWS: dict[str, tuple[str, Any]] = {
    "total": ("合計", _("Total")),
    "category:1": ("カテゴリー1", _("Category 1")),
    "category:2": ("カテゴリー2", _("Category 2")),
    "category:3": ("カテゴリー3", _("Category 3")),
    "category:4": ("カテゴリー4", _("Category 4")),
    "decided": ("処理件数（承認・不承認）", _("Decided (approved or rejected)")),
    "within_target": ("目標内", _("Within the target")),
    "over_target": ("目標超過", _("Over the target")),
    "within_target_pct": ("目標内の割合", _("Share within the target")),
    "median_days": ("中央値（営業日）", _("Median (business days)")),
    "p90_days": ("90パーセンタイル（営業日）", _("90th percentile (business days)")),
    "target_days": ("目標（営業日）", _("Target (business days)")),
    "lead:0-5": ("0〜5営業日", _("0–5 business days")),
    "lead:6-10": ("6〜10営業日", _("6–10 business days")),
    "lead:11-20": ("11〜20営業日", _("11–20 business days")),
    "lead:21+": ("21営業日以上", _("21 business days or more")),
    "active": ("有効（残り60日超）", _("Active (more than 60 days left)")),
    "expiring": ("60日以内に期限切れ", _("Expiring within 60 days")),
    "expired": ("期限切れ", _("Expired")),
    "suspended": ("停止中", _("Suspended")),
    "revoked": ("抹消済み", _("Revoked (抹消)")),
    "awaiting_password": ("パスワード設定待ち", _("Awaiting password")),
    "filed": ("申請件数", _("Applications filed")),
    "supplemented": ("追完を求めた申請", _("Applications with a supplement request")),
    "supplement_rate_pct": ("追完率", _("Supplement rate")),
    "requests_issued": ("当月の追完要求数", _("Supplement requests issued in the month")),
    # Choices of the models, in Japanese for the PDF (their English labels are the models').
    "kind:new": ("新規利用申出", RequestKind.NEW.label),
    "kind:additional": ("追加利用申出", RequestKind.ADDITIONAL.label),
    "kind:periodic_report": ("定期報告", RequestKind.PERIODIC_REPORT.label),
    "outcome:approved": ("承認", RequestState.APPROVED.label),
    "outcome:rejected": ("不承認", RequestState.REJECTED.label),
    "outcome:withdrawn": ("取下げ", RequestState.WITHDRAWN.label),
    "procedure:coe": ("在留資格認定証明書交付", ProcedureChoice.COE.label),
    "procedure:change": ("在留資格変更", ProcedureChoice.CHANGE.label),
    "procedure:extension": ("在留期間更新", ProcedureChoice.EXTENSION.label),
    "procedure:acquisition": ("在留資格取得", ProcedureChoice.ACQUISITION.label),
    "procedure:work_certificate": ("就労資格証明書交付", ProcedureChoice.WORK_CERTIFICATE.label),
    "procedure:reentry": ("再入国許可", ProcedureChoice.REENTRY.label),
    "procedure:extra_activity": ("資格外活動許可", ProcedureChoice.EXTRA_ACTIVITY.label),
    "state:submitted": ("申請完了", ApplicationState.SUBMITTED.label),
    "state:received": ("受付", ApplicationState.RECEIVED.label),
    "state:under_examination": ("審査中", ApplicationState.UNDER_EXAMINATION.label),
    "state:awaiting_supplement": ("追完待ち", ApplicationState.AWAITING_SUPPLEMENT.label),
    "state:granted": ("許可", ApplicationState.GRANTED.label),
    "state:denied": ("不許可", ApplicationState.DENIED.label),
    "state:awaiting_issue": ("発行待ち", ApplicationState.AWAITING_ISSUE.label),
    "state:completed": ("完了", ApplicationState.COMPLETED.label),
    "state:withdrawn": ("取下げ", ApplicationState.WITHDRAWN.label),
}

# Which label family a table's row keys belong to.
_ROW_PREFIX = {
    "requests_by_kind": "kind:",
    "requests_by_category": "category:",
    "requests_by_outcome": "outcome:",
    "lead_time_distribution": "lead:",
    "applications_by_procedure": "procedure:",
    "applications_by_state": "state:",
}
_PERCENT = {"within_target_pct", "supplement_rate_pct"}
_DAYS = {"median_days", "p90_days", "target_days"}
# "(新規利用申出)" at the end of an English choice label: the PDF prints the Japanese first anyway.
_TRAILING_JAPANESE = re.compile(r"\s*[(（][^()（）]*[\u3000-\u9fff][^()（）]*[)）]\s*$")


@dataclass(frozen=True, slots=True)
class SectionRow:
    key: str
    label: str
    values: tuple[st.Number, ...]
    display: tuple[str, ...]
    is_total: bool

    @property
    def cells(self) -> tuple[tuple[st.Number, str], ...]:
        """(value, as printed) per column: the page shows the second and keeps the first."""
        return tuple(zip(self.values, self.display, strict=True))


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[SectionRow, ...]
    chart: charts.BarChart | None


def _label(pair: tuple[str, Any], bilingual: bool) -> str:
    ja, english = pair
    if not bilingual:
        return str(english)
    with translation.override("en"):
        en = _TRAILING_JAPANESE.sub("", str(english))
    return ja if en == ja else f"{ja} / {en}"


def row_label(table: str, row: str, *, bilingual: bool = False) -> str:
    pair = ROWS.get(f"{_ROW_PREFIX.get(table, '')}{row}") or ROWS.get(row)
    return _label(pair, bilingual) if pair else row


def display(value: st.Number, *, column: str, row: str) -> str:
    if value is None:
        return "—"
    if column in _PERCENT or row in _PERCENT:
        return f"{value:.1f} %"
    if row in _DAYS:
        return f"{value:g}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _tone(table: str, row: str) -> charts.Tone:
    if table == "lead_time_distribution":
        return "ok" if row == st.LEAD_TIME_BUCKETS[0][0] else "warn"
    return "normal"


def sections(figures: st.MonthlyFigures, *, bilingual: bool = False) -> list[Section]:
    """The figures with their titles, column headers, row labels, printed values and charts."""
    built = []
    for table in figures.tables:
        title = _label(TITLES[table.key], bilingual)
        columns = tuple(_label(COLUMNS[c], bilingual) for c in table.columns)
        rows = tuple(
            SectionRow(
                key=row.key,
                label=row_label(table.key, row.key, bilingual=bilingual),
                values=row.values,
                display=tuple(
                    display(v, column=c, row=row.key) for v, c in zip(row.values, table.columns, strict=True)
                ),
                is_total=row.key == "total",
            )
            for row in table.rows
        )
        chart = None
        if table.chart is not None:
            index = table.columns.index(table.chart)
            bars = tuple(
                charts.Bar(
                    label=row.label,
                    value=float(row.values[index] or 0),
                    display=row.display[index],
                    tone=_tone(table.key, row.key),
                )
                for row in rows
                if not row.is_total
            )
            chart = charts.BarChart(
                key=table.key.replace("_", "-"),
                title=title,
                description="; ".join(f"{bar.label}: {bar.display}" for bar in bars),
                bars=bars,
            )
        built.append(Section(key=table.key, title=title, columns=columns, rows=rows, chart=chart))
    return built


CSV_HEADER = ["section", "row", "label", "value", "value_2", "value_3"]


def csv_rows(figures: st.MonthlyFigures) -> list[list[Any]]:
    """The CSV's rows after :data:`CSV_HEADER`: section, row key, label, then the table's values.

    The file opens with the month, the bureau and the snapshot day; each table starts with a
    row naming its columns (row "#columns"), so every number says what it is."""
    out: list[list[Any]] = [
        ["report", "month", str(_("Month")), figures.month.strftime("%Y-%m")],
        ["report", "bureau", str(_("Bureau")), figures.bureau or "all"],
        ["report", "as_of", str(_("Authentication IDs as of")), figures.as_of.isoformat()],
    ]
    for section in sections(figures):
        out.append([section.key, "#columns", section.title, *section.columns])
        for row in section.rows:
            out.append([section.key, row.key, row.label, *("" if v is None else v for v in row.values)])
    return out
