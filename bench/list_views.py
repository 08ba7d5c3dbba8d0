"""Lists on 1,000,000 rows: workbench vs Django admin vs bare SQL, in one run.

Run by ``make bench`` (scripts/bench.sh starts a throwaway PostgreSQL and migrates it).
By hand, against a PostgreSQL that is already migrated::

    DATABASE_URL=postgresql://app:app@127.0.0.1:54339/app .venv/bin/python -m bench.list_views

Seeds (once) one million institutions over the 47 prefectures, ~10,000 staff users and one
staff membership per institution, then times three pages through ``django.test.Client``
as an administrator and as a Tokyo-bureau reviewer:

  a. filter + page 1        /institutions/?f=cat34&sort=name
  b. filter + page 5,000    /institutions/?f=cat34&sort=name&page=5000
  c. group-by with counts   /institutions/?f=cat34&group=prefecture

Then the review queue (bench/queue.py): one million usage requests with their reviews on
those institutions, seeded once, and four pages for the same two users:

  a. the queue, page 1      /usage-requests/?f=open&sort=due_on
  b. deep page              /usage-requests/?f=cat34&sort=-number&page=2000
  c. group-by assignee      /usage-requests/?f=open&group=assignee
  d. group-by state         /usage-requests/?group=state

next to the Django admin changelist for the same page and the bare SQL for it, and the
query count of the queue's pages at three page sizes (WORKBENCH_PAGE_SIZE overridden
in-process). Figures are printed, never asserted. ``--explain`` also prints EXPLAIN ANALYZE
of the slowest query of every workbench and admin page.
"""

# ruff: noqa: E402  (django.setup() must run before the project's imports)
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.access.roles import Role
from backoffice.accounts.jurisdiction_data import PREFECTURES
from backoffice.accounts.models import RegionalBureau, User
from backoffice.workbench.lists import ListParams, filtered_queryset, group_rows, ordered
from bench import queue
from bench.pgload import say, secondary_indexes
from institutions.lists import INSTITUTIONS
from institutions.models import Institution
from usage_requests.lists import USAGE_REQUESTS
from usage_requests.models import UsageRequest

TARGET_ROWS = 1_000_000
STAFF_USERS = 10_000
PAGE_DEEP = 5_000
TOTP_KEY = "3132333435363738393031323334353637383930"

# Rough population (10,000s) per prefecture: institutions follow people, so the Tokyo
# bureau's jurisdiction holds about 39 % of the rows, as it would in real life.
POPULATION = {
    "01": 522, "02": 124, "03": 121, "04": 230, "05": 96, "06": 107, "07": 183, "08": 287,
    "09": 193, "10": 194, "11": 734, "12": 628, "13": 1405, "14": 924, "15": 220, "16": 103,
    "17": 113, "18": 77, "19": 81, "20": 205, "21": 198, "22": 363, "23": 754, "24": 177,
    "25": 141, "26": 258, "27": 884, "28": 547, "29": 133, "30": 92, "31": 55, "32": 67,
    "33": 189, "34": 280, "35": 134, "36": 72, "37": 95, "38": 133, "39": 69, "40": 514,
    "41": 81, "42": 131, "43": 174, "44": 112, "45": 107, "46": 159, "47": 147,
}  # fmt: skip

