"""The statistics' reads: who may see which bureau's figures, and the figures of one month.

A handful of aggregate queries, each grouped in the database (the tables may hold a million
usage requests): nothing here loops over requests, IDs or applications in Python. The
arithmetic on the grouped counts is in ``reporting/statistics.py``.

Which month a record counts in:
- usage requests by kind and category: the day they were received (``received_on``, the first
  submission, or the day the papers arrived);
- usage requests by outcome and the lead time: the day they were decided or withdrawn
  (``Review.closed_at``, Japan time);
- authentication IDs: a snapshot on the month's last day (or today, for the current month),
  rebuilt from their dates (issued, valid until, revoked); a suspension before expiry (a
  delegation that ended) carries no date and is counted as it stands now;
- residence applications: the day they were filed (``submitted_at``, Japan time), with their
  state now and whether a supplement (追完) was ever requested.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from applications.models import Application, ApplicationState, ProcedureChoice, SupplementRequest
from backoffice.access.roles import Role
from backoffice.accounts.models import RegionalBureau
from backoffice.periods import TOKYO
from reporting import statistics as st
from usage_requests.models import AuthenticationId, AuthIdState, RequestKind, RequestState, UsageRequest

CATEGORIES = ("1", "2", "3", "4")
OUTCOMES = (RequestState.APPROVED.value, RequestState.REJECTED.value, RequestState.WITHDRAWN.value)
APPLICATION_STATES = tuple(s for s in ApplicationState.values if s != ApplicationState.DRAFT)


# --- scope -------------------------------------------------------------------------------------


def statistics_bureaus_for(*, user: Any) -> tuple[list[RegionalBureau], bool]:
    """The bureaus whose figures ``user`` may see, and whether also all bureaus together.

    Auditors: every bureau and the whole country. Anyone else who holds the page's capability
    (supervising reviewers): their own bureau only. Someone with neither: refused."""
    if getattr(user, "role", None) == Role.AUDITOR:
        return list(RegionalBureau.objects.order_by("ordering", "code")), True
    if getattr(user, "bureau_id", None) is not None:
        return [user.bureau], False
    raise PermissionDenied


def statistics_bureau_for(*, user: Any, code: str) -> RegionalBureau | None:
    """The bureau ``code`` ("" for all bureaus) if ``user`` may see it; PermissionDenied if not."""
    bureaus, everything = statistics_bureaus_for(user=user)
    if not code:
        if everything:
            return None
        raise PermissionDenied
    for bureau in bureaus:
        if bureau.code == code:
            return bureau
    raise PermissionDenied


def may_see_report(*, user: Any, bureau_id: int | None) -> bool:
    """Whether ``user`` may see a report of the bureau ``bureau_id`` (None: all bureaus)."""
    try:
        bureaus, everything = statistics_bureaus_for(user=user)
    except PermissionDenied:
        return False
    if bureau_id is None:
        return everything
    return any(bureau.pk == bureau_id for bureau in bureaus)


# --- the figures -------------------------------------------------------------------------------


def _aware(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TOKYO)


def monthly_figures(*, month: date, bureau: RegionalBureau | None, today: date) -> st.MonthlyFigures:
    """The statistics of ``month`` for ``bureau`` (None: all bureaus). Seven queries."""
    first = st.month_start(month)
    following = st.next_month(first)
    start, end = _aware(first), _aware(following)
    as_of = min(st.month_end(first), today)

    requests = UsageRequest.objects.all()
    auth_ids = AuthenticationId.objects.all()
    applications = Application.objects.all()
    supplements = SupplementRequest.objects.all()
    if bureau is not None:
        requests = requests.filter(review__bureau=bureau)
        auth_ids = auth_ids.filter(institution__prefecture__bureau=bureau)
        applications = applications.filter(bureau=bureau)
        supplements = supplements.filter(application__bureau=bureau)

    # 1. Received in the month, by kind and category (one GROUP BY; both tables from it).
    received = [
        ((row["kind"], str(row["institution__category"])), row["n"])
        for row in requests.filter(received_on__gte=first, received_on__lt=following)
        .values("kind", "institution__category")
        .annotate(n=Count("id"))
        .order_by()
    ]
    by_kind = st.counts_table("requests_by_kind", RequestKind.values, st.sum_by(received, 0))
    by_category = st.counts_table("requests_by_category", CATEGORIES, st.sum_by(received, 1))

    # 2. Closed in the month, by outcome.
    closed = requests.filter(review__closed_at__gte=start, review__closed_at__lt=end)
    outcomes = {
        row["state"]: row["n"]
        for row in closed.filter(state__in=OUTCOMES).values("state").annotate(n=Count("id")).order_by()
    }
    by_outcome = st.counts_table("requests_by_outcome", OUTCOMES, outcomes)

    # 3. Decided in the month: (submitted on, decided on) pairs with their counts.
    pairs = (
        closed.filter(
            state__in=[RequestState.APPROVED, RequestState.REJECTED],
            submitted_on__isnull=False,
            review__decided_at__isnull=False,
        )
        .annotate(decided_on=TruncDate("review__decided_at", tzinfo=TOKYO))
        .values("submitted_on", "decided_on")
        .annotate(n=Count("id"))
        .order_by()
    )
    histogram = st.lead_time_histogram((row["submitted_on"], row["decided_on"], row["n"]) for row in pairs)
    lead_time, distribution = st.lead_time_tables(histogram)

    # 4. Authentication IDs on the snapshot day, one conditional count per bucket.
    snapshot_end = _aware(as_of + timedelta(days=1))
    not_revoked = Q(revoked_at__isnull=True) | Q(revoked_at__gte=snapshot_end)
    dated = (
        not_revoked & Q(valid_until__isnull=False) & ~Q(state=AuthIdState.SUSPENDED, valid_until__gte=as_of)
    )
    horizon = as_of + timedelta(days=st.EXPIRING_WITHIN_DAYS)
    ids = auth_ids.filter(issued_at__lt=snapshot_end).aggregate(
        revoked=Count("id", filter=Q(revoked_at__lt=snapshot_end)),
        awaiting_password=Count("id", filter=not_revoked & Q(valid_until__isnull=True)),
        suspended=Count("id", filter=not_revoked & Q(state=AuthIdState.SUSPENDED, valid_until__gte=as_of)),
        expired=Count("id", filter=dated & Q(valid_until__lt=as_of)),
        expiring=Count("id", filter=dated & Q(valid_until__gte=as_of, valid_until__lte=horizon)),
        active=Count("id", filter=dated & Q(valid_until__gt=horizon)),
    )
    id_table = st.id_snapshot_table(ids)

    # 5. Applications filed in the month by procedure, state and whether a supplement was asked.
    asked = SupplementRequest.objects.filter(application=OuterRef("pk"))
    groups = (
        applications.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(supplemented=Exists(asked))
        .values("procedure", "state", "supplemented")
        .annotate(n=Count("id"))
        .order_by()
    )
    # 6. Supplement requests issued in the month.
    issued = supplements.filter(requested_at__gte=start, requested_at__lt=end).count()
    by_procedure, by_state, supplement = st.supplement_tables(
        ((row["procedure"], row["state"], bool(row["supplemented"]), row["n"]) for row in groups),
        ProcedureChoice.values,
        APPLICATION_STATES,
        issued,
    )
    return st.MonthlyFigures(
        month=first,
        bureau=bureau.code if bureau is not None else None,
        as_of=as_of,
        tables=(
            by_kind,
            by_category,
            by_outcome,
            lead_time,
            distribution,
            id_table,
            by_procedure,
            by_state,
            supplement,
        ),
    )
