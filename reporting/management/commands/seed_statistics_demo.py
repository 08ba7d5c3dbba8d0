"""Demo history for the statistics page: last month's usage requests (received, decided, with
their lead times), authentication IDs and residence applications across the demo institutions.

Run after seed_demo (idempotent). Written straight to the tables, as a month of finished work
would have left them: the services act only on today, and these are past days. Demo data only."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from applications.models import Application, Filing, SupplementRequest
from backoffice.periods import TOKYO, add_business_days, is_business_day
from institutions.models import Institution
from reporting import statistics as st
from reviews.models import Review
from usage_requests.models import AuthenticationId, UsageRequest

MARK = "statistics-demo"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=TOKYO)


class Command(BaseCommand):
    help = "Load a month of demo history for the statistics page (last month; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if UsageRequest.objects.filter(declared_facts__demo=MARK).exists():
            self.stdout.write("Statistics demo history already present.")
            return
        with transaction.atomic():
            counts = self._load(random.Random(2026), st.previous_month(timezone.localdate()))
        self.stdout.write(self.style.SUCCESS(f"Statistics demo history loaded: {counts}."))

    def _load(self, rng: random.Random, month: date) -> dict[str, int]:
        users = get_user_model().objects
        filer = users.get(username="hr_tanaka")
        examiner = users.get(username="reviewer_tokyo")
        institutions = list(Institution.objects.select_related("prefecture__bureau").order_by("pk"))
        days = [month + timedelta(days=n) for n in range((st.month_end(month) - month).days + 1)]
        business = [d for d in days if is_business_day(d)]
        counts = {"requests": 0, "ids": 0, "applications": 0}
        for _ in range(140):
            institution = rng.choice(institutions)
            kind = rng.choices(["new", "additional", "periodic_report"], weights=[6, 2, 3])[0]
            received = rng.choice(business)
            fate = rng.choices(["approved", "rejected", "withdrawn", "under_review"], weights=[14, 2, 1, 3])[
                0
            ]
            lead = rng.choices(range(1, 12), weights=[2, 4, 6, 8, 9, 5, 3, 2, 1, 1, 1])[0]
            decided_on = add_business_days(received, lead)
            if fate != "under_review" and decided_on > st.month_end(month):
                fate = "under_review"
            decided = _at(decided_on, rng.randint(9, 17)) if fate in ("approved", "rejected") else None
            closed = decided or (_at(received + timedelta(days=2), 11) if fate == "withdrawn" else None)
            review = Review.objects.create(
                bureau=institution.prefecture.bureau, due_on=add_business_days(received, 5), ruleset="R2026",
                evaluated_on=received, rule_outcome="pass", outcome="pass", decided_at=decided, closed_at=closed,
            )  # fmt: skip
            UsageRequest.objects.create(
                kind=kind, institution=institution, filer=filer, state=fate, submitted_on=received,
                received_on=received, review=review, declared_facts={"demo": MARK},
            )  # fmt: skip
            counts["requests"] += 1
        snapshot = st.month_end(month)
        for n in range(60):
            institution = rng.choice(institutions)
            holder = users.create(
                username=f"demo_id_holder_{n:03d}", role="institution_staff", is_active=False
            )
            request = UsageRequest.objects.create(
                kind="new", institution=institution, filer=filer, state="approved",
                submitted_on=month - timedelta(days=400), received_on=month - timedelta(days=400),
                declared_facts={"demo": MARK},
            )  # fmt: skip
            left = rng.randint(-40, 1000)
            revoked = rng.random() < 0.08
            AuthenticationId.objects.create(
                code=f"DEMO{n:08d}", holder=holder, institution=institution, usage_request=request,
                state="revoked" if revoked else ("active" if left >= 0 else "suspended"), validity_years=3,
                valid_until=snapshot + timedelta(days=left) if rng.random() > 0.05 else None,
                revoked_at=_at(rng.choice(business), 10) if revoked else None,
            )  # fmt: skip
            counts["ids"] += 1
        # Issued long before the month (issued_at is set on insert).
        AuthenticationId.objects.filter(code__startswith="DEMO").update(
            issued_at=_at(month - timedelta(days=300), 10)
        )
        procedures = [
            "extension",
            "change",
            "coe",
            "acquisition",
            "work_certificate",
            "reentry",
            "extra_activity",
        ]
        states = ["received", "under_examination", "awaiting_supplement", "granted", "denied", "completed"]
        for _ in range(220):
            institution = rng.choice(institutions)
            filed = _at(rng.choice(days), rng.randint(8, 22))
            filing = Filing.objects.create(filer=filer, filer_kind="institution_staff", mode="individual")
            application = Application.objects.create(
                filing=filing, procedure=rng.choices(procedures, weights=[30, 14, 20, 2, 3, 6, 5])[0], filer=filer,
                institution=institution, subject_name="DEMO APPLICANT", nationality="ベトナム",
                date_of_birth=date(1995, 4, 1), sex="M", prefecture=institution.prefecture, address="デモ住所",
                status="engineer_humanities_international", bureau=institution.prefecture.bureau,
                submitted_at=filed, state=rng.choices(states, weights=[3, 6, 2, 8, 1, 6])[0],
            )  # fmt: skip
            if application.state == "awaiting_supplement" or rng.random() < 0.12:
                supplement = SupplementRequest.objects.create(
                    application=application, message="追加資料を提出してください。",
                    due_on=filed.date() + timedelta(days=14), requested_by=examiner,
                )  # fmt: skip
                SupplementRequest.objects.filter(pk=supplement.pk).update(
                    requested_at=filed + timedelta(days=3)
                )
            counts["applications"] += 1
        return counts