# (kanji, kana) pairs; names are legal form + word + word + number, so that name order
# has nothing to do with id order, prefecture or category (as with real names).
WORDS_1 = [
    ("山田", "ヤマダ"), ("田中", "タナカ"), ("鈴木", "スズキ"), ("佐藤", "サトウ"), ("高橋", "タカハシ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山本", "ヤマモト"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"),
    ("林", "ハヤシ"), ("清水", "シミズ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"),
    ("東海", "トウカイ"), ("北陸", "ホクリク"), ("関東", "カントウ"), ("九州", "キュウシュウ"),
    ("みらい", "ミライ"), ("さくら", "サクラ"), ("ひまわり", "ヒマワリ"), ("アジア", "アジア"),
    ("グローバル", "グローバル"), ("ユニオン", "ユニオン"), ("日本", "ニホン"), ("大和", "ヤマト"),
]  # fmt: skip
WORDS_2 = [
    ("建設", "ケンセツ"), ("工業", "コウギョウ"), ("製作所", "セイサクショ"), ("食品", "ショクヒン"),
    ("農園", "ノウエン"), ("介護サービス", "カイゴサービス"), ("運輸", "ウンユ"), ("商事", "ショウジ"),
    ("電機", "デンキ"), ("水産", "スイサン"), ("物流", "ブツリュウ"),
    ("ビルメンテナンス", "ビルメンテナンス"), ("ホテル", "ホテル"), ("縫製", "ホウセイ"),
    ("造船", "ゾウセン"), ("人材支援", "ジンザイシエン"),
]  # fmt: skip
LEGAL_FORMS = [
    # (kanji, kana, share in %)
    ("株式会社", "カブシキガイシャ", 62), ("有限会社", "ユウゲンガイシャ", 10),
    ("合同会社", "ゴウドウガイシャ", 8), ("社会福祉法人", "シャカイフクシホウジン", 5),
    ("医療法人", "イリョウホウジン", 5), ("一般社団法人", "イッパンシャダンホウジン", 5),
    ("協同組合", "キョウドウクミアイ", 5),
]  # fmt: skip
CITIES = ["中央区", "北区", "南区", "東町", "西町", "本町", "駅前", "港町", "緑町", "栄町"]


def _slots(weights: dict[str, int], size: int = 1000) -> list[str]:
    """``size`` codes in proportion to ``weights`` (largest remainder)."""
    total = sum(weights.values())
    exact = {k: w * size / total for k, w in weights.items()}
    slots = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - slots[k], reverse=True)[: size - sum(slots.values())]:
        slots[k] += 1
    return [k for k in sorted(slots) for _ in range(slots[k])]


def _legal_slots() -> tuple[list[str], list[str]]:
    kanji, kana = [], []
    for form, reading, share in LEGAL_FORMS:
        kanji += [form] * share
        kana += [reading] * share
    return kanji, kana


# One INSERT … SELECT over generate_series: PostgreSQL makes the rows itself, no client
# round trips. hashint8extended(g, seed) & 2^31-1 gives independent pseudo-random draws.
INSERT_INSTITUTIONS = """
WITH draw AS (
    SELECT g,
           hashint8extended(g, 1) & 2147483647 AS h1,
           hashint8extended(g, 2) & 2147483647 AS h2,
           hashint8extended(g, 3) & 2147483647 AS h3,
           hashint8extended(g, 4) & 2147483647 AS h4,
           hashint8extended(g, 5) & 2147483647 AS h5,
           hashint8extended(g, 6) & 2147483647 AS h6,
           hashint8extended(g, 7) & 2147483647 AS h7
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
), row AS (
    SELECT d.*,
           (%(pref_slots)s::text[])[1 + d.h1 %% 1000] AS pref,
           CASE WHEN d.h2 %% 100 < 3 THEN 1 WHEN d.h2 %% 100 < 10 THEN 2
                WHEN d.h2 %% 100 < 60 THEN 3 ELSE 4 END AS cat,
           CASE WHEN d.h3 %% 100 < 85 THEN 'accepting' WHEN d.h3 %% 100 < 93 THEN 'support_org'
                WHEN d.h3 %% 100 < 98 THEN 'supervising' ELSE 'public_interest' END AS kind,
           CASE WHEN d.h4 %% 100 < 95 THEN 'active' WHEN d.h4 %% 100 < 98 THEN 'suspended'
                ELSE 'closed' END AS status,
           1 + d.h5 %% %(n_w1)s AS w1,
           1 + (d.h5 / 1024) %% %(n_w2)s AS w2,
           1 + d.h6 %% 100 AS legal,
           (d.h7 / 100000) %% 10 < 7 AS legal_first,
           to_char(d.h7 %% 100000, 'FM00000') AS num
    FROM draw d
)
INSERT INTO institutions_institution (
    kind, name, name_kana, corporate_number, postal_code, prefecture_id, address, phone, email,
    category1_basis, statutory_report_filed, withholding_tax_yen, category, category_reason, status,
    created_at, updated_at)
SELECT r.kind,
       CASE WHEN r.legal_first
            THEN (%(legal)s::text[])[r.legal] || (%(w1)s::text[])[r.w1] || (%(w2)s::text[])[r.w2] || r.num
            ELSE (%(w1)s::text[])[r.w1] || (%(w2)s::text[])[r.w2] || r.num || (%(legal)s::text[])[r.legal]
       END,
       CASE WHEN r.legal_first
            THEN (%(legal_kana)s::text[])[r.legal] || (%(w1_kana)s::text[])[r.w1]
                 || (%(w2_kana)s::text[])[r.w2] || r.num
            ELSE (%(w1_kana)s::text[])[r.w1] || (%(w2_kana)s::text[])[r.w2] || r.num
                 || (%(legal_kana)s::text[])[r.legal]
       END,
       CASE WHEN r.kind = 'accepting' AND r.h6 %% 20 = 0 THEN NULL
            ELSE (9000000000000 + r.g)::text END,
       to_char(r.h7 %% 1000, 'FM000') || '-' || to_char(r.h6 %% 10000, 'FM0000'),
       r.pref,
       p.name_ja || (%(cities)s::text[])[1 + r.h3 %% %(n_cities)s] || (1 + r.h4 %% 9) || '丁目'
           || (1 + r.h5 %% 30) || '-' || (1 + r.h7 %% 20),
       '0' || (1 + r.h1 %% 9) || '-' || to_char(r.h2 %% 10000, 'FM0000') || '-'
           || to_char(r.h7 %% 10000, 'FM0000'),
       'info' || r.g || '@example.jp',
       CASE WHEN r.cat = 1 THEN 'listed' ELSE '' END,
       r.cat IN (2, 3),
       CASE WHEN r.cat = 2 THEN 10000000 + r.h5 %% 90000000
            WHEN r.cat = 3 THEN r.h5 %% 10000000 END,
       r.cat,
       CASE r.cat WHEN 1 THEN 'CAT1-BASIS' WHEN 2 THEN 'CAT2-WITHHOLDING'
                  WHEN 3 THEN 'CAT3-FILED' ELSE 'CAT4-NONE' END || ': bench data',
       r.status,
       now() - (r.h7 %% 3650) * interval '1 day',
       now() - (r.h6 %% 365) * interval '1 day'
FROM row r
JOIN accounts_prefecture p ON p.code = r.pref
"""

