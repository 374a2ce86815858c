"""Who sits in which classroom on which day, and every change of it: the one way every area asks for "the students of
this classroom on this day" (enrolled), and the admin's one-at-a-time changes (edit, move, arrival, leaving,
re-admission), each kept in StudentEnrolment per school year so that last year's classroom stays known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from piccolo.query.functions.aggregate import Count

from backend import clock, db, schoolyear
from backend.accounts.access import Viewer, visible_students
from backend.i18n import N_, Refusal, format_date
from backend.schools.tables import Classroom, SchoolYear
from backend.students.roster import CODE_PATTERN, LONGEST
from backend.request_input import plain_text
from backend.students.tables import LeaveReason, Student, StudentEnrolment

MAX_NOTE = Student.leave_note.length


class EnrolmentError(Refusal):
    pass


# Asking: the one way -------------------------------------------------------------------------------------------


def _spans(school_id: int, day: date):
    return ((StudentEnrolment.school == school_id) & (StudentEnrolment.starts_on <= day)
            & (StudentEnrolment.ends_on.is_null() | (StudentEnrolment.ends_on > day)))


def enrolled(school_id: int, day: date, classroom_ids: Iterable[int] | None = None):
    """A where-clause on Student: the students of these classrooms (or of the whole school) on this day. Leavers
    from their leaving day, arrivals before their first day, and those moved out are not among them; every list,
    register and count of current students asks this, never Student.active or Student.classroom."""
    spans = _spans(school_id, day)
    if classroom_ids is not None:
        spans &= StudentEnrolment.classroom.is_in(list(classroom_ids) or [-1])
    return Student.id.is_in(StudentEnrolment.select(StudentEnrolment.student).where(spans))


def enrolled_today(school_id: int, classroom_ids: Iterable[int] | None = None):
    """enrolled() on the school's today."""
    return enrolled(school_id, clock.today(), classroom_ids)


async def class_sizes(school_id: int, day: date) -> dict[int, int]:
    """How many students each classroom has on this day (one query for the whole school)."""
    return await class_sizes_of({school_id: day})


async def class_sizes_of(days: dict[int, date]) -> dict[int, int]:
    """How many students each classroom of these schools has, each school on its day: one query however many."""
    rows = await StudentEnrolment.select(StudentEnrolment.classroom, Count(StudentEnrolment.id, alias="n")).where(
        db.either(_spans(school_id, day) for school_id, day in days.items())).group_by(StudentEnrolment.classroom)
    return {row["classroom"]: row["n"] for row in rows}


async def numbers_on(school_id: int, day: date, classroom_id: int) -> dict[int, int | None]:
    """Each student's number in this classroom on this day: last year's register shows last year's numbers."""
    rows = await StudentEnrolment.select(StudentEnrolment.student, StudentEnrolment.number_in_class).where(
        _spans(school_id, day) & (StudentEnrolment.classroom == classroom_id))
    return {row["student"]: row["number_in_class"] for row in rows}


@dataclass(frozen=True)
class RosterEntry:
    """A student of a classroom on a day, as another area lists them (the weekly digest's sections)."""

    student_id: int
    classroom_id: int
    number: int | None
    name: str  # first and last name, as the teacher reads them


async def rosters(school_id: int, day: date, classroom_ids: Iterable[int]) -> dict[int, list[RosterEntry]]:
    """The students of these classrooms on this day, in class-number order: one query for the whole school."""
    wanted = sorted(set(classroom_ids))
    found: dict[int, list[RosterEntry]] = {classroom_id: [] for classroom_id in wanted}
    for chunk in db.chunks(wanted, db.WHOLE_SCHOOL):
        rows = await StudentEnrolment.select(
            StudentEnrolment.student, StudentEnrolment.classroom, StudentEnrolment.number_in_class,
            StudentEnrolment.student.first_name.as_alias("first_name"),
            StudentEnrolment.student.last_name.as_alias("last_name"),
        ).where(_spans(school_id, day) & StudentEnrolment.classroom.is_in(chunk))
        for row in rows:
            found[row["classroom"]].append(RosterEntry(row["student"], row["classroom"], row["number_in_class"],
                                                       f"{row['first_name']} {row['last_name']}"))
    for entries in found.values():
        entries.sort(key=lambda entry: (entry.number is None, entry.number or 0, entry.name))
    return found


