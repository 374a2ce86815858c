"""A LINE group once per school's account; a school's links found by LINE user (follow, unfollow, codes)."""

from backend.db import index_migration

ID = "2026-11-28T16:00:40:279581"
VERSION = "1.38.0"
DESCRIPTION = "LINE keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("line_group_school_group", "line_group", "school, group_id"),
], plain=[
    ("line_link_school_user", "line_link", "school, line_user"),
    ("line_code_user_created", "line_code", "\"user\", created_at"),
])
