"""The white classroom's and the guidelines' keys and indexes: one motto row per class; a class's committee and its
reports by month; a school's guideline documents."""

from backend.db import index_migration

ID = "2026-11-28T12:33:21:968545"
VERSION = "1.38.0"
DESCRIPTION = "white classroom and guideline indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('white_classroom_once', 'white_classroom', 'classroom'),
], plain=[
    ('committee_member_class', 'committee_member', 'classroom, ended_at'),
    ('committee_report_class', 'committee_report', 'classroom, month'),
    ('guideline_document_school', 'guideline_document', 'school, retired_at'),
])
