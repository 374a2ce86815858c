"""One choice per guardian and topic; an alert is kept for a guardian's weekly summary once."""

from backend.db import index_migration

ID = "2026-11-28T13:13:42:408203"
VERSION = "1.38.0"
DESCRIPTION = "channel choice and summary item keys"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('channel_choice_key', 'channel_choice', 'guardian, topic'),
    ('summary_item_key', 'summary_item', 'alert, guardian'),
], plain=[
    ('summary_item_waiting', 'summary_item', 'guardian, summarised_at'),
])
