"""Review.closed_at: set when a request is decided or withdrawn, cleared when it is
resubmitted, and the queue's "open" filters, which ask for it, list exactly the open requests
in every form the list kit queries them (NamedFilter.condition, rows_condition, count_condition)."""

from __future__ import annotations

import copy
import importlib
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from backoffice.workbench.list_html import rows_html
from backoffice.workbench.lists import (
    ListParams,
    filtered_queryset,
    ordered,
    page_rows,
    row_source,
)
from institutions.models import StaffMembership
from reviews.models import Review
from tests.usage_requests.conftest import GOOD_FACTS
from usage_requests.lists import FINISHED, USAGE_REQUESTS, QueueRow
from usage_requests.models import RequestState, UsageRequest
from usage_requests.services import usage_request_create, usage_request_transition

# The filters as they were written before closed_at, on the request's state alone.
BY_STATE = {
    "open": lambda: Q(
        state__in=[RequestState.SUBMITTED, RequestState.UNDER_REVIEW, RequestState.RECOMMENDED]
    ),
    "unassigned": lambda: Q(review__assignee__isnull=True) & ~Q(state__in=FINISHED),
    "overdue": lambda: Q(review__due_on__lt=timezone.localdate()) & ~Q(state__in=FINISHED),
    "due_today": lambda: Q(review__due_on=timezone.localdate()) & ~Q(state__in=FINISHED),
    "due_soon": lambda: (
        Q(review__due_on__lte=timezone.localdate() + timedelta(days=2)) & ~Q(state__in=FINISHED)
    ),
}

# Every way a request can end up, from a fresh draft: (who, transition, reason).
SUBMIT = ("hr", "submit", "")
START = ("reviewer_tokyo", "start_review", "")
RECOMMEND = ("reviewer_tokyo", "recommend_approval", "")
RETURN = ("reviewer_tokyo", "return_to_filer", "役員の刑罰歴を追記してください。")
RECOMMEND_NO = ("reviewer_tokyo", "recommend_rejection", "誓約書が未提出です。")
PATHS: dict[str, list[tuple[str, str, str]]] = {
    "draft": [],
    "withdrawn_draft": [("hr", "withdraw", "")],
    "submitted": [SUBMIT],
    "under_review": [SUBMIT, START],
    "returned": [SUBMIT, START, RETURN],
    "resubmitted": [SUBMIT, START, RETURN, ("hr", "resubmit", "")],
    "recommended": [SUBMIT, START, RECOMMEND],
    "sent_back": [SUBMIT, START, RECOMMEND, ("supervisor_tokyo", "send_back", "理由を補足してください。")],
    "approved": [SUBMIT, START, RECOMMEND, ("supervisor_tokyo", "approve", "")],
    "rejected": [SUBMIT, START, RECOMMEND_NO, ("supervisor_tokyo", "reject", "不承認とします。")],
    "withdrawn_submitted": [SUBMIT, ("hr", "withdraw", "")],
    "withdrawn_under_review": [SUBMIT, START, ("hr", "withdraw", "")],
}
CLOSED = {"approved", "rejected", "withdrawn_submitted", "withdrawn_under_review"}


def _draft(cast: dict[str, Any]) -> UsageRequest:
    return usage_request_create(
        actor=cast["users"]["hr"], institution=cast["company"], acting_for=None, kind="new",
        declared_facts=copy.deepcopy(GOOD_FACTS),
    )  # fmt: skip


def _go(cast: dict[str, Any], request: UsageRequest, steps: list[tuple[str, str, str]]) -> UsageRequest:
    for who, name, reason in steps:
        usage_request_transition(actor=cast["users"][who], request_id=request.pk, name=name, reason=reason)
    done: UsageRequest = UsageRequest.objects.select_related("review").get(pk=request.pk)
    return done


def _due_then_number(request: UsageRequest) -> tuple[Any, int]:
    assert request.review is not None
    return request.review.due_on, request.pk


@pytest.fixture
def every_state(cast_ur: dict[str, Any]) -> dict[str, UsageRequest]:
    """One request per path above, all for the Tokyo company."""
    made = {name: _go(cast_ur, _draft(cast_ur), steps) for name, steps in PATHS.items()}
    assert made["approved"].state == RequestState.APPROVED and made["rejected"].state == RequestState.REJECTED
    assert made["resubmitted"].state == RequestState.SUBMITTED
    assert made["sent_back"].state == RequestState.UNDER_REVIEW
    return made


