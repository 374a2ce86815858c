"""Messages between guardians and homeroom teachers: a guardian writes about their child and reads the replies; the
homeroom teachers answer from their homerooms' inbox and write to one family or the whole class through the outbox
(push to the app, else SMS without a link; those who cannot be reached are named); an executive reads a thread only
with a reason, audited; the school's hours for replies and when an answer can be expected."""

from __future__ import annotations

import secrets
from datetime import timedelta

from piccolo.query.functions.aggregate import Max

from backend import clock, db
from backend.accounts import reads
from backend.accounts.access import (Viewer, audits_conversations, can_answer_thread, can_audit_thread,
                                     can_message_class, can_write_to_teacher, is_own_thread)
from backend.accounts.tables import HomeroomAssignment, MESSAGES_READ
from backend.clock import now
from backend.config import Settings
from backend.conversations import hours as reply_hours
from backend.conversations.tables import MAX_LENGTH, Broadcast, Post, ReplyHours, Thread, ThreadRead
from backend.i18n import N_, Refusal
from backend.notify import outbox as notify
from backend.notify.queue import JobQueue
from backend.notify.segments import sms_segments
from backend.notify.tables import Channel
from backend.notify.wording import compose, school_templates
from backend.schools import services as schools
from backend.schools.tables import Classroom, School
from backend.students import enrolment
from backend.students.tables import Student, StudentGuardian

# The outbox's kinds (notify.wording.FIELDS): a notice that a message waits in the app (push, or an SMS to a guardian
# with an account), or the message itself by SMS to a guardian without the app.
NOTICE, TEXT = "teacher_note", "teacher_text"
INBOX_LIMIT = 200  # threads on a teacher's inbox: a homeroom has at most about 90 guardians
PAGE_POSTS = 30  # messages on a thread's page; earlier ones a tap away
AUDIT_LIST = 50  # threads listed to an executive, newest first; a search finds older ones
NO_CHILD = N_("No such child among yours.")
NO_THREAD = N_("No such conversation among those you may read.")


class ConversationError(Refusal):
    pass


