"""PostgreSQL only: a covering index for deep pages sorted by name, and planner statistics
for the small lookup tables, which autovacuum never analyses (47 and 8 rows loaded once)."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS institution_name_cover ON institutions_institution (name, id) "
    "INCLUDE (category, prefecture_id, kind, status)",
    "DROP INDEX IF EXISTS institution_name_sort",
    "ANALYZE accounts_prefecture",
    "ANALYZE accounts_regionalbureau",
]
DROP = [
    "DROP INDEX IF EXISTS institution_name_cover",
    "CREATE INDEX IF NOT EXISTS institution_name_sort ON institutions_institution (name, id)",
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
    dependencies = [("institutions", "0002_search_indexes"), ("accounts", "0003_role_labels")]
    operations = [migrations.RunPython(forwards, backwards)]
