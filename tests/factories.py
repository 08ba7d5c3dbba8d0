"""factory_boy factories and the named personas of the design doc."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.access.roles import Role
from backoffice.accounts.models import Prefecture, RegionalBureau
from institutions.models import Delegation, Institution, Officer, StaffMembership
from institutions.rules import corporate_number_check_digit

TEST_PASSWORD = "correct-horse-battery-9"
TOTP_KEY = "3132333435363738393031323334353637383930"


def valid_corporate_number(seed: int) -> str:
    base = f"{seed:012d}"
    return f"{corporate_number_check_digit(base)}{base}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    role = Role.INSTITUTION_STAFF
    password = factory.django.Password(TEST_PASSWORD)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    kind = "accepting"
    name = factory.Sequence(lambda n: f"テスト株式会社{n}")
    corporate_number = factory.Sequence(lambda n: valid_corporate_number(100000 + n))
    prefecture = factory.LazyFunction(lambda: Prefecture.objects.get(code="13"))
    address = "東京都千代田区霞が関1-1-1"
    statutory_report_filed = True
    withholding_tax_yen = 2_000_000
    category = 3
    category_reason = "CAT3-FILED"


def persona_users() -> dict[str, Any]:
    """The cast: institutions in Tokyo and Osaka, staff, a support organisation with an
    active delegation, reviewers in two bureaus, an auditor, an administrator, individuals."""
    tokyo, osaka = RegionalBureau.objects.get(code="tokyo"), RegionalBureau.objects.get(code="osaka")
    company = InstitutionFactory(name="みどり食品株式会社")
    other = InstitutionFactory(name="株式会社さくら製作所")
    support = InstitutionFactory(name="グローバル人材サポート", kind="support_org")
    public_interest = InstitutionFactory(name="国際人材協力機構", kind="public_interest")
    osaka_company = InstitutionFactory(name="大阪介護サービス", prefecture=Prefecture.objects.get(code="27"))
    users = {
        "hr": UserFactory(username="hr", role=Role.INSTITUTION_STAFF),
        "hr_other": UserFactory(username="hr_other", role=Role.INSTITUTION_STAFF),
        "support": UserFactory(username="support", role=Role.SUPPORT_ORG_STAFF),
        "public_interest": UserFactory(username="public_interest", role=Role.PUBLIC_INTEREST_STAFF),
        "reviewer_tokyo": UserFactory(username="reviewer_tokyo", role=Role.REVIEWER, bureau=tokyo),
        "supervisor_tokyo": UserFactory(username="supervisor_tokyo", role=Role.SUPERVISOR, bureau=tokyo),
        "reviewer_osaka": UserFactory(username="reviewer_osaka", role=Role.REVIEWER, bureau=osaka),
        "auditor": UserFactory(username="auditor", role=Role.AUDITOR),
        "admin": UserFactory(username="admin", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True),
        "foreign_national": UserFactory(username="foreign_national", role=Role.FOREIGN_NATIONAL),
        "lawyer": UserFactory(username="lawyer", role=Role.LAWYER),
    }
    start = date(2024, 1, 1)
    StaffMembership.objects.create(user=users["hr"], institution=company, valid_from=start)
    StaffMembership.objects.create(user=users["hr_other"], institution=other, valid_from=start)
    StaffMembership.objects.create(user=users["support"], institution=support, valid_from=start)
    StaffMembership.objects.create(
        user=users["public_interest"], institution=public_interest, valid_from=start
    )
    Delegation.objects.create(
        principal=company, agent=support, valid_from=start, scope=["residence_applications"]
    )
    Officer.objects.create(institution=company, name="緑川 誠", position="代表取締役")
    for user in users.values():
        if user.needs_second_factor:
            TOTPDevice.objects.create(user=user, name="test", key=TOTP_KEY, confirmed=True)
    return {
        "users": users,
        "company": company,
        "other": other,
        "support_org": support,
        "public_interest_org": public_interest,
        "osaka_company": osaka_company,
    }
