"""Referral (part 5): a case sent inside the school to the counsellor, the discipline officer, the nurse or a
subject teacher, who accepts it and reports back; or outside to an agency of the school's directory, with the
guardian's consent and a numbered letter, and the agency's reply entered when it comes."""

from __future__ import annotations

from datetime import timedelta

from piccolo.query.functions.aggregate import Max

from backend import clock, db
from backend.accounts import services as accounts
from backend.accounts.access import (Viewer, can_receive_referral, can_refer_outside, can_see_case,
                                     hears_of_late_referrals, in_case_team, manages_agencies)
from backend.accounts.tables import Role, User
from backend.care.services import FRONT_LIST_LIMIT, CareError, case_for, chosen_urgency, clean_text, staff_member
from backend.care.tables import Agency, CareCase, Referral, ReferralStatus
from backend.clock import now
from backend.i18n import N_
from backend.schools import services as schools
from backend.students.tables import Student

INSIDE_ROLES = (Role.counsellor.value, Role.discipline.value, Role.nurse.value, Role.subject_teacher.value)
ACCEPT_WITHIN_SCHOOL_DAYS = 3  # then the head of the care system is shown it

# The national services every school starts with, and local ones for the school to fill in (name kept, number empty).
NATIONAL_AGENCIES = (
    ("สายด่วนสุขภาพจิต กรมสุขภาพจิต", "1323"),
    ("ศูนย์ช่วยเหลือสังคม กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์", "1300"),
    ("มูลนิธิสายเด็ก", "1387"),
    ("ตำรวจ (เหตุด่วนเหตุร้าย)", "191"),
    ("สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด (กรอกชื่อจังหวัด)", ""),
    ("โรงพยาบาลประจำอำเภอ (กรอกชื่อ)", ""),
    ("โรงพยาบาลส่งเสริมสุขภาพตำบล (กรอกชื่อ)", ""),
)


async def agencies(school_id: int, with_retired: bool = False) -> list[dict]:
    query = Agency.select().where(Agency.school == school_id).order_by(Agency.id)
    rows = await query
    if not rows:
        async with db.transaction():
            await db.lock("agencies", school_id)
            if not await Agency.exists().where(Agency.school == school_id):
                await Agency.insert(*[Agency(school=school_id, name=name, phone=phone, national=True)
                                      for name, phone in NATIONAL_AGENCIES])
        rows = await query
    return [row for row in rows if with_retired or not row["retired"]]


async def add_agency(viewer: Viewer, form: dict) -> None:
    if not manages_agencies(viewer):
        raise CareError(N_("Only counsellors and the discipline officer keep the directory."), status=403)
    name = clean_text(form.get("name"), 200)
    if not name:
        raise CareError(N_("Enter the agency's name."), errors={"name": N_("Enter the agency's name.")})
    await agencies(viewer.school_id)  # the national ones first, so that they keep their place
    await Agency.insert(Agency(school=viewer.school_id, name=name, phone=clean_text(form.get("phone"), 40),
                               address=clean_text(form.get("address"), 300)))


async def retire_agency(viewer: Viewer, agency_id: int) -> None:
    if not manages_agencies(viewer):
        raise CareError(N_("Only counsellors and the discipline officer keep the directory."), status=403)
    await Agency.update({Agency.retired: True}).where((Agency.id == agency_id) & (Agency.school == viewer.school_id))


