"""The care part of a member of staff's home page: today's urgent cases nobody has contacted yet, and their to-do
counts (follow-ups due, referrals waiting, reports back, students needing a case or a development plan), in three
queries however big the class or the school."""

from __future__ import annotations

from backend import clock, db
from backend.accounts.access import (Viewer, can_receive_referral, can_see_student, care_rooms, in_case_team,
                                     sees_special_without_plan)
from backend.care.services import NEEDS_A_CASE
from backend.care.talent import SPECIAL
from backend.care.tables import CaseStatus, ReferralStatus, Urgency
from backend.screening import services as screening

WAITING = (ReferralStatus.sent.value, ReferralStatus.accepted.value, ReferralStatus.in_progress.value)

# What waits for this person, one row each (kind says which): today's urgent cases with no contact recorded, the
# count of their follow-ups due, and the referrals they may receive or whose report back they have to read.
WORK_SQL = (
    "SELECT 'urgent' AS kind, c.id, c.opened_at, c.student, st.school, st.classroom, st.first_name, st.last_name, "
    "CAST(NULL AS VARCHAR(20)) AS to_role, CAST(NULL AS INTEGER) AS to_user, CAST(NULL AS VARCHAR(20)) AS status "
    "FROM care_case c JOIN student st ON st.id = c.student "
    "WHERE c.school = {} AND c.status = {} AND c.urgency = {} AND c.contact_recorded_at IS NULL "
    "UNION ALL SELECT 'due', COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM plan_activity a JOIN care_case c ON c.id = a.care_case "
    "WHERE a.responsible = {} AND a.ended_at IS NULL AND a.follow_up_on <= {} AND c.status = {} "
    "UNION ALL SELECT 'referral', r.id, NULL, NULL, r.school, NULL, NULL, NULL, r.to_role, r.to_user, r.status "
    "FROM referral r WHERE r.school = {} AND ((r.status IN ({}, {}, {}) AND r.agency IS NULL) "
    "OR (r.sent_by = {} AND r.status = {}))"
)

# Of the students in a group that asks for something, the active ones, with what they already have: an open case, a
# reason recorded this term for opening none, a development plan this school year.
CANDIDATES_SQL = (
    "SELECT st.id, st.school, st.classroom, "
    "EXISTS (SELECT 1 FROM care_case c WHERE c.student = st.id AND c.status = {}) AS has_case, "
    "EXISTS (SELECT 1 FROM case_decline d WHERE d.student = st.id AND d.school_year = {} AND d.term = {}) "
    "AS declined, "
    "EXISTS (SELECT 1 FROM talent_plan p WHERE p.student = st.id AND p.school_year = {}) AS planned "
    "FROM student st WHERE st.school = {} AND st.active AND st.id IN (%s)"
)


async def for_home(viewer: Viewer) -> dict:
    """{"urgent": today's urgent cases of students whose case team the viewer is in, nobody having recorded contact;
    "todo": the counts of the to-do list}. Students needing a case are counted as /care lists them (the whole school
    for the case team, else one's homerooms), special students without a plan among one's homerooms; both only for
    someone keeping a homeroom."""
    open_case = CaseStatus.open.value
    rows = await db.fetch(WORK_SQL, viewer.school_id, open_case, Urgency.today.value, viewer.user_id, clock.today(),
                          open_case, viewer.school_id, *WAITING, viewer.user_id, ReferralStatus.reported.value)
    urgent = sorted((row for row in rows if row["kind"] == "urgent"
                     and in_case_team(viewer, {**row, "id": row["student"]})), key=lambda row: row["id"])
    todo = {"follow_ups_due": sum(row["id"] for row in rows if row["kind"] == "due"),
            "referrals_waiting": sum(1 for row in rows if row["kind"] == "referral" and row["status"] in WAITING
                                     and can_receive_referral(viewer, row)),
            "reports_back": sum(1 for row in rows if row["kind"] == "referral"
                                and row["status"] == ReferralStatus.reported.value),
            "needs_a_case": 0, "needs_a_plan": 0}
    if viewer.classroom_ids:
        todo.update(await _students_waiting(viewer))
    keys = ("id", "opened_at", "student", "school", "classroom", "first_name", "last_name")
    return {"urgent": [{key: row[key] for key in keys} for row in urgent], "todo": todo}


async def _students_waiting(viewer: Viewer) -> dict:
    year_id, term = await screening.current_term(viewer)
    groups = await screening.current_groups(viewer.school_id, year_id, term, NEEDS_A_CASE + SPECIAL)
    if not groups:
        return {}
    listed = ", ".join(str(int(student)) for student in sorted(groups))
    rows = await db.fetch(CANDIDATES_SQL % listed, CaseStatus.open.value, year_id, term, viewer.school_year_id,
                          viewer.school_id)
    rooms = care_rooms(viewer)
    case_wanted = [row for row in rows if groups[row["id"]] in NEEDS_A_CASE and can_see_student(viewer, row)
                   and (rooms is None or row["classroom"] in rooms)]
    plan_wanted = [row for row in rows if groups[row["id"]] in SPECIAL and can_see_student(viewer, row)
                   and row["classroom"] in viewer.classroom_ids and sees_special_without_plan(viewer, row)]
    return {"needs_a_case": sum(1 for row in case_wanted if not row["has_case"] and not row["declined"]),
            "needs_a_plan": sum(1 for row in plan_wanted if not row["planned"])}
