"""A school once per area supervisor; the supervisors of a school found by it."""

from backend.db import index_migration

ID = "2026-11-28T17:01:25:196868"
VERSION = "1.38.0"
DESCRIPTION = "area supervisors' keys"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("supervised_school_user_school", "supervised_school", '"user", school'),
], plain=[
    ("supervised_school_school", "supervised_school", "school"),
])
