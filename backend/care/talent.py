"""Promotion and development for students in the special group (gifted or talented, as the homeroom teacher confirmed
in screening): a development plan for the school year (the talent, the goals, revised with its history kept, and
closed), its activities with who is responsible, and the student's achievements. Good news, so the student and
their parents read it too."""

from __future__ import annotations

from backend import clock, db
from backend.accounts.access import (Viewer, can_read_talent_plan, can_write_talent_plan, sees_special_without_plan,
                                     talent_rooms, visible_students)
from backend.care.services import CareError, _day, _staff, clean_text, staff_member
from backend.care.tables import (TALENT_NEEDS_DETAIL, CaseStatus, Level, TalentAchievement, TalentActivity,
                                 TalentArea, TalentPlan, TalentPlanRevision)
from backend.clock import now
from backend.i18n import N_
from backend.screening import services as screening
from backend.screening.tables import Group
from backend.students.tables import Student

SPECIAL = (Group.special.value,)
LIST_LIMIT = 40  # as /care: a big school's counsellor sees the first ones and how many more
STUDENT_COLUMNS = (Student.id, Student.school, Student.classroom, Student.title, Student.first_name,
                   Student.last_name, Student.code)


async def _student(student_id: int) -> dict | None:
    return await Student.select(*STUDENT_COLUMNS, Student.classroom.room.as_alias("room"),
                                Student.classroom.grade.code.as_alias("grade")).where(
        Student.id == student_id).first()


async def is_special(viewer: Viewer, student_id: int) -> bool:
    """Whether the student's confirmed group this term is the special group."""
    year_id, term = await screening.current_term(viewer)
    decision = (await screening.decisions([student_id], year_id, term)).get(student_id)
    return bool(decision) and decision["group"] in SPECIAL


async def special_students(viewer: Viewer, rooms: frozenset[int] | None) -> list[dict]:
    """The active students of these classrooms (None: the whole school) the viewer may see whose confirmed group
    this term is special, in class order. Reads only those ever put in the group this term."""
    year_id, term = await screening.current_term(viewer)
    ever = await screening.ever_confirmed(viewer.school_id, year_id, term, SPECIAL)
    if not ever or rooms is not None and not rooms:
        return []
    where = visible_students(viewer) & (Student.active == True) & Student.id.is_in(ever)  # noqa: E712
    if rooms is not None:
        where &= Student.classroom.is_in(list(rooms))
    rows = await Student.select(*STUDENT_COLUMNS, Student.classroom.room.as_alias("room"),
                                Student.classroom.grade.code.as_alias("grade")).where(where).order_by(
        Student.classroom.grade.level).order_by(Student.classroom.room).order_by(Student.number_in_class)
    groups = await screening.decisions([row["id"] for row in rows], year_id, term)
    return [row for row in rows if groups.get(row["id"], {}).get("group") in SPECIAL]


async def planned_among(student_ids: list[int], year_id: int) -> set[int]:
    """Those of these students with a development plan this school year (open or closed)."""
    found: set[int] = set()
    for chunk in db.chunks(student_ids, db.WHOLE_SCHOOL):
        found |= {row["student"] for row in await TalentPlan.select(TalentPlan.student).where(
            TalentPlan.student.is_in(chunk) & (TalentPlan.school_year == year_id))}
    return found


async def without_plan(viewer: Viewer, rooms: frozenset[int] | None) -> list[dict]:
    """Students of these classrooms confirmed special this term with no plan this school year, as far as the viewer
    may be told so."""
    special = [s for s in await special_students(viewer, rooms) if sees_special_without_plan(viewer, s)]
    planned = await planned_among([s["id"] for s in special], viewer.school_year_id)
    return [s for s in special if s["id"] not in planned]


async def overview(viewer: Viewer) -> dict:
    """/care/talent: this year's plans the viewer reads, and the special students with none yet."""
    rooms = talent_rooms(viewer)
    where = (TalentPlan.school == viewer.school_id) & (TalentPlan.school_year == viewer.school_year_id)
    if rooms is not None:
        where &= TalentPlan.student.classroom.is_in(list(rooms) or [-1])
    plans = await TalentPlan.select(
        TalentPlan.id, TalentPlan.talent, TalentPlan.talent_detail, TalentPlan.status, TalentPlan.student,
        TalentPlan.student.school.as_alias("school"), TalentPlan.student.classroom.as_alias("classroom"),
        TalentPlan.student.title.as_alias("title"), TalentPlan.student.first_name.as_alias("first_name"),
        TalentPlan.student.last_name.as_alias("last_name"), TalentPlan.student.classroom.room.as_alias("room"),
        TalentPlan.student.classroom.grade.code.as_alias("grade")).where(where).order_by(
        TalentPlan.student.classroom.grade.level).order_by(TalentPlan.student.classroom.room).order_by(
        TalentPlan.student.number_in_class)
    plans = [p for p in plans if can_read_talent_plan(viewer, {**p, "id": p["student"]})]
    waiting = await without_plan(viewer, rooms)
    return {"plans": plans[:LIST_LIMIT], "plans_more": max(0, len(plans) - LIST_LIMIT),
            "waiting": waiting[:LIST_LIMIT], "waiting_more": max(0, len(waiting) - LIST_LIMIT),
            "writes": {s["id"] for s in waiting if can_write_talent_plan(viewer, s)}}


