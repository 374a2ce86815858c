"""Care cases: who needs one, opening one (or recording why not), the help plan, follow-ups, counselling notes with
their sensitivity (reads of the case team's notes audited), closing and reopening."""

from __future__ import annotations

from datetime import date, timedelta

from backend import clock, db, schoolyear
from backend.accounts import passwords, reads
from backend.accounts.access import (NEVER_RESPONSIBLE_ROLES, Viewer, can_confirm_group, can_follow_up,
                                     can_read_note, can_see_case, care_rooms, in_case_team, notes_need_password,
                                     reads_family_notes, visible_students)
from backend.accounts.tables import CARE_NOTES_READ, CARE_NOTES_REFUSED, CARE_READ, User
from backend.care.tables import (OUTCOME_LABELS, PROGRESS_LABELS, REFERRAL_LABELS, URGENCY_LABELS, CareCase,
                                 CaseDecline, CaseNote, CaseStatus, FollowUp, HelpKind, Outcome, PlanActivity,
                                 Progress, Referral, ReferralStatus, Sensitivity, Source, Urgency)
from backend.clock import now
from backend.i18n import N_, Refusal, gettext
from backend.schools import services as schools
from backend.screening import services as screening
from backend.screening.tables import Group
from backend.students import services as students
from backend.students.tables import Student

NOTES_READ = CARE_NOTES_READ  # the audit's name for a read of the case team's notes
NEEDS_A_CASE = (Group.risk.value, Group.problem.value)
NOT_RESPONSIBLE = [role.value for role in NEVER_RESPONSIBLE_ROLES]
# /care of a big school's counsellor or executive would list hundreds of students (12 KB gzip at 3,000 students
# and growing): each list shows its first ones, most pressing first, and says how many more there are.
FRONT_LIST_LIMIT = 40
FAR_DAYS = 400  # a care date (a start, a follow-up) further from today than this is a slip of the year
FOLLOW_UP_DAYS = 7  # a help is first followed up a week after it is planned (on a school day)


class CareError(Refusal):
    pass


MAX_CONCERN = 4000


