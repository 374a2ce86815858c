"""The weekly family summary: one per guardian and school week, built once, kept as the family reads it."""

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.schools.tables import School
from backend.students.tables import Guardian


class FamilySummary(Table):
    """A guardian's week: their children's days at school, good deeds, incidents, what they chose to hear of in the
    summary, and the meetings to come (summary.compose). Built once (unique guardian, week_start: see migrations),
    in the transaction that writes the message carrying it. A week with nothing to tell is kept as skipped: decided
    once, nothing sent."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    week_start = Date()  # the Monday
    skipped = Boolean(default=False)
    content = JSON()  # {"children": [...], "meetings": [...]}, days as ISO text
    built_at = Timestamptz()
