"""Leave requests: a child's leave days by day (the register's hook, overlap checks), a class's requests."""

from backend.db import index_migration

ID = "2026-11-28T12:34:53:676786"
VERSION = "1.38.0"
DESCRIPTION = "leave indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[], plain=[
    ('leave_day_student_day', 'leave_day', 'student, day'),
    ('leave_day_request', 'leave_day', 'request'),
    ('leave_request_classroom_last_day', 'leave_request', 'classroom, last_day'),
    ('leave_request_student_last_day', 'leave_request', 'student, last_day'),
])
