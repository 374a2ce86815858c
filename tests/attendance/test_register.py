"""Taking attendance on a phone and what guardians hear of it: one alert per event, corrections, cut class."""

from datetime import timedelta

from backend.attendance.services import today
from backend.attendance.tables import AttendanceChange, AttendanceMark
from backend.notify.tables import Alert, Message
from tests.conftest import text_of

ANAN, BUA, CHAI = "10001", "10002", "10003"
SOMSRI, PRASERT = "+66811111111", "+66822222222"


def register_form(people, classroom: str = "BKK ม.1/1", period: int = 0, subject: str = "", **marks) -> dict:
    """The register as the phone posts it: every student's choice (present unless said otherwise)."""
    form = {"day": today().isoformat(), "period": str(period), "subject": subject}
    for code, student_id in people.students.items():
        form[f"s-{student_id}"] = marks.get(f"s{code}", "present")
    return {k: v for k, v in form.items() if not k.startswith("s-") or int(k[2:]) in
            {people.students[c] for c in CLASSES[classroom]}}


CLASSES = {"BKK ม.1/1": [ANAN, BUA], "BKK ม.1/2": [CHAI]}


async def save(client, people, classroom="BKK ม.1/1", **kwargs):
    return await client.submit(f"/attendance/classrooms/{people.classrooms[classroom]}",
                               register_form(people, classroom, **kwargs))


async def test_teacher_marks_two_absences_and_both_guardians_get_one_sms_each(client, people, settings, drain,
                                                                               fake_twilio):
    await people.somchai.sign_in(settings, client)
    page = await save(client, people, **{f"s{ANAN}": "absent", f"s{BUA}": "absent"})
    assert "บันทึกการเช็กชื่อแล้ว 2 คน" in text_of(page.text)
    assert "กำลังแจ้งผู้ปกครอง 2 ข้อความ" in text_of(page.text)
    await drain()
    [to_somsri] = fake_twilio.sent_to(SOMSRI)
    [to_prasert] = fake_twilio.sent_to(PRASERT)
    assert to_somsri.body.startswith("โรงเรียนกร: อนันต์ ขาดเรียน")  # the school's short name first
    assert "บัว ขาดเรียน" in to_prasert.body
    assert len(to_somsri.body) <= 70  # one Thai SMS
    statuses = {m["recipient"]: m["status"] for m in await Message.select(Message.recipient, Message.status)}
    assert statuses == {SOMSRI: "sent", PRASERT: "sent"}
    # The register now shows the guardians were told.
    page = await client.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")
    assert text_of(page.text).count("แจ้งผู้ปกครองแล้ว · SMS") == 2


async def test_a_double_submit_sends_nothing_twice(client, people, settings, drain, fake_twilio):
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "absent"})
    page = await save(client, people, **{f"s{ANAN}": "absent"})
    assert "บันทึกแล้ว ไม่มีการเปลี่ยนแปลง" in text_of(page.text)
    await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1
    assert await AttendanceMark.count() == 2


async def test_absent_then_late_is_the_same_event(client, people, settings, drain, fake_twilio):
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "absent"})
    await drain()
    await save(client, people, **{f"s{ANAN}": "late"})
    await drain()
    assert [m.body.split(": ")[1].split()[1] for m in fake_twilio.sent_to(SOMSRI)] == ["ขาดเรียน"]


async def test_absent_corrected_to_present_sends_a_short_correction(client, people, settings, drain, fake_twilio):
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "absent"})
    await drain()
    await save(client, people)  # everyone present after all
    await drain()
    bodies = [m.body for m in fake_twilio.sent_to(SOMSRI)]
    assert len(bodies) == 2 and "แก้ไข อนันต์ มาเรียนตามปกติ" in bodies[1]
    history = await AttendanceChange.select(AttendanceChange.status_before, AttendanceChange.status_after).where(
        AttendanceChange.mark.student == people.students[ANAN]).order_by(AttendanceChange.id)
    assert [(h["status_before"], h["status_after"]) for h in history] == [(None, "absent"), ("absent", "present")]


