"""The approval requirements of a usage request (利用申出), one pure function each.

Every function takes the facts and the evaluation date and returns a RequirementResult
whose explanation names the dates and figures it used. Sources: the ISA leaflet of
January 2022 (§5.3 of domain.md) and our decisions in §13 D1–D3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from backoffice.periods import first_day_after, format_both
from reviews.rules.facts import Facts, LawKind, Penalty, RevocationReason, Sentence, SentencedParty
from reviews.rules.results import Outcome, RequirementResult


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule set tells its requirements beyond the facts."""

    admits_category4: bool


Check = Callable[[Facts, date, Context], RequirementResult]


@dataclass(frozen=True, slots=True)
class Requirement:
    code: str
    title_ja: str
    title_en: str
    source: str
    affiliated_only: bool
    check: Check


def fmt(day: date) -> str:
    return day.isoformat()


@lru_cache(maxsize=8192)
def fmt_ja(day: date) -> str:
    """Gregorian and Japanese era together, as screens show them: 2025-04-01（令和7年4月1日）."""
    return format_both(day)


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _yen(amount: int | None) -> str:
    return "—" if amount is None else f"{amount:,}"


def _result(code: str, outcome: Outcome, ja: str, en: str, earliest: date | None = None) -> RequirementResult:
    return RequirementResult(code, outcome, ja, en, earliest)


def _missing(code: str, fact_ja: str, fact_en: str) -> RequirementResult:
    return _result(
        code,
        Outcome.NEEDS_REVIEW,
        f"「{fact_ja}」が入力されていないため、審査担当者の確認が必要です。",
        f"“{fact_en}” was not given, so a reviewer must check it.",
    )


def _not_applicable(code: str, facts: Facts) -> RequirementResult:
    kind = facts.institution.kind.value
    return _result(
        code,
        Outcome.PASS,
        f"所属機関のみの要件のため、該当しません（機関の種別：{kind}）。",
        f"Applies to affiliated institutions (所属機関) only; not applicable to a {kind}.",
    )


# --- requirements -------------------------------------------------------------------------


