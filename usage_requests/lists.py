"""The review queue and the filers' list of usage requests: one spec, scoped per user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export import fields, resources

from backoffice.access.roles import Cap
from backoffice.accounts.models import User
from backoffice.workbench.lists import (
    BulkAction,
    Column,
    GroupBy,
    LinkAction,
    ListParams,
    ListSpec,
    NamedFilter,
    PerPage,
    joins,
    record_url,
)
from reviews.decisions import sla_state
from reviews.models import Review
from usage_requests import selectors
from usage_requests.models import Channel, RequestKind, RequestState, UsageRequest

OUTCOME_LABELS = {"pass": _("Met"), "fail": _("Fails"), "needs_review": _("Reviewer decides")}
SLA_LABELS = {
    "on_time": _("On time"),
    "due_today": _("Due today"),
    "overdue": _("Overdue"),
    "done": _("Done"),
}
FINISHED = (RequestState.APPROVED, RequestState.REJECTED, RequestState.WITHDRAWN, RequestState.DRAFT)
# The queue's "open": with the bureau, not back with the filer.
OPEN = (RequestState.SUBMITTED, RequestState.UNDER_REVIEW, RequestState.RECOMMENDED)


class UsageRequestResource(resources.ModelResource):
    """The list's export, with the rule results of the request's latest evaluation.

    The export's rows come with their institution and review (``select_related``): the rule
    results are a JSON column of the review, and the bureaus (a handful) are read once per
    export, so no cell asks the database anything.
    """

    institution = fields.Field(attribute="institution__name", column_name="institution")
    bureau = fields.Field(column_name="bureau")
    outcome = fields.Field(attribute="review__outcome", column_name="outcome")
    due_on = fields.Field(attribute="review__due_on", column_name="due_on")
    assignee = fields.Field(attribute="review__assignee__username", column_name="assignee")
    rule_results = fields.Field(column_name="rule_results")

    class Meta:
        model = UsageRequest
        fields = ("id", "kind", "channel", "state", "institution", "bureau", "submitted_on", "due_on", "outcome",
                  "assignee", "rule_results")  # fmt: skip
        export_order = fields

    # What the two computed columns read, for an export of values (workbench/export_plan.py).
    export_values = {"bureau": ("review__bureau",), "rule_results": ("review__results", "review__overrides")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._bureaus: dict[int, str] | None = None

    def dehydrate_bureau(self, obj: UsageRequest) -> str:
        review = obj.review
        return "" if review is None else self.values_bureau(review.bureau_id)

    def values_bureau(self, bureau_id: int | None) -> str:
        if bureau_id is None:
            return ""
        if self._bureaus is None:
            from backoffice.accounts.models import RegionalBureau

            self._bureaus = dict(RegionalBureau.objects.values_list("pk", "name_ja"))
        return self._bureaus.get(bureau_id, "")

    def dehydrate_rule_results(self, obj: UsageRequest) -> str:
        review = obj.review
        return "" if review is None else self.values_rule_results(review.results, review.overrides)

    def values_rule_results(
        self, results: list[dict[str, Any]] | None, overrides: dict[str, Any] | None
    ) -> str:
        """``CODE: outcome`` per requirement, in the evaluation's order; a needs_review item the
        reviewer settled shows both (``REQ-X: needs_review → pass``)."""
        overrides = overrides or {}
        cells = []
        for result in results or []:
            code, outcome = result.get("code", ""), result.get("outcome", "")
            settled = overrides.get(code) if outcome == "needs_review" else None
            cells.append(f"{code}: {outcome} → {settled['outcome']}" if settled else f"{code}: {outcome}")
        return "; ".join(cells)


class _Institution(NamedTuple):
    name: str
    category: int


class _Assignee(NamedTuple):
    pk: int
    username: str
    display_name: str
    first_name: str
    last_name: str

    def get_full_name(self) -> str:
        return User.get_full_name(self)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return User.__str__(self)  # type: ignore[arg-type]  # as str(User) reads the same fields


class _Review(NamedTuple):
    pk: int
    due_on: date
    outcome: str
    assignee: _Assignee | None


# What a row of the list is made of (ListSpec.row_values), in QueueRow's order.
ROW_VALUES = (
    "pk", "kind", "channel", "state", "submitted_on", "institution__name", "institution__category",
    "review", "review__due_on", "review__outcome", "review__assignee", "review__assignee__username",
    "review__assignee__display_name", "review__assignee__first_name", "review__assignee__last_name",
)  # fmt: skip


class QueueRow:
    """A row of the list, made of the values ROW_VALUES (ListSpec.row_values, row_type):
    what its columns, link and selection box read, named as on a UsageRequest
    (``institution.name``, ``review.due_on``, ``review.assignee`` …: None where the request
    has none), and ``str()`` as ``str(UsageRequest)``. A field a column would read and
    ROW_VALUES lacks fails loudly (AttributeError) rather than costing a query per row."""

    __slots__ = ("channel", "id", "institution", "kind", "pk", "review", "state", "submitted_on")

    def __init__(
        self,
        pk: int,
        kind: str,
        channel: str,
        state: str,
        submitted_on: date | None,
        institution_name: str,
        category: int,
        review_id: int | None,
        due_on: date,
        outcome: str,
        assignee_id: int | None,
        username: str,
        display_name: str,
        first_name: str,
        last_name: str,
    ) -> None:
        self.pk = self.id = pk
        self.kind, self.channel, self.state, self.submitted_on = kind, channel, state, submitted_on
        self.institution = _Institution(institution_name, category)
        assignee = (
            None
            if assignee_id is None
            else _Assignee(assignee_id, username, display_name, first_name, last_name)
        )
        self.review = None if review_id is None else _Review(review_id, due_on, outcome, assignee)

    def __str__(self) -> str:
        return UsageRequest.__str__(self)  # type: ignore[arg-type]  # it reads the pk alone


def _sla_for_page() -> Callable[[QueueRow], Any]:
    """The SLA column for one page's rows: today's date and the labels (in the active
    language) looked up once, not per row."""
    today = timezone.localdate()
    labels = {key: str(label) for key, label in SLA_LABELS.items()}

    def sla(obj: QueueRow) -> Any:
        review = obj.review
        return labels[
            sla_state(due_on=review.due_on if review else None, today=today, finished=obj.state in FINISHED)
        ]

    return sla


def _outcome_for_page() -> Callable[[QueueRow], Any]:
    """The outcome column for one page's rows: the labels in the active language, once."""
    labels = {key: str(label) for key, label in OUTCOME_LABELS.items()}
    return lambda o: labels.get(r.outcome, "") if (r := o.review) else ""


