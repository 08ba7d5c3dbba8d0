"""Every mail of the lifecycle, produced by the real services: both languages, the
recipient's first, and no template slot left empty."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from backoffice.workbench.models import OutboxMessage
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests.id_daily import auth_ids_daily
from usage_requests.id_services import auth_id_revoke
from usage_requests.mail import MAILS
from usage_requests.models import AuthenticationId, UsageRequest
from usage_requests.services import usage_request_create, usage_request_transition

MISSING = "⟨MISSING:%s⟩"
STRICT_TEMPLATES = [
    {**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": MISSING}}
]


def _draft(cast: dict[str, Any], facts: dict[str, Any]) -> UsageRequest:
    return usage_request_create(
        actor=cast["users"]["hr"],
        institution=cast["company"],
        acting_for=None,
        kind="new",
        declared_facts=facts,
    )


def _go(cast: dict[str, Any], request: UsageRequest, *steps: tuple[str, str, str]) -> None:
    for who, name, reason in steps:
        usage_request_transition(actor=cast["users"][who], request_id=request.pk, name=name, reason=reason)


@pytest.mark.django_db
@override_settings(TEMPLATES=STRICT_TEMPLATES)
def test_every_mail_from_the_real_flows(cast_ur: dict[str, Any]) -> None:
    failing = copy.deepcopy(GOOD_FACTS)
    failing["institution"]["pledge_submitted"] = False
    rejected = _draft(cast_ur, failing)
    _go(cast_ur, rejected, ("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""),
        ("reviewer_tokyo", "return_to_filer", "誓約書を添付してください。"), ("hr", "resubmit", ""),
        ("reviewer_tokyo", "start_review", ""), ("reviewer_tokyo", "recommend_rejection", "誓約書なし"),
        ("supervisor_tokyo", "reject", "誓約書が提出されていないため。"))  # fmt: skip

    approved = _draft(cast_ur, copy.deepcopy(GOOD_FACTS))
    _go(cast_ur, approved, ("hr", "submit", ""), ("reviewer_tokyo", "start_review", ""),
        ("reviewer_tokyo", "recommend_approval", ""), ("supervisor_tokyo", "approve", ""))  # fmt: skip
    AuthenticationId.objects.update(
        state="active", valid_until=date(2026, 6, 10), password_set_on=date(2025, 6, 10)
    )
    for day in (date(2026, 4, 10), date(2026, 5, 11), date(2026, 6, 3), date(2026, 6, 11)):
        auth_ids_daily(today=day)
    auth_id = AuthenticationId.objects.get()
    AuthenticationId.objects.update(state="active", valid_until=date(2099, 1, 1))
    auth_id_revoke(
        actor=cast_ur["users"]["reviewer_tokyo"], auth_id_pk=auth_id.pk, reason="sanction", note="虚偽"
    )

    hr_mail = OutboxMessage.objects.filter(recipient=cast_ur["users"]["hr"].email).order_by("pk")
    subjects = [m.subject for m in hr_mail]
    expected = ["利用申出の受付", "利用申出の補正のお願い", "利用申出の受付", "利用申出の審査結果（不承認）",
                "利用申出の受付", "認証IDの発行", "定期報告の提出のお願い", "定期報告の受付期限の経過",
                "パスワードの有効期限が近づいています", "パスワードの有効期限が近づいています",
                "認証IDの有効期限切れ", "認証IDの抹消"]  # fmt: skip
    assert [s.removeprefix("【在留申請オンラインシステム】") for s in subjects] == expected
    for message in hr_mail:
        assert "⟨MISSING" not in message.body, (message.subject, message.body)
        assert "-" * 70 in message.body, "both languages"
        assert message.body.index("様") < message.body.index("Dear"), "Japanese first for a Japanese user"
    rejection = hr_mail[3].body
    assert "誓約書が提出されていないため。" in rejection and "REQ-PLEDGE" in rejection, rejection
    assert "Requirements not met" in rejection
    revoked = hr_mail[11].body
    assert "1年間" in revoked and "one year" in revoked


def test_each_mail_has_a_template_in_both_languages() -> None:
    from django.template.loader import get_template

    for name in MAILS:
        for language, _label in settings.LANGUAGES:
            assert get_template(f"mail/usage_requests/{name}.{language}.txt")
