"""Fees (手数料, §7.6): by procedure and by the day the application was received, online rates.

Applications received by 2025-03-31 keep the old fee even when decided later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from applications.rules.catalogue import Procedure

REVISION_2025 = date(2025, 4, 1)

# Online rates; COE, acquisition and extra-activity permission carry no fee (入管法67条 lists the others).
_BEFORE_2025 = {
    Procedure.CHANGE: 4000,
    Procedure.EXTENSION: 4000,
    Procedure.WORK_CERTIFICATE: 1200,
}
_FROM_2025_ONLINE = {
    Procedure.CHANGE: 5500,
    Procedure.EXTENSION: 5500,
    Procedure.WORK_CERTIFICATE: 1600,
}
_REENTRY = {False: (3000, 3500), True: (6000, 6500)}  # multiple? → (before, from 2025 online)


@dataclass(frozen=True, slots=True)
class Fee:
    yen: int
    ja: str
    en: str


def fee_for(procedure: Procedure, *, received_on: date, reentry_multiple: bool = False) -> Fee:
    revised = received_on >= REVISION_2025
    table_ja = "2025年4月1日以降のオンライン申請の額" if revised else "2025年3月31日までに受け付けた申請の額"
    table_en = "online rate from 2025-04-01" if revised else "rate for applications received by 2025-03-31"
    if procedure is Procedure.REENTRY:
        before, after = _REENTRY[reentry_multiple]
        yen = after if revised else before
        kind_ja, kind_en = ("数次", "multiple") if reentry_multiple else ("一回限り", "single")
        return Fee(
            yen,
            f"再入国許可（{kind_ja}）{yen:,}円（{table_ja}）",
            f"Re-entry permit ({kind_en}) ¥{yen:,} ({table_en})",
        )
    yen = (_FROM_2025_ONLINE if revised else _BEFORE_2025).get(procedure, 0)
    if yen == 0:
        return Fee(0, "手数料はかかりません。", "No fee.")
    return Fee(yen, f"{yen:,}円（{table_ja}）", f"¥{yen:,} ({table_en})")
