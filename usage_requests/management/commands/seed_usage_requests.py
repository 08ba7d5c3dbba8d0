"""Demo usage requests in several states (run by `make run` after seed_demo; idempotent)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from institutions.models import Institution
from usage_requests.models import UsageRequest
from usage_requests.services import review_settle, usage_request_create, usage_request_transition

FACTS: dict[str, Any] = {
    "institution": {
        "notifications_filed": True,
        "employment_status_report_required": True,
        "employment_status_report_filed": True,
        "pledge_submitted": True,
    },
    "filer": {"has_agent_certificate": True, "certificate_valid_until": "2028-03-31"},
}


class Command(BaseCommand):
    help = "Load demo usage requests: one waiting, one under review, one recommended, one approved."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            self._load()

    def _load(self) -> None:
        if UsageRequest.objects.exists():
            self.stdout.write("Demo usage requests already present.")
            return
        users = {u.username: u for u in get_user_model().objects.all()}
        midori = Institution.objects.get(name="みどり食品株式会社")
        sakura = Institution.objects.get(name="株式会社さくら製作所")
        support = Institution.objects.get(name="一般社団法人グローバル人材サポート")

        def new(actor: str, institution: Institution, acting_for: Institution | None = None) -> UsageRequest:
            return usage_request_create(
                actor=users[actor],
                institution=institution,
                acting_for=acting_for,
                kind="new",
                declared_facts=FACTS,
            )

        def go(request: UsageRequest, *steps: tuple[str, str, str]) -> None:
            for actor, name, reason in steps:
                usage_request_transition(actor=users[actor], request_id=request.pk, name=name, reason=reason)

        # Approved: さくら製作所 (category 2), its HR officer holds an ID awaiting the password.
        approved = new("hr_kato", sakura)
        go(approved, ("hr_kato", "submit", ""), ("reviewer_tokyo", "start_review", ""),
           ("reviewer_tokyo", "recommend_approval", ""), ("supervisor_tokyo", "approve", ""))  # fmt: skip
        # Under review: みどり食品 (category 3): the stability item needs the reviewer's decision.
        under_review = new("hr_tanaka", midori)
        go(under_review, ("hr_tanaka", "submit", ""), ("reviewer_tokyo", "start_review", ""))
        # Recommended, waiting for the supervisor: filed by the support organisation for みどり食品.
        recommended = new("support_sato", midori, support)
        go(recommended, ("support_sato", "submit", ""), ("reviewer_tokyo", "start_review", ""))
        review_settle(actor=users["reviewer_tokyo"], request_id=recommended.pk, code="REQ-CATEGORY3-STABILITY",
                      outcome="pass", reason="直近2期の決算書を確認。純資産・営業利益とも安定。")  # fmt: skip
        go(recommended, ("reviewer_tokyo", "recommend_approval", ""))
        # Just submitted, unassigned, and a draft.
        go(new("hr_kato", sakura), ("hr_kato", "withdraw", ""))
        self.stdout.write(self.style.SUCCESS("Demo usage requests loaded."))
