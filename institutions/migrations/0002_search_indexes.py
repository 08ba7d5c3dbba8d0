"""Trigram indexes make the list's substring search (ILIKE '%…%') fast on PostgreSQL,
Japanese names included (pg_trgm works on characters, not words)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS institution_name_trgm ON institutions_institution USING gin (UPPER((name)::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS institution_kana_trgm ON institutions_institution USING gin (UPPER((name_kana)::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS institution_address_trgm ON institutions_institution USING gin (UPPER((address)::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS institution_corpno_trgm ON institutions_institution USING gin (UPPER((corporate_number)::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS institution_name_sort ON institutions_institution (name, id)",
]
DROP = [
    "DROP INDEX IF EXISTS institution_name_trgm",
    "DROP INDEX IF EXISTS institution_kana_trgm",
    "DROP INDEX IF EXISTS institution_address_trgm",
    "DROP INDEX IF EXISTS institution_corpno_trgm",
    "DROP INDEX IF EXISTS institution_name_sort",
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
    dependencies = [("institutions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