@pytest.mark.django_db
def test_decisions_and_withdrawals_close_the_review(every_state: dict[str, UsageRequest]) -> None:
    for name, request in every_state.items():
        review = request.review
        if name in {"draft", "withdrawn_draft"}:
            assert review is None, name  # a review starts on submit: nothing to close
        elif name in CLOSED:
            assert review is not None and review.closed_at is not None, name
            assert abs(review.closed_at - request.updated_at) < timedelta(minutes=1), "closed with the step"
        else:
            assert review is not None and review.closed_at is None, name
    for name in ("approved", "rejected"):
        review = every_state[name].review
        assert review is not None and review.closed_at == review.decided_at, "one moment, one save"


@pytest.mark.django_db
def test_a_resubmission_reopens_the_review(cast_ur: dict[str, Any]) -> None:
    request = _go(cast_ur, _draft(cast_ur), [SUBMIT, START, RETURN])
    assert request.review is not None and request.review.closed_at is None, "returned is still open"
    # A review closed by whatever means (an old row, a data fix) opens again on resubmission.
    Review.objects.filter(pk=request.review.pk).update(closed_at=timezone.now())
    request = _go(cast_ur, request, [("hr", "resubmit", "")])
    assert request.state == RequestState.SUBMITTED
    assert request.review is not None and request.review.closed_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["reviewer_tokyo", "supervisor_tokyo", "reviewer_osaka", "auditor", "admin", "hr"]
)
@pytest.mark.parametrize("key", sorted(BY_STATE))
def test_the_open_filters_list_the_same_rows_as_by_state(
    cast_ur: dict[str, Any], every_state: dict[str, UsageRequest], who: str, key: str
) -> None:
    user = cast_ur["users"][who]
    params = ListParams(filters=(key,), sort="due_on")
    ours = list(ordered(USAGE_REQUESTS, filtered_queryset(USAGE_REQUESTS, user, params), params))
    scope = USAGE_REQUESTS.scope(user)
    theirs = list(ordered(USAGE_REQUESTS, scope.filter(BY_STATE[key]()), params))
    assert [r.pk for r in ours] == [r.pk for r in theirs]
    # The forms a page fetches its rows and counts them with: the same rows.
    for form in ("rows", "count"):
        other = ordered(USAGE_REQUESTS, filtered_queryset(USAGE_REQUESTS, user, params, form=form), params)
        assert [r.pk for r in other] == [r.pk for r in theirs], form
        assert other.order_by().count() == len(theirs), form
    if key == "open" and who in {"reviewer_tokyo", "auditor", "hr"}:
        expected = {"submitted", "under_review", "resubmitted", "recommended", "sent_back"}
        assert {r.pk for r in ours} == {every_state[name].pk for name in expected}
    if key == "unassigned" and who == "hr":
        assert every_state["draft"].pk not in {r.pk for r in ours}, (
            "a draft has no review, and is no queue row"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reviewer_tokyo", "admin"])
@pytest.mark.parametrize(
    "params",
    [
        ListParams(filters=("open",), group="assignee", group_value="__none__"),
        ListParams(filters=("open",), group="state", group_value="submitted"),
        ListParams(filters=("cat34", "open")),
        ListParams(filters=("fails", "open")),
        ListParams(filters=("open", "unassigned")),
        ListParams(filters=("open",), query="株式会社"),
    ],
    ids=["drill-assignee", "drill-state", "with-cat34", "with-fails", "with-unassigned", "search"],
)
def test_the_forms_agree_whatever_else_narrows_the_list(
    cast_ur: dict[str, Any], every_state: dict[str, UsageRequest], who: str, params: ListParams
) -> None:
    """count_condition looks at what the query joins already (a drill-down or another
    filter on the review): every combination lists the same rows in every form."""
    user = cast_ur["users"][who]
    forms = {
        form: sorted(filtered_queryset(USAGE_REQUESTS, user, params, form=form).values_list("pk", flat=True))
        for form in ("", "rows", "count")
    }
    assert forms[""] == forms["rows"] == forms["count"], forms


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reviewer_tokyo", "admin"])
@pytest.mark.parametrize("search", ["", "みどり"])
def test_the_page_fetches_and_counts_in_their_own_forms(
    client_for: Any, every_state: dict[str, UsageRequest], who: str, search: str, settings: Any
) -> None:
    settings.WORKBENCH_PAGE_SIZE = 2  # three pages: the page needs its count
    client = client_for(who)
    url = reverse("usage_requests:list")
    query = {"f": "open", "sort": "due_on", **({"q": search} if search else {})}  # every request matches
    client.get(url, query)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, query)
    assert page.context["page"].count == 5 and len(page.context["rows"]) == 2
    sqls = [q["sql"] for q in queries.captured_queries]
    rows = next(s for s in sqls if "ORDER BY" in s and "usage_requests_usagerequest" in s)
    assert "'returned'" in rows and "'recommended'" not in rows, "rows_condition: closed_at, not returned"
    if who == "reviewer_tokyo" and not search:
        # count_shortcut: the bureau's queue alone, from its open reviews, in the rows' query.
        assert not any(s.startswith("SELECT COUNT(*) FROM (SELECT") for s in sqls), sqls
        count = rows[rows.index("(SELECT COUNT(*) FROM (SELECT") :]
        assert '"reviews_review"' in count and "NOT EXISTS" in count and "LIMIT 10001" in count, rows
        assert len(sqls) == 5, "session, user, OTP device, rows with their count, notifications"
        return
    count = next(s for s in sqls if s.startswith("SELECT COUNT(*) FROM (SELECT"))
    assert "'recommended'" in count, "count_condition: the state list"
    assert ('"reviews_review"' in count) == (who == "reviewer_tokyo"), (
        "closed_at (a join to reviews) only where the scope joins reviews already"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["reviewer_tokyo", "supervisor_tokyo", "reviewer_osaka", "auditor", "admin", "hr"]
)
def test_the_bureau_queue_alone_counts_from_its_reviews(
    cast_ur: dict[str, Any], every_state: dict[str, UsageRequest], who: str
) -> None:
    """USAGE_REQUESTS.count_shortcut counts a bureau's queue "open" alone from its reviews:
    as many as the page lists, and for no other page or user."""
    user = cast_ur["users"][who]
    StaffMembership.objects.create(
        user=cast_ur["users"]["hr"], institution=cast_ur["osaka_company"], valid_from=date(2024, 1, 1)
    )
    osaka = _go(cast_ur, _draft({**cast_ur, "company": cast_ur["osaka_company"]}), [SUBMIT])
    assert osaka.review is not None and osaka.review.bureau.code == "osaka"
    params = ListParams(filters=("open",), sort="due_on")
    shortcut = USAGE_REQUESTS.count_shortcut
    assert shortcut is not None
    counted = shortcut(user, params)
    listed = filtered_queryset(USAGE_REQUESTS, user, params).count()
    if who in {"reviewer_tokyo", "supervisor_tokyo", "reviewer_osaka"}:
        assert counted is not None and counted.count() == listed
        assert listed == (1 if who == "reviewer_osaka" else 5)
    else:
        assert counted is None
    for other in (
        ListParams(filters=("cat34", "open")),
        ListParams(filters=("open",), query="みどり"),
        ListParams(filters=("open",), group="state", group_value="submitted"),
        ListParams(filters=("unassigned",)),
        ListParams(),
    ):
        assert shortcut(user, other) is None, other


