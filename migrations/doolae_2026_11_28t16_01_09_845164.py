"""A weekly family summary once per guardian and week."""

from backend.db import index_migration

ID = "2026-11-28T16:01:09:845164"
VERSION = "1.38.0"
DESCRIPTION = "weekly family summary keys"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("family_summary_guardian_week", "family_summary", "guardian, week_start"),
], plain=[
    ("family_summary_school_week", "family_summary", "school, week_start"),
])
