"""PostgreSQL only: indexes for the review queue on a million requests (bench/list_views.py).

* ``usage_request_open_idx``: the few open requests (about 5 %), keyed by their review. The
  queue's filters ("open", "to decide", "unassigned", "overdue", "due …") imply its
  predicate, so counting them, grouping them by assignee and sorting them by due date start
  from ~50,000 index entries instead of a million rows. The predicate is written as the
  filters' ``~Q(state__in=FINISHED)`` compiles, so that the planner proves both forms.
* ``review_probe_idx``: each request's review by id with what the queue reads of it (bureau,
  assignee, due date, outcome): joins from requests to reviews become index-only probes.
* ``institution_category_probe``: the same for the "category 3 or 4" filter's join.
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS usage_request_open_idx ON usage_requests_usagerequest (review_id) "
    "INCLUDE (id, institution_id, state) "
    "WHERE NOT (state IN ('approved', 'rejected', 'withdrawn', 'draft'))",
    "CREATE INDEX IF NOT EXISTS review_probe_idx ON reviews_review (id) "
    "INCLUDE (bureau_id, assignee_id, due_on, outcome)",
    "CREATE INDEX IF NOT EXISTS institution_category_probe ON institutions_institution (id) INCLUDE (category)",
]
DROP = [
    "DROP INDEX IF EXISTS usage_request_open_idx",
    "DROP INDEX IF EXISTS review_probe_idx",
    "DROP INDEX IF EXISTS institution_category_probe",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("usage_requests", "0004_documents"),
        ("reviews", "0001_initial"),
        ("institutions", "0004_online_approval"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
