"""``usage_request_open_review_idx``: the open requests' review ids, in order, under exactly
the state list the queue's "open" filter counts with (submitted, under review,
recommended; usage_requests/lists.py, ``_open_count``).

The capped count of a bureau's queue merge-joins it with the bureau's open reviews in id
order (reviews/migrations/0003) and stops at the cap (Tokyo on a million requests: ~5 ms
against ~13 ms; bench/queue.py); the administrators' count reads it alone.
``usage_request_open_idx`` (0005) also holds the returned requests, which the count would
have to filter out. About 5 % of the requests.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("usage_requests", "0007_backfill_review_closed_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="usagerequest",
            index=models.Index(
                condition=models.Q(("state__in", ["submitted", "under_review", "recommended"])),
                fields=["review"],
                name="usage_request_open_review_idx",
            ),
        ),
    ]
