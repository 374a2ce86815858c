"""Filling in questionnaires: a student step by step with stop and resume, the teacher's quick entry and typed
paper forms, parents' forms, and a second form replacing the first with the first kept."""

import re

from backend.accounts import services as accounts
from backend.accounts.tables import User, UserSession
from backend.screening.tables import ScreeningForm
from tests.conftest import text_of
from tests.personas import Person

ANAN, BUA, CHAI = "10001", "10002", "10003"
CALM = "0" * 25  # every item "not true"


async def student_person(people, code: str = ANAN) -> Person:
    """The student's own account, as their homeroom teacher's sign-in slip makes it (password set already)."""
    viewer = await people.somchai.viewer()
    slip = await accounts.issue_student_password(viewer, people.students[code])
    await User.update({User.must_change_password: False}).where(User.username == slip["username"])
    user = await User.select(User.id).where(User.username == slip["username"]).first()
    return Person(user["id"], slip["username"], code)


async def answer_step(browser, form_id: int, step: int, answers: dict[int, int], action: str = "next"):
    return await browser.submit(f"/screening/forms/{form_id}/steps/{step}",
                                {**{f"q{n}": str(v) for n, v in answers.items()}, "action": action})


async def test_a_student_stops_halfway_and_resumes_where_they_left(client, people, settings):
    anan = people.students[ANAN]
    student = await student_person(people)
    await student.sign_in(settings, client)
    page = await client.get("/screening")
    assert "SDQ" in text_of(page.text) and "EQ" in text_of(page.text)
    page = await client.get(f"/screening/forms/{anan}/sdq/student")
    assert "หน้า 1 จาก 6" in text_of(page.text)
    form = await ScreeningForm.select().where(ScreeningForm.student == anan).first()
    await answer_step(client, form["id"], 0, {1: 2, 2: 0, 3: 1, 4: 0, 5: 0})
    page = await answer_step(client, form["id"], 1, {6: 0, 7: 2, 8: 1}, action="stop")  # two left blank
    assert "บันทึกแล้ว" in text_of(page.text)

    page = await client.get(f"/screening/forms/{anan}/sdq/student")  # later, on another day
    text = text_of(page.text)
    assert "หน้า 2 จาก 6" in text and "ตอบแล้ว 8 จาก 25" in text  # back where two answers are still blank
    back = await client.get(f"/screening/forms/{anan}/sdq/student?step=1")
    assert 'name="q7" value="2" checked' in back.text  # what was ticked is still ticked
    await answer_step(client, form["id"], 1, {6: 0, 7: 2, 8: 1, 9: 0, 10: 0})
    await answer_step(client, form["id"], 2, {}, action="back")  # a look back does not move the bookmark on
    page = await client.get(f"/screening/forms/{anan}/sdq/student")
    assert "หน้า 2 จาก 6" in text_of(page.text)
    for step in range(2, 5):
        first = step * 5 + 1
        await answer_step(client, form["id"], step, {n: 0 for n in range(first, first + 5)})
    page = await client.submit(f"/screening/forms/{form['id']}/steps/5", {"difficulty": "0", "action": "send"})
    assert "ส่งแล้ว" in text_of(page.text)
    sent = await ScreeningForm.select().where(ScreeningForm.student == anan).output(load_json=True).first()
    assert sent["status"] == "submitted" and sent["slot"] == "current" and sent["source"] == "app"
    assert sent["result"]["informant"] == "student" and sent["result"]["scales"]["impact"]["score"] == 0
    assert sent["result"]["scales"]["emotional"]["score"] == 1 + 1  # items 3 and 8 ticked "somewhat"


async def test_a_tick_that_is_not_on_the_form_is_refused_and_the_page_says_which(client, people, settings):
    anan = people.students[ANAN]
    await (await student_person(people)).sign_in(settings, client)
    await client.get(f"/screening/forms/{anan}/sdq/student")
    form = await ScreeningForm.select().where(ScreeningForm.student == anan).first()
    page = await answer_step(client, form["id"], 0, {1: 2, 2: 7})
    assert page.status_code == 422 and "ข้อ 2" in text_of(page.text)
    saved = await ScreeningForm.select(ScreeningForm.answers).where(ScreeningForm.id == form["id"]).output(
        load_json=True).first()
    assert saved["answers"] == {}  # nothing half-saved from the refused screen


