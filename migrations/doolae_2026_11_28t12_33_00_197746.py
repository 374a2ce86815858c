"""PHQ-A filings: the term's results for the counsellors, and one student's history."""

from backend.db import index_migration

ID = "2026-11-28T12:33:00:197746"
VERSION = "1.38.0"
DESCRIPTION = "phqa filing indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[], plain=[
    ('phqa_filing_term', 'phqa_filing', 'school, school_year, term'),
    ('phqa_filing_student', 'phqa_filing', 'student'),
])
