"""The white classroom: a class's student committee (each a student of the class, history kept), its motto and the
committee's monthly reports (a second filing of a month replaces the first, which is kept); the executive's and the
counsellor's school page shows which classes have a committee and which months a report, with no names."""

from __future__ import annotations

import gzip

from backend import clock
from backend.promotion.tables import CommitteeMember, CommitteeReport
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture counting the statements sent


def _white(people, room="BKK ม.1/1") -> str:
    return f"/promotion/classrooms/{people.classrooms[room]}/white"


def _this_month() -> str:
    return clock.today().strftime("%Y-%m")


async def test_a_committee_member_from_another_class_or_school_is_refused(client, people, settings):
    anan, bua, chai, ek = (people.students[code] for code in ("10001", "10002", "10003", "20001"))
    await people.somchai.sign_in(settings, client)
    page = text_of((await client.get(_white(people))).text)
    assert "ห้องเรียนสีขาว ม.1/1" in page and "ยังไม่มีคำขวัญ" in page
    for stranger in (chai, ek):  # Chai studies in ม.1/2; Ek at the Chiang Mai school
        refused = await client.submit(f"{_white(people)}/committee", {
            "class_head": str(anan), "drug_free": str(stranger), "motto": "ห้องเราปลอดยาเสพติด"})
        said = text_of(refused.text)
        assert refused.status_code == 422 and "นักเรียนห้องอื่นหรือโรงเรียนอื่นเป็นกรรมการของห้องนี้ไม่ได้" in said
        assert 'value="ห้องเราปลอดยาเสพติด"' in refused.text  # what was typed comes back
        assert await CommitteeMember.count() == 0

    saved = await client.submit(f"{_white(people)}/committee", {
        "class_head": str(anan), "study": str(bua), "drug_free": str(anan), "motto": "ห้องเราปลอดยาเสพติด"})
    page = text_of(saved.text)
    assert "บันทึกคณะกรรมการห้องเรียนแล้ว" in page and "“ห้องเราปลอดยาเสพติด”" in page
    assert "หัวหน้าห้อง อนันต์ ใจดี" in page and "หัวหน้าฝ่ายการเรียน บัว รักเรียน" in page
    assert "หัวหน้าฝ่ายการงาน ยังไม่มี" in page


async def test_changing_the_committee_keeps_who_was_head_when(client, people, settings):
    anan, bua = people.students["10001"], people.students["10002"]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"{_white(people)}/committee", {"class_head": str(anan), "study": str(bua)})
    await client.submit(f"{_white(people)}/committee", {"class_head": str(bua), "study": str(bua)})
    page = text_of((await client.get(_white(people))).text)
    assert "หัวหน้าห้อง บัว รักเรียน" in page
    earlier = page.split("คณะกรรมการชุดก่อน")[1].split("รายงานประจำเดือน")[0]
    assert "หัวหน้าห้อง: อนันต์ ใจดี" in earlier and "บัว" not in earlier  # Bua's study post did not change
    assert await CommitteeMember.count() == 3


