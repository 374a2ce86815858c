"""The parent network (เครือข่ายผู้ปกครอง): each class's and the school's parent committee for the school year — guardians
of the class's students (of the school's, for the school committee), each in a role, with a contact number only
staff see, history kept when a member changes — its meetings (an invitation to each member through the outbox, as
the parents' classroom meeting sends them; replies; minutes and follow-up actions), a member's own page (fellow
members' names and roles, the meetings and minutes: no number, no child), and which classes have a committee and
when it last met."""

from __future__ import annotations

from datetime import date

from piccolo.query.functions.aggregate import Max, Min

from backend import clock, db
from backend.accounts.access import (Viewer, can_answer_invitation, can_record_committee, can_see_class_network,
                                     can_see_committee, keeps_committee, keeps_school_network,
                                     sees_member_contacts)
from backend.clock import now
from backend.config import Settings
from backend.i18n import N_
from backend.notify import outbox as notify
from backend.notify.queue import JobQueue
from backend.promotion.services import (PromotionError, UpcomingMeeting, _members, _plain, send_invitations,
                                       when_and_where)
from backend.promotion.tables import (NetworkGuest, NetworkMeeting, NetworkMember, NetworkRole, ParentCommittee,
                                      Reply)
from backend.schools.tables import Classroom
from backend.students import enrolment
from backend.students.phones import BadPhone, display_phone, normalise_phone
from backend.students.tables import Guardian, Student, StudentGuardian

SEATS_OF_ONE = frozenset({NetworkRole.chair, NetworkRole.vice_chair, NetworkRole.secretary, NetworkRole.treasurer})
ROLE_ORDER = {role.value: n for n, role in enumerate(NetworkRole)}
NOT_OF_CLASS = N_("Choose a guardian of a student of this class: someone who is not cannot sit on its committee.")
NOT_OF_SCHOOL = N_("Choose a guardian of a student of this school: someone who is not cannot sit on its committee.")


# Which committee --------------------------------------------------------------------------------------------------


async def _room(viewer: Viewer, classroom_id: int) -> dict:
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.school_year, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if room is None or not can_see_class_network(viewer, room):
        raise PromotionError(N_("No such classroom among those you look after."), status=404)
    return {**room, "label": f"{room['grade']}/{room['room']}"}


def _committee_where(school_id: int, year_id: int, classroom_id: int | None):
    where = (ParentCommittee.school == school_id) & (ParentCommittee.school_year == year_id)
    if classroom_id is None:
        return where & ParentCommittee.classroom.is_null()
    return where & (ParentCommittee.classroom == classroom_id)


async def _find_committee(school_id: int, year_id: int, classroom_id: int | None) -> dict | None:
    return await ParentCommittee.select(ParentCommittee.id, ParentCommittee.school, ParentCommittee.classroom).where(
        _committee_where(school_id, year_id, classroom_id)).first()


async def _target(viewer: Viewer, classroom_id: int | None) -> tuple[dict, int, dict | None]:
    """The class (or the school, None) whose committee is asked for: its label, its school year and its committee
    of that year if it has one. Refused to those who may not see it."""
    if classroom_id is None:
        if not keeps_school_network(viewer):
            raise PromotionError(N_("Only the school's admins and executives keep its parent committee."), status=403)
        where = {"id": None, "school": viewer.school_id, "label": ""}
        return where, viewer.school_year_id, await _find_committee(viewer.school_id, viewer.school_year_id, None)
    room = await _room(viewer, classroom_id)
    return room, room["school_year"], await _find_committee(room["school"], room["school_year"], classroom_id)


def _may_record(viewer: Viewer, room: dict) -> bool:
    return can_record_committee(viewer, {"school": room["school"], "classroom": room["id"]})


def _refuse_unless_recorder(viewer: Viewer, room: dict) -> None:
    if not _may_record(viewer, room):
        raise PromotionError(N_("Only this class's homeroom teachers keep its parent committee."), status=403)


# Who may sit on it --------------------------------------------------------------------------------------------------


