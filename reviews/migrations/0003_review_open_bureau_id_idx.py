"""``review_open_bureau_id_idx``: a bureau's open reviews (``closed_at IS NULL``) in id order.

The review queue's capped count ("open", COUNT over LIMIT 10,001) merge-joins it with the
open requests' review ids (usage_requests/migrations/0008) and stops at the cap; with the
partial indexes of 0002, ordered by due date or assignee first, PostgreSQL hashes every
open review of the bureau first (Tokyo on a million requests: ~5 ms against ~13 ms;
bench/queue.py). A few tens of thousands of entries on a million reviews.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_review_closed_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["bureau", "id"],
                name="review_open_bureau_id_idx",
            ),
        ),
    ]