async def test_a_monthly_report_shows_on_the_executives_page_and_a_second_filing_replaces_it(
        client, people, settings, make_client):
    anan = people.students["10001"]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"{_white(people)}/committee", {"class_head": str(anan)})
    empty = await client.submit(f"{_white(people)}/reports", {"month": _this_month(), "done": ""})
    assert empty.status_code == 422 and "คณะกรรมการทำอะไรบ้าง" in text_of(empty.text)
    later = await client.submit(f"{_white(people)}/reports", {"month": "2999-01", "done": "ตรวจกระเป๋า"})
    assert later.status_code == 422 and "ไม่เกินเดือนปัจจุบัน" in text_of(later.text)
    filed = await client.submit(f"{_white(people)}/reports", {
        "month": _this_month(), "done": "รณรงค์ไม่สูบบุหรี่ไฟฟ้า", "problems": "มีนักเรียนพกบุหรี่ไฟฟ้า"})
    assert "บันทึกรายงานประจำเดือนแล้ว" in text_of(filed.text)
    again = await client.submit(f"{_white(people)}/reports", {"month": _this_month(), "done": "ตรวจสารเสพติดในห้อง"})
    page = text_of(again.text)
    assert "แทนรายงานที่ส่งไว้ของเดือนนั้นแล้ว" in page and "ฉบับก่อนหน้า 1 ฉบับ" in page
    assert page.index("ตรวจสารเสพติดในห้อง") < page.index("รณรงค์ไม่สูบบุหรี่ไฟฟ้า")  # the earlier one kept below
    assert await CommitteeReport.count().where(CommitteeReport.replaced_at.is_null()) == 1

    month = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.",
             "ธ.ค."][clock.today().month - 1]
    for person in (people.wichai, people.ratana, people.sunee):
        reader = make_client()
        await person.sign_in(settings, reader)
        school = text_of((await reader.get("/promotion/white-classroom")).text)
        assert "ห้องที่มีคณะกรรมการ 1 / 2" in school and "รายงานเดือนนี้ 1" in school
        assert f"ม.1/1 1/5 {month}" in school and "ม.1/2 ยังไม่มี –" in school
        assert "อนันต์" not in school  # class labels and counts only
        # and the class's own page has the committee and the report
        assert "ตรวจสารเสพติดในห้อง" in text_of((await reader.get(_white(people))).text)


async def test_only_the_homeroom_teachers_record_and_others_cannot_read(client, people, settings, make_client):
    anan = people.students["10001"]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"{_white(people)}/committee", {"class_head": str(anan)})
    for person, status in ((people.malee, 404), (people.wipa, 403), (people.somsri, 403), (people.dao, 404)):
        other = make_client()
        await person.sign_in(settings, other)
        response = await other.get(_white(people))
        assert response.status_code == status and "อนันต์" not in text_of(response.text)
    for person, status in ((people.wichai, 403), (people.malee, 404)):  # the executive reads, but does not write
        other = make_client()
        await person.sign_in(settings, other)
        assert (await other.submit(f"{_white(people)}/committee", {"class_head": ""})).status_code == status
    assert await CommitteeMember.count().where(CommitteeMember.ended_at.is_null()) == 1


async def test_the_pages_take_as_many_queries_however_much_is_recorded(client, people, settings, make_client,
                                                                       queries):  # noqa: F811
    anan, bua = people.students["10001"], people.students["10002"]
    await people.somchai.sign_in(settings, client)
    director = make_client()
    await people.wichai.sign_in(settings, director)
    await client.submit(f"{_white(people)}/committee", {"class_head": str(anan)})
    await client.submit(f"{_white(people)}/reports", {"month": _this_month(), "done": "ประชุมคณะกรรมการ"})

    async def weigh() -> list[tuple[int, int]]:
        found = []
        for browser, page in ((client, _white(people)), (director, "/promotion/white-classroom"),
                              (director, "/promotion/guidelines")):
            await browser.get(page)
            queries.clear()
            html = (await browser.get(page)).text
            found.append((len(queries), len(gzip.compress(html.encode()))))
        return found

    before = await weigh()
    for head in (bua, anan, bua):  # more history, and the month filed again
        await client.submit(f"{_white(people)}/committee", {"class_head": str(head), "study": str(anan),
                                                             "work": str(bua), "motto": "ไม่ลอง ไม่เสพ"})
        await client.submit(f"{_white(people)}/reports", {"month": _this_month(), "done": "รณรงค์"})
    malee = make_client()
    await people.malee.sign_in(settings, malee)
    await malee.submit(f"{_white(people, 'BKK ม.1/2')}/committee", {"class_head": str(people.students["10003"])})
    after = await weigh()
    assert [n for n, _ in after] == [n for n, _ in before], queries
    assert all(size < 14 * 1024 for _, size in after)