async def _class_guardians(viewer: Viewer, classroom_id: int) -> dict[int, dict]:
    """The guardians of the class's students today, each with the first names of their children in it."""
    students = await _members(viewer, classroom_id)
    links = await StudentGuardian.select(
        StudentGuardian.guardian, StudentGuardian.student, StudentGuardian.guardian.name.as_alias("name"),
        StudentGuardian.guardian.phone.as_alias("phone")).where(
        StudentGuardian.student.is_in([s["id"] for s in students] or [-1])).order_by(StudentGuardian.position)
    names = {s["id"]: s["first_name"] for s in students}
    found: dict[int, dict] = {}
    for student in students:  # in the class's order
        for link in links:
            if link["student"] == student["id"]:
                found.setdefault(link["guardian"], {"id": link["guardian"], "name": link["name"],
                                                    "phone": link["phone"], "children": []})
                found[link["guardian"]]["children"].append(names[student["id"]])
    return found


async def _school_guardian(viewer: Viewer, form: dict) -> dict | None:
    """The guardian the school committee's form names, by id (one on a class committee) or by phone number, when
    they are a guardian of a student of the school today."""
    text = _plain(form.get("guardian"), 12)
    where = Guardian.school == viewer.school_id
    if text.isdigit():
        where &= Guardian.id == int(text)
    else:
        try:
            where &= Guardian.phone == normalise_phone(_plain(form.get("guardian_phone"), 30) or "x")
        except BadPhone:
            return None
    for guardian in await Guardian.select(Guardian.id, Guardian.name, Guardian.phone).where(where):
        children = await Student.select(Student.id).where(
            Student.id.is_in(StudentGuardian.select(StudentGuardian.student).where(
                StudentGuardian.guardian == guardian["id"])) & enrolment.enrolled_today(viewer.school_id))
        if children:
            return guardian
    return None


# The committee's page (staff) ---------------------------------------------------------------------------------------


async def _committee_rows(committee: dict | None) -> tuple[list[dict], list[dict]]:
    """A committee's members (current ones by seat, then those whose term ended) and its meetings, newest first.
    Asked even before it has any, so that a page costs the same number of queries before and after."""
    committee = committee or {"id": -1}
    members = await NetworkMember.select(
        NetworkMember.id, NetworkMember.guardian, NetworkMember.role, NetworkMember.phone, NetworkMember.started_at,
        NetworkMember.ended_at, NetworkMember.guardian.name.as_alias("name")).where(
        NetworkMember.committee == committee["id"]).order_by(NetworkMember.started_at, ascending=False)
    members.sort(key=lambda m: (m["ended_at"] is not None, ROLE_ORDER.get(m["role"], 9), m["name"]))
    meetings = await NetworkMeeting.select(
        NetworkMeeting.id, NetworkMeeting.held_on, NetworkMeeting.starts_at, NetworkMeeting.place,
        NetworkMeeting.agenda, NetworkMeeting.held_at, NetworkMeeting.minutes, NetworkMeeting.actions).where(
        NetworkMeeting.committee == committee["id"]).order_by(NetworkMeeting.held_on, ascending=False)
    return members, meetings


def _with_phones(viewer: Viewer, members: list[dict]) -> list[dict]:
    shown = sees_member_contacts(viewer)
    return [{**m, "phone": display_phone(m["phone"]) if shown else ""} for m in members]


async def class_page(viewer: Viewer, classroom_id: int) -> dict:
    room, _, committee = await _target(viewer, classroom_id)
    members, meetings = await _committee_rows(committee)
    candidates = list((await _class_guardians(viewer, classroom_id)).values())
    return {"room": room, "committee": committee, "candidates": candidates, "meetings": meetings,
            **_split(_with_phones(viewer, members)), "can_record": _may_record(viewer, room), "today": clock.today()}


def _split(members: list[dict]) -> dict:
    return {"members": [m for m in members if m["ended_at"] is None],
            "history": [m for m in members if m["ended_at"] is not None]}


