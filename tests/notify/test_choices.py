"""Channel choices per guardian: what a parent (or the homeroom teacher, for a parent with SMS only) chose is what
reaches them; safety-critical alerts can never be turned off; the teacher sees each guardian's channel health."""

from backend.notify.tables import ChannelChoice, Message, SummaryItem
from tests.attendance.test_register import ANAN, BUA, PRASERT, SOMSRI, save
from tests.conftest import text_of
from tests.notify.test_delivery import subscribe


async def choose(client, people, settings, guardian_id: int, **fields) -> object:
    return await client.submit(f"/notify/guardians/{guardian_id}/choices",
                               {f"topic_{topic}": value for topic, value in fields.items()})


async def test_a_parent_finds_the_settings_from_home_and_late_off_sends_nothing(make_client, people, settings,
                                                                                drain, fake_twilio):
    parent, teacher = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    home = await parent.get("/")
    assert 'href="/notify/choices"' in home.text
    page = text_of((await parent.get("/notify/choices")).text)
    assert "ขาดเรียน" in page and "ส่งทุกครั้งภายในวันเดียวกัน" in page  # absence: always sent the same day
    saved = await choose(parent, people, settings, people.guardians[SOMSRI], attendance="off", absence="app")
    assert "บันทึกการเลือกรับข้อความแล้ว" in text_of(saved.text)
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "late"})
    await drain()
    assert fake_twilio.sent_to(SOMSRI) == []  # "off": nothing for a late mark
    assert await Message.count() == 0


async def test_preferences_never_suppress_an_absence(make_client, people, settings, drain, fake_twilio):
    parent, teacher = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    await choose(parent, people, settings, people.guardians[SOMSRI], attendance="off", behaviour="off",
                 meetings="off")
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await drain()
    sent = fake_twilio.sent_to(SOMSRI)
    assert len(sent) == 1 and "อนันต์" in sent[0].body


async def test_turning_absence_alerts_off_is_refused_with_words_and_nothing_saved(client, people, settings):
    await people.somsri.sign_in(settings, client)
    for value in ("off", "weekly"):
        refused = await choose(client, people, settings, people.guardians[SOMSRI], absence=value, attendance="off")
        assert refused.status_code == 422
        words = text_of(refused.text)
        assert "ขาดเรียน" in words and "ปิดหรือเลื่อนไปสรุปรายสัปดาห์ไม่ได้" in words and "เลือกแอปหรือ SMS" in words
    nonsense = await choose(client, people, settings, people.guardians[SOMSRI], serious="sometimes")
    assert nonsense.status_code == 422 and "กรุณาเลือกจากตัวเลือกที่มีให้" in text_of(nonsense.text)
    assert await ChannelChoice.count() == 0  # the "off" for lateness sent alongside was not saved either


async def test_a_parent_who_chose_sms_gets_the_absence_by_sms_although_the_app_could_take_it(
        make_client, people, settings, drain, fake_twilio, push_service):
    await subscribe(make_client(), people, settings, push_service)
    parent, teacher = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    await choose(parent, people, settings, people.guardians[SOMSRI], absence="sms")
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await drain()
    assert push_service.delivered == [] and len(fake_twilio.sent_to(SOMSRI)) == 1


async def test_weekly_keeps_a_late_mark_for_the_summary_and_sends_nothing_now(make_client, people, settings, drain,
                                                                               fake_twilio):
    parent, teacher = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    await choose(parent, people, settings, people.guardians[SOMSRI], attendance="weekly")
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "late"})
    await drain()
    assert fake_twilio.sent_to(SOMSRI) == []
    kept = await SummaryItem.select(SummaryItem.guardian, SummaryItem.kind, SummaryItem.summarised_at)
    assert kept == [{"guardian": people.guardians[SOMSRI], "kind": "late", "summarised_at": None}]
    # Corrected (late → present): nothing is left for the summary either.
    await save(teacher, people, **{f"s{ANAN}": "present"})
    assert await SummaryItem.count() == 0