@pytest.mark.django_db
def test_every_column_comes_with_the_rows(client_for: Any, cast_ur: dict[str, Any]) -> None:
    """USAGE_REQUESTS.row_values (QueueRow) hold every field the columns read: showing them
    all costs no query per row, and the assignee shows as str(User)."""
    from usage_requests.services import review_assign

    reviewer = cast_ur["users"]["reviewer_tokyo"]
    reviewer.display_name = "審査 <太郎>"  # shown (escaped) rather than the username
    reviewer.save(update_fields=["display_name"])
    for _ in range(2):
        _go(cast_ur, _draft(cast_ur), [SUBMIT])
    review_assign(actor=reviewer, requests=UsageRequest.objects.all(), assignee=reviewer)
    client = client_for("reviewer_tokyo")
    url = reverse("usage_requests:list")
    every = [c.key for c in USAGE_REQUESTS.columns]
    client.get(url, {"cols": every})
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert [c.key for c in page.context["columns"]] == every
    for _ in range(3):
        _go(cast_ur, _draft(cast_ur), [SUBMIT, START])
    with CaptureQueriesContext(connection) as more:
        page = client.get(url)
    assert len(page.context["rows"]) == 5
    assert len(more.captured_queries) == len(few.captured_queries), [q["sql"] for q in more.captured_queries]
    assignee = every.index("assignee")
    shown = [str(values[assignee]) for _obj, _url, values in page.context["rows"]]
    assert shown.count("審査 <太郎>") >= 2
    assert "<td>審査 &lt;太郎&gt;</td>" in page.content.decode()
    for obj, _url, values in page.context["rows"]:
        assert len(values) == len(every) and values[0] == str(obj)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_rows_of_values_show_as_the_requests_would(
    cast_ur: dict[str, Any], every_state: dict[str, UsageRequest], language: str
) -> None:
    """A page's rows are values made into QueueRows (ListSpec.row_values, row_type): every
    column, link and selection box shows as it would from the requests themselves, for
    drafts (no review), unassigned requests, and assignees shown by their display name,
    full name or username, in both languages."""
    users = cast_ur["users"]
    names = {
        "reviewer_tokyo": ("審査 <太郎>", "", ""),
        "supervisor_tokyo": ("", "花子", "山田"),
        "auditor": ("", "", ""),
    }
    for username, (display_name, first_name, last_name) in names.items():
        User = type(users[username])
        User.objects.filter(pk=users[username].pk).update(
            display_name=display_name, first_name=first_name, last_name=last_name
        )
    for name, assignee in (
        ("submitted", "reviewer_tokyo"),
        ("under_review", "supervisor_tokyo"),
        ("recommended", "auditor"),
    ):
        Review.objects.filter(usage_request=every_state[name]).update(assignee=users[assignee])
    Review.objects.filter(usage_request=every_state["resubmitted"]).update(assignee=None)
    for who in ("hr", "reviewer_tokyo"):
        params = ListParams(sort="-number")
        qs = ordered(USAGE_REQUESTS, filtered_queryset(USAGE_REQUESTS, users[who], params), params)
        instances = list(qs.select_related("institution", "review__assignee"))
        rows, _count = row_source(USAGE_REQUESTS).fetch(qs)
        assert [type(r) for r in rows] == [QueueRow] * len(instances)
        assert [r.pk for r in rows] == [o.pk for o in instances] and len(rows) >= 8, who
        with translation.override(language):
            ours = page_rows(USAGE_REQUESTS, USAGE_REQUESTS.columns, rows)
            theirs = page_rows(USAGE_REQUESTS, USAGE_REQUESTS.columns, instances)
            assert [(str(r.obj), r.url, [str(v) for v in r.values]) for r in ours] == [
                (str(r.obj), r.url, [str(v) for v in r.values]) for r in theirs
            ]
            for select in (None, "選択"):
                assert rows_html(ours, select_label=select) == rows_html(theirs, select_label=select)
        shown = {str(v) for r in ours for v in r.values}
        if who == "reviewer_tokyo":
            assert {"審査 <太郎>", "花子 山田", "auditor"} <= shown
        else:
            assert any(r.review is None for r in rows), "drafts have no review"


