"""Exports (出力) on PostgreSQL: our streaming export vs ``COPY … TO STDOUT``, and vs stock import-export.

Run by ``make bench`` (scripts/bench.sh starts a throwaway PostgreSQL and migrates it). By hand,
against a migrated PostgreSQL::

    DATABASE_URL=postgresql://app:app@127.0.0.1:54339/app .venv/bin/python -m bench.exports \\
        --audit-rows 1000000 --applications 100000

Seeds (once; skipped when the rows are there) ``--audit-rows`` audit events and ``--applications``
residence applications with bulk SQL, then measures in the same run:

  a. ours CSV    ``export_build`` of the "audit_events" list (every event, the list's order) for an
                 auditor, as the worker runs it: query, cells, CSV file, SHA-256, audit
  b. COPY        ``COPY (SELECT <the export's 13 columns> FROM audit_auditevent ORDER BY <the same>)
                 TO STDOUT WITH CSV`` through psycopg into a file: the same rows, the same order
  c. ours XLSX   ``export_build`` of the "applications" list
  d. stock XLSX  ``ApplicationResource().export(queryset)`` then tablib's XLSX, as import-export's
                 admin does, on the same queryset (same rows, order and select_related)

Each measured export runs in a child process of its own (``python -m bench.exports --child …``);
its peak memory is the child's RSS high-water mark (``os.wait4``'s ``ru_maxrss``) minus that of
an idle child that only sets Django up, imports the same modules and connects. The row counts of
every file are checked, and the CSV files of a and b must list the same events in the same order.

The production row cap of an export (WORKBENCH_EXPORT_MAX_ROWS, 1,000,000 by default) is lifted in
the children so that the whole table goes through. Targets (issue 8 §4): CSV at least half of
COPY's rate with a peak under 150 MB; XLSX at least 3× the stock export. When one is missed, a
cProfile of a 100,000-row slice of that export (the cap set to 100,000) is printed.

The seeded audit rows look like the real ones (actions, actors, targets, data, chains with
consecutive sequence numbers), but their hashes are synthetic: the chains do not verify.
Figures are printed, never asserted.
"""

# ruff: noqa: E402  (django.setup() must run before the project's imports)
from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import platform
import pstats
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from applications.lists import ApplicationResource
from applications.models import Application
from backoffice.access.roles import Role
from backoffice.accounts.models import Prefecture, RegionalBureau, User
from backoffice.audit.models import AuditEvent
from backoffice.workbench.lists import ListParams, filtered_queryset, ordered
from backoffice.workbench.models import ExportJob
from backoffice.workbench.registry import LIST_SPECS
from backoffice.workbench.services import export_job_create
from backoffice.workbench.tasks import export_build, export_dir
from bench.pgload import say, secondary_indexes
from institutions.models import Institution, StaffMembership

PREFIX = "bench_exp_"
AUDITOR = f"{PREFIX}auditor"
INSTITUTIONS = 500
REVIEWERS_PER_BUREAU = 3
AUDIT_SPAN_SECONDS = 3 * 365 * 86400  # three years of history
APPLICATION_SPAN_SECONDS = 2 * 365 * 86400
PER_FILING = 4  # applications per filing (simultaneous bundles and bulk uploads)
UNCAPPED = 100_000_000
PROFILE_ROWS = 100_000

# The columns of AuditEventResource, in its export order, and the list's order (default sort
# "-global_seq" and the primary key as tie-break, as workbench.lists.ordered adds it).
AUDIT_COLUMNS = (
    "global_seq, occurred_at, actor_label, action, target_type, target_id, target_label, institution_id, "
    "chain, chain_seq, request_id, data, hash"
)
AUDIT_ORDER = "global_seq DESC, id DESC"

# --- seeding --------------------------------------------------------------------------------


def world() -> dict[str, list[Any]]:
    """The bench's cast, made once: an auditor (the exporter), three reviewers per bureau, and
    INSTITUTIONS institutions across the prefectures, each with an HR officer."""
    from institutions.rules import corporate_number_check_digit

    User.objects.get_or_create(
        username=AUDITOR,
        defaults={"role": Role.AUDITOR, "email": "auditor@example.go.jp", "display_name": "監査担当 ベンチ"},
    )
    bureaus = list(RegionalBureau.objects.order_by("ordering"))
    User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}rev_{b.code}_{k}",
                role=Role.REVIEWER,
                bureau=b,
                password="!bench",
                email=f"rev_{b.code}_{k}@example.go.jp",
                display_name=f"審査官 {b.name_ja[:2]}{k}",
            )
            for b in bureaus
            for k in range(1, REVIEWERS_PER_BUREAU + 1)
        ],
        ignore_conflicts=True,
    )
    prefectures = list(Prefecture.objects.order_by("code"))
    have = Institution.objects.filter(name__startswith="出力ベンチ").count()
    if have < INSTITUTIONS:
        institutions = []
        for i in range(have, INSTITUTIONS):
            base = f"{700000000000 + i:012d}"
            pref = prefectures[(i * 7) % len(prefectures)]
            institutions.append(
                Institution(
                    kind="accepting",
                    name=f"出力ベンチ{['食品', '製作所', '介護', '物流', '情報'][i % 5]}株式会社{i:03d}",
                    corporate_number=f"{corporate_number_check_digit(base)}{base}",
                    prefecture=pref,
                    address=f"{pref.name_ja}中央区本町{i % 9 + 1}-{i % 20 + 1}-{i % 7 + 1}",
                    statutory_report_filed=True,
                    withholding_tax_yen=2_000_000 + i * 10_000,
                    category=3,
                    category_reason="CAT3-FILED",
                )
            )
        Institution.objects.bulk_create(institutions)
    institutions = list(Institution.objects.filter(name__startswith="出力ベンチ").order_by("pk"))
    User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}hr_{n:03d}",
                role=Role.INSTITUTION_STAFF,
                password="!bench",
                email=f"hr{n:03d}@example.test",
                display_name=f"人事担当 {n:03d}",
            )
            for n in range(len(institutions))
        ],
        ignore_conflicts=True,
    )
    staff = {u.username: u for u in User.objects.filter(username__startswith=f"{PREFIX}hr_")}
    members = [staff[f"{PREFIX}hr_{n:03d}"] for n in range(len(institutions))]
    if not StaffMembership.objects.filter(user__username__startswith=f"{PREFIX}hr_").exists():
        from datetime import date

        StaffMembership.objects.bulk_create(
            [
                StaffMembership(user=u, institution=inst, valid_from=date(2023, 4, 1))
                for u, inst in zip(members, institutions, strict=True)
            ]
        )
    reviewers = list(User.objects.filter(username__startswith=f"{PREFIX}rev_").order_by("pk"))
    return {"institutions": institutions, "staff": members, "reviewers": reviewers}


