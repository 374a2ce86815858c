"""Unique keys and indexes for attendance and the outbox (see backend.db.index_migration)."""

from backend.db import index_migration

ID = "2026-11-25T12:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "attendance and outbox keys"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("attendance_mark_student_day_period", "attendance_mark", "student, day, period"),
    ("sms_template_school_kind_locale", "sms_template", "school, kind, locale"),
    ("teaching_assignment_once", "teaching_assignment", "classroom, teacher, subject"),
], plain=[
    ("attendance_mark_classroom_day", "attendance_mark", "classroom, day"),
    ("attendance_mark_school_day", "attendance_mark", "school, day"),
    ("attendance_change_mark", "attendance_change", "mark"),
    ("alert_student", "alert", "student"),
    ("message_alert", "message", "alert"),
    ("message_guardian", "message", "guardian"),
    ("push_subscription_user", "push_subscription", '"user"'),
    ("teaching_assignment_teacher", "teaching_assignment", "teacher"),
])