INSERT_STAFF_USERS = """
INSERT INTO accounts_user (password, last_login, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined, role, display_name, preferred_language, bureau_id)
SELECT '!bench-unusable', NULL, false, 'bench_staff_' || lpad(g::text, 5, '0'), '', '',
       'staff' || g || '@example.jp', false, true, now(), 'institution_staff', '職員' || g, 'ja', NULL
FROM generate_series(1, %(n)s) AS g
ON CONFLICT (username) DO NOTHING
"""

# One membership per institution that has none yet, round-robin over the staff users.
INSERT_MEMBERSHIPS = """
WITH staff AS (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn
    FROM accounts_user WHERE username LIKE 'bench\\_staff\\_%%'
)
INSERT INTO institutions_staffmembership (title, valid_from, valid_to, institution_id, user_id)
SELECT '担当者', DATE '2024-04-01', NULL, i.id, s.id
FROM institutions_institution i
JOIN staff s ON s.rn = i.id %% %(n)s
WHERE NOT EXISTS (SELECT 1 FROM institutions_staffmembership m WHERE m.institution_id = i.id)
"""

BULK_TABLES = ("institutions_institution", "institutions_staffmembership")
LOOKUP_TABLES = ("accounts_prefecture", "accounts_regionalbureau")


def seed() -> None:
    existing = Institution.objects.count()
    if existing >= TARGET_ROWS:
        say(f"seed: {existing:,} institutions already there, skipping")
        return
    started = time.perf_counter()
    # One transaction: if anything fails, the dropped indexes come back with the rollback.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool(cursor.fetchone()[0])
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        if superuser:
            # Rows are generated from valid prefecture codes and fresh ids: skip the per-row
            # FK triggers (a million deferred checks at COMMIT) in this transaction only.
            cursor.execute("SET LOCAL session_replication_role = replica")
        dropped = [(t, name, ddl) for t in BULK_TABLES for name, ddl in secondary_indexes(cursor, t)]
        for _table, name, _ddl in dropped:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        phase = time.perf_counter()
        cursor.execute(INSERT_STAFF_USERS, {"n": STAFF_USERS})
        legal, legal_kana = _legal_slots()
        cursor.execute(
            INSERT_INSTITUTIONS,
            {
                "first": existing + 1,
                "last": TARGET_ROWS,
                "pref_slots": _slots(POPULATION),
                "legal": legal,
                "legal_kana": legal_kana,
                "w1": [w for w, _ in WORDS_1],
                "w1_kana": [k for _, k in WORDS_1],
                "n_w1": len(WORDS_1),
                "w2": [w for w, _ in WORDS_2],
                "w2_kana": [k for _, k in WORDS_2],
                "n_w2": len(WORDS_2),
                "cities": CITIES,
                "n_cities": len(CITIES),
            },
        )
        inserted = cursor.rowcount
        cursor.execute(INSERT_MEMBERSHIPS, {"n": STAFF_USERS})
        memberships = cursor.rowcount
        rows_s = time.perf_counter() - phase
        phase = time.perf_counter()
        for _table, _name, ddl in dropped:
            cursor.execute(ddl)
        index_s = time.perf_counter() - phase
    phase = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM as well as ANALYZE: sets the visibility map, as on a table in steady state,
        # so that index-only scans are possible.
        cursor.execute(
            "VACUUM (ANALYZE) institutions_institution, institutions_staffmembership, accounts_user"
        )
        analyze_s = time.perf_counter() - phase
    total = time.perf_counter() - started
    say(
        f"seed: {inserted:,} institutions, {memberships:,} memberships, {STAFF_USERS:,} staff users in "
        f"{total:.1f} s (rows {rows_s:.1f} s, {len(dropped)} indexes rebuilt {index_s:.1f} s, "
        f"VACUUM ANALYZE {analyze_s:.1f} s)"
    )


