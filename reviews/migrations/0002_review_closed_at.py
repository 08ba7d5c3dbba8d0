"""``Review.closed_at``: when the reviewed record was decided or withdrawn, NULL while open.

The review queue asks for open reviews; with this column PostgreSQL answers from small
partial indexes (``WHERE closed_at IS NULL``, about 5 % of the reviews) instead of joining
every request to its review.

Schema and indexes only. Setting the column on the reviews of records already decided is
the reviewed records' business: reviews names none of them (see
usage_requests/migrations/0007_backfill_review_closed_at, which also rebuilds these
indexes once the backfill is committed, so that they hold the open reviews alone).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed at"),
        ),
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