def _day(value) -> date:
    """An aggregate of a date column: SQLite answers MAX() and MIN() with the text of the date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


async def school_page(viewer: Viewer) -> dict:
    """The school's committee, the guardians on the class committees (offered for it), and each active class of
    this year: how many sit on its committee, whether it has a chair, when it last met and meets next. A constant
    number of queries however many classes."""
    room, year_id, committee = await _target(viewer, None)
    members, meetings = await _committee_rows(committee)
    rooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        (Classroom.school == viewer.school_id) & (Classroom.school_year == year_id)
        & (Classroom.active == True)).order_by(Classroom.grade.level).order_by(Classroom.room)  # noqa: E712
    committees = {row["id"]: row["classroom"] for row in await ParentCommittee.select(
        ParentCommittee.id, ParentCommittee.classroom).where(
        (ParentCommittee.school == viewer.school_id) & (ParentCommittee.school_year == year_id)
        & ParentCommittee.classroom.is_not_null())}
    ids = list(committees) or [-1]
    seated = await NetworkMember.select(
        NetworkMember.committee, NetworkMember.guardian, NetworkMember.role,
        NetworkMember.guardian.name.as_alias("name")).where(
        NetworkMember.committee.is_in(ids) & NetworkMember.ended_at.is_null())
    last = {row["committee"]: _day(row["day"]) for row in await NetworkMeeting.select(
        NetworkMeeting.committee, Max(NetworkMeeting.held_on, alias="day")).where(
        NetworkMeeting.committee.is_in(ids) & NetworkMeeting.held_at.is_not_null()).group_by(NetworkMeeting.committee)}
    upcoming = {row["committee"]: _day(row["day"]) for row in await NetworkMeeting.select(
        NetworkMeeting.committee, Min(NetworkMeeting.held_on, alias="day")).where(
        NetworkMeeting.committee.is_in(ids) & NetworkMeeting.held_at.is_null()
        & (NetworkMeeting.held_on >= clock.today())).group_by(NetworkMeeting.committee)}
    by_room = {classroom: committee_id for committee_id, classroom in committees.items()}
    labels = {r["id"]: f"{r['grade']}/{r['room']}" for r in rooms}
    rows = []
    for r in rooms:
        committee_id = by_room.get(r["id"])
        seats = [s for s in seated if s["committee"] == committee_id]
        rows.append({"id": r["id"], "label": labels[r["id"]], "members": len(seats),
                     "chair": any(s["role"] == NetworkRole.chair.value for s in seats),
                     "last_met": last.get(committee_id), "next": upcoming.get(committee_id)})
    candidates = sorted(({"id": s["guardian"], "name": s["name"], "room": labels.get(committees[s["committee"]], ""),
                          "role": s["role"]} for s in seated), key=lambda c: (c["room"], ROLE_ORDER[c["role"]]))
    return {"room": room, "committee": committee, "meetings": meetings, **_split(_with_phones(viewer, members)),
            "candidates": candidates, "rooms": rows, "with_committee": sum(1 for r in rows if r["members"]),
            "met": sum(1 for r in rows if r["last_met"]), "can_record": True, "today": clock.today()}


# Naming members -----------------------------------------------------------------------------------------------------


async def save_member(viewer: Viewer, classroom_id: int | None, form: dict) -> None:
    """A guardian takes a seat, or a member's seat or number changes. Only a guardian of the class (of the school,
    for the school committee) may sit; a chair, vice-chair, secretary and treasurer are one each. A change of seat
    ends the member's row and starts another (history kept); a new number alone is corrected in place."""
    room, year_id, _ = await _target(viewer, classroom_id)
    _refuse_unless_recorder(viewer, room)
    errors = {}
    if classroom_id is None:
        guardian = await _school_guardian(viewer, form)
        if guardian is None:
            errors["guardian"] = NOT_OF_SCHOOL
    else:
        text = _plain(form.get("guardian"), 12)
        guardian = (await _class_guardians(viewer, classroom_id)).get(int(text)) if text.isdigit() else None
        if guardian is None:
            errors["guardian"] = NOT_OF_CLASS
    role = _plain(form.get("role"), 12)
    if role not in NetworkRole._value2member_map_:
        errors["role"] = N_("Choose a role on the committee.")
    typed_phone = _plain(form.get("phone"), 30)
    phone = ""
    if typed_phone:
        try:
            phone = normalise_phone(typed_phone)
        except BadPhone:
            errors["phone"] = N_("Enter a phone number such as 081-234-5678.")
    if errors:
        raise PromotionError(N_("Some fields need fixing."), errors=errors)
    phone = phone or guardian["phone"] or ""
    async with db.transaction():
        # one committee per class (or school) and year, and one holder of each single seat
        await db.lock("parent_committee", classroom_id or -viewer.school_id)
        committee = await _find_committee(room["school"], year_id, classroom_id)
        if committee is None:
            rows = await ParentCommittee.insert(ParentCommittee(
                school=room["school"], school_year=year_id, classroom=classroom_id, created_at=now())
            ).returning(ParentCommittee.id)
            committee = {"id": rows[0]["id"]}
        current = await NetworkMember.select(
            NetworkMember.id, NetworkMember.guardian, NetworkMember.role, NetworkMember.phone,
            NetworkMember.guardian.name.as_alias("name")).where(
            (NetworkMember.committee == committee["id"]) & NetworkMember.ended_at.is_null())
        holder = next((m for m in current if m["role"] == role and m["guardian"] != guardian["id"]), None)
        if NetworkRole(role) in SEATS_OF_ONE and holder:
            raise PromotionError(N_("Some fields need fixing."), errors={"role": N_(
                "%(name)s holds this seat: end their term first, or choose another role.")}, name=holder["name"])
        mine = next((m for m in current if m["guardian"] == guardian["id"]), None)
        moment = now()
        if mine and mine["role"] == role:
            await NetworkMember.update({NetworkMember.phone: phone}).where(NetworkMember.id == mine["id"])
            return
        if mine:
            await NetworkMember.update({NetworkMember.ended_at: moment}).where(NetworkMember.id == mine["id"])
        await NetworkMember.insert(NetworkMember(
            committee=committee["id"], guardian=guardian["id"], role=role, phone=phone, started_at=moment,
            set_by=viewer.user_id))