# Writing ----------------------------------------------------------------------------------------------------------


def _plan_fields(form: dict, errors: dict) -> dict:
    talent = clean_text(form.get("talent"), 12)
    detail = clean_text(form.get("talent_detail"), 200)
    goals = clean_text(form.get("goals"), 4000)
    if talent not in TalentArea._value2member_map_:
        errors["talent"] = N_("Choose the talent.")
    elif TalentArea(talent) in TALENT_NEEDS_DETAIL and not detail:
        errors["talent_detail"] = (N_("Name the subject.") if talent == TalentArea.academic.value
                                   else N_("Name the talent."))
    if not goals:
        errors["goals"] = N_("Write the plan's goals.")
    return {"talent": talent, "talent_detail": detail, "goals": goals}


async def student_for_plan(viewer: Viewer, student_id: int) -> dict:
    """A student whose plan the viewer writes (404 otherwise), with whether they are in the special group now."""
    student = await _student(student_id)
    if student is None or not can_write_talent_plan(viewer, student):
        raise CareError(N_("No such student among those whose development plan you write."), status=404)
    return {**student, "special": await is_special(viewer, student_id)}


async def create_plan(viewer: Viewer, student_id: int, form: dict) -> int:
    student = await student_for_plan(viewer, student_id)
    if not student["special"]:
        raise CareError(N_("A development plan is for a student confirmed in the special group this term: confirm "
                           "the group on the student's screening page first."), status=409)
    errors: dict = {}
    fields = _plan_fields(form, errors)
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    async with db.transaction():
        await db.lock("talent_plan", student_id)  # two teachers writing at once make one plan, not two
        existing = await TalentPlan.select(TalentPlan.id).where(
            (TalentPlan.student == student_id) & (TalentPlan.school_year == viewer.school_year_id)).first()
        if existing:
            raise CareError(N_("This student already has a development plan this school year: revise it."),
                            status=409, plan_id=existing["id"])
        rows = await TalentPlan.insert(TalentPlan(
            school=viewer.school_id, school_year=viewer.school_year_id, student=student_id, written_by=viewer.user_id,
            written_at=now(), **fields)).returning(TalentPlan.id)
        await TalentPlanRevision.insert(TalentPlanRevision(plan=rows[0]["id"], written_by=viewer.user_id,
                                                           written_at=now(), **fields))
    return rows[0]["id"]


async def plan_for(viewer: Viewer, plan_id: int, write: bool = False) -> tuple[dict, dict, set[int]]:
    """The plan, its student and who is responsible for its activities, if the viewer may read it (or write it)."""
    plan = await TalentPlan.select().where(TalentPlan.id == plan_id).first()
    student = plan and await _student(plan["student"])
    responsible = set()
    if plan:
        responsible = {row["responsible"] for row in await TalentActivity.select(TalentActivity.responsible).where(
            TalentActivity.plan == plan_id)}
    allowed = student and (can_write_talent_plan(viewer, student) if write
                           else can_read_talent_plan(viewer, student, responsible))
    if not allowed:
        raise CareError(N_("No such development plan among those you may see."), status=404)
    return plan, student, responsible


async def _open_plan(viewer: Viewer, plan_id: int) -> dict:
    plan, student, _ = await plan_for(viewer, plan_id, write=True)
    if plan["status"] != CaseStatus.open.value:
        raise CareError(N_("The development plan is closed: nothing can be added or changed."), status=409)
    return plan


async def revise_plan(viewer: Viewer, plan_id: int, form: dict) -> None:
    """A new version of the talent and goals; the earlier ones stay in the plan's history."""
    await _open_plan(viewer, plan_id)
    errors: dict = {}
    fields = _plan_fields(form, errors)
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    async with db.transaction():
        await TalentPlan.update({TalentPlan.talent: fields["talent"], TalentPlan.talent_detail: fields["talent_detail"],
                                 TalentPlan.goals: fields["goals"], TalentPlan.revised_at: now()}).where(
            TalentPlan.id == plan_id)
        await TalentPlanRevision.insert(TalentPlanRevision(plan=plan_id, written_by=viewer.user_id, written_at=now(),
                                                           **fields))


