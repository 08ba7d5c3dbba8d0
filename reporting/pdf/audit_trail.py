"""The audit trail (監査証跡) of one record: every event of the hash-chained audit log about it,
oldest first, up to a stated event number, with each event's chain hash so that an auditor can
match the paper against the log. A pure renderer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Spacer  # type: ignore[import-untyped]

from reporting.pdf.common import (
    FRAME_WIDTH,
    JAPAN,
    Frame,
    Row,
    both,
    build,
    grid,
    opening,
    p,
    particulars,
    styles,
)


@dataclass(frozen=True, slots=True)
class TrailEvent:
    seq: int  # the global sequence number
    occurred_at: datetime  # aware
    actor: str
    action: str  # the stable code, e.g. usage_request.approve
    label_ja: str
    label_en: str
    details: tuple[tuple[str, str], ...]  # (ja, en) lines: a transition, a reason, a changed field…
    hash: str  # the event's hash on the global chain


@dataclass(frozen=True, slots=True)
class AuditTrail:
    frame: Frame
    record_kind_ja: str  # 利用申出
    record_kind_en: str
    record_label: str  # UR-000012
    record_ref: str  # usage_requests.usagerequest:12
    institution_name: str
    as_of_seq: int  # the last event shown (0: none yet)
    events: tuple[TrailEvent, ...]


def audit_trail_pdf(t: AuditTrail) -> bytes:
    f = t.frame
    lang = f.language

    def story() -> list[Any]:
        st = styles()
        flow = opening(f, st, [])
        flow += both(
            "下記の記録について、改ざん検知のためハッシュ連鎖された監査ログに記録された全ての事象を、"
            "古い順に出力したものです。各事象のハッシュ値は監査ログ画面の値と照合できます。",
            "Every event of the hash-chained audit log about the record below, oldest first. Each "
            "event's hash can be matched against the audit log.",
            lang,
            st["body"],
            st["en"],
        )
        flow.append(Spacer(1, 3 * mm))
        rows = [
            Row(
                "記録",
                "Record",
                f"{t.record_kind_ja}　{t.record_label}",
                f"{t.record_kind_en} {t.record_label}",
            ),
            Row("記録の識別子", "Record reference", t.record_ref),
        ]
        if t.institution_name:
            rows.append(Row("所属機関", "Institution", t.institution_name))
        rows += [
            Row("事象の件数", "Events", f"{len(t.events)}件", f"{len(t.events)}"),
            Row("出力範囲", "Up to event", f"事象番号 {t.as_of_seq} まで", f"No. {t.as_of_seq}"),
        ]
        flow.append(particulars(rows, lang, st))
        flow.append(Spacer(1, 4 * mm))
        if not t.events:
            flow += both("記録された事象はありません。", "No events recorded.", lang, st["body"], st["en"])
            return flow
        body = []
        for event in t.events:
            local = event.occurred_at.astimezone(JAPAN)
            what = [
                *both(event.label_ja, event.label_en, lang, st["cell_head"], st["cell_en"]),
                p(event.action, st["mono"]),
                *(part for ja, en in event.details for part in both(ja, en, lang, st["cell"], st["cell_en"])),
                p(f"hash {event.hash[:32]}", st["mono"]),
            ]
            body.append(
                [
                    [p(str(event.seq), st["cell"])],
                    [p(local.strftime("%Y-%m-%d"), st["cell"]), p(local.strftime("%H:%M:%S"), st["cell"])],
                    [p(event.actor, st["cell"])],
                    what,
                ]
            )
        flow.append(
            grid(
                [("番号", "No."), ("日時", "When (JST)"), ("実行者", "Who"), ("操作・内容", "What")],
                body,
                [16 * mm, 22 * mm, 32 * mm, FRAME_WIDTH - 70 * mm],
                lang,
                st,
            )
        )
        flow.append(Spacer(1, 2 * mm))
        flow.append(p("以上", st["ijou"]))
        return flow

    return build(f, story, short_ja="監査証跡", short_en="Audit trail")