# One kind of audit event per entry: (action, weight in 100, target, actor, institution-scoped,
# target id, target label, data). SQL over the row ``k`` below: g, seq, at, h3, h4, app_no,
# inst_id, inst_name, staff_name, rev_name, plus the actor's columns.
APP_LABEL = "'P-' || to_char(k.at, 'YYYYMMDD') || '-' || lpad(k.app_no::text, 7, '0')"
TRANSITION = "jsonb_build_object('field', 'state', 'from', '{0}', 'to', '{1}')"
AUDIT_KINDS: list[tuple[str, int, str, str, bool, str, str, str]] = [
    ("application.submit", 14, "applications.application", "staff", True, "k.app_no::text", APP_LABEL,
     f"jsonb_build_object('transition', {TRANSITION.format('draft', 'submitted')}, 'provisional_number', "
     f"{APP_LABEL}, 'bureau', 1 + k.h3 % 8, 'permission', jsonb_build_object('allowed', true, 'reason', "
     "'INSTITUTION_STAFF_AFFILIATED', 'version', '2025.1'))"),
    ("application.receive", 12, "applications.application", "system", True, "k.app_no::text", APP_LABEL,
     f"jsonb_build_object('transition', {TRANSITION.format('submitted', 'received')}, 'receipt_number', "
     "'東オン' || to_char(k.at, 'YYYY') || '-' || lpad((k.app_no % 1000000)::text, 6, '0'))"),
    ("application.start_examination", 10, "applications.application", "reviewer", True, "k.app_no::text",
     APP_LABEL, f"jsonb_build_object('transition', {TRANSITION.format('received', 'under_examination')})"),
    ("application.request_supplement", 3, "applications.application", "reviewer", True, "k.app_no::text",
     APP_LABEL,
     f"jsonb_build_object('transition', {TRANSITION.format('under_examination', 'awaiting_supplement')}, "
     "'message', '在職証明書（発行日から3か月以内のもの）を提出してください。', "
     "'due_on', to_char(k.at + interval '14 days', 'YYYY-MM-DD'))"),
    ("application.grant", 7, "applications.application", "reviewer", True, "k.app_no::text", APP_LABEL,
     f"jsonb_build_object('transition', {TRANSITION.format('under_examination', 'granted')})"),
    ("application.deny", 1, "applications.application", "reviewer", True, "k.app_no::text", APP_LABEL,
     f"jsonb_build_object('transition', {TRANSITION.format('under_examination', 'denied')}, 'reason', "
     "'活動内容が申請に係る在留資格に該当すると認められません。')"),
    ("application.attachment_added", 12, "applications.application", "staff", True, "k.app_no::text",
     APP_LABEL,
     "jsonb_build_object('kind', CASE WHEN k.h4 % 5 = 0 THEN 'photo' ELSE 'document' END, 'name', "
     "CASE WHEN k.h4 % 5 = 0 THEN 'photo.jpg' ELSE 'zaishoku_shomei.pdf' END, 'size', 40000 + k.h4 % 900000, "
     "'sha256', encode(sha256(convert_to('att' || k.g, 'UTF8')), 'hex'))"),
    ("usage_request.submit", 4, "usage_requests.usagerequest", "staff", True, "(k.h4 % 200000 + 1)::text",
     "'UR-' || lpad((k.h4 % 200000 + 1)::text, 7, '0')",
     f"jsonb_build_object('transition', {TRANSITION.format('draft', 'submitted')})"),
    ("usage_request.assigned", 3, "usage_requests.usagerequest", "reviewer", True, "(k.h4 % 200000 + 1)::text",
     "'UR-' || lpad((k.h4 % 200000 + 1)::text, 7, '0')", "jsonb_build_object('assignee', k.rev_name)"),
    ("comment.posted", 5, "applications.application", "reviewer", True, "k.app_no::text", APP_LABEL,
     "jsonb_build_object('body', '書類を確認しました。@' || k.staff_name || ' 在職証明書の発行日をご確認ください。', "
     "'mentions', jsonb_build_array(k.staff_name))"),
    ("activity.scheduled", 3, "applications.application", "reviewer", True, "k.app_no::text", APP_LABEL,
     "jsonb_build_object('activity_id', k.g, 'summary', '勤務先への在籍確認', 'assignee', k.rev_name, "
     "'due_on', to_char(k.at + interval '7 days', 'YYYY-MM-DD'))"),
    ("institution.updated", 3, "institutions.institution", "staff", True, "k.inst_id::text", "k.inst_name",
     "jsonb_build_object('changes', jsonb_build_object('phone', jsonb_build_array('03-1234-' || lpad((k.h4 % "
     "10000)::text, 4, '0'), '03-5678-' || lpad((k.h3 % 10000)::text, 4, '0'))))"),
    ("auth_id.password_set", 2, "usage_requests.authenticationid", "staff", True, "(k.h4 % 50000 + 1)::text",
     "'ID' || lpad((k.h4 % 50000 + 1)::text, 8, '0')", "'{}'::jsonb"),
    ("user.logged_in", 16, "accounts.user", "staff", False, "k.actor_id::text", "k.actor_name", "'{}'::jsonb"),
    ("api.call", 4, "applications.serviceoperator", "system", False, "(1 + k.h4 % 12)::text",
     "'申請代行サービス' || (1 + k.h4 % 12)",
     "jsonb_build_object('method', 'POST', 'path', '/api/v1/applications/', 'status', "
     "CASE WHEN k.h4 % 20 = 0 THEN 422 ELSE 201 END, 'ms', 40 + k.h3 % 400)"),
    ("export.completed", 1, "workbench.exportjob", "auditor", False, "(k.g % 100000)::text",
     "'export ' || (k.g % 100000)",
     "jsonb_build_object('list', 'applications', 'filter', jsonb_build_object('f', jsonb_build_array('open')), "
     "'format', 'csv', 'encoding', 'utf-8-sig', 'rows', k.h4 % 20000, 'sha256', "
     "encode(sha256(convert_to('exp' || k.g, 'UTF8')), 'hex'))"),
]  # fmt: skip
assert sum(k[1] for k in AUDIT_KINDS) == 100