async def test_the_homeroom_teacher_sets_choices_for_a_parent_with_sms_only_after_a_call(
        make_client, people, settings, drain, fake_twilio):
    teacher, other = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    room = people.classrooms["BKK ม.1/1"]
    health = await teacher.get(f"/notify/classrooms/{room}/channels")
    assert "ประเสริฐ" in text_of(health.text) and f"/notify/guardians/{people.guardians[PRASERT]}/choices" in health.text
    # Somsri has an account: she chooses herself, the teacher cannot.
    assert f"/notify/guardians/{people.guardians[SOMSRI]}/choices" not in health.text
    assert (await teacher.get(f"/notify/guardians/{people.guardians[SOMSRI]}/choices")).status_code == 404
    saved = await choose(teacher, people, settings, people.guardians[PRASERT], attendance="off")
    assert saved.status_code == 200
    form = text_of((await teacher.get(f"/notify/guardians/{people.guardians[PRASERT]}/choices")).text)
    assert "หลังโทรศัพท์คุยกัน" in form and "สมชาย" in form  # recorded as set by the teacher after a phone call
    row = await ChannelChoice.select(ChannelChoice.set_via, ChannelChoice.set_by).first()
    assert row == {"set_via": "phone", "set_by": people.somchai.user_id}
    # Malee keeps another homeroom: Bua's father is not hers to set.
    await people.malee.sign_in(settings, other)
    assert (await choose(other, people, settings, people.guardians[PRASERT], attendance="instant")).status_code == 404
    await save(teacher, people, **{f"s{BUA}": "late"})
    await drain()
    assert fake_twilio.sent_to(PRASERT) == []
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    health = text_of((await teacher.get(f"/notify/classrooms/{room}/channels")).text)
    assert "มาสายและโดดเรียน: ปิด" in health  # what Prasert chose shows beside his name


async def test_the_teacher_sees_when_a_message_last_reached_a_guardian_and_when_they_read_one(
        make_client, people, settings, drain, push_service):
    await subscribe(make_client(), people, settings, push_service)
    parent, teacher = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    await people.somchai.sign_in(settings, teacher)
    room = people.classrooms["BKK ม.1/1"]
    before = text_of((await teacher.get(f"/notify/classrooms/{room}/channels")).text)
    assert "ส่งถึงล่าสุด: —" in before and "อ่านล่าสุด: —" in before
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await drain()
    pushed = await Message.select(Message.id).where(Message.channel == "push").first()
    opened = await parent.get(f"/notify/opened/{pushed['id']}")
    assert opened.status_code == 200 and str(opened.url).endswith("/attendance/children")
    after = text_of((await teacher.get(f"/notify/classrooms/{room}/channels")).text)
    somsri = after[after.index("สมศรี"):after.index("ประเสริฐ")]  # Anan's mother, then Bua's father
    assert "ส่งถึงล่าสุด: " in somsri and "ส่งถึงล่าสุด: —" not in somsri and "แอป" in somsri
    assert "อ่านล่าสุด: " in somsri and "อ่านล่าสุด: —" not in somsri


async def test_the_channel_health_page_costs_the_same_queries_for_a_bigger_class_and_stays_small(
        client, people, settings):
    import gzip

    from backend import clock, db
    from backend.notify import choices
    from backend.students.tables import Guardian, Student, StudentGuardian
    from benchmarks.bench_database import counting_queries

    viewer = await people.somchai.viewer()
    room = people.classrooms["BKK ม.1/1"]

    async def counted() -> int:
        with counting_queries(db.engine()) as counter:
            await choices.channel_health(viewer, room)
        return counter["queries"]

    small = await counted()
    moment = clock.now()
    students = await Student.insert(*[
        Student(school=people.bangkok, code=f"3{n:04d}", title="ด.ญ.", first_name=f"นักเรียน{n}", last_name="ทดสอบ",
                classroom=room, number_in_class=10 + n, updated_at=moment) for n in range(45)]).returning(Student.id)
    guardians = await Guardian.insert(*[
        Guardian(school=people.bangkok, name=f"ผู้ปกครอง{n}", phone=f"+668900{n:05d}", updated_at=moment)
        for n in range(45)]).returning(Guardian.id)
    await StudentGuardian.insert(*[
        StudentGuardian(school=people.bangkok, student=s["id"], guardian=g["id"], relation="มารดา")
        for s, g in zip(students, guardians, strict=True)])
    assert await counted() == small
    await people.somchai.sign_in(settings, client)
    page = await client.get(f"/notify/classrooms/{room}/channels")
    assert "ผู้ปกครอง44" in page.text and len(gzip.compress(page.content)) <= 14 * 1024
