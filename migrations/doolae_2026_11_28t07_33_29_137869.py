"""Composite unique keys and the indexes that queries rely on (see backend.db.index_migration): piccolo cannot
declare a unique key over several columns on SQLite, so they are made here by DDL both engines share."""

from backend.db import index_migration

ID = "2026-11-28T07:33:29:137869"
VERSION = "1.38.0"
DESCRIPTION = "unique keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('school_year_school_year_be', 'school_year', 'school, year_be'),
    ('term_school_year_number', 'term', 'school_year, number'),
    ('grade_school_code', 'grade', 'school, code'),
    ('classroom_year_grade_room', 'classroom', 'school_year, grade, room'),
    ('homeroom_classroom_teacher', 'homeroom_assignment', 'classroom, teacher'),
    ('student_school_code', 'student', 'school, code'),
    ('student_guardian_link', 'student_guardian', 'student, guardian'),
    ('attendance_mark_student_day_period', 'attendance_mark', 'student, day, period'),
    ('sms_template_school_kind_locale', 'sms_template', 'school, kind, locale'),
    ('teaching_assignment_once_a_term', 'teaching_assignment', 'classroom, teacher, subject, term'),
    ('screening_form_slot', 'screening_form', 'student, school_year, term, instrument, informant, slot'),
    ('roster_column_mapping_school_header', 'roster_column_mapping', 'school, header_key'),
], plain=[
    ('student_classroom', 'student', '"classroom"'),
    ('student_user', 'student', '"user"'),
    ('student_guardian_guardian', 'student_guardian', 'guardian'),
    ('guardian_user', 'guardian', '"user"'),
    ('homeroom_teacher', 'homeroom_assignment', 'teacher'),
    ('user_session_user', 'user_session', '"user"'),
    ('sign_in_code_user', 'sign_in_code', '"user"'),
    ('classroom_school_year', 'classroom', 'school_year'),
    ('attendance_mark_classroom_day', 'attendance_mark', 'classroom, day'),
    ('attendance_mark_school_day', 'attendance_mark', 'school, day'),
    ('attendance_change_mark', 'attendance_change', 'mark'),
    ('alert_student', 'alert', 'student'),
    ('message_alert', 'message', 'alert'),
    ('message_guardian', 'message', 'guardian'),
    ('push_subscription_user', 'push_subscription', '"user"'),
    ('teaching_assignment_teacher', 'teaching_assignment', 'teacher'),
    ('record_entry_student_section', 'record_entry', 'student, section'),
    ('record_read_student', 'record_read', 'student'),
    ('visit_student', 'visit', 'student'),
    ('visit_school_day', 'visit', 'school, visited_on'),
    ('visit_photo_visit', 'visit_photo', 'visit'),
    ('screening_form_term', 'screening_form', 'school_year, term, slot'),
    ('domain_checklist_student', 'domain_checklist', 'student, school_year, term'),
    ('group_decision_student', 'group_decision', 'student, school_year, term'),
    ('screening_criteria_school', 'screening_criteria', 'school'),
    ('account_change_school', 'account_change', 'school'),
    ('grade_head_teacher_year', 'grade_head_assignment', 'teacher, school_year'),
    ('calendar_day_school_start', 'calendar_day', 'school, starts_on'),
    ('student_enrolment_student_year', 'student_enrolment', 'student, school_year'),
])