def _case(column: int) -> str:
    # Column 2, the target type, is a name; the others are SQL expressions.
    whens = " ".join(
        f"WHEN '{k[0]}' THEN {f'{k[column]!r}' if column == 2 else k[column]}" for k in AUDIT_KINDS
    )
    return f"CASE k.action {whens} END".replace("%", "%%")  # the statement takes parameters


def _actor_case(part: str) -> str:
    """The actor's id or label by the kind's actor: the institution's HR officer, a reviewer,
    the auditor, or none (system)."""
    sources = {"staff": f"k.staff_{part}", "reviewer": f"k.rev_{part}", "auditor": f"k.auditor_{part}"}
    whens = " ".join(f"WHEN '{k[0]}' THEN {sources[k[3]]}" for k in AUDIT_KINDS if k[3] in sources)
    otherwise = "NULL" if part == "id" else "'system'"
    return f"CASE k.action {whens} ELSE {otherwise} END"


def _hash(text_sql: str) -> str:
    return f"encode(sha256(convert_to({text_sql}, 'UTF8')), 'hex')"


INSERT_AUDIT = f"""
WITH d AS (
    SELECT g, %(base)s + g AS seq,
           hashint8extended(g, 21) & 2147483647 AS h1,
           hashint8extended(g, 22) & 2147483647 AS h2,
           hashint8extended(g, 23) & 2147483647 AS h3,
           hashint8extended(g, 24) & 2147483647 AS h4,
           now() - ((%(n)s - g) * %(span)s / %(n)s) * interval '1 second' AS at
    FROM generate_series(1, %(n)s::bigint) AS g
), k0 AS (
    SELECT d.*, (%(kinds)s::text[])[1 + d.h1 %% 100] AS action, 1 + d.h2 %% %(n_inst)s AS ii,
           1 + d.h3 %% %(n_rev)s AS ri, 1 + d.h4 %% 900000 AS app_no
    FROM d
), k AS (
    SELECT k0.*,
           (%(inst_ids)s::bigint[])[k0.ii] AS inst_id, (%(inst_names)s::text[])[k0.ii] AS inst_name,
           (%(staff_ids)s::bigint[])[k0.ii] AS staff_id, (%(staff_labels)s::text[])[k0.ii] AS staff_label,
           (%(staff_names)s::text[])[k0.ii] AS staff_name,
           (%(rev_ids)s::bigint[])[k0.ri] AS rev_id, (%(rev_labels)s::text[])[k0.ri] AS rev_label,
           (%(rev_names)s::text[])[k0.ri] AS rev_name,
           %(auditor_id)s::bigint AS auditor_id, %(auditor_label)s::text AS auditor_label,
           (%(staff_ids)s::bigint[])[k0.ii] AS actor_id, (%(staff_names)s::text[])[k0.ii] AS actor_name
    FROM k0
), ev AS (
    SELECT k.seq, k.at, k.g,
           {_actor_case("id")} AS actor_id,
           {_actor_case("label")} AS actor_label,
           k.action,
           {_case(2)} AS target_type,
           {_case(5)} AS target_id,
           left({_case(6)}, 255) AS target_label,
           CASE WHEN {_case(4)} THEN k.inst_id END AS institution_id,
           {_case(7)} AS data,
           CASE WHEN k.action IN ('application.receive') THEN ''
                ELSE md5('req' || k.g) END AS request_id
    FROM k
), chained AS (
    SELECT r.*, coalesce('institution:' || r.institution_id, 'system') AS chain
    FROM ev r
), numbered AS (
    SELECT c.*, coalesce(h.last_seq, 0) + row_number() OVER (PARTITION BY c.chain ORDER BY c.seq) AS chain_seq
    FROM chained c LEFT JOIN audit_auditchainhead h ON h.chain = c.chain
)
INSERT INTO audit_auditevent (global_seq, chain, chain_seq, occurred_at, actor_id, actor_label, action,
    target_type, target_id, target_label, institution_id, data, request_id, prev_hash, hash, chain_prev_hash,
    chain_hash)
SELECT n.seq, n.chain, n.chain_seq, n.at, n.actor_id, n.actor_label, n.action, n.target_type, n.target_id,
       n.target_label, n.institution_id, n.data, n.request_id,
       CASE WHEN n.seq = 1 THEN repeat('0', 64) ELSE {_hash("'bench:' || (n.seq - 1)")} END,
       {_hash("'bench:' || n.seq")},
       CASE WHEN n.chain_seq = 1 THEN repeat('0', 64) ELSE {_hash("'bench:' || n.chain || ':' || (n.chain_seq - 1)")} END,
       {_hash("'bench:' || n.chain || ':' || n.chain_seq")}
FROM numbered n
ORDER BY n.seq
"""