async def refer(viewer: Viewer, case_id: int, form: dict) -> int:
    """Send the case on. Inside: to a role (someone must hold it) or a named subject teacher. Outside: to an agency,
    only by a counsellor or the discipline officer, with the guardian's consent; it gets the year's next number."""
    case, student, _ = await case_for(viewer, case_id)
    errors = {}
    reason = clean_text(form.get("reason"), 4000)
    if not reason:
        errors["reason"] = N_("Say why the student is referred.")
    urgency = chosen_urgency(form, errors)
    outside = form.get("direction") == "outside"
    values = {}
    if outside:
        if not await can_refer_outside_case(viewer, case_id, student):
            raise CareError(N_("Counsellors and the discipline officer refer outside the school."), status=403)
        agency_text = clean_text(form.get("agency"), 12)
        agency = agency_text.isdigit() and await Agency.select(Agency.id).where(
            (Agency.id == int(agency_text)) & (Agency.school == viewer.school_id) & (Agency.retired == False)  # noqa: E712
        ).first()
        if not agency:
            errors["agency"] = N_("Choose an agency from the directory.")
        consent_from = clean_text(form.get("consent_from"), 200)
        if not consent_from or form.get("consent") not in ("on", "yes", "1", "true"):
            errors["consent_from"] = N_("Record the guardian's consent: who gave it.")
        values = {"agency": agency["id"] if agency else None, "consent_from": consent_from, "consent_at": now()}
    else:
        if not in_case_team(viewer, student):
            raise CareError(N_("No such case among those you may see."), status=404)
        role = clean_text(form.get("to_role"), 20)
        if role not in INSIDE_ROLES:
            errors["to_role"] = N_("Choose whom to refer to.")
        elif role == Role.subject_teacher.value:
            teacher = await staff_member(viewer, form.get("to_user"))  # a parent's account is never a receiver
            if teacher is None:
                errors["to_user"] = N_("Choose the teacher.")
            values = {"to_role": role, "to_user": teacher}
        else:
            holders = await User.select(User.id, User.role, User.extra_roles).where(
                (User.school == viewer.school_id) & (User.active == True))  # noqa: E712 - a Piccolo column
            if not any(u["role"] == role or role in u["extra_roles"].split(",") for u in holders):
                errors["to_role"] = N_("Nobody in the school holds this role yet: ask the admin, or choose another.")
            values = {"to_role": role}
    if case["status"] != "open":
        errors["reason"] = N_("The case is closed: reopen it first.")
    if errors:
        raise CareError(N_("Some fields need fixing."), errors=errors)
    async with db.transaction():
        if outside:
            await db.lock("referral_letter", viewer.school_id)
            values["letter_number"] = await _last_letter(viewer.school_id, case["school_year"]) + 1
        rows = await Referral.insert(Referral(
            school=viewer.school_id, care_case=case_id, reason=reason, tried=clean_text(form.get("tried"), 4000),
            urgency=urgency, sent_by=viewer.user_id, sent_at=now(), **values)).returning(Referral.id)
    return rows[0]["id"]


async def _last_letter(school_id: int, school_year_id: int) -> int:
    row = await Referral.select(Max(Referral.letter_number).as_alias("n")).where(
        (Referral.school == school_id) & (Referral.care_case.school_year == school_year_id)).first()
    return (row or {}).get("n") or 0


async def can_refer_outside_case(viewer: Viewer, case_id: int, student: dict) -> bool:
    received = await Referral.select(Referral.to_role, Referral.to_user, Referral.school).where(
        Referral.care_case == case_id)
    return can_refer_outside(viewer, student, any(can_receive_referral(viewer, r) for r in received))


async def _referral(viewer: Viewer, referral_id: int) -> tuple[dict, dict, dict]:
    """The referral, its case and student, for someone who may see the case or receives the referral."""
    referral = await Referral.select(*Referral.all_columns(), Referral.agency.name.as_alias("agency_name"),
                                     Referral.agency.phone.as_alias("agency_phone"),
                                     Referral.sent_by.display_name.as_alias("sender"),
                                     Referral.accepted_by.display_name.as_alias("accepter"),
                                     Referral.reported_by.display_name.as_alias("reporter"),
                                     Referral.to_user.display_name.as_alias("to_name")).where(
        Referral.id == referral_id).first()
    if referral is None or referral["school"] != viewer.school_id:
        raise CareError(N_("No such referral among those you may see."), status=404)
    case = await CareCase.select().where(CareCase.id == referral["care_case"]).first()
    student = await Student.select(Student.id, Student.school, Student.classroom, Student.title, Student.first_name,
                                   Student.last_name, Student.code, Student.classroom.room.as_alias("room"),
                                   Student.classroom.grade.code.as_alias("grade")).where(
        Student.id == case["student"]).first()
    if not (can_receive_referral(viewer, referral) or can_see_case(viewer, student, set())):
        raise CareError(N_("No such referral among those you may see."), status=404)
    return referral, case, student


async def referral_page(viewer: Viewer, referral_id: int) -> dict:
    referral, case, student = await _referral(viewer, referral_id)
    return {"referral": referral, "case": case, "student": student,
            "receiver": can_receive_referral(viewer, referral),
            "team": in_case_team(viewer, student)}


async def letter(viewer: Viewer, referral_id: int) -> dict:
    """The printed letter of a referral outside the school (one inside has none)."""
    found = await referral_page(viewer, referral_id)
    if found["referral"]["agency"] is None:
        raise CareError(N_("A referral inside the school has no letter."), status=404)
    return {**found, "homeroom_teachers": await accounts.homeroom_teacher_names(found["student"]["classroom"])}


async def accept(viewer: Viewer, referral_id: int) -> None:
    referral, _, _ = await _referral(viewer, referral_id)
    if not can_receive_referral(viewer, referral):
        raise CareError(N_("Only the one it was sent to accepts a referral."), status=403)
    updated = await Referral.update({Referral.status: ReferralStatus.accepted.value,
                                     Referral.accepted_by: viewer.user_id, Referral.accepted_at: now()}).where(
        (Referral.id == referral_id) & (Referral.status == ReferralStatus.sent.value)).returning(Referral.id)
    if not updated:
        raise CareError(N_("This referral was already accepted."), status=409)