def _plain(value, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def message_text(form: dict) -> str:
    """The message as written, refused with words when empty or longer than MAX_LENGTH (nothing is cut off)."""
    text = str(form.get("body") or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not text:
        raise ConversationError(N_("Write your message first."), errors={"body": N_("Write your message first.")})
    if len(text) > MAX_LENGTH:
        message = N_("A message can be at most %(limit)s characters; this one has %(length)s. Shorten it, or send "
                     "it in two parts.")
        raise ConversationError(message, errors={"body": message}, limit=f"{MAX_LENGTH:,}", length=f"{len(text):,}")
    return text


def _number(value) -> int | None:
    text = str(value or "")[:12]
    return int(text) if text.isdigit() else None


def _preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 80 else line[:79] + "…"


# School hours for replies ---------------------------------------------------------------------------------------


async def hours_of(school_id: int) -> dict:
    row = await ReplyHours.select(ReplyHours.opens_at, ReplyHours.closes_at).where(
        ReplyHours.school == school_id).first()
    return row or {"opens_at": reply_hours.DEFAULT_OPENS, "closes_at": reply_hours.DEFAULT_CLOSES}


async def availability(school_id: int) -> reply_hours.Availability:
    """Whether the teachers answer now, else the next school day's opening (two queries)."""
    found = await hours_of(school_id)
    today = clock.today()
    calendar = await schools.calendar_between(school_id, today, today + timedelta(days=reply_hours.LOOK_AHEAD_DAYS))
    return reply_hours.availability(now(), calendar, reply_hours.parse_clock(found["opens_at"]),
                                    reply_hours.parse_clock(found["closes_at"]))


async def save_hours(viewer: Viewer, form: dict) -> None:
    """The school's hours for replies (the admin's setting); the days are the school calendar's school days."""
    opens, closes = reply_hours.parse_clock(_plain(form.get("opens_at"), 5)), reply_hours.parse_clock(
        _plain(form.get("closes_at"), 5))
    errors = {}
    if opens is None:
        errors["opens_at"] = N_("Enter the time, such as 07:30.")
    if closes is None:
        errors["closes_at"] = N_("Enter the time, such as 16:30.")
    if not errors and closes <= opens:
        errors["closes_at"] = N_("The end comes after the start.")
    if errors:
        raise ConversationError(N_("Some fields need fixing."), errors=errors)
    values = {ReplyHours.opens_at: f"{opens:%H:%M}", ReplyHours.closes_at: f"{closes:%H:%M}",
              ReplyHours.updated_by: viewer.user_id, ReplyHours.updated_at: now()}
    async with db.transaction():
        if await ReplyHours.exists().where(ReplyHours.school == viewer.school_id):
            await ReplyHours.update(values).where(ReplyHours.school == viewer.school_id)
        else:
            await ReplyHours.insert(ReplyHours(school=viewer.school_id, **{c._meta.name: v for c, v in values.items()}))


# Threads -----------------------------------------------------------------------------------------------------------

THREAD_COLUMNS = (
    Thread.id, Thread.school, Thread.student, Thread.guardian, Thread.school_unread, Thread.parent_unread,
    Thread.school_read_at, Thread.parent_read_at, Thread.last_at,
    Thread.guardian.user.as_alias("guardian_user"), Thread.guardian.name.as_alias("guardian_name"),
    Thread.student.classroom.as_alias("classroom"), Thread.student.first_name.as_alias("first_name"),
    Thread.student.last_name.as_alias("last_name"), Thread.student.title.as_alias("title"),
)


async def _ensure_threads(school_id: int, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The thread of each (student, guardian), made where missing (inside the caller's transaction): two queries."""
    if not pairs:
        return {}
    moment = now()
    await Thread.insert(*[Thread(school=school_id, student=student, guardian=guardian, started_at=moment,
                                 last_at=moment) for student, guardian in pairs]).on_conflict(action="DO NOTHING")
    students = sorted({student for student, _ in pairs})
    rows = await Thread.select(Thread.id, Thread.student, Thread.guardian).where(Thread.student.is_in(students))
    wanted = set(pairs)
    return {(r["student"], r["guardian"]): r["id"] for r in rows if (r["student"], r["guardian"]) in wanted}


def sms_waits_until(settings: Settings, written_at, timezone: str):
    """When an SMS about a school message written then leaves, if it waits (quiet hours: the outbox's own rule);
    None when it goes at once or has gone."""
    leaves = notify.sendable_from(settings, written_at, timezone, False)
    return leaves if leaves > now() else None


async def _posts(thread_id: int, before: int | None = None, settings: Settings | None = None) -> dict:
    """A thread's newest messages (or those before one), oldest first, and whether there are earlier ones: a year
    of messages stays a light page. With the settings, a school message's SMS still held by quiet hours says when
    it will go (sms_at)."""
    where = Post.thread == thread_id
    if before:
        where &= Post.id < before
    rows = await Post.select(Post.id, Post.from_school, Post.author_name, Post.body, Post.written_at, Post.channel,
                             Post.unreachable, Post.broadcast).where(where).order_by(
        Post.id, ascending=False).limit(PAGE_POSTS + 1)
    if settings is not None and any(row["channel"] == Channel.sms.value for row in rows):
        school = await Thread.select(Thread.school.timezone.as_alias("timezone")).where(Thread.id == thread_id).first()
        for row in rows:
            if row["from_school"] and row["channel"] == Channel.sms.value:
                row["sms_at"] = sms_waits_until(settings, row["written_at"], school["timezone"])
    return {"posts": rows[:PAGE_POSTS][::-1], "earlier": rows[PAGE_POSTS - 1]["id"] if len(rows) > PAGE_POSTS
            else None}


async def _child(viewer: Viewer, student_id: int) -> dict:
    child = await Student.select(Student.id, Student.school, Student.title, Student.first_name, Student.last_name,
                                 Student.classroom).where(Student.id == student_id).first()
    if child is None or not can_write_to_teacher(viewer, child):
        raise ConversationError(NO_CHILD, status=404)
    return child


async def _own_guardian(viewer: Viewer, student_id: int) -> int:
    """The viewer's own guardian record for this child (a child who is not theirs does not exist)."""
    link = await StudentGuardian.select(StudentGuardian.guardian).where(
        (StudentGuardian.student == student_id) & (StudentGuardian.guardian.user == viewer.user_id)
        & (StudentGuardian.school == viewer.school_id)).order_by(StudentGuardian.position).first()
    if link is None:
        raise ConversationError(NO_CHILD, status=404)
    return link["guardian"]


async def _teachers(classroom_id: int | None) -> list[str]:
    if classroom_id is None:
        return []
    rows = await HomeroomAssignment.select(HomeroomAssignment.teacher.display_name.as_alias("name")).where(
        (HomeroomAssignment.classroom == classroom_id) & (HomeroomAssignment.teacher.active == True)  # noqa: E712
    ).order_by(HomeroomAssignment.id)
    return [r["name"] for r in rows]


# A guardian's side ---------------------------------------------------------------------------------------------


async def children_threads(viewer: Viewer) -> list[dict]:
    """A parent's children, each with their homeroom teachers and the parent's own thread about them, if any."""
    from backend.students import services as students

    children = await students.list_children(viewer)
    threads = {r["student"]: r for r in await Thread.select(
        Thread.student, Thread.parent_unread, Thread.last_at, Thread.last_preview, Thread.last_from_school).where(
        (Thread.guardian.user == viewer.user_id) & (Thread.school == viewer.school_id))}
    return [{**child, "thread": threads.get(child["id"])} for child in children]


async def parent_thread(viewer: Viewer, student_id: int, before: int | None = None) -> dict:
    """The guardian's thread about their child with its messages (opening it marks the teachers' replies read), the
    child's homeroom teachers, and the hours for replies."""
    child = await _child(viewer, student_id)
    guardian = await _own_guardian(viewer, student_id)
    thread = await Thread.select(*THREAD_COLUMNS).where(
        (Thread.student == student_id) & (Thread.guardian == guardian)).first()
    posts = await _posts(thread["id"], before) if thread else {"posts": [], "earlier": None}
    if thread and thread["parent_unread"]:
        await Thread.update({Thread.parent_unread: 0, Thread.parent_read_at: now()}).where(Thread.id == thread["id"])
    return {"child": child, "thread": thread, **posts, "teachers": await _teachers(child["classroom"]),
            "hours": await availability(viewer.school_id), "side": "parent", "audits": []}


async def write_to_teacher(viewer: Viewer, student_id: int, form: dict) -> reply_hours.Availability:
    """The guardian's message, in their thread about the child (made on the first message). The teachers see it in
    the app (their inbox and home page): no SMS to teachers. Returns when an answer can be expected."""
    await _child(viewer, student_id)
    text = message_text(form)
    guardian = await _own_guardian(viewer, student_id)
    moment = now()
    async with db.transaction():
        thread_id = (await _ensure_threads(viewer.school_id, [(student_id, guardian)]))[(student_id, guardian)]
        await Post.insert(Post(school=viewer.school_id, thread=thread_id, from_school=False, author=viewer.user_id,
                               author_name=viewer.name, body=text, written_at=moment))
        await Thread.update({Thread.school_unread: Thread.school_unread + 1, Thread.last_at: moment,
                             Thread.last_preview: _preview(text), Thread.last_from_school: False}).where(
            Thread.id == thread_id)
    return await availability(viewer.school_id)


# The homeroom teachers' side -----------------------------------------------------------------------------------


async def inbox(viewer: Viewer, search: str = "") -> dict:
    """A homeroom teacher's threads, their homerooms' only, unread first then newest; an executive's, the school's
    newest (a search by the child's name or code finds older ones), opened with a reason."""
    rooms = []
    where = None
    if viewer.classroom_ids:
        rooms = [{**r, "label": f"{r['grade']}/{r['room']}"} for r in await Classroom.select(
            Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
            Classroom.id.is_in(list(viewer.classroom_ids))).order_by(Classroom.grade.level).order_by(Classroom.room)]
        where = Thread.student.classroom.is_in(list(viewer.classroom_ids))
    auditing = audits_conversations(viewer)
    if auditing:
        where = Thread.school == viewer.school_id
        term = _plain(search, 60)
        if term:
            where &= db.contains(Thread.student.first_name, term) | db.contains(Thread.student.last_name, term) | (
                Thread.student.code == term)
    threads = []
    if where is not None:
        threads = await Thread.select(
            Thread.id, Thread.school_unread, Thread.last_at, Thread.last_preview, Thread.last_from_school,
            Thread.student.first_name.as_alias("first_name"), Thread.student.last_name.as_alias("last_name"),
            Thread.student.classroom.as_alias("classroom"), Thread.guardian.name.as_alias("guardian_name"),
            Thread.student.classroom.room.as_alias("room"), Thread.student.classroom.grade.code.as_alias("grade"),
        ).where(where & (Thread.school == viewer.school_id)).order_by(
            Thread.last_at, ascending=False).limit(AUDIT_LIST if auditing and not viewer.classroom_ids else INBOX_LIMIT)
        threads.sort(key=lambda t: not (t["school_unread"] and viewer.keeps_homeroom(t["classroom"])))
    return {"rooms": rooms, "threads": await _class_messages_once(threads), "auditing": auditing,
            "search": _plain(search, 60),
            "unread": sum(t["school_unread"] for t in threads if viewer.keeps_homeroom(t["classroom"]))}


async def _class_messages_once(threads: list[dict]) -> list[dict]:
    """The inbox's threads, where those whose last word is a message to the whole class (and nothing unread) are
    that message once, in the place of its newest copy, with how many guardians it reached and how many read it.
    Four queries whatever the number of threads."""
    ids = [t["id"] for t in threads if not t["school_unread"]]
    if not ids:
        return threads
    newest = [r["newest"] for r in await Post.select(Max(Post.id, alias="newest")).where(
        Post.thread.is_in(ids)).group_by(Post.thread)]
    last_of = {r["thread"]: r["broadcast"] for r in await Post.select(Post.thread, Post.broadcast).where(
        Post.id.is_in(newest) & Post.broadcast.is_not_null())}
    broadcasts = {b["id"]: b for b in await Broadcast.select(
        Broadcast.id, Broadcast.body, Broadcast.pushed, Broadcast.texted, Broadcast.sent_at,
        Broadcast.classroom.room.as_alias("room"), Broadcast.classroom.grade.code.as_alias("grade")).where(
        Broadcast.id.is_in(sorted(set(last_of.values())) or [-1]) & Broadcast.student.is_null())}
    if not broadcasts:
        return threads
    read: dict[int, int] = {}
    copies = await Post.select(Post.broadcast, Post.written_at, Post.thread.parent_read_at.as_alias("read_at")).where(
        Post.broadcast.is_in(list(broadcasts)))
    for copy in copies:
        read[copy["broadcast"]] = read.get(copy["broadcast"], 0) + bool(
            copy["read_at"] and copy["read_at"] >= copy["written_at"])
    shown, seen = [], set()
    for thread in threads:
        broadcast = broadcasts.get(last_of.get(thread["id"])) if not thread["school_unread"] else None
        if broadcast is None:
            shown.append(thread)
        elif broadcast["id"] not in seen:
            seen.add(broadcast["id"])
            shown.append({"broadcast": broadcast, "label": f"{broadcast['grade']}/{broadcast['room']}",
                          "reached": broadcast["pushed"] + broadcast["texted"], "read": read.get(broadcast["id"], 0)})
    return shown


async def _thread(viewer: Viewer, thread_id: int) -> tuple[dict, str]:
    """The thread and how this viewer reads it: "parent" (their own), "teacher" (a homeroom of theirs) or "audit"
    (an executive, with a reason). Anyone else: it does not exist."""
    thread = await Thread.select(*THREAD_COLUMNS).where(Thread.id == thread_id).first()
    if thread is not None:
        if is_own_thread(viewer, thread):
            return thread, "parent"
        if can_answer_thread(viewer, thread):
            return thread, "teacher"
        if can_audit_thread(viewer, thread):
            return thread, "audit"
    raise ConversationError(NO_THREAD, status=404)


async def _audits(thread_id: int) -> list[dict]:
    return await ThreadRead.select(ThreadRead.reason, ThreadRead.read_at,
                                   ThreadRead.reader.display_name.as_alias("reader")).where(
        ThreadRead.thread == thread_id).order_by(ThreadRead.id, ascending=False)


async def open_thread(viewer: Viewer, settings: Settings, thread_id: int, before: int | None = None) -> dict:
    """A thread as its reader sees it. A homeroom teacher opening it marks the guardian's messages read (for the
    room's other homeroom teacher too: the class answers as one). An executive is asked why before anything shows."""
    thread, side = await _thread(viewer, thread_id)
    if side == "parent":
        return {"redirect": f"/conversations/children/{thread['student']}"}
    if side == "audit":
        return {"thread": thread, "side": side, "posts": [], "earlier": None, "audits": []}
    posts = await _posts(thread_id, before, settings)
    if thread["school_unread"]:
        await Thread.update({Thread.school_unread: 0, Thread.school_read_at: now()}).where(Thread.id == thread_id)
    return {"thread": thread, "side": side, **posts, "audits": await _audits(thread_id)}


async def audit_thread(viewer: Viewer, thread_id: int, form: dict) -> dict:
    """An executive reads a thread (a complaint): the reason is required and kept with the read, which also goes to
    the record's audit of sensitive reads. Reading marks nothing read for the teachers or the guardian."""
    thread, side = await _thread(viewer, thread_id)
    if side != "audit":
        raise ConversationError(NO_THREAD, status=404)
    reason = _plain(form.get("reason"), 300)
    if len(reason) < 5:
        raise ConversationError(N_("Say why you read this conversation (a complaint, say): it is recorded."),
                                errors={"reason": N_("Say why you read this conversation.")})
    async with db.transaction():
        await ThreadRead.insert(ThreadRead(school=viewer.school_id, thread=thread_id, reader=viewer.user_id,
                                           reason=reason, read_at=now()))
        await reads.record_reads(viewer, [thread["student"]], [MESSAGES_READ])
    return {"thread": thread, "side": "audited", **await _posts(thread_id, _number(form.get("before"))),
            "audits": await _audits(thread_id)}


# Messages from the school, through the outbox --------------------------------------------------------------------


def _how(reach: notify.Reach | None) -> tuple[str | None, str]:
    """The outbox kind that tells this guardian of a school message (None: they cannot be told), and why not."""
    if reach is None:
        return None, "none"
    if reach.channel is Channel.push or (reach.channel is Channel.sms and reach.user_id):
        return NOTICE, ""  # the message is in the app: a push, or a short SMS saying so
    if reach.channel is Channel.sms:
        return TEXT, ""  # no app: the message itself, by SMS
    return None, reach.reason or "none"


async def _recipients(school_id: int, students: list[dict]) -> list[dict]:
    """Each guardian of these students once (with their first child of the list) and how they are told."""
    reaches = await notify.guardians_of([s["id"] for s in students])
    seen: dict[int, dict] = {}
    for student in students:
        for reach in reaches.get(student["id"], []):
            if reach.guardian_id not in seen:
                kind, why = _how(reach)
                seen[reach.guardian_id] = {"student": student, "reach": reach, "kind": kind, "why": why}
    return list(seen.values())


async def _bodies(viewer: Viewer, text: str, recipients: list[dict]) -> dict:
    """Each guardian's outbox text and the SMS cost, refusing what an SMS cannot carry (a link, more than three
    parts) before anything is written."""
    school = await notify.school_row(viewer.school_id)
    link_domain = (await School.select(School.sms_link_domain).where(School.id == viewer.school_id).first()
                   )["sms_link_domain"]
    templates = await school_templates(viewer.school_id)
    sms, parts, longest = 0, 0, 0
    for r in recipients:
        if r["kind"] is None:
            continue
        values = {"school": school["short_name"], "name": r["student"]["first_name"], "text": text}
        r["body"] = compose(templates, r["kind"], r["reach"].locale, values)
        if r["reach"].channel is Channel.sms:
            segments = sms_segments(r["body"])
            sms, parts, longest = sms + 1, parts + segments.count, max(longest, segments.count)
    if any(r["kind"] == TEXT for r in recipients):
        if ("http" in text or "www." in text) and not (link_domain and link_domain in text):
            message = N_("Families without the app get this message by SMS, which may not carry a link (NBTC "
                         "rules): remove the link.")
            raise ConversationError(message, errors={"body": message})
        if longest > 3:
            message = N_("Families without the app get this message by SMS, and it is too long for one: Thai "
                         "carriers join at most 3 SMS (about 190 Thai characters). Shorten it.")
            raise ConversationError(message, errors={"body": message})
    return {"school": school, "sms": sms, "segments": parts, "longest": longest,
            "push": sum(1 for r in recipients if r["kind"] and r["reach"].channel is Channel.push),
            "unreachable": [r for r in recipients if r["kind"] is None]}


async def _send(viewer: Viewer, settings: Settings, school: dict, text: str, recipients: list[dict],
                event: str, broadcast_id: int | None = None, thread_ids: dict | None = None) -> list[int]:
    """Inside the caller's transaction: each guardian's copy in their thread (once, whatever retries), the threads'
    counters, and the outbox's alert and message for each who can be told. Returns the messages to send."""
    moment = now()
    pairs = [(r["student"]["id"], r["reach"].guardian_id) for r in recipients if r["reach"].guardian_id]
    threads = thread_ids or await _ensure_threads(viewer.school_id, pairs)
    written = await Post.insert(*[Post(
        school=viewer.school_id, thread=threads[(r["student"]["id"], r["reach"].guardian_id)], from_school=True,
        author=viewer.user_id, author_name=viewer.name, body=text, written_at=moment, broadcast=broadcast_id,
        copy_key=f"{event}:{r['reach'].guardian_id}",
        channel=r["reach"].channel.value if r["kind"] else "", unreachable="" if r["kind"] else r["why"][:12])
        for r in recipients if r["reach"].guardian_id]).on_conflict(action="DO NOTHING").returning(
        Post.thread, Post.copy_key)
    if not written:
        return []
    await Thread.update({Thread.parent_unread: Thread.parent_unread + 1, Thread.last_at: moment,
                         Thread.last_preview: _preview(text), Thread.last_from_school: True}).where(
        Thread.id.is_in([w["thread"] for w in written]))
    copies = {w["copy_key"] for w in written}
    specs = [notify.AlertSpec(r["student"]["id"], f"{event}:{r['reach'].guardian_id}", r["kind"], None,
                              {"name": r["student"]["first_name"], "text": text}, [r["reach"]])
             for r in recipients if r["kind"] and f"{event}:{r['reach'].guardian_id}" in copies]
    return await notify.create_alerts(settings, school, specs)


async def reply(viewer: Viewer, settings: Settings, queue: JobQueue, thread_id: int, form: dict):
    """A homeroom teacher answers in a thread: the guardian is told in the app (push) or by SMS, as they can be.
    Returns when the SMS will go if quiet hours hold it, else None."""
    thread, side = await _thread(viewer, thread_id)
    if side != "teacher":
        raise ConversationError(NO_THREAD, status=404)
    text = message_text(form)
    student = {"id": thread["student"], "first_name": thread["first_name"]}
    recipients = [r for r in await _recipients(viewer.school_id, [student])
                  if r["reach"].guardian_id == thread["guardian"]]
    if not recipients:  # no longer linked to the child: kept in the thread, told no one
        recipients = [{"student": student, "reach": notify.Reach(thread["guardian"], None, "th", None, None, "none"),
                       "kind": None, "why": "none"}]
    cost = await _bodies(viewer, text, recipients)
    async with db.transaction():
        await Thread.update({Thread.school_unread: 0, Thread.school_read_at: now()}).where(Thread.id == thread_id)
        event = f"conversation:{thread_id}:{secrets.token_hex(6)}"
        message_ids = await _send(viewer, settings, cost["school"], text, recipients, event,
                                  thread_ids={(thread["student"], thread["guardian"]): thread_id})
    await queue.send(message_ids)
    texted = any(r["kind"] and r["reach"].channel is Channel.sms for r in recipients)
    return sms_waits_until(settings, now(), cost["school"]["timezone"]) if texted else None


async def _room(viewer: Viewer, classroom_id: int) -> dict:
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if room is None or not can_message_class(viewer, room):
        raise ConversationError(N_("No such classroom among your homerooms."), status=404)
    return {**room, "label": f"{room['grade']}/{room['room']}"}


async def _members(viewer: Viewer, classroom_id: int) -> list[dict]:
    return await Student.select(Student.id, Student.first_name, Student.last_name, Student.number_in_class).where(
        (Student.school == viewer.school_id) & enrolment.enrolled_today(viewer.school_id, [classroom_id])
    ).order_by(Student.number_in_class).order_by(Student.id)


async def compose_page(viewer: Viewer, classroom_id: int) -> dict:
    room = await _room(viewer, classroom_id)
    return {"room": room, "members": await _members(viewer, classroom_id), "token": secrets.token_hex(16),
            "preview": None}


async def message_class(viewer: Viewer, settings: Settings, queue: JobQueue, classroom_id: int,
                        form: dict) -> dict:
    """A message to one family of the class (form "student") or the whole class. Without "confirm", nothing is
    written: the page shows who gets it how, what the SMS cost (parts × guardians), and who cannot be reached. With
    it, each guardian's copy goes to their thread and the outbox, once for the form's token however often it is
    sent."""
    room = await _room(viewer, classroom_id)
    members = await _members(viewer, classroom_id)
    text = message_text(form)
    chosen = _plain(form.get("student"), 12)
    if chosen:
        members = [m for m in members if str(m["id"]) == chosen]
        if not members:
            raise ConversationError(N_("That student is not in this classroom. Reload the page and try again."))
    token = _plain(form.get("token"), 40) or secrets.token_hex(16)
    recipients = await _recipients(viewer.school_id, members)
    cost = await _bodies(viewer, text, recipients)
    quiet_until = notify.sendable_from(settings, now(), cost["school"]["timezone"], False)
    preview = {**cost, "guardians": len(recipients), "student": members[0] if chosen else None,
               "quiet_until": quiet_until if quiet_until > now() else None,
               "no_guardian": [m for m in members if m["id"] not in {r["student"]["id"] for r in recipients}]}
    if not form.get("confirm"):
        return {"room": room, "members": await _members(viewer, classroom_id), "token": token, "preview": preview,
                "sent": None}
    async with db.transaction():
        made = await Broadcast.insert(Broadcast(
            school=viewer.school_id, classroom=classroom_id, student=members[0]["id"] if chosen else None,
            token=token, body=text, sent_by=viewer.user_id, sent_at=now(), pushed=cost["push"], texted=cost["sms"],
            segments=cost["segments"], unreachable=len(cost["unreachable"]))).on_conflict(
            action="DO NOTHING").returning(Broadcast.id)
        message_ids = []
        if made:  # the same form sent again (a double tap, a retry on a bad network) sends nothing more
            message_ids = await _send(viewer, settings, cost["school"], text, recipients,
                                      f"broadcast:{made[0]['id']}", broadcast_id=made[0]["id"])
    await queue.send(message_ids)
    return {"room": room, "sent": preview}


# Home pages ------------------------------------------------------------------------------------------------------


# On every parent's home page: written out, as Piccolo spends about a millisecond of CPU building the join.
PARENT_UNREAD_SQL = (
    "SELECT t.student, t.parent_unread FROM thread t JOIN guardian gu ON gu.id = t.guardian "
    "WHERE gu.\"user\" = {} AND t.school = {} AND t.parent_unread > 0"
)


async def unread_for_home(viewer: Viewer) -> dict:
    """For the home page: a parent's unread replies per child; a homeroom teacher's unread messages from guardians
    (one query either way)."""
    if viewer.is_parent:
        rows = await db.fetch(PARENT_UNREAD_SQL, viewer.user_id, viewer.school_id)
        found: dict[int, int] = {}
        for row in rows:
            found[row["student"]] = found.get(row["student"], 0) + row["parent_unread"]
        return {"children": found, "teacher": 0}
    if viewer.is_staff and viewer.classroom_ids:
        rows = await Thread.select(Thread.school_unread).where(
            Thread.student.classroom.is_in(list(viewer.classroom_ids)) & (Thread.school == viewer.school_id)
            & (Thread.school_unread > 0))
        return {"children": {}, "teacher": sum(r["school_unread"] for r in rows)}
    return {"children": {}, "teacher": 0}