UPDATE_HEADS = """
INSERT INTO audit_auditchainhead (chain, last_seq, last_hash)
SELECT * FROM (SELECT DISTINCT ON (chain) chain, chain_seq, chain_hash FROM audit_auditevent
               ORDER BY chain, chain_seq DESC) AS per_chain
UNION ALL
SELECT * FROM (SELECT 'global', global_seq, hash FROM audit_auditevent ORDER BY global_seq DESC LIMIT 1) AS g
ON CONFLICT (chain) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash
"""


def _bulk_session(cursor: Any) -> None:
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        # Ids and references are generated consistently: skip the per-row FK triggers.
        cursor.execute("SET LOCAL session_replication_role = replica")


def seed_audit(target: int, cast: dict[str, list[Any]]) -> None:
    existing = AuditEvent.objects.count()
    if existing >= target:
        say(f"seed: {existing:,} audit events already there, skipping")
        return
    n = target - existing
    started = time.perf_counter()
    kinds = [k[0] for k in AUDIT_KINDS for _ in range(k[1])]
    auditor = User.objects.get(username=AUDITOR)
    institutions, staff, reviewers = cast["institutions"], cast["staff"], cast["reviewers"]
    with transaction.atomic(), connection.cursor() as cursor:
        _bulk_session(cursor)
        cursor.execute("SELECT coalesce(max(global_seq), 0) FROM audit_auditevent")
        base = cursor.fetchone()[0]
        dropped = secondary_indexes(cursor, "audit_auditevent")
        for name, _ddl in dropped:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute(
            INSERT_AUDIT,
            {
                "base": base, "n": n, "span": AUDIT_SPAN_SECONDS, "kinds": kinds, "n_inst": len(institutions),
                "n_rev": len(reviewers), "inst_ids": [i.pk for i in institutions],
                "inst_names": [i.name for i in institutions], "staff_ids": [u.pk for u in staff],
                "staff_labels": [str(u) for u in staff], "staff_names": [u.username for u in staff],
                "rev_ids": [u.pk for u in reviewers], "rev_labels": [str(u) for u in reviewers],
                "rev_names": [u.username for u in reviewers], "auditor_id": auditor.pk,
                "auditor_label": str(auditor),
            },
        )  # fmt: skip
        inserted = cursor.rowcount
        cursor.execute(UPDATE_HEADS)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), (SELECT max(id) FROM audit_auditevent))"
        )
        rows_s = time.perf_counter() - started
        phase = time.perf_counter()
        for _name, ddl in dropped:
            cursor.execute(ddl)
        index_s = time.perf_counter() - phase
    phase = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) audit_auditevent, audit_auditchainhead")
    say(
        f"seed: {inserted:,} audit events in {time.perf_counter() - started:.1f} s (rows {rows_s:.1f} s, "
        f"{len(dropped)} indexes rebuilt {index_s:.1f} s, VACUUM ANALYZE {time.perf_counter() - phase:.1f} s)"
    )


STATES = [  # (state, weight in 100)
    ("draft", 3), ("submitted", 4), ("received", 6), ("under_examination", 14), ("awaiting_supplement", 3),
    ("granted", 4), ("denied", 3), ("awaiting_issue", 4), ("completed", 54), ("withdrawn", 5),
]  # fmt: skip
PROCEDURES = [
    ("extension", 45), ("change", 25), ("coe", 15), ("reentry", 5), ("extra_activity", 5), ("acquisition", 3),
    ("work_certificate", 2),
]  # fmt: skip
STATUSES = [
    "engineer_humanities_international", "specified_skilled_worker", "technical_intern_training",
    "nursing_care", "skilled_labor", "intra_company_transferee", "student", "dependent",
]  # fmt: skip
FAMILY = ["NGUYEN", "TRAN", "LE", "PHAM", "WANG", "LI", "ZHANG", "SANTOS", "REYES", "SHRESTHA", "GURUNG",
          "SARI", "KIM", "PARK", "AUNG", "SILVA"]  # fmt: skip