def clean_text(value, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def _day(text, errors: dict, field: str, required: bool = True) -> date | None:
    text = clean_text(text, 20)
    if not text:
        if required:
            errors[field] = N_("Enter a date.")
        return None
    day = schoolyear.typed_date(text)
    if day is None:
        errors[field] = N_("Enter a date.")
    elif abs((day - clock.today()).days) > FAR_DAYS:  # 3112: a B.E. year in the picker's A.D. field
        errors[field] = N_("That date is more than a year from today: check the year.")
        return None
    return day


def chosen_urgency(form: dict, errors: dict) -> str:
    """The form's urgency (routine when not given); a value not known is a field to fix."""
    urgency = clean_text(form.get("urgency"), 10) or Urgency.routine.value
    if urgency not in Urgency._value2member_map_:
        errors["urgency"] = N_("Choose how urgent it is.")
    return urgency


async def student_for_case(viewer: Viewer, student_id: int) -> dict:
    """A student whose care the viewer looks after (their case team), or 404."""
    student = await Student.select(Student.id, Student.school, Student.classroom, Student.title, Student.first_name,
                                   Student.last_name, Student.code).where(Student.id == student_id).first()
    if student is None or not in_case_team(viewer, student):
        raise CareError(N_("No such student among those whose care you look after."), status=404)
    return student


async def case_for(viewer: Viewer, case_id: int, team_only: bool = False) -> tuple[dict, dict, set[int]]:
    """The case, its student and who is responsible for its help, if the viewer may see it (404 otherwise)."""
    case = await CareCase.select().where(CareCase.id == case_id).first()
    student = case and await Student.select(
        Student.id, Student.school, Student.classroom, Student.title, Student.first_name, Student.last_name,
        Student.code).where(Student.id == case["student"]).first()
    responsible = set()
    if case:
        responsible = {row["responsible"] for row in await PlanActivity.select(PlanActivity.responsible).where(
            PlanActivity.care_case == case_id)}
    allowed = student and (in_case_team(viewer, student) if team_only else can_see_case(viewer, student,
                                                                                      responsible))
    if not allowed:
        raise CareError(N_("No such case among those you may see."), status=404)
    return case, student, responsible


async def followed(student_ids: list[int]) -> set[int]:
    """Those of these students with an open case: the counsellors follow them (behaviour opens their record)."""
    if not student_ids:
        return set()
    return {row["student"] for row in await CareCase.select(CareCase.student).where(
        CareCase.student.is_in(student_ids) & (CareCase.status == CaseStatus.open.value))}


# Who needs a case -----------------------------------------------------------------------------------------------


async def needs_a_case(viewer: Viewer) -> list[dict]:
    """Students the viewer looks after whose confirmed group this term is at risk or with problems, with no open
    case and no reason recorded for not opening one: asked about until one or the other is done."""
    year_id, term = await screening.current_term(viewer)
    # Only students ever put in those groups this term are read (a few hundred in a school of 3,000, not all); their
    # newest decision below says whether they still are.
    ever = await screening.ever_confirmed(viewer.school_id, year_id, term, NEEDS_A_CASE)
    if not ever:
        return []
    where = visible_students(viewer) & (Student.active == True)  # noqa: E712 - a Piccolo column
    where &= Student.id.is_in(ever)
    rooms = care_rooms(viewer)
    if rooms is not None:
        where &= Student.classroom.is_in(list(rooms) or [-1])
    rows = await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                Student.classroom.room.as_alias("room"),
                                Student.classroom.grade.code.as_alias("grade")).where(where).order_by(
        Student.classroom.grade.level).order_by(Student.classroom.room).order_by(Student.number_in_class)
    ids = [row["id"] for row in rows]
    groups = await screening.decisions(ids, year_id, term)
    wanting = [i for i in ids if groups.get(i, {}).get("group") in NEEDS_A_CASE]
    if not wanting:
        return []
    opened = {r["student"] for r in await CareCase.select(CareCase.student).where(
        CareCase.student.is_in(wanting) & (CareCase.status == CaseStatus.open.value))}
    declined = {r["student"] for r in await CaseDecline.select(CaseDecline.student).where(
        CaseDecline.student.is_in(wanting) & (CaseDecline.school_year == year_id) & (CaseDecline.term == term))}
    return [{**row, "group": groups[row["id"]]["group"]} for row in rows
            if row["id"] in wanting and row["id"] not in opened and row["id"] not in declined]


async def decline(viewer: Viewer, student_id: int, reason: str) -> None:
    await student_for_case(viewer, student_id)
    reason = clean_text(reason, 1000)
    if not reason:
        raise CareError(N_("Say why no case is needed."), errors={"reason": N_("Say why no case is needed.")})
    year_id, term = await screening.current_term(viewer)
    await CaseDecline.insert(CaseDecline(school=viewer.school_id, school_year=year_id, term=term, student=student_id,
                                         reason=reason, decided_by=viewer.user_id, decided_at=now()))


# Opening, planning, following up, closing ------------------------------------------------------------------------


async def open_case(viewer: Viewer, student_id: int, form: dict) -> int:
    student = await student_for_case(viewer, student_id)
    errors = {}
    concern = clean_text(form.get("concern"), MAX_CONCERN + 1)
    if not concern:
        errors["concern"] = N_("Say what the concern is.")
    elif len(concern) > MAX_CONCERN:  # refused, not cut: the page keeps what was typed to shorten
        errors["concern"] = N_("Keep it under %(num)s characters.")
    urgency = chosen_urgency(form, errors)
    source = clean_text(form.get("source"), 12) or Source.staff.value
    if source not in Source._value2member_map_:
        source = Source.staff.value
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors, num=f"{MAX_CONCERN:,}")
    async with db.transaction():
        await db.lock("care_case", student_id)  # two teachers opening at once make one case, not two
        existing = await CareCase.select(CareCase.id).where(
            (CareCase.student == student_id) & (CareCase.status == CaseStatus.open.value)).first()
        if existing:
            raise CareError(N_("This student already has an open case: add to it."), status=409,
                            case_id=existing["id"])
        rows = await CareCase.insert(CareCase(
            school=viewer.school_id, school_year=viewer.school_year_id, student=student["id"], source=source,
            source_note=clean_text(form.get("source_note"), 300), concern=concern, urgency=urgency,
            opened_by=viewer.user_id, opened_at=now())).returning(CareCase.id)
    return rows[0]["id"]


