"""The application receipt (申請受付票): the receipt number (受付番号) of a residence application,
the foreign national's proof of a pending application (§7.3, §13 D8). A pure renderer.

For a change of status or an extension of stay filed before the period of stay ends, it cites
the special period of the Immigration Control Act (art. 20(6), applied to extensions by art.
21(4)): the foreign national may stay in the current status until the decision, or until two
months after the period of stay ends, whichever comes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Spacer  # type: ignore[import-untyped]

from reporting.pdf.common import (
    Frame,
    Row,
    both,
    build,
    date_en,
    date_text,
    notes,
    opening,
    p,
    particulars,
    styles,
)


@dataclass(frozen=True, slots=True)
class Labelled:
    ja: str
    en: str


@dataclass(frozen=True, slots=True)
class ApplicationReceipt:
    frame: Frame
    receipt_number: str  # 東オン2026-000123
    provisional_number: str
    received_on: date
    filed_on: date
    procedure: Labelled
    accompanying: tuple[Labelled, ...]  # re-entry / extra activity filed with it
    applicant_name: str
    nationality: str
    date_of_birth: date
    residence_card_number: str
    status_applied_for: Labelled
    current_status: Labelled | None
    period_of_stay_until: date | None
    filer_name: str
    filer_kind: Labelled
    institution_name: str = ""
    special_period: bool = False  # a change or extension filed within the period of stay


def application_receipt_pdf(r: ApplicationReceipt) -> bytes:
    f = r.frame
    lang = f.language

    def story() -> list[Any]:
        st = styles()
        flow = opening(f, st, [r.applicant_name])
        flow += both(
            "下記の在留申請を受け付けたことを証明します。この受付票は、申請が審査中であることの証明として"
            "御使用いただけます。審査の状況は、受付番号によりお問い合わせください。",
            "This certifies that the residence application below has been received. This receipt may be "
            "shown as proof that the application is pending. Quote the receipt number in any enquiry.",
            lang,
            st["body"],
            st["en"],
        )
        flow += [Spacer(1, 2 * mm), p("記", st["ki"]), Spacer(1, 2 * mm)]
        procedure_ja = "、".join([r.procedure.ja, *(a.ja for a in r.accompanying)])
        procedure_en = ", ".join([r.procedure.en, *(a.en for a in r.accompanying)])
        rows = [
            Row("受付番号", "Receipt number", r.receipt_number, key=True),
            Row("受付日", "Received on", date_text(r.received_on, "ja"), date_en(r.received_on)),
            Row("仮受付番号", "Provisional number", r.provisional_number),
            Row("申請日", "Filed on", date_text(r.filed_on, "ja"), date_en(r.filed_on)),
            Row("申請の種類", "Application", procedure_ja, procedure_en),
            Row("申請人", "Applicant", r.applicant_name),
            Row("国籍・地域", "Nationality", r.nationality),
            Row("生年月日", "Date of birth", date_text(r.date_of_birth, "ja"), date_en(r.date_of_birth)),
        ]
        if r.residence_card_number:
            rows.append(Row("在留カード番号", "Residence card number", r.residence_card_number))
        if r.current_status is not None:
            until = f"（{date_text(r.period_of_stay_until, 'ja')}まで）" if r.period_of_stay_until else ""
            until_en = f" (until {date_en(r.period_of_stay_until)})" if r.period_of_stay_until else ""
            rows.append(
                Row(
                    "現に有する在留資格",
                    "Current status",
                    f"{r.current_status.ja}{until}",
                    f"{r.current_status.en}{until_en}",
                )
            )
        rows.append(
            Row("希望する在留資格", "Status applied for", r.status_applied_for.ja, r.status_applied_for.en)
        )
        if r.institution_name:
            rows.append(Row("所属機関", "Institution", r.institution_name))
        rows.append(
            Row(
                "申請者",
                "Filed by",
                f"{r.filer_name}（{r.filer_kind.ja}）",
                f"{r.filer_name} ({r.filer_kind.en})",
            )
        )
        flow.append(particulars(rows, lang, st))
        flow.append(Spacer(1, 2 * mm))
        flow.append(p("以上", st["ijou"]))
        items = []
        if r.special_period:
            items.append(
                (
                    "在留期間の満了日までに申請した場合において、その満了日までに申請に対する処分がされない"
                    "ときは、処分がされる時又は在留期間の満了日から2か月が経過する日が終了する時のいずれか"
                    "早い時までの間は、引き続き現に有する在留資格をもって在留することができます"
                    "（出入国管理及び難民認定法第20条第6項、第21条第4項）。",
                    "If the application was filed before the period of stay ends and is not decided by then, "
                    "the applicant may keep staying with the current status until the decision or until two "
                    "months after the period of stay ends, whichever comes first (Immigration Control Act, "
                    "art. 20(6) and art. 21(4)).",
                )
            )
        items += [
            (
                "審査の結果は、申請者に電子メール及び本システムでお知らせします。",
                "The result is sent to the filer by e-mail and in the system.",
            ),
            (
                "この受付票は申請を受け付けたことを証明するものであり、許可を約束するものではありません。",
                "This receipt proves that the application was received; it does not promise permission.",
            ),
        ]
        flow += notes(items, lang, st)
        return flow

    return build(f, story, short_ja="申請受付票", short_en="Application receipt")