GIVEN = ["VAN AN", "THI HOA", "MINH", "WEI", "XIAO MEI", "MARIA", "JOSE", "RAM", "SITA", "DEWI", "JI-HOON",
         "THANT", "ANA", "KUMAR", "LAN", "HAO"]  # fmt: skip
NATIONS = ["ベトナム", "中国", "フィリピン", "ネパール", "インドネシア", "韓国", "ミャンマー", "ブラジル"]
PERMISSION = json.dumps(
    {"allowed": True, "reason": "INSTITUTION_STAFF_AFFILIATED", "explanation": {"ja": "所属機関の職員として申請できます",
     "en": "may file as staff of the affiliated institution"}, "version": "2025.1"}, ensure_ascii=False,
)  # fmt: skip

INSERT_FILINGS = """
INSERT INTO applications_filing (id, filer_kind, mode, created_at, submitted_at, filer_id, institution_id)
SELECT %(base)s + f, 'institution_staff',
       CASE WHEN h %% 10 < 7 THEN 'individual' WHEN h %% 10 < 9 THEN 'simultaneous' ELSE 'bulk' END,
       at, at + interval '12 minutes',
       (%(staff_ids)s::bigint[])[1 + h %% %(n_inst)s], (%(inst_ids)s::bigint[])[1 + h %% %(n_inst)s]
FROM (SELECT f, hashint8extended(f, 31) & 2147483647 AS h,
             now() - ((%(nf)s - f) * %(span)s / %(nf)s) * interval '1 second' AS at
      FROM generate_series(1, %(nf)s::bigint) AS f) AS x
"""

INSERT_APPLICATIONS = """
WITH d AS (
    SELECT g, %(app_base)s + g AS id, %(filing_base)s + 1 + (g - 1) / %(per)s AS filing_id,
           hashint8extended(g, 41) & 2147483647 AS h1,
           hashint8extended(g, 42) & 2147483647 AS h2,
           hashint8extended(g, 43) & 2147483647 AS h3,
           hashint8extended(g, 44) & 2147483647 AS h4
    FROM generate_series(1, %(n)s::bigint) AS g
), s AS (
    SELECT d.*, f.filer_id, f.institution_id, f.submitted_at AS filed, f.created_at,
           i.prefecture_id, p.bureau_id, b.receipt_prefix,
           (%(states)s::text[])[1 + d.h1 %% 100] AS state,
           (%(procedures)s::text[])[1 + d.h2 %% 100] AS procedure
    FROM d
    JOIN applications_filing f ON f.id = d.filing_id
    JOIN institutions_institution i ON i.id = f.institution_id
    JOIN accounts_prefecture p ON p.code = i.prefecture_id
    JOIN accounts_regionalbureau b ON b.id = p.bureau_id
), t AS (
    SELECT s.*,
           s.state NOT IN ('draft', 'submitted') AND NOT (s.state = 'withdrawn' AND s.h3 %% 2 = 0) AS received,
           s.state IN ('granted', 'denied', 'awaiting_issue', 'completed') AS decided,
           s.state IN ('awaiting_issue', 'completed') AS fee_paid,
           s.state = 'completed' AS mailed,
           s.filed + interval '1 day' + (s.h3 %% 600) * interval '1 minute' AS recv_at,
           s.filed + (20 + s.h3 %% 40) * interval '1 day' AS decision_at
    FROM s
)
INSERT INTO applications_application (id, procedure, subject_name, nationality, date_of_birth, sex,
    residence_card_number, address, notification_email, current_status, period_of_stay_until, status, notice,
    relationship, subject_unable, family_in_japan, details, permission, state, provisional_number,
    receipt_number, receipt_year, receipt_serial, submitted_at, received_at, decided_at, decision_reason,
    fee_yen, fee_confirmed_at, tracking_number, mailed_at, completed_at, withdrawn_at, created_at, updated_at,
    bureau_id, employee_id, examiner_id, filer_id, institution_id, prefecture_id, principal_id, filing_id)
SELECT t.id, t.procedure,
       (%(family)s::text[])[1 + t.h3 %% 16] || ' ' || (%(given)s::text[])[1 + t.h4 %% 16],
       (%(nations)s::text[])[1 + t.h3 %% 8],
       DATE '1970-01-01' + (t.h4 %% 12000)::int,
       CASE WHEN t.h4 %% 2 = 0 THEN 'M' ELSE 'F' END,
       CASE WHEN t.procedure = 'coe' THEN ''
            ELSE chr(65 + (t.h1 %% 26)::int) || chr(65 + (t.h2 %% 26)::int) || lpad(t.g::text, 8, '0') || 'JP' END,
       '東京都新宿区西新宿' || (1 + t.h3 %% 9) || '-' || (1 + t.h4 %% 30) || '-' || (1 + t.h2 %% 12),
       'w' || t.g || '@example.test',
       CASE WHEN t.procedure = 'coe' THEN '' ELSE (%(statuses)s::text[])[1 + t.h4 %% 8] END,
       CASE WHEN t.procedure = 'coe' THEN NULL ELSE (t.filed + (30 + t.h2 %% 60) * interval '1 day')::date END,
       (%(statuses)s::text[])[1 + (t.h4 / 8) %% 8], '', '', false, NULL, '{}'::jsonb, %(permission)s::jsonb,
       t.state,
       CASE WHEN t.state <> 'draft'
            THEN 'P-' || to_char(t.filed AT TIME ZONE 'Asia/Tokyo', 'YYYYMMDD') || '-' || lpad(t.id::text, 7, '0') END,
       CASE WHEN t.received THEN t.receipt_prefix || to_char(t.recv_at AT TIME ZONE 'Asia/Tokyo', 'YYYY') || '-'
            || lpad(t.g::text, greatest(6, length(t.g::text)), '0') END,
       CASE WHEN t.received THEN extract(year FROM t.recv_at AT TIME ZONE 'Asia/Tokyo')::int END,
       CASE WHEN t.received THEN t.g END,
       CASE WHEN t.state <> 'draft' THEN t.filed END,
       CASE WHEN t.received THEN t.recv_at END,
       CASE WHEN t.decided THEN t.decision_at END,
       CASE WHEN t.state = 'denied' THEN '活動内容が申請に係る在留資格に該当すると認められません。' ELSE '' END,
       CASE WHEN t.decided AND t.state <> 'denied' AND t.procedure IN ('extension', 'change', 'acquisition')
            THEN 6000 WHEN t.decided AND t.state <> 'denied' AND t.procedure = 'reentry' THEN 4000 END,
       CASE WHEN t.fee_paid THEN t.decision_at + interval '5 days' END,
       CASE WHEN t.mailed THEN 'EJ' || lpad(t.g::text, 9, '0') || 'JP' ELSE '' END,
       CASE WHEN t.mailed THEN t.decision_at + interval '7 days' END,
       CASE WHEN t.mailed THEN t.decision_at + interval '10 days' END,
       CASE WHEN t.state = 'withdrawn' THEN t.filed + (3 + t.h3 %% 20) * interval '1 day' END,
       t.created_at,
       t.filed + CASE WHEN t.mailed THEN (t.h3 %% 40 + 30) ELSE t.h3 %% 30 END * interval '1 day',
       CASE WHEN t.state <> 'draft' THEN t.bureau_id END,
       NULL,
       CASE WHEN t.received AND t.state NOT IN ('received', 'withdrawn') THEN r.user_id END,
       t.filer_id, t.institution_id, t.prefecture_id, NULL, t.filing_id
FROM t
LEFT JOIN bench_exp_rev r ON r.bureau_id = t.bureau_id AND r.k = t.h4 %% %(per_bureau)s
"""