async def staff_member(viewer: Viewer, user_id_text) -> int | None:
    text = clean_text(user_id_text, 12)
    if not text.isdigit():
        return None
    row = await User.select(User.id).where((User.id == int(text)) & (User.school == viewer.school_id)
                                           & (User.active == True)  # noqa: E712 - a Piccolo column
                                           & User.role.not_in(NOT_RESPONSIBLE)).first()
    return row["id"] if row else None


async def add_activity(viewer: Viewer, case_id: int, form: dict) -> int:
    case, student, _ = await case_for(viewer, case_id, team_only=True)
    if case["status"] != CaseStatus.open.value:
        raise CareError(N_("The case is closed: reopen it first."), status=409)
    errors = {}
    kind = clean_text(form.get("kind"), 20)
    if kind not in HelpKind._value2member_map_:
        errors["kind"] = N_("Choose the kind of help.")
    responsible = await staff_member(viewer, form.get("responsible")) if form.get("responsible") else viewer.user_id
    if responsible is None:
        errors["responsible"] = N_("Choose a staff member of this school.")
    buddy = None
    if kind == HelpKind.buddy.value:
        text = clean_text(form.get("buddy"), 12)
        row = text.isdigit() and await Student.select(Student.id).where(
            (Student.id == int(text)) & (Student.school == student["school"])
            & (Student.classroom == student["classroom"]) & (Student.id != student["id"])).first()
        if not row:
            errors["buddy"] = N_("Choose a classmate as the buddy.")
        else:
            buddy = row["id"]
    opened_on = case["opened_at"].astimezone(clock.SCHOOL_TIME).date()
    starts_on = _day(form.get("starts_on"), errors, "starts_on", required=False) or clock.today()
    follow_up_on = _day(form.get("follow_up_on"), errors, "follow_up_on")
    if follow_up_on and follow_up_on < max(starts_on, opened_on):
        errors["follow_up_on"] = N_("The follow-up comes after the case opened and the help started.")
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    rows = await PlanActivity.insert(PlanActivity(
        care_case=case_id, kind=kind, description=clean_text(form.get("description"), 2000), responsible=responsible,
        buddy=buddy, starts_on=starts_on, follow_up_on=follow_up_on, created_at=now())).returning(PlanActivity.id)
    return rows[0]["id"]


async def follow_up_day(school_id: int, days: int = FOLLOW_UP_DAYS) -> date:
    """A help's first follow-up, as its form proposes: a week on, moved to a school day (never a Sunday)."""
    return await schools.first_school_day(school_id, clock.today() + timedelta(days=days))


async def add_follow_up(viewer: Viewer, case_id: int, form: dict) -> None:
    case, student, responsible = await case_for(viewer, case_id)
    if not can_follow_up(viewer, student, responsible):
        raise CareError(N_("No such case among those you may see."), status=404)
    errors = {}
    done = clean_text(form.get("done"), 4000)
    if not done:
        errors["done"] = N_("Say what was done.")
    progress = clean_text(form.get("progress"), 10)
    if progress not in Progress._value2member_map_:
        errors["progress"] = N_("Say how the student is doing.")
    activity_text = clean_text(form.get("activity"), 12)
    activity = None
    if activity_text.isdigit():
        activity = await PlanActivity.select(PlanActivity.id, PlanActivity.responsible).where(
            (PlanActivity.id == int(activity_text)) & (PlanActivity.care_case == case_id)).first()
        if activity is None:
            errors["activity"] = N_("Choose a help of this case's plan.")
    next_on = _day(form.get("next_on"), errors, "next_on", required=False)
    if next_on and next_on < clock.today():
        errors["next_on"] = N_("The next follow-up is today or later.")
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    async with db.transaction():
        await FollowUp.insert(FollowUp(care_case=case_id, activity=activity["id"] if activity else None, done=done,
                                       progress=progress, next_on=next_on, written_by=viewer.user_id,
                                       written_at=now()))
        if activity and next_on:
            await PlanActivity.update({PlanActivity.follow_up_on: next_on}).where(PlanActivity.id == activity["id"])
        elif activity:  # no next date: this help is over
            await PlanActivity.update({PlanActivity.ended_at: now()}).where(PlanActivity.id == activity["id"])


