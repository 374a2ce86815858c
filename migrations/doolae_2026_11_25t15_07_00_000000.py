"""Indexes for screening (see backend.db.index_migration): at most one draft and one current form per student,
term, instrument and informant (slot is NULL for replaced forms, and NULLs never clash in a unique index)."""

from backend.db import index_migration

ID = "2026-11-25T15:07:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "screening indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("screening_form_slot", "screening_form", "student, school_year, term, instrument, informant, slot"),
], plain=[
    ("screening_form_term", "screening_form", "school_year, term, slot"),
    ("domain_checklist_student", "domain_checklist", "student, school_year, term"),
    ("group_decision_student", "group_decision", "student, school_year, term"),
    ("screening_criteria_school", "screening_criteria", "school"),
])