def _assign_to_me(user: Any, rows: Any) -> str:
    from usage_requests.services import review_assign

    count = review_assign(actor=user, requests=rows, assignee=user)
    return ngettext("%(n)d request assigned to you.", "%(n)d requests assigned to you.", count) % {"n": count}


def _today() -> Any:
    return timezone.localdate()


def _review_open(*states: str) -> Q:
    """Requests in ``states`` (default: every state with an open review), asked twice over.

    ``review__closed_at__isnull`` changes no row: services set ``Review.closed_at`` when a
    request is approved, rejected or withdrawn and clear it on resubmission, so a request
    in an open state has an open review and vice versa. It lets PostgreSQL start from the
    partial indexes on open reviews (reviews/models.py: a bureau's queue in due-date order,
    ~50 index entries for the first page instead of sorting ~20,000 joined rows), and
    ``review__isnull=False`` makes that join an inner one (drafts have no review), which
    the planner may start from either side. The state condition stays: it implies the
    predicate of ``usage_request_open_idx`` (usage_requests/migrations/0005), so counting
    joins two small partial indexes (13 ms for a bureau on a million requests, against
    250 ms with ``closed_at`` alone, where PostgreSQL hashes every request).
    """
    on_state = Q(state__in=states) if states else ~Q(state__in=FINISHED)
    return Q(review__isnull=False, review__closed_at__isnull=True) & on_state


