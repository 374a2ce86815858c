"""A survey once a term per school; a code per guardian and survey; codes and answers found by survey and class."""

from backend.db import index_migration

ID = "2026-11-28T13:54:07:989256"
VERSION = "1.38.0"
DESCRIPTION = "survey keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("survey_term", "survey", "school, school_year, term"),
    ("survey_code_guardian", "survey_code", "survey, guardian"),
], plain=[
    ("survey_code_class", "survey_code", "survey, classroom"),
    ("survey_answer_class", "survey_answer", "survey, classroom"),
])