def seed_applications(target: int, cast: dict[str, list[Any]]) -> None:
    existing = Application.objects.count()
    if existing >= target:
        say(f"seed: {existing:,} applications already there, skipping")
        return
    n = target - existing
    nf = -(-n // PER_FILING)
    started = time.perf_counter()
    institutions, staff = cast["institutions"], cast["staff"]
    tables = ("applications_application", "applications_filing")
    with transaction.atomic(), connection.cursor() as cursor:
        _bulk_session(cursor)
        cursor.execute(
            """CREATE TEMP TABLE bench_exp_rev ON COMMIT DROP AS
            SELECT bureau_id, (row_number() OVER (PARTITION BY bureau_id ORDER BY id) - 1) AS k, id AS user_id
            FROM accounts_user WHERE username LIKE %s""",
            [PREFIX.replace("_", "\\_") + "rev\\_%"],
        )
        cursor.execute("SELECT coalesce(max(id), 0) FROM applications_filing")
        filing_base = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM applications_application")
        app_base = cursor.fetchone()[0]
        dropped = [(t, name, ddl) for t in tables for name, ddl in secondary_indexes(cursor, t)]
        for _table, name, _ddl in dropped:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute(
            INSERT_FILINGS,
            {
                "base": filing_base, "nf": nf, "span": APPLICATION_SPAN_SECONDS, "n_inst": len(institutions),
                "staff_ids": [u.pk for u in staff], "inst_ids": [i.pk for i in institutions],
            },
        )  # fmt: skip
        cursor.execute(
            INSERT_APPLICATIONS,
            {
                "app_base": app_base, "filing_base": filing_base, "per": PER_FILING, "n": n,
                "states": [s for s, w in STATES for _ in range(w)],
                "procedures": [p for p, w in PROCEDURES for _ in range(w)], "family": FAMILY, "given": GIVEN,
                "nations": NATIONS, "statuses": STATUSES, "permission": PERMISSION,
                "per_bureau": REVIEWERS_PER_BUREAU,
            },
        )  # fmt: skip
        inserted = cursor.rowcount
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        for _table, _name, ddl in dropped:
            cursor.execute(ddl)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) applications_application, applications_filing")
    say(f"seed: {inserted:,} applications in {nf:,} filings in {time.perf_counter() - started:.1f} s")


# --- the children: one measured export each ---------------------------------------------------


def audit_queryset_max_seq() -> int:
    return AuditEvent.objects.order_by("-global_seq").values_list("global_seq", flat=True).first() or 0