def _open_count(qs: QuerySet[Any]) -> Q:
    """The "open" filter in the form its rows are counted with (``count_condition``).

    Where the query joins reviews anyway (a bureau's scope, a drill-down by assignee), as
    ``_review_open``: PostgreSQL merge-joins the bureau's open reviews in id order
    (``review_open_bureau_id_idx``) with the open requests' review ids
    (``usage_request_open_review_idx``, whose predicate is this state list) and stops at
    the cap (~5 ms for Tokyo's 10,001 on a million requests, against ~13 ms hashing the
    bureau's open reviews), where the state list alone would probe a review for every
    open request of every bureau. Where it does not (administrators, auditors), the state
    list alone: it counts from the requests' indexes without touching reviews (~1 ms,
    against ~15 ms with the join ``closed_at`` brings). The same rows: an open review's
    request is in an open state and vice versa.
    """
    if joins(qs, Review):
        return _review_open(*OPEN)
    return Q(state__in=OPEN)


def _review_open_rows(*, returned: bool) -> Q:
    """The rows of ``_review_open`` in the form a page fetches them with
    (``NamedFilter.rows_condition``): an open review, and for the "open" filter
    (``returned=False``) not back with the filer.

    The same rows: an open review's request is submitted, under review, returned or
    recommended, and vice versa (tests/usage_requests/test_queue_closed_at.py). But
    PostgreSQL estimates these right: it takes ``closed_at IS NULL`` and a condition on
    the state as independent, and the state lists match the same ~5 % of the requests as
    closed_at, so it expected 20 times fewer rows than there are and planned parallel
    workers or a sort of every match (on a million requests, Tokyo's first page "open" by
    due date: ~25 ms against ~5 ms; "unassigned" by due date: ~80 ms against ~4 ms).
    Counting keeps ``_review_open``: its state list proves the predicate of
    ``usage_request_open_idx``.
    """
    rows = Q(review__isnull=False, review__closed_at__isnull=True)
    return rows if returned else rows & ~Q(state=RequestState.RETURNED)


def _bureau_queue_count(user: Any, params: ListParams) -> QuerySet[Any] | None:
    """A bureau's queue "open" alone (no search, drill-down or other filter: what its
    reviewers look at all day), counted from the bureau's open reviews less those whose
    request is back with its filer (ListSpec.count_shortcut); None for any other page.

    The same rows as ``_open_count``'s: every review has its request (one-to-one, made on
    submit), and a review is open exactly while its request is submitted, under review,
    returned or recommended (tests/usage_requests/test_queue_closed_at.py). PostgreSQL
    merges the bureau's open reviews in id order (``review_open_bureau_id_idx``) with the
    few returned requests' review ids (``usage_request_returned_idx``) and stops at the cap:
    ~2 ms for Tokyo's 10,001 on a million requests, against ~7 ms merging them with every
    bureau's open requests.
    """
    if params.filters != ("open",) or params.query or params.group_value is not None:
        return None
    bureau_id = selectors.usage_request_list_bureau(user=user)
    if bureau_id is None:
        return None
    returned = UsageRequest.objects.filter(review=OuterRef("pk"), state=RequestState.RETURNED)
    return Review.objects.filter(~Exists(returned), bureau_id=bureau_id, closed_at__isnull=True)


# What the SLA filters ask of an open review, besides being open.
def _unassigned() -> Q:
    return Q(review__assignee__isnull=True)


def _overdue() -> Q:
    return Q(review__due_on__lt=_today())


def _due_today() -> Q:
    return Q(review__due_on=_today())


def _due_soon() -> Q:
    return Q(review__due_on__lte=_today() + timedelta(days=2))


