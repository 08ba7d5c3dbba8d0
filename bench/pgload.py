"""Helpers shared by the bulk loads of the benchmarks."""

from __future__ import annotations

from typing import Any


def say(message: str) -> None:
    print(message, flush=True)


def secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """Indexes that back no constraint: safe to drop for a bulk load and build again."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY i.relname
        """,
        [table],
    )
    return list(cursor.fetchall())
