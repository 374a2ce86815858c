"""The audit of sensitive reads: who opened a child's family, health or protection section or screening results,
and when.
Every area that shows such things records the read here; the record's page lists them to those allowed."""

from __future__ import annotations

from backend import db
from backend.accounts.access import Viewer
from backend.accounts.tables import CARE_READS, SCREENING_READ, RecordRead
from backend.clock import now

__all__ = ["SCREENING_READ", "record_reads", "reads_of", "recently_read"]


async def record_reads(viewer: Viewer, student_ids: list[int], sections: list[str]) -> None:
    """One row per student and section read, with the reader and the moment."""
    moment = now()
    for chunk in db.chunks(student_ids):
        await RecordRead.insert(*[RecordRead(school=viewer.school_id, student=student_id, section=section,
                                             reader=viewer.user_id, read_at=moment)
                                  for student_id in chunk for section in sections])


async def reads_of(student_id: int, include_screening: bool, include_care: bool) -> list[dict]:
    """The reads of one student's sensitive information, newest first; the caller has checked who may see them.
    Reads of the screening results and of the case team's notes are listed to those who may read those."""
    where = RecordRead.student == student_id
    if not include_screening:
        where &= RecordRead.section != SCREENING_READ
    if not include_care:  # that a counsellor read a case's notes tells that the student has a case
        where &= RecordRead.section.not_in(list(CARE_READS))
    return await RecordRead.select(RecordRead.section, RecordRead.read_at,
                                   RecordRead.reader.display_name.as_alias("reader")).where(where).order_by(
        RecordRead.id, ascending=False).limit(200)


async def recently_read(viewer: Viewer, limit: int) -> list[dict]:
    """The students whose sensitive information this viewer opened lately ({"student", "at"}), newest first."""
    return await RecordRead.select(RecordRead.student, RecordRead.read_at.as_alias("at")).where(
        (RecordRead.reader == viewer.user_id) & (RecordRead.school == viewer.school_id)).order_by(
        RecordRead.id, ascending=False).limit(limit)
