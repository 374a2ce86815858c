"""Screening groups by term: who was put at risk or with problems this term, read for care's "needs a case"."""

from backend.db import index_migration

ID = "2026-11-28T11:25:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "group decision term index"

forwards = index_migration(ID, DESCRIPTION, unique=[], plain=[
    ('group_decision_term', 'group_decision', 'school, school_year, term, "group"'),
])
