"""Care's indexes: a student's cases, a case's plan, follow-ups, notes and referrals, referrals waiting."""

from backend.db import index_migration

ID = "2026-11-28T10:28:42:502671"
VERSION = "1.38.0"
DESCRIPTION = "care indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[], plain=[
    ('care_case_student', 'care_case', 'student, school_year'),
    ('care_case_school_status', 'care_case', 'school, status'),
    ('case_decline_student', 'case_decline', 'student, school_year, term'),
    ('plan_activity_case', 'plan_activity', 'care_case'),
    ('plan_activity_responsible', 'plan_activity', 'responsible, follow_up_on'),
    ('follow_up_case', 'follow_up', 'care_case'),
    ('case_note_case', 'case_note', 'care_case'),
    ('referral_case', 'referral', 'care_case'),
    ('referral_school_status', 'referral', 'school, status'),
    ('agency_school', 'agency', 'school'),
])