@dataclass(frozen=True)
class Seat:
    """Where a student sits on a day: their classroom and number in it."""

    classroom_id: int
    number: int | None


async def seats(school_id: int, day: date, classroom_ids: Iterable[int]) -> dict[int, Seat]:
    """Each student of these classrooms on this day, with their seat (no names: what counting needs): one query for
    a whole school."""
    return await seats_of([(school_id, day, classroom_ids)])


async def seats_of(wanted: list[tuple[int, date, Iterable[int]]]) -> dict[int, Seat]:
    """seats() of several schools (school, day, classrooms) in one query."""
    rows = await StudentEnrolment.select(StudentEnrolment.student, StudentEnrolment.classroom,
                                         StudentEnrolment.number_in_class).where(db.either(
        _spans(school_id, day) & db.among(StudentEnrolment.classroom, sorted(set(classroom_ids)))
        for school_id, day, classroom_ids in wanted))
    return {row["student"]: Seat(row["classroom"], row["number_in_class"]) for row in rows}


# Writing: every change goes through _place or _end --------------------------------------------------------------


async def _end(student_id: int, day: date) -> None:
    """Inside the caller's transaction: the student is in no classroom from this day on. Enrolments reaching past
    that day end on it; any that would only have started on or after it are replaced."""
    later = await StudentEnrolment.select(StudentEnrolment.id, StudentEnrolment.starts_on).where(
        (StudentEnrolment.student == student_id)
        & (StudentEnrolment.ends_on.is_null() | (StudentEnrolment.ends_on > day)))
    replaced = [row["id"] for row in later if row["starts_on"] >= day]
    if replaced:
        await StudentEnrolment.delete().where(StudentEnrolment.id.is_in(replaced))
    ending = [row["id"] for row in later if row["id"] not in replaced]
    if ending:
        await StudentEnrolment.update({StudentEnrolment.ends_on: day}).where(StudentEnrolment.id.is_in(ending))


async def _place(school_id: int, student_id: int, classroom: dict, number: int | None, from_day: date,
                 by: int | None) -> None:
    """Inside the caller's transaction: the student is in this classroom (id, school_year) from this day on."""
    await _end(student_id, from_day)
    await StudentEnrolment.insert(StudentEnrolment(
        school=school_id, student=student_id, school_year=classroom["school_year"], classroom=classroom["id"],
        number_in_class=number, starts_on=from_day, changed_by=by, changed_at=clock.now()))
    await Student.update({Student.classroom: classroom["id"], Student.number_in_class: number,
                          Student.updated_at: clock.now()}).where(Student.id == student_id)


async def follow_roster(school_id: int, school_year_id: int, placed: list[tuple[int, int, int | None]],
                        by: int | None) -> None:
    """Inside the roster import's transaction: (student, classroom, number) as the file says. A student new to the
    school is enrolled from the first day of the year (the school starts keeping its roll here); one moved by the
    file from today; a leaver listed again is re-admitted from today; a new number is written on the open
    enrolment. Students already where the file says are left alone."""
    if not placed:
        return
    year = await SchoolYear.select(SchoolYear.starts_on).where(SchoolYear.id == school_year_id).first()
    today = max(clock.today(), year["starts_on"])
    ids = [student_id for student_id, _, _ in placed]
    open_rows: dict[int, dict] = {}
    known: set[int] = set()
    for chunk in db.chunks(ids):
        for row in await StudentEnrolment.select(StudentEnrolment.id, StudentEnrolment.student,
                                                 StudentEnrolment.classroom, StudentEnrolment.number_in_class,
                                                 StudentEnrolment.ends_on).where(
                StudentEnrolment.student.is_in(chunk)):
            known.add(row["student"])
            if row["ends_on"] is None:
                open_rows[row["student"]] = row
    new = [(s, c, n) for s, c, n in placed if s not in known]
    for chunk in db.chunks(new):  # a big school's roster passes PostgreSQL's 32,767 parameters in one insert
        await StudentEnrolment.insert(*[StudentEnrolment(
            school=school_id, student=s, school_year=school_year_id, classroom=c, number_in_class=n,
            starts_on=year["starts_on"], changed_by=by, changed_at=clock.now()) for s, c, n in chunk])
    for student_id, classroom_id, number in placed:
        if student_id not in known:
            continue
        current = open_rows.get(student_id)
        if current is not None and current["classroom"] == classroom_id:
            if current["number_in_class"] != number:
                await StudentEnrolment.update({StudentEnrolment.number_in_class: number}).where(
                    StudentEnrolment.id == current["id"])
            continue
        await _place(school_id, student_id, {"id": classroom_id, "school_year": school_year_id}, number, today, by)
        await Student.update({Student.active: True, Student.left_on: None, Student.leave_reason: None,
                              Student.leave_note: ""}).where(Student.id == student_id)


