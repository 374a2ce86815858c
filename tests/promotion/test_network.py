"""The parent network (เครือข่ายผู้ปกครอง): a class's committee is made of its students' guardians (the school's, of any
guardian of the school), one chair each, history kept; a committee meeting invites each member once through the
outbox (push, else SMS with no link; those who cannot be reached named to the teacher); minutes after the meeting.
A parent on a committee sees its page — names and roles, meetings, minutes — and nothing of another family."""

from __future__ import annotations

import gzip

from backend import clock, db
from backend.notify import push
from backend.notify.tables import Alert, Message
from backend.promotion.tables import NetworkGuest, NetworkMember, ParentCommittee
from backend.students.tables import Guardian, StudentGuardian
from tests.conftest import text_of
from tests.home.test_parent_home import queries  # noqa: F401 - the fixture counting the statements sent

SOMSRI, PRASERT, NOI = "+66811111111", "+66822222222", "+66833333333"


def _network(people, room="BKK ม.1/1") -> str:
    return f"/promotion/classrooms/{people.classrooms[room]}/network"


async def _committee(client, people, settings) -> None:
    """Somchai names ม.1/1's committee: Prasert (Bua's father) chair, reached on another number; Somsri secretary."""
    await people.somchai.sign_in(settings, client)
    for guardian, role, phone in ((PRASERT, "chair", "089-999-9999"), (SOMSRI, "secretary", "")):
        saved = await client.submit(f"{_network(people)}/members", {
            "guardian": str(people.guardians[guardian]), "role": role, "phone": phone})
        assert saved.status_code == 200, text_of(saved.text)


async def _meeting(client, people, settings, agenda="ระดมทุนซื้อพัดลมห้องเรียน") -> str:
    called = await client.submit(f"{_network(people)}/meetings", {
        "held_on": clock.today().isoformat(), "starts_at": "23:59", "place": "ห้อง 121", "agenda": agenda})
    assert called.status_code == 200, text_of(called.text)
    return called.url.path


async def test_only_a_guardian_of_the_class_or_school_sits_on_its_committee(client, people, settings, make_client):
    await people.somchai.sign_in(settings, client)
    for stranger in (NOI,):  # Noi's son studies at the Chiang Mai school
        refused = await client.submit(f"{_network(people)}/members", {
            "guardian": str(people.guardians[stranger]), "role": "chair", "phone": "081-000-0000"})
        said = text_of(refused.text)
        assert refused.status_code == 422 and "ผู้ที่ไม่ใช่ผู้ปกครองของนักเรียนในห้องเป็นกรรมการของห้องไม่ได้" in said
        assert 'value="081-000-0000"' in refused.text  # what was typed comes back
    malee = make_client()  # Prasert is Bua's father, of ม.1/1: not a guardian of ม.1/2
    await people.malee.sign_in(settings, malee)
    refused = await malee.submit(f"{_network(people, 'BKK ม.1/2')}/members", {
        "guardian": str(people.guardians[PRASERT]), "role": "member"})
    assert refused.status_code == 422 and "เป็นกรรมการของห้องไม่ได้" in text_of(refused.text)
    bad_phone = await client.submit(f"{_network(people)}/members", {
        "guardian": str(people.guardians[PRASERT]), "role": "chair", "phone": "12"})
    assert bad_phone.status_code == 422 and await NetworkMember.count() == 0

    await _committee(client, people, settings)
    page = text_of((await client.get(_network(people))).text)
    assert "ประธาน ประเสริฐ รักเรียน · 089-999-9999" in page and "เลขานุการ สมศรี ใจดี · 081-111-1111" in page
    second_chair = await client.submit(f"{_network(people)}/members", {
        "guardian": str(people.guardians[SOMSRI]), "role": "chair"})
    assert second_chair.status_code == 422 and "ประเสริฐ รักเรียน ดำรงตำแหน่งนี้อยู่" in text_of(second_chair.text)
    # Somsri becomes treasurer: her term as secretary ends and is kept.
    await client.submit(f"{_network(people)}/members", {"guardian": str(people.guardians[SOMSRI]),
                                                       "role": "treasurer"})
    page = text_of((await client.get(_network(people))).text)
    assert "เหรัญญิก สมศรี ใจดี" in page and "เลขานุการ: สมศรี ใจดี" in page.split("กรรมการชุดก่อนในปีนี้")[1]
    assert await NetworkMember.count() == 3

    # The school committee: any guardian of the school, found by phone; not one of another school.
    admin = make_client()
    await people.kanya.sign_in(settings, admin)
    refused = await admin.submit("/promotion/network/members", {"guardian_phone": "083-333-3333", "role": "chair"})
    assert refused.status_code == 422 and "เลือกผู้ปกครองของนักเรียนโรงเรียนนี้" in text_of(refused.text)
    chosen = await admin.submit("/promotion/network/members", {"guardian": str(people.guardians[PRASERT]),
                                                               "role": "chair"})
    assert "ประธาน ประเสริฐ รักเรียน" in text_of(chosen.text)
    await admin.submit("/promotion/network/members", {"guardian_phone": "081-111-1111", "role": "member"})
    assert await ParentCommittee.count() == 2 and await NetworkMember.count() == 5
    # Somchai keeps his class's committee, not the school's
    assert (await client.submit("/promotion/network/members", {"guardian": "1", "role": "chair"})).status_code == 403


