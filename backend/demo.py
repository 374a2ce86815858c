"""A demo school with realistic Thai names, built through the same services a real school uses."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from backend import clock, i18n
from backend.accounts import services as accounts
from backend.accounts import codes, passwords, sessions
from backend.accounts.access import Viewer
from backend.accounts.tables import Role, User
from backend.schools import services as schools
from backend.schools.calendar import DayKind, DayOff, each_day
from backend.schools.tables import Classroom, School
from backend.students import services as students
from backend.students.tables import Guardian

BOYS = ("ธนากร ณัฐวุฒิ กิตติพัฒน์ ภูมิพัฒน์ ศุภชัย ธีรภัทร ปกรณ์ วรเมธ อนุชา ชยพล พีรพัฒน์ ณัฐพล ภานุวัฒน์ "
        "สิรวิชญ์ จิรายุ ธนวัฒน์ กฤษดา ปัณณวัฒน์ อภิสิทธิ์ ศักดิ์ดา วีรภัทร ภัทรพล ธีรเดช ณภัทร นพดล ชนาธิป "
        "รัฐภูมิ สุรเชษฐ์ อิทธิพล ก้องภพ เจษฎา ธนภัทร พงศกร ชินวัตร ภาคิน วชิรวิทย์ ปิยังกูร").split()
GIRLS = ("ณัฐธิดา กมลชนก พิมพ์ชนก ศิริพร ปวีณา ธนพร สุภัสสรา ชนิดา วรรณิศา อรปรียา ภัทราวดี กัญญาณัฐ "
         "ปาริชาติ นภัสสร จิราพร ณิชกานต์ พรรณทิพา สุชานันท์ ธัญญาเรศ ชุติมา อารียา ปิยธิดา เบญจมาศ รุ่งนภา "
         "มณีรัตน์ วิมลรัตน์ ศศิธร พัชราภา อัญชลี ขวัญใจ ลลิตา นันทิชา ชลธิชา กานต์ธิดา ปุณยาพร").split()
SURNAMES = ("ใจดี ศรีสุข ทองมา แก้วประเสริฐ บุญมา สุขสวัสดิ์ จันทร์เพ็ญ วงศ์ไทย พรหมมา ศรีวงศ์ ทองดี สมบูรณ์ "
            "แสงทอง รัตนพันธ์ อินทร์แก้ว บุญเรือง คำแพง ไชยวงศ์ สายทอง ปัญญาดี มีสุข ธรรมรักษ์ ชัยมงคล "
            "ศรีสมบูรณ์ นาคสวัสดิ์ พึ่งบุญ เพชรรัตน์ อ่อนศรี กาญจนวงศ์ บัวแก้ว ดวงจันทร์ ทองคำ เรืองศรี "
            "ภักดี สุวรรณรัตน์ จิตต์มั่น เกษมสุข ประเสริฐวงศ์ ศรีอ่อน ยอดดี").split()
MOTHERS = "สมศรี มาลี บุญเรือน ประภา วิไล สุนีย์ จันทร์เพ็ญ ละเอียด อรุณี นงลักษณ์ พรทิพย์ ศรีสุดา".split()
FATHERS = "สมชาย ประยุทธ บุญมี สมศักดิ์ วิชัย สุรชัย ประสิทธิ์ มานพ ชัยวัฒน์ ทองใบ สมพงษ์ อำนาจ".split()
ELDERS = "ทองคำ บัวผัน คำปุ่น สายทอง เพ็ญศรี ทองอยู่ ผัน บุญตา".split()
TEACHERS = ("สมใจ ดวงแก้ว", "วิภาวรรณ ศรีสวัสดิ์", "ประเสริฐ คงมั่น", "กนกวรรณ มีชัย", "สุทธิพงษ์ แสงดี",
            "จารุวรรณ ทองสุข", "อนันต์ พรหมวงศ์", "ศิริลักษณ์ บุญยืน", "ธวัชชัย นาคทอง", "รัชนี เพชรสุข",
            "สมบัติ วงศ์ใหญ่", "นิตยา จันทร์หอม")
DEMO_PASSWORD = "doolae-demo"
CSV_HEADER = ["เลขประจำตัวนักเรียน", "คำนำหน้า", "ชื่อ", "นามสกุล", "ชั้น/ห้อง", "เลขที่",
              "ชื่อผู้ปกครอง1", "ความสัมพันธ์1", "โทรศัพท์1", "สมาร์ทโฟน1",
              "ชื่อผู้ปกครอง2", "ความสัมพันธ์2", "โทรศัพท์2", "สมาร์ทโฟน2"]


def roster_csv(grades: list[str], rooms_per_grade: int, seed: int = 2569, min_size: int = 35,
               max_size: int = 45, first_code: int = 10001) -> str:
    """A roster as a school exports it: 35–45 students a classroom, one or two guardians each."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    code = first_code
    for grade in grades:
        for room in range(1, rooms_per_grade + 1):
            for number in range(1, rng.randint(min_size, max_size) + 1):
                boy = rng.random() < 0.5
                surname = rng.choice(SURNAMES)
                # Under 15 (ม.1–ม.3) a child is เด็กชาย/เด็กหญิง; older, นาย/นางสาว.
                young = grade in ("ม.1", "ม.2", "ม.3") or grade.startswith("ป")
                title = ("เด็กชาย" if young else "นาย") if boy else ("เด็กหญิง" if young else "นางสาว")
                guardians = []
                lives_with = rng.random()
                if lives_with < 0.6:
                    guardians.append((f"{rng.choice(MOTHERS)} {surname}", "มารดา"))
                    if rng.random() < 0.6:
                        guardians.append((f"{rng.choice(FATHERS)} {surname}", "บิดา"))
                elif lives_with < 0.85:
                    guardians.append((f"{rng.choice(ELDERS)} {rng.choice(SURNAMES)}", rng.choice(["ยาย", "ย่า", "ตา"])))
                else:
                    guardians.append((f"{rng.choice(MOTHERS + FATHERS)} {rng.choice(SURNAMES)}",
                                      rng.choice(["ป้า", "น้า", "ลุง", "อา"])))
                cells = [str(code), title, rng.choice(BOYS if boy else GIRLS), surname, f"{grade}/{room}", str(number)]
                for name, relation in guardians:
                    # 08x-xxx-xxxx numbers; a few guardians have none, as on real rosters.
                    digits = f"0{rng.choice('89')}{rng.randint(10_000_000, 99_999_999)}"
                    number_text = "" if rng.random() < 0.03 else f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
                    smartphone = "ใช่" if relation in ("มารดา", "บิดา") and rng.random() < 0.7 else "ไม่ใช่"
                    cells += [name, relation, number_text, smartphone]
                writer.writerow(cells)
                code += 1
    return out.getvalue()


@dataclass
class DemoLogins:
    rows: list[tuple[str, str, str]]  # role, username, password


async def admin_viewer(school_id: int) -> Viewer:
    admin = await User.select(User.id).where(
        (User.school == school_id) & (User.role == Role.admin.value)).first()
    return await sessions.viewer_of(admin["id"])