# The admin's changes, one student at a time --------------------------------------------------------------------


@dataclass(frozen=True)
class StudentChange:
    """The admin's edit of one student: their name, number and classroom (a move from `from_day`)."""

    title: str = ""
    first_name: str = ""
    last_name: str = ""
    classroom: int = 0
    number: str = ""  # as typed; "" for none
    from_day: str = ""  # ISO date as typed; "" for today


def _check_name(change: StudentChange, errors: dict) -> None:
    for name in ("title", "first_name", "last_name"):
        value = getattr(change, name)
        if len(value) > LONGEST[name] or not plain_text(value):
            errors[name] = N_("Too long, or characters that cannot be kept.")
    for name in ("first_name", "last_name"):
        if not getattr(change, name).strip():
            errors[name] = N_("Fill this in.")


def _number(text: str, errors: dict) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.isdecimal() and 1 <= int(text) <= 99:
        return int(text)
    errors["number"] = N_("A number from 1 to 99.")
    return None


def _day(text: str, errors: dict, field: str = "from_day") -> date:
    text = text.strip()
    if not text:
        return clock.today()
    day = schoolyear.typed_date(text)
    if day is None:
        errors[field] = N_("A date such as 2026-11-30.")
        return clock.today()
    return day


async def _student(viewer: Viewer, student_id: int) -> dict:
    student = await Student.select(
        Student.id, Student.school, Student.code, Student.title, Student.first_name, Student.last_name,
        Student.classroom, Student.number_in_class, Student.left_on, Student.leave_reason, Student.leave_note,
        Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade"),
    ).where((Student.id == student_id) & visible_students(viewer)).first()
    if student is None:
        raise EnrolmentError(N_("No such student among those you can see."), status=404)
    return {**student, "label": f"{student['grade']}/{student['room']}" if student["classroom"] else ""}


async def _classroom(viewer: Viewer, classroom_id: int, errors: dict, field: str = "classroom") -> dict | None:
    room = await Classroom.select(Classroom.id, Classroom.school_year, Classroom.room,
                                  Classroom.grade.code.as_alias("grade"),
                                  Classroom.school_year.starts_on.as_alias("year_starts"),
                                  Classroom.school_year.ends_on.as_alias("year_ends")).where(
        (Classroom.id == classroom_id) & (Classroom.school == viewer.school_id)).first()
    if room is None:
        errors[field] = N_("Choose a classroom of this school.")
    return room


async def _number_taken(school_id: int, classroom_id: int, number: int | None, day: date, student_id: int | None,
                        errors: dict, values: dict) -> None:
    """A number in class is one student's in that room on that day (a Thai register is read by number)."""
    if number is None or "number" in errors:
        return
    holders = [s for s, n in (await numbers_on(school_id, day, classroom_id)).items()
               if n == number and s != student_id]
    if holders:
        other = await Student.select(Student.first_name, Student.last_name).where(Student.id == holders[0]).first()
        errors["number"] = N_("Number %(number)s in this classroom is already %(holder)s's: choose another.")
        values.update(number=number, holder=f"{other['first_name']} {other['last_name']}")


def _in_year(room: dict, day: date, errors: dict, field: str = "from_day") -> None:
    if not room["year_starts"] <= day <= room["year_ends"]:
        errors[field] = N_("Choose a day of that classroom's school year.")


