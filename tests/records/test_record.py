"""The cumulative record: sections by role, every change kept, sensitive reads audited, parents' corrections."""

from backend.accounts.tables import RecordRead
from backend.records.tables import RecordEntry
from tests.conftest import text_of

ANAN = "10001"


async def edit(client, people, section, **fields):
    anan = people.students[ANAN]
    if not client.csrf_token():
        await client.get(f"/records/{anan}")
    return await client.submit(f"/records/{anan}/sections/{section}", fields)


async def test_each_change_is_kept_with_who_and_when(client, people, settings):
    await people.somchai.sign_in(settings, client)
    page = await edit(client, people, "health", allergies="")  # saved empty, as it was
    assert "ไม่มีอะไรเปลี่ยน" in text_of(page.text) and await RecordEntry.count() == 0
    await edit(client, people, "health", allergies="แพ้กุ้ง")
    page = await edit(client, people, "health", allergies="แพ้กุ้งและถั่ว", chronic_illness="หอบหืด")
    text = text_of(page.text)
    assert "แพ้กุ้งและถั่ว" in text and "หอบหืด" in text and "ครูสมชาย" in text
    history = text_of((await client.get(f"/records/{people.students[ANAN]}/sections/health/history")).text)
    newest, oldest = history.split(" · ครูสมชาย ")[1:3]  # newest first
    assert "แพ้กุ้งและถั่ว" in newest and oldest.endswith("การแพ้ แพ้กุ้ง")
    assert await RecordEntry.count() == 2
    page = await edit(client, people, "health", allergies="แพ้กุ้งและถั่ว", chronic_illness="หอบหืด")
    assert "ไม่มีอะไรเปลี่ยน" in text_of(page.text) and await RecordEntry.count() == 2  # history lists changes


async def test_a_wrong_number_is_explained_and_nothing_saved(client, people, settings):
    await people.somchai.sign_in(settings, client)
    page = await edit(client, people, "family", household_size="สามสิบ", debts="หนี้ ธกส. 20,000")
    assert page.status_code == 422 and "กรอกเป็นตัวเลข" in text_of(page.text)
    assert await RecordEntry.count() == 0
    # What was typed is still in the form, to fix rather than type again; the field to fix takes the focus, so a
    # section low on the page comes into view on a phone.
    assert 'value="สามสิบ"' in page.text and 'value="หนี้ ธกส. 20,000"' in page.text
    assert '<input name="household_size" inputmode="decimal" autofocus value="สามสิบ">' in page.text
    assert page.text.count("autofocus") == 1


async def test_the_timeline_says_which_alert_went_to_the_guardians(client, people, settings):
    from backend import clock
    from backend.notify.tables import Alert

    anan = people.students[ANAN]
    await Alert.insert(Alert(school=people.bangkok, student=anan, event_key="absent-today", kind="absent",
                             day=clock.today(), created_at=clock.now(), acknowledged_at=clock.now()))
    await people.somchai.sign_in(settings, client)
    text = text_of((await client.get(f"/records/{anan}")).text)
    assert "แจ้งผู้ปกครอง: ขาด · รับทราบ" in text[text.index("ลำดับเหตุการณ์"):]


async def test_a_parents_correction_with_a_bad_phone_keeps_what_they_typed(client, people, settings):
    await people.somsri.sign_in(settings, client)
    anan = people.students[ANAN]
    await client.get(f"/records/{anan}")
    page = await client.submit(f"/records/{anan}/parent", {"lives_with": "grandparents", "household_size": "5",
                                                          "phone": "12345"})
    assert page.status_code == 422
    assert 'value="grandparents" selected' in page.text and 'value="5"' in page.text and 'value="12345"' in page.text
    assert await RecordEntry.count() == 0


async def test_reading_family_or_health_is_audited(make_client, people, settings):
    teacher, counsellor = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await edit(teacher, people, "family", lives_with="grandparents")
    await people.ratana.sign_in(settings, counsellor)
    await counsellor.get(f"/records/{people.students[ANAN]}")
    reads = await RecordRead.select(RecordRead.section, RecordRead.reader.display_name.as_alias("who"))
    assert {"section": "family", "who": "ครูรัตนา"} in reads and {"section": "health", "who": "ครูรัตนา"} in reads
    page = text_of((await counsellor.get(f"/records/{people.students[ANAN]}/reads")).text)
    assert "ครูรัตนา" in page and "ครูสมชาย" in page


async def test_sections_follow_the_roles(make_client, people, settings):
    teacher = make_client()
    await people.somchai.sign_in(settings, teacher)
    await edit(teacher, people, "learning", strengths="วาดรูปเก่ง")
    await edit(teacher, people, "family", debts="หนี้ ธกส.")
    await edit(teacher, people, "health", allergies="แพ้กุ้ง")
    anan = people.students[ANAN]
    seen = {}
    for persona in ("somchai", "wipa", "ratana", "somsri", "malee", "kanya", "preecha", "wichai"):
        browser = make_client()
        await getattr(people, persona).sign_in(settings, browser)
        page = await browser.get(f"/records/{anan}")
        text = text_of(page.text)
        seen[persona] = (page.status_code, "วาดรูปเก่ง" in text, "หนี้ ธกส." in text, "แพ้กุ้ง" in text)
    assert seen == {
        "somchai": (200, True, True, True),  # his homeroom
        "wipa": (200, True, False, False),  # teaches the class: learning only
        "ratana": (200, True, True, True),  # counsellor
        "somsri": (200, True, False, False),  # the mother: what is shared with parents
        "malee": (404, False, False, False),  # another homeroom
        "kanya": (200, False, False, False),  # admin: the roster, not the record
        "preecha": (404, False, False, False),  # another school
        "wichai": (200, True, True, True),  # executive
    }