async def add_note(viewer: Viewer, case_id: int, form: dict) -> None:
    await case_for(viewer, case_id, team_only=True)
    body = clean_text(form.get("body"), 8000)
    sensitivity = clean_text(form.get("sensitivity"), 12) or Sensitivity.case_team.value
    errors = {}
    if not body:
        errors["body"] = N_("Write the note.")
    if sensitivity not in Sensitivity._value2member_map_:
        errors["sensitivity"] = N_("Choose who may read the note.")
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    await CaseNote.insert(CaseNote(care_case=case_id, sensitivity=sensitivity, body=body, written_by=viewer.user_id,
                                   written_at=now()))


async def close_case(viewer: Viewer, case_id: int, form: dict) -> None:
    """Close with an outcome; the homeroom teacher may review the student's screening group at the same time (the
    help may have changed it), as one decision with the closing."""
    case, student, _ = await case_for(viewer, case_id, team_only=True)
    outcome = clean_text(form.get("outcome"), 12)
    if outcome not in Outcome._value2member_map_:
        raise CareError(N_("Choose the outcome."), errors={"outcome": N_("Choose the outcome.")})
    note = clean_text(form.get("note"), 2000)
    group = clean_text(form.get("group"), 10)
    if group and not can_confirm_group(viewer, student):
        raise CareError(N_("Only the student's homeroom teacher reviews the group."), status=403)
    async with db.transaction():
        closed = await CareCase.update({CareCase.status: CaseStatus.closed.value, CareCase.closed_at: now(),
                                        CareCase.closed_by: viewer.user_id, CareCase.outcome: outcome,
                                        CareCase.closing_note: note}).where(
            (CareCase.id == case_id) & (CareCase.status == CaseStatus.open.value)).returning(CareCase.id)
        if not closed:
            raise CareError(N_("The case is already closed."), status=409)
        if group and group != await _group_now(viewer, student["id"]):
            await screening.confirm_group(viewer, student["id"], group, note or gettext(
                "Reviewed when the case closed (%(outcome)s).", outcome=gettext(OUTCOME_LABELS[Outcome(outcome)])))


async def _group_now(viewer: Viewer, student_id: int) -> str | None:
    year_id, term = await screening.current_term(viewer)
    return ((await screening.decisions([student_id], year_id, term)).get(student_id) or {}).get("group")


async def reopen_case(viewer: Viewer, case_id: int) -> None:
    case, student, _ = await case_for(viewer, case_id, team_only=True)
    async with db.transaction():
        await db.lock("care_case", student["id"])
        if await CareCase.exists().where((CareCase.student == student["id"])
                                         & (CareCase.status == CaseStatus.open.value)):
            raise CareError(N_("This student already has an open case: add to it."), status=409)
        await CareCase.update({CareCase.status: CaseStatus.open.value, CareCase.closed_at: None,
                               CareCase.outcome: ""}).where(CareCase.id == case_id)


# Reading ------------------------------------------------------------------------------------------------------------