def analyze_lookup_tables() -> None:
    """ANALYZE the small tables the list joins if they never were (see the note printed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT relname FROM pg_stat_user_tables
            WHERE relname = ANY(%s) AND last_analyze IS NULL AND last_autoanalyze IS NULL
            ORDER BY relname
            """,
            [list(LOOKUP_TABLES)],
        )
        never = [row[0] for row in cursor.fetchall()]
        if not never:
            return
        cursor.execute("ANALYZE " + ", ".join(f'"{name}"' for name in never))
    say(
        f"note: {', '.join(never)} had no planner statistics: a table loaded once by a migration "
        "(47 prefectures, 8 bureaus) stays under autovacuum's 50-change threshold and is never "
        "analyzed; the planner then guesses hundreds of rows and can pick far slower plans. "
        "Analyzed now."
    )


def _bench_user(username: str, **fields: Any) -> User:
    user, _ = User.objects.update_or_create(username=username, defaults=fields)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="bench", key=TOTP_KEY, confirmed=True)
    return user


def logged_in_client(user: User) -> Client:
    """Log in and pass the second factor, as tests/conftest.py ``login_as`` does."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@dataclass
class Result:
    scope: str
    case: str
    via: str
    times: list[float] = field(default_factory=list)
    queries: int | None = None
    status: int | None = None
    rows: int | None = None
    slowest_sql: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95_ms(self) -> float:
        ordered_times = sorted(self.times)
        index = max(0, min(len(ordered_times) - 1, round(0.95 * len(ordered_times)) - 1))
        return ordered_times[index] * 1000


def timed(result: Result, run: Callable[[], Any], *, runs: int, warmups: int, budget_s: float) -> Result:
    """Warm up, then time ``runs`` calls (fewer if one call would blow the case's budget)."""
    slowest = 0.0
    for _ in range(warmups):
        t0 = time.perf_counter()
        run()
        slowest = max(slowest, time.perf_counter() - t0)
    if slowest > 0:
        runs = max(3, min(runs, int(budget_s / slowest)))
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        result.times.append(time.perf_counter() - t0)
    return result


def http_case(
    client: Client, url: str, result: Result, *, runs: int, warmups: int, budget_s: float
) -> Result:
    def run() -> None:
        response = client.get(url)
        result.status = response.status_code

    timed(result, run, runs=runs, warmups=warmups, budget_s=budget_s)
    # Query count (and the slowest query, for --explain) from one more, untimed, request.
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    result.queries = len(captured.captured_queries)
    if captured.captured_queries:
        result.slowest_sql = max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"]
    return result


def sql_case(
    sql: str, params: Sequence[Any], result: Result, *, runs: int, warmups: int, budget_s: float
) -> Result:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            result.rows = len(cursor.fetchall())

    timed(result, run, runs=runs, warmups=warmups, budget_s=budget_s)
    result.queries = 1
    return result


PAGE_SQL = """
SELECT i.*, p.name_ja, b.name_ja
FROM institutions_institution i
JOIN accounts_prefecture p ON p.code = i.prefecture_id
JOIN accounts_regionalbureau b ON b.id = p.bureau_id
WHERE i.category IN (3, 4) {scope}
ORDER BY i.name, i.id
LIMIT %s OFFSET %s
"""
GROUP_SQL = """
SELECT i.prefecture_id, p.name_ja, count(*)
FROM institutions_institution i
JOIN accounts_prefecture p ON p.code = i.prefecture_id
WHERE i.category IN (3, 4) {scope}
GROUP BY i.prefecture_id, p.name_ja
ORDER BY p.name_ja
LIMIT 200
"""


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def same_rows(user: User, page: int, scope_sql: str, scope_params: list[Any]) -> bool:
    """The workbench's rows for the page are the bare SQL's rows, in the same order."""
    size = settings.WORKBENCH_PAGE_SIZE
    params = ListParams(filters=("cat34",), sort="name", page=page)
    qs = ordered(INSTITUTIONS, filtered_queryset(INSTITUTIONS, user, params), params)
    offset = (page - 1) * size
    ours = list(qs.values_list("pk", flat=True)[offset : offset + size])
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL.format(scope=scope_sql), [*scope_params, size, offset])
        theirs = [row[0] for row in cursor.fetchall()]
    return ours == theirs


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def print_table(results: list[Result]) -> None:
    header = f"{'scope':<16} {'case':<26} {'via':<12} {'runs':>4} {'median ms':>10} {'p95 ms':>9} "
    header += f"{'queries':>7} {'status':>6}"
    say("")
    say(header)
    say("-" * len(header))
    for r in results:
        status = "—" if r.status is None else str(r.status)
        queries = "—" if r.queries is None else str(r.queries)
        say(
            f"{r.scope:<16} {r.case:<26} {r.via:<12} {len(r.times):>4} {_fmt(r.median_ms):>10} "
            f"{_fmt(r.p95_ms):>9} {queries:>7} {status:>6}"
        )