async def test_a_nurse_edits_health_but_not_family(make_client, people, settings):
    from backend.accounts.tables import Role
    from tests.personas import _person

    nurse = await _person(people.bangkok, "pim", "ครูพิม", Role.nurse)
    browser = make_client()
    await nurse.sign_in(settings, browser)
    assert (await edit(browser, people, "health", allergies="แพ้ยา")).status_code == 200
    assert (await edit(browser, people, "family", debts="x")).status_code == 403


async def test_a_parent_corrects_who_lives_at_home_and_the_teacher_sees_the_source(make_client, people, settings):
    parent, teacher = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    anan = people.students[ANAN]
    await parent.get(f"/records/{anan}")
    page = await parent.submit(f"/records/{anan}/parent", {"lives_with": "grandparents", "household_size": "4",
                                                           "phone": "089-999-9999"})
    assert "ครูประจำชั้นจะเห็นการแก้ไขของท่าน" in text_of(page.text)
    await people.somchai.sign_in(settings, teacher)
    text = text_of((await teacher.get(f"/records/{anan}")).text)
    assert "อาศัยอยู่กับ ปู่ย่าตายาย" in text and "จากผู้ปกครอง" in text
    homeroom = text_of((await teacher.get("/students/homeroom")).text)
    assert "089-999-9999" in homeroom
    confirmed = await edit(teacher, people, "family", lives_with="grandparents", household_size="4")
    assert "บันทึกแล้ว" in text_of(confirmed.text)  # the teacher confirms the parent's words as they are
    assert [e["source"] for e in await RecordEntry.select(RecordEntry.source).order_by(RecordEntry.id)] == [
        "parent", "school"]


async def test_a_parent_cannot_correct_anothers_child(client, people, settings):
    await people.somsri.sign_in(settings, client)
    bua = people.students["10002"]
    await client.get("/")
    page = await client.submit(f"/records/{bua}/parent", {"lives_with": "mother"})
    assert page.status_code == 403 and await RecordEntry.count() == 0


async def test_the_timeline_is_newest_first_and_role_filtered(make_client, people, settings):
    teacher, parent = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await edit(teacher, people, "health", allergies="แพ้กุ้ง")
    await edit(teacher, people, "learning", strengths="วาดรูป")
    text = text_of((await teacher.get(f"/records/{people.students[ANAN]}")).text)
    timeline = text[text.index("ลำดับเหตุการณ์"):]
    assert timeline.index("ข้อมูลด้านการเรียน") < timeline.index("ข้อมูลด้านสุขภาพ")
    await people.somsri.sign_in(settings, parent)
    text = text_of((await parent.get(f"/records/{people.students[ANAN]}")).text)
    timeline = text[text.index("ลำดับเหตุการณ์"):]
    assert "ด้านการเรียน" in timeline and "ด้านสุขภาพ" not in timeline


async def test_numbers_that_are_not_numbers_are_refused_on_both_engines(client, people, settings):
    await people.somchai.sign_in(settings, client)
    for value in ("nan", "inf", "-Infinity", "1e999", "9" * 400):
        page = await edit(client, people, "learning", gpa_last_term=value)
        assert page.status_code == 422 and "กรอกเป็นตัวเลข" in text_of(page.text), value
    page = await edit(client, people, "family", household_size="nan")
    assert page.status_code == 422
    assert await RecordEntry.count() == 0


async def test_the_timeline_says_whether_the_guardians_were_told(client, people, settings, drain, fake_twilio):
    """Every alert row says what happened: sent, waiting, withdrawn before it left (a correction), or no guardian
    reached. A row never goes blank, and a withdrawn alert never claims the guardians were told."""
    from tests.attendance.test_register import save

    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "absent"})
    page = text_of((await client.get(f"/records/{people.students[ANAN]}")).text)
    assert "รอส่งถึงผู้ปกครอง: ขาด" in page[page.index("ลำดับเหตุการณ์"):]
    await save(client, people)  # a mis-tap, corrected before the worker ran: nothing left
    await drain()
    assert fake_twilio.sent_to("+66811111111") == []
    html = (await client.get(f"/records/{people.students[ANAN]}")).text
    timeline = html[html.index('id="timeline"'):]
    assert "ไม่ได้ส่ง แก้ไขทันก่อนส่ง: ขาด" in text_of(timeline) and "แจ้งผู้ปกครอง: ขาด" not in text_of(timeline)
    await save(client, people, **{f"s{ANAN}": "late"})
    await drain()
    timeline = (await client.get(f"/records/{people.students[ANAN]}")).text.split('id="timeline"')[1]
    assert "แจ้งผู้ปกครอง: สาย" in text_of(timeline)
    rows = timeline.split("</ol>")[0].split("<li>")[1:]
    assert rows and all(text_of(row.split("</span>", 1)[1]).strip() for row in rows)  # each row says something


async def test_staff_see_whom_to_call_on_the_record_and_the_admin_can_correct_it(make_client, people, settings):
    bua = people.students["10002"]
    for person, editable in ((people.nipa, False), (people.kanya, True)):  # the nurse calls home; the admin edits
        browser = make_client()
        await person.sign_in(settings, browser)
        html = (await browser.get(f"/records/{bua}")).text
        assert "ประเสริฐ รักเรียน · บิดา · 082-222-2222" in text_of(html)
        assert ('href="/admin/guardians/' in html) is editable
    parent = make_client()
    await people.somsri.sign_in(settings, parent)  # Anan's mother knows herself: no guardians section for her
    html = (await parent.get(f"/records/{people.students['10001']}")).text
    assert 'id="guardians"' not in html
