"""Development plans: one a student and school year; a plan's revisions, activities and achievements by plan."""

from backend.db import index_migration

ID = "2026-11-28T12:32:21:983696"
VERSION = "1.38.0"
DESCRIPTION = "talent plan indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('talent_plan_student_year', 'talent_plan', 'student, school_year'),
], plain=[
    ('talent_plan_school_year', 'talent_plan', 'school, school_year'),
    ('talent_plan_revision_plan', 'talent_plan_revision', 'plan'),
    ('talent_activity_plan', 'talent_activity', 'plan'),
    ('talent_achievement_plan', 'talent_achievement', 'plan'),
])