def print_ratios(results: list[Result]) -> None:
    by_key = {(r.scope, r.case, r.via): r for r in results}
    header = f"{'scope':<16} {'case':<26} {'workbench/SQL':>14} {'p95/SQL p95':>12} {'workbench/admin':>16}"
    say("")
    say("Ratios of medians (and of p95s to the bare SQL's)")
    say(header)
    say("-" * len(header))
    for (scope, case, via), r in by_key.items():
        if via != "workbench":
            continue
        sql = by_key.get((scope, case, "bare SQL"))
        adm = by_key.get((scope, case, "admin"))
        to_sql = f"{r.median_ms / sql.median_ms:,.1f}x" if sql else "—"
        p95_to_sql = f"{r.p95_ms / sql.p95_ms:,.1f}x" if sql else "—"
        to_admin = f"{r.median_ms / adm.median_ms:,.2f}x" if adm else "—"
        say(f"{scope:<16} {case:<26} {to_sql:>14} {p95_to_sql:>12} {to_admin:>16}")


def run_institutions(
    admin_user: User, reviewer: User, tokyo: RegionalBureau, opts: dict[str, Any]
) -> tuple[list[Result], list[tuple[str, User, str, list[Any]]]]:
    tokyo_prefs = sum(1 for _c, _ja, _en, b in PREFECTURES if b == "tokyo")
    visible_admin = Institution.objects.filter(category__in=[3, 4]).count()
    visible_tokyo = Institution.objects.filter(category__in=[3, 4], prefecture__bureau=tokyo).count()
    say(
        f"rows with f=cat34: administrator {visible_admin:,}; Tokyo-bureau reviewer {visible_tokyo:,} "
        f"({tokyo_prefs} prefectures); page {PAGE_DEEP:,} starts at row "
        f"{(PAGE_DEEP - 1) * settings.WORKBENCH_PAGE_SIZE + 1:,}"
    )
    size = settings.WORKBENCH_PAGE_SIZE
    cases = [
        ("a. filter, page 1", "/institutions/?f=cat34&sort=name", 1),
        (f"b. filter, page {PAGE_DEEP:,}", f"/institutions/?f=cat34&sort=name&page={PAGE_DEEP}", PAGE_DEEP),
        ("c. group by prefecture", "/institutions/?f=cat34&group=prefecture", None),
    ]
    # The admin sorts by list_display[0] (name) with o=0 (indexes are 0-based: o=1 would be
    # "kind"); its page parameter p is 1-based.
    admin_urls = {
        1: "/admin/institutions/institution/?category__in=3,4&o=0&p=1",
        PAGE_DEEP: f"/admin/institutions/institution/?category__in=3,4&o=0&p={PAGE_DEEP}",
    }
    scopes = [
        ("administrator", admin_user, "", []),
        ("reviewer Tokyo", reviewer, "AND p.bureau_id = %s", [tokyo.pk]),
    ]
    results: list[Result] = []
    for scope, user, scope_sql, scope_params in scopes:
        client = logged_in_client(user)
        for case, url, page in cases:
            say(f"  {scope}: {case} …")
            results.append(http_case(client, url, Result(scope, case, "workbench"), **opts))
            if page is not None and user.is_staff:
                results.append(http_case(client, admin_urls[page], Result(scope, case, "admin"), **opts))
            if page is None:
                sql, params = GROUP_SQL.format(scope=scope_sql), list(scope_params)
            else:
                sql = PAGE_SQL.format(scope=scope_sql)
                params = [*scope_params, size, (page - 1) * size]
            results.append(sql_case(sql, params, Result(scope, case, "bare SQL"), **opts))
    return results, scopes