async def case_page(viewer: Viewer, case_id: int) -> dict:
    """The case as this viewer may read it. Reading the case team's notes is audited."""
    case, student, responsible = await case_for(viewer, case_id)
    plan = await PlanActivity.select(
        *PlanActivity.all_columns(), PlanActivity.responsible.display_name.as_alias("responsible_name"),
        PlanActivity.buddy.first_name.as_alias("buddy_first"), PlanActivity.buddy.last_name.as_alias("buddy_last"),
    ).where(PlanActivity.care_case == case_id).order_by(PlanActivity.id)
    follow_ups = await FollowUp.select(
        *FollowUp.all_columns(), FollowUp.written_by.display_name.as_alias("by"),
        FollowUp.activity.kind.as_alias("activity_kind")).where(FollowUp.care_case == case_id).order_by(
        FollowUp.id, ascending=False)
    notes = await CaseNote.select(*CaseNote.all_columns(), CaseNote.written_by.display_name.as_alias("by")).where(
        CaseNote.care_case == case_id).order_by(CaseNote.id, ascending=False)
    readable = [n for n in notes if can_read_note(viewer, student, n["sensitivity"], responsible)]
    locked = 0
    if notes_need_password(viewer):  # after an idle gap: the case team's notes wait for the password
        locked = sum(1 for n in readable if n["sensitivity"] == Sensitivity.case_team.value)
        readable = [n for n in readable if n["sensitivity"] != Sensitivity.case_team.value]
    if any(n["sensitivity"] == Sensitivity.case_team.value for n in readable):
        await reads.record_reads(viewer, [student["id"]], [NOTES_READ])
    team = in_case_team(viewer, student)
    can_review = case["status"] == CaseStatus.open.value and can_confirm_group(viewer, student)
    return {"case": case, "student": student, "plan": plan, "follow_ups": follow_ups, "notes": readable,
            "follow_up_day": await follow_up_day(viewer.school_id) if team else None,
            "hidden_notes": len(notes) - len(readable) - locked, "locked_notes": locked, "team": team,
            "classmates": await students.classmates(viewer, student) if team else [],
            "staff": await _staff(viewer) if team else [],
            "group_now": await _group_now(viewer, student["id"]) if can_review else None, "review_group": can_review}


async def unlock_notes(viewer: Viewer, settings, session_token: str, address: str, case_id: int, form: dict) -> None:
    """The password entered again to open the case team's notes after an idle gap: throttled as signing in is, and a
    wrong one audited on the student's record as an attempt at their notes."""
    _case, student, _responsible = await case_for(viewer, case_id, team_only=True)
    try:
        await passwords.confirm_password(settings, viewer, session_token, str(form.get("password") or "")[:200],
                                         address)
    except passwords.AccountError:
        await reads.record_reads(viewer, [student["id"]], [CARE_NOTES_REFUSED])
        raise


async def notes_for_family(viewer: Viewer, student: dict) -> list[dict]:
    """The counselling notes written for the parents too, for the parent's view of their child's page (a parent
    never opens the case itself): newest first, with who wrote them and when."""
    if not reads_family_notes(viewer, student):
        return []
    return await CaseNote.select(CaseNote.body, CaseNote.written_at,
                                 CaseNote.written_by.display_name.as_alias("by")).where(
        (CaseNote.care_case.student == student["id"]) & (CaseNote.sensitivity == Sensitivity.parents.value)).order_by(
        CaseNote.id, ascending=False).limit(20)


async def _staff(viewer: Viewer) -> list[dict]:
    return await User.select(User.id, User.display_name).where(
        (User.school == viewer.school_id) & (User.active == True)  # noqa: E712 - a Piccolo column
        & User.role.not_in(NOT_RESPONSIBLE)).order_by(User.display_name)


