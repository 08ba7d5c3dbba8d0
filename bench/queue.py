"""The review queue on 1,000,000 usage requests: seeding, the pages measured, and their bare SQL.

Imported by bench/list_views.py, which times these pages next to the institutions list
(workbench, Django admin changelist, bare SQL) and prints them in the same run.

Seeding reuses the million institutions (and their staff memberships) already seeded, adds
a few hundred reviewers spread over the eight bureaus like the institutions, and writes one
million requests with their reviews in one INSERT … SELECT over generate_series (the reviews
in a data-modifying CTE of the same statement). Ten years of history, ids in time order:

* about 1 % abandoned drafts (no review, as in the application: a review starts on submit);
* about 5 % open (submitted, under review, recommended, returned), most of them recent but a
  long tail of old ones that were returned and resubmitted; their due date is reset on
  every (re)submission, so open reviews fall due from three weeks ago to two weeks ahead;
* the rest decided long ago: approved (outcome pass, as approval requires), rejected,
  withdrawn; their due date is the submission date plus a week, and their review's
  closed_at the day of the decision or withdrawal (open reviews have none), as the
  services and reviews/migrations/0002 set it.

Each review belongs to the bureau of the institution's prefecture; open and decided ones
have an assignee among that bureau's reviewers (submitted ones mostly not yet).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from backoffice.accounts.models import RegionalBureau
from bench.pgload import say, secondary_indexes

TARGET_REQUESTS = 1_000_000
REVIEWERS = 300
HISTORY_DAYS = 3650
QUEUE_TABLES = ("reviews_review", "usage_requests_usagerequest")
REVIEWER_PREFIX = "bench_rev_"

# A compact, fixed rule-result snapshot: the list never reads it, but the rows carry one.
RESULTS_JSON = (
    '[{"code": "R1", "outcome": "pass", "explanation": {"ja": "要件を満たす", "en": "met"}}, '
    '{"code": "R2", "outcome": "pass", "explanation": {"ja": "要件を満たす", "en": "met"}}, '
    '{"code": "R3", "outcome": "pass", "explanation": {"ja": "要件を満たす", "en": "met"}}]'
)

INSERT_REVIEWERS = """
INSERT INTO accounts_user (password, last_login, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined, role, display_name, preferred_language, bureau_id)
SELECT '!bench-unusable', NULL, false, %(prefix)s || b.code || '_' || lpad(g::text, 3, '0'), '', '',
       'rev_' || b.code || g || '@example.go.jp', false, true, now(), 'reviewer',
       '審査官' || b.code || g, 'ja', b.id