async def test_a_correction_before_the_sms_left_cancels_it(client, people, settings, drain, fake_twilio):
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "absent"})
    await save(client, people)  # corrected before the worker ran
    await drain()
    assert fake_twilio.sent_to(SOMSRI) == []
    assert [m["status"] for m in await Message.select(Message.status)] == ["cancelled"]


async def test_absent_again_after_a_correction_is_told_again(client, people, settings, drain, fake_twilio):
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "absent"})
    await drain()
    await save(client, people)  # present after all: a correction goes out
    await drain()
    await save(client, people, **{f"s{ANAN}": "absent"})  # then absent after all, and corrected once more
    await drain()
    await save(client, people)
    await drain()
    bodies = [m.body for m in fake_twilio.sent_to(SOMSRI)]
    assert len(bodies) == 4 and "ขาดเรียน" in bodies[2] and "แก้ไข" in bodies[3]


async def test_a_second_absence_corrected_before_it_left_is_cancelled_too(client, people, settings, drain,
                                                                         fake_twilio):
    await people.somchai.sign_in(settings, client)
    for marks in ({f"s{ANAN}": "absent"}, {}, {f"s{ANAN}": "absent"}, {}):
        await save(client, people, **marks)  # all before the worker ran
    await drain()
    assert fake_twilio.sent_to(SOMSRI) == []
    assert [m["status"] for m in await Message.select(Message.status)] == ["cancelled", "cancelled"]


async def test_leave_is_not_alerted(client, people, settings, drain, fake_twilio):
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "sick_leave", f"s{BUA}": "personal_leave"})
    await drain()
    assert fake_twilio.messages == [] and await Alert.count() == 0


async def test_cutting_class_is_present_this_morning_and_absent_from_a_period(make_client, people, settings, drain,
                                                                              fake_twilio):
    teacher, wipa = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await people.wipa.sign_in(settings, wipa)
    await save(teacher, people)  # all present at homeroom
    page = await save(wipa, people, period=3, subject="คณิตศาสตร์", **{f"s{ANAN}": "absent"})
    assert page.status_code == 200
    mark = await AttendanceMark.select(AttendanceMark.status).where(
        (AttendanceMark.student == people.students[ANAN]) & (AttendanceMark.period == 3)).first()
    assert mark["status"] == "cut"
    await drain()
    [sms] = fake_twilio.sent_to(SOMSRI)
    assert "ไม่เข้าเรียนคาบ 3" in sms.body


async def test_a_period_marked_before_the_register_becomes_cut_class_when_the_register_says_present(
        make_client, people, settings, drain, fake_twilio):
    teacher, wipa = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await people.wipa.sign_in(settings, wipa)
    await save(wipa, people, period=1, subject="คณิตศาสตร์", **{f"s{ANAN}": "absent"})
    await save(teacher, people)
    mark = await AttendanceMark.select(AttendanceMark.status).where(
        (AttendanceMark.student == people.students[ANAN]) & (AttendanceMark.period == 1)).first()
    assert mark["status"] == "cut"
    await drain()
    assert any("คาบ 1" in m.body for m in fake_twilio.sent_to(SOMSRI))


async def test_a_teacher_cannot_mark_another_homeroom(client, people, settings):
    await people.malee.sign_in(settings, client)
    page = await save(client, people, **{f"s{ANAN}": "absent"})
    assert page.status_code == 403
    assert "เฉพาะครูประจำชั้นของห้องนี้" in text_of(page.text)
    assert await AttendanceMark.count() == 0


async def test_a_parent_cannot_post_a_register(client, people, settings):
    await people.somsri.sign_in(settings, client)
    page = await save(client, people, **{f"s{ANAN}": "absent"})
    assert page.status_code == 403 and await AttendanceMark.count() == 0


async def test_a_student_of_another_class_and_a_future_day_are_refused(client, people, settings):
    await people.somchai.sign_in(settings, client)
    form = register_form(people) | {f"s-{people.students[CHAI]}": "absent"}
    page = await client.submit(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}", form)
    assert page.status_code == 422 and "ไม่ได้อยู่ในห้องนี้" in text_of(page.text)
    form = register_form(people) | {"day": (today() + timedelta(days=1)).isoformat()}
    page = await client.submit(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}", form)
    assert page.status_code == 422 and "เช็กชื่อล่วงหน้าไม่ได้" in text_of(page.text)
    assert await AttendanceMark.count() == 0