def eligible_foreigner(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-ELIGIBLE-FOREIGNER"
    value = facts.institution.has_online_eligible_foreigner
    if value is None:
        return _missing(
            code, "オンライン申請の対象となる外国人の有無", "has a foreign national eligible online"
        )
    if value:
        return _result(
            code, Outcome.PASS,
            "オンライン申請の対象となる外国人が所属しています。",
            "A foreign national eligible for online filing belongs to the institution.",
        )  # fmt: skip
    return _result(
        code, Outcome.FAIL,
        "オンライン申請の対象となる外国人が所属していません。",
        "No foreign national eligible for online filing belongs to the institution.",
    )  # fmt: skip


def track_record(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-TRACK-RECORD-3Y"
    count = facts.institution.applications_past_3y
    if count is None:
        return _missing(code, "過去3年間の在留諸申請の件数", "residence applications in the past 3 years")
    if count >= 2:
        return _result(
            code, Outcome.PASS,
            f"過去3年間に在留諸申請を{count}回行っています（複数回の要件を満たします）。",
            f"Filed {count} residence applications in the past 3 years (at least two required).",
        )  # fmt: skip
    return _result(
        code, Outcome.FAIL,
        f"過去3年間の在留諸申請は{count}回で、複数回（2回以上）に達していません。",
        f"Filed {count} residence application(s) in the past 3 years; at least two are required.",
    )  # fmt: skip


_WHO_JA = {SentencedParty.INSTITUTION: "機関", SentencedParty.OFFICER: "役員"}
_LAW_JA = {LawKind.IMMIGRATION: "入管法令", LawKind.LABOUR: "労働関係法令", LawKind.OTHER: "その他の法令"}
_PENALTY_JA = {Penalty.FINE: "罰金", Penalty.IMPRISONMENT: "禁錮", Penalty.HEAVIER: "禁錮より重い刑"}
_PENALTY_EN = {
    Penalty.FINE: "fine",
    Penalty.IMPRISONMENT: "imprisonment (禁錮)",
    Penalty.HEAVIER: "sentence heavier than imprisonment",
}


def _five_year_window(
    code: str, sentences: Iterable[Sentence], on: date, what_ja: str, what_en: str
) -> RequirementResult:
    relevant = sorted(sentences, key=lambda s: s.served_on)
    if not relevant:
        return _result(
            code, Outcome.PASS,
            f"{what_ja}に該当する刑の記録はありません。",
            f"No sentence on record of the kind: {what_en}.",
        )  # fmt: skip
    # The latest sentence decides: its window closes last.
    latest = relevant[-1]
    ends_after = first_day_after(latest.served_on, years=5, count_first_day=True)
    last_day = date.fromordinal(ends_after.toordinal() - 1)
    detail_ja = (
        f"{_WHO_JA[latest.who]}の{_PENALTY_JA[latest.penalty]}（{_LAW_JA[latest.law]}）は"
        f"{fmt_ja(latest.served_on)}に執行を終え又は執行を受けることがなくなり、"
        f"その日から起算して5年の期間は{fmt_ja(last_day)}までです"
    )
    detail_en = (
        f"the {latest.who.value}'s {_PENALTY_EN[latest.penalty]} ({latest.law.value} law) was served or ceased to be "
        f"enforceable on {fmt(latest.served_on)}; the five years counted from that day run through {fmt(last_day)}"
    )
    count_note_ja = f"（該当する刑{len(relevant)}件のうち最も遅いもの）" if len(relevant) > 1 else ""
    count_note_en = f" (the latest of {len(relevant)} such sentences)" if len(relevant) > 1 else ""
    if on >= ends_after:
        return _result(
            code, Outcome.PASS,
            f"{detail_ja}{count_note_ja}。{fmt_ja(on)}時点で5年を経過しています。",
            f"{_sentence_case(detail_en)}{count_note_en}. On {fmt(on)} five years have elapsed.",
        )  # fmt: skip
    return _result(
        code, Outcome.FAIL,
        f"{detail_ja}{count_note_ja}。{fmt_ja(ends_after)}から要件を満たします。",
        f"{_sentence_case(detail_en)}{count_note_en}. The requirement is met from {fmt(ends_after)}.",
        ends_after,
    )  # fmt: skip


def penalty_fine(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    relevant = [
        s for s in facts.institution.sentences if s.law in (LawKind.IMMIGRATION, LawKind.LABOUR)
    ]  # a fine or anything heavier, of the institution or an officer
    return _five_year_window(
        "REQ-PENALTY-FINE-5Y", relevant, on,
        "入管法令又は労働関係法令による罰金以上の刑（機関又は役員）",
        "a fine or heavier under immigration or labour law (institution or officer)",
    )  # fmt: skip


def penalty_imprisonment(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    relevant = [
        s
        for s in facts.institution.sentences
        if s.who == SentencedParty.OFFICER and s.penalty in (Penalty.IMPRISONMENT, Penalty.HEAVIER)
    ]
    return _five_year_window(
        "REQ-PENALTY-IMPRISONMENT-5Y", relevant, on,
        "役員の禁錮以上の刑（法令を問わない）",
        "an officer's imprisonment (禁錮) or heavier under any law",
    )  # fmt: skip


def _flag_requirement(
    code: str, value: bool | None, good: bool, fact_ja: str, fact_en: str, pass_ja: str, pass_en: str,
    fail_ja: str, fail_en: str,
) -> RequirementResult:  # fmt: skip
    if value is None:
        return _missing(code, fact_ja, fact_en)
    if value == good:
        return _result(code, Outcome.PASS, pass_ja, pass_en)
    return _result(code, Outcome.FAIL, fail_ja, fail_en)


def lawful_employment(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    return _flag_requirement(
        "REQ-LAWFUL-EMPLOYMENT-3Y", facts.institution.unlawful_employment_past_3y, False,
        "過去3年間の不適正な雇用・受入れの有無", "unlawful employment in the past 3 years",
        "過去3年間、外国人を適正に雇用・受け入れています。",
        "Foreign nationals have been employed or accepted lawfully for the past 3 years.",
        "過去3年間に外国人の不適正な雇用・受入れがあります。",
        "Foreign nationals were employed or accepted unlawfully in the past 3 years.",
    )  # fmt: skip


def no_revocation_involvement(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    return _flag_requirement(
        "REQ-NO-REVOCATION-INVOLVEMENT-3Y", facts.institution.revocation_involvement_past_3y, False,
        "過去3年間の在留資格取消しへの関与の有無", "involvement in a revocation of status in the past 3 years",
        "過去3年間、在留資格の取消しに関与していません。",
        "Not involved in the revocation of anyone's status of residence in the past 3 years.",
        "過去3年間に在留資格の取消しに関与しています。",
        "Involved in the revocation of a status of residence in the past 3 years.",
    )  # fmt: skip


def notifications_filed(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-NOTIFICATIONS-FILED"
    inst = facts.institution
    if inst.notifications_filed is None:
        return _missing(code, "受入れの開始・終了等の届出", "acceptance notifications filed")
    if not inst.notifications_filed:
        return _result(
            code, Outcome.FAIL,
            "外国人の受入れの開始・終了等の届出が行われていません。",
            "The notifications of the start or end of accepting foreign nationals have not been filed.",
        )  # fmt: skip
    if inst.employment_status_report_required is None:
        return _missing(
            code, "外国人雇用状況届出の義務の有無", "whether the employment status report is owed"
        )
    if inst.employment_status_report_required and not inst.employment_status_report_filed:
        return _result(
            code, Outcome.FAIL,
            "受入れの届出はありますが、義務のある外国人雇用状況届出が行われていません。",
            "Acceptance notifications are filed, but the owed report on the employment of foreign workers "
            "(外国人雇用状況届出) is not.",
        )  # fmt: skip
    owed_ja = (
        "外国人雇用状況届出も行われています"
        if inst.employment_status_report_required
        else "外国人雇用状況届出の義務はありません"
    )
    owed_en = (
        "the employment status report is filed too"
        if inst.employment_status_report_required
        else "no employment status report is owed"
    )
    return _result(
        code, Outcome.PASS,
        f"受入れの開始・終了等の届出が行われ、{owed_ja}。",
        f"Acceptance notifications are filed; {owed_en}.",
    )  # fmt: skip


def pledge(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    return _flag_requirement(
        "REQ-PLEDGE", facts.institution.pledge_submitted, True,
        "誓約書の提出", "pledge submitted",
        "誓約書が提出されています。", "The pledge (誓約書) has been submitted.",
        "誓約書が提出されていません。", "The pledge (誓約書) has not been submitted.",
    )  # fmt: skip


def _indicators(facts: Facts) -> tuple[str, str, bool]:
    """Figures for the reviewer (§13 D3) and whether they show clear insolvency."""
    fin = facts.institution.financials
    if fin is None:
        return "財務書類の提出なし", "no financial statements submitted", False
    results = fin.operating_results[-2:]
    results_text = " / ".join(_yen(r) for r in results) if results else "—"
    negative_assets = fin.net_assets is not None and fin.net_assets < 0
    losses = len(results) == 2 and all(r < 0 for r in results)
    plan_ja = {True: "あり", False: "なし", None: "未入力"}[fin.business_plan]
    plan_en = {True: "yes", False: "no", None: "not given"}[fin.business_plan]
    flag_ja = "（債務超過）" if negative_assets else ""
    flag_en = " (negative net assets)" if negative_assets else ""
    ja = (
        f"純資産 {_yen(fin.net_assets)}円{flag_ja}、直近2期の営業損益 {results_text}円、"
        f"資本金 {_yen(fin.capital)}円、事業計画書 {plan_ja}"
    )
    en = (
        f"net assets ¥{_yen(fin.net_assets)}{flag_en}, operating results of the last two years ¥{results_text}, "
        f"capital ¥{_yen(fin.capital)}, business plan {plan_en}"
    )
    return ja, en, negative_assets and losses


def category3_stability(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-CATEGORY3-STABILITY"
    category = facts.institution.category
    if category in (1, 2):
        return _result(
            code, Outcome.PASS,
            f"カテゴリー{category}の機関のため、該当しません。",
            f"Not applicable to a category {category} institution.",
        )  # fmt: skip
    if category == 4:
        if ctx.admits_category4:
            return _result(
                code, Outcome.PASS,
                "カテゴリー4の機関は REQ-CATEGORY4-STABILITY で判断します。",
                "A category 4 institution is judged by REQ-CATEGORY4-STABILITY.",
            )  # fmt: skip
        return _result(
            code, Outcome.FAIL,
            "2022年3月より前は、カテゴリー4の機関は利用できませんでした。",
            "Before March 2022, category 4 institutions could not use the system.",
        )  # fmt: skip
    ja, en, insolvent = _indicators(facts)
    if insolvent:
        return _result(
            code, Outcome.FAIL,
            f"債務超過かつ直近2期連続の営業損失で、事業の安定性・継続性が認められません：{ja}。",
            f"Negative net assets and operating losses in both of the last two years: the business is not "
            f"stable and continuous: {en}.",
        )  # fmt: skip
    return _result(
        code, Outcome.NEEDS_REVIEW,
        f"カテゴリー3：事業の安定性・継続性を審査担当者が判断します。指標：{ja}。",
        f"Category 3: a reviewer decides whether the business is stable and continuous. Indicators: {en}.",
    )  # fmt: skip


def category4_stability(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-CATEGORY4-STABILITY"
    category = facts.institution.category
    if category != 4:
        return _result(
            code, Outcome.PASS,
            f"カテゴリー{category}の機関のため、該当しません。",
            f"Not applicable to a category {category} institution.",
        )  # fmt: skip
    ja, en, insolvent = _indicators(facts)
    if insolvent:
        return _result(
            code, Outcome.FAIL,
            f"債務超過かつ直近2期連続の営業損失で、事業の安定性・継続性が見込まれません：{ja}。",
            f"Negative net assets and operating losses in both of the last two years: the business is not "
            f"expected to be stable: {en}.",
        )  # fmt: skip
    return _result(
        code, Outcome.NEEDS_REVIEW,
        f"カテゴリー4：事業の安定性・継続性が見込まれるかを審査担当者が判断します。指標：{ja}。",
        f"Category 4: a reviewer decides whether the business is expected to be stable. Indicators: {en}.",
    )  # fmt: skip


def filer_agent_qualified(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-FILER-AGENT-QUALIFIED"
    filer = facts.filer
    until = filer.certificate_valid_until
    if filer.has_agent_certificate and until is not None and until >= on:
        return _result(
            code, Outcome.PASS,
            f"申請等取次者証明書を有しています（有効期限 {fmt_ja(until)}）。",
            f"Holds a filing-agent certificate (申請等取次者証明書) valid until {fmt(until)}.",
        )  # fmt: skip
    trained = filer.training_completed_on
    if trained is not None and trained <= on:
        return _result(
            code, Outcome.PASS,
            f"{fmt_ja(trained)}に出入国在留管理行政に関する研修を修了しています。",
            f"Completed recognised training on immigration procedures on {fmt(trained)}.",
        )  # fmt: skip
    if filer.has_agent_certificate and until is not None:
        return _result(
            code, Outcome.FAIL,
            f"申請等取次者証明書の有効期限（{fmt_ja(until)}）が過ぎており、研修の修了記録もありません。",
            f"The filing-agent certificate expired on {fmt(until)} and no completed training is on record.",
        )  # fmt: skip
    if filer.has_agent_certificate is None and trained is None:
        return _missing(code, "申請等取次者証明書又は研修修了", "filing-agent certificate or training")
    if filer.has_agent_certificate and until is None:
        return _missing(code, "申請等取次者証明書の有効期限", "the certificate's expiry date")
    return _result(
        code, Outcome.FAIL,
        "申請等取次者証明書を有しておらず、研修の修了記録もありません。",
        "Holds no filing-agent certificate and no completed training is on record.",
    )  # fmt: skip


def filer_cooldown(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-FILER-COOLDOWN-1Y"
    sanctions = sorted(r.on for r in facts.filer.revocations if r.reason == RevocationReason.SANCTION)
    own = sum(1 for r in facts.filer.revocations if r.reason == RevocationReason.OWN_REQUEST)
    own_ja = f"（本人の申出による抹消{own}件は対象外）" if own else ""
    own_en = f" ({own} revocation(s) at the filer's own request do not count)" if own else ""
    if not sanctions:
        return _result(
            code, Outcome.PASS,
            f"制裁による承認の抹消はありません{own_ja}。",
            f"No revocation of the filer's approval as a sanction{own_en}.",
        )  # fmt: skip
    latest = sanctions[-1]
    eligible = first_day_after(latest, years=1, count_first_day=False)
    last_day = date.fromordinal(eligible.toordinal() - 1)
    detail_ja = f"{fmt_ja(latest)}の抹消から1年（初日不算入）は{fmt_ja(last_day)}までです{own_ja}"
    detail_en = f"the year after the revocation of {fmt(latest)} (first day not counted) runs through {fmt(last_day)}{own_en}"
    if on >= eligible:
        return _result(
            code,
            Outcome.PASS,
            f"{detail_ja}。経過しています。",
            f"{_sentence_case(detail_en)}; it has elapsed.",
        )
    return _result(
        code, Outcome.FAIL,
        f"{detail_ja}。{fmt_ja(eligible)}から再び利用申出ができます。",
        f"{_sentence_case(detail_en)}. The filer may apply again from {fmt(eligible)}.",
        eligible,
    )  # fmt: skip


def pledge_list(facts: Facts, on: date, ctx: Context) -> RequirementResult:
    code = "REQ-PLEDGE-LIST"
    kind = facts.institution.kind
    if kind.is_affiliated_institution:
        return _result(
            code, Outcome.PASS,
            "公益法人・登録支援機関の職員ではないため、該当しません。",
            "Applies to public-interest corporation and support organisation staff only; not applicable.",
        )  # fmt: skip
    return _flag_requirement(
        code, facts.institution.pledge_list_attached, True,
        "利用者別誓約機関一覧表の添付", "利用者別誓約機関一覧表 attached",
        "利用者別誓約機関一覧表が添付されています。",
        "The list of institutions pledged for per user (利用者別誓約機関一覧表) is attached.",
        "利用者別誓約機関一覧表が添付されていません。",
        "The list of institutions pledged for per user (利用者別誓約機関一覧表) is not attached.",
    )  # fmt: skip


def _affiliated_only(check: Check, code: str) -> Check:
    def guarded(facts: Facts, on: date, ctx: Context) -> RequirementResult:
        if not facts.institution.kind.is_affiliated_institution:
            return _not_applicable(code, facts)
        return check(facts, on, ctx)

    return guarded


def _requirement(
    code: str, title_ja: str, title_en: str, source: str, check: Check, *, affiliated_only: bool = False
) -> Requirement:
    return Requirement(
        code,
        title_ja,
        title_en,
        source,
        affiliated_only,
        _affiliated_only(check, code) if affiliated_only else check,
    )


REQUIREMENTS: dict[str, Requirement] = {
    r.code: r
    for r in [
        _requirement(
            "REQ-ELIGIBLE-FOREIGNER", "オンライン申請の対象となる外国人が所属していること",
            "The institution has a foreign national eligible for online filing",
            "Leaflet BEFORE 1", eligible_foreigner, affiliated_only=True,
        ),
        _requirement(
            "REQ-TRACK-RECORD-3Y", "過去3年間に複数回の在留諸申請を行っていること",
            "Residence applications filed at least twice in the past 3 years",
            "Leaflet BEFORE 2", track_record, affiliated_only=True,
        ),
        _requirement(
            "REQ-PENALTY-FINE-5Y",
            "機関又は役員が入管法令・労働関係法令により罰金以上の刑に処せられた場合、執行を終えた日等から起算して5年を経過していること",
            "Institution or officer fined or worse under immigration or labour law: five years elapsed, "
            "counted from the day served",
            "Leaflet BEFORE 3; §13 D1 (R2022 trustworthiness)", penalty_fine,
        ),
        _requirement(
            "REQ-PENALTY-IMPRISONMENT-5Y",
            "役員が禁錮以上の刑に処せられた場合、執行を終えた日等から起算して5年を経過していること",
            "Officer sentenced to imprisonment (禁錮) or worse: five years elapsed, counted from the day served",
            "Leaflet BEFORE 4; §13 D1 (R2022 trustworthiness)", penalty_imprisonment,
        ),
        _requirement(
            "REQ-LAWFUL-EMPLOYMENT-3Y", "過去3年間、外国人を適正に雇用・受け入れていること",
            "Foreign nationals employed lawfully for the past 3 years",
            "Leaflet BEFORE 5", lawful_employment, affiliated_only=True,
        ),
        _requirement(
            "REQ-NO-REVOCATION-INVOLVEMENT-3Y", "過去3年間、在留資格の取消しに関与していないこと",
            "Not involved in a revocation of status in the past 3 years",
            "Leaflet BEFORE 6", no_revocation_involvement, affiliated_only=True,
        ),
        _requirement(
            "REQ-NOTIFICATIONS-FILED", "受入れの開始・終了等の届出及び外国人雇用状況届出を行っていること",
            "Acceptance notifications filed, and the employment status report where owed",
            "Leaflet BEFORE 7, AFTER 2", notifications_filed, affiliated_only=True,
        ),
        _requirement(
            "REQ-PLEDGE", "誓約書を提出していること", "Pledge (誓約書) submitted",
            "Leaflet BEFORE 8, AFTER 3", pledge,
        ),
        _requirement(
            "REQ-CATEGORY3-STABILITY", "カテゴリー3の機関は、事業を安定的・継続的に行っていること",
            "Category 3: stable, continuous business",
            "Leaflet BEFORE 9, AFTER 4; §13 D3", category3_stability, affiliated_only=True,
        ),
        _requirement(
            "REQ-CATEGORY4-STABILITY", "カテゴリー4の機関は、事業を安定的・継続的に行うことが見込まれること",
            "Category 4: business expected to be stable", "Leaflet AFTER 5; §13 D3",
            category4_stability, affiliated_only=True,
        ),
        _requirement(
            "REQ-FILER-AGENT-QUALIFIED", "利用申出人が申請等取次者証明書を有し、又は研修を修了していること",
            "The filer holds a valid filing-agent certificate or completed recognised training",
            "Leaflet AFTER (filer); §2.4; §13 D1 (R2022 knowledge)", filer_agent_qualified,
        ),
        _requirement(
            "REQ-FILER-COOLDOWN-1Y", "本人の申出によらない承認の抹消から1年を経過していること",
            "A revocation of the filer's approval not at their own request: one year elapsed, first day not counted",
            "Leaflet BEFORE (filer); §13 D1, D2", filer_cooldown,
        ),
        _requirement(
            "REQ-PLEDGE-LIST", "公益法人・登録支援機関の職員は利用者別誓約機関一覧表を提出していること",
            "Public-interest or support-organisation staff: the 利用者別誓約機関一覧表 is attached",
            "2026 system renewal (§5.2, secondary sources); §13 D1", pledge_list,
        ),
    ]
}  # fmt: skip