async def create_demo_school(code: str = "DEMO", grades: tuple[str, ...] = ("ม.1", "ม.2", "ม.3"),
                             rooms_per_grade: int = 3, seed: int = 2569, history: bool = False) -> DemoLogins:
    """School, admin, executive, one homeroom teacher per classroom, the roster, one parent with an account."""
    school_id = await schools.create_school(code, "โรงเรียนดูแลวิทยา", "ดูแลวิทยา", list(grades))
    prefix = code.lower()
    logins = [("admin", f"{prefix}-admin"), ("executive", f"{prefix}-director")]
    await accounts.create_user(school_id, f"{prefix}-admin", "ครูผู้ดูแลระบบ", Role.admin, DEMO_PASSWORD)
    await accounts.create_user(school_id, f"{prefix}-director", "ผอ.วิชัย ศรีสุข", Role.executive, DEMO_PASSWORD)
    viewer = await admin_viewer(school_id)
    await seed_calendar(school_id)  # before any register: the days off in lieu close the school
    csv_text = roster_csv(list(grades), rooms_per_grade, seed=seed)
    preview = await students.import_roster(viewer, "demo-roster.csv", csv_text.encode("utf-8"))
    if preview.errors:
        raise RuntimeError(f"demo roster has errors: {preview.errors[:3]}")

    rooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        Classroom.school == school_id).order_by(Classroom.grade.level).order_by(Classroom.room)
    for index, room in enumerate(rooms):
        name = TEACHERS[index % len(TEACHERS)]
        username = f"{prefix}-teacher{index + 1}"
        teacher_id = await accounts.create_user(school_id, username, f"ครู{name}", Role.homeroom_teacher, DEMO_PASSWORD)
        await accounts.assign_homeroom(viewer, room["id"], teacher_id)
        if index == 0:
            logins.append((f"homeroom teacher {room['grade']}/{room['room']}", username))

    # One parent who already has an account, so the demo shows the parent's side at once.
    guardian = await Guardian.select(Guardian.id, Guardian.phone).where(
        (Guardian.school == school_id) & Guardian.phone.is_not_null() & (Guardian.has_smartphone == True)  # noqa: E712
    ).order_by(Guardian.id).first()
    parent_id = await codes.ensure_parent_account(viewer, guardian["id"])
    await User.update({User.password_hash: passwords.hash_password(DEMO_PASSWORD)}).where(User.id == parent_id)
    logins.append(("parent", guardian["phone"]))
    # The demo parent wants lateness and behaviour in the weekly summary, not one message each (issue 13).
    from backend.notify import choices

    await choices.save_choices(await sessions.viewer_of(parent_id), guardian["id"],
                               {"topic_attendance": "weekly", "topic_behaviour": "weekly"})
    await accounts.create_user(school_id, f"{prefix}-discipline", "ครูประสิทธิ์ เข้มแข็ง", Role.discipline,
                               DEMO_PASSWORD)
    logins.append(("discipline officer", f"{prefix}-discipline"))
    if history:
        await seed_leave(school_id)  # asked before the registers of their days, so those registers show it
        await seed_attendance_history(school_id, seed)
        logins.append(("student", await seed_screening(school_id, rooms[:3], seed)))
        await seed_home_visits(school_id, seed)
        await seed_records(school_id, seed)
        await seed_behaviour(school_id, seed)
        await seed_promotion(school_id, seed)
        await seed_conversations(school_id)
        logins.append(("counsellor", await seed_care(school_id, rooms[:3], prefix)))
        await seed_digests(school_id)
        await seed_sms_month(school_id, seed)
        await seed_survey(school_id, guardian["id"], seed)
        await seed_family_summaries(school_id)
        await settle_history_messages(school_id)
    return DemoLogins([(role, username, DEMO_PASSWORD) for role, username in logins])


# Holidays that are not public holidays (schools close, offices do not): no day off in lieu when they fall on a
# weekend. The others move to the next working day, as the Cabinet announces each year.
NO_SUBSTITUTE = {"Teachers' Day"}


def substitute_days(holidays: list[DayOff], closed: set[date]) -> list[DayOff]:
    """The days off in lieu of the holidays that fall on a weekend: each weekend day of a holiday gives the next
    weekday after it that is not closed already (Saturday 5 Dec 2569 → Monday 7 Dec). Names in Thai, as the admin
    types them: ชดเชยวันพ่อแห่งชาติ (the holiday's short name, in its brackets, when it has one)."""
    thai = i18n.catalogue("th")
    taken = set(closed)
    found = []
    for off in sorted(holidays, key=lambda d: d.starts_on):
        if off.kind is not DayKind.holiday or off.name in NO_SUBSTITUTE:
            continue
        lost = sum(1 for day in each_day(off.starts_on, off.ends_on) if day.weekday() >= 5)
        name = thai.gettext(off.name)
        short = name[name.rindex("(") + 1:-1] if name.endswith(")") and "(" in name else name
        day = off.ends_on
        while lost:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in taken:
                taken.add(day)
                found.append(DayOff(day, day, DayKind.holiday, f"ชดเชย{short}"))
                lost -= 1
    return found


async def seed_calendar(school_id: int) -> int:
    """The demo year's days off in lieu (schools.calendar lists the fixed holidays; the Cabinet adds these), put in
    through the admin's calendar service. Returns how many."""
    from backend.schools.tables import CalendarDay, SchoolYear

    year_be = (await schools.school_year_now(school_id, clock.today())).year_be
    year = await SchoolYear.select(SchoolYear.starts_on, SchoolYear.ends_on).where(
        (SchoolYear.school == school_id) & (SchoolYear.year_be == year_be)).first()
    rows = await CalendarDay.select(CalendarDay.starts_on, CalendarDay.ends_on, CalendarDay.kind,
                                    CalendarDay.name).where(
        (CalendarDay.school == school_id) & (CalendarDay.starts_on >= year["starts_on"])
        & (CalendarDay.starts_on <= year["ends_on"]))
    holidays = [DayOff(r["starts_on"], r["ends_on"], DayKind(r["kind"]), r["name"]) for r in rows]
    closed = {day for off in holidays for day in each_day(off.starts_on, off.ends_on)}
    added = substitute_days(holidays, closed)
    for off in added:
        await schools.add_calendar_day(school_id, DayKind.holiday.value, off.name,
                                       f"{off.starts_on.day}/{off.starts_on.month}/{off.starts_on.year + 543}")
    return len(added)


async def seed_attendance_history(school_id: int, seed: int = 2569) -> int:
    """Past school days of this term, so the executive's trend has weeks to show. Written as history (the marks
    a school would import), so no guardian is alerted about days gone by. A student with leave that day (seed_leave
    runs first) is marked as the register marks them, from attendance's notified-leave hook."""
    from datetime import timedelta

    from backend.attendance.services import notified_leave, today
    from backend.attendance.tables import HOMEROOM_PERIOD, AttendanceMark, Status
    from backend.schools import services as schools
    from backend.schools.tables import Term
    from backend.students.tables import Student

    def morning(day: date) -> datetime:
        return datetime.combine(day, time(1, 0), tzinfo=timezone.utc)  # 08:00 in Bangkok

    rng = random.Random(seed)
    term = await Term.select(Term.starts_on).where(
        (Term.school == school_id) & (Term.starts_on <= today()) & (Term.ends_on >= today())).first()
    if term is None:
        return 0
    students = await Student.select(Student.id, Student.classroom).where(Student.school == school_id)
    rows, day = [], max(term["starts_on"], today() - timedelta(weeks=6))
    calendar = await schools.calendar_between(school_id, day, today())
    weights = [(Status.present, 930), (Status.late, 30), (Status.absent, 22), (Status.sick_leave, 10),
               (Status.personal_leave, 8)]
    admin = await admin_viewer(school_id)
    while day < today():
        if calendar.is_school_day(day):  # not on weekends, holidays or closures
            # Lateness eases off over the weeks, as a school hopes its care does.
            drift = (today() - day).days / 60
            leave = await notified_leave(admin, [student["id"] for student in students], day)
            for student in students:
                status = rng.choices([w[0] for w in weights],
                                     [w[1] * (1 + drift if w[0] is Status.late else 1) for w in weights])[0]
                if student["id"] in leave:
                    status = leave[student["id"]].status
                rows.append(AttendanceMark(school=school_id, student=student["id"], classroom=student["classroom"],
                                           day=day, period=HOMEROOM_PERIOD, status=status.value,
                                           marked_at=morning(day)))
                if status is Status.present and rng.random() < 0.004:
                    rows.append(AttendanceMark(school=school_id, student=student["id"],
                                               classroom=student["classroom"], day=day, period=rng.randint(2, 7),
                                               status=Status.cut.value, marked_at=morning(day)))
        day += timedelta(days=1)
    for start in range(0, len(rows), 500):
        await AttendanceMark.insert(*rows[start:start + 500])
    return len(rows)


async def _homeroom_viewer(classroom_id: int) -> Viewer:
    from backend.accounts.tables import HomeroomAssignment

    assignment = await HomeroomAssignment.select(HomeroomAssignment.teacher).where(
        HomeroomAssignment.classroom == classroom_id).first()
    return await sessions.viewer_of(assignment["teacher"])


def _demo_sdq(rng: random.Random, troubled: bool) -> str:
    """25 ticks as a child's form might read: strengths (prosocial and the positively worded items) mostly
    "certainly true", difficulties mostly "not true" — or many difficulties for a troubled child."""
    strengths = {1, 4, 7, 9, 11, 14, 17, 20, 21, 25}
    ticks = []
    for item in range(1, 26):
        weights = (1, 3, 6) if item in strengths else (7, 2, 1)
        if troubled:
            weights = weights[::-1]
        ticks.append(str(rng.choices((0, 1, 2), weights)[0]))
    return "".join(ticks)


