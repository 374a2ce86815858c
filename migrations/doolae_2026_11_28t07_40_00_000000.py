"""Keys and indexes of the tables the first month's work added (roster mappings, grade heads, the calendar, teaching
by term): made after those tables exist, by the DDL both engines share (see backend.db.index_migration)."""

from backend.db import index_migration

ID = "2026-11-28T07:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "keys and indexes of the first month's tables"

forwards = index_migration(ID, DESCRIPTION, unique=[
    # one remembered meaning per header of a school's roster files
    ('roster_column_mapping_school_header', 'roster_column_mapping', 'school, header_key'),
], plain=[
    ('grade_head_teacher_year', 'grade_head_assignment', 'teacher, school_year'),
    ('calendar_day_school_start', 'calendar_day', 'school, starts_on'),
    ('student_enrolment_student_year', 'student_enrolment', 'student, school_year'),
])
