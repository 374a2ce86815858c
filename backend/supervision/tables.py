"""Supervision and PDCA: the school's targets for each term (the "plan"), and what the care committee learned from a
term (the "act"). The figures themselves are counted by the areas that keep them (supervision.figures)."""

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.schools.tables import School, SchoolYear


class CareTarget(Table):
    """One target of a school for one term: a percentage from 0 to 100 (supervision.services.TARGETS names them).
    Unique per school, year, term and key (see migrations); saving a term's targets replaces them."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    key = Varchar(length=20)
    percent = Integer()
    set_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    set_at = Timestamptz()


class TermReflection(Table):
    """The care committee's reflection on a term: what worked, what did not, what changes next term. Append-only:
    the newest is the term's, earlier ones are how it was written."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    school_year = ForeignKey(SchoolYear, on_delete=OnDelete.cascade)
    term = Integer()
    worked = Text(default="")
    did_not = Text(default="")
    changes = Text(default="")
    written_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    written_at = Timestamptz()