async def test_invitations_go_once_to_each_member_and_the_unreachable_are_named(
        client, people, settings, drain, fake_twilio, push_service):
    subscription = push_service.subscription("somsri-phone")
    await push.save_subscription(settings, await people.somsri.viewer(), subscription["endpoint"],
                                 subscription["p256dh"], subscription["auth"])
    await _committee(client, people, settings)
    url = await _meeting(client, people, settings)
    await drain()
    assert [d.token for d in push_service.delivered] == ["somsri-phone"]
    [sms] = fake_twilio.sent_to(PRASERT)  # the guardian's own number: the contact number is for staff to call
    assert "ประชุม" in sms.body and "23:59" in sms.body and "ห้อง 121" in sms.body and "http" not in sms.body

    # Bua's grandmother, with no phone, joins after the meeting was called: invited on demand, named as unreachable.
    async with db.transaction():
        rows = await Guardian.insert(Guardian(school=people.bangkok, name="แดง รักเรียน", phone=None,
                                              updated_at=clock.now())).returning(Guardian.id)
        await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students["10002"],
                                                     guardian=rows[0]["id"], relation="ยาย", position=2))
    await client.submit(f"{_network(people)}/members", {"guardian": str(rows[0]["id"]), "role": "member"})
    page = text_of((await client.get(url)).text)
    assert "กรรมการที่แต่งตั้งหลังนัดประชุม แดง รักเรียน" in page
    invited = await client.submit(f"{url}/invite")
    page = text_of(invited.text)
    assert "ส่งคำเชิญถึงกรรมการที่แต่งตั้งใหม่แล้ว" in page
    assert "แดง รักเรียน ไม่มีเบอร์โทรศัพท์" in page.split("ส่งคำเชิญไม่ได้")[1]
    again = await client.submit(f"{url}/invite")  # a second press, and a second run of the worker: nobody twice
    assert "กรรมการทุกคนได้รับคำเชิญแล้ว" in text_of(again.text)
    await drain()
    assert len(fake_twilio.messages) == 1 and len(push_service.delivered) == 1
    assert await Message.count() == 2 and await NetworkGuest.count() == 3
    assert await Alert.count().where(Alert.kind == "network_meeting") == 3  # one per member, kept once


