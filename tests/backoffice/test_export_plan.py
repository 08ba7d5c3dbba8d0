"""An export read as values (workbench/export_plan.py) writes the very cells import-export's
own rendering of the instances writes, for every exportable list, in Japanese and English."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import audit_log
from backoffice.workbench.export_plan import export_plan
from backoffice.workbench.exports import export_columns, spreadsheet_safe
from backoffice.workbench.lists import ListParams, filtered_queryset, ordered
from backoffice.workbench.registry import LIST_SPECS
from institutions.models import Institution

pytestmark = pytest.mark.django_db

# Lists whose resource must be read as values: the big ones (a million audit events, a
# hundred thousand applications). The others may fall back to instances, but none does today.
MUST_PLAN = {"audit_events", "applications", "usage_requests", "institutions"}


@pytest.fixture
def demo_world() -> None:
    for command in ("seed_demo", "seed_usage_requests", "seed_applications"):
        call_command(command, verbosity=0)
    institution = Institution.objects.order_by("pk").first()
    assert institution is not None
    Institution.objects.filter(pk=institution.pk).update(name='=HYPERLINK("http://x")株式会社')
    audit_log(
        actor=None,
        action="test.hostile",
        target=institution,
        institution_id=institution.pk,
        data={"氏名": "山田 太郎", "note": "-1+1", "nested": {"a": [1, 2.5, None, True]}},
    )


def test_every_exportable_list_writes_the_same_cells_from_values(demo_world: None) -> None:
    assert AuditEvent.objects.filter(action="test.hostile").exists()
    checked: dict[str, int] = {}
    for key, spec in LIST_SPECS.items():
        if spec.export_resource is None:
            continue
        user = get_user_model().objects.filter(role="auditor").first()
        for language in ("ja", "en"):
            with translation.override(language):
                resource = spec.export_resource()
                plan = export_plan(resource, spec.model)
                if plan is None:
                    assert key not in MUST_PLAN, f"{key}: its resource can no longer be read as values"
                    continue
                headers, getters = export_columns(spec.export_resource(), spec.model)
                assert plan.headers == headers, key
                qs = ordered(spec, filtered_queryset(spec, user, ListParams()), ListParams())
                if spec.select_related:
                    qs = qs.select_related(*spec.select_related)
                theirs = [[spreadsheet_safe(get(obj)) for get in getters] for obj in qs]
                ours = [[spreadsheet_safe(cell) for cell in row] for row in plan.rows(qs)]
                assert ours == theirs, key
                checked[key] = len(ours)
    assert set(checked) >= MUST_PLAN, checked
    # The comparison saw rows, not empty lists, where the demo has them.
    assert all(checked[key] > 0 for key in MUST_PLAN), checked
