"""Composite unique keys and foreign-key indexes of the first tables (see backend.db.index_migration)."""

from backend.db import index_migration

ID = "2026-11-25T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique keys and foreign-key indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("school_year_school_year_be", "school_year", "school, year_be"),
    ("term_school_year_number", "term", "school_year, number"),
    ("grade_school_code", "grade", "school, code"),
    ("classroom_year_grade_room", "classroom", "school_year, grade, room"),
    ("homeroom_classroom_teacher", "homeroom_assignment", "classroom, teacher"),
    ("student_school_code", "student", "school, code"),
    ("student_guardian_link", "student_guardian", "student, guardian"),
], plain=[
    # piccolo does not index foreign keys by itself
    ("student_classroom", "student", '"classroom"'),
    ("student_user", "student", '"user"'),
    ("student_guardian_guardian", "student_guardian", "guardian"),
    ("guardian_user", "guardian", '"user"'),
    ("homeroom_teacher", "homeroom_assignment", "teacher"),
    ("user_session_user", "user_session", '"user"'),
    ("sign_in_code_user", "sign_in_code", '"user"'),
    ("classroom_school_year", "classroom", "school_year"),
])
