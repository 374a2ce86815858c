"""Support awards: a student's per school year."""

from backend.db import index_migration

ID = "2026-11-28T10:48:05:272084"
VERSION = "1.38.0"
DESCRIPTION = "support award index"

forwards = index_migration(ID, DESCRIPTION, unique=[], plain=[
    ('support_award_student_year', 'support_award', 'student, school_year'),
    ('support_award_school_year', 'support_award', 'school, school_year'),
])
