"""Every write of a usage request: one transaction, the row locked, the transition checked,
the audit event (with the rule snapshot) inside it, mail through the outbox after commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from backoffice.audit.services import audit_log
from backoffice.periods import add_business_days, format_both
from backoffice.text import reject_my_number
from backoffice.workbench.models import Activity
from institutions.models import Institution
from reviews.decisions import effective_outcome, effective_results
from reviews.models import Review
from reviews.presentation import result_rows
from reviews.rules import RULESETS
from reviews.services import eligibility_evaluate
from usage_requests import auth_ids, id_issuance
from usage_requests.id_services import PASSWORD_LINK_HOURS, auth_id_password_link_issue
from usage_requests.mail import absolute, mail_notify
from usage_requests.models import (
    Channel,
    RequestKind,
    RequestState,
    UsageRequest,
)
from usage_requests.selectors import delegation_covers, may_file_for, usage_request_facts

REVIEW_TARGET_BUSINESS_DAYS = 5  # "about a week" (§13 D11)
REASON_REQUIRED = {"return_to_filer", "recommend_rejection", "reject", "send_back"}


def usage_request_create(
    *,
    actor: Any,
    institution: Institution,
    acting_for: Institution | None,
    kind: str,
    declared_facts: dict[str, Any],
) -> UsageRequest:
    if not may_file_for(user=actor, institution=institution, acting_for=acting_for):
        raise PermissionDenied
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Choose the kind of request.")})
    if kind == RequestKind.PERIODIC_REPORT and not id_issuance.live_ids(institution).exists():
        raise ValidationError(
            {
                "kind": _(
                    "This institution holds no valid authentication ID to renew: file a new usage request."
                )
            }
        )
    with transaction.atomic():
        request: UsageRequest = UsageRequest.objects.create(
            kind=kind,
            institution=institution,
            acting_for=acting_for,
            filer=actor,
            declared_facts=declared_facts,
        )
        audit_log(
            actor=actor, action="usage_request.created", target=request, institution_id=institution.pk,
            data={"kind": kind, "acting_for": acting_for.pk if acting_for else None},
        )  # fmt: skip
    return request


def usage_request_update_draft(
    *, actor: Any, request_id: int, declared_facts: dict[str, Any]
) -> UsageRequest:
    with transaction.atomic():
        request: UsageRequest = (
            UsageRequest.objects.select_for_update().select_related("institution").get(pk=request_id)
        )
        if request.state not in (RequestState.DRAFT, RequestState.RETURNED):
            raise ValidationError(_("Only a draft or a returned request can be changed."))
        if not may_file_for(user=actor, institution=request.institution, acting_for=request.acting_for):
            raise PermissionDenied
        request.declared_facts = declared_facts
        request.save(update_fields=["declared_facts", "updated_at"])
        audit_log(
            actor=actor, action="usage_request.updated", target=request, institution_id=request.institution_id,
            data={"declared_facts": declared_facts},
        )  # fmt: skip
    return request


def _evaluate_into_review(request: UsageRequest, *, today: date) -> Review:
    facts = usage_request_facts(request, today=today)
    evaluation = eligibility_evaluate(facts_json=facts, on=today).as_json()
    review = request.review or Review(bureau_id=request.institution.prefecture.bureau_id)
    review.due_on = add_business_days(today, REVIEW_TARGET_BUSINESS_DAYS)
    review.ruleset = evaluation["ruleset"]
    review.evaluated_on = today
    review.rule_outcome = evaluation["outcome"]
    review.results = evaluation["results"]
    review.overrides = {}
    review.outcome = evaluation["outcome"]
    review.recommendation = ""
    review.recommended_by = None
    review.recommended_at = None
    review.closed_at = None  # a resubmission reopens the review
    review.save()
    return review


def _locked(request_id: int) -> UsageRequest:
    request: UsageRequest = (
        UsageRequest.objects.select_for_update(of=("self",))
        .select_related("institution__prefecture", "review", "acting_for", "filer")
        .get(pk=request_id)
    )
    return request


def usage_request_transition(*, actor: Any, request_id: int, name: str, reason: str = "") -> UsageRequest:
    """Run one lifecycle step with its permission, conditions and side effects."""
    transitions = {
        "submit", "resubmit", "start_review", "return_to_filer", "recommend_approval", "recommend_rejection",
        "approve", "reject", "send_back", "withdraw",
    }  # fmt: skip
    if name not in transitions:
        raise PermissionDenied
    reason = reason.strip()
    if name in REASON_REQUIRED and not reason:
        raise ValidationError(_("Write the reason; the filer and the record's history keep it."))
    reject_my_number(reason)
    today = timezone.localdate()
    try:
        with transaction.atomic():
            request = _locked(request_id)
            method = getattr(request, name)
            if not can_proceed(method, check_conditions=False):
                raise ValidationError(
                    _("This step is not possible while the request is “%(state)s”.")
                    % {"state": request.get_state_display()}
                )
            if not has_transition_perm(method, actor):
                if can_proceed(method) is False and _permitted_ignoring_conditions(request, name, actor):
                    raise ValidationError(_("Requirements fail or still need a decision: settle them first."))
                raise PermissionDenied
            if name in {"submit", "resubmit"} and request.kind == RequestKind.PERIODIC_REPORT:
                id_issuance.report_deadline_check(request, today=today)
            if name in {"recommend_approval", "approve"}:
                _check_delegation_holds(request, today=today)
            source = request.state
            method()
            data: dict[str, Any] = {"transition": {"field": "state", "from": source, "to": request.state}}
            if reason:
                data["reason"] = reason
            _side_effects(request, name=name, actor=actor, reason=reason, today=today, data=data)
            request.save()
            audit_log(
                actor=actor, action=f"usage_request.{name}", target=request,
                institution_id=request.institution_id, data=data,
            )  # fmt: skip
    except ConcurrentTransition as exc:
        raise ValidationError(
            _("Someone else changed this request at the same moment. Reload and try again.")
        ) from exc
    return request


def usage_request_submit_recorded(*, actor: Any, request_id: int, received_on: date) -> UsageRequest:
    """A paper request recorded by the bureau (intake_services) joins the queue as if submitted
    on the day the papers arrived: the rules, the deadline and the review clock use that day."""
    with transaction.atomic():
        request = _locked(request_id)
        if request.channel == Channel.ONLINE or request.state != RequestState.DRAFT:
            raise ValidationError(_("Only a paper request being recorded can be submitted this way."))
        if request.kind == RequestKind.PERIODIC_REPORT:
            id_issuance.report_deadline_check(request, today=received_on)
        source = request.state
        request.submit()
        data: dict[str, Any] = {
            "transition": {"field": "state", "from": source, "to": request.state},
            "channel": request.channel,
            "received_on": received_on.isoformat(),
        }
        _side_effects(request, name="submit", actor=actor, reason="", today=received_on, data=data)
        request.save()
        audit_log(
            actor=actor, action="usage_request.submit", target=request, institution_id=request.institution_id,
            data=data,
        )  # fmt: skip
    return request


def _permitted_ignoring_conditions(request: UsageRequest, name: str, actor: Any) -> bool:
    meta = getattr(request, name)._django_fsm
    transition = meta.get_transition(request.state)
    return bool(transition and transition.has_perm(request, actor))


def _side_effects(
    request: UsageRequest, *, name: str, actor: Any, reason: str, today: date, data: dict[str, Any]
) -> None:
    if name in {"submit", "resubmit"}:
        request.submitted_on = today
        if request.received_on is None:
            request.received_on = today
        request.last_message = ""
        _close_review_activities(request, actor)  # a resubmission replaces the earlier deadline
        fresh = _evaluate_into_review(request, today=today)
        request.review = fresh
        data["rules"] = {"ruleset": fresh.ruleset, "outcome": fresh.rule_outcome, "results": fresh.results}
        Activity.objects.create(
            target_type="usage_requests.usagerequest", target_id=str(request.pk), target_label=str(request),
            target_url=reverse("usage_requests:detail", args=[request.pk]), institution_id=request.institution_id,
            summary=_("Review due"), assignee=fresh.assignee, due_on=fresh.due_on, created_by=actor,
        )  # fmt: skip
        _mail_filer(
            request, "received", kind=RequestKind(request.kind).label, bureau=fresh.bureau,
            received_on=format_both(request.received_on or today), due_on=format_both(fresh.due_on),
        )  # fmt: skip
        return
    if name == "withdraw":
        if request.review is not None:  # a draft has none
            request.review.closed_at = timezone.now()
            request.review.save(update_fields=["closed_at"])
        _close_review_activities(request, actor)
        return
    review = request.review
    assert review is not None  # every step after submit has one
    if name == "start_review" and review.assignee_id is None:
        review.assignee = actor
        review.save(update_fields=["assignee"])
        Activity.objects.filter(
            target_type="usage_requests.usagerequest", target_id=str(request.pk), done_at__isnull=True,
            assignee__isnull=True,
        ).update(assignee=actor)  # fmt: skip
    elif name == "return_to_filer":
        request.last_message = reason
        _mail_filer(request, "returned", reason=reason)
    elif name in {"recommend_approval", "recommend_rejection"}:
        review.recommendation = "approve" if name == "recommend_approval" else "reject"
        review.recommended_by = actor
        review.recommended_at = timezone.now()
        review.save(update_fields=["recommendation", "recommended_by", "recommended_at"])
    elif name == "send_back":
        review.recommendation = ""
        review.recommended_by = None
        review.recommended_at = None
        review.save(update_fields=["recommendation", "recommended_by", "recommended_at"])
    elif name in {"approve", "reject"}:
        review.decided_by = actor
        review.decided_at = review.closed_at = timezone.now()
        review.save(update_fields=["decided_by", "decided_at", "closed_at"])
        _close_review_activities(request, actor)
        if name == "approve" and request.kind == RequestKind.PERIODIC_REPORT:
            data["extended"] = id_issuance.auth_ids_extend(
                request, actor=actor, years=RULESETS[review.ruleset].id_validity_years
            )
            _mail_filer(request, "report_approved", extended=sorted(data["extended"].items()))
        elif name == "approve":
            Institution.objects.filter(pk=request.institution_id, online_approved_on__isnull=True).update(
                online_approved_on=today
            )
            auth_id = id_issuance.auth_id_issue(
                request, actor=actor, validity_years=RULESETS[review.ruleset].id_validity_years
            )
            data["auth_id"] = auth_id.code
            link = auth_id_password_link_issue(auth_id=auth_id)
            _mail_filer(
                request, "approved", code=auth_ids.display(auth_id.code), link=absolute(link),
                hours=PASSWORD_LINK_HOURS, years=auth_id.validity_years,
            )  # fmt: skip
        else:
            request.last_message = reason
            _mail_rejected(request, reason=reason)


def _close_review_activities(request: UsageRequest, actor: Any) -> None:
    Activity.objects.filter(
        target_type="usage_requests.usagerequest", target_id=str(request.pk), done_at__isnull=True
    ).update(done_at=timezone.now(), done_by=actor)


def _mail_filer(
    request: UsageRequest, name: str, by_language: dict[str, dict[str, Any]] | None = None, **context: Any
) -> None:
    mail_notify(
        name=name, recipient=request.filer, verb="usage_request",
        url=reverse("usage_requests:detail", args=[request.pk]),
        context={"number": str(request), "institution": request.institution, **context}, by_language=by_language,
    )  # fmt: skip


def _mail_rejected(request: UsageRequest, *, reason: str) -> None:
    """The rejection names the reviewer's reason and every requirement that fails, explained."""
    review = request.review
    by_language: dict[str, dict[str, Any]] = {}
    for language in ("ja", "en"):
        rows = (
            result_rows(review.results, english=language == "en", overrides=review.overrides)
            if review
            else []
        )
        by_language[language] = {"failed": [row for row in rows if row["outcome"] == "fail"]}
    _mail_filer(request, "rejected", by_language=by_language, reason=reason)