def _demo_eq(rng: random.Random, troubled: bool, reversed_items: frozenset[int]) -> str:
    """52 ticks (1 not true … 4 very true): agreeing with the positive items and not with the negative ones."""
    agree, disagree = ((1, 2, 2, 3), (2, 3, 3, 4)) if troubled else ((3, 3, 4), (1, 2, 2))
    return "".join(str(rng.choice(disagree if item in reversed_items else agree)) for item in range(1, 53))


async def seed_screening(school_id: int, rooms: list[dict], seed: int = 2569) -> str:
    """This term's questionnaires for the first rooms, filed through the service a teacher typing in paper forms
    uses, so the screening pages have groups to show and confirm. Returns the username of a student who signs in
    to fill in their own forms (left blank for them)."""
    from backend.screening import filling
    from backend.screening import services as screening
    from backend.students.tables import Student

    rng = random.Random(seed)
    reversed_eq = screening.base_instrument("eq").reversed_items
    demo_student = None
    for room in rooms:
        viewer = await _homeroom_viewer(room["id"])
        members = await Student.select(Student.id).where(Student.classroom == room["id"]).order_by(
            Student.number_in_class)
        for member in members:
            if demo_student is None:
                demo_student = (viewer, member["id"])
                await filling.enter_paper(viewer, member["id"], "sdq", "teacher", {"typed": "0" * 25})
                continue
            # Most children show few difficulties; about one in ten shows many.
            troubled = rng.random() < 0.1
            for informant, chance in (("teacher", 1.0), ("student", 0.8), ("parent", 0.45)):
                if rng.random() < chance:
                    await filling.enter_paper(viewer, member["id"], "sdq", informant,
                                                {"typed": _demo_sdq(rng, troubled)})
            if rng.random() < 0.5:
                await filling.enter_paper(viewer, member["id"], "eq", "student",
                                            {"typed": _demo_eq(rng, troubled, reversed_eq)})
    viewer, student_id = demo_student
    slip = await accounts.issue_student_password(viewer, student_id)
    await User.update({User.password_hash: passwords.hash_password(DEMO_PASSWORD),
                       User.must_change_password: False}).where(User.username == slip["username"])
    return slip["username"]
VILLAGES = "บ้านหนองบัว บ้านโนนสูง บ้านดอนแดง บ้านท่าช้าง บ้านหัวนา บ้านโคกกลาง".split()
MET_WITH = ("มารดา", "บิดา", "ยาย", "ย่า", "ป้า")
LIVING = ("อยู่กับพ่อแม่และน้อง", "อยู่กับยาย 2 คน พ่อแม่ไปทำงานกรุงเทพฯ", "อยู่กับแม่ พ่อแยกไปอยู่ที่อื่น",
          "อยู่กับปู่ย่าและลูกพี่ลูกน้อง")
# Room 1 of each grade has visited most homes, room 2 about half, room 3 has not started: the progress pages
# then show each state.
VISITED_SHARE = {1: 0.85, 2: 0.45}
PLANNED_SHARE = 0.1  # in rooms that have started, of the students: planned, not yet visited


async def seed_home_visits(school_id: int, seed: int = 2569) -> int:
    """This school year's home visits, saved through the visits service as each homeroom teacher's phone would
    send them: visited homes with the form filled in, and some planned."""
    import uuid
    from datetime import timedelta

    from backend.accounts.tables import HomeroomAssignment
    from backend.attendance.services import today
    from backend.students.tables import Student
    from backend.visits import services as visits

    rng = random.Random(seed)
    rooms = await HomeroomAssignment.select(
        HomeroomAssignment.teacher, HomeroomAssignment.classroom,
        HomeroomAssignment.classroom.room.as_alias("room"),
        HomeroomAssignment.school_year.starts_on.as_alias("starts_on"),
    ).where(HomeroomAssignment.school == school_id)
    saved = 0
    for room in rooms:
        share = VISITED_SHARE.get(room["room"], 0)
        if not share:
            continue
        teacher = await sessions.viewer_of(room["teacher"])
        first_day = max(room["starts_on"], today() - timedelta(days=50))
        students = await Student.select(Student.id).where(Student.classroom == room["classroom"])
        for student in students:
            draw = rng.random()
            if draw >= share + PLANNED_SHARE:
                continue
            visited = draw < share
            payload = {"client_id": uuid.UUID(int=rng.getrandbits(128)).hex, "student": student["id"],
                       "status": "planned", "visited_on": today().isoformat(), "area": rng.choice(VILLAGES)}
            if visited:
                day = first_day + timedelta(days=rng.randint(0, (today() - first_day).days))
                payload.update(
                    status="done", visited_on=day.isoformat(), accuracy=rng.randint(5, 40),
                    latitude=16.44 + rng.uniform(-0.05, 0.05), longitude=102.83 + rng.uniform(-0.05, 0.05),
                    met_with=rng.choice(MET_WITH), living=rng.choice(LIVING),
                    income_per_person=rng.choice([1500, 2500, 4000, 6000, 9000]),
                    tenure=rng.choice(["own", "own", "rent", "others"]),
                    condition=rng.choice(["good", "fair", "fair", "poor"]),
                    assessment=rng.choices(["normal", "at_risk", "problem"], [80, 15, 5])[0])
            await visits.save_visit(teacher, payload)
            saved += 1
    return saved


# Of each homeroom (by room number), the share of records with every section written; half the rest are begun.
RECORDS_COMPLETE_SHARE = {1: 0.95, 2: 0.85, 3: 0.7}
HEALTH_NOTES = ("แข็งแรงดี", "แข็งแรงดี", "แข็งแรงดี สายตาสั้นเล็กน้อย", "เป็นหอบหืด พกยาพ่นประจำ", "ภูมิแพ้อากาศ")
STRENGTHS = ("ฟุตบอล", "วาดภาพ", "ร้องเพลง", "คณิตศาสตร์", "ดนตรีไทย", "อ่านหนังสือ", "คอมพิวเตอร์", "")


async def seed_records(school_id: int, seed: int = 2569) -> int:
    """The cumulative records as each homeroom teacher filled them in over the first weeks of the year, through
    records.services: most complete (learning, health, family, safety), some begun, a few not yet. Returns how many
    records are complete."""
    from datetime import timedelta

    from backend import clock
    from backend.accounts.tables import HomeroomAssignment
    from backend.records import services as records
    from backend.records.sections import INCOME_BANDS, LIVES_WITH, TRAVEL
    from backend.students.tables import Student

    rng = random.Random(seed)
    rooms = await HomeroomAssignment.select(
        HomeroomAssignment.teacher, HomeroomAssignment.classroom,
        HomeroomAssignment.classroom.room.as_alias("room")).where(HomeroomAssignment.school == school_id)
    complete = 0
    for room in rooms:
        teacher = await sessions.viewer_of(room["teacher"])
        share = RECORDS_COMPLETE_SHARE.get(room["room"], 0.6)
        pupils = await Student.select(Student.id).where(Student.classroom == room["classroom"]).order_by(Student.id)
        with clock.set_to(clock.now() - timedelta(days=rng.randint(7, 30))):
            for pupil in pupils:
                draw = rng.random()
                sections = ("learning", "health", "family", "safety") if draw < share else (
                    ("learning", "family") if draw < share + (1 - share) / 2 else ())
                values = {
                    "learning": {"gpa_last_term": f"{rng.uniform(1.8, 4.0):.2f}", "strengths": rng.choice(STRENGTHS)},
                    "health": {"physical": rng.choice(HEALTH_NOTES)},
                    "family": {"lives_with": rng.choices([c for c, _ in LIVES_WITH], [50, 12, 5, 20, 6, 2, 1])[0],
                               "household_size": str(rng.randint(2, 8)),
                               "income_band": rng.choices([c for c, _ in INCOME_BANDS], [30, 35, 25, 10])[0]},
                    "safety": {"travel": rng.choice([c for c, _ in TRAVEL]), "distance_km": str(rng.randint(1, 25)),
                               "area": rng.choice(VILLAGES)},
                }
                for name in sections:
                    await records.save_section(teacher, pupil["id"], name, values[name])
                complete += len(sections) == 4
    return complete


async def demo_exists(code: str = "DEMO") -> bool:
    return await School.exists().where(School.code == code)


