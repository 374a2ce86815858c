"""A school whose care-system figures are known by construction, made with the personas and the areas' own services.

Bangkok, this term: ม.1/1 keeps Anan, Bua and four newcomers (ปอ, ปาน, ปลา with problems-to-be, นิด not screened);
ม.1/2 keeps Chai and two newcomers (รัก, เรียม). Nine students.
- Known: Anan's and Chai's records are complete (four sections), Bua's has learning only; Anan, Bua, Chai and ปอ were
  visited at home (ปาน's visit is only planned): records 2/9, visits 4/9.
- Screened: Somchai filed the teacher SDQ of Anan and Bua and the student SDQ of Anan on paper; Malee the parent SDQ
  of Chai. Groups confirmed: Bua, ปอ, ปาน, ปลา with problems; Anan and Chai at risk; รัก normal. นิด and เรียม have
  nothing: not screened. Screened 7/9, confirmed 7/9.
- Prevention: of the six at risk or with problems, Bua and ปอ have a case (2/6); of the four with problems only Bua's
  case has a plan, so the problem students without a plan are ปอ, ปาน and ปลา (3); Bua's case has a follow-up this
  month (1 of 2 cases).
- Referral: Bua's case and ปอ's referred to the counsellor this term; Ratana reported back on Bua's (1/2).
- Promotion: a homeroom activity in ม.1/1 and a parents' meeting held there (1 of 2 classes each).
- Risk behaviour: Prasit recorded a fight (serious) naming Chai and a lateness (not a risk behaviour).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from backend import clock
from backend.behaviour import services as behaviour
from backend.care import referrals
from backend.care import services as care
from backend.promotion import services as promotion
from backend.records import services as records
from backend.screening import filling
from backend.screening import services as screening
from backend.students import enrolment
from backend.visits import services as visits

NEWCOMERS = {  # code: (class, first name)
    "10011": ("BKK ม.1/1", "ปอ"), "10012": ("BKK ม.1/1", "ปาน"), "10013": ("BKK ม.1/1", "ปลา"),
    "10014": ("BKK ม.1/1", "นิด"), "10021": ("BKK ม.1/2", "รัก"), "10022": ("BKK ม.1/2", "เรียม"),
}
SECTIONS = {"learning": {"gpa_last_term": "3.1", "strengths": "วาดรูป"}, "health": {"physical": "แข็งแรง"},
            "family": {"lives_with": "both_parents", "household_size": "4"}, "safety": {"travel": "walk"}}
SDQ_CALM = "0" * 25  # every difficulty "not true"
PROBLEMS_WITHOUT_PLAN = ("ปอ", "ปาน", "ปลา")


@dataclass
class Known:
    students: dict[str, int]  # by first name
    cases: dict[str, int]


async def seed(people, app) -> Known:
    admin, somchai, malee = (await people.kanya.viewer(), await people.somchai.viewer(), await people.malee.viewer())
    ratana, prasit = await people.ratana.viewer(), await people.prasit.viewer()
    ids = {"อนันต์": people.students["10001"], "บัว": people.students["10002"], "ชัย": people.students["10003"]}
    for number, (code, (room, name)) in enumerate(NEWCOMERS.items(), start=3):
        ids[name] = await enrolment.add_student(admin, enrolment.Arrival(
            classroom=people.classrooms[room], code=code, title="ด.ช.", first_name=name, last_name="ทดสอบ",
            number=str(number)))
    today = clock.today().isoformat()

    for name, teacher in (("อนันต์", somchai), ("ชัย", malee)):
        for section, values in SECTIONS.items():
            await records.save_section(teacher, ids[name], section, values)
    await records.save_section(somchai, ids["บัว"], "learning", SECTIONS["learning"])
    for name, status, teacher in (("อนันต์", "done", somchai), ("บัว", "done", somchai), ("ชัย", "done", malee),
                                  ("ปอ", "done", somchai), ("ปาน", "planned", somchai)):
        await visits.save_visit(teacher, {"client_id": str(uuid.uuid4()), "student": ids[name], "status": status,
                                          "visited_on": today})

    await filling.enter_paper(somchai, ids["อนันต์"], "sdq", "teacher", {"typed": SDQ_CALM})
    await filling.enter_paper(somchai, ids["บัว"], "sdq", "teacher", {"typed": SDQ_CALM})
    await filling.enter_paper(somchai, ids["อนันต์"], "sdq", "student", {"typed": SDQ_CALM})
    await filling.enter_paper(malee, ids["ชัย"], "sdq", "parent", {"typed": SDQ_CALM})
    for name, group in (("บัว", "problem"), ("ปอ", "problem"), ("ปาน", "problem"), ("ปลา", "problem"),
                        ("อนันต์", "risk")):
        await screening.confirm_group(somchai, ids[name], group, "ครูเห็นเอง")
    for name, group in (("ชัย", "risk"), ("รัก", "normal")):
        await screening.confirm_group(malee, ids[name], group, "ครูเห็นเอง")

    cases = {name: await care.open_case(somchai, ids[name], {"concern": "ขาดเรียนบ่อย"}) for name in ("บัว", "ปอ")}
    await care.add_activity(somchai, cases["บัว"], {"kind": "parents", "follow_up_on": today})
    await care.add_follow_up(somchai, cases["บัว"], {"done": "โทรคุยกับพ่อ", "progress": "same"})
    sent = {name: await referrals.refer(somchai, case_id, {"to_role": "counsellor", "reason": "ร้องไห้บ่อย"})
            for name, case_id in cases.items()}
    await referrals.accept(ratana, sent["บัว"])
    await referrals.report_back(ratana, sent["บัว"], {"report": "พบนักเรียนสองครั้ง"})

    room = people.classrooms["BKK ม.1/1"]
    await promotion.record_activity(somchai, room, {"held_on": today, "topic": "การจัดการอารมณ์"})
    meeting = await promotion.schedule_meeting(somchai, app.state.settings, app.state.queue, room, {
        "held_on": today, "starts_at": "08:00", "place": "ห้อง 121"})
    await promotion.record_meeting(somchai, meeting, {"minutes": "แจ้งกิจกรรมภาคเรียน"})

    categories = {c["code"]: c["id"] for c in await behaviour.categories(people.bangkok)}
    for code in ("fighting", "late"):
        await behaviour.record(prasit, {"client_id": uuid.uuid4().hex, "students": [ids["ชัย"]],
                                        "category": categories[code], "sanction": "warning"})
    return Known(ids, cases)


# Three schools for the area view: Bangkok as above; Chiang Mai, Ekk (its one student) visited at home and confirmed
# at risk by Dao, with no case; Khon Kaen, four students and nothing recorded yet. Each school has a director.
KHON_KAEN = "KKN"
KHON_KAEN_ROSTER = """เลขประจำตัวนักเรียน,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่,ชื่อผู้ปกครอง1,ความสัมพันธ์1,โทรศัพท์1,สมาร์ทโฟน1
30001,เด็กชาย,กล้า,แก่นคูน,ม.1/1,1,แก้ว แก่นคูน,มารดา,084-444-4401,ใช่
30002,เด็กหญิง,ขวัญ,แก่นคูน,ม.1/1,2,แก้ว แก่นคูน,มารดา,084-444-4401,ใช่
30003,เด็กชาย,คม,ภูเวียง,ม.2/1,1,เคน ภูเวียง,บิดา,084-444-4403,ไม่ใช่
30004,เด็กหญิง,งาม,ภูเวียง,ม.2/1,2,เคน ภูเวียง,บิดา,084-444-4403,ไม่ใช่
"""


@dataclass
class Area:
    schools: list[int]  # Bangkok, Chiang Mai, Khon Kaen
    directors: dict[int, object]  # each school's executive (a tests.personas.Person)


async def seed_area(people, app, bangkok_seeded: bool = False) -> Area:
    from backend.accounts import services as accounts
    from backend.accounts.tables import Role
    from tests.personas import _person, _school

    if not bangkok_seeded:
        await seed(people, app)
    dao = await people.dao.viewer()
    ekk = people.students["20001"]
    await visits.save_visit(dao, {"client_id": str(uuid.uuid4()), "student": ekk, "status": "done",
                                  "visited_on": clock.today().isoformat()})
    await screening.confirm_group(dao, ekk, "risk", "ครูเห็นเอง")
    khon_kaen, _, _ = await _school(KHON_KAEN, "โรงเรียนขอนแก่นวิทยา", KHON_KAEN_ROSTER, ("kkn_admin", "ครูแก้ว"))
    directors = {people.bangkok: people.wichai,
                 people.chiang_mai: await _person(people.chiang_mai, "cnx_director", "ผอ.เชียงแสน", Role.executive),
                 khon_kaen: await _person(khon_kaen, "kkn_director", "ผอ.ขอนแก่น", Role.executive)}
    await accounts.set_area_schools("areasup", ["BKK", "CNX", KHON_KAEN])
    return Area([people.bangkok, people.chiang_mai, khon_kaen], directors)
