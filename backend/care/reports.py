"""The school's care in numbers, for the executives and the counsellors: per class and for the school, the students
confirmed at risk or with problems this term and how many of them have an open case, a help plan and a follow-up
this month; the students confirmed special (gifted) and how many have a development plan; the year's referrals by
status and age; the homeroom activities and parents' meetings held this term.
Each number opens the list of the students behind it (students_behind), built by the same functions as the number,
for those who may read their names. A constant number of queries, however big the school (whole-school IN lists,
GROUP BY)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from datetime import datetime

from piccolo.query.functions.aggregate import Count

from backend import clock, db
from backend.accounts.access import Viewer, sees_class_care_list, sees_school_care
from backend.care import talent
from backend.care.services import NEEDS_A_CASE, CareError
from backend.care.talent import SPECIAL
from backend.care.tables import CareCase, CaseStatus, FollowUp, Outcome, PlanActivity, Referral, ReferralStatus
from backend.i18n import N_
from backend.promotion import services as promotion
from backend.schools import services as schools
from backend.schools.tables import Classroom
from backend.screening import services as screening
from backend.students.tables import Student

# A referral's age in school days since it was sent: the receiver has three to accept it (referrals.py), then the
# head of the care system is shown it; past seven it has waited more than a school week and a half.
AGES = ("fresh", "days_3_7", "over_7")
AGE_LABELS = {"fresh": N_("Under 3"), "days_3_7": N_("3 to 7"), "over_7": N_("Over 7")}  # school days
COUNTS = ("confirmed", "cases", "plans", "followed")
COUNT_LABELS = {"confirmed": N_("At risk or with problems"), "cases": N_("With an open case"),
                "plans": N_("With a plan"), "followed": N_("Followed up this month")}
REFERRALS = "referrals"  # the list behind a cell of the referrals' table
LIST_LIMIT = 100  # a list shows its first students and says how many more: a phone page, however big the school


def _age(school_days_since: int) -> str:
    if school_days_since < 3:
        return "fresh"
    return "days_3_7" if school_days_since <= 7 else "over_7"


async def care_among(wanting: list[int], at: datetime) -> dict[str, set[int]]:
    """Of these students, as things stood at that moment (now, or the end of an earlier term): those with a case
    open then, with a help planned by then in a case open then, and with a follow-up written in that moment's month
    (school time) on any of their cases. A case is open at a moment when it was opened by then and not closed by
    then (closing sets closed_at, reopening clears it), so at this moment it is exactly the cases open now."""
    return await care_among_of([(wanting, at)])


async def care_among_of(wanted: list[tuple[list[int], datetime]]) -> dict[str, set[int]]:
    """care_among() of several schools' students, each school's at its own moment: three queries however many."""
    wanted = [(ids, at) for ids, at in wanted if ids]
    if not wanted:
        return {"cases": set(), "plans": set(), "followed": set()}
    activity_case = PlanActivity.care_case
    student_of_activity = PlanActivity.care_case.student
    student_of_follow_up = FollowUp.care_case.student
    cases, plans, followed = [], [], []
    for ids, at in wanted:
        cases.append(db.among(CareCase.student, ids) & (CareCase.opened_at <= at)
                     & (CareCase.closed_at.is_null() | (CareCase.closed_at > at)))
        plans.append(db.among(student_of_activity, ids) & (activity_case.opened_at <= at) & (
            activity_case.closed_at.is_null() | (activity_case.closed_at > at)) & (PlanActivity.created_at <= at))
        local = at.astimezone(clock.SCHOOL_TIME).date()
        month_began = datetime.combine(local.replace(day=1), datetime.min.time(), clock.SCHOOL_TIME)
        followed.append(db.among(student_of_follow_up, ids) & (FollowUp.written_at >= month_began)
                        & (FollowUp.written_at <= at))
    return {
        "cases": {row["student"] for row in await CareCase.select(CareCase.student).where(
            db.either(cases)).group_by(CareCase.student)},
        "plans": {row["student"] for row in await PlanActivity.select(student_of_activity.as_alias("student")).where(
            db.either(plans)).group_by(student_of_activity)},
        "followed": {row["student"] for row in await FollowUp.select(student_of_follow_up.as_alias("student")).where(
            db.either(followed)).group_by(student_of_follow_up)},
    }


async def referral_rows(school_id: int, year_id: int, sent_from: datetime | None = None,
                        sent_before: datetime | None = None) -> list[dict]:
    """The year's referrals (or those sent in a window of it, a term's), each with its student, status, whether it
    was reported back, and its age ("fresh", "days_3_7", "over_7": school days since it was sent, to today)."""
    return (await referral_rows_of([(school_id, year_id, sent_from, sent_before)]))[school_id]


async def referral_rows_of(wanted: list[tuple[int, int, datetime | None, datetime | None]]) -> dict[int, list[dict]]:
    """referral_rows() of several schools (school, year, sent from, sent before), by school: two queries however
    many."""
    clauses = []
    for school_id, year_id, sent_from, sent_before in wanted:
        where = (Referral.school == school_id) & (Referral.care_case.school_year == year_id)
        if sent_from is not None:
            where &= Referral.sent_at >= sent_from
        if sent_before is not None:
            where &= Referral.sent_at < sent_before
        clauses.append(where)
    rows = await Referral.select(Referral.id, Referral.school, Referral.care_case.student.as_alias("student"),
                                 Referral.status, Referral.sent_at, Referral.reported_at, Referral.to_role,
                                 Referral.care_case, Referral.agency.name.as_alias("agency")).where(
        db.either(clauses)).order_by(Referral.id)
    found: dict[int, list[dict]] = {school_id: [] for school_id, _, _, _ in wanted}
    for row in rows:
        found[row.pop("school")].append(row)
    today = clock.today()
    sent_days = {row["id"]: row["sent_at"].astimezone(clock.SCHOOL_TIME).date() for row in rows}
    calendars = await schools.calendars_between({
        school_id: (min(sent_days[row["id"]] for row in theirs), today)
        for school_id, theirs in found.items() if theirs})
    for school_id, theirs in found.items():
        if not theirs:
            continue
        school_days = calendars[school_id].school_days()  # in order: a referral's age is how many come after its day
        for row in theirs:
            # As referrals.inbox counts it: the school days from the day sent to today, that day not counted.
            row["age"] = _age(len(school_days) - bisect_left(school_days, sent_days[row["id"]]) - 1)
    return found


def referral_counts(rows: list[dict]) -> dict:
    """Referrals counted by status and by school days since they were sent, and how many were reported back."""
    table = {status.value: dict.fromkeys(AGES, 0) for status in ReferralStatus}
    for row in rows:
        table[row["status"]][row["age"]] += 1
    totals = {age: sum(ages[age] for ages in table.values()) for age in AGES}
    return {"by_status": table, "totals": totals, "total": len(rows),
            "reported": sum(1 for row in rows if row["reported_at"] is not None)}


async def cases_opened(school_id: int, year_id: int, opened_from: datetime, opened_before: datetime) -> dict:
    """The cases opened in a stretch of a school year (a term's), as they stand now: how many, still open, closed,
    and the closed ones by outcome (improved, unchanged, worse, referred, left school). One GROUP BY."""
    rows = await CareCase.select(CareCase.status, CareCase.outcome, Count(CareCase.id).as_alias("n")).where(
        (CareCase.school == school_id) & (CareCase.school_year == year_id) & (CareCase.opened_at >= opened_from)
        & (CareCase.opened_at < opened_before)).group_by(CareCase.status, CareCase.outcome)
    outcomes = {outcome.value: 0 for outcome in Outcome}
    found = {"total": 0, CaseStatus.open.value: 0, CaseStatus.closed.value: 0, "outcomes": outcomes}
    for row in rows:
        found["total"] += row["n"]
        found[row["status"]] += row["n"]
        if row["status"] == CaseStatus.closed.value and row["outcome"] in outcomes:
            outcomes[row["outcome"]] += row["n"]
    return found


async def _decided(viewer: Viewer, year_id: int, term: int, classroom_id: int | None = None) -> list[tuple]:
    """The school's (or one class's) students with a group confirmed this term: (student, classroom, group)."""
    where = (Student.school == viewer.school_id) & (Student.active == True)  # noqa: E712 - a Piccolo column
    if classroom_id is not None:
        where &= Student.classroom == classroom_id
    students = await Student.select(Student.id, Student.classroom).where(where)
    groups = await screening.decisions([s["id"] for s in students], year_id, term)
    return [(s["id"], s["classroom"], groups[s["id"]]["group"]) for s in students if s["id"] in groups]


def _in_groups(decided: list[tuple], wanted) -> dict[int, int]:
    return {student_id: room_id for student_id, room_id, group in decided if group in wanted}


async def _confirmed(viewer: Viewer, year_id: int, term: int, classroom_id: int | None = None) -> dict[int, int]:
    """The school's (or one class's) students confirmed at risk or with problems this term, with their class."""
    return _in_groups(await _decided(viewer, year_id, term, classroom_id), NEEDS_A_CASE)


async def school_care(viewer: Viewer) -> dict:
    if not sees_school_care(viewer):
        raise CareError(N_("The school's care overview is for its executives and counsellors."), status=403)
    year_id, term = await screening.current_term(viewer)
    decided = await _decided(viewer, year_id, term)
    room_of = _in_groups(decided, NEEDS_A_CASE)
    care = await care_among(list(room_of), clock.now())
    special_room = _in_groups(decided, SPECIAL)
    planned = await talent.planned_among(list(special_room), year_id)
    rooms = await promotion.held_in_term(viewer.school_id, year_id, term)
    per_room = {room["id"]: {**room, **dict.fromkeys(COUNTS, 0), "special": 0, "talent_plans": 0} for room in rooms}
    for student_id, room_id in special_room.items():
        if room_id in per_room:
            per_room[room_id]["special"] += 1
            per_room[room_id]["talent_plans"] += int(student_id in planned)
    for student_id, room_id in room_of.items():
        row = per_room.get(room_id)
        if row is None:  # a student left in a class of an earlier year: counted for the school only
            continue
        row["confirmed"] += 1
        for key, found in care.items():
            row[key] += int(student_id in found)
    totals = {"confirmed": len(room_of), **{key: len(found) for key, found in care.items()},
              "activities": sum(r["activities"] for r in rooms), "meetings": sum(r["meetings"] for r in rooms),
              "classes": len(rooms), "classes_met": sum(1 for r in rooms if r["meetings"]),
              "special": len(special_room), "talent_plans": len(planned)}
    return {"term": term, "rooms": list(per_room.values()), "totals": totals,
            "referrals": referral_counts(await referral_rows(viewer.school_id, year_id)), "ages": AGES,
            "age_labels": AGE_LABELS}


# The students behind a number -----------------------------------------------------------------------------------


async def _list_classroom(viewer: Viewer, classroom_id: int | None) -> dict | None:
    """The class a list is of (None: the whole school), if the viewer may read its students' names."""
    if classroom_id is None:
        if not sees_school_care(viewer):
            raise CareError(N_("The school's care overview is for its executives and counsellors."), status=403)
        return None
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if room is None or not sees_class_care_list(viewer, room):
        raise CareError(N_("No such class among those whose care you follow."), status=404)
    return {**room, "label": f"{room['grade']}/{room['room']}"}