FROM accounts_regionalbureau b
JOIN unnest(%(bureau_ids)s::bigint[], %(counts)s::int[]) AS c(bureau_id, n) ON c.bureau_id = b.id
CROSS JOIN LATERAL generate_series(1, c.n) AS g
ON CONFLICT (username) DO NOTHING
"""

# Institutions numbered 0..n-1 with their bureau and a filer (their staff member), and the
# reviewers numbered 0..n-1 within each bureau: the draw below picks from both by number.
CREATE_PICK_TABLES = [
    """
    CREATE TEMP TABLE bench_inst ON COMMIT DROP AS
    SELECT (row_number() OVER (ORDER BY i.id))::bigint - 1 AS rn, i.id, p.bureau_id,
           coalesce(m.user_id, %(fallback_filer)s) AS filer_id, coalesce(r.n, 1) AS n_reviewers
    FROM institutions_institution i
    JOIN accounts_prefecture p ON p.code = i.prefecture_id
    LEFT JOIN (SELECT DISTINCT ON (institution_id) institution_id, user_id
               FROM institutions_staffmembership ORDER BY institution_id, id) m ON m.institution_id = i.id
    LEFT JOIN (SELECT bureau_id, count(*) AS n FROM accounts_user
               WHERE username LIKE %(prefix_like)s AND role = 'reviewer' GROUP BY bureau_id) r
        ON r.bureau_id = p.bureau_id
    """,
    "ALTER TABLE bench_inst ADD PRIMARY KEY (rn)",
    """
    CREATE TEMP TABLE bench_rev ON COMMIT DROP AS
    SELECT bureau_id, (row_number() OVER (PARTITION BY bureau_id ORDER BY id))::bigint - 1 AS k, id AS user_id
    FROM accounts_user WHERE username LIKE %(prefix_like)s AND role = 'reviewer'
    """,
    "ALTER TABLE bench_rev ADD PRIMARY KEY (bureau_id, k)",
    "ANALYZE bench_inst",
    "ANALYZE bench_rev",
]

# One statement: the CTE ``src`` is materialised once and feeds both inserts. Reviews and
# requests get explicit ids (``base + g``) so that each request finds its review without a
# RETURNING join, and ids follow time as in real life. hashint8extended(g, seed) & 2^31-1
# gives independent pseudo-random draws per row.
INSERT_REQUESTS = """
WITH draw AS (
    SELECT g,
           hashint8extended(g, 11) & 2147483647 AS h1,
           hashint8extended(g, 12) & 2147483647 AS h2,
           hashint8extended(g, 13) & 2147483647 AS h3,
           hashint8extended(g, 14) & 2147483647 AS h4,
           hashint8extended(g, 15) & 2147483647 AS h5,
           hashint8extended(g, 16) & 2147483647 AS h6,
           ((%(n)s - g) * %(days)s / %(n)s)::int AS age
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
), staged AS (
    SELECT d.*,
           CASE WHEN d.h2 %% 1000 < 10 THEN 'draft'
                WHEN d.h2 %% 1000 < 10 + CASE WHEN d.age < 60 THEN 700 WHEN d.age < 365 THEN 250 ELSE 20 END
                THEN CASE WHEN d.h3 %% 100 < 40 THEN 'submitted' WHEN d.h3 %% 100 < 85 THEN 'under_review'
                          WHEN d.h3 %% 100 < 95 THEN 'recommended' ELSE 'returned' END
                ELSE CASE WHEN d.h3 %% 100 < 80 THEN 'approved' WHEN d.h3 %% 100 < 87 THEN 'rejected'
                          ELSE 'withdrawn' END
           END AS state,
           current_date - d.age AS day
    FROM draw d
), src AS (
    SELECT s.*,
           %(review_base)s + s.g AS review_id,
           %(request_base)s + s.g AS request_id,
           i.id AS institution_id, i.bureau_id, i.filer_id, i.n_reviewers,
           s.state IN ('submitted', 'under_review', 'recommended', 'returned') AS is_open,
           CASE WHEN s.state IN ('submitted', 'under_review', 'recommended', 'returned')
                THEN current_date - 21 + (s.h4 %% 36)::int
                ELSE s.day + 7 END AS due_on,
           CASE s.state
                WHEN 'approved' THEN 'pass'
                WHEN 'rejected' THEN CASE WHEN s.h5 %% 100 < 55 THEN 'fail' ELSE 'needs_review' END
                WHEN 'withdrawn' THEN CASE WHEN s.h5 %% 100 < 50 THEN 'pass'
                                           WHEN s.h5 %% 100 < 85 THEN 'needs_review' ELSE 'fail' END
                WHEN 'recommended' THEN CASE WHEN s.h5 %% 100 < 80 THEN 'pass' ELSE 'fail' END
                ELSE CASE WHEN s.h5 %% 100 < 55 THEN 'pass' WHEN s.h5 %% 100 < 90 THEN 'needs_review'
                          ELSE 'fail' END
           END AS outcome,
           CASE WHEN s.state = 'submitted' THEN s.h6 %% 100 < 40 ELSE s.h6 %% 100 < 95 END AS assigned,
           CASE WHEN s.h1 %% 100 < 55 THEN 'new' WHEN s.h1 %% 100 < 85 THEN 'additional'
                ELSE 'periodic_report' END AS kind,
           CASE WHEN s.h4 %% 100 < 85 THEN 'online' WHEN s.h4 %% 100 < 95 THEN 'post'
                ELSE 'counter' END AS channel
    FROM staged s
    JOIN bench_inst i ON i.rn = (s.h1 / 100) %% %(n_inst)s
), reviewed AS (
    SELECT r.*, a.user_id AS assignee_id, d.user_id AS decider_id,
           CASE WHEN r.is_open THEN r.due_on - 7 ELSE r.day END AS evaluated_on
    FROM src r
    LEFT JOIN bench_rev a
        ON r.assigned AND a.bureau_id = r.bureau_id AND a.k = (r.h6 / 128) %% r.n_reviewers
    LEFT JOIN bench_rev d ON r.state IN ('approved', 'rejected') AND d.bureau_id = r.bureau_id
        AND d.k = (r.h6 / 128 + 1) %% r.n_reviewers
    WHERE r.state <> 'draft'
), reviews AS (
    INSERT INTO reviews_review (id, bureau_id, assignee_id, due_on, ruleset, evaluated_on, rule_outcome, results,
        overrides, outcome, recommendation, recommended_by_id, recommended_at, decided_by_id, decided_at, closed_at,
        created_at)
    SELECT r.review_id, r.bureau_id, r.assignee_id, r.due_on,
           CASE WHEN r.evaluated_on < DATE '2022-04-01' THEN 'R2019'
                WHEN r.evaluated_on < DATE '2026-04-01' THEN 'R2022' ELSE 'R2026' END,
           r.evaluated_on,
           CASE WHEN r.state = 'approved' AND r.h5 %% 100 < 20 THEN 'needs_review' ELSE r.outcome END,
           %(results)s::jsonb,
           '{}'::jsonb,
           r.outcome,
           CASE WHEN r.state = 'approved' THEN 'approve' WHEN r.state = 'rejected' THEN 'reject'
                WHEN r.state = 'recommended' THEN CASE WHEN r.outcome = 'pass' THEN 'approve' ELSE 'reject' END
                ELSE '' END,
           CASE WHEN r.state IN ('approved', 'rejected', 'recommended') THEN r.assignee_id END,
           CASE WHEN r.state IN ('approved', 'rejected') THEN r.day + 5
                WHEN r.state = 'recommended' THEN now() - (r.h4 %% 5) * interval '1 day' END,
           CASE WHEN r.state IN ('approved', 'rejected') THEN r.decider_id END,
           CASE WHEN r.state IN ('approved', 'rejected') THEN r.day + 6 END,
           CASE WHEN NOT r.is_open THEN r.day + 6 END,
           r.evaluated_on
    FROM reviewed r
)
INSERT INTO usage_requests_usagerequest (id, kind, channel, declared_facts, state, submitted_on, received_on,
    last_message, created_at, updated_at, acting_for_id, filer_id, institution_id, review_id)