async def test_marks_are_saved_even_when_redis_is_down(client, app, people, settings, drain, fake_twilio):
    from arq.connections import ArqRedis

    from backend.notify.queue import JobQueue

    working = app.state.queue
    app.state.queue = JobQueue(ArqRedis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    try:
        await people.somchai.sign_in(settings, client)
        page = await save(client, people, **{f"s{ANAN}": "absent"})
    finally:
        app.state.queue = working
    assert page.status_code == 200 and await AttendanceMark.count() == 2
    await drain()  # the worker's sweep finds the message that never got a job
    assert len(fake_twilio.sent_to(SOMSRI)) == 1


async def test_parent_sees_the_absence_and_acknowledges_it(make_client, people, settings, drain):
    teacher, parent = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await people.somsri.sign_in(settings, parent)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await drain()
    page = await parent.get("/attendance/children")
    text = text_of(page.text)
    assert "อนันต์" in text and "ชัย" in text and "บัว" not in text
    assert "วันนี้: ขาด" in text
    alert = await Alert.select(Alert.id).first()
    page = await parent.submit(f"/attendance/alerts/{alert['id']}/ack")
    assert "ขอบคุณ" in text_of(page.text)
    register = await teacher.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")
    assert f"{people.somsri.name} รับทราบแล้ว" in text_of(register.text)


async def test_a_parent_cannot_acknowledge_anothers_alert(make_client, people, settings):
    teacher, other = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{BUA}": "absent"})
    await people.somsri.sign_in(settings, other)
    alert = await Alert.select(Alert.id).first()
    page = await other.submit(f"/attendance/alerts/{alert['id']}/ack")
    assert page.status_code == 404  # another family's alert does not exist for Somsri
    assert (await Alert.select(Alert.acknowledged_at).first())["acknowledged_at"] is None


async def test_executive_sees_today_and_the_homerooms_not_taken(make_client, people, settings):
    teacher, director = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent", f"s{BUA}": "late"})
    await people.wichai.sign_in(settings, director)
    text = text_of((await director.get("/attendance/school")).text)
    assert "ยังไม่เช็กชื่อ 1 ห้อง ม.1/2" in text
    assert "ม.1 1/2 1 1 0 0" in text  # by grade: taken 1 of 2, late 1, absent 1, leave 0, cut 0
    assert "ภาคเรียนนี้ รายสัปดาห์" in text


async def test_a_parent_cannot_open_the_school_page(client, people, settings):
    await people.somsri.sign_in(settings, client)
    assert (await client.get("/attendance/school")).status_code == 403


async def test_a_malformed_period_is_explained_not_a_server_error(client, people, settings):
    await people.wipa.sign_in(settings, client)
    form = {**register_form(people), "period": "สาม"}
    page = await client.submit(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}", form)
    assert page.status_code == 422 and "คาบ" in text_of(page.text)
    assert await AttendanceMark.count() == 0


async def test_a_register_with_odd_numbers_is_refused_not_a_server_error(client, people, settings):
    await people.somchai.sign_in(settings, client)
    room = people.classrooms["BKK ม.1/1"]
    await client.get(f"/attendance/classrooms/{room}")
    odd_forms = [
        {**register_form(people), f"s-{2**31}": "absent"},  # a student id beyond any row
        {**register_form(people), f"s-{10**30}": "absent"},
        {**register_form(people), "s-²": "absent"},  # a digit int() cannot read
        {**register_form(people), "period": "²"},
        {**register_form(people), "period": str(2**40)},
    ]
    for form in odd_forms:
        page = await client.submit(f"/attendance/classrooms/{room}", form)
        assert page.status_code in (403, 422), form
    assert await AttendanceMark.count() == 0
    for query in (f"?period={2**40}", "?day=2569-13-45", f"?day={'9' * 30}"):
        assert (await client.get(f"/attendance/classrooms/{room}{query}")).status_code < 500, query
