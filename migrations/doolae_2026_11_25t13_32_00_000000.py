"""Indexes for the cumulative record and home visits (see backend.db.index_migration)."""

from backend.db import index_migration

ID = "2026-11-25T13:32:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "record and visit indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[], plain=[
    ("record_entry_student_section", "record_entry", "student, section"),
    ("record_read_student", "record_read", "student"),
    ("visit_student", "visit", "student"),
    ("visit_school_day", "visit", "school, visited_on"),
    ("visit_photo_visit", "visit_photo", "visit"),
])
