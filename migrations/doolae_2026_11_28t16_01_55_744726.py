"""A target once per school, year, term and figure; reflections found by their term."""

from backend.db import index_migration

ID = "2026-11-28T16:01:55:744726"
VERSION = "1.38.0"
DESCRIPTION = "supervision keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("care_target_term_key", "care_target", "school, school_year, term, key"),
], plain=[
    ("term_reflection_term", "term_reflection", "school, school_year, term"),
])