def queue_same_rows(user: User, case: queue.Case, scope: tuple[str, str, list[Any]]) -> bool:
    """The workbench's rows (or groups and counts) are the bare SQL's, in the same order,
    and the forms it fetches and counts a page with (NamedFilter.rows_condition and
    count_condition, ListSpec.count_shortcut) select as many rows as the filters' own
    conditions, capped or not."""
    size = settings.WORKBENCH_PAGE_SIZE
    params = ListParams(filters=case.filters, sort=case.sort, group=case.group, page=case.page or 1)
    qs = filtered_queryset(USAGE_REQUESTS, user, params)
    sql, sql_params = queue.bare_sql(case, scope, size=size)
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        theirs = [(row[0], row[-1]) if case.page is None else row[0] for row in cursor.fetchall()]
    if case.page is None:
        group = USAGE_REQUESTS.group_by(case.group)
        assert group is not None
        return [(g.value, g.count) for g in group_rows(USAGE_REQUESTS, qs, group)] == theirs
    offset = (case.page - 1) * size
    rows = filtered_queryset(USAGE_REQUESTS, user, params, form="rows")
    ours = list(ordered(USAGE_REQUESTS, rows, params).values_list("pk", flat=True)[offset : offset + size])
    counted = filtered_queryset(USAGE_REQUESTS, user, params, form="count")
    same_count = counted.order_by().count() == qs.order_by().count() == rows.order_by().count()
    shortcut = USAGE_REQUESTS.count_shortcut(user, params) if USAGE_REQUESTS.count_shortcut else None
    if shortcut is not None:
        same_count = same_count and shortcut.order_by().count() == qs.order_by().count()
    return ours == theirs and same_count


ROW_LINK = re.compile(r'href="/usage-requests/\d+/"')
ADMIN_ROW = re.compile(r"/admin/usage_requests/usagerequest/(\d+)/change/")