async def _member(viewer: Viewer, member_id: int) -> dict:
    member = await NetworkMember.select(
        NetworkMember.id, NetworkMember.ended_at, NetworkMember.committee.school.as_alias("school"),
        NetworkMember.committee.classroom.as_alias("classroom")).where(NetworkMember.id == member_id).first()
    if member is None or not keeps_committee(viewer, member):
        raise PromotionError(N_("No such committee member among the committees you keep."), status=404)
    return member


async def end_term(viewer: Viewer, member_id: int) -> dict:
    """A member leaves the committee: their row ends (kept in the history). Returns where the committee is."""
    member = await _member(viewer, member_id)
    if not can_record_committee(viewer, member):
        raise PromotionError(N_("Only those who keep this committee change its members."), status=403)
    await NetworkMember.update({NetworkMember.ended_at: now()}).where(
        (NetworkMember.id == member_id) & NetworkMember.ended_at.is_null())
    return member


# Meetings -----------------------------------------------------------------------------------------------------------


async def schedule(viewer: Viewer, settings: Settings, queue: JobQueue, classroom_id: int | None,
                   form: dict) -> int:
    """A committee meeting with its agenda, and an invitation to each member written with it."""
    room, year_id, committee = await _target(viewer, classroom_id)
    _refuse_unless_recorder(viewer, room)
    errors = {}
    held_on, starts_at, place = when_and_where(form, errors)
    agenda = _plain(form.get("agenda"), 4000)
    if not agenda:
        errors["agenda"] = N_("Write the agenda: what the committee will talk about.")
    if errors:
        raise PromotionError(N_("Some fields need fixing."), errors=errors)
    if committee is None or not await NetworkMember.exists().where(
            (NetworkMember.committee == committee["id"]) & NetworkMember.ended_at.is_null()):
        raise PromotionError(N_("Name the committee's members first: the meeting is for them."))
    async with db.transaction():
        rows = await NetworkMeeting.insert(NetworkMeeting(
            committee=committee["id"], held_on=held_on, starts_at=starts_at, place=place, agenda=agenda,
            scheduled_by=viewer.user_id, scheduled_at=now())).returning(NetworkMeeting.id)
        meeting_id = rows[0]["id"]
        message_ids = await _invite(settings, room["school"], meeting_id)
    await queue.send(message_ids)
    return meeting_id