async def cases(viewer: Viewer) -> dict:
    """The care front page: who needs a case, the open cases the viewer sees, their follow-ups due."""
    today = clock.today()
    mine = await PlanActivity.select(
        PlanActivity.id, PlanActivity.kind, PlanActivity.follow_up_on, PlanActivity.care_case,
        PlanActivity.care_case.student.first_name.as_alias("first_name"),
        PlanActivity.care_case.student.last_name.as_alias("last_name")).where(
        (PlanActivity.responsible == viewer.user_id) & PlanActivity.ended_at.is_null()
        & (PlanActivity.care_case.status == CaseStatus.open.value)).order_by(PlanActivity.follow_up_on)
    where = (CareCase.school == viewer.school_id) & (CareCase.status == CaseStatus.open.value)
    rooms = care_rooms(viewer)
    if rooms is not None:
        where &= CareCase.student.classroom.is_in(list(rooms) or [-1])
    open_cases = await CareCase.select(
        CareCase.id, CareCase.urgency, CareCase.opened_at, CareCase.contact_recorded_at, CareCase.student,
        CareCase.student.title.as_alias("title"), CareCase.student.first_name.as_alias("first_name"),
        CareCase.student.last_name.as_alias("last_name"), CareCase.student.classroom.room.as_alias("room"),
        CareCase.student.classroom.grade.code.as_alias("grade")).where(where).order_by(CareCase.id, ascending=False)
    # Today's urgent cases first, until contact is recorded.
    open_cases.sort(key=lambda c: (c["urgency"] != Urgency.today.value or c["contact_recorded_at"] is not None))
    needs = await needs_a_case(viewer)
    return {"needs": needs[:FRONT_LIST_LIMIT], "needs_more": max(0, len(needs) - FRONT_LIST_LIMIT),
            "open": open_cases[:FRONT_LIST_LIMIT], "open_more": max(0, len(open_cases) - FRONT_LIST_LIMIT),
            "due": mine[:FRONT_LIST_LIMIT], "due_more": max(0, len(mine) - FRONT_LIST_LIMIT),
            "overdue": sum(1 for a in mine if a["follow_up_on"] < today), "today": today}


async def digest_section(school_id: int, week, rosters: dict) -> dict[int, dict]:
    """Each classroom's care this week for the weekly digest, as counts (whoever else reads the digest, such as the
    grade's head, learns no case by name; the teacher opens /care): open cases, follow-ups overdue at the week's
    end, referrals still waiting, reports back received this week. Three queries for the whole school."""
    student_room = {entry.student_id: room for room, entries in rosters.items() for entry in entries}
    ids = list(student_room) or [-1]
    cases = await CareCase.select(CareCase.id, CareCase.student).where(
        (CareCase.school == school_id) & (CareCase.status == CaseStatus.open.value) & CareCase.student.is_in(ids))
    case_room = {case["id"]: student_room[case["student"]] for case in cases}
    overdue = await PlanActivity.select(PlanActivity.care_case).where(
        PlanActivity.care_case.is_in(list(case_room) or [-1]) & PlanActivity.ended_at.is_null()
        & (PlanActivity.follow_up_on < week.friday))
    referrals = await Referral.select(Referral.care_case, Referral.status, Referral.reported_at).where(
        Referral.care_case.is_in(list(case_room) or [-1]))
    sections = {room: {"open": 0, "overdue": 0, "waiting": 0, "reported": 0} for room in rosters}
    for room in case_room.values():
        sections[room]["open"] += 1
    for row in overdue:
        sections[case_room[row["care_case"]]]["overdue"] += 1
    for row in referrals:
        room = sections[case_room[row["care_case"]]]
        if row["status"] in (ReferralStatus.sent.value, ReferralStatus.accepted.value):
            room["waiting"] += 1
        if row["reported_at"] and week.begins <= row["reported_at"] < week.ends:
            room["reported"] += 1
    return sections


