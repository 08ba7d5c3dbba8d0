"""``usage_request_returned_idx``: the review ids of the requests back with their filer.

A bureau's queue "open" alone (the reviewers' list, all day) is counted from the bureau's
open reviews (reviews: ``review_open_bureau_id_idx``) less those whose request is returned
(usage_requests/lists.py, ``_bureau_queue_count``): PostgreSQL merges the two in id order
and stops at the cap (Tokyo on a million requests: ~2 ms, against ~7 ms joining the open
requests; bench/queue.py). A few in a hundred of the open requests.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("usage_requests", "0008_usage_request_open_review_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="usagerequest",
            index=models.Index(
                condition=models.Q(("state", "returned")),
                fields=["review"],
                name="usage_request_returned_idx",
            ),
        ),
    ]