async def edit_student(viewer: Viewer, student_id: int, change: StudentChange) -> bool:
    """Name, title and number written as they are; a new classroom is a move from the day given (not later than
    today: the register of the day must know where the student is). False when nothing changed."""
    student = await _student(viewer, student_id)
    errors: dict[str, str] = {}
    _check_name(change, errors)
    number = _number(change.number, errors)
    moved = change.classroom != student["classroom"]
    room = await _classroom(viewer, change.classroom, errors) if moved else None
    day = _day(change.from_day, errors)
    if moved and room and "from_day" not in errors:
        _in_year(room, day, errors)
        if day > clock.today():
            errors["from_day"] = N_("A move takes effect from today or an earlier day.")
    if moved and student["left_on"] is not None:
        errors["classroom"] = N_("This student has left. Re-admit them to put them in a classroom.")
    values: dict = {}
    if student["left_on"] is None and (room or not moved) and (moved or number != student["number_in_class"]):
        await _number_taken(viewer.school_id, room["id"] if moved else student["classroom"], number,
                            day if moved else clock.today(), student_id, errors, values)
    if errors:
        raise EnrolmentError(N_("Check the fields marked."), errors=errors, **values)
    names = {"title": change.title.strip(), "first_name": change.first_name.strip(),
             "last_name": change.last_name.strip()}
    if not moved and number == student["number_in_class"] and all(student[k] == v for k, v in names.items()):
        return False
    async with db.transaction():
        await Student.update({**names, "number_in_class": number, "updated_at": clock.now()}).where(
            Student.id == student_id)
        if moved:
            await _place(viewer.school_id, student_id, room, number, day, viewer.user_id)
        else:
            await StudentEnrolment.update({StudentEnrolment.number_in_class: number}).where(
                (StudentEnrolment.student == student_id) & StudentEnrolment.ends_on.is_null())
    return True


@dataclass(frozen=True)
class Leaving:
    reason: str = ""
    day: str = ""  # ISO date as typed; "" for today
    note: str = ""


async def record_leaving(viewer: Viewer, student_id: int, leaving: Leaving) -> date:
    """From that day the student is on no register, list or count of current students; their history stays."""
    student = await _student(viewer, student_id)
    errors: dict[str, str] = {}
    if leaving.reason not in {r.value for r in LeaveReason}:
        errors["reason"] = N_("Choose why the student leaves.")
    if len(leaving.note) > MAX_NOTE or not plain_text(leaving.note):
        errors["note"] = N_("Too long, or characters that cannot be kept.")
    day = _day(leaving.day, errors, "day")
    if student["left_on"] is not None:
        raise EnrolmentError(N_("This student has already left."), status=409)
    first = await StudentEnrolment.select(StudentEnrolment.starts_on).where(
        StudentEnrolment.student == student_id).order_by(StudentEnrolment.starts_on).first()
    if first and day <= first["starts_on"] and "day" not in errors:
        errors["day"] = N_("The student was only enrolled from %(day)s: choose a later day.")
    if errors:
        raise EnrolmentError(N_("Check the fields marked."), errors=errors,
                             day=format_date(first["starts_on"]) if first else "")
    async with db.transaction():
        await _end(student_id, day)
        await Student.update({Student.left_on: day, Student.leave_reason: leaving.reason,
                              Student.leave_note: leaving.note.strip(), Student.active: False,
                              Student.updated_at: clock.now()}).where(Student.id == student_id)
    return day


@dataclass(frozen=True)
class Arrival:
    """A student joining a classroom from a day: one new to the school, or a leaver re-admitted."""

    classroom: int = 0
    day: str = ""  # ISO date as typed; "" for today
    number: str = ""
    code: str = ""
    title: str = ""
    first_name: str = ""
    last_name: str = ""


async def readmit(viewer: Viewer, student_id: int, arrival: Arrival) -> None:
    student = await _student(viewer, student_id)
    if student["left_on"] is None:
        raise EnrolmentError(N_("This student has not left."), status=409)
    errors: dict[str, str] = {}
    room = await _classroom(viewer, arrival.classroom, errors)
    number = _number(arrival.number, errors)
    day = _day(arrival.day, errors, "day")
    if room and "day" not in errors:
        _in_year(room, day, errors, "day")
    values: dict = {}
    if room:
        await _number_taken(viewer.school_id, room["id"], number, day, student_id, errors, values)
    if errors:
        raise EnrolmentError(N_("Check the fields marked."), errors=errors, **values)
    async with db.transaction():
        await _place(viewer.school_id, student_id, room, number, day, viewer.user_id)
        await Student.update({Student.left_on: None, Student.leave_reason: None, Student.leave_note: "",
                              Student.active: True}).where(Student.id == student_id)


