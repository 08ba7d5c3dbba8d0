"""``Review.closed_at``: when the reviewed record was decided or withdrawn, NULL while open.

The review queue asks for open reviews; with this column PostgreSQL answers from small
partial indexes (``WHERE closed_at IS NULL``, about 5 % of the reviews) instead of joining
every request to its review. Order of operations, for a table of a million reviews:

1. add the column (nullable, no default: a catalogue change, no table rewrite);
2. backfill it in one set-based UPDATE — the reviews of approved, rejected and withdrawn
   usage requests get their ``decided_at``, or the migration's time where there is none
   (withdrawals record no decision time);
3. only then build the partial indexes, so that the UPDATE does not maintain them and the
   build reads just the open reviews' entries.

The backfill reads usage requests, which the reviews app otherwise never names: the
usage request points at its review, and closing is that app's lifecycle. It works on any
backend (an ``UPDATE … WHERE id IN (SELECT review_id …)``) and does nothing on an empty
database.
"""

from django.db import migrations, models
from django.db.models.functions import Coalesce
from django.utils import timezone

CLOSED_STATES = ("approved", "rejected", "withdrawn")


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


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        # The backfill reads the requests' state; 0001 created it and the review link.
        ("usage_requests", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["bureau", "due_on", "id"],
                name="review_open_bureau_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["due_on", "id"],
                name="review_open_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["bureau", "assignee", "id"],
                name="review_open_assignee_idx",
            ),
        ),
    ]