@pytest.mark.django_db
def test_the_queue_page_open_by_due_date(client_for: Any, every_state: dict[str, UsageRequest]) -> None:
    reviewer = client_for("reviewer_tokyo")
    url = reverse("usage_requests:list")
    reviewer.get(url, {"f": "open", "sort": "due_on"})  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        page = reviewer.get(url, {"f": "open", "sort": "due_on"})
    rows = [row[0] for row in page.context["rows"]]
    assert {r.state for r in rows} == {
        RequestState.SUBMITTED,
        RequestState.UNDER_REVIEW,
        RequestState.RECOMMENDED,
    }
    expected = [
        every_state[n] for n in ("submitted", "under_review", "resubmitted", "recommended", "sent_back")
    ]
    assert [r.pk for r in rows] == [r.pk for r in sorted(expected, key=_due_then_number)]
    # Session, user, OTP device, the page's rows (with institution, review and assignee
    # joined), the unread notifications; a single page needs no separate count.
    assert len(queries.captured_queries) == 5, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_the_backfill_closes_decided_and_withdrawn_reviews(every_state: dict[str, UsageRequest]) -> None:
    migration = importlib.import_module("usage_requests.migrations.0007_backfill_review_closed_at")
    Review.objects.update(closed_at=None)  # as right after the column was added
    before = timezone.now()
    migration.backfill(apps, SimpleNamespace(connection=connection))
    for name, request in every_state.items():
        if request.review is None:
            continue
        review = Review.objects.get(pk=request.review.pk)
        if name in {"approved", "rejected"}:
            assert review.closed_at == review.decided_at, name
        elif name in CLOSED:
            assert (
                review.decided_at is None and review.closed_at is not None and review.closed_at >= before
            ), name
        else:
            assert review.closed_at is None, name
    closed_at = dict(Review.objects.values_list("pk", "closed_at"))
    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert dict(Review.objects.values_list("pk", "closed_at")) == closed_at, (
        "running it again changes nothing"
    )