async def students_behind(viewer: Viewer, count: str, classroom_id: int | None = None, status: str = "",
                          age: str = "") -> dict:
    """The students behind one number of the school's care page, for the school or one class: found by the same
    functions as the number (so as many as it said), the first LIST_LIMIT shown in class order with their group,
    their newest case's status and their last follow-up. A referrals' cell lists one line per referral."""
    room = await _list_classroom(viewer, classroom_id)
    year_id, term = await screening.current_term(viewer)
    if count in COUNTS:
        room_of = await _confirmed(viewer, year_id, term, classroom_id)
        behind = list(room_of) if count == "confirmed" else list((await care_among(list(room_of), clock.now()))[count])
    elif (count == REFERRALS and room is None and status in ("", *ReferralStatus._value2member_map_)
          and age in ("", *AGES)):
        referrals = [row for row in await referral_rows(viewer.school_id, year_id)
                     if (not status or row["status"] == status) and (not age or row["age"] == age)]
        behind = [row["student"] for row in referrals]
    else:
        raise CareError(N_("No such list."), status=404)
    lines = Counter(behind)  # a referrals' list: a line per referral
    rows = await Student.select(
        Student.id, Student.title, Student.first_name, Student.last_name, Student.number_in_class,
        Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade")).where(
        Student.id.is_in(list(lines) or [-1])).order_by(Student.classroom.grade.level).order_by(
        Student.classroom.room).order_by(Student.number_in_class).order_by(Student.id).limit(LIST_LIMIT)
    shown = [row for row in rows for _ in range(lines[row["id"]])][:LIST_LIMIT]
    ids = [row["id"] for row in rows] or [-1]
    groups = await screening.decisions(ids, year_id, term)
    newest_case: dict[int, dict] = {}
    for case in await CareCase.select(CareCase.id, CareCase.student, CareCase.status).where(
            CareCase.student.is_in(ids)).order_by(CareCase.id, ascending=False):
        newest_case.setdefault(case["student"], case)
    last_follow_up: dict[int, datetime] = {}
    for follow_up in await FollowUp.select(FollowUp.care_case.student.as_alias("student"), FollowUp.written_at).where(
            FollowUp.care_case.student.is_in(ids)).order_by(FollowUp.id, ascending=False):
        last_follow_up.setdefault(follow_up["student"], follow_up["written_at"])
    students = [{**row, "class_label": f"{row['grade']}/{row['room']}",
                 "group": groups.get(row["id"], {}).get("group"), "case": newest_case.get(row["id"]),
                 "last_follow_up": last_follow_up.get(row["id"])} for row in shown]
    if count == REFERRALS:  # a line per referral: where it went, when, how it stands, how long it has waited
        of_student = {row["id"]: row for row in students}
        students = [{**of_student[r["student"]], "referral": r, "case": {"id": r["care_case"]}}
                    for r in referrals if r["student"] in of_student][:LIST_LIMIT]
    return {"count": count, "classroom": room, "status": status, "age": age, "students": students,
            "total": len(behind), "more": len(behind) - len(students), "count_labels": COUNT_LABELS,
            "age_labels": AGE_LABELS, "term": term, "school_view": sees_school_care(viewer)}
