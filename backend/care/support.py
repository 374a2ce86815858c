"""Support with money: the homeroom teacher puts students forward for the EEF grant (ทุนเสมอภาค) or another
scholarship, from the household items of the home visit; the school records what came of it; a recipient of the
EEF grant attending fewer than 80 % of the term's school days is shown to the homeroom teacher as a warning (the
grant's condition), while there is time to act."""

from __future__ import annotations

from datetime import timedelta

from backend import clock, db
from backend.accounts.access import Viewer, can_decide_support, can_nominate_support, care_rooms
from backend.attendance import services as attendance
from backend.care.services import CareError, clean_text
from backend.care.tables import EEF, SupportAward, SupportStatus
from backend.clock import now
from backend.i18n import N_
from backend.students.tables import Student
from backend.visits import services as visits

EEF_INCOME_LINE = 3000  # baht a person a month: households under it are the EEF grant's target
NEEDED = 80  # per cent of school days, each term


async def _students(viewer: Viewer) -> list[dict]:
    where = (Student.school == viewer.school_id) & (Student.active == True)  # noqa: E712 - a Piccolo column
    rooms = care_rooms(viewer)
    if rooms is not None:
        where &= Student.classroom.is_in(list(rooms) or [-1])
    return await Student.select(
        Student.id, Student.school, Student.classroom, Student.title, Student.first_name, Student.last_name,
        Student.number_in_class, Student.classroom.room.as_alias("room"),
        Student.classroom.grade.code.as_alias("grade")).where(where).order_by(Student.classroom.grade.level).order_by(
        Student.classroom.room).order_by(Student.number_in_class)


async def overview(viewer: Viewer) -> dict:
    """The viewer's homeroom students, and the school's students put forward this year (for counsellors and
    executives), with the household's income per person from the latest visit, this year's awards, and this term's
    attendance for EEF recipients. A constant number of queries."""
    students = [s for s in await _students(viewer) if can_nominate_support(viewer, s)]
    awards: dict[int, list[dict]] = {}
    for chunk in db.chunks([s["id"] for s in students], db.WHOLE_SCHOOL):
        for row in await SupportAward.select().where(SupportAward.student.is_in(chunk)
                                                     & (SupportAward.school_year == viewer.school_year_id)):
            awards.setdefault(row["student"], []).append(row)
    # The school's counsellors and executives see those put forward (a whole school's list would be 3,000 rows on
    # a phone); each homeroom teacher sees their whole class, to choose whom to put forward.
    students = [s for s in students if s["id"] in awards or viewer.keeps_homeroom(s["classroom"])]
    ids = [s["id"] for s in students]
    incomes = await visits.income_per_person(ids) if ids else {}
    recipients = [i for i in ids if any(a["programme"] == EEF and a["status"] == SupportStatus.received.value
                                        for a in awards.get(i, []))]
    term = viewer.term_dates or (clock.today() - timedelta(days=120), clock.today())
    shares = await attendance.attended_shares(viewer.school_id, recipients, *term) if recipients else {}
    rows = [{**s, "income": incomes.get(s["id"]), "awards": awards.get(s["id"], []), "attended": shares.get(s["id"])}
            for s in students]
    return {"rows": rows, "line": EEF_INCOME_LINE, "needed": NEEDED,
            "warnings": [r for r in rows if r["attended"] is not None and r["attended"] < NEEDED],
            "decides": can_decide_support(viewer)}


async def nominate(viewer: Viewer, student_id: int, form: dict) -> int:
    student = await Student.select(Student.id, Student.school, Student.classroom).where(
        Student.id == student_id).first()
    if student is None or not can_nominate_support(viewer, student):
        raise CareError(N_("No such student among those whose care you look after."), status=404)
    programme = EEF if form.get("programme", EEF) == EEF else "other"
    name = clean_text(form.get("name"), 200)
    if programme != EEF and not name:
        raise CareError(N_("Name the scholarship."), errors={"name": N_("Name the scholarship.")})
    async with db.transaction():
        await db.lock("support", student_id)
        if programme == EEF and await SupportAward.exists().where(
                (SupportAward.student == student_id) & (SupportAward.school_year == viewer.school_year_id)
                & (SupportAward.programme == EEF)):
            raise CareError(N_("This student is already put forward for the EEF grant this year."), status=409)
        rows = await SupportAward.insert(SupportAward(
            school=viewer.school_id, school_year=viewer.school_year_id, student=student_id, programme=programme,
            name=name, note=clean_text(form.get("note"), 500), nominated_by=viewer.user_id,
            nominated_at=now())).returning(SupportAward.id)
    return rows[0]["id"]


async def decide(viewer: Viewer, award_id: int, form: dict) -> None:
    if not can_decide_support(viewer):
        raise CareError(N_("The school's executives and counsellors record what came of a nomination."), status=403)
    status = form.get("status", "")
    if status not in (SupportStatus.received.value, SupportStatus.not_received.value):
        raise CareError(N_("Choose received or not received."),
                        errors={"status": N_("Choose received or not received.")})
    amount_text = clean_text(form.get("amount"), 9)
    if amount_text and not amount_text.isdigit():
        raise CareError(N_("Enter the amount in whole baht."), errors={"amount": N_("Enter the amount in whole baht.")})
    updated = await SupportAward.update({SupportAward.status: status, SupportAward.amount: int(amount_text or 0),
                                         SupportAward.decided_at: now()}).where(
        (SupportAward.id == award_id) & (SupportAward.school == viewer.school_id)).returning(SupportAward.id)
    if not updated:
        raise CareError(N_("No such nomination in this school."), status=404)
