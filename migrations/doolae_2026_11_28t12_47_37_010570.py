"""Each homeroom teacher marks a rule firing seen once."""

from backend.db import index_migration

ID = "2026-11-28T12:47:37:010570"
VERSION = "1.38.0"
DESCRIPTION = "rule firing seen key"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('rule_firing_seen_key', 'rule_firing_seen', 'firing, "user"'),
], plain=[])
