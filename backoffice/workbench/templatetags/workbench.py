"""Template helpers that turn audit events into readable chatter lines."""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()

VERBS = {
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "deleted": gettext_lazy("removed"),
    "suspend": gettext_lazy("suspended"),
    "reinstate": gettext_lazy("reinstated"),
    "close": gettext_lazy("closed"),
    "posted": gettext_lazy("commented"),
    "scheduled": gettext_lazy("activity scheduled"),
    "done": gettext_lazy("activity done"),
    "requested": gettext_lazy("export requested"),
    "submit": gettext_lazy("submitted"),
    "resubmit": gettext_lazy("resubmitted"),
    "start_review": gettext_lazy("review started"),
    "return_to_filer": gettext_lazy("returned for correction"),
    "recommend_approval": gettext_lazy("approval recommended"),
    "recommend_rejection": gettext_lazy("rejection recommended"),
    "approve": gettext_lazy("approved"),
    "reject": gettext_lazy("rejected"),
    "send_back": gettext_lazy("sent back to the reviewer"),
    "withdraw": gettext_lazy("withdrawn"),
    "requirement_settled": gettext_lazy("requirement settled"),
    "assigned": gettext_lazy("assigned"),
    "document_attached": gettext_lazy("document attached"),
    "document_removed": gettext_lazy("document removed"),
    "password_set": gettext_lazy("password set"),
    "revoked": gettext_lazy("revoked"),
    "extended": gettext_lazy("validity extended"),
    "expired": gettext_lazy("expired"),
    "suspended": gettext_lazy("suspended"),
    "withdrawn": gettext_lazy("withdrawn"),
    "delegation_withdrawn": gettext_lazy("delegation withdrawn"),
    "dependents_suspended": gettext_lazy("dependent IDs suspended"),
    "recorded": gettext_lazy("recorded from paper"),
    "registered_from_paper": gettext_lazy("registered from a paper request"),
    "password_changed": gettext_lazy("password changed"),
    "report_deadline_passed": gettext_lazy("periodic-report deadline passed"),
    "superseded": gettext_lazy("replaced by a new ID"),
    "logged_in": gettext_lazy("logged in"),
    "second_factor_passed": gettext_lazy("passed the second factor"),
    "second_factor_enrolled": gettext_lazy("set up the second factor"),
    "filing_created": gettext_lazy("filing saved as a draft"),
    "attachment_added": gettext_lazy("file attached"),
    "receive": gettext_lazy("received (receipt number given)"),
    "start_examination": gettext_lazy("examination started"),
    "request_supplement": gettext_lazy("supplement requested"),
    "answer_supplement": gettext_lazy("supplement answered"),
    "grant": gettext_lazy("granted"),
    "deny": gettext_lazy("denied"),
    "confirm_fee": gettext_lazy("fee confirmed"),
    "mail_card": gettext_lazy("card mailed"),
    "complete": gettext_lazy("completed"),
    "fallback_login": gettext_lazy("logged in with ID and password (card expired)"),
    "call": gettext_lazy("API call"),
    "refused_address": gettext_lazy("API call refused: address not allowed"),
    "registered": gettext_lazy("registered"),
    "issued": gettext_lazy("credential issued"),
    "rotated": gettext_lazy("credentials rotated"),
    "status": gettext_lazy("status changed"),
    "pdf_issued": gettext_lazy("issued as PDF"),
    "pdf_downloaded": gettext_lazy("PDF handed out again"),
    "verified_genuine": gettext_lazy("checked: genuine"),
    "verified_not_genuine": gettext_lazy("checked: NOT genuine"),
}


def _model(target_type: str) -> Any:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


@register.filter
def action_label(event: Any) -> str:
    """``officer.created`` → "Officer created" in the user's language."""
    entity, _dot, verb = event.action.partition(".")
    model = _model(event.target_type)
    what = capfirst(model._meta.verbose_name) if model is not None else entity
    if event.action == "comment.posted":
        return _("Comment")
    return _("%(what)s %(verb)s") % {"what": what, "verb": VERBS.get(verb, verb)}


@register.filter
def field_label(event: Any, name: str) -> str:
    model = _model(event.target_type)
    if model is None:
        return name
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


@register.filter
def change_value(value: Any) -> Any:
    if isinstance(value, dict) and "label" in value:
        return value["label"]
    if value in (None, ""):
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return value


@register.filter
def state_label(event: Any, value: str) -> str:
    """A state code of the event's record (``suspended``) as its translated label."""
    model = _model(event.target_type)
    field_name = (event.data.get("transition") or {}).get("field", "status")
    if model is None:
        return value
    try:
        choices = dict(model._meta.get_field(field_name).choices or [])
    except FieldDoesNotExist:
        return value
    return str(choices.get(value, value))


@register.simple_tag(takes_context=True)
def record_panels(context: template.Context, record: Any) -> SafeString:
    """The panels upper apps add to a record page (registry.register_record_panel), e.g. the
    reporting app's PDF documents: the lower app's template names none of them."""
    from backoffice.workbench.registry import RECORD_PANELS

    if record is None:
        return mark_safe("")
    return mark_safe("".join(render(context, record) for render in RECORD_PANELS))  # each renders a template