async def report_back(viewer: Viewer, referral_id: int, form: dict) -> None:
    """The receiver's report (inside), or the agency's reply entered by the case team (outside)."""
    referral, _, student = await _referral(viewer, referral_id)
    outside = referral["agency"] is not None
    reporter = in_case_team(viewer, student) or referral["sent_by"] == viewer.user_id if outside else \
        can_receive_referral(viewer, referral)
    if not reporter:
        raise CareError(N_("Only the one it was sent to reports back."), status=403)
    if referral["status"] == ReferralStatus.closed.value:
        raise CareError(N_("The referral is closed: nothing more is reported on it."), status=409)
    report = clean_text(form.get("report"), 8000)
    if not report:
        raise CareError(N_("Write what was done and what you found."),
                        errors={"report": N_("Write what was done and what you found.")})
    await Referral.update({Referral.status: ReferralStatus.reported.value, Referral.report: report,
                           Referral.reported_by: viewer.user_id, Referral.reported_at: now(),
                           Referral.accepted_at: referral["accepted_at"] or now()}).where(Referral.id == referral_id)


async def close(viewer: Viewer, referral_id: int, _form: dict | None = None) -> None:
    referral, _, student = await _referral(viewer, referral_id)
    if not in_case_team(viewer, student):
        raise CareError(N_("The case team closes a referral."), status=403)
    closed = await Referral.update({Referral.status: ReferralStatus.closed.value, Referral.closed_at: now()}).where(
        (Referral.id == referral_id) & (Referral.status != ReferralStatus.closed.value)).returning(Referral.id)
    if not closed:
        raise CareError(N_("The referral is already closed."), status=409)


async def of_case(case_id: int) -> list[dict]:
    return await Referral.select(Referral.id, Referral.to_role, Referral.status, Referral.sent_at,
                                 Referral.agency.name.as_alias("agency_name"),
                                 Referral.to_user.display_name.as_alias("to_name")).where(
        Referral.care_case == case_id).order_by(Referral.id)


async def inbox(viewer: Viewer) -> dict:
    """Referrals waiting on this person (sent to one of their roles or to them), and, for the head of the care system
    (executives), those nobody accepted within three school days."""
    open_states = [ReferralStatus.sent.value, ReferralStatus.accepted.value, ReferralStatus.in_progress.value]
    rows = await Referral.select(
        Referral.id, Referral.to_role, Referral.to_user, Referral.school, Referral.status, Referral.sent_at,
        Referral.urgency, Referral.care_case.student.first_name.as_alias("first_name"),
        Referral.care_case.student.last_name.as_alias("last_name")).where(
        (Referral.school == viewer.school_id) & Referral.status.is_in(open_states) & Referral.agency.is_null())
    waiting = [r for r in rows if can_receive_referral(viewer, r)]
    late = []
    if hears_of_late_referrals(viewer):
        today = clock.today()
        calendar = await schools.calendar_between(viewer.school_id, today - timedelta(days=60), today)
        for r in rows:
            sent = r["sent_at"].astimezone(clock.SCHOOL_TIME).date()
            if r["status"] == ReferralStatus.sent.value and len(calendar.school_days(sent, today)) - 1 >= \
                    ACCEPT_WITHIN_SCHOOL_DAYS:
                late.append(r)
    # Oldest first, and a phone's page long at most: the rest are counted ("and N more").
    waiting.sort(key=lambda r: r["sent_at"])
    late.sort(key=lambda r: r["sent_at"])
    # What this person referred and has not closed: each status, and the reports back to read (closing one says so).
    sent = await Referral.select(
        Referral.id, Referral.to_role, Referral.status, Referral.sent_at, Referral.reported_at,
        Referral.agency.name.as_alias("agency_name"), Referral.to_user.display_name.as_alias("to_name"),
        Referral.care_case.student.first_name.as_alias("first_name"),
        Referral.care_case.student.last_name.as_alias("last_name")).where(
        (Referral.school == viewer.school_id) & (Referral.sent_by == viewer.user_id)
        & (Referral.status != ReferralStatus.closed.value)).order_by(Referral.id, ascending=False)
    return {"sent": sent[:FRONT_LIST_LIMIT], "sent_more": max(0, len(sent) - FRONT_LIST_LIMIT),
            "reported_count": sum(1 for r in sent if r["status"] == ReferralStatus.reported.value),
            "waiting": waiting[:FRONT_LIST_LIMIT], "waiting_count": len(waiting),
            "waiting_more": max(0, len(waiting) - FRONT_LIST_LIMIT), "late": late[:FRONT_LIST_LIMIT],
            "late_more": max(0, len(late) - FRONT_LIST_LIMIT)}