async def _invite(settings: Settings, school_id: int, meeting_id: int) -> list[int]:
    """Invites the committee's current members not invited yet (inside the caller's transaction): each is kept as a
    guest, with how they were told or why they could not be, and gets one invitation through the outbox."""
    await db.lock("network_meeting", meeting_id)
    meeting = await NetworkMeeting.select(NetworkMeeting.committee, NetworkMeeting.held_on, NetworkMeeting.starts_at,
                                          NetworkMeeting.place).where(NetworkMeeting.id == meeting_id).first()
    invited = {g["guardian"] for g in await NetworkGuest.select(NetworkGuest.guardian).where(
        NetworkGuest.meeting == meeting_id)}
    members = [m["guardian"] for m in await NetworkMember.select(NetworkMember.guardian).where(
        (NetworkMember.committee == meeting["committee"]) & NetworkMember.ended_at.is_null())]
    new = sorted(set(members) - invited)
    if not new:
        return []
    reaches = await notify.reach_guardians(new)
    await NetworkGuest.insert(*[NetworkGuest(
        meeting=meeting_id, guardian=guardian_id, channel=reaches[guardian_id].channel.value
        if reaches[guardian_id].channel else "", unreachable=reaches[guardian_id].reason or "")
        for guardian_id in new]).on_conflict(action="DO NOTHING")
    return await send_invitations(settings, await notify.school_row(school_id), "network_meeting",
                                  f"network:{meeting_id}", meeting["held_on"], {
                                      "time": meeting["starts_at"], "place": meeting["place"]},
                                  [(None, reaches[guardian_id]) for guardian_id in new])


async def _meeting(viewer: Viewer, meeting_id: int) -> tuple[dict, dict]:
    meeting = await NetworkMeeting.select(
        NetworkMeeting.all_columns(), NetworkMeeting.committee.school.as_alias("school"),
        NetworkMeeting.committee.classroom.as_alias("classroom"),
        NetworkMeeting.committee.classroom.room.as_alias("room"),
        NetworkMeeting.committee.classroom.grade.code.as_alias("grade")).where(NetworkMeeting.id == meeting_id).first()
    if meeting is None or not keeps_committee(viewer, meeting):
        raise PromotionError(N_("No such committee meeting among the committees you keep."), status=404)
    committee = {"school": meeting["school"], "classroom": meeting["classroom"],
                 "label": f"{meeting['grade']}/{meeting['room']}" if meeting["classroom"] else ""}
    return meeting, committee


async def invite_new_members(viewer: Viewer, settings: Settings, queue: JobQueue, meeting_id: int) -> int:
    """Members named since the meeting was called are invited too; those invited already are not told again.
    Returns how many were invited now."""
    meeting, committee = await _meeting(viewer, meeting_id)
    if not can_record_committee(viewer, committee):
        raise PromotionError(N_("Only those who keep this committee invite its members."), status=403)
    if meeting["held_at"] is not None or meeting["held_on"] < clock.today():
        raise PromotionError(N_("This meeting is over."), status=409)
    async with db.transaction():
        before = await NetworkGuest.count().where(NetworkGuest.meeting == meeting_id)
        message_ids = await _invite(settings, committee["school"], meeting_id)
        after = await NetworkGuest.count().where(NetworkGuest.meeting == meeting_id)
    await queue.send(message_ids)
    return after - before


async def meeting_page(viewer: Viewer, meeting_id: int) -> dict:
    """A committee meeting for those who keep or read the committee: who was invited and how, who cannot be reached,
    the replies, members named since who are not invited yet, and the minutes once held."""
    meeting, committee = await _meeting(viewer, meeting_id)
    guests = await NetworkGuest.select(
        NetworkGuest.id, NetworkGuest.guardian, NetworkGuest.channel, NetworkGuest.unreachable, NetworkGuest.reply,
        NetworkGuest.came, NetworkGuest.guardian.name.as_alias("name")).where(
        NetworkGuest.meeting == meeting_id).order_by(NetworkGuest.id)
    invited = {g["guardian"] for g in guests}
    not_yet = [m for m in await NetworkMember.select(
        NetworkMember.guardian, NetworkMember.guardian.name.as_alias("name")).where(
        (NetworkMember.committee == meeting["committee"]) & NetworkMember.ended_at.is_null())
        if m["guardian"] not in invited]
    return {"meeting": meeting, "committee": committee, "guests": guests,
            "unreachable": [g for g in guests if not g["channel"]], "not_yet": not_yet,
            "answered": {answer.value: sum(1 for g in guests if g["reply"] == answer.value) for answer in Reply},
            "can_record": can_record_committee(viewer, committee), "today": clock.today()}


