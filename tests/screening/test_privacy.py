"""What a careful reviewer tried: a shared phone's Back button, two people filling the same informant's form, a
page left open over the break, formulas in a download, an admin reaching results through a homeroom."""

import io
import zipfile

from backend.accounts.tables import HomeroomAssignment, User
from backend.accounts.tables import RecordRead
from backend.screening.tables import ScreeningForm
from tests.conftest import text_of

ANAN, BUA = "10001", "10002"


async def test_signed_in_pages_are_never_kept_by_the_browser(client, people, settings):
    await people.somchai.sign_in(settings, client)
    page = await client.get(f"/screening/students/{people.students[ANAN]}")
    assert page.headers["cache-control"] == "no-store"
    assert '"historyCacheSize":0' in page.text  # nor in htmx's own history, which Back would show


async def test_two_homeroom_teachers_each_fill_in_their_own_draft(make_client, people, settings):
    anan, room = people.students[ANAN], people.classrooms["BKK ม.1/1"]
    await HomeroomAssignment.insert(HomeroomAssignment(school=people.bangkok, classroom=room,
                                                       school_year=(await people.somchai.viewer()).school_year_id,
                                                       teacher=people.malee.user_id))
    first, second = make_client(), make_client()
    await people.somchai.sign_in(settings, first)
    await people.malee.sign_in(settings, second)
    await first.get(f"/screening/forms/{anan}/sdq/teacher")
    draft = await ScreeningForm.select().where(ScreeningForm.filled_by == people.somchai.user_id).first()
    await first.submit(f"/screening/forms/{draft['id']}/steps/0", {"q1": "2", "q2": "2", "action": "stop"})
    page = await second.get(f"/screening/forms/{anan}/sdq/teacher")
    assert "ตอบแล้ว 0 จาก 25" in text_of(page.text) and " checked" not in page.text
    page = await second.submit(f"/screening/forms/{draft['id']}/steps/0", {"q1": "0", "action": "stop"})
    assert page.status_code == 409  # not hers to change
    kept = await ScreeningForm.select(ScreeningForm.answers).where(ScreeningForm.id == draft["id"]).output(
        load_json=True).first()
    assert kept["answers"] == {"1": 2, "2": 2}


async def test_a_draft_left_open_over_the_break_cannot_be_filed_into_the_closed_term(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    await client.get(f"/screening/forms/{anan}/sdq/teacher")
    draft = await ScreeningForm.select().where(ScreeningForm.student == anan).first()
    await ScreeningForm.update({ScreeningForm.term: 3 - draft["term"]}).where(ScreeningForm.id == draft["id"])
    page = await client.submit(f"/screening/forms/{draft['id']}/steps/5", {"difficulty": "0", "action": "send"})
    assert page.status_code == 409 and "ภาคเรียนที่จบไปแล้ว" in text_of(page.text)
    assert await ScreeningForm.count().where(ScreeningForm.slot == "current") == 0


async def test_typed_notes_never_become_formulas_in_the_download(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"/screening/students/{anan}/checklist", {"note.other": '=HYPERLINK("http://x.invalid")'})
    download = await client.get(f"/screening/students/{anan}?format=xlsx")
    with zipfile.ZipFile(io.BytesIO(download.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "=HYPERLINK(" in strings


async def test_an_admin_cannot_take_a_homeroom_to_read_results(client, people, settings):
    await people.kanya.sign_in(settings, client)
    page = await client.submit("/admin/homerooms", {"classroom": people.classrooms["BKK ม.1/1"],
                                                    "teacher": people.kanya.user_id})
    assert page.status_code == 422
    assert not await HomeroomAssignment.exists().where(HomeroomAssignment.teacher == people.kanya.user_id)


async def test_each_read_of_results_is_audited_for_those_who_may_see_them(make_client, people, settings):
    anan = people.students[ANAN]
    counsellor, teacher, subject = make_client(), make_client(), make_client()
    await people.ratana.sign_in(settings, counsellor)
    await counsellor.get(f"/screening/students/{anan}")
    await counsellor.get(f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}?format=xlsx")
    reads = await RecordRead.select(RecordRead.student, RecordRead.section).where(RecordRead.reader ==
                                                                                   people.ratana.user_id)
    assert {"student": anan, "section": "screening"} in reads and len(reads) == 3  # Anan, then Anan and Bua
    await people.somchai.sign_in(settings, teacher)
    assert "ครูรัตนา คัดกรอง" in text_of((await teacher.get(f"/records/{anan}/reads")).text)
    await people.wipa.sign_in(settings, subject)
    page = await subject.get(f"/records/{anan}/reads")
    assert "คัดกรอง" not in text_of(page.text.split("<main", 1)[1].split("</nav>")[-1])


async def test_on_the_teachers_device_a_student_cannot_make_the_account_their_own(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    await client.get(f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}")
    await client.submit(f"/screening/students/{anan}/hand-over")
    page = await client.submit("/account/password", {"password": "mine-now-123", "confirm": "mine-now-123"})
    assert page.status_code == 422 and "บัตรเข้าระบบ" in text_of(page.text)
    assert (await User.select(User.password_hash).where(User.username == "bkk-10001").first())["password_hash"] is None


async def test_a_taken_student_username_is_explained_and_no_slip_changes(client, people, settings):
    await User.update({User.username: "bkk-10002"}).where(User.id == people.wipa.user_id)  # a staff name clash
    await people.somchai.sign_in(settings, client)
    room = people.classrooms["BKK ม.1/1"]
    page = await client.submit(f"/screening/classrooms/{room}/sign-ins",
                               {"student": [str(people.students[ANAN]), str(people.students[BUA])]})
    assert page.status_code == 422 and "bkk-10002" in text_of(page.text)
    assert not await User.exists().where(User.username == "bkk-10001")  # Anan's slip was not made either
    page = await client.submit(f"/screening/students/{people.students[BUA]}/hand-over")
    assert page.status_code == 422 and "bkk-10002" in text_of(page.text)


async def test_only_those_who_may_type_in_a_form_see_the_entry_page(make_client, people, settings):
    anan = people.students[ANAN]
    counsellor, executive = make_client(), make_client()
    await people.ratana.sign_in(settings, counsellor)
    assert (await counsellor.get(f"/screening/students/{anan}/enter/sdq/parent")).status_code == 200
    await people.wichai.sign_in(settings, executive)  # reads results, but types in no one's answers
    assert (await executive.get(f"/screening/students/{anan}/enter/sdq/parent")).status_code == 403
    assert (await executive.get(f"/screening/students/{anan}/enter/sdq/nobody")).status_code == 404