async def summaries(viewer: Viewer, students: list[dict]) -> dict[int, list[dict]]:
    """The care part of the students' care summaries, for those of them whose case team the viewer is of (needs id,
    school, classroom): each case of this school year or still open, its help plan, its follow-ups (when, which help,
    how the student was doing, the next date) and its referrals (to whom, when, where they stand, reported back or
    not). Only these facts: never a counselling note, nor what a follow-up or a report back says. Reading them is
    audited for every one of these students, with cases or not (the audit does not tell who has one). Four queries
    however many students."""
    ids = [s["id"] for s in students if in_case_team(viewer, s)]
    if not ids:
        return {}
    await reads.record_reads(viewer, ids, [CARE_READ])
    found: dict[int, list[dict]] = {student: [] for student in ids}
    cases: dict[int, dict] = {}
    for chunk in db.chunks(ids, db.WHOLE_SCHOOL):
        for case in await CareCase.select(
                CareCase.id, CareCase.student, CareCase.source, CareCase.concern, CareCase.urgency, CareCase.status,
                CareCase.opened_at, CareCase.closed_at, CareCase.outcome,
                CareCase.opened_by.display_name.as_alias("opened_by_name")).where(
                CareCase.student.is_in(chunk) & (CareCase.school == viewer.school_id)
                & ((CareCase.school_year == viewer.school_year_id) | (CareCase.status == CaseStatus.open.value))
        ).order_by(CareCase.id):
            cases[case["id"]] = {**case, "plan": [], "follow_ups": [], "referrals": []}
            found[case["student"]].append(cases[case["id"]])
    for chunk in db.chunks(list(cases), db.WHOLE_SCHOOL):
        for activity in await PlanActivity.select(
                PlanActivity.id, PlanActivity.care_case, PlanActivity.kind, PlanActivity.starts_on,
                PlanActivity.follow_up_on, PlanActivity.ended_at,
                PlanActivity.responsible.display_name.as_alias("responsible_name")).where(
                PlanActivity.care_case.is_in(chunk)).order_by(PlanActivity.id):
            cases[activity["care_case"]]["plan"].append(activity)
        for follow_up in await FollowUp.select(
                FollowUp.care_case, FollowUp.activity, FollowUp.progress, FollowUp.next_on, FollowUp.written_at,
                FollowUp.activity.kind.as_alias("activity_kind"),
                FollowUp.written_by.display_name.as_alias("by")).where(
                FollowUp.care_case.is_in(chunk)).order_by(FollowUp.id):
            cases[follow_up["care_case"]]["follow_ups"].append(follow_up)
        for referral in await Referral.select(
                Referral.care_case, Referral.to_role, Referral.status, Referral.sent_at, Referral.reported_at,
                Referral.agency.name.as_alias("agency_name"), Referral.to_user.display_name.as_alias("to_name")).where(
                Referral.care_case.is_in(chunk)).order_by(Referral.id):
            cases[referral["care_case"]]["referrals"].append(referral)
    return found


async def timeline_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """Cases, follow-ups and referrals on the student's timeline, for the case team only (the record's readers
    who are not of it learn nothing of a case from the timeline)."""
    if not in_case_team(viewer, student):
        return []
    cases = await CareCase.select(CareCase.id, CareCase.opened_at, CareCase.closed_at, CareCase.outcome,
                                  CareCase.urgency).where(CareCase.student == student["id"]).order_by(
        CareCase.id, ascending=False).limit(limit)
    ids = [case["id"] for case in cases] or [-1]
    # Each event carries its words (English msgids) and its page: the record's timeline knows no care table.
    events = [{"kind": "care", "at": c["opened_at"], "label": N_("Care case opened"),
               "detail": URGENCY_LABELS[Urgency(c["urgency"])], "link": f"/care/cases/{c['id']}"} for c in cases]
    events += [{"kind": "care", "at": c["closed_at"], "label": N_("Care case closed"),
                "detail": OUTCOME_LABELS[Outcome(c["outcome"])], "link": f"/care/cases/{c['id']}"}
               for c in cases if c["closed_at"] and c["outcome"]]
    events += [{"kind": "care", "at": f["written_at"], "label": N_("Follow-up"),
                "detail": PROGRESS_LABELS[Progress(f["progress"])], "link": f"/care/cases/{f['care_case']}"}
               for f in await FollowUp.select(FollowUp.care_case, FollowUp.written_at, FollowUp.progress).where(
                   FollowUp.care_case.is_in(ids)).order_by(FollowUp.id, ascending=False).limit(limit)]
    events += [{"kind": "care", "at": r["sent_at"], "label": N_("Referred"),
                "detail": REFERRAL_LABELS[ReferralStatus(r["status"])], "link": f"/care/referrals/{r['id']}"}
               for r in await Referral.select(Referral.id, Referral.sent_at, Referral.status).where(
                   Referral.care_case.is_in(ids)).order_by(Referral.id, ascending=False).limit(limit)]
    return events
