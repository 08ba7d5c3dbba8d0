"""Authentication IDs (認証ID) and their revocations (抹消) as read-only workbench lists.

Scoped like the usage-request list (an ID is seen by whoever sees the request it was issued
on: a bureau its jurisdiction's, auditors and administrators all, filers their institutions').
Neither the lists nor their exports ever carry a secret: no password hash, no one-time link
token hash or expiry — the resources name their fields one by one, and the rows are fetched
without those columns.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from backoffice.text import nfkc
from backoffice.workbench.lists import Column, GroupBy, ListSpec, NamedFilter
from usage_requests import auth_ids, selectors
from usage_requests.models import AuthenticationId, AuthIdState

# The columns never read by these lists or their exports: the ID's password hash and one-time
# link, and the holder's own password hash. Deferred, so that they are not even fetched.
SECRET_FIELDS = ("password", "password_token_hash", "password_token_expires_at", "holder__password")

REVOCATION_REASONS = dict(AuthenticationId._meta.get_field("revocation_reason").flatchoices)


def _search_text(raw: str) -> str:
    """A full ID typed with hyphens or spaces inside ("ABCD-EFGH-JKLM") searches as the bare
    code; anything else as typed (NFKC)."""
    terms = []
    for term in nfkc(raw).split():
        bare = auth_ids.normalise(term)
        terms.append(bare if auth_ids.problem(bare) is None else term)
    return " ".join(terms)


def _row_url(obj: AuthenticationId) -> str:
    return reverse("usage_requests:detail", args=[obj.usage_request_id])


class AuthIdResource(resources.ModelResource):
    """An ID, its holder and its dates; never the password hash or the one-time link."""

    holder = fields.Field(attribute="holder__username", column_name="holder")
    institution = fields.Field(attribute="institution__name", column_name="institution")
    usage_request = fields.Field(attribute="usage_request_id", column_name="usage_request")

    class Meta:
        model = AuthenticationId
        fields = ("code", "holder", "institution", "usage_request", "state", "validity_years", "issued_at",
                  "password_set_on", "valid_until", "revoked_at", "revocation_reason")  # fmt: skip
        export_order = fields


class RevocationResource(resources.ModelResource):
    """A revocation (抹消): which ID, when, why and the note kept with it."""

    holder = fields.Field(attribute="holder__username", column_name="holder")
    institution = fields.Field(attribute="institution__name", column_name="institution")
    usage_request = fields.Field(attribute="usage_request_id", column_name="usage_request")

    class Meta:
        model = AuthenticationId
        fields = ("code", "holder", "institution", "usage_request", "revoked_at", "revocation_reason",
                  "revocation_note", "issued_at")  # fmt: skip
        export_order = fields


def _auth_ids(user: Any) -> Any:
    return selectors.auth_id_list_visible_to(user=user).defer(*SECRET_FIELDS)


def _revocations(user: Any) -> Any:
    return _auth_ids(user).filter(revoked_at__isnull=False)


def _holder(obj: AuthenticationId) -> str:
    return str(obj.holder)


AUTH_IDS = ListSpec(
    key="auth_ids",
    title=_("Authentication IDs"),
    model=AuthenticationId,
    scope=_auth_ids,
    row_url=_row_url,
    columns=[
        Column("code", _("Authentication ID"), render=str),
        Column("holder", _("Holder"), path="holder__username", render=_holder),
        Column("institution", _("Institution"), path="institution__name"),
        Column("state", _("State")),
        Column("issued_at", _("Issued at")),
        Column("valid_until", _("Valid until")),
        Column("password_set_on", _("Password set on"), default=False),
        Column("revoked_at", _("Revoked at"), default=False),
    ],
    search_fields=["code", "institution__name", "institution__corporate_number", "holder__username"],
    search_normaliser=_search_text,
    search_help=_("Authentication ID, institution, corporate number or holder"),
    filters=[
        NamedFilter(state.value, state.label, lambda state=state: Q(state=state.value))
        for state in AuthIdState
    ],
    group_bys=[
        GroupBy("state", _("State"), "state", choices=dict(AuthIdState.choices)),
        GroupBy("institution", _("Institution"), "institution_id", label_path="institution__name"),
    ],
    default_sort="-issued_at",
    select_related=["holder", "institution"],
    export_resource=AuthIdResource,
)

REVOCATIONS = ListSpec(
    key="revocations",
    title=_("Revocations of authentication IDs"),
    model=AuthenticationId,
    scope=_revocations,
    row_url=_row_url,
    columns=[
        Column("code", _("Authentication ID"), render=str),
        Column("holder", _("Holder"), path="holder__username", render=_holder),
        Column("institution", _("Institution"), path="institution__name"),
        Column("revoked_at", _("Revoked at")),
        Column("revocation_reason", _("Reason")),
        Column("revocation_note", _("Note"), sortable=False, default=False),
    ],
    search_fields=["code", "institution__name", "institution__corporate_number", "holder__username"],
    search_normaliser=_search_text,
    search_help=_("Authentication ID, institution, corporate number or holder"),
    filters=[
        NamedFilter(reason, label, lambda reason=reason: Q(revocation_reason=reason))
        for reason, label in REVOCATION_REASONS.items()
        if reason
    ],
    group_bys=[
        GroupBy("reason", _("Reason"), "revocation_reason", choices=REVOCATION_REASONS),
        GroupBy("institution", _("Institution"), "institution_id", label_path="institution__name"),
    ],
    default_sort="-revoked_at",
    select_related=["holder", "institution"],
    export_resource=RevocationResource,
)
