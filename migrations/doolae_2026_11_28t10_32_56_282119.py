"""Promotion's keys and indexes: one presence per student and activity, one invitation per meeting, student and
guardian, one attendance mark per meeting and student; a class's activities and meetings by term."""

from backend.db import index_migration

ID = "2026-11-28T10:32:56:282119"
VERSION = "1.38.0"
DESCRIPTION = "promotion keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('activity_presence_once', 'activity_presence', 'activity, student'),
    ('meeting_guest_once', 'meeting_guest', 'meeting, student, guardian'),
    ('meeting_attendance_once', 'meeting_attendance', 'meeting, student'),
], plain=[
    ('homeroom_activity_class', 'homeroom_activity', 'classroom, school_year, term'),
    ('homeroom_activity_school', 'homeroom_activity', 'school, school_year, term'),
    ('parent_meeting_class', 'parent_meeting', 'classroom, school_year, term'),
    ('parent_meeting_school', 'parent_meeting', 'school, school_year, term'),
    ('meeting_guest_guardian', 'meeting_guest', 'guardian'),
])