async def test_nobody_fills_in_a_form_for_someone_else(make_client, people, settings):
    anan, bua, chai = people.students[ANAN], people.students[BUA], people.students[CHAI]
    student, parent, teacher = make_client(), make_client(), make_client()
    await (await student_person(people)).sign_in(settings, student)
    await people.somsri.sign_in(settings, parent)
    await people.malee.sign_in(settings, teacher)
    assert (await student.get(f"/screening/forms/{bua}/sdq/student")).status_code == 404
    assert (await student.get(f"/screening/forms/{anan}/sdq/parent")).status_code == 403
    assert (await parent.get(f"/screening/forms/{bua}/sdq/parent")).status_code == 404  # not her child
    assert (await parent.get(f"/screening/forms/{chai}/sdq/parent")).status_code == 200  # her other child
    assert (await teacher.get(f"/screening/forms/{anan}/sdq/teacher")).status_code == 404  # not her homeroom
    page = await teacher.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": CALM})
    assert page.status_code == 404
    assert await ScreeningForm.count().where(ScreeningForm.student == anan) == 0


async def test_the_teacher_types_a_paper_form_and_a_wrong_count_is_explained(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    page = await client.submit(f"/screening/students/{anan}/enter/sdq/parent", {"typed": "0120"})
    assert page.status_code == 422 and "25" in text_of(page.text) and 'value="0120"' in page.text
    page = await client.submit(f"/screening/students/{anan}/enter/sdq/parent", {"typed": "01201201201201201 99 012012"})
    assert page.status_code == 422 and "ข้อ 18, 19" in text_of(page.text)
    assert await ScreeningForm.count() == 0
    page = await client.submit(f"/screening/students/{anan}/enter/sdq/parent",
                               {"typed": "2,2,2,2,2 2,2,2,2,2 2,2,2,2,2 2,2,2,2,2 2,2,2,2,-"})
    assert page.status_code == 200 and "ข้อที่เว้นว่าง: 25" in text_of(page.text)
    form = await ScreeningForm.select().where(ScreeningForm.student == anan).output(load_json=True).first()
    assert form["source"] == "paper" and form["informant"] == "parent" and len(form["answers"]) == 24


async def test_the_teachers_quick_list_goes_from_one_student_to_the_next(client, people, settings):
    anan, bua = people.students[ANAN], people.students[BUA]
    await people.somchai.sign_in(settings, client)
    page = await client.get(f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}")
    assert f"/screening/students/{anan}/enter/sdq/teacher" in page.text
    page = await client.get(f"/screening/students/{anan}/enter/sdq/teacher")
    assert 'name="next_student" value="%d"' % bua in page.text
    page = await client.submit(f"/screening/students/{anan}/enter/sdq/teacher",
                               {**{f"q{n}": "0" for n in range(1, 26)}, "next_student": str(bua)})
    assert str(page.url).endswith(f"/screening/students/{bua}/enter/sdq/teacher")
    assert "บัว" in text_of(page.text) and "1 จาก 2" in text_of(page.text)
    form = await ScreeningForm.select().where(ScreeningForm.student == anan).first()
    assert form["source"] == "app" and form["informant"] == "teacher"
    # Difficulties ticked on the back page but one question after them left blank: saved, and said so.
    page = await client.submit(f"/screening/students/{bua}/enter/sdq/teacher",
                               {**{f"q{n}": "0" for n in range(1, 26)}, "difficulty": "1", "distress": "1"})
    assert "ผลกระทบยังคิดคะแนนไม่ได้" in text_of(page.text)


async def test_a_second_form_in_the_term_replaces_the_first_which_stays_in_history(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": CALM})
    await client.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": "2" * 25})
    forms = await ScreeningForm.select(ScreeningForm.status, ScreeningForm.slot).where(
        ScreeningForm.student == anan).order_by(ScreeningForm.id)
    assert forms == [{"status": "replaced", "slot": None}, {"status": "submitted", "slot": "current"}]
    page = text_of((await client.get(f"/screening/students/{anan}")).text)
    assert "แบบที่ส่งก่อนหน้า" in page  # the earlier form is listed


async def test_a_form_too_empty_to_score_is_not_filed(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    page = await client.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": "00---" * 5})
    assert page.status_code == 422 and "15" in text_of(page.text)
    assert await ScreeningForm.count() == 0


async def test_a_student_signs_in_with_the_slip_from_their_teacher(make_client, people, settings):
    teacher, student = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    room = people.classrooms["BKK ม.1/1"]
    page = await teacher.submit(f"/screening/classrooms/{room}/sign-ins",
                                {"student": [str(people.students[ANAN]), str(people.students[BUA])]})
    username, password, other, _ = re.findall(r'<span class="code">([^<]+)</span>', page.text)
    assert (username, other) == ("bkk-10001", "bkk-10002")  # a slip each, in class order
    page = await student.submit("/signin", {"username": "BKK-10001", "password": password})
    assert str(page.url).endswith("/account/password")  # they choose their own password first
    page = await student.submit("/account/password", {"password": "anan-secret-1", "confirm": "anan-secret-1"})
    assert str(page.url).endswith("/screening") and "แบบประเมินนักเรียน" in text_of(page.text)
    # Malee is not Anan's homeroom teacher: she cannot make or reset his sign-in.
    other = make_client()
    await people.malee.sign_in(settings, other)
    assert (await other.submit(f"/screening/classrooms/{room}/sign-ins",
                               {"student": str(people.students[ANAN])})).status_code == 403


async def test_a_school_loads_the_official_wording_it_holds_a_licence_for(make_client, people, settings):
    admin, student = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    await admin.get("/screening/criteria")
    lines = ["ข้อ,ข้อความ"] + [f"{n},ข้อความทางการข้อที่ {n}" for n in range(1, 26)]
    page = await admin.post("/screening/criteria/wording/sdq", data={"_csrf_token": admin.csrf_token()},
                            files={"file": ("sdq.csv", "\n".join(lines[:-2]).encode("utf-8"), "text/csv")})
    assert page.status_code == 422 and "24, 25" in text_of(page.text)  # two items missing: nothing changes
    page = await admin.post("/screening/criteria/wording/sdq", data={"_csrf_token": admin.csrf_token()},
                            files={"file": ("sdq.csv", "\n".join(lines).encode("cp874"), "text/csv")})
    assert "บันทึกข้อความแบบสอบถามแล้ว" in text_of(page.text)
    await (await student_person(people)).sign_in(settings, student)
    page = text_of((await student.get(f"/screening/forms/{people.students[ANAN]}/sdq/student")).text)
    assert "1. ข้อความทางการข้อที่ 1" in page
    await admin.submit("/screening/criteria/wording/sdq", {"action": "remove"})
    page = text_of((await student.get(f"/screening/forms/{people.students[ANAN]}/sdq/student")).text)
    assert "ข้อความทางการ" not in page


async def test_the_teacher_hands_their_device_to_one_student_at_a_time(make_client, people, settings):
    anan, room = people.students[ANAN], people.classrooms["BKK ม.1/1"]
    device = make_client()
    await people.somchai.sign_in(settings, device)
    page = await device.get(f"/screening/classrooms/{room}")
    assert f"/screening/students/{anan}/hand-over" in page.text
    page = await device.submit(f"/screening/students/{anan}/hand-over")
    assert str(page.url).endswith("/screening") and "ส่งเครื่องคืน" in text_of(page.text)
    # The device is now the student's, for their own questionnaires only: nothing of the teacher's is open.
    assert (await device.get("/students/homeroom")).status_code == 403
    assert (await device.get(f"/screening/students/{anan}")).status_code == 403
    assert (await device.get(f"/screening/forms/{anan}/sdq/student")).status_code == 200
    assert await UserSession.count().where(UserSession.user == people.somchai.user_id) == 0
    page = await device.submit("/screening/hand-back")
    assert "/signin" in str(page.url) and 'value="somchai"' in page.text
    assert f"next=%2Fscreening%2Fclassrooms%2F{room}" in str(page.url)
    assert (await device.get("/screening")).url.path == "/signin"  # the student's session ended too
    # Another room's teacher cannot hand Anan a device.
    other = make_client()
    await people.malee.sign_in(settings, other)
    assert (await other.submit(f"/screening/students/{anan}/hand-over")).status_code == 403


async def test_odd_numbers_in_screening_forms_are_refused_not_a_server_error(make_client, people, settings):
    teacher, admin = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    room = people.classrooms["BKK ม.1/1"]
    await teacher.get(f"/screening/classrooms/{room}/sign-ins")
    for student in (str(2**31), str(10**30), "²"):
        page = await teacher.submit(f"/screening/classrooms/{room}/sign-ins", {"student": student})
        assert page.status_code < 500, student
    for step in (f"?step={2**40}", f"?step=-{2**40}"):
        page = await teacher.get(f"/screening/forms/{people.students[ANAN]}/sdq/teacher{step}")
        assert page.status_code < 500, step
    await people.kanya.sign_in(settings, admin)
    await admin.get("/screening/criteria")
    for name in ("cut.teacher.total.risk", "eq.total.low"):
        page = await admin.submit("/screening/criteria/cutoffs" if name.startswith("cut") else
                                  "/screening/criteria/eq-ranges", {name: "²"})
        assert page.status_code == 422, name
    lines = ["ข้อ,ข้อความ"] + [f"{n},ข้อความข้อที่ {n}" for n in range(1, 26)]
    for bad in ("²,ข้อความ", "3,ข้อ\x00ความ"):
        page = await admin.post("/screening/criteria/wording/sdq", data={"_csrf_token": admin.csrf_token()},
                                files={"file": ("sdq.csv", "\n".join(lines + [bad]).encode(), "text/csv")})
        assert page.status_code == 422, bad