async def record(viewer: Viewer, meeting_id: int, form: dict) -> None:
    """On the day or after: which members came, the minutes and the follow-up actions. Recording again corrects."""
    meeting, committee = await _meeting(viewer, meeting_id)
    if not can_record_committee(viewer, committee):
        raise PromotionError(N_("Only those who keep this committee record its meetings."), status=403)
    if meeting["held_on"] > clock.today():
        raise PromotionError(N_("The meeting has not happened yet: record it on the day."), status=409)
    minutes = _plain(form.get("minutes"), 8000)
    if not minutes:
        raise PromotionError(N_("Some fields need fixing."), errors={"minutes": N_("Write the minutes.")})
    came = {int(name[1:]) for name, value in form.items()
            if name.startswith("g") and name[1:].isdigit() and len(name) < 20 and value}
    async with db.transaction():
        await db.lock("network_meeting", meeting_id)
        await NetworkGuest.update({NetworkGuest.came: False}).where(NetworkGuest.meeting == meeting_id)
        if came:
            await NetworkGuest.update({NetworkGuest.came: True}).where(
                (NetworkGuest.meeting == meeting_id) & NetworkGuest.id.is_in(list(came)))
        await NetworkMeeting.update({
            NetworkMeeting.held_at: meeting["held_at"] or now(), NetworkMeeting.minutes: minutes,
            NetworkMeeting.actions: _plain(form.get("actions"), 4000)}).where(NetworkMeeting.id == meeting_id)


# A member's own page -------------------------------------------------------------------------------------------------


# On every parent's home page: written out, as Piccolo spends milliseconds of CPU building the four chained joins.
SEATS_SQL = (
    "SELECT m.committee, m.role, pc.school, pc.classroom, c.room, g.code AS grade "
    "FROM network_member m JOIN parent_committee pc ON pc.id = m.committee JOIN guardian gu ON gu.id = m.guardian "
    "LEFT JOIN classroom c ON c.id = pc.classroom LEFT JOIN grade g ON g.id = c.grade "
    "WHERE gu.\"user\" = {} AND gu.school = {} AND m.ended_at IS NULL AND pc.school_year = {}"
)


async def _seats(viewer: Viewer) -> list[dict]:
    """The committees of this school year the parent sits on now, with their seat."""
    if not viewer.is_parent:
        return []
    return await db.fetch(SEATS_SQL, viewer.user_id, viewer.school_id, viewer.school_year_id)


async def member_page(viewer: Viewer) -> list[dict]:
    """Each committee the parent sits on: fellow members' names and seats (never a number), the meetings with their
    agenda, minutes and actions, and the parent's own reply. Four queries however many committees."""
    seats = await _seats(viewer)
    committees = {s["committee"]: {**s, "label": f"{s['grade']}/{s['room']}" if s["classroom"] else "",
                                   "members": [], "meetings": []} for s in seats}
    ids = list(committees) or [-1]
    fellows = await NetworkMember.select(
        NetworkMember.committee, NetworkMember.role, NetworkMember.guardian.name.as_alias("name"),
        NetworkMember.guardian.user.as_alias("user")).where(
        NetworkMember.committee.is_in(ids) & NetworkMember.ended_at.is_null())
    for committee_id, committee in list(committees.items()):
        users = {f["user"] for f in fellows if f["committee"] == committee_id and f["user"]}
        if not can_see_committee(viewer, committee, users):
            del committees[committee_id]
    for fellow in sorted(fellows, key=lambda f: (ROLE_ORDER.get(f["role"], 9), f["name"])):
        if fellow["committee"] in committees:
            committees[fellow["committee"]]["members"].append({"name": fellow["name"], "role": fellow["role"]})
    meetings = await NetworkMeeting.select(
        NetworkMeeting.id, NetworkMeeting.committee, NetworkMeeting.held_on, NetworkMeeting.starts_at,
        NetworkMeeting.place, NetworkMeeting.agenda, NetworkMeeting.held_at, NetworkMeeting.minutes,
        NetworkMeeting.actions).where(NetworkMeeting.committee.is_in(list(committees) or [-1])).order_by(
        NetworkMeeting.held_on, ascending=False)
    replies = {g["meeting"]: g["reply"] for g in await NetworkGuest.select(
        NetworkGuest.meeting, NetworkGuest.reply).where(NetworkGuest.meeting.is_in([m["id"] for m in meetings] or [-1])
                                                        & (NetworkGuest.guardian.user == viewer.user_id))}
    today = clock.today()
    for meeting in meetings:
        committees[meeting["committee"]]["meetings"].append({
            **meeting, "invited": meeting["id"] in replies, "reply": replies.get(meeting["id"], ""),
            "open": meeting["held_at"] is None and meeting["held_on"] >= today})
    return list(committees.values())