def list_queryset(list_key: str, user: Any) -> Any:
    """The queryset export_build reads, built the same way."""
    spec = LIST_SPECS[list_key]
    params = ListParams.from_dict({})
    qs = ordered(spec, filtered_queryset(spec, user, params), params)
    if spec.select_related:
        qs = qs.select_related(*spec.select_related)
    return qs


def child(kind: str, job_id: int, out: str, max_seq: int, profile_top: int) -> dict[str, Any]:
    connection.ensure_connection()
    if kind == "idle":
        return {}
    if kind == "ours":
        if profile_top:
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.runcall(export_build, job_id)
            elapsed = time.perf_counter() - start
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream).strip_dirs()
            stats.sort_stats("tottime").print_stats(profile_top)
            stats.sort_stats("cumulative").print_stats(profile_top)
            print(stream.getvalue(), file=sys.stderr)
        else:
            start = time.perf_counter()
            export_build(job_id)
            elapsed = time.perf_counter() - start
        job = ExportJob.objects.get(pk=job_id)
        return {"seconds": elapsed, "rows": job.done, "file": str(export_dir() / job.file_name)}
    if kind == "copy":
        sql = (
            f"COPY (SELECT {AUDIT_COLUMNS} FROM audit_auditevent WHERE global_seq <= {int(max_seq)} "
            f"ORDER BY {AUDIT_ORDER}) TO STDOUT WITH (FORMAT csv, HEADER)"
        )
        raw = connection.connection
        assert raw is not None
        start = time.perf_counter()
        with open(out, "wb") as handle, raw.cursor() as cursor, cursor.copy(sql) as copy:
            for block in copy:
                handle.write(block)
        elapsed = time.perf_counter() - start
        return {"seconds": elapsed, "file": out}
    if kind == "stock":
        from import_export.formats.base_formats import XLSX

        user = User.objects.get(username=AUDITOR)
        qs = list_queryset("applications", user)
        start = time.perf_counter()
        with translation.override(settings.LANGUAGE_CODE):
            # What import-export's admin does (ExportMixin.get_export_data): the resource's
            # Dataset, native types for a binary format, then tablib's XLSX.
            dataset = ApplicationResource().export(queryset=qs, force_native_type=True)
            content = XLSX().export_data(dataset)
        Path(out).write_bytes(content)
        elapsed = time.perf_counter() - start
        return {"seconds": elapsed, "rows": len(dataset), "file": out}
    raise SystemExit(f"unknown child {kind}")


def run_child(
    kind: str, *, job_id: int = 0, out: str = "", max_seq: int = 0, cap: int = UNCAPPED, profile_top: int = 0
) -> dict[str, Any]:
    """Run one export in a fresh interpreter; its result plus its RSS high-water mark (MB)."""
    env = {**os.environ, "WORKBENCH_EXPORT_MAX_ROWS": str(cap)}
    command = [sys.executable, "-m", "bench.exports", "--child", kind, "--job", str(job_id), "--out", out,
               "--max-seq", str(max_seq), "--profile-top", str(profile_top)]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, env=env, cwd=Path(__file__).resolve().parent.parent
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child {kind} failed with exit code {proc.returncode}")
    result: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    result["rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


# --- checks ---------------------------------------------------------------------------------


def csv_first_column(path: str, encoding: str) -> tuple[int, int]:
    """(data rows, a checksum of the first column in order) of a CSV file."""
    rows = 0
    digest = 0
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for record in reader:
            rows += 1
            digest = (digest * 1_000_003 + int(record[0])) % (1 << 61)
    return rows, digest


_ROW = re.compile(rb"<row[ >]")


def xlsx_rows(path: str) -> int:
    """Data rows of the first sheet, counted in its XML (the header row excluded)."""
    with zipfile.ZipFile(path) as book:
        sheet = next(n for n in book.namelist() if n.startswith("xl/worksheets/sheet"))
        count, tail = 0, b""
        with book.open(sheet) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                chunk = tail + block
                count += len(_ROW.findall(chunk))
                tail = chunk[-5:]
                count -= len(_ROW.findall(tail))
        count += len(_ROW.findall(tail))
    return count - 1


# --- the run --------------------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return (
        f"machine: {platform.node()}, {os.cpu_count()} CPUs ({model or platform.machine()}), {memory:,} MB RAM, "
        f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {pg}"
    )


def new_job(user: User, list_key: str, file_format: str) -> ExportJob:
    return export_job_create(
        actor=user, list_key=list_key, title=f"bench {list_key}", params={}, file_format=file_format,
        in_background=False,
    )  # fmt: skip