SELECT s.request_id, s.kind, s.channel, '{}'::jsonb, s.state,
       CASE WHEN s.state <> 'draft' THEN s.day END,
       CASE WHEN s.state <> 'draft' AND s.channel <> 'online' THEN s.day - 1 END,
       '',
       s.day - (s.h5 %% 3) * interval '1 day',
       s.day + CASE WHEN s.is_open THEN 0 ELSE 6 END * interval '1 day',
       NULL, s.filer_id, s.institution_id,
       CASE WHEN s.state <> 'draft' THEN s.review_id END
FROM src s
"""


def _reviewers_per_bureau(cursor: Any) -> dict[int, int]:
    """REVIEWERS spread over the bureaus like the institutions (at least 5 each)."""
    cursor.execute(
        """
        SELECT b.id, count(i.id)
        FROM accounts_regionalbureau b
        LEFT JOIN accounts_prefecture p ON p.bureau_id = b.id
        LEFT JOIN institutions_institution i ON i.prefecture_id = p.code
        GROUP BY b.id ORDER BY b.id
        """
    )
    rows = cursor.fetchall()
    total = sum(n for _, n in rows) or 1
    return {bureau_id: max(5, round(REVIEWERS * n / total)) for bureau_id, n in rows}


def seed() -> None:
    from usage_requests.models import UsageRequest

    existing = UsageRequest.objects.count()
    if existing >= TARGET_REQUESTS:
        say(f"seed: {existing:,} usage requests already there, skipping")
        return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool(cursor.fetchone()[0])
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        if superuser:
            # Ids and references are generated consistently: skip the per-row FK triggers.
            cursor.execute("SET LOCAL session_replication_role = replica")
        per_bureau = _reviewers_per_bureau(cursor)
        cursor.execute(
            INSERT_REVIEWERS,
            {"prefix": REVIEWER_PREFIX, "bureau_ids": list(per_bureau), "counts": list(per_bureau.values())},
        )
        cursor.execute("SELECT min(id) FROM accounts_user WHERE username LIKE %s", ["bench\\_staff\\_%"])
        fallback_filer = cursor.fetchone()[0]
        for statement in CREATE_PICK_TABLES:
            cursor.execute(
                statement,
                {"fallback_filer": fallback_filer, "prefix_like": REVIEWER_PREFIX.replace("_", "\\_") + "%"},
            )
        cursor.execute("SELECT count(*) FROM bench_inst")
        n_inst = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM reviews_review")
        review_base = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM usage_requests_usagerequest")
        request_base = cursor.fetchone()[0]
        dropped = [(t, name, ddl) for t in QUEUE_TABLES for name, ddl in secondary_indexes(cursor, t)]
        for _table, name, _ddl in dropped:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        phase = time.perf_counter()
        cursor.execute(
            INSERT_REQUESTS,
            {
                "n": TARGET_REQUESTS,
                "days": HISTORY_DAYS,
                "first": existing + 1,
                "last": TARGET_REQUESTS,
                "review_base": review_base,
                "request_base": request_base,
                "n_inst": n_inst,
                "results": RESULTS_JSON,
            },
        )
        inserted = cursor.rowcount
        for table in QUEUE_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        rows_s = time.perf_counter() - phase
        phase = time.perf_counter()
        for _table, _name, ddl in dropped:
            cursor.execute(ddl)
        index_s = time.perf_counter() - phase
    phase = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) reviews_review, usage_requests_usagerequest, accounts_user")
    analyze_s = time.perf_counter() - phase
    say(
        f"seed: {inserted:,} usage requests with their reviews, {sum(per_bureau.values())} reviewers in "
        f"{time.perf_counter() - started:.1f} s (rows {rows_s:.1f} s, {len(dropped)} indexes rebuilt "
        f"{index_s:.1f} s, VACUUM ANALYZE {analyze_s:.1f} s)"
    )


def tokyo() -> RegionalBureau:
    return RegionalBureau.objects.get(code="tokyo")


# --- the pages measured -----------------------------------------------------------------------

PAGE_DEEP = 2_000
# "Open" (submitted, under review, recommended) as a DBA would write it against the schema:
# the review is open (closed_at IS NULL, which the partial indexes on reviews are built on)
# and the request is not back with its filer. Two equivalent forms, and each case below
# takes the one measured faster on this data (PostgreSQL 15, 1M requests):
# * OPEN_SQL_PAGE, ``state <> 'returned'``: the planner counts the rows right (~99 % pass)
#   and walks the bureau's open reviews in due-date order for the first 50 (~5 ms, against
#   ~25 ms with the IN list, where it underestimates the rows 20-fold and goes parallel);
# * OPEN_SQL_COUNT, ``state IN (...)``: it implies the predicate of usage_request_open_idx
#   (usage_requests/migrations/0005), so that counting by assignee joins two small partial
#   indexes (~30 ms, against ~70 ms with ``<> 'returned'``, which reads every request).
# The workbench takes the same forms (usage_requests/lists.py, NamedFilter.rows_condition
# and count_condition): the first for a page's rows, the second for its count and its
# group-bys; for administrators, whose scope joins no review, it counts by the state list
# alone, from usage_request_open_idx.
OPEN_SQL_PAGE = "r.closed_at IS NULL AND u.state <> 'returned'"
OPEN_SQL_COUNT = "r.closed_at IS NULL AND u.state IN ('submitted', 'under_review', 'recommended')"


@dataclass(frozen=True)
class Case:
    """One page of the queue: its workbench URL, the admin changelist's URL for the same page
    (administrators only), and the bare SQL for it (``{join}``/``{scope}`` per user)."""

    label: str
    url: str
    sql: str
    page: int | None = None  # None: a group-by, no rows
    filters: tuple[str, ...] = ()
    sort: str = ""
    group: str = ""
    admin_url: str = ""


# The page's data: the request, the institution's name, the review's due date, outcome and
# assignee, as the workbench shows them.
PAGE_COLUMNS = "u.*, i.name, r.due_on, r.outcome, a.username"
FROM_JOINED = """
FROM usage_requests_usagerequest u
JOIN reviews_review r ON r.id = u.review_id
JOIN institutions_institution i ON i.id = u.institution_id
LEFT JOIN accounts_user a ON a.id = r.assignee_id
"""

CASES = [
    Case(
        "a. open by due date, p. 1",
        "/usage-requests/?f=open&sort=due_on",
        f"SELECT {PAGE_COLUMNS} {FROM_JOINED} WHERE {OPEN_SQL_PAGE} {{scope}} "
        "ORDER BY r.due_on, u.id LIMIT %s OFFSET %s",
        page=1,
        filters=("open",),
        sort="due_on",
        # list_display index 6 is the due date, 0 the id (the tie-break, as in the workbench).
        admin_url="/admin/usage_requests/usagerequest/?state__in=submitted,under_review,recommended&o=6.0&p={page}",
    ),
    Case(
        f"b. cat. 3/4, p. {PAGE_DEEP:,}",
        f"/usage-requests/?f=cat34&sort=-number&page={PAGE_DEEP}",
        f"SELECT {PAGE_COLUMNS} {FROM_JOINED} WHERE i.category IN (3, 4) {{scope}} "
        "ORDER BY u.id DESC LIMIT %s OFFSET %s",
        page=PAGE_DEEP,
        filters=("cat34",),
        sort="-number",
        # review__isnull=False: the admin has no "exclude drafts", and only drafts have no review.
        admin_url="/admin/usage_requests/usagerequest/?category=34&review__isnull=False&o=-0&p={page}",
    ),
    Case(
        "c. open by assignee",
        "/usage-requests/?f=open&group=assignee",
        "SELECT r.assignee_id, a.username, count(*) FROM usage_requests_usagerequest u "
        "JOIN reviews_review r ON r.id = u.review_id LEFT JOIN accounts_user a ON a.id = r.assignee_id "
        f"WHERE {OPEN_SQL_COUNT} {{scope}} GROUP BY 1, 2 ORDER BY 2 LIMIT 200",
        filters=("open",),
        group="assignee",
    ),
    Case(
        "d. all by state",
        "/usage-requests/?group=state",
        "SELECT u.state, count(*) FROM usage_requests_usagerequest u {join} WHERE true {scope} "
        "GROUP BY 1 ORDER BY 1 LIMIT 200",
        group="state",
    ),
]

JOIN_REVIEW = "JOIN reviews_review r ON r.id = u.review_id"


def scopes(bureau: RegionalBureau) -> dict[str, tuple[str, str, list[Any]]]:
    """Bare-SQL scope per user kind: (join for queries without one, condition, params), as
    usage_request_list_visible_to: administrators and auditors see every non-draft, a
    bureau's reviewers their bureau's reviews."""
    return {
        "administrator": ("", "AND u.state <> 'draft'", []),
        "reviewer Tokyo": (JOIN_REVIEW, "AND r.bureau_id = %s", [bureau.pk]),
    }


def bare_sql(
    case: Case, scope: tuple[str, str, list[Any]], *, size: int, page: int | None = None
) -> tuple[str, list[Any]]:
    join, condition, params = scope
    sql = case.sql.format(join=join, scope=condition)
    if case.page is None:
        return sql, list(params)
    number = page or case.page
    return sql, [*params, size, (number - 1) * size]