def queue_admin_same_rows(client: Client, case: queue.Case, scope: tuple[str, str, list[Any]]) -> bool:
    """The admin changelist lists the bare SQL's rows, in the same order."""
    response = client.get(case.admin_url.format(page=case.page))
    ours = [int(pk) for pk in ADMIN_ROW.findall(response.content.decode())]
    sql, params = queue.bare_sql(case, scope, size=settings.WORKBENCH_PAGE_SIZE)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return ours == [row[0] for row in cursor.fetchall()]


def page_size_table(clients: list[tuple[str, Client]], runs: int) -> None:
    """Query count (and rows, median time) of the same pages at three page sizes, in-process."""
    sizes = (25, 50, 200)
    deep_row = (queue.PAGE_DEEP - 1) * settings.WORKBENCH_PAGE_SIZE + 1
    pages: list[tuple[str, Callable[[int], str]]] = [
        ("a. open by due date, p. 1", lambda size: "/usage-requests/?f=open&sort=due_on"),
        ("b. cat. 3/4, p. 1", lambda size: "/usage-requests/?f=cat34&sort=-number"),
        (
            f"b. cat. 3/4, row {deep_row:,}",
            lambda size: f"/usage-requests/?f=cat34&sort=-number&page={(deep_row - 1) // size + 1}",
        ),
    ]
    head = "".join(f" {f'{n} rows/page':>24}" for n in sizes)
    header = f"{'scope':<16} {'page':<26}{head}"
    say("")
    say(f"Same page at WORKBENCH_PAGE_SIZE {', '.join(map(str, sizes))}: queries / rows shown / median ms")
    say(header)
    say("-" * len(header))
    for scope, client in clients:
        for label, url_for in pages:
            cells = []
            for size in sizes:
                with override_settings(WORKBENCH_PAGE_SIZE=size):
                    url = url_for(size)
                    client.get(url)  # warm-up
                    times = []
                    for _ in range(runs):
                        t0 = time.perf_counter()
                        client.get(url)
                        times.append(time.perf_counter() - t0)
                    with CaptureQueriesContext(connection) as captured:
                        response = client.get(url)
                shown = len(ROW_LINK.findall(response.content.decode()))
                cell = f"{len(captured.captured_queries)} / {shown} / {statistics.median(times) * 1000:,.0f}"
                cells.append(f" {cell:>24}")
            say(f"{scope:<16} {label:<26}{''.join(cells)}")


def run_queue(
    admin_user: User, reviewer: User, tokyo: RegionalBureau, opts: dict[str, Any]
) -> tuple[list[Result], list[tuple[str, User]]]:
    size = settings.WORKBENCH_PAGE_SIZE
    sql_scopes = queue.scopes(tokyo)
    open_states = ["submitted", "under_review", "recommended"]
    visible = UsageRequest.objects.exclude(state="draft")
    tokyo_rows = UsageRequest.objects.filter(review__bureau=tokyo)
    say(
        f"usage requests: {UsageRequest.objects.count():,}; open (f=open): administrator "
        f"{visible.filter(state__in=open_states).count():,}, Tokyo reviewer "
        f"{tokyo_rows.filter(state__in=open_states).count():,}; f=cat34: administrator "
        f"{visible.filter(institution__category__in=[3, 4]).count():,}, Tokyo reviewer "
        f"{tokyo_rows.filter(institution__category__in=[3, 4]).count():,}; page {queue.PAGE_DEEP:,} "
        f"starts at row {(queue.PAGE_DEEP - 1) * size + 1:,}"
    )
    with connection.cursor() as cursor:
        # The queue's "open" filters rely on it: a review is open exactly while its request is.
        cursor.execute(
            "SELECT count(*) FROM usage_requests_usagerequest u JOIN reviews_review r ON r.id = u.review_id "
            "WHERE (r.closed_at IS NULL) <> (u.state IN ('submitted', 'under_review', 'returned', 'recommended'))"
        )
        say(f"reviews whose closed_at disagrees with their request's state: {cursor.fetchone()[0]:,}")
    users = [("administrator", admin_user), ("reviewer Tokyo", reviewer)]
    results: list[Result] = []
    for scope, user in users:
        client = logged_in_client(user)
        for case in queue.CASES:
            say(f"  {scope}: {case.label} …")
            results.append(http_case(client, case.url, Result(scope, case.label, "workbench"), **opts))
            if case.admin_url and user.is_staff:
                url = case.admin_url.format(page=case.page)
                results.append(http_case(client, url, Result(scope, case.label, "admin"), **opts))
            sql, params = queue.bare_sql(case, sql_scopes[scope], size=size)
            results.append(sql_case(sql, params, Result(scope, case.label, "bare SQL"), **opts))
    return results, users


