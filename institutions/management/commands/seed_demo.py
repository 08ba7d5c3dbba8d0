"""Demo data for `make run`: idempotent, so running it twice changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.access.roles import Role
from backoffice.accounts.models import Prefecture, RegionalBureau
from institutions import services
from institutions.models import (
    ComplianceFiling,
    CriminalSentence,
    Delegation,
    ForeignEmployee,
    Institution,
    Officer,
    StaffMembership,
)

DEMO_PASSWORD = "Zairyu-demo-2026"
# A fixed TOTP key (hex) for the demo accounts that need a second factor; README shows it in base32.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"

USERS: list[tuple[str, str, str, str | None]] = [
    ("admin", "管理者 太郎", Role.ADMINISTRATOR, None),
    ("auditor", "監査 花子", Role.AUDITOR, None),
    ("reviewer_tokyo", "審査 一郎 (東京局)", Role.REVIEWER, "tokyo"),
    ("supervisor_tokyo", "統括 次郎 (東京局)", Role.SUPERVISOR, "tokyo"),
    ("reviewer_osaka", "審査 三郎 (大阪局)", Role.REVIEWER, "osaka"),
    ("hr_tanaka", "田中 美咲", Role.INSTITUTION_STAFF, None),
    ("hr_kato", "加藤 健", Role.INSTITUTION_STAFF, None),
    ("support_sato", "佐藤 翼", Role.SUPPORT_ORG_STAFF, None),
    ("pic_suzuki", "鈴木 葵", Role.PUBLIC_INTEREST_STAFF, None),
    ("lawyer_yamada", "山田 弁護士", Role.LAWYER, None),
    ("fn_nguyen", "NGUYEN VAN AN", Role.FOREIGN_NATIONAL, None),
]

# (corporate number, name, kind, prefecture, address, category-1 basis, filed, withholding)
INSTITUTIONS: list[tuple[str | None, str, str, str, str, str, bool, int | None]] = [
    (
        "7010001008844",
        "株式会社日本上場テクノロジー",
        "accepting",
        "13",
        "東京都千代田区丸の内1-1-1",
        "listed",
        True,
        250_000_000,
    ),
    (
        "2011101012138",
        "株式会社さくら製作所",
        "accepting",
        "11",
        "埼玉県さいたま市大宮区桜木町2-3",
        "",
        True,
        18_500_000,
    ),
    ("7010401000005", "みどり食品株式会社", "accepting", "13", "東京都江東区豊洲3-2-20", "", True, 3_200_000),
    (None, "ひかり介護サービス（個人事業）", "accepting", "27", "大阪府大阪市北区梅田1-2-3", "", False, None),
    (
        "4010405000185",
        "一般社団法人グローバル人材サポート",
        "support_org",
        "13",
        "東京都新宿区西新宿2-8-1",
        "",
        True,
        1_200_000,
    ),
    (
        "6010005003891",
        "公益財団法人国際人材協力機構",
        "public_interest",
        "13",
        "東京都港区芝浦2-11-5",
        "public_interest_approved",
        True,
        40_000_000,
    ),
    (
        "7120005004390",
        "協同組合関西技能実習監理センター",
        "supervising",
        "27",
        "大阪府大阪市中央区本町4-1",
        "",
        True,
        2_400_000,
    ),
]


class Command(BaseCommand):
    help = "Load demo institutions, staff, reviewers and an auditor (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users = self._users()
            institutions = self._institutions(users["admin"])
            self._memberships(users, institutions)
            self._records(users["admin"], institutions)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Password for every demo account: {DEMO_PASSWORD}")
        )

    def _users(self) -> dict[str, Any]:
        user_model = get_user_model()
        users = {}
        for username, name, role, bureau in USERS:
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "display_name": name,
                    "role": role,
                    "email": f"{username}@demo.zairyu.example",
                    "bureau": RegionalBureau.objects.get(code=bureau) if bureau else None,
                    "is_staff": role == Role.ADMINISTRATOR,
                    "is_superuser": role == Role.ADMINISTRATOR,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if user.needs_second_factor and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY, confirmed=True)
            users[username] = user
        return users

    def _institutions(self, admin: Any) -> dict[str, Institution]:
        found = {}
        for number, name, kind, pref, address, basis, filed, amount in INSTITUTIONS:
            existing = Institution.objects.filter(name=name).first()
            if existing is None:
                existing = services.institution_create(
                    actor=admin,
                    data={
                        "kind": kind,
                        "name": name,
                        "corporate_number": number,
                        "prefecture": Prefecture.objects.get(code=pref),
                        "address": address,
                        "category1_basis": basis,
                        "statutory_report_filed": filed,
                        "withholding_tax_yen": amount,
                    },
                )
            found[name] = existing
        return found

    def _memberships(self, users: dict[str, Any], inst: dict[str, Institution]) -> None:
        start = date(2024, 4, 1)
        pairs = [
            ("hr_tanaka", "みどり食品株式会社", "人事部 主任"),
            ("hr_kato", "株式会社さくら製作所", "総務課"),
            ("support_sato", "一般社団法人グローバル人材サポート", "支援担当"),
            ("pic_suzuki", "公益財団法人国際人材協力機構", "受入支援課"),
        ]
        for username, name, title in pairs:
            StaffMembership.objects.get_or_create(
                user=users[username], institution=inst[name], defaults={"title": title, "valid_from": start}
            )
        Delegation.objects.get_or_create(
            principal=inst["みどり食品株式会社"],
            agent=inst["一般社団法人グローバル人材サポート"],
            defaults={
                "valid_from": date(2025, 4, 1),
                "valid_to": date(2027, 3, 31),
                "scope": ["residence_applications", "usage_request", "periodic_report"],
            },
        )

    def _records(self, admin: Any, inst: dict[str, Institution]) -> None:
        midori = inst["みどり食品株式会社"]
        if not midori.officers.exists():
            officer = Officer(
                institution=midori, name="緑川 誠", position="代表取締役", appointed_on=date(2015, 6, 1)
            )
            services.child_record_save(
                actor=admin,
                instance=officer,
                entity="officer",
                institution_id=midori.pk,
                fields=["name", "position", "appointed_on"],
                before=None,
            )
            sentence = CriminalSentence(
                institution=midori,
                officer=officer,
                law_kind="labour",
                law_name="労働基準法",
                penalty="fine",
                sentenced_on=date(2021, 9, 1),
                served_on=date(2021, 10, 15),
            )
            services.child_record_save(
                actor=admin,
                instance=sentence,
                entity="sentence",
                institution_id=midori.pk,
                fields=["law_kind", "law_name", "penalty", "served_on"],
                before=None,
            )
        if not midori.employees.exists():
            for name, nat, status, until in [
                ("NGUYEN VAN AN", "ベトナム", "specified_skilled_worker", date(2027, 5, 31)),
                ("SANTOS MARIA", "フィリピン", "engineer_humanities_international", date(2026, 12, 20)),
                ("WANG LEI", "中国", "technical_intern_training", date(2026, 8, 1)),
            ]:
                employee = ForeignEmployee(
                    institution=midori,
                    name=name,
                    nationality=nat,
                    status_of_residence=status,
                    period_of_stay_until=until,
                    employed_from=date(2024, 4, 1),
                )
                services.child_record_save(
                    actor=admin,
                    instance=employee,
                    entity="employee",
                    institution_id=midori.pk,
                    fields=["name", "status_of_residence"],
                    before=None,
                )
                filing = ComplianceFiling(
                    institution=midori,
                    kind="employment_status",
                    event_on=date(2024, 4, 1),
                    filed_on=date(2024, 4, 20),
                    employee=employee,
                )
                services.child_record_save(
                    actor=admin,
                    instance=filing,
                    entity="filing",
                    institution_id=midori.pk,
                    fields=["kind", "filed_on"],
                    before=None,
                )