def _check_delegation_holds(request: UsageRequest, *, today: date) -> None:
    """A request filed through a delegation can be approved only while the delegation holds."""
    agent = request.acting_for
    if agent is not None and not delegation_covers(institution=request.institution, agent=agent, today=today):
        raise ValidationError(
            _("The institution's delegation to %(agent)s has ended: this request can only be rejected or "
              "withdrawn.") % {"agent": agent}
        )  # fmt: skip


def review_settle(*, actor: Any, request_id: int, code: str, outcome: str, reason: str) -> UsageRequest:
    """A reviewer decides a needs_review requirement as pass or fail, with a written reason."""
    reason = reason.strip()
    if outcome not in {"pass", "fail"}:
        raise ValidationError({"outcome": _("Decide pass or fail.")})
    if not reason:
        raise ValidationError({"reason": _("Write why: the decision is kept with the request.")})
    try:
        reject_my_number(reason)
    except ValidationError as exc:
        raise ValidationError({"reason": exc}) from exc
    with transaction.atomic():
        request = _locked(request_id)
        review = request.review
        from usage_requests.models import _is_bureau_reviewer

        if request.state != RequestState.UNDER_REVIEW or review is None:
            raise ValidationError(_("Requirements are settled while the request is under review."))
        if not _is_bureau_reviewer(request, actor):
            raise PermissionDenied
        codes = {r["code"]: r for r in review.results}
        if codes.get(code, {}).get("outcome") != "needs_review":
            raise ValidationError(_("Only a requirement that needs review can be settled."))
        overrides = dict(review.overrides or {})
        overrides[code] = {
            "outcome": outcome,
            "reason": reason,
            "by": actor.username,
            "on": timezone.localdate().isoformat(),
        }
        review.overrides = overrides
        review.outcome = effective_outcome(effective_results(review.results, overrides))
        review.save(update_fields=["overrides", "outcome"])
        audit_log(
            actor=actor, action="usage_request.requirement_settled", target=request,
            institution_id=request.institution_id,
            data={"code": code, "outcome": outcome, "reason": reason, "review_outcome": review.outcome},
        )  # fmt: skip
    return request


def review_assign(*, actor: Any, requests: Any, assignee: Any) -> int:
    """Bulk-assign open requests of the actor's bureau."""
    count = 0
    for request in requests.filter(state__in=[RequestState.SUBMITTED, RequestState.UNDER_REVIEW]):
        with transaction.atomic():
            locked = _locked(request.pk)
            review = locked.review
            if review is None or review.bureau_id != actor.bureau_id:
                continue
            review.assignee = assignee
            review.save(update_fields=["assignee"])
            Activity.objects.filter(
                target_type="usage_requests.usagerequest", target_id=str(locked.pk), done_at__isnull=True
            ).update(assignee=assignee)
            audit_log(
                actor=actor, action="usage_request.assigned", target=locked, institution_id=locked.institution_id,
                data={"assignee": assignee.username},
            )  # fmt: skip
            count += 1
    return count
