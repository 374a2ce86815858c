"""The audit of sensitive reads: who opened a child's family, health or protection section or screening results,
and when.
Every area that shows such things records the read here; the record's page lists them to those allowed."""

from __future__ import annotations

from backend import db
from backend.accounts.access import Viewer
from backend.accounts.tables import PHQA_READ, SCREENING_READ, RecordRead
from backend.students import services as students
from backend.clock import now

__all__ = ["PHQA_READ", "SCREENING_READ", "record_reads", "reads_of", "recently_read"]


async def record_reads(viewer: Viewer, student_ids: list[int], sections: list[str]) -> None:
    """One row per student and section read, with the reader and the moment."""
    moment = now()
    for chunk in db.chunks(student_ids):
        await RecordRead.insert(*[RecordRead(school=viewer.school_id, student=student_id, section=section,
                                             reader=viewer.user_id, read_at=moment)
                                  for student_id in chunk for section in sections])


async def reads_of(student_id: int, hidden: set[str]) -> list[dict]:
    """The reads of one student's sensitive information, newest first, but for the sections the reader may not know
    of (a read of PHQ-A answers tells that there are some); the caller has checked who may see them."""
    where = RecordRead.student == student_id
    if hidden:
        where &= RecordRead.section.not_in(sorted(hidden))
    return await RecordRead.select(RecordRead.section, RecordRead.read_at,
                                   RecordRead.reader.display_name.as_alias("reader")).where(where).order_by(
        RecordRead.id, ascending=False).limit(200)


RECENTLY_READ_SQL = (
    f"SELECT r.student, r.read_at AS at, {students.LISTED_COLUMNS} FROM record_read r "
    f"JOIN student st ON st.id = r.student {students.LISTED_JOINS} "
    "WHERE r.reader = {} AND r.school = {} ORDER BY r.id DESC LIMIT {}"
)


async def recently_read(viewer: Viewer, limit: int) -> list[dict]:
    """The students whose sensitive information this viewer opened lately ({"student", "at"} and what
    students.listed() needs of each), newest first."""
    return await db.fetch(RECENTLY_READ_SQL, viewer.user_id, viewer.school_id, limit)
