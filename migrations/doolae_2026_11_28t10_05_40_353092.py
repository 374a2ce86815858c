"""Behaviour's composite unique keys and the indexes its pages and the digest rely on."""

from backend.db import index_migration

ID = "2026-11-28T10:05:40:353092"
VERSION = "1.38.0"
DESCRIPTION = "behaviour keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('incident_student_once', 'incident_student', 'incident, student'),
    ('weekly_digest_once', 'weekly_digest', 'teacher, classroom, week_start'),
], plain=[
    ('incident_school_happened', 'incident', 'school, happened_at'),
    ('incident_student_student', 'incident_student', 'student'),
    ('incident_photo_incident', 'incident_photo', 'incident'),
    ('points_entry_student_year', 'points_entry', 'student, school_year'),
    ('rule_firing_student', 'rule_firing', 'student'),
    ('rule_firing_school_day', 'rule_firing', 'school, day'),
    ('behaviour_category_school', 'behaviour_category', 'school'),
    ('weekly_digest_classroom_week', 'weekly_digest', 'classroom, week_start'),
])
