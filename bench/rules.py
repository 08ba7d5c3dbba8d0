"""Eligibility engine throughput: evaluations per second on one core, for a realistic mix.

    .venv/bin/python -m bench.rules [--seconds 5]

Prints the rate of full evaluations (facts already built), the rate of building the facts
objects from JSON-shaped dicts alone (parse_facts), and their ratio, measured in the same
run. Target (issue #3): at least 20,000 evaluations per second. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

from reviews.rules import evaluate, parse_facts


def realistic_mix(n: int, seed: int = 20261125) -> list[dict[str, Any]]:
    """Facts like the requests a bureau sees: mostly clean, some sentences, some gaps."""
    rng = random.Random(seed)
    kinds = (
        ["accepting_institution"] * 80 + ["support_organisation"] * 12 + ["public_interest_corporation"] * 3
    )
    kinds += ["supervising_organisation"] * 5
    mix = []
    for _ in range(n):
        submitted = date(2019, 4, 1) + timedelta(days=rng.randrange(0, 365 * 7))
        sentences = [
            {
                "who": rng.choice(["institution", "officer"]),
                "law": rng.choice(["immigration", "labour", "other"]),
                "penalty": rng.choice(["fine", "fine", "imprisonment", "heavier"]),
                "served_on": (submitted - timedelta(days=rng.randrange(30, 3650))).isoformat(),
            }
            for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2, 3]))
        ]
        category = rng.choice([1, 2, 2, 3, 3, 3, 4, 4])
        mix.append(
            {
                "submitted_on": submitted.isoformat(),
                "institution": {
                    "kind": rng.choice(kinds),
                    "category": category,
                    "has_online_eligible_foreigner": rng.random() > 0.05,
                    "applications_past_3y": rng.randrange(0, 30),
                    "unlawful_employment_past_3y": rng.random() < 0.03,
                    "revocation_involvement_past_3y": rng.random() < 0.02,
                    "notifications_filed": rng.random() > 0.05,
                    "employment_status_report_required": rng.random() > 0.2,
                    "employment_status_report_filed": rng.random() > 0.05,
                    "pledge_submitted": rng.choice([True, True, True, None]),
                    "pledge_list_attached": rng.random() > 0.3,
                    "sentences": sentences,
                    "financials": None
                    if category < 3
                    else {
                        "net_assets": rng.randrange(-20_000_000, 200_000_000),
                        "operating_results": [rng.randrange(-10_000_000, 30_000_000) for _ in range(2)],
                        "capital": rng.randrange(1_000_000, 100_000_000),
                        "business_plan": rng.random() > 0.2,
                    },
                },
                "filer": {
                    "has_agent_certificate": rng.random() > 0.3,
                    "certificate_valid_until": (
                        submitted + timedelta(days=rng.randrange(-200, 1000))
                    ).isoformat(),
                    "training_completed_on": None
                    if rng.random() > 0.4
                    else (submitted - timedelta(days=rng.randrange(1, 900))).isoformat(),
                    "revocations": [
                        {
                            "on": (submitted - timedelta(days=rng.randrange(1, 800))).isoformat(),
                            "reason": rng.choice(["own_request", "sanction"]),
                        }
                        for _ in range(rng.choice([0, 0, 0, 0, 0, 1]))
                    ],
                },
            }
        )
    return mix


def rate(fn: Any, items: list[Any], seconds: float) -> tuple[float, int]:
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for item in items:
            fn(item)
        done += len(items)
    return done / (time.perf_counter() - start), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    parser.add_argument("--size", type=int, default=2000, help="distinct facts in the mix")
    args = parser.parse_args()

    raw = realistic_mix(args.size)
    built = [parse_facts(r) for r in raw]
    evaluation_days = [f.submitted_on + timedelta(days=7) for f in built]
    pairs = list(zip(built, evaluation_days, strict=True))
    outcomes: dict[str, int] = {}
    for facts, on in pairs:
        outcome = evaluate(facts, on=on).outcome.value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    build_rate, build_n = rate(parse_facts, raw, args.seconds)
    eval_rate, eval_n = rate(lambda p: evaluate(p[0], on=p[1]), pairs, args.seconds)
    both_rate, both_n = rate(lambda r: evaluate(parse_facts(r), on=date(2026, 11, 25)), raw, args.seconds)

    print(f"mix: {args.size} distinct facts; outcomes {outcomes}")
    print(f"{'measurement':44} {'per second':>12} {'count':>10}")
    print(f"{'build facts only (parse_facts)':44} {build_rate:12,.0f} {build_n:10,}")
    print(f"{'evaluate (facts already built)':44} {eval_rate:12,.0f} {eval_n:10,}")
    print(f"{'parse + evaluate (what rules_evaluate does)':44} {both_rate:12,.0f} {both_n:10,}")
    print(f"ratio: one evaluation costs {build_rate / eval_rate:.2f}x building its facts")
    print(f"target 20,000 evaluations/s on one core: {'met' if eval_rate >= 20_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