# Behaviour: what a term looks like in a Thai secondary school. Mostly lateness and uniform at the gate, caught by
# the discipline officer; phones in class; now and then a fight between students of two classes, smoking, a cut
# class repaid with community service. (category code, sanction, weight)
INCIDENT_MIX = (("late", "deduct", 36), ("late", "warning", 10), ("uniform", "warning", 14), ("uniform", "deduct", 10),
                ("phone", "deduct", 9), ("cut", "activity", 4), ("disrespect", "warning", 4), ("damage", "deduct", 2),
                ("smoking", "probation", 2), ("bullying", "probation", 1), ("fighting", "deduct", 3),
                ("fighting", "probation", 2), ("other", "warning", 3))
GOOD_MIX = (("volunteer", 30), ("helping", 25), ("honesty", 10), ("representing", 15), ("award", 20))
PLACES = ("ประตูโรงเรียน", "หน้าเสาธง", "ห้องเรียน", "โรงอาหาร", "หลังอาคาร 3", "สนามฟุตบอล")
INCIDENTS_PER_100_STUDENTS = 60  # a term's records: most students none, a few the same thing again and again
GOOD_DEEDS_PER_100_STUDENTS = 18


async def seed_behaviour(school_id: int, seed: int = 2569) -> int:
    """This term's incidents and good deeds so far, recorded through behaviour.services as teachers and the
    discipline officer would (so the ledger, the balances and the voided record are real). Some probations are
    signed by the guardian, some still wait."""
    import uuid
    from datetime import timedelta

    from backend import clock
    from backend.accounts.tables import HomeroomAssignment
    from backend.behaviour import services as behaviour
    from backend.behaviour.tables import IncidentStudent, Sanction
    from backend.schools.tables import Term
    from backend.students.tables import Student

    rng = random.Random(seed)
    today = clock.today()
    first = today - timedelta(weeks=14)
    # School days of this school year's terms (not the break between them), the last fourteen weeks of them.
    terms = await Term.select(Term.starts_on, Term.ends_on).where(
        (Term.school == school_id) & (Term.school_year.starts_on <= today) & (Term.school_year.ends_on >= today))
    calendar = await schools.calendar_between(school_id, first, today)
    days = [day for day in calendar.school_days() if any(t["starts_on"] <= day <= t["ends_on"] for t in terms)]
    if not days:
        return 0
    pupils = await Student.select(Student.id, Student.classroom).where(Student.school == school_id).order_by(
        Student.id)
    # One student in twenty is "often in trouble": chosen far more often (the workspace's repeat patterns, and a
    # few balances below the threshold).
    weights = [25 if rng.random() < 1 / 20 else 1 for _ in pupils]
    officer = await sessions.viewer_of((await User.select(User.id).where(
        (User.school == school_id) & (User.role == Role.discipline.value)).first())["id"])
    teachers = [await sessions.viewer_of(row["teacher"]) for row in await HomeroomAssignment.select(
        HomeroomAssignment.teacher).where(HomeroomAssignment.school == school_id)]
    categories = {c["code"]: c["id"] for c in await behaviour.categories(school_id)}
    moment = clock.now()

    def when(day, earliest: int, latest: int) -> str:
        """A time that day (minutes after midnight, school time), never later than now."""
        local = datetime.combine(day, time(0), tzinfo=clock.SCHOOL_TIME) + timedelta(
            minutes=rng.randint(earliest, latest))
        return min(local, moment.astimezone(clock.SCHOOL_TIME) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")

    def record_id() -> str:
        return uuid.UUID(int=rng.getrandbits(128)).hex

    saved, probations = 0, []
    for _ in range(len(pupils) * INCIDENTS_PER_100_STUDENTS // 100):
        code, sanction, _weight = rng.choices(INCIDENT_MIX, [m[2] for m in INCIDENT_MIX])[0]
        student = rng.choices(pupils, weights)[0]
        named = [student["id"]]
        if code == "fighting":  # with a student of another class
            named.append(rng.choice([p for p in pupils if p["classroom"] != student["classroom"]])["id"])
        at_gate = code in ("late", "uniform")
        payload = {"client_id": record_id(), "kind": "incident", "students": named, "category": categories[code],
                   "sanction": sanction, "place": PLACES[0] if at_gate else rng.choice(PLACES[1:]),
                   "happened_at": when(rng.choice(days), 7 * 60 + 40 if at_gate else 8 * 60 + 30,
                                       8 * 60 + 15 if at_gate else 15 * 60 + 30),
                   "service_hours": rng.choice((2, 3, 4)) if sanction == Sanction.activity.value else 0}
        recorder = officer if at_gate or rng.random() < 0.3 else rng.choice(teachers)
        done = await behaviour.record(recorder, payload)
        saved += 1
        if sanction == Sanction.probation.value:
            probations.append(done.incident_id)
    # The guardian signed about half of the probation letters, on paper at the discipline office. (The parent's
    # acknowledgement in the app belongs to the notices' service; paper is what the officer writes down.)
    from backend.behaviour import family

    signed = probations[: len(probations) // 2]
    for line in await IncidentStudent.select(IncidentStudent.id).where(IncidentStudent.incident.is_in(signed or [-1])):
        await family.acknowledge_on_paper(officer, line["id"])
    for _ in range(len(pupils) * GOOD_DEEDS_PER_100_STUDENTS // 100):
        code = rng.choices(GOOD_MIX, [m[1] for m in GOOD_MIX])[0][0]
        student = rng.choice(pupils)
        named = [student["id"]]
        if code == "representing":  # a team: classmates together
            named += [p["id"] for p in rng.sample(pupils, 3) if p["classroom"] == student["classroom"]]
        await behaviour.record(rng.choice(teachers), {
            "client_id": record_id(), "kind": "good_deed", "students": named, "category": categories[code],
            "happened_at": when(rng.choice(days[-15:]), 8 * 60, 16 * 60)})
        saved += 1
    # One record was made for the wrong student, and the discipline officer voided it.
    wrong = await behaviour.record(officer, {
        "client_id": record_id(), "kind": "incident", "students": [pupils[0]["id"]], "category": categories["late"],
        "sanction": "deduct", "happened_at": when(days[-1], 7 * 60 + 40, 8 * 60 + 15)})
    await behaviour.void(officer, wrong.incident_id, "บันทึกผิดคน: นักเรียนชื่อซ้ำกัน")
    return saved + 1


ACTIVITY_TOPICS = ("ปฐมนิเทศและข้อตกลงในห้องเรียน", "การวางแผนการเรียน", "ป้องกันยาเสพติดและบุหรี่ไฟฟ้า",
                   "การใช้สื่อออนไลน์อย่างปลอดภัย", "จัดการอารมณ์และความเครียด", "เพื่อนช่วยเพื่อน")


async def seed_promotion(school_id: int, seed: int = 2569) -> int:
    """This term's homeroom activities (one a fortnight) and one parents' meeting per class, held three weeks ago:
    scheduled then (the invitations went out through the outbox) and recorded on the day, as a teacher would."""
    from datetime import timedelta

    from backend import clock
    from backend.accounts.tables import HomeroomAssignment
    from backend.notify.queue import JobQueue
    from backend.promotion import services as promotion
    from backend.config import Settings

    rng = random.Random(seed)
    today = clock.today()
    calendar = await schools.calendar_between(school_id, today - timedelta(weeks=8), today)
    days = [day for day in calendar.school_days() if day < today]
    assignments = await HomeroomAssignment.select(HomeroomAssignment.teacher, HomeroomAssignment.classroom).where(
        HomeroomAssignment.school == school_id)
    meeting_day = days[-15] if len(days) >= 15 else None
    settings, queue = Settings.from_env(), JobQueue(None)  # the worker's sweep sends the invitations
    made = 0
    for assignment in assignments:
        teacher = await sessions.viewer_of(assignment["teacher"])
        members = await students_of(assignment["classroom"])
        for day in days[::10]:
            present = {f"p{m}": "on" for m in members if rng.random() < 0.93}
            await promotion.record_activity(teacher, assignment["classroom"], {
                "held_on": day.isoformat(), "topic": rng.choice(ACTIVITY_TOPICS), **present,
                "note": "นักเรียนร่วมกิจกรรมดี", "evaluation": "บรรลุวัตถุประสงค์"})
            made += 1
        if meeting_day is None:
            continue
        noon = datetime.combine(meeting_day - timedelta(days=7), time(12), tzinfo=clock.SCHOOL_TIME)
        with clock.set_to(noon):
            meeting = await promotion.schedule_meeting(teacher, settings, queue, assignment["classroom"], {
                "held_on": meeting_day.isoformat(), "starts_at": "13:30", "place": "ห้องประชุมอาคาร 1"})
        with clock.set_to(datetime.combine(meeting_day, time(16), tzinfo=clock.SCHOOL_TIME)):
            came = {f"c{m}": "on" for m in members if rng.random() < 0.7}
            await promotion.record_meeting(teacher, meeting, {
                **came, "minutes": "ชี้แจงผลการเรียนกลางภาคและกิจกรรมของห้อง",
                "follow_ups": "นัดพบรายบุคคล 3 ครอบครัว", "rated_5": str(rng.randint(8, 14)),
                "rated_4": str(rng.randint(6, 10)), "rated_3": str(rng.randint(0, 3))})
    await seed_white_classrooms(school_id, assignments, rng)
    await seed_guidelines(school_id, settings)
    if meeting_day is not None:
        await seed_parent_network(school_id, assignments, rng, settings, queue, meeting_day)
    return made


NETWORK_AGENDAS = (
    ("ระดมทุนซื้อพัดลมและผ้าม่านห้องเรียน", "ตกลงระดมทุนตามความสมัครใจ เหรัญญิกรับเงินและแจ้งยอดในกลุ่ม",
     "เหรัญญิกรายงานยอดเงินในการประชุมครั้งหน้า"),
    ("เวรผู้ปกครองดูแลหน้าประตูโรงเรียนช่วงเช้า", "ผู้ปกครองอาสาเข้าเวรสัปดาห์ละ 2 วัน",
     "เลขานุการจัดตารางเวรและแจ้งครูประจำชั้น"),
    ("กิจกรรมทัศนศึกษาปลายภาค", "เห็นชอบให้ไปพิพิธภัณฑ์วิทยาศาสตร์ ผู้ปกครองอาสาดูแล 4 คน",
     "ประธานประสานงานรถรับส่งกับโรงเรียน"),
)


async def seed_parent_network(school_id: int, assignments: list[dict], rng: random.Random, settings, queue,
                              meeting_day) -> None:
    """Each class's parent committee (three to five of its guardians, a chair first) and one committee meeting, held
    a week before the parents' meeting, with its minutes; the school's committee (the classes' chairs first, up to
    five members of class committees, named by the admin) and its meeting too. Invitations go through the outbox as
    they would have then."""
    from datetime import timedelta

    from backend import clock
    from backend.promotion import network

    seats = ("chair", "vice_chair", "secretary", "treasurer", "member")
    held = meeting_day - timedelta(days=7)
    chairs, others = [], []

    async def meet(viewer, classroom_id) -> None:
        agenda, minutes, actions = rng.choice(NETWORK_AGENDAS)
        with clock.set_to(datetime.combine(held - timedelta(days=5), time(12), tzinfo=clock.SCHOOL_TIME)):
            meeting = await network.schedule(viewer, settings, queue, classroom_id, {
                "held_on": held.isoformat(), "starts_at": "15:30", "place": "ห้องประชุมอาคาร 1", "agenda": agenda})
        with clock.set_to(datetime.combine(held, time(17), tzinfo=clock.SCHOOL_TIME)):
            came = {f"g{guest['id']}": "on" for guest in (await network.meeting_page(viewer, meeting))["guests"]
                    if rng.random() < 0.8}
            await network.record(viewer, meeting, {**came, "minutes": minutes, "actions": actions})

    for assignment in assignments:
        teacher = await sessions.viewer_of(assignment["teacher"])
        guardians = list((await network.class_page(teacher, assignment["classroom"]))["candidates"])
        if len(guardians) < 3:
            continue
        chosen = rng.sample(guardians, rng.randint(3, min(5, len(guardians))))
        for guardian, seat in zip(chosen, seats, strict=False):
            await network.save_member(teacher, assignment["classroom"], {"guardian": str(guardian["id"]),
                                                                         "role": seat})
        chairs.append(chosen[0]["id"])
        others += [guardian["id"] for guardian in chosen[1:]]
        await meet(teacher, assignment["classroom"])
    if not chairs:
        return
    admin = await admin_viewer(school_id)
    for guardian_id, seat in zip(list(dict.fromkeys(chairs + others))[:5], seats, strict=False):
        await network.save_member(admin, None, {"guardian": str(guardian_id), "role": seat})
    await meet(admin, None)


MOTTOS = ("ห้องเราสีขาว ไร้ยาเสพติด", "เรียนดี มีวินัย ห่างไกลยาเสพติด", "สามัคคี มีน้ำใจ ใส่ใจเพื่อน",
          "ไม่ลอง ไม่เสพ ไม่ค้า")
COMMITTEE_WORK = (
    ("จัดป้ายนิเทศรณรงค์ต้านบุหรี่ไฟฟ้า และตรวจความสะอาดห้องทุกเช้า", ""),
    ("ติวเพื่อนก่อนสอบกลางภาค ฝ่ายสารเสพติดสำรวจกระเป๋าร่วมกับครูประจำชั้น", "เพื่อนบางคนไม่ส่งงานตรงเวลา"),
    ("เพื่อนช่วยเพื่อนทบทวนบทเรียน และจัดกิจกรรมเล่าเรื่องผลเสียของยาเสพติด", "มีนักเรียนขาดเรียนบ่อย 2 คน"),
)


async def seed_white_classrooms(school_id: int, assignments: list[dict], rng: random.Random) -> None:
    """Each class's white-classroom committee (five students of the class), its motto, and the committee's reports
    of the last two months, as the homeroom teacher records them."""
    from backend.promotion import white
    from backend.promotion.tables import Post

    for assignment in assignments:
        teacher = await sessions.viewer_of(assignment["teacher"])
        members = await students_of(assignment["classroom"])
        if len(members) < len(Post):
            continue
        chosen = rng.sample(members, len(Post))
        posts = {post.value: str(student) for post, student in zip(Post, chosen, strict=True)}
        await white.save_committee(teacher, assignment["classroom"], {**posts, "motto": rng.choice(MOTTOS)})
        for month, (done, problems) in zip(white.open_months(teacher.year_be)[:2],
                                           rng.sample(COMMITTEE_WORK, 2), strict=False):
            await white.file_report(teacher, assignment["classroom"], {
                "month": month.strftime("%Y-%m"), "done": done, "problems": problems})


HOMEROOM_GUIDELINE = """แนวทางการจัดกิจกรรมโฮมรูม (ระบบการดูแลช่วยเหลือนักเรียน)
1. ครูประจำชั้นจัดกิจกรรมโฮมรูมสัปดาห์ละ 1 ครั้ง ครั้งละ 20 นาที
2. ทุกครั้งบันทึกหัวข้อ นักเรียนที่เข้าร่วม และผลการประเมินในระบบ
3. นักเรียนที่มีปัญหาให้พูดคุยเป็นรายบุคคลหลังกิจกรรม และบันทึกในระบบดูแลช่วยเหลือ
4. ภาคเรียนละ 1 ครั้ง จัดประชุมผู้ปกครองชั้นเรียน"""
PREVENTION_GUIDELINE = """แนวปฏิบัติโครงการห้องเรียนสีขาว
- ทุกห้องมีคณะกรรมการนักเรียน: หัวหน้าห้อง ฝ่ายการเรียน ฝ่ายการงาน ฝ่ายกิจกรรม และฝ่ายสารเสพติด
- แต่ละห้องตั้งคำขวัญของห้อง และติดไว้ในห้องเรียน
- คณะกรรมการรายงานผลการดำเนินงานทุกเดือน ผ่านครูประจำชั้น
- พบนักเรียนเกี่ยวข้องกับสารเสพติดหรือบุหรี่ไฟฟ้า ให้แจ้งครูประจำชั้นและครูแนะแนวทันที"""


async def seed_guidelines(school_id: int, settings) -> None:
    """The school's two guidelines, written in the app by the admin; the homeroom one lists the activities' topics."""
    from backend.promotion import guidelines
    from backend.visits.storage import open_photo_store

    viewer, store = await admin_viewer(school_id), open_photo_store(settings)
    await guidelines.save_document(viewer, store, {"title": "แนวทางการจัดกิจกรรมโฮมรูม", "body": HOMEROOM_GUIDELINE,
                                                   "topics": "\n".join(ACTIVITY_TOPICS)}, None)
    await guidelines.save_document(viewer, store, {"title": "แนวปฏิบัติโครงการห้องเรียนสีขาว",
                                                   "body": PREVENTION_GUIDELINE}, None)


async def seed_leave(school_id: int) -> int:
    """Leave requests of the demo parent's child and a classmate, as they would have come: one accepted (asked a
    week ago that morning), one questioned (three school days ago), one waiting (for the next school day), and one
    entered by the homeroom teacher after a grandparent's phone call this morning."""
    from datetime import timedelta

    from backend import clock
    from backend.accounts.tables import HomeroomAssignment
    from backend.config import Settings
    from backend.leave import services as leave
    from backend.notify.queue import JobQueue
    from backend.students.tables import Student, StudentGuardian
    from backend.visits.storage import open_photo_store

    parent = await User.select(User.id).where((User.school == school_id) & (User.role == Role.parent.value)).first()
    family = await sessions.viewer_of(parent["id"])
    child = await Student.select(Student.id, Student.classroom).where(
        Student.id.is_in(sorted(family.student_ids) or [-1])).order_by(Student.id).first()
    if child is None:
        return 0
    assignment = await HomeroomAssignment.select(HomeroomAssignment.teacher).where(
        HomeroomAssignment.classroom == child["classroom"]).first()
    teacher = await sessions.viewer_of(assignment["teacher"])
    today = clock.today()
    calendar = await schools.calendar_between(school_id, today - timedelta(days=21), today + timedelta(days=14))
    past = [day for day in calendar.school_days() if day < today]
    ahead = [day for day in calendar.school_days() if day > today]
    settings, store, queue = Settings.from_env(), open_photo_store(Settings.from_env()), JobQueue(None)

    def morning(day):
        return clock.set_to(datetime.combine(day, time(7, 0), tzinfo=clock.SCHOOL_TIME))

    made = 0
    if len(past) >= 5:
        with morning(past[-5]):
            asked = await leave.ask_leave(family, store, {"kind": "sick", "first_day": past[-5].isoformat(),
                                                          "reason": "มีไข้สูง ไปหาหมอที่โรงพยาบาล"}, [child["id"]], None)
            await leave.accept(teacher, asked.ids[0])
        with morning(past[-3]):
            asked = await leave.ask_leave(family, store, {"kind": "personal", "first_day": past[-3].isoformat(),
                                                          "reason": "ไปงานบวชญาติที่ต่างจังหวัด"}, [child["id"]], None)
            await leave.question(teacher, settings, queue, asked.ids[0],
                                 "ลาติดกันหลายครั้งแล้ว รบกวนผู้ปกครองโทรคุยกับครูด้วยค่ะ")
        made += 2
    if ahead:
        await leave.ask_leave(family, store, {"kind": "sick", "first_day": ahead[0].isoformat(),
                                              "reason": "นัดหมอฟันตอนเช้า"}, [child["id"]], None)
        made += 1
    classmate = await StudentGuardian.select(StudentGuardian.student, StudentGuardian.guardian).where(
        (StudentGuardian.student.classroom == child["classroom"]) & (StudentGuardian.student != child["id"])
        & (StudentGuardian.school == school_id)).order_by(StudentGuardian.student).first()
    day = today if calendar.is_school_day(today) else (ahead[0] if ahead else None)
    if classmate and day:
        await leave.enter_by_phone(teacher, {"who": f"{classmate['student']}-{classmate['guardian']}", "kind": "sick",
                                             "first_day": day.isoformat(), "reason": "ยายโทรมาแจ้งว่าท้องเสีย"})
        made += 1
    return made


async def seed_conversations(school_id: int) -> int:
    """Messages between the demo parent's class and its homeroom teacher, over the last days, written as people would
    through the services: the demo parent and two more parents of the class write, the teacher answers, a message
    to the whole class goes out (through the outbox), and the demo parent's last message waits unread. Returns the
    threads."""
    from datetime import timedelta

    from backend import clock
    from backend.accounts.tables import HomeroomAssignment
    from backend.config import Settings
    from backend.conversations import services as conversations
    from backend.conversations.tables import Thread
    from backend.notify.queue import JobQueue
    from backend.students.tables import StudentGuardian

    parent = await User.select(User.id).where((User.school == school_id) & (User.role == Role.parent.value)).first()
    if parent is None:
        return 0
    child = await StudentGuardian.select(StudentGuardian.student, StudentGuardian.student.classroom.as_alias(
        "classroom")).where(StudentGuardian.guardian.user == parent["id"]).order_by(StudentGuardian.id).first()
    teacher = await HomeroomAssignment.select(HomeroomAssignment.teacher).where(
        HomeroomAssignment.classroom == child["classroom"]).first()
    admin = await admin_viewer(school_id)
    others = await StudentGuardian.select(StudentGuardian.student, StudentGuardian.guardian).where(
        (StudentGuardian.student.classroom == child["classroom"]) & (StudentGuardian.student != child["student"])
        & StudentGuardian.guardian.phone.is_not_null() & (StudentGuardian.guardian.has_smartphone == True)  # noqa: E712
        & StudentGuardian.guardian.user.is_null()).order_by(StudentGuardian.id).limit(2)
    writers = [(parent["id"], child["student"])]
    for other in others:
        writers.append((await codes.ensure_parent_account(admin, other["guardian"]), other["student"]))
    settings, queue = Settings.from_env(), JobQueue(None)  # the worker's sweep sends what the outbox holds
    teacher_viewer = await sessions.viewer_of(teacher["teacher"])
    today = clock.today()
    words = (("สวัสดีค่ะครู ลูกมีไข้ตั้งแต่เมื่อคืน วันนี้ขอให้พักที่บ้านหนึ่งวันนะคะ", "ได้ครับ ขอให้หายไว ๆ ครูจะส่งการบ้านให้ทางแอปครับ"),
             ("ครูคะ ลูกบอกว่าลืมสมุดการบ้านไว้ที่โรงเรียน ครูช่วยเก็บไว้ให้ด้วยนะคะ", "ครูเก็บไว้ที่โต๊ะครูแล้วครับ"),
             ("ขออนุญาตมารับลูกก่อนเวลาวันศุกร์นี้ บ่ายสองโมงค่ะ", "รับทราบครับ ให้มารับที่ห้องธุรการนะครับ"))
    for days_ago, (user_id, student_id), (question, answer) in zip((6, 4, 3), writers, words, strict=False):
        day = today - timedelta(days=days_ago)
        with clock.set_to(datetime.combine(day, time(19, 40), tzinfo=clock.SCHOOL_TIME)):
            await conversations.write_to_teacher(await sessions.viewer_of(user_id), student_id, {"body": question})
        thread = await Thread.select(Thread.id).where(Thread.student == student_id).order_by(Thread.id,
                                                                                              ascending=False).first()
        with clock.set_to(datetime.combine(day + timedelta(days=1), time(7, 50), tzinfo=clock.SCHOOL_TIME)):
            await conversations.open_thread(teacher_viewer, Settings.from_env(), thread["id"])
            await conversations.reply(teacher_viewer, settings, queue, thread["id"], {"body": answer})
    with clock.set_to(datetime.combine(today - timedelta(days=2), time(15, 0), tzinfo=clock.SCHOOL_TIME)):
        await conversations.message_class(teacher_viewer, settings, queue, child["classroom"], {
            "body": "แจ้งผู้ปกครอง วันศุกร์นี้นักเรียนแต่งชุดกีฬาสีมาโรงเรียน", "confirm": "1", "student": ""})
    with clock.set_to(datetime.combine(today - timedelta(days=1), time(20, 15), tzinfo=clock.SCHOOL_TIME)):
        await conversations.write_to_teacher(await sessions.viewer_of(parent["id"]), child["student"],
                                             {"body": "ขอบคุณครูมากค่ะ ตอนนี้ลูกหายดีแล้ว พรุ่งนี้ไปโรงเรียนได้ค่ะ"})
    return await Thread.count().where(Thread.school == school_id)


async def students_of(classroom_id: int) -> list[int]:
    from backend.students.tables import Student

    return [row["id"] for row in await Student.select(Student.id).where(Student.classroom == classroom_id).order_by(
        Student.number_in_class)]


async def seed_care(school_id: int, rooms: list[dict], prefix: str) -> str:
    """The care system after screening in the first rooms: the homeroom teacher confirms the proposed group of the
    students the questionnaires flag, opens cases for most of them with a plan (a buddy, the parents, counselling by
    the counsellor), follow-ups, one referral to the counsellor reported back and one to an agency outside with its
    letter. Returns the counsellor's username."""

    from backend.care import referrals, services as care
    from backend.screening import services as screening
    from backend.screening.tables import Group

    username = f"{prefix}-counsellor"
    counsellor_id = await accounts.create_user(school_id, username, "ครูรัตนา แนะแนวดี", Role.counsellor, DEMO_PASSWORD)
    counsellor = await sessions.viewer_of(counsellor_id)
    opened = 0
    for room in rooms:
        teacher = await _homeroom_viewer(room["id"])
        year_id, term = await screening.current_term(teacher)
        members = await students_of(room["id"])
        proposed = await screening.proposals(school_id, members, year_id, term)
        # Half of the students the questionnaires find normal are confirmed so; the rest wait for the teacher.
        normal = [sid for sid, p in proposed.items() if p.group is Group.normal]
        for student_id in normal[:len(normal) // 2]:
            await screening.confirm_group(teacher, student_id, Group.normal.value, "")
        flagged = [sid for sid, p in proposed.items() if p.group in (Group.risk, Group.problem)]
        for index, student_id in enumerate(flagged):
            await screening.confirm_group(teacher, student_id, proposed[student_id].group.value, "")
            if index % 3 == 2:
                continue  # left for the teacher: "needs a case"
            case_id = await care.open_case(teacher, student_id, {
                "concern": "ผลคัดกรองพบปัญหาด้านอารมณ์และเพื่อน มาสายบ่อย", "source": "screening"})
            buddy = next(m for m in members if m != student_id)
            soon = (await care.follow_up_day(school_id)).isoformat()  # a week on, on a school day
            await care.add_activity(teacher, case_id, {"kind": "buddy", "buddy": buddy, "follow_up_on": soon,
                                                       "description": "ให้เพื่อนชวนทำการบ้านด้วยกันช่วงพัก"})
            await care.add_activity(teacher, case_id, {"kind": "parents", "follow_up_on": soon,
                                                       "description": "โทรคุยกับผู้ปกครองสัปดาห์ละครั้ง"})
            await care.add_activity(teacher, case_id, {"kind": "counselling", "responsible": counsellor_id,
                                                       "follow_up_on": (await care.follow_up_day(school_id, 0)
                                                                        ).isoformat()})
            await care.add_follow_up(teacher, case_id, {"done": "คุยกับนักเรียน ยอมรับว่านอนดึกเล่นเกม",
                                                        "progress": "same"})
            await care.add_note(teacher, case_id, {"body": "พ่อแม่แยกทางกัน อยู่กับยาย", "sensitivity": "case_team"})
            opened += 1
            if opened == 1:
                referral = await referrals.refer(teacher, case_id, {
                    "to_role": "counsellor", "reason": "ร้องไห้บ่อย ไม่อยากมาโรงเรียน",
                    "tried": "เพื่อนช่วยเพื่อน คุยกับผู้ปกครอง"})
                await referrals.accept(counsellor, referral)
                await referrals.report_back(counsellor, referral, {
                    "report": "พบ 2 ครั้ง มีความเครียดเรื่องครอบครัว นัดพบทุกวันพุธ แนะนำให้ครูประจำชั้นชมเชยเมื่อมาเรียน"})
            if opened == 2:
                agency = (await referrals.agencies(school_id))[0]
                await referrals.refer(counsellor, case_id, {
                    "direction": "outside", "agency": agency["id"],
                    "reason": "ซึมเศร้าต่อเนื่อง นอนไม่หลับ ขอรับการประเมินจากจิตแพทย์",
                    "tried": "ให้คำปรึกษา 3 ครั้ง", "consent": "yes", "consent_from": "ผู้ปกครอง (มารดา)",
                    "urgency": "soon"})
    await seed_phqa(school_id, rooms[0])
    await seed_talent(rooms, counsellor_id)
    return username


async def seed_phqa(school_id: int, room: dict) -> None:
    """Half of the first room answered the PHQ-A on their phones: most feel fine, a few are low, and one answered
    yes to a suicide-risk question, so the counsellor's and the director's home pages open on an urgent case."""
    import random

    from backend.care import phqa
    from backend.config import Settings
    from backend.notify.queue import JobQueue

    rng = random.Random(1323)
    settings, queue = Settings.from_env(), JobQueue(None)  # the worker's sweep sends the SMS
    teacher = await _homeroom_viewer(room["id"])
    members = (await students_of(room["id"]))[1::2]  # not the first: the demo student answers for themself
    slips = await accounts.issue_student_passwords(teacher, members)
    ids = {row["username"]: row["id"] for row in await User.select(User.id, User.username).where(
        User.username.is_in([slip["username"] for slip in slips]))}
    for index, slip in enumerate(slips):
        low = index % 5 == 1
        form = {f"q{n}": str(rng.choice((1, 2, 2, 3) if low else (0, 0, 0, 1))) for n in range(1, 10)}
        form.update(past_year="1" if low else "0", difficulty="1" if low else "0", thoughts="0", attempt="0")
        if index == 3:
            form["thoughts"] = "1"
        await phqa.file(await sessions.viewer_of(ids[slip["username"]]), settings, queue, form)




# Three gifted students of the first rooms, each with a development plan, its activities and achievements.
DEMO_TALENTS = (
    ({"talent": "academic", "talent_detail": "คณิตศาสตร์",
      "goals": "เตรียมสอบแข่งขันคณิตศาสตร์โอลิมปิก (สอวน.) และเป็นพี่เลี้ยงติวเพื่อนในห้อง"},
     [("ติวโจทย์โอลิมปิกกับครูคณิตศาสตร์", "ทุกวันพุธ หลังเลิกเรียน"), ("ฝึกทำข้อสอบเก่า สอวน.", "มิ.ย. – ส.ค.")],
     [(40, "เหรียญทอง การแข่งขันคณิตศาสตร์", "district", "งานศิลปหัตถกรรมนักเรียน"),
      (12, "ผ่านการคัดเลือก ค่าย สอวน. ค่าย 1", "region", "")]),
    ({"talent": "sport", "talent_detail": "ฟุตซอล",
      "goals": "พัฒนาทักษะและความฟิต ติดทีมโรงเรียน และรักษาผลการเรียนให้ไม่ต่ำกว่า 2.50"},
     [("ซ้อมกับทีมโรงเรียน", "จันทร์ พุธ ศุกร์ 16:00–17:30")],
     [(25, "ชนะเลิศฟุตซอล รุ่นอายุไม่เกิน 15 ปี", "province", "กีฬานักเรียนจังหวัด")]),
    ({"talent": "music", "talent_detail": "ระนาดเอก",
      "goals": "ฝึกระนาดเอกเพลงเดี่ยว และร่วมวงดนตรีไทยของโรงเรียนในงานสำคัญ"},
     [("ฝึกกับวงดนตรีไทย", "คาบชุมนุม ทุกวันพฤหัสบดี")],
     []),
)


async def seed_talent(rooms: list[dict], counsellor_id: int) -> int:
    """Students confirmed in the special group, one or two a room, with their development plans."""
    from datetime import timedelta

    from backend import clock
    from backend.care import talent
    from backend.screening import services as screening

    planned = 0
    for index, (plan, activities, achievements) in enumerate(DEMO_TALENTS):
        room = rooms[index % len(rooms)]
        teacher = await _homeroom_viewer(room["id"])
        members = await students_of(room["id"])
        year_id, term = await screening.current_term(teacher)
        decided = await screening.decisions(members, year_id, term)
        student_id = next(m for m in reversed(members) if m not in decided)  # a student in no group yet
        await screening.confirm_group(teacher, student_id, "special", "ผลการเรียนและผลงานโดดเด่น")
        plan_id = await talent.create_plan(teacher, student_id, plan)
        for number, (what, when) in enumerate(activities):
            await talent.add_activity(teacher, plan_id, {"what": what, "schedule": when,
                                                         "responsible": counsellor_id if number else ""})
        for days_ago, title, level, note in achievements:
            await talent.add_achievement(teacher, plan_id, {
                "achieved_on": (clock.today() - timedelta(days=days_ago)).isoformat(), "title": title,
                "level": level, "note": note})
        planned += 1
    return planned


async def seed_digests(school_id: int, weeks: int = 2) -> int:
    """The homeroom teachers' digests of the last weeks, compiled as the Friday cron would have at 16:00."""
    from datetime import timedelta

    from backend import clock
    from backend.behaviour import digest
    from backend.config import Settings
    from backend.schools.calendar import Week

    this_week = Week.of(clock.today())
    if clock.now() >= datetime.combine(this_week.friday, time(16), tzinfo=clock.SCHOOL_TIME):
        this_week = Week.of(this_week.monday + timedelta(weeks=1))  # this Friday's digest is out already
    built = 0
    for back in range(weeks, 0, -1):
        week = Week.of(this_week.monday - timedelta(weeks=back))
        with clock.set_to(datetime.combine(week.friday, time(16), tzinfo=clock.SCHOOL_TIME)):
            built += len(await digest.compile_school(Settings.from_env(), school_id, week))
    return built


async def seed_sms_month(school_id: int, seed: int = 2569, per_day: int = 30) -> int:
    """This month's SMS so far, as the worker would have left them (absences told by SMS and delivered), and a
    budget of 3,000 baht at 0.75 baht a part, so the Messages page shows the spend, the forecast and the guard."""
    from datetime import timedelta

    from backend import clock
    from backend.notify import budget
    from backend.notify.tables import Alert, Message
    from backend.students.tables import StudentGuardian

    rng = random.Random(seed)
    await budget.set_budget(await admin_viewer(school_id), {"monthly": "3000", "price": "0.75"})
    links = await StudentGuardian.select(StudentGuardian.student, StudentGuardian.guardian,
                                         StudentGuardian.guardian.phone.as_alias("phone"),
                                         StudentGuardian.student.first_name.as_alias("name")).where(
        (StudentGuardian.school == school_id) & StudentGuardian.guardian.phone.is_not_null()
        & (StudentGuardian.student.active == True))  # noqa: E712
    links = list({link["student"]: link for link in reversed(links)}.values())  # one guardian (the first) each
    if not links:
        return 0
    today = clock.today()
    made = 0
    for day in (today.replace(day=d) for d in range(1, today.day)):  # the days of this month before today
        if day.weekday() >= 5:
            continue
        moment = datetime.combine(day, time(8, 40), clock.SCHOOL_TIME).astimezone(timezone.utc)
        chosen = rng.sample(links, min(per_day, len(links)))
        alerts = await Alert.insert(*[Alert(
            school=school_id, student=link["student"], event_key=f"demo-sms:{link['student']}:{day}", kind="absent",
            day=day, created_at=moment) for link in chosen]).returning(Alert.id, Alert.student)
        ids = {row["student"]: row["id"] for row in alerts}
        await Message.insert(*[Message(
            school=school_id, alert=ids[link["student"]], guardian=link["guardian"], channel="sms",
            dedupe_key=f"demo-sms:{link['student']}:{day}|{link['guardian']}|sms", recipient=link["phone"],
            body=f"ดูแลวิทยา: {link['name']} ขาดเรียนวันนี้ กรุณาติดต่อครูประจำชั้น", segments=1,
            status="delivered", not_before=moment, attempts=1, provider_id=f"SMdemo{ids[link['student']]}",
            created_at=moment, updated_at=moment + timedelta(seconds=5), sent_at=moment + timedelta(seconds=2))
            for link in chosen])
        made += len(chosen)
    return made


async def settle_history_messages(school_id: int) -> int:
    """The history is written with the clock set back, and no worker ran then: what fell due before today went out at
    the time, as the worker would have sent it. Left queued, a month of meeting invitations, survey codes and
    summaries went out by SMS when the demo started, at whatever hour that was, or waited as over the budget."""
    from backend import clock
    from backend.notify.tables import Message

    today = datetime.combine(clock.today(), time(0), clock.SCHOOL_TIME)
    settled = await Message.raw(
        "UPDATE message SET status = 'delivered', attempts = 1, sent_at = not_before, updated_at = not_before "
        "WHERE school = {} AND status = 'queued' AND not_before < {} RETURNING id", school_id, today)
    return len(settled)


async def seed_family_summaries(school_id: int) -> int:
    """The latest weekly family summaries, built as the Friday job does at 18:00: last week's, or this week's once its
    Friday evening has passed. The demo parent's child did a good deed that week, so the parent finds a summary on
    their home page and at /summary (with the lateness and behaviour they chose to hear of weekly). Returns how many
    summaries were built."""
    import uuid
    from datetime import timedelta

    from backend import clock
    from backend.accounts.tables import HomeroomAssignment
    from backend.behaviour import services as behaviour
    from backend.config import Settings
    from backend.schools.calendar import Week
    from backend.students.tables import StudentGuardian
    from backend.summary import services as summary

    school = await School.select(School.timezone).where(School.id == school_id).first()
    week = Week.of(clock.today())
    if clock.now() < summary.due_at(week, school["timezone"]):
        week = Week(week.monday - timedelta(weeks=1))
    days = (await schools.calendar_between(school_id, week.monday, week.friday)).school_days()
    parent = await User.select(User.id).where((User.school == school_id) & (User.role == Role.parent.value)).first()
    child = await StudentGuardian.select(
        StudentGuardian.student, StudentGuardian.student.classroom.as_alias("room")).where(
        StudentGuardian.guardian.user == parent["id"]).first() if parent else None
    if child and days:
        teacher = await HomeroomAssignment.select(HomeroomAssignment.teacher).where(
            HomeroomAssignment.classroom == child["room"]).first()
        with clock.set_to(datetime.combine(days[-1], time(15), clock.SCHOOL_TIME)):
            helping = next(c for c in await behaviour.categories(school_id) if c["code"] == "helping")
            await behaviour.record(await sessions.viewer_of(teacher["teacher"]), {
                "client_id": uuid.uuid4().hex, "kind": "good_deed", "students": [child["student"]],
                "category": helping["id"], "happened_at": f"{days[-1].isoformat()}T11:30"})
    with clock.set_to(summary.due_at(week, school["timezone"]) + timedelta(minutes=13)):
        return (await summary.compile_school(Settings.from_env(), school_id, week)).built


SURVEY_SUGGESTIONS = ("อยากให้แจ้งการบ้านในแอปด้วย", "ขอบคุณครูประจำชั้นที่ดูแลลูกอย่างดี",
                      "อยากให้มีประชุมผู้ปกครองช่วงเย็นหรือวันเสาร์", "ห้องน้ำนักเรียนควรปรับปรุง",
                      "อยากให้โรงเรียนดูแลเรื่องการกลั่นแกล้งกันมากขึ้น")


async def seed_survey(school_id: int, parent_guardian: int, seed: int = 2569) -> int:
    """This term's parents' survey, opened by the director twelve days ago; a little over half the guardians have
    answered with the code from their message (the demo parent has not: their home page asks them)."""
    import re
    from datetime import timedelta

    from backend import clock
    from backend.accounts.tables import User
    from backend.config import Settings
    from backend.notify.queue import JobQueue
    from backend.notify.tables import Message
    from backend.survey import services as survey

    rng = random.Random(seed)
    director = await User.select(User.id).where(
        (User.school == school_id) & (User.role == Role.executive.value)).first()
    settings = Settings.from_env()
    with clock.set_to(clock.now() - timedelta(days=12)):
        await survey.open_survey(await sessions.viewer_of(director["id"]), settings, JobQueue(None), {
            "questions": "\n".join(survey.DEFAULT_QUESTIONS), "free_question": survey.DEFAULT_FREE_QUESTION})
    sent = await Message.select(Message.guardian, Message.body).where(
        (Message.school == school_id) & (Message.alert.kind == "survey_code"))
    codes = {row["guardian"]: match.group(1) for row in sent if (match := re.search(r"\b(\d{8})\b", row["body"]))}
    answered = 0
    for guardian_id, code in codes.items():
        if guardian_id == parent_guardian or rng.random() > 0.55:
            continue
        scores = {f"q{i}": str(min(5, max(1, round(rng.gauss(4.1 if i != 3 else 3.4, 0.8)))))
                  for i in range(len(survey.DEFAULT_QUESTIONS))}
        words = rng.choice(SURVEY_SUGGESTIONS) if rng.random() < 0.15 else ""
        await survey.answer_with_code(settings, {"code": code, "free_text": words, **scores}, "demo")
        answered += 1
    return answered