def print_explains(results: list[Result]) -> None:
    for r in results:
        if r.via in {"workbench", "admin"} and r.slowest_sql:
            say(f"\n=== EXPLAIN ANALYZE: slowest query of {r.scope} / {r.case} / {r.via}")
            say(r.slowest_sql)
            say(explain(r.slowest_sql))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per case (default 20)")
    parser.add_argument("--warmups", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds per case; fewer runs if one is slow"
    )
    parser.add_argument(
        "--lists",
        default="institutions,queue",
        help="comma-separated: institutions, queue (default both; the queue seeds on the institutions)",
    )
    parser.add_argument(
        "--size-runs", type=int, default=5, help="timed runs per page in the page-size table (default 5)"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each workbench page")
    args = parser.parse_args(argv)
    lists = {name.strip() for name in args.lists.split(",") if name.strip()}
    if connection.vendor != "postgresql":
        say("bench/list_views.py needs PostgreSQL: set DATABASE_URL (make bench does).")
        return 2
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    say(
        f"PostgreSQL {version}; page size {settings.WORKBENCH_PAGE_SIZE}, "
        f"count cap {settings.WORKBENCH_COUNT_CAP:,}"
    )
    seed()
    if "queue" in lists:
        queue.seed()
    analyze_lookup_tables()

    tokyo = RegionalBureau.objects.get(code="tokyo")
    admin_user = _bench_user(
        "bench_admin", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True, is_active=True
    )
    reviewer = _bench_user("bench_reviewer_tokyo", role=Role.REVIEWER, bureau=tokyo, is_active=True)
    opts = {"runs": args.runs, "warmups": args.warmups, "budget_s": args.budget}
    bad: list[Result] = []

    if "institutions" in lists:
        say("")
        say("== institutions list (1,000,000 institutions)")
        results, scopes = run_institutions(admin_user, reviewer, tokyo, opts)
        print_table(results)
        print_ratios(results)
        say("")
        for scope, user, scope_sql, scope_params in scopes:
            checks = [
                f"page {p:,}: {'yes' if same_rows(user, p, scope_sql, scope_params) else 'NO'}"
                for p in (1, PAGE_DEEP)
            ]
            say(f"same rows as bare SQL ({scope}): " + ", ".join(checks))
        say(f"deep page offset {(PAGE_DEEP - 1) * settings.WORKBENCH_PAGE_SIZE:,}")
        bad += [r for r in results if r.status not in (None, 200)]
        if args.explain:
            print_explains(results)

    if "queue" in lists:
        say("")
        say("== review queue (1,000,000 usage requests with their reviews)")
        q_results, users = run_queue(admin_user, reviewer, tokyo, opts)
        print_table(q_results)
        print_ratios(q_results)
        say("")
        sql_scopes = queue.scopes(tokyo)
        for scope, user in users:
            checks = [
                f"{case.label[:2]} {'yes' if queue_same_rows(user, case, sql_scopes[scope]) else 'NO'}"
                for case in queue.CASES
            ]
            say(f"same rows as bare SQL ({scope}): " + ", ".join(checks))
            if user.is_staff:
                client = logged_in_client(user)
                checks = [
                    f"{case.label[:2]} {'yes' if queue_admin_same_rows(client, case, sql_scopes[scope]) else 'NO'}"
                    for case in queue.CASES
                    if case.admin_url
                ]
                say(f"admin changelist, same rows as bare SQL ({scope}): " + ", ".join(checks))
        page_size_table([(scope, logged_in_client(user)) for scope, user in users], args.size_runs)
        bad += [r for r in q_results if r.status not in (None, 200)]
        if args.explain:
            print_explains(q_results)

    say("")
    for r in bad:
        say(f"WARNING: {r.scope} {r.case} via {r.via} answered HTTP {r.status}")
    say(f"bench took {time.perf_counter() - began:.0f} s in all")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