async def home_card(viewer: Viewer) -> list[dict]:
    """For a parent's home page: the committees they sit on, each with its next meeting (none when it has none)."""
    seats = await _seats(viewer)
    if not seats:
        return []
    upcoming = await NetworkMeeting.select(
        NetworkMeeting.committee, NetworkMeeting.held_on, NetworkMeeting.starts_at, NetworkMeeting.place).where(
        NetworkMeeting.committee.is_in([s["committee"] for s in seats]) & NetworkMeeting.held_at.is_null()
        & (NetworkMeeting.held_on >= clock.today())).order_by(NetworkMeeting.held_on)
    return [{**s, "label": f"{s['grade']}/{s['room']}" if s["classroom"] else "",
             "next": next((m for m in upcoming if m["committee"] == s["committee"]), None)} for s in seats]


async def upcoming_for(school_id: int, guardian_ids: list[int], after: date) -> dict[int, list[UpcomingMeeting]]:
    """A fact for the family summary: the committee meetings each guardian is invited to after this day and not yet
    held, soonest first. Two queries however many guardians (the meetings, then their classes' names)."""
    rows = []
    for chunk in db.chunks(guardian_ids, db.WHOLE_SCHOOL):
        rows += await NetworkGuest.select(
            NetworkGuest.guardian, NetworkGuest.meeting.held_on.as_alias("held_on"),
            NetworkGuest.meeting.starts_at.as_alias("starts_at"), NetworkGuest.meeting.place.as_alias("place"),
            NetworkGuest.meeting.committee.classroom.as_alias("classroom")).where(
            NetworkGuest.guardian.is_in(chunk) & (NetworkGuest.meeting.committee.school == school_id)
            & (NetworkGuest.meeting.held_on > after) & NetworkGuest.meeting.held_at.is_null()).order_by(
            NetworkGuest.meeting.held_on).order_by(NetworkGuest.meeting)
    rooms = {room["id"]: f"{room['grade']}/{room['room']}" for room in await Classroom.select(
        Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        Classroom.id.is_in([row["classroom"] for row in rows if row["classroom"]] or [-1]))} if rows else {}
    found: dict[int, list[UpcomingMeeting]] = {}
    for row in rows:
        found.setdefault(row["guardian"], []).append(UpcomingMeeting(
            "network_meeting", row["held_on"], row["starts_at"], row["place"], rooms.get(row["classroom"], "")))
    return found


async def reply(viewer: Viewer, meeting_id: int, answer: str) -> None:
    """A member says they will come, or cannot, until the meeting."""
    guests = await NetworkGuest.select(
        NetworkGuest.id, NetworkGuest.guardian.school.as_alias("school"), NetworkGuest.guardian.user.as_alias("user"),
        NetworkGuest.meeting.held_on.as_alias("held_on"), NetworkGuest.meeting.held_at.as_alias("held_at")).where(
        (NetworkGuest.meeting == meeting_id) & (NetworkGuest.guardian.user == viewer.user_id))
    if not guests or not all(can_answer_invitation(viewer, guest) for guest in guests):
        raise PromotionError(N_("No such invitation to your committee's meetings."), status=404)
    if answer not in Reply._value2member_map_:
        raise PromotionError(N_("Say whether you will come."))
    if guests[0]["held_at"] is not None or guests[0]["held_on"] < clock.today():
        raise PromotionError(N_("This meeting is over."), status=409)
    await NetworkGuest.update({NetworkGuest.reply: answer, NetworkGuest.replied_at: now()}).where(
        NetworkGuest.id.is_in([guest["id"] for guest in guests]))

