"""Fixtures of tests/reporting. Documents: records in the states that have documents
(tests/reporting/document_support.py)."""

from tests.reporting.document_support import (  # noqa: F401  (fixtures)
    active_id,
    approved,
    cast_apps,
    cast_ur,
    periodic,
    received,
    rejected,
    revoked,
)