async def test_a_member_sees_the_committee_page_and_nothing_of_another_family(client, people, settings, make_client):
    await _committee(client, people, settings)
    url = await _meeting(client, people, settings)
    meeting_id = url.rsplit("/", 1)[1]
    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    home = text_of((await parent.get("/")).text)
    assert "เครือข่ายผู้ปกครอง คณะกรรมการเครือข่ายผู้ปกครอง ม.1/1 · เลขานุการ" in home
    assert "ประชุมครั้งถัดไป" in home and "23:59" in home
    mine = await parent.get("/promotion/network/mine")
    page = text_of(mine.text)
    assert "ประธาน ประเสริฐ รักเรียน" in page and "ระดมทุนซื้อพัดลมห้องเรียน" in page
    for secret in ("089-999-9999", "0899999999", "+66899999999", "082-222-2222", "+66822222222", "บัว"):
        assert secret not in mine.text  # neither a fellow member's number nor their child
    answered = await parent.submit(f"/promotion/network/meetings/{meeting_id}/reply", {"answer": "coming"})
    assert "คำตอบของท่าน: จะมาร่วมประชุม" in text_of(answered.text)
    # Sitting on the committee opens no one else's child, nor the teacher's pages of the committee.
    for page_url in (f"/records/{people.students['10002']}", _network(people), url, "/promotion/network"):
        response = await parent.get(page_url)
        assert response.status_code in (403, 404) and "บัว" not in text_of(response.text)
        assert "089-999-9999" not in response.text
    stranger = make_client()  # Noi sits on no committee
    await people.noi.sign_in(settings, stranger)
    assert "ไม่ได้เป็นกรรมการเครือข่ายผู้ปกครอง" in text_of((await stranger.get("/promotion/network/mine")).text)
    assert (await stranger.submit(f"/promotion/network/meetings/{meeting_id}/reply",
                                  {"answer": "coming"})).status_code == 404

    # After the meeting the teacher records who came, the minutes and what follows; the member reads them.
    empty = await client.submit(f"{url}/record", {"minutes": ""})
    assert empty.status_code == 422 and "ใส่บันทึกการประชุม" in text_of(empty.text)
    guests = {g["guardian"]: g["id"] for g in await NetworkGuest.select()}
    await client.submit(f"{url}/record", {f"g{guests[people.guardians[SOMSRI]]}": "1",
                                          "minutes": "ตกลงระดมทุน 5,000 บาท", "actions": "เลขานุการทำหนังสือแจ้งผู้ปกครอง"})
    page = text_of((await parent.get("/promotion/network/mine")).text)
    assert "ตกลงระดมทุน 5,000 บาท" in page and "เลขานุการทำหนังสือแจ้งผู้ปกครอง" in page
    assert (await parent.submit(f"/promotion/network/meetings/{meeting_id}/reply",
                                {"answer": "not_coming"})).status_code == 409


async def test_the_executive_sees_which_classes_have_a_committee_and_when_it_met(client, people, settings,
                                                                                 make_client):
    await _committee(client, people, settings)
    url = await _meeting(client, people, settings)
    await client.submit(f"{url}/record", {"minutes": "เลือกประธาน"})
    day = text_of(f"<p>{clock.today().day}</p>")
    for person in (people.wichai, people.kanya):
        reader = make_client()
        await person.sign_in(settings, reader)
        page = text_of((await reader.get("/promotion/network")).text)
        assert "ห้องที่มีคณะกรรมการ 1 / 2 · ประชุมแล้วในปีนี้ 1" in page
        assert f"ม.1/1 2 {day}" in page and "ม.1/2 ยังไม่มี – –" in page
        assert "ประเสริฐ รักเรียน" in text_of((await reader.get(_network(people))).text)
    for person, status in ((people.somchai, 403), (people.sunee, 403), (people.dao, 403), (people.somsri, 403)):
        other = make_client()
        await person.sign_in(settings, other)
        assert (await other.get("/promotion/network")).status_code == status
    malee = make_client()
    await people.malee.sign_in(settings, malee)
    assert (await malee.get(_network(people))).status_code == 404


async def test_the_pages_take_as_many_queries_however_big_the_committee(client, people, settings, make_client,
                                                                        queries):  # noqa: F811
    await _committee(client, people, settings)
    first = await _meeting(client, people, settings)
    director, parent = make_client(), make_client()
    await people.wichai.sign_in(settings, director)
    await people.somsri.sign_in(settings, parent)

    async def weigh(meeting: str) -> list[tuple[int, int]]:
        found = []
        for browser, page in ((client, _network(people)), (client, meeting), (director, "/promotion/network"),
                              (parent, "/promotion/network/mine"), (parent, "/")):
            await browser.get(page)
            queries.clear()
            html = (await browser.get(page)).text
            found.append((len(queries), len(gzip.compress(html.encode()))))
        return found

    before = await weigh(first)
    async with db.transaction():  # Bua gains two more guardians, who join; another meeting; the school's committee
        for name in ("แดง รักเรียน", "ดำ รักเรียน"):
            rows = await Guardian.insert(Guardian(school=people.bangkok, name=name, phone=None,
                                                  updated_at=clock.now())).returning(Guardian.id)
            await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students["10002"],
                                                         guardian=rows[0]["id"], relation="ญาติ", position=2))
            await client.submit(f"{_network(people)}/members", {"guardian": str(rows[0]["id"]), "role": "member"})
    second = await _meeting(client, people, settings, agenda="ทัศนศึกษา")
    await client.submit(f"{first}/record", {"minutes": "ตกลง"})
    await director.submit("/promotion/network/members", {"guardian": str(people.guardians[SOMSRI]), "role": "chair"})
    after = await weigh(second)
    assert [n for n, _ in after] == [n for n, _ in before], queries
    assert all(size < 14 * 1024 for _, size in after)
