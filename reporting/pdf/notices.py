"""The notices of the usage-request lifecycle (利用申出), each a pure renderer:

- approval notice (利用承認通知書) with the authentication ID, to the filer;
- rejection notice (利用不承認通知書) with the reasons and every requirement that fails, explained;
- revocation notice (認証ID抹消通知書);
- periodic-report acceptance (定期報告受理通知書) with the IDs whose validity was extended.

Wording: ours, in the style of ISA notices (domain.md §5.3–5.6, §13 D1–D4); the official forms
were not reachable. In English mode the English under each part is a translation for reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import KeepTogether, Spacer  # type: ignore[import-untyped]

from reporting.pdf.common import (
    FRAME_WIDTH,
    Frame,
    Language,
    Row,
    both,
    build,
    date_en,
    date_text,
    grid,
    notes,
    opening,
    p,
    particulars,
    styles,
)


@dataclass(frozen=True, slots=True)
class RequestParticulars:
    """The usage request a notice answers."""

    number: str  # UR-000012
    kind_ja: str  # 新規利用申出
    kind_en: str
    institution_name: str
    filer_name: str
    submitted_on: date | None
    ruleset: str  # R2022
    acting_for_name: str = ""  # the support organisation / public-interest corporation filing


def _request_rows(r: RequestParticulars, language: Language) -> list[Row]:
    rows = [
        Row("申出番号", "Request number", r.number),
        Row("申出の種別", "Kind of request", r.kind_ja, r.kind_en),
        Row("所属機関", "Institution", r.institution_name),
    ]
    if r.acting_for_name:
        rows.append(Row("経由機関", "Filed through", r.acting_for_name))
    rows += [
        Row("申出人", "Filed by", r.filer_name),
        Row("申出日", "Filed on", date_text(r.submitted_on, "ja"), _en_date(r.submitted_on)),
    ]
    return rows


def _en_date(day: date | None) -> str:
    return date_en(day) if day else ""


def _addressee(r: RequestParticulars) -> list[str]:
    via = f"（{r.acting_for_name} 経由）" if r.acting_for_name else ""
    return [f"{r.institution_name}{via}", r.filer_name]


def _submitted(r: RequestParticulars, language: Language) -> tuple[str, str]:
    if r.submitted_on is None:
        return "", ""
    return f"{date_text(r.submitted_on, 'ja')}付けで", f" of {date_en(r.submitted_on)}"


# --- approval ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApprovalNotice:
    frame: Frame
    request: RequestParticulars
    approved_on: date
    auth_id: str  # displayed: ABCD-EFGH-JKLM
    holder_name: str
    validity_years: int
    valid_until: date | None  # None until the holder sets the password
    password_link_hours: int


def approval_notice_pdf(n: ApprovalNotice) -> bytes:
    f, r = n.frame, n.request
    lang = f.language

    def story() -> list[Any]:
        st = styles()
        flow = opening(f, st, _addressee(r))
        when_ja, when_en = _submitted(r, lang)
        flow += both(
            f"{when_ja}申出のあった在留申請オンラインシステムの利用について、下記のとおり承認したので、"
            "認証IDを通知します。",
            f"Your request{when_en} to use the online residence-application system is approved, and "
            "your authentication ID is given below.",
            lang,
            st["body"],
            st["en"],
        )
        flow += [Spacer(1, 2 * mm), p("記", st["ki"]), Spacer(1, 2 * mm)]
        if n.valid_until is not None:
            validity_ja = f"{date_text(n.valid_until, 'ja')}まで"
            validity_en = f"Until {date_en(n.valid_until)}"
        else:
            validity_ja = f"初回パスワードを設定した日から{n.validity_years}年間"
            validity_en = f"{n.validity_years} year(s) from the day the first password is set"
        rows = [
            Row("認証ID", "Authentication ID", n.auth_id, key=True),
            Row("利用者", "User", n.holder_name),
            Row("有効期間", "Valid", validity_ja, validity_en),
            Row("承認日", "Approved on", date_text(n.approved_on, "ja"), date_en(n.approved_on)),
            *_request_rows(r, lang),
            Row("適用基準", "Rule set", r.ruleset),
        ]
        flow.append(particulars(rows, lang, st))
        flow.append(Spacer(1, 2 * mm))
        flow.append(p("以上", st["ijou"]))
        flow += notes(
            [
                (
                    "初回パスワードは、別途電子メールでお送りする設定用リンクから"
                    f"{n.password_link_hours}時間以内に設定してください。期限を過ぎたときは、"
                    "地方出入国在留管理局に再発行を申し出てください。",
                    f"Set the first password within {n.password_link_hours} hours through the link sent "
                    "to you by e-mail. If it has expired, ask the regional bureau for a new one.",
                ),
                (
                    "認証ID及びパスワードは、利用者本人が管理し、他人に使用させ、又は知らせないでください。",
                    "The user keeps the ID and password and must not let anyone else use or learn them.",
                ),
                (
                    "有効期間を更新するには、有効期間の満了日の2か月前から1か月前までの間に定期報告を"
                    "行ってください。",
                    "To renew the validity, file a periodic report between two months and one month "
                    "before it ends.",
                ),
                (
                    "離職等により利用しなくなったときは、速やかに認証IDの抹消を申し出てください。",
                    "When the user stops using the system (for example on leaving the job), ask for the "
                    "ID to be revoked at once.",
                ),
            ],
            lang,
            st,
        )
        return flow

    return build(f, story, short_ja="利用承認通知書", short_en="Approval notice", author=r.institution_name)


# --- rejection -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FailedRequirement:
    code: str  # REQ-CONVICTION-5Y
    title_ja: str
    title_en: str
    explanation_ja: str
    explanation_en: str
    settled_reason: str = ""  # the reviewer's reason, when a needs-review item was decided as failing


@dataclass(frozen=True, slots=True)
class RejectionNotice:
    frame: Frame
    request: RequestParticulars
    decided_on: date
    reason: str  # the deciding reviewer's reasons, as written
    failed: tuple[FailedRequirement, ...]


def rejection_notice_pdf(n: RejectionNotice) -> bytes:
    f, r = n.frame, n.request
    lang = f.language

    def story() -> list[Any]:
        st = styles()
        flow = opening(f, st, _addressee(r))
        when_ja, when_en = _submitted(r, lang)
        flow += both(
            f"{when_ja}申出のあった在留申請オンラインシステムの利用について、審査の結果、下記の理由により"
            "承認しないこととしたので通知します。",
            f"Your request{when_en} to use the online residence-application system has been examined "
            "and is not approved, for the reasons below.",
            lang,
            st["body"],
            st["en"],
        )
        flow += [Spacer(1, 2 * mm), p("記", st["ki"]), Spacer(1, 2 * mm)]
        rows = [
            *_request_rows(r, lang),
            Row("決定日", "Decided on", date_text(n.decided_on, "ja"), date_en(n.decided_on)),
            Row("適用基準", "Rule set", r.ruleset),
        ]
        flow.append(particulars(rows, lang, st))
        flow.append(Spacer(1, 4 * mm))
        flow += both("1　理由", "1. Reasons", lang, st["heading"], st["heading_en"])
        flow.append(p(n.reason or "—", st["body"]))
        flow.append(Spacer(1, 4 * mm))
        flow += both("2　満たさない要件", "2. Requirements not met", lang, st["heading"], st["heading_en"])
        if n.failed:
            rows_out = []
            for item in n.failed:
                requirement = [
                    p(item.code, st["mono"]),
                    *both(item.title_ja, item.title_en, lang, st["cell"], st["cell_en"]),
                ]
                why = both(item.explanation_ja, item.explanation_en, lang, st["cell"], st["cell_en"])
                if item.settled_reason:
                    why += both(
                        f"審査官の判断：{item.settled_reason}",
                        f"Reviewer's decision: {item.settled_reason}",
                        "ja",
                        st["cell"],
                        st["cell_en"],
                    )
                rows_out.append([requirement, why])
            flow.append(
                grid(
                    [("要件", "Requirement"), ("判断の理由", "Why it is not met")],
                    rows_out,
                    [58 * mm, FRAME_WIDTH - 58 * mm],
                    lang,
                    st,
                )
            )
        else:
            flow += both(
                "審査基準の各要件は満たされていますが、上記1の理由により承認しないこととしました。",
                "Each requirement of the rule set is met; the request is not approved for the reasons in 1.",
                lang,
                st["body"],
                st["en"],
            )
        flow.append(Spacer(1, 2 * mm))
        flow.append(p("以上", st["ijou"]))
        flow += notes(
            [
                (
                    "要件を満たすこととなったときは、改めて利用申出を行うことができます。",
                    "Once the requirements are met, you may file a new usage request.",
                ),
                (
                    "この通知の内容についての問合せは、上記の地方出入国在留管理局にしてください。",
                    "Address questions about this notice to the regional bureau named above.",
                ),
            ],
            lang,
            st,
        )
        return flow

    return build(
        f, story, short_ja="利用不承認通知書", short_en="Rejection notice", author=r.institution_name
    )


# --- revocation ----------------------------------------------------------------------------------

REVOCATION_REASONS: dict[str, tuple[str, str]] = {
    "own_request": ("本人又は所属機関からの申出による抹消", "At the holder's or institution's request"),
    "sanction": ("不適正な利用等による抹消（処分）", "Sanction (improper use or another breach)"),
    "superseded": ("新たな認証IDの発行に伴う抹消", "Replaced by a new authentication ID"),
}


@dataclass(frozen=True, slots=True)
class RevocationNotice:
    frame: Frame
    auth_id: str  # displayed
    holder_name: str
    institution_name: str
    request_number: str  # the usage request the ID was issued on
    revoked_on: date
    reason: str  # a key of REVOCATION_REASONS
    note: str
    cooldown_until: date | None  # a sanction: no new usage request through this day

    def __post_init__(self) -> None:
        if self.reason not in REVOCATION_REASONS:
            raise ValueError(f"unknown revocation reason {self.reason!r}")


def revocation_notice_pdf(n: RevocationNotice) -> bytes:
    f = n.frame
    lang = f.language
    reason_ja, reason_en = REVOCATION_REASONS[n.reason]

    def story() -> list[Any]:
        st = styles()
        flow = opening(f, st, [n.institution_name, n.holder_name])
        flow += both(
            "下記の認証IDを抹消したので通知します。抹消の日以後、この認証IDでは在留申請オンラインシステムを"
            "利用することはできません。",
            "The authentication ID below has been revoked (抹消). From the day of revocation it can no "
            "longer be used to log in to the online residence-application system.",
            lang,
            st["body"],
            st["en"],
        )
        flow += [Spacer(1, 2 * mm), p("記", st["ki"]), Spacer(1, 2 * mm)]
        rows = [
            Row("認証ID", "Authentication ID", n.auth_id, key=True),
            Row("利用者", "User", n.holder_name),
            Row("所属機関", "Institution", n.institution_name),
            Row("利用申出番号", "Usage request", n.request_number),
            Row("抹消日", "Revoked on", date_text(n.revoked_on, "ja"), date_en(n.revoked_on)),
            Row("抹消の理由", "Reason", reason_ja, reason_en),
            Row("内容", "Details", n.note),
        ]
        flow.append(particulars(rows, lang, st))
        if n.cooldown_until is not None:
            flow.append(Spacer(1, 4 * mm))
            flow.append(
                KeepTogether(
                    both(
                        f"処分による抹消のため、抹消の日の翌日から起算して1年間（{date_text(n.cooldown_until, 'ja')}"
                        "まで）は、この利用者による新たな利用申出は承認されません。",
                        "Because the ID was revoked as a sanction, no new usage request by this user is "
                        f"approved for one year after the revocation (through {date_en(n.cooldown_until)}).",
                        lang,
                        st["alert"],
                        st["en"],
                    )
                )
            )
        flow.append(Spacer(1, 2 * mm))
        flow.append(p("以上", st["ijou"]))
        return flow

    return build(
        f, story, short_ja="認証ID抹消通知書", short_en="Revocation notice", author=n.institution_name
    )


# --- periodic report -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtendedId:
    auth_id: str  # displayed
    holder_name: str
    valid_until: date  # after the extension


@dataclass(frozen=True, slots=True)
class PeriodicReportAcceptance:
    frame: Frame
    request: RequestParticulars
    accepted_on: date
    validity_years: int
    extended: tuple[ExtendedId, ...]


def periodic_report_acceptance_pdf(n: PeriodicReportAcceptance) -> bytes:
    f, r = n.frame, n.request
    lang = f.language

    def story() -> list[Any]:
        st = styles()
        flow = opening(f, st, _addressee(r))
        when_ja, when_en = _submitted(r, lang)
        flow += both(
            f"{when_ja}提出のあった定期報告を受理し、下記の認証IDの有効期間を{n.validity_years}年間延長"
            "したので通知します。延長後の有効期間は、従前の有効期間の満了日の翌日から起算します。",
            f"Your periodic report{when_en} is accepted, and the validity of the authentication IDs "
            f"below is extended by {n.validity_years} year(s), counted from the day after each ID's "
            "current expiry.",
            lang,
            st["body"],
            st["en"],
        )
        flow += [Spacer(1, 2 * mm), p("記", st["ki"]), Spacer(1, 2 * mm)]
        rows = [
            Row("報告番号", "Report number", r.number),
            Row("所属機関", "Institution", r.institution_name),
            *([Row("経由機関", "Filed through", r.acting_for_name)] if r.acting_for_name else []),
            Row("報告者", "Filed by", r.filer_name),
            Row("提出日", "Filed on", date_text(r.submitted_on, "ja"), _en_date(r.submitted_on)),
            Row("受理日", "Accepted on", date_text(n.accepted_on, "ja"), date_en(n.accepted_on)),
            Row("適用基準", "Rule set", r.ruleset),
        ]
        flow.append(particulars(rows, lang, st))
        flow.append(Spacer(1, 4 * mm))
        flow += both(
            "有効期間を延長した認証ID", "Authentication IDs extended", lang, st["heading"], st["heading_en"]
        )
        if n.extended:
            flow.append(
                grid(
                    [
                        ("認証ID", "Authentication ID"),
                        ("利用者", "User"),
                        ("延長後の有効期限", "Now valid until"),
                    ],
                    [
                        [
                            [p(item.auth_id, st["cell_head"])],
                            [p(item.holder_name, st["cell"])],
                            both(
                                date_text(item.valid_until, "ja"),
                                date_en(item.valid_until),
                                lang,
                                st["cell"],
                                st["cell_en"],
                            ),
                        ]
                        for item in n.extended
                    ],
                    [46 * mm, 60 * mm, FRAME_WIDTH - 106 * mm],
                    lang,
                    st,
                )
            )
        else:
            flow += both(
                "延長の対象となる有効な認証IDはありませんでした。",
                "No valid authentication ID was there to extend.",
                lang,
                st["body"],
                st["en"],
            )
        flow.append(Spacer(1, 2 * mm))
        flow.append(p("以上", st["ijou"]))
        flow += notes(
            [
                (
                    "次回の定期報告は、延長後の有効期間の満了日の2か月前から1か月前までの間に行ってください。",
                    "File the next periodic report between two months and one month before the new expiry.",
                ),
            ],
            lang,
            st,
        )
        return flow

    return build(
        f,
        story,
        short_ja="定期報告受理通知書",
        short_en="Periodic report accepted",
        author=r.institution_name,
    )
