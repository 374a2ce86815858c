"""The school's care in numbers, for the executives and the counsellors: per class and for the school, the students
confirmed at risk or with problems this term and how many of them have an open case, a help plan and a follow-up
this month; the students confirmed special (gifted) and how many have a development plan; the year's referrals by
status and age; the homeroom activities and parents' meetings held this term.
Counts only: the names stay on /care, for those who may read them. A constant number of queries, however big the
school (whole-school IN lists, GROUP BY)."""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime

from backend import clock, db
from backend.accounts.access import Viewer, sees_school_care
from backend.care import talent
from backend.care.services import NEEDS_A_CASE, CareError
from backend.care.talent import SPECIAL
from backend.care.tables import CareCase, CaseStatus, FollowUp, PlanActivity, Referral, ReferralStatus
from backend.i18n import N_
from backend.promotion import services as promotion
from backend.schools import services as schools
from backend.screening import services as screening
from backend.students.tables import Student

# A referral's age in school days since it was sent: the receiver has three to accept it (referrals.py), then the
# head of the care system is shown it; past seven it has waited more than a school week and a half.
AGES = ("fresh", "days_3_7", "over_7")
AGE_LABELS = {"fresh": N_("Under 3"), "days_3_7": N_("3 to 7"), "over_7": N_("Over 7")}  # school days
COUNTS = ("confirmed", "cases", "plans", "followed")


def _age(school_days_since: int) -> str:
    if school_days_since < 3:
        return "fresh"
    return "days_3_7" if school_days_since <= 7 else "over_7"


async def _students_with(query_of_chunk, ids: list[int]) -> set[int]:
    """The students among ids that a grouped query (one row per student, as "student") finds."""
    found: set[int] = set()
    for chunk in db.chunks(ids, db.WHOLE_SCHOOL):
        found |= {row["student"] for row in await query_of_chunk(chunk)}
    return found


async def _care_of(wanting: list[int]) -> dict[str, set[int]]:
    """Of these students, those with an open case, with a help in an open case's plan, and with a follow-up written
    this month (school time) on any of their cases."""
    open_case = CareCase.status == CaseStatus.open.value
    month_began = datetime.combine(clock.today().replace(day=1), datetime.min.time(), clock.SCHOOL_TIME)
    student_of_activity = PlanActivity.care_case.student
    student_of_follow_up = FollowUp.care_case.student
    return {
        "cases": await _students_with(lambda chunk: CareCase.select(CareCase.student).where(
            CareCase.student.is_in(chunk) & open_case).group_by(CareCase.student), wanting),
        "plans": await _students_with(lambda chunk: PlanActivity.select(student_of_activity.as_alias("student")).where(
            student_of_activity.is_in(chunk) & (PlanActivity.care_case.status == CaseStatus.open.value)).group_by(
            student_of_activity), wanting),
        "followed": await _students_with(lambda chunk: FollowUp.select(student_of_follow_up.as_alias("student")).where(
            student_of_follow_up.is_in(chunk) & (FollowUp.written_at >= month_began)).group_by(
            student_of_follow_up), wanting),
    }


async def _referrals(school_id: int, year_id: int) -> dict:
    """The year's referrals counted by status and by school days since they were sent."""
    rows = await Referral.select(Referral.status, Referral.sent_at).where(
        (Referral.school == school_id) & (Referral.care_case.school_year == year_id))
    table = {status.value: dict.fromkeys(AGES, 0) for status in ReferralStatus}
    if rows:
        today = clock.today()
        sent_days = [row["sent_at"].astimezone(clock.SCHOOL_TIME).date() for row in rows]
        calendar = await schools.calendar_between(school_id, min(sent_days), today)
        school_days = calendar.school_days()  # in order: a referral's age is how many come after its day
        for row, sent in zip(rows, sent_days, strict=True):
            # As referrals.inbox counts it: the school days from the day sent to today, that day not counted.
            table[row["status"]][_age(len(school_days) - bisect_left(school_days, sent) - 1)] += 1
    totals = {age: sum(ages[age] for ages in table.values()) for age in AGES}
    return {"by_status": table, "totals": totals, "total": len(rows)}


async def school_care(viewer: Viewer) -> dict:
    if not sees_school_care(viewer):
        raise CareError(N_("The school's care overview is for its executives and counsellors."), status=403)
    year_id, term = await screening.current_term(viewer)
    students = await Student.select(Student.id, Student.classroom).where(
        (Student.school == viewer.school_id) & (Student.active == True))  # noqa: E712 - a Piccolo column
    groups = await screening.decisions([s["id"] for s in students], year_id, term)
    room_of = {s["id"]: s["classroom"] for s in students
               if groups.get(s["id"], {}).get("group") in NEEDS_A_CASE}
    care = await _care_of(list(room_of))
    special_room = {s["id"]: s["classroom"] for s in students if groups.get(s["id"], {}).get("group") in SPECIAL}
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
            "referrals": await _referrals(viewer.school_id, year_id), "ages": AGES, "age_labels": AGE_LABELS}