async def add_student(viewer: Viewer, arrival: Arrival) -> int:
    """A student arriving mid-year: on the classroom's register from their first day."""
    errors: dict[str, str] = {}
    code = arrival.code.strip()
    if not CODE_PATTERN.match(code):
        errors["code"] = N_("Digits or letters, at most 20.")
    _check_name(StudentChange(arrival.title, arrival.first_name, arrival.last_name, 0, "", ""), errors)
    room = await _classroom(viewer, arrival.classroom, errors)
    number = _number(arrival.number, errors)
    day = _day(arrival.day, errors, "day")
    if room and "day" not in errors:
        _in_year(room, day, errors, "day")
    if "code" not in errors and await Student.exists().where(
            (Student.school == viewer.school_id) & (Student.code == code)):
        errors["code"] = N_("A student of this school already has this code: find them instead.")
    values: dict = {}
    if room:
        await _number_taken(viewer.school_id, room["id"], number, day, None, errors, values)
    if errors:
        raise EnrolmentError(N_("Check the fields marked."), errors=errors, **values)
    async with db.transaction():
        rows = await Student.insert(Student(
            school=viewer.school_id, code=code, title=arrival.title.strip(), first_name=arrival.first_name.strip(),
            last_name=arrival.last_name.strip(), updated_at=clock.now())).returning(Student.id)
        await _place(viewer.school_id, rows[0]["id"], room, number, day, viewer.user_id)
    return rows[0]["id"]


# What the admin reads ----------------------------------------------------------------------------------------------


async def student_page(viewer: Viewer, student_id: int) -> dict:
    """The student with their enrolments by year (newest first) and this year's classrooms to move them to."""
    student = await _student(viewer, student_id)
    history = await StudentEnrolment.select(
        StudentEnrolment.starts_on, StudentEnrolment.ends_on, StudentEnrolment.number_in_class,
        StudentEnrolment.school_year.year_be.as_alias("year_be"),
        StudentEnrolment.classroom.room.as_alias("room"), StudentEnrolment.classroom.grade.code.as_alias("grade"),
    ).where(StudentEnrolment.student == student_id).order_by(StudentEnrolment.starts_on, ascending=False)
    return {"student": student, "history": [{**h, "label": f"{h['grade']}/{h['room']}"} for h in history],
            "classrooms": await classrooms(viewer)}


async def classrooms(viewer: Viewer) -> list[dict]:
    """This year's classrooms with today's number of students, in grade and room order."""
    rooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        (Classroom.school == viewer.school_id) & (Classroom.school_year == viewer.school_year_id)
    ).order_by(Classroom.grade.level).order_by(Classroom.room)
    sizes = await class_sizes(viewer.school_id, clock.today())
    return [{**r, "label": f"{r['grade']}/{r['room']}", "students": sizes.get(r["id"], 0)} for r in rooms]


async def classroom_students(viewer: Viewer, classroom_id: int) -> dict:
    room = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        (Classroom.id == classroom_id) & (Classroom.school == viewer.school_id)).first()
    if room is None:
        raise EnrolmentError(N_("No such classroom in this school."), status=404)
    members = await Student.select(Student.id, Student.code, Student.title, Student.first_name, Student.last_name,
                                   Student.number_in_class).where(
        visible_students(viewer) & enrolled_today(viewer.school_id, [classroom_id])).order_by(Student.number_in_class)
    return {"classroom": {**room, "label": f"{room['grade']}/{room['room']}"}, "students": members}


async def list_leavers(viewer: Viewer, limit: int = 200) -> list[dict]:
    """Students who have left, newest leaving first, with their last classroom."""
    rows = await Student.select(
        Student.id, Student.code, Student.title, Student.first_name, Student.last_name, Student.left_on,
        Student.leave_reason, Student.leave_note, Student.classroom.room.as_alias("room"),
        Student.classroom.grade.code.as_alias("grade"),
        Student.classroom.school_year.year_be.as_alias("year_be"),
    ).where(visible_students(viewer) & Student.left_on.is_not_null()).order_by(
        Student.left_on, ascending=False).limit(limit)
    return [{**r, "label": f"{r['grade']}/{r['room']}" if r["room"] else ""} for r in rows]
