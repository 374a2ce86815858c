"""The same-day path: any teacher who fears for a student raises an urgent concern. A case opens (or the open one
becomes urgent) with urgency "today"; the counsellors and executives are told at once in the app and by SMS (no
name, no detail), and the case stays on top of their pages until someone records contact with the student and the
guardian."""

from __future__ import annotations

from dataclasses import dataclass

from backend import clock, db
from backend.accounts.access import CASE_TEAM_ROLES, Viewer, can_raise_urgent
from backend.accounts.tables import User
from backend.care.services import CareError, case_for, clean_text
from backend.care.tables import CareCase, CaseStatus, FollowUp, Progress, Source, Urgency
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify import outbox
from backend.notify.queue import JobQueue
from backend.notify.tables import Channel
from backend.students.tables import Student

TOLD_ROLES = {role.value for role in CASE_TEAM_ROLES}  # the school-wide case team: counsellors and executives


@dataclass(frozen=True)
class Raised:
    case_id: int
    told: list[str]  # who got an SMS
    app_only: list[str]  # who has no mobile number: told in the app only
    message_ids: list[int]  # the SMS written, for the caller to send once its transaction is committed


async def _told(school_id: int) -> list[dict]:
    """The counsellors and executives of the school (main or extra role), active."""
    staff = await User.select(User.id, User.display_name, User.phone, User.role, User.extra_roles, User.locale).where(
        (User.school == school_id) & (User.active == True))  # noqa: E712 - a Piccolo column
    return [u for u in staff if u["role"] in TOLD_ROLES or set(u["extra_roles"].split(",")) & set(TOLD_ROLES)]


async def raise_urgent(viewer: Viewer, settings: Settings, queue: JobQueue, student_id: int, form: dict) -> Raised:
    student = await Student.select(Student.id, Student.school, Student.classroom).where(
        Student.id == student_id).first()
    if student is None or not can_raise_urgent(viewer, student):
        raise CareError(N_("No such student in this school."), status=404)
    concern = clean_text(form.get("concern"), 4000)
    if not concern:
        raise CareError(N_("Say what worries you."), errors={"concern": N_("Say what worries you.")})
    async with db.transaction():
        raised = await start_same_day(viewer, settings, student_id, concern, Source.staff, always_tell=True)
    await queue.send(raised.message_ids)
    return raised


async def start_same_day(viewer: Viewer, settings: Settings, student_id: int, concern: str, source: Source,
                         always_tell: bool) -> Raised:
    """Open the student's case with urgency "today" (or make the open one so), keep the concern as the day's first
    follow-up, and write the SMS to the school's case team in the caller's transaction (the caller sends them).
    Unless `always_tell`, a case already waiting for today's contact sends no second SMS: a student who answers the
    same questionnaire again must not page every counsellor again."""
    # The student's own answers open it: the case says so, not that the student wrote to their own case.
    actor = None if source is Source.phqa else viewer.user_id
    told = await _told(viewer.school_id)
    reaches = [outbox.Reach(None, u["id"], u["locale"], Channel.sms, u["phone"]) for u in told if u["phone"]]
    school = await outbox.school_row(viewer.school_id)
    await db.lock("care_case", student_id)
    case = await CareCase.select(CareCase.id, CareCase.urgency, CareCase.contact_recorded_at).where(
        (CareCase.student == student_id) & (CareCase.status == CaseStatus.open.value)).first()
    waiting = case is not None and case["urgency"] == Urgency.today.value and case["contact_recorded_at"] is None
    if case:
        case_id = case["id"]
        await CareCase.update({CareCase.urgency: Urgency.today.value, CareCase.contact_recorded_at: None}).where(
            CareCase.id == case_id)
    else:
        rows = await CareCase.insert(CareCase(
            school=viewer.school_id, school_year=viewer.school_year_id, student=student_id,
            source=source.value, concern=concern, urgency=Urgency.today.value, opened_by=actor,
            opened_at=now())).returning(CareCase.id)
        case_id = rows[0]["id"]
    # The concern as the first follow-up of the day: what was seen, kept with the case.
    await FollowUp.insert(FollowUp(care_case=case_id, done=concern, progress=Progress.worse.value,
                                   written_by=actor, written_at=now()))
    message_ids = []
    if always_tell or not waiting:
        message_ids = await outbox.create_alerts(settings, school, [outbox.AlertSpec(
            student_id=None, event_key=f"urgent:{case_id}:{now().isoformat()}", kind="urgent_case",
            day=clock.today(), values={}, reaches=reaches, urgent=True)])
    return Raised(case_id, [u["display_name"] for u in told if u["phone"]],
                  [u["display_name"] for u in told if not u["phone"]], message_ids)


async def record_contact(viewer: Viewer, case_id: int, form: dict) -> None:
    """Someone of the case team reached the student and the guardian today: the case leaves the top of the pages."""
    case, student, _ = await case_for(viewer, case_id, team_only=True)
    done = clean_text(form.get("done"), 4000)
    if not done:
        raise CareError(N_("Say whom you reached and what was agreed."),
                        errors={"done": N_("Say whom you reached and what was agreed.")})
    async with db.transaction():
        await CareCase.update({CareCase.contact_recorded_at: now()}).where(CareCase.id == case_id)
        await FollowUp.insert(FollowUp(care_case=case_id, done=done, progress=Progress.same.value,
                                       written_by=viewer.user_id, written_at=now()))
