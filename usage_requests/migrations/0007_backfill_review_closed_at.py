"""Backfill ``Review.closed_at`` (reviews/migrations/0002) for the usage requests already
decided or withdrawn: their ``decided_at``, or the migration's time where there is none
(withdrawals record no decision time). Open requests keep NULL.

It lives here, not in reviews: the usage request points at its review, and closing is
this app's lifecycle (services set and clear ``closed_at`` from then on).

Order of operations, as measured on a million reviews (PostgreSQL 15; bench/queue.py):

* the UPDATE (one set-based statement, ~95 % of the rows) takes ~35–40 s whether or not
  the partial indexes of reviews/0002 exist yet: the time goes to the heap and the
  table's nine other indexes, which no migration order avoids;
* what the order changes is the partial indexes' size: built on the new, all-NULL column
  they take every review (38 MB each) and keep the closed ones as dead entries after the
  UPDATE, against 2 MB built afterwards. So once the backfill is committed (hence a
  non-atomic migration), they are rebuilt: ~0.5 s each, the same indexes as built after.

Works on any backend; does nothing to an empty database but the (instant) rebuild.
"""

from django.db import migrations, models
from django.db.models.functions import Coalesce
from django.utils import timezone

CLOSED_STATES = ("approved", "rejected", "withdrawn")
OPEN_REVIEW_INDEXES = ("review_open_bureau_due_idx", "review_open_due_idx", "review_open_assignee_idx")


def backfill(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    UsageRequest = apps.get_model("usage_requests", "UsageRequest")
    db = schema_editor.connection.alias
    closed = UsageRequest.objects.using(db).filter(state__in=CLOSED_STATES, review__isnull=False)
    Review.objects.using(db).filter(pk__in=closed.values("review_id"), closed_at__isnull=True).update(
        closed_at=Coalesce(
            models.F("decided_at"), models.Value(timezone.now(), output_field=models.DateTimeField())
        )
    )


def rebuild_open_review_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in OPEN_REVIEW_INDEXES:
        schema_editor.execute(f"REINDEX INDEX {schema_editor.quote_name(name)}", params=None)


class Migration(migrations.Migration):
    # The rebuild must see the backfill committed: entries of rows that the UPDATE closed
    # are dead to every transaction only then.
    atomic = False

    dependencies = [
        ("reviews", "0002_review_closed_at"),
        ("usage_requests", "0006_password_expiry_and_superseded_ids"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, atomic=True, elidable=True),
        migrations.RunPython(rebuild_open_review_indexes, migrations.RunPython.noop, elidable=True),
    ]
