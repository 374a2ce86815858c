"""The parent network's keys and indexes: one committee per school year and class (or the school), one invitation
per committee meeting and guardian; a committee's members and meetings, a guardian's seats."""

from backend.db import index_migration

ID = "2026-11-28T13:22:36:288676"
VERSION = "1.38.0"
DESCRIPTION = "parent network keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ('parent_committee_once', 'parent_committee', 'school, school_year, COALESCE(classroom, 0)'),
    ('network_guest_once', 'network_guest', 'meeting, guardian'),
], plain=[
    ('network_member_committee', 'network_member', 'committee, ended_at'),
    ('network_member_guardian', 'network_member', 'guardian'),
    ('network_meeting_committee', 'network_meeting', 'committee, held_on'),
])