USAGE_REQUESTS = ListSpec(
    key="usage_requests",
    title=_("Usage requests"),
    model=UsageRequest,
    scope=lambda user: selectors.usage_request_list_visible_to(user=user),
    row_url=record_url("usage_requests:detail"),
    columns=[
        Column("number", _("No."), path="id", render=str),
        Column("institution", _("Institution"), path="institution__name"),
        Column("kind", _("Kind")),
        Column("state", _("State")),
        Column("submitted_on", _("Submitted on")),
        Column(
            "due_on",
            _("Review due"),
            path="review__due_on",
            render=lambda o: r.due_on.isoformat() if (r := o.review) else "",
            ids_first=True,  # hundreds of open reviews fall due each day (page_of)
        ),
        Column("sla", _("SLA"), sortable=False, render=PerPage(_sla_for_page)),
        Column("outcome", _("Outcome"), path="review__outcome", render=PerPage(_outcome_for_page)),
        Column(
            "assignee",
            _("Assignee"),
            path="review__assignee__username",
            # str(User), as the cell would show the user: text is the cheapest to render.
            render=lambda o: str(r.assignee or "") if (r := o.review) else "",
        ),
        Column("channel", _("Channel"), default=False),
        Column("category", _("Category"), path="institution__category", default=False),
    ],
    search_fields=[
        "institution__name",
        "institution__corporate_number",
        "filer__username",
        "filer__display_name",
    ],
    search_help=_("Institution, corporate number or filer"),
    filters=[
        NamedFilter(
            "open",
            _("Open"),
            lambda: _review_open(*OPEN),
            rows_condition=lambda: _review_open_rows(returned=False),
            count_condition=_open_count,
        ),
        NamedFilter("to_decide", _("Awaiting a supervisor"), lambda: Q(state=RequestState.RECOMMENDED)),
        NamedFilter(
            "unassigned",
            _("Unassigned"),
            lambda: _review_open() & _unassigned(),
            rows_condition=lambda: _review_open_rows(returned=True) & _unassigned(),
        ),
        NamedFilter(
            "overdue",
            _("Overdue"),
            lambda: _review_open() & _overdue(),
            rows_condition=lambda: _review_open_rows(returned=True) & _overdue(),
        ),
        NamedFilter(
            "due_today",
            _("Due today"),
            lambda: _review_open() & _due_today(),
            rows_condition=lambda: _review_open_rows(returned=True) & _due_today(),
        ),
        NamedFilter(
            "due_soon",
            _("Due within 2 days"),
            lambda: _review_open() & _due_soon(),
            rows_condition=lambda: _review_open_rows(returned=True) & _due_soon(),
        ),
        NamedFilter("fails", _("Rules fail"), lambda: Q(review__outcome="fail")),
        NamedFilter("needs_review", _("Needs review"), lambda: Q(review__outcome="needs_review")),
        NamedFilter("cat34", _("Category 3 or 4"), lambda: Q(institution__category__in=[3, 4])),
        NamedFilter("by_post", _("By post or counter"), lambda: ~Q(channel=Channel.ONLINE)),
    ],
    group_bys=[
        GroupBy("state", _("State"), "state", choices=dict(RequestState.choices)),
        GroupBy("kind", _("Kind"), "kind", choices=dict(RequestKind.choices)),
        GroupBy("outcome", _("Outcome"), "review__outcome", choices=OUTCOME_LABELS),
        GroupBy("assignee", _("Assignee"), "review__assignee_id", label_path="review__assignee__username"),
        GroupBy("bureau", _("Bureau"), "review__bureau_id", label_path="review__bureau__name_ja"),
        GroupBy("category", _("Category"), "institution__category"),
        GroupBy("channel", _("Channel"), "channel", choices=dict(Channel.choices)),
    ],
    default_sort="-number",
    # The relations a page's rows join (Column.ids_first: _page_ids_first), read as values.
    select_related=["institution", "review__assignee"],
    row_values=ROW_VALUES,
    row_type=QueueRow,
    count_shortcut=_bureau_queue_count,
    bulk_actions=[BulkAction("assign_me", _("Assign to me"), Cap.USAGE_REQUEST_REVIEW, _assign_to_me)],
    export_resource=UsageRequestResource,
    create_url_name="usage_requests:create",
    create_capability=Cap.USAGE_REQUEST_FILE,
    link_actions=[
        LinkAction(_("Record a paper request"), "usage_requests:record_paper", Cap.USAGE_REQUEST_REVIEW),
        LinkAction(_("Delegations"), "usage_requests:delegations", Cap.USAGE_REQUEST_FILE),
    ],
)
