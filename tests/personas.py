"""The people in the tests, as module-level facts.

Bangkok school (BKK), school year 2569, ม.1 and ม.2:
- Somchai keeps homeroom ม.1/1. Anan (10001) and Bua (10002) are in ม.1/1; Chai (10003) is in ม.1/2.
- Malee keeps homeroom ม.1/2.
- Wipa is a subject teacher with no homeroom; she teaches ม.1/1 mathematics (คณิตศาสตร์).
- Ratana is the guidance counsellor; Kanya the admin; Director Wichai the executive; Nipa the nurse; Prasit the
  discipline officer. Chai signs in as a student (username bkk-10003).
- Sunee is the grade-level head (หัวหน้าระดับ) of ม.1 this school year: she reads ม.1/1's and ม.1/2's registers,
  screening and records (not the counsellor's notes), and keeps no homeroom.
- Somsri (081-111-1111) is the mother of Anan and of Chai (siblings in different rooms); she has a parent account.
- Prasert (082-222-2222) is Bua's father; he has no account yet.
- Both schools keep the usual calendar (weekends, the fixed-date holidays), and open on the day the tests run: when
  that is a weekend or a holiday, it is a make-up school day, so that today's register is expected and alerts go.
Chiang Mai school (CNX):
- Preecha is its admin and Dao a homeroom teacher of its ม.1/1, where Ek (20001) studies; Ek's mother is Noi
  (083-333-3333, with an account). None of them may see anything of Bangkok's, nor Bangkok's of theirs.
The area office:
- Supervisor Areerat (areasup) is an area supervisor (ศึกษานิเทศก์) overseeing Bangkok only, not Chiang Mai: she sees
  Bangkok's figures (counts only) and no student, class list or record of either school.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend import clock, schoolyear
from backend.accounts import services as accounts
from backend.accounts import codes, passwords, sessions
from backend.accounts import staff
from backend.accounts.access import Viewer
from backend.accounts.middleware import SESSION_COOKIE
from backend.accounts.tables import Role, TeachingAssignment, User
from backend.schools import services as schools
from backend.schools.tables import Classroom, Grade
from backend.students import services as students
from backend.students.tables import Guardian, Student

PASSWORD = "persona-password"
_password_hash: str | None = None

BANGKOK_ROSTER = """เลขประจำตัวนักเรียน,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่,ชื่อผู้ปกครอง1,ความสัมพันธ์1,โทรศัพท์1,สมาร์ทโฟน1
10001,เด็กชาย,อนันต์,ใจดี,ม.1/1,1,สมศรี ใจดี,มารดา,081-111-1111,ใช่
10002,เด็กหญิง,บัว,รักเรียน,ม.1/1,2,ประเสริฐ รักเรียน,บิดา,082-222-2222,ไม่ใช่
10003,เด็กชาย,ชัย,ใจดี,ม.1/2,1,สมศรี ใจดี,มารดา,081-111-1111,ใช่
"""
CHIANG_MAI_ROSTER = """เลขประจำตัวนักเรียน,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่,ชื่อผู้ปกครอง1,ความสัมพันธ์1,โทรศัพท์1,สมาร์ทโฟน1
20001,เด็กชาย,เอก,ดอยคำ,ม.1/1,1,น้อย ดอยคำ,มารดา,083-333-3333,ใช่
"""


@dataclass
class Person:
    user_id: int
    username: str
    name: str

    async def viewer(self) -> Viewer:
        return await sessions.viewer_of(self.user_id)

    async def sign_in(self, settings, browser) -> None:
        """Give a test browser this person's session, as signing in would (without argon2's cost)."""
        token = await sessions.start_session(settings, self.user_id)
        browser.cookies.set(SESSION_COOKIE, token)


@dataclass
class People:
    bangkok: int
    chiang_mai: int
    somchai: Person
    malee: Person
    wipa: Person
    ratana: Person
    kanya: Person
    wichai: Person
    somsri: Person
    preecha: Person
    dao: Person
    noi: Person
    nipa: Person
    prasit: Person
    chai: Person
    sunee: Person
    areasup: Person
    students: dict[str, int]  # by code
    guardians: dict[str, int]  # by phone
    classrooms: dict[str, int]  # "BKK ม.1/1"


async def _person(school_id: int, username: str, name: str, role: Role) -> Person:
    global _password_hash
    if _password_hash is None:
        _password_hash = passwords.hash_password(PASSWORD)  # argon2 is slow by design: hash once per run
    rows = await User.insert(User(school=school_id, username=username, display_name=name, role=role.value,
                                  password_hash=_password_hash, created_at=clock.now())).returning(User.id)
    return Person(rows[0]["id"], username, name)


async def _school(code: str, name: str, roster: str, admin: tuple[str, str]) -> tuple[int, Person, Viewer]:
    school_id = await schools.create_school(code, name, name[:10], ["ม.1", "ม.2"])
    await schools.ensure_school_year(school_id, schoolyear.school_year_of(clock.today()))  # its holidays written
    today = clock.today()
    if not (await schools.calendar_between(school_id, today, today)).is_school_day(today):
        await schools.add_calendar_day(school_id, "school_day", "วันเรียนชดเชย",
                                       f"{today.day}/{today.month}/{schoolyear.be_year(today)}")
    admin_person = await _person(school_id, admin[0], admin[1], Role.admin)
    viewer = await admin_person.viewer()
    preview = await students.import_roster(viewer, "roster.csv", roster.encode("utf-8"))
    assert not preview.errors, preview.errors
    return school_id, admin_person, viewer


async def _parent(viewer: Viewer, phone: str) -> Person:
    guardian = await Guardian.select(Guardian.id, Guardian.name).where(Guardian.phone == phone).first()
    user_id = await codes.ensure_parent_account(viewer, guardian["id"])
    await User.update({User.password_hash: _password_hash}).where(User.id == user_id)
    return Person(user_id, phone, guardian["name"])


async def _student(school_id: int, code: str) -> Person:
    student = await Student.select(Student.id, Student.first_name, Student.last_name).where(
        (Student.school == school_id) & (Student.code == code)).first()
    person = await _person(school_id, f"bkk-{code}", f"{student['first_name']} {student['last_name']}", Role.student)
    await Student.update({Student.user: person.user_id}).where(Student.id == student["id"])
    return person


async def _area_supervisor() -> Person:
    """Made as the deployment's operator makes one (the `doolae` command's service), then given the shared hash."""
    user_id = await accounts.create_area_supervisor("areasup", "ศน.อารีรัตน์", "x" * 12, ["BKK"])
    await User.update({User.password_hash: _password_hash}).where(User.id == user_id)
    return Person(user_id, "areasup", "ศน.อารีรัตน์")


async def build_personas(settings) -> People:
    bangkok, kanya, bangkok_admin = await _school("BKK", "โรงเรียนกรุงเทพศึกษา", BANGKOK_ROSTER,
                                                  ("kanya", "ครูกันยา"))
    chiang_mai, preecha, cnx_admin = await _school("CNX", "โรงเรียนเชียงใหม่วิทยา", CHIANG_MAI_ROSTER,
                                                   ("preecha", "ครูปรีชา"))
    classrooms = {}
    for row in await Classroom.select(Classroom.id, Classroom.room, Classroom.school.code.as_alias("school"),
                                      Classroom.grade.code.as_alias("grade")):
        classrooms[f"{row['school']} {row['grade']}/{row['room']}"] = row["id"]
    somchai = await _person(bangkok, "somchai", "ครูสมชาย", Role.homeroom_teacher)
    malee = await _person(bangkok, "malee", "ครูมาลี", Role.homeroom_teacher)
    dao = await _person(chiang_mai, "dao", "ครูดาว", Role.homeroom_teacher)
    await accounts.assign_homeroom(bangkok_admin, classrooms["BKK ม.1/1"], somchai.user_id)
    await accounts.assign_homeroom(bangkok_admin, classrooms["BKK ม.1/2"], malee.user_id)
    await accounts.assign_homeroom(cnx_admin, classrooms["CNX ม.1/1"], dao.user_id)
    wipa = await _person(bangkok, "wipa", "ครูวิภา", Role.subject_teacher)
    sunee = await _person(bangkok, "sunee", "ครูสุนีย์", Role.grade_head)
    grade = await Grade.select(Grade.id).where((Grade.school == bangkok) & (Grade.code == "ม.1")).first()
    await staff.assign_grade_head(bangkok_admin, grade["id"], sunee.user_id)
    await TeachingAssignment.insert(TeachingAssignment(
        school=bangkok, school_year=bangkok_admin.school_year_id, classroom=classrooms["BKK ม.1/1"],
        teacher=wipa.user_id, subject="คณิตศาสตร์"))
    return People(
        bangkok=bangkok, chiang_mai=chiang_mai, somchai=somchai, malee=malee, wipa=wipa,
        ratana=await _person(bangkok, "ratana", "ครูรัตนา", Role.counsellor),
        kanya=kanya,
        wichai=await _person(bangkok, "wichai", "ผอ.วิชัย", Role.executive),
        somsri=await _parent(bangkok_admin, "+66811111111"),
        preecha=preecha, dao=dao,
        noi=await _parent(cnx_admin, "+66833333333"),
        nipa=await _person(bangkok, "nipa", "ครูนิภา", Role.nurse),
        prasit=await _person(bangkok, "prasit", "ครูประสิทธิ์", Role.discipline),
        chai=await _student(bangkok, "10003"),
        sunee=sunee,
        areasup=await _area_supervisor(),
        students={r["code"]: r["id"] for r in await Student.select(Student.id, Student.code)},
        guardians={r["phone"]: r["id"] for r in await Guardian.select(Guardian.id, Guardian.phone)},
        classrooms=classrooms,
    )
