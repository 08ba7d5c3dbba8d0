"""The monthly figures from seeded records: counts per kind, category and outcome, the lead time
against the five-business-day target across weekends and holidays, the ID buckets, the
supplement rate; and the arithmetic on its own."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from applications.models import Application, Filing, SupplementRequest
from backoffice.accounts.models import RegionalBureau
from backoffice.periods import TOKYO, business_days_between
from reporting import statistics as st
from reviews.models import Review
from tests.factories import InstitutionFactory, UserFactory
from usage_requests.models import AuthenticationId, UsageRequest

NOVEMBER = date(2026, 11, 1)
TODAY = date(2026, 12, 5)


def tokyo(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO)


def make_request(
    cast: dict[str, Any], *, institution: Any = None, kind: str = "new", state: str = "submitted",
    received: date | None = None, submitted: date | None = None, decided: datetime | None = None,
    closed: datetime | None = None,
) -> UsageRequest:  # fmt: skip
    """A usage request with its review, written as the services leave it (dates chosen)."""
    institution = institution or cast["company"]
    submitted = submitted or received
    review = None
    if submitted is not None:
        review = Review.objects.create(
            bureau=institution.prefecture.bureau, due_on=submitted + timedelta(days=7), ruleset="R2022",
            evaluated_on=submitted, rule_outcome="pass", outcome="pass", decided_at=decided,
            closed_at=closed or decided,
        )  # fmt: skip
    return UsageRequest.objects.create(
        kind=kind, institution=institution, filer=cast["users"]["hr"], state=state,
        submitted_on=submitted, received_on=received or submitted, review=review,
    )  # fmt: skip


def make_id(
    cast: dict[str, Any], *, valid_until: date | None, issued: datetime, state: str = "active",
    revoked_at: datetime | None = None, institution: Any = None,
) -> AuthenticationId:  # fmt: skip
    institution = institution or cast["company"]
    request = make_request(cast, institution=institution, state="approved", received=date(2025, 12, 1))
    holder = UserFactory()
    auth_id = AuthenticationId.objects.create(
        code=f"TEST{AuthenticationId.objects.count():08d}", holder=holder, institution=institution,
        usage_request=request, state=state, validity_years=1, valid_until=valid_until, revoked_at=revoked_at,
    )  # fmt: skip
    AuthenticationId.objects.filter(pk=auth_id.pk).update(issued_at=issued)
    return auth_id


def make_application(
    cast: dict[str, Any], *, procedure: str, state: str, filed: datetime, bureau: str = "tokyo",
    supplements: list[datetime] = (),  # type: ignore[assignment]
) -> Application:  # fmt: skip
    user = cast["users"]["hr"]
    filing = Filing.objects.create(filer=user, filer_kind="institution_staff", mode="individual")
    application = Application.objects.create(
        filing=filing, procedure=procedure, filer=user, subject_name="NGUYEN VAN AN", nationality="ベトナム",
        date_of_birth=date(1995, 4, 1), sex="M", prefecture_id="13", address="新宿区", status="engineer_humanities_international",
        bureau=RegionalBureau.objects.get(code=bureau), submitted_at=filed, state=state,
    )  # fmt: skip
    for moment in supplements:
        supplement = SupplementRequest.objects.create(
            application=application, message="在職証明書を追加してください。", due_on=moment.date() + timedelta(days=14),
            requested_by=cast["users"]["reviewer_tokyo"],
        )  # fmt: skip
        SupplementRequest.objects.filter(pk=supplement.pk).update(requested_at=moment)
    return application


def seed_november(cast: dict[str, Any]) -> dict[str, Any]:
    """November 2026 in Tokyo (and a little in Osaka and in the months around it).

    Holidays: 2026-11-03 (Tue, 文化の日) and 2026-11-23 (Mon, 勤労感謝の日)."""
    cat = {n: InstitutionFactory(category=n) for n in (1, 2, 3, 4)}
    # Received in November: new ×3 (categories 1, 3, 3), additional ×1 (2), periodic report ×1 (4).
    make_request(cast, institution=cat[1], received=date(2026, 11, 4))
    make_request(cast, institution=cat[3], received=date(2026, 11, 16))
    make_request(cast, institution=cat[3], received=date(2026, 11, 30))
    make_request(cast, institution=cat[2], kind="additional", received=date(2026, 11, 5))
    make_request(cast, institution=cat[4], kind="periodic_report", received=date(2026, 11, 6))
    # Decided in November (all received before or in it): lead times 5, 6, 1, 5 business days.
    make_request(  # Mon 11-02 → Tue 11-10 across the holiday 11-03: 5 days, within the target
        cast, institution=cat[1], state="approved", received=date(2026, 10, 26), submitted=date(2026, 11, 2),
        decided=tokyo(date(2026, 11, 10), 8),  # 23:00 on 11-09 in UTC: the day is Japan's
    )  # fmt: skip
    make_request(  # Mon 11-02 → Wed 11-11: 6 days, over the target
        cast, state="rejected", received=date(2026, 11, 2), decided=tokyo(date(2026, 11, 11))
    )
    make_request(  # Fri 10-30 → Mon 11-02 across a weekend: 1 day (received in October)
        cast, state="approved", received=date(2026, 10, 30), decided=tokyo(date(2026, 11, 2), 9)
    )
    make_request(  # Fri 11-20 → Mon 11-30 across the weekend and 11-23: 5 days, 23:30 Japan time
        cast, state="approved", received=date(2026, 11, 20), decided=tokyo(date(2026, 11, 30), 23, 30)
    )
    # Withdrawn in November: an outcome, no lead time.
    make_request(cast, state="withdrawn", received=date(2026, 11, 9), closed=tokyo(date(2026, 11, 12)))
    # Outside November: received and decided in October; decided 00:10 on 12-01 Japan time
    # (still 11-30 in UTC); an Osaka request in November.
    make_request(cast, state="approved", received=date(2026, 10, 1), decided=tokyo(date(2026, 10, 8)))
    make_request(cast, state="approved", received=date(2026, 11, 24), decided=tokyo(date(2026, 12, 1), 0, 10))
    make_request(
        cast, institution=cast["osaka_company"], state="approved", received=date(2026, 11, 9),
        decided=tokyo(date(2026, 11, 13)),
    )  # fmt: skip
    # Authentication IDs on 2026-11-30 (60 days later: 2027-01-29).
    issued = tokyo(date(2026, 1, 10))
    make_id(cast, valid_until=date(2027, 3, 1), issued=issued)  # active
    make_id(cast, valid_until=date(2027, 1, 29), issued=issued)  # expiring: exactly 60 days
    make_id(cast, valid_until=date(2026, 11, 30), issued=issued)  # expiring: its last day
    make_id(cast, valid_until=date(2026, 11, 29), issued=issued, state="suspended")  # expired
    make_id(  # revoked in November
        cast,
        valid_until=date(2027, 1, 9),
        issued=issued,
        state="revoked",
        revoked_at=tokyo(date(2026, 11, 15)),
    )
    make_id(  # revoked only in December: active on 11-30
        cast,
        valid_until=date(2027, 6, 1),
        issued=issued,
        state="revoked",
        revoked_at=tokyo(date(2026, 12, 3)),
    )
    make_id(cast, valid_until=None, issued=tokyo(date(2026, 11, 20)), state="awaiting_password")
    make_id(cast, valid_until=date(2027, 5, 1), issued=issued, state="suspended")  # a delegation ended
    make_id(cast, valid_until=date(2027, 12, 1), issued=tokyo(date(2026, 12, 2)))  # issued later: not counted
    make_id(cast, valid_until=date(2027, 3, 1), issued=issued, institution=cast["osaka_company"])  # Osaka
    # Applications filed in November: 4 extensions (2 with a supplement), 1 change, 1 COE.
    filed = tokyo(date(2026, 11, 10))
    make_application(cast, procedure="extension", state="granted", filed=filed,
                     supplements=[tokyo(date(2026, 11, 15)), tokyo(date(2026, 11, 20))])  # fmt: skip
    make_application(cast, procedure="extension", state="awaiting_supplement", filed=filed,
                     supplements=[tokyo(date(2026, 12, 2))])  # fmt: skip
    make_application(cast, procedure="extension", state="under_examination", filed=filed)
    make_application(cast, procedure="extension", state="received", filed=tokyo(date(2026, 11, 30), 23, 59))
    make_application(cast, procedure="change", state="denied", filed=filed)
    make_application(cast, procedure="coe", state="withdrawn", filed=tokyo(date(2026, 11, 1), 0, 0))
    make_application(cast, procedure="coe", state="received", filed=tokyo(date(2026, 10, 31), 23, 59))
    make_application(cast, procedure="coe", state="received", filed=filed, bureau="osaka")
    return {"categories": cat}


@pytest.fixture
def seeded(cast: dict[str, Any]) -> dict[str, Any]:
    seed_november(cast)
    return cast


def figures_for(bureau: str | None) -> st.MonthlyFigures:
    from reporting.statistics_queries import monthly_figures

    office = RegionalBureau.objects.get(code=bureau) if bureau else None
    return monthly_figures(month=NOVEMBER, bureau=office, today=TODAY)


def column(figures: st.MonthlyFigures, table: str) -> dict[str, Any]:
    return {row.key: row.values[0] for row in figures.table(table).rows}


@pytest.mark.django_db
def test_requests_by_kind_category_and_outcome(seeded: dict[str, Any]) -> None:
    figures = figures_for("tokyo")
    # Received in November: the five above, plus those decided or withdrawn that arrived in it.
    assert column(figures, "requests_by_kind") == {
        "new": 7,
        "additional": 1,
        "periodic_report": 1,
        "total": 9,
    }
    assert column(figures, "requests_by_category") == {"1": 1, "2": 1, "3": 6, "4": 1, "total": 9}
    assert column(figures, "requests_by_outcome") == {
        "approved": 3,
        "rejected": 1,
        "withdrawn": 1,
        "total": 5,
    }


@pytest.mark.django_db
def test_lead_time_against_the_target_across_weekends_and_holidays(seeded: dict[str, Any]) -> None:
    # The days are the review's: submitted Mon 11-02, due five business days later on 11-10.
    assert business_days_between(date(2026, 11, 2), date(2026, 11, 10)) == 5
    lead = column(figures_for("tokyo"), "lead_time")
    assert lead == {
        "decided": 4,
        "within_target": 3,
        "over_target": 1,
        "within_target_pct": 75.0,
        "median_days": 5.0,
        "p90_days": 6,
        "target_days": 5,
    }
    assert column(figures_for("tokyo"), "lead_time_distribution") == {
        "0-5": 3,
        "6-10": 1,
        "11-20": 0,
        "21+": 0,
    }


@pytest.mark.django_db
def test_authentication_id_buckets_on_the_last_day_of_the_month(seeded: dict[str, Any]) -> None:
    figures = figures_for("tokyo")
    assert figures.as_of == date(2026, 11, 30)
    assert column(figures, "auth_ids") == {
        "active": 2, "expiring": 2, "expired": 1, "suspended": 1, "revoked": 1, "awaiting_password": 1, "total": 8,
    }  # fmt: skip


@pytest.mark.django_db
def test_applications_by_procedure_state_and_supplement_rate(seeded: dict[str, Any]) -> None:
    figures = figures_for("tokyo")
    by_procedure = {row.key: row.values for row in figures.table("applications_by_procedure").rows}
    assert by_procedure["extension"] == (4, 2, 50.0)
    assert by_procedure["change"] == (1, 0, 0.0)
    assert by_procedure["coe"] == (1, 0, 0.0)
    assert by_procedure["reentry"] == (0, 0, None)
    assert by_procedure["total"] == (6, 2, 33.3)
    states = column(figures, "applications_by_state")
    assert {k: v for k, v in states.items() if v} == {
        "received": 1, "under_examination": 1, "awaiting_supplement": 1, "granted": 1, "denied": 1,
        "withdrawn": 1, "total": 6,
    }  # fmt: skip
    # Supplement requests issued in November: two (the third was asked in December).
    assert column(figures, "supplements") == {
        "filed": 6, "supplemented": 2, "supplement_rate_pct": 33.3, "requests_issued": 2,
    }  # fmt: skip


@pytest.mark.django_db
def test_all_bureaus_add_osaka_and_osaka_alone_has_only_its_own(seeded: dict[str, Any]) -> None:
    everything, osaka = figures_for(None), figures_for("osaka")
    assert column(everything, "requests_by_outcome")["approved"] == 4
    assert column(osaka, "requests_by_outcome") == {"approved": 1, "rejected": 0, "withdrawn": 0, "total": 1}
    assert column(everything, "auth_ids")["active"] == 3
    assert column(osaka, "auth_ids")["total"] == 1
    assert column(osaka, "supplements")["filed"] == 1
    assert everything.bureau is None and osaka.bureau == "osaka"


@pytest.mark.django_db
def test_the_figures_take_a_handful_of_queries(
    seeded: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(7):
        figures_for("tokyo")


# --- the arithmetic -----------------------------------------------------------------------------


def test_month_helpers() -> None:
    assert st.parse_month("2026-10") == date(2026, 10, 1)
    with pytest.raises(ValueError):
        st.parse_month("2026/10")
    assert st.previous_month(date(2027, 1, 15)) == date(2026, 12, 1)
    assert st.next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert st.month_end(date(2028, 2, 1)) == date(2028, 2, 29)


def test_first_business_day() -> None:
    assert st.first_business_day(date(2026, 11, 1)) == date(2026, 11, 2)  # 11-01 is a Sunday
    assert st.first_business_day(date(2027, 1, 1)) == date(2027, 1, 4)  # 1/1–1/3 closed
    assert st.first_business_day(date(2026, 5, 1)) == date(2026, 5, 1)  # a Friday
    assert st.is_first_business_day(date(2026, 11, 2))
    assert not st.is_first_business_day(date(2026, 11, 3))


def test_weighted_median_and_percentile() -> None:
    assert st.weighted_median({}) is None
    assert st.weighted_percentile({}, 90) is None
    assert st.weighted_median({3: 1}) == 3.0
    assert st.weighted_median({1: 1, 5: 2, 6: 1}) == 5.0
    assert st.weighted_median({1: 1, 4: 1}) == 2.5
    assert st.weighted_percentile({1: 9, 30: 1}, 90) == 1
    assert st.weighted_percentile({1: 8, 30: 2}, 90) == 30


@given(hs.lists(hs.integers(min_value=0, max_value=40), min_size=1, max_size=60))
def test_weighted_statistics_match_the_plain_ones(values: list[int]) -> None:
    import math
    import statistics

    histogram: dict[int, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    assert st.weighted_median(histogram) == statistics.median(values)
    ordered = sorted(values)
    assert st.weighted_percentile(histogram, 90) == ordered[math.ceil(0.9 * len(values)) - 1]


def test_share_and_lead_time_tables() -> None:
    assert st.share(1, 3) == 33.3
    assert st.share(0, 0) is None
    summary, distribution = st.lead_time_tables({0: 2, 5: 1, 12: 1, 25: 1})
    assert summary.value("within_target") == 3
    assert summary.value("within_target_pct") == 60.0
    assert [row.values[0] for row in distribution.rows] == [3, 0, 1, 1]