def profile(user: User, list_key: str, file_format: str, rows: int) -> None:
    say(f"-- cProfile: ours {file_format.upper()} of {list_key}, the first {rows:,} rows (cap = {rows:,})")
    job = new_job(user, list_key, file_format)
    result = run_child("ours", job_id=job.pk, cap=rows, profile_top=30)
    Path(result["file"]).unlink(missing_ok=True)
    say(f"   (profiled run: {result['rows']:,} rows in {result['seconds']:.2f} s under cProfile)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--audit-rows", type=int, default=1_000_000, help="audit events to seed (total)")
    parser.add_argument("--applications", type=int, default=100_000, help="applications to seed (total)")
    parser.add_argument("--skip-seed", action="store_true", help="measure what the database holds")
    parser.add_argument(
        "--profile", action="store_true", help="profile our exports even if the targets are met"
    )
    parser.add_argument("--profile-rows", type=int, default=PROFILE_ROWS, help="rows in a profiled slice")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--job", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--max-seq", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile-top", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.job, args.out, args.max_seq, args.profile_top)), flush=True)
        return

    say(machine())
    if connection.vendor != "postgresql":
        raise SystemExit(f"this bench needs PostgreSQL (COPY), not {connection.vendor}: set DATABASE_URL")
    say("note: every figure is wall time on a shared machine; other load on it skews them")
    cast = world()
    if not args.skip_seed:
        seed_audit(args.audit_rows, cast)
        seed_applications(args.applications, cast)
    user = User.objects.get(username=AUDITOR)
    work = export_dir()

    idle = run_child("idle")
    base = idle["rss_mb"]
    say(f"idle child (Django set up, modules imported, connected): RSS {base:.0f} MB")

    # a. ours CSV: every audit event present when the job starts (its own "requested" event too).
    job = new_job(user, "audit_events", "csv")
    max_seq = audit_queryset_max_seq()
    expected_audit = AuditEvent.objects.filter(global_seq__lte=max_seq).count()
    ours_csv = run_child("ours", job_id=job.pk)
    # b. COPY of the same rows (global_seq <= max_seq: the export's own "completed" event is later).
    copy_out = str(work / "bench-copy.csv")
    copy = run_child("copy", out=copy_out, max_seq=max_seq)
    copy["rows"], copy_digest = csv_first_column(copy_out, "utf-8")
    ours_rows, ours_digest = csv_first_column(ours_csv["file"], "utf-8-sig")
    same_csv = ours_rows == copy["rows"] == ours_csv["rows"] == expected_audit and ours_digest == copy_digest

    # c. ours XLSX and d. stock XLSX of the applications.
    expected_apps = Application.objects.count()
    job = new_job(user, "applications", "xlsx")
    ours_xlsx = run_child("ours", job_id=job.pk)
    ours_xlsx_rows = xlsx_rows(ours_xlsx["file"])
    stock_out = str(work / "bench-stock.xlsx")
    stock = run_child("stock", out=stock_out)
    stock_rows = xlsx_rows(stock_out)
    same_xlsx = ours_xlsx_rows == ours_xlsx["rows"] == stock_rows == expected_apps

    def line(label: str, r: dict[str, Any], rows: int) -> None:
        size = os.path.getsize(r["file"]) / 1024 / 1024
        say(
            f"{label:<44} {rows / r['seconds']:>9,.0f} rows/s  ({r['seconds']:7.2f} s, {size:6.1f} MB file)  "
            f"peak RSS {r['rss_mb']:6.0f} MB  (+{r['rss_mb'] - base:5.0f} MB over idle)"
        )

    say("")
    say(f"audit events: {expected_audit:,} rows")
    line("a. ours CSV   (export_build, audit_events)", ours_csv, ours_rows)
    line("b. COPY … TO STDOUT WITH CSV (psycopg)", copy, copy["rows"])
    say(
        f"   rows: ours {ours_rows:,}, COPY {copy['rows']:,}, job {ours_csv['rows']:,}, expected {expected_audit:,}; "
        f"same events in the same order: {'yes' if same_csv else 'NO'}"
    )
    say(f"applications: {expected_apps:,} rows")
    line("c. ours XLSX  (export_build, applications)", ours_xlsx, ours_xlsx_rows)
    line("d. stock XLSX (Resource.export + tablib)", stock, stock_rows)
    say(
        f"   rows: ours {ours_xlsx_rows:,} (job {ours_xlsx['rows']:,}), stock {stock_rows:,}, "
        f"expected {expected_apps:,}: {'ok' if same_xlsx else 'MISMATCH'}"
    )

    csv_ratio = (ours_rows / ours_csv["seconds"]) / (copy["rows"] / copy["seconds"])
    csv_peak = ours_csv["rss_mb"] - base
    xlsx_ratio = (ours_xlsx_rows / ours_xlsx["seconds"]) / (stock_rows / stock["seconds"])
    csv_ok, mem_ok, xlsx_ok = csv_ratio >= 0.5, csv_peak < 150, xlsx_ratio >= 3
    say("")
    say(f"CSV  ours/COPY  = {csv_ratio:.2f} of COPY's rate  (target ≥ 0.50)  {'met' if csv_ok else 'MISSED'}")
    say(
        f"CSV  peak memory = {csv_peak:.0f} MB over idle ({ours_csv['rss_mb']:.0f} MB RSS)  (target < 150 MB)  "
        f"{'met' if mem_ok else 'MISSED'}"
    )
    say(
        f"XLSX ours/stock = {xlsx_ratio:.2f}× the stock rate  (target ≥ 3×)  {'met' if xlsx_ok else 'MISSED'}"
    )
    say(f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if not (same_csv and same_xlsx):
        say("warning: the row counts do not match; see above")

    if args.profile or not csv_ok:
        profile(user, "audit_events", "csv", min(args.profile_rows, expected_audit))
    if args.profile or not xlsx_ok:
        profile(user, "applications", "xlsx", min(args.profile_rows, expected_apps))
    for path in (copy_out, stock_out, ours_csv["file"], ours_xlsx["file"]):
        Path(path).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
