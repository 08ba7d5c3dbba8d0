"""The filing wizard's steps and the documents a request is expected to carry. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from usage_requests.models import DocumentKind, RequestKind


@dataclass(frozen=True)
class Step:
    key: str
    title: Promise


STEPS: tuple[Step, ...] = (
    Step("answers", _("Answers")),
    Step("registry", _("Institution records")),
    Step("documents", _("Documents and pledge")),
    Step("check", _("Check and submit")),
)
STEP_KEYS = tuple(step.key for step in STEPS)


def step_after(key: str) -> str | None:
    index = STEP_KEYS.index(key)
    return STEP_KEYS[index + 1] if index + 1 < len(STEP_KEYS) else None


def step_before(key: str) -> str | None:
    index = STEP_KEYS.index(key)
    return STEP_KEYS[index - 1] if index > 0 else None


@dataclass(frozen=True)
class ExpectedDocument:
    kind: DocumentKind
    why: Promise


def documents_expected(
    *, ruleset: str, document_category: int, kind: str, filed_through_agent: bool
) -> list[ExpectedDocument]:
    """What the bureau expects attached (§5.2): the pledge always; financial statements from
    category 3 and 4 institutions (an institution approved for online use counts as
    category 2); the filer's 申請等取次者証明書 or training certificate; under R2026 the
    利用者別誓約機関一覧表 from support-organisation and public-interest staff."""
    expected = [ExpectedDocument(DocumentKind.PLEDGE, _("Every request carries the signed pledge."))]
    if document_category in (3, 4):
        expected.append(
            ExpectedDocument(
                DocumentKind.FINANCIALS,
                _("Category 3 and 4 institutions show their financial condition."),
            )
        )
    if kind != RequestKind.PERIODIC_REPORT:
        expected.append(
            ExpectedDocument(
                DocumentKind.AGENT_CERTIFICATE,
                _("The filer holds a 申請等取次者証明書 or has completed the training."),
            )
        )
    if ruleset == "R2026" and filed_through_agent:
        expected.append(
            ExpectedDocument(
                DocumentKind.PLEDGE_LIST,
                _(
                    "From 2026-01-05, staff of support organisations and public-interest corporations list "
                    "every institution they pledged for."
                ),
            )
        )
    return expected