async def add_activity(viewer: Viewer, plan_id: int, form: dict) -> int:
    await _open_plan(viewer, plan_id)
    errors = {}
    what = clean_text(form.get("what"), 500)
    if not what:
        errors["what"] = N_("Say what the activity is.")
    schedule = clean_text(form.get("schedule"), 200)
    if not schedule:
        errors["schedule"] = N_("Say when it happens.")
    responsible = await staff_member(viewer, form.get("responsible")) if form.get("responsible") else viewer.user_id
    if responsible is None:
        errors["responsible"] = N_("Choose a staff member of this school.")
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    rows = await TalentActivity.insert(TalentActivity(plan=plan_id, what=what, schedule=schedule,
                                                      responsible=responsible, created_at=now())).returning(
        TalentActivity.id)
    return rows[0]["id"]


async def add_achievement(viewer: Viewer, plan_id: int, form: dict) -> int:
    await _open_plan(viewer, plan_id)
    errors: dict = {}
    achieved_on = _day(form.get("achieved_on"), errors, "achieved_on")
    if achieved_on and achieved_on > clock.today():
        errors["achieved_on"] = N_("An achievement is recorded once it happened: today or earlier.")
    title = clean_text(form.get("title"), 300)
    if not title:
        errors["title"] = N_("Name the achievement (the award, the competition).")
    level = clean_text(form.get("level"), 14)
    if level not in Level._value2member_map_:
        errors["level"] = N_("Choose the level.")
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    rows = await TalentAchievement.insert(TalentAchievement(
        plan=plan_id, achieved_on=achieved_on, title=title, level=level, note=clean_text(form.get("note"), 1000),
        recorded_by=viewer.user_id, recorded_at=now())).returning(TalentAchievement.id)
    return rows[0]["id"]


async def close_plan(viewer: Viewer, plan_id: int, form: dict) -> None:
    await plan_for(viewer, plan_id, write=True)
    closed = await TalentPlan.update({TalentPlan.status: CaseStatus.closed.value, TalentPlan.closed_at: now(),
                                      TalentPlan.closed_by: viewer.user_id,
                                      TalentPlan.closing_note: clean_text(form.get("note"), 2000)}).where(
        (TalentPlan.id == plan_id) & (TalentPlan.status == CaseStatus.open.value)).returning(TalentPlan.id)
    if not closed:
        raise CareError(N_("The development plan is already closed."), status=409)


# Reading ----------------------------------------------------------------------------------------------------------


async def _achievements(plan_ids: list[int]) -> list[dict]:
    return await TalentAchievement.select(
        TalentAchievement.id, TalentAchievement.plan, TalentAchievement.achieved_on, TalentAchievement.title,
        TalentAchievement.level, TalentAchievement.note).where(
        TalentAchievement.plan.is_in(plan_ids or [-1])).order_by(TalentAchievement.achieved_on, ascending=False)


async def plan_page(viewer: Viewer, plan_id: int) -> dict:
    """The plan as this viewer reads it; its history for the staff who read it, the forms for those who write."""
    plan, student, _ = await plan_for(viewer, plan_id)
    writes = can_write_talent_plan(viewer, student)
    activities = await TalentActivity.select(
        *TalentActivity.all_columns(), TalentActivity.responsible.display_name.as_alias("responsible_name")).where(
        TalentActivity.plan == plan_id).order_by(TalentActivity.id)
    history = []
    if viewer.is_staff:
        history = await TalentPlanRevision.select(
            *TalentPlanRevision.all_columns(), TalentPlanRevision.written_by.display_name.as_alias("by")).where(
            TalentPlanRevision.plan == plan_id).order_by(TalentPlanRevision.id, ascending=False)
    return {"plan": plan, "student": student, "activities": activities,
            "achievements": await _achievements([plan_id]), "history": history[1:], "writes": writes,
            "staff": await _staff(viewer) if writes and plan["status"] == CaseStatus.open.value else [],
            "today": clock.today()}


async def for_student_page(viewer: Viewer, student: dict) -> dict | None:
    """The student's page: their newest development plan and every achievement (all years), newest first, for those
    who read the plan (the parents and the student too). None when there is nothing to show or to read."""
    if not can_read_talent_plan(viewer, student):
        return None
    plans = await TalentPlan.select(TalentPlan.id, TalentPlan.talent, TalentPlan.talent_detail,
                                    TalentPlan.status).where(TalentPlan.student == student["id"]).order_by(
        TalentPlan.id, ascending=False)
    if not plans:
        return None
    return {"plan": plans[0], "achievements": await _achievements([p["id"] for p in plans])}

