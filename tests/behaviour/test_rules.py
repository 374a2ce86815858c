"""The school's rules that alert, the automatic deductions for lateness and cutting class, and the discipline
officer's settings page. Each rule fires once per occurrence: the homeroom teacher sees it on their home page, the
guardians hear only what kind of thing happened (push for Somsri when her app allows it, SMS for Prasert), the
student is flagged for the care team.

Dates: the week of 30 Nov 2026 (school year 2569); the school closes Friday 4 Dec in these tests, and Saturday
5 Dec (Father's Day) and Thursday 10 Dec (Constitution Day) are holidays anyway."""

from __future__ import annotations

import gzip
import uuid
from datetime import date, datetime, time

import pytest

from backend.accounts import services as accounts
from backend import clock
from backend.attendance import services as attendance
from backend.behaviour import configure, rules, services
from backend.behaviour.tables import PointsEntry, RuleFiring
from backend.notify import push
from backend.notify.queue import JobQueue
from backend.notify.tables import Alert, Message
from backend.schools import services as schools
from tests.conftest import text_of

ANAN, BUA, CHAI = "10001", "10002", "10003"
SOMSRI, PRASERT = "+66811111111", "+66822222222"
TUESDAY, WEDNESDAY, THURSDAY, CLOSED_FRIDAY = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)
MONDAY, NEXT_TUESDAY, NEXT_WEDNESDAY = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)


def at(day: date, hour: int = 8, minute: int = 10) -> datetime:
    return datetime.combine(day, time(hour, minute), clock.SCHOOL_TIME)


async def _rule(people, kind: str, count: int = 0, days: int = 0) -> int:
    return await rules.add_rule(await people.prasit.viewer(), {"kind": kind, "count": str(count), "days": str(days)})


async def _record(people, settings, who, codes, code="fighting", sanction="deduct", **extra):
    category = next(c for c in await services.categories(people.bangkok) if c["code"] == code)
    return await services.record(await who.viewer(), {
        "client_id": extra.pop("client_id", uuid.uuid4().hex), "students": [people.students[c] for c in codes],
        "category": category["id"], "sanction": sanction, "description": "ต่อยกันที่โรงอาหาร", **extra},
        alert_settings=settings)


async def _register(people, settings, day: date, classroom="BKK ม.1/1", **marks):
    """The morning register of ม.1/1 (Somchai's) or ม.1/2 (Malee's) that day: everyone present unless said."""
    teacher = people.somchai if classroom == "BKK ม.1/1" else people.malee
    with clock.set_to(at(day)):
        await attendance.save_register(await teacher.viewer(), settings, JobQueue(None),
                                       people.classrooms[classroom], day,
                                       {people.students[code]: status for code, status in marks.items()})


async def _process(settings, day: date, hour: int = 9) -> int:
    with clock.set_to(at(day, hour)):
        return await rules.process_attendance(settings)


async def _firings() -> list[dict]:
    return await RuleFiring.select(RuleFiring.student, RuleFiring.day, RuleFiring.occurrence_key).order_by(
        RuleFiring.id)


async def _rule_messages() -> list[dict]:
    return await Message.select(Message.recipient, Message.channel, Message.body).where(
        Message.alert.kind.like("rule_%")).order_by(Message.id)


async def _balance(people, code: str) -> int:
    year = await schools.school_year_now(people.bangkok, clock.today())
    return (await services.points.balances(year.school_year_id, [people.students[code]], 100))[people.students[code]]


async def test_a_serious_incident_tells_each_family_once_by_its_channel_naming_only_the_kind(
        people, settings, drain, fake_twilio, push_service, make_client):
    await _rule(people, "serious_incident")
    subscription = push_service.subscription("somsri-phone")
    await push.save_subscription(settings, await people.somsri.viewer(), subscription["endpoint"],
                                 subscription["p256dh"], subscription["auth"])
    client_id = uuid.uuid4().hex
    await _record(people, settings, people.wipa, [ANAN, BUA], client_id=client_id)
    await _record(people, settings, people.wipa, [ANAN, BUA], client_id=client_id)  # the phone's replay
    await _record(people, settings, people.wipa, [CHAI], code="uniform")  # not serious: nothing
    await drain()

    assert [f["student"] for f in await _firings()] == [people.students[ANAN], people.students[BUA]]
    [sms] = fake_twilio.sent_to(PRASERT)
    assert sms.body == "โรงเรียนกร: บัว มีเรื่องทะเลาะวิวาท โปรดติดต่อครูประจำชั้น"
    assert "อนันต์" not in sms.body and "โรงอาหาร" not in sms.body  # no other child, no details
    assert fake_twilio.sent_to(SOMSRI) == []
    assert [d.token for d in push_service.delivered] == ["somsri-phone"]
    [to_somsri] = [m for m in await _rule_messages() if m["channel"] == "push"]
    assert "อนันต์" in to_somsri["body"] and "บัว" not in to_somsri["body"]

    # Somchai's home page lists both of his students until he marks each seen; Malee's lists nothing.
    somchai, malee = make_client(), make_client()
    await people.somchai.sign_in(settings, somchai)
    await people.malee.sign_in(settings, malee)
    home = text_of((await somchai.get("/")).text)
    assert "กฎพฤติกรรมที่เข้าเกณฑ์" in home and "อนันต์" in home and "บัว" in home and "เหตุร้ายแรงใด ๆ" in home
    assert "กฎพฤติกรรมที่เข้าเกณฑ์" not in text_of((await malee.get("/")).text)
    firing = (await RuleFiring.select(RuleFiring.id).where(RuleFiring.student == people.students[BUA]).first())["id"]
    assert (await malee.submit(f"/behaviour/firings/{firing}/seen")).status_code == 404
    home = text_of((await somchai.submit(f"/behaviour/firings/{firing}/seen")).text)
    card = home.split("กฎพฤติกรรมที่เข้าเกณฑ์")[1].split("ค้นหา")[0]
    assert "อนันต์ ใจดี" in card and "บัว" not in card
    # A second homeroom teacher of ม.1/1 still has Bua on her page: Somchai's "seen" was his own.
    wipa = await people.wipa.viewer()
    await accounts.assign_homeroom(await people.kanya.viewer(), people.classrooms["BKK ม.1/1"], wipa.user_id)
    second = make_client()
    await people.wipa.sign_in(settings, second)
    card = text_of((await second.get("/")).text).split("กฎพฤติกรรมที่เข้าเกณฑ์")[1].split("ค้นหา")[0]
    assert "อนันต์ ใจดี" in card and "บัว" in card

    # The counsellor now sees the flagged students' behaviour (flagged for the care team).
    ratana = make_client()
    await people.ratana.sign_in(settings, ratana)
    assert (await ratana.get(f"/behaviour/students/{people.students[BUA]}")).status_code == 200


async def test_points_below_fires_when_the_balance_crosses_and_again_only_after_it_went_back_above(
        people, settings, drain, fake_twilio):
    await _rule(people, "points_below", 70)
    await _record(people, settings, people.prasit, [BUA], code="other", points="20")  # 80
    assert await _firings() == []
    second = await _record(people, settings, people.prasit, [BUA], code="other", points="20")  # 60: below
    await _record(people, settings, people.prasit, [BUA], code="other", points="5")  # 55: still below, no news
    assert len(await _firings()) == 1
    await services.void(await people.prasit.viewer(), second.incident_id, "ผิดคน", alert_settings=settings)  # 75
    assert len(await _firings()) == 1
    await _record(people, settings, people.prasit, [BUA], code="other", points="10")  # 65: below again
    assert len(await _firings()) == 2
    await drain()
    bodies = [m.body for m in fake_twilio.sent_to(PRASERT)]
    assert bodies == ["โรงเรียนกร: บัว คะแนนความประพฤติต่ำกว่าเกณฑ์ โปรดติดต่อครูประจำชั้น"] * 2


async def test_a_record_meeting_two_rules_tells_the_guardian_once_about_the_weightier(
        people, settings, drain, fake_twilio, make_client):
    await _rule(people, "points_below", 90)
    await _rule(people, "serious_incident")
    await _record(people, settings, people.prasit, [BUA], points="20")  # a serious fight, and 80 points
    assert len(await _firings()) == 2
    await drain()
    assert [m.body for m in fake_twilio.sent_to(PRASERT)] == ["โรงเรียนกร: บัว มีเรื่องทะเลาะวิวาท โปรดติดต่อครูประจำชั้น"]
    somchai = make_client()
    await people.somchai.sign_in(settings, somchai)
    card = text_of((await somchai.get("/")).text).split("กฎพฤติกรรมที่เข้าเกณฑ์")[1].split("ค้นหา")[0]
    assert "เหตุร้ายแรงใด ๆ" in card and "คะแนนความประพฤติต่ำกว่า 90" in card  # both rules, for the teacher


async def test_three_lates_in_three_school_days_count_across_a_closed_day_and_fire_once(
        people, settings, drain, fake_twilio):
    await schools.add_calendar_day(people.bangkok, "closure", "กีฬาสี", "4/12/2569")
    with clock.set_to(at(TUESDAY, 7)):
        await _rule(people, "lates_in_days", 3, 3)
    for day in (WEDNESDAY, THURSDAY):
        await _register(people, settings, day, **{BUA: "late", ANAN: "late"})
        await _process(settings, day)
    await _register(people, settings, CLOSED_FRIDAY, **{ANAN: "late"})  # taken on a closed day: does not count
    await _process(settings, CLOSED_FRIDAY)
    assert await _firings() == []
    # Monday is Bua's third school day in a row late (Friday was closed): three lates within three school days.
    await _register(people, settings, MONDAY, **{BUA: "late"})
    await _process(settings, MONDAY)
    await _process(settings, MONDAY, 10)  # the job runs again: nothing new
    assert [(f["student"], f["day"]) for f in await _firings()] == [(people.students[BUA], MONDAY)]
    # Counted again from after the firing: one more late is not a new occurrence.
    await _register(people, settings, NEXT_TUESDAY, **{BUA: "late"})
    await _process(settings, NEXT_TUESDAY)
    assert len(await _firings()) == 1
    with clock.set_to(at(NEXT_TUESDAY, 10)):
        await drain()
    rule_sms = [m.body for m in fake_twilio.sent_to(PRASERT) if "หลายครั้ง" in m.body]
    assert rule_sms == ["โรงเรียนกร: บัว มาสายหลายครั้ง โปรดติดต่อครูประจำชั้น"]
    assert await Alert.count().where(Alert.kind == "rule_lates") == 1


async def test_two_absences_in_a_row_fire_once_per_run(people, settings):
    with clock.set_to(at(THURSDAY, 7)):
        await _rule(people, "absences_in_row", 2)
    await _register(people, settings, THURSDAY, **{BUA: "absent"})
    await _register(people, settings, MONDAY, **{BUA: "absent", ANAN: "sick_leave"})
    await _process(settings, MONDAY)
    # Friday 4 Dec is an ordinary school day here and has no register for Bua: the run is broken.
    assert await _firings() == []
    await _register(people, settings, NEXT_TUESDAY, **{BUA: "absent", ANAN: "sick_leave"})
    await _process(settings, NEXT_TUESDAY)
    await _register(people, settings, NEXT_WEDNESDAY, **{BUA: "absent", ANAN: "sick_leave"})
    await _process(settings, NEXT_WEDNESDAY)  # the same run, longer: no second alert; leave never counts
    assert [(f["student"], f["day"]) for f in await _firings()] == [(people.students[BUA], NEXT_TUESDAY)]


async def test_lateness_deducts_automatically_and_a_correction_gives_the_points_back(
        people, settings, make_client):
    prasit = make_client()
    await people.prasit.sign_in(settings, prasit)
    form = {"start_points": "100", "threshold": "70", "late_points": "5", "cut_points": "10",
            "points_per_service_hour": "2", "digest_weekday": "4", "digest_hour": "15", "digest_pointer": "off"}
    assert (await prasit.submit("/behaviour/settings", form)).status_code == 200
    await _register(people, settings, WEDNESDAY, **{BUA: "late"})
    await _process(settings, WEDNESDAY)
    await _process(settings, WEDNESDAY, 10)
    with clock.set_to(at(WEDNESDAY, 11)):
        assert await _balance(people, BUA) == 95
    await _register(people, settings, WEDNESDAY, **{BUA: "present"})  # a mis-tap, corrected the same morning
    await _process(settings, WEDNESDAY, 12)
    await _process(settings, WEDNESDAY, 13)
    with clock.set_to(at(WEDNESDAY, 13)):
        assert await _balance(people, BUA) == 100
    await _register(people, settings, WEDNESDAY, **{BUA: "late"})  # late after all
    await _process(settings, WEDNESDAY, 14)
    lines = await PointsEntry.select(PointsEntry.cause, PointsEntry.applied, PointsEntry.source_key).order_by(
        PointsEntry.id)
    assert [(line["cause"], line["applied"]) for line in lines] == [
        ("attendance", -5), ("attendance_corrected", 5), ("attendance", -5)]
    assert all(line["source_key"].startswith(("attendance:", "attendance_corrected:")) for line in lines)
    page = text_of((await prasit.get(f"/behaviour/students/{people.students[BUA]}")).text)
    assert "คะแนนความประพฤติ: 95" in page


async def test_the_settings_page_refuses_rules_that_would_fire_on_every_record(people, settings, make_client):
    prasit, somchai = make_client(), make_client()
    await people.prasit.sign_in(settings, prasit)
    page = text_of((await prasit.get("/behaviour/settings")).text)
    assert "ตั้งค่าพฤติกรรม" in page and "ทะเลาะวิวาท" in page
    refused = await prasit.submit("/behaviour/settings/rules", {"kind": "lates_in_days", "count": "1", "days": "1"})
    assert refused.status_code == 422
    assert "ผู้ปกครองได้รับแจ้งทุกครั้งที่มาสายอยู่แล้ว" in text_of(refused.text)
    refused = await prasit.submit("/behaviour/settings/rules", {"kind": "points_below", "count": "101"})
    assert refused.status_code == 422 and "ต่ำกว่าคะแนนเริ่มต้น" in text_of(refused.text)
    refused = await prasit.submit("/behaviour/settings/rules", {"kind": "lates_in_days", "count": "3", "days": "2"})
    assert refused.status_code == 422
    added = await prasit.submit("/behaviour/settings/rules", {"kind": "lates_in_days", "count": "3", "days": "7"})
    assert "มาสาย 3 ครั้งใน 7 วันเรียน" in text_of(added.text)
    again = await prasit.submit("/behaviour/settings/rules", {"kind": "lates_in_days", "count": "3", "days": "7"})
    assert again.status_code == 409
    assert len(await rules.school_rules(people.bangkok)) == 1
    refused = await prasit.submit("/behaviour/settings", {
        "start_points": "60", "threshold": "70", "late_points": "0", "cut_points": "0",
        "points_per_service_hour": "2", "digest_weekday": "4", "digest_hour": "15", "digest_pointer": "off"})
    assert refused.status_code == 422 and "เกณฑ์ต้องไม่สูงกว่าคะแนนเริ่มต้น" in text_of(refused.text)
    # Categories: edited and retired, never deleted; a retired one is no longer offered to record.
    phone = next(c for c in await services.categories(people.bangkok) if c["code"] == "phone")
    await prasit.submit(f"/behaviour/settings/categories/{phone['id']}", {
        "name": "ใช้มือถือ", "parent_wording": "ใช้โทรศัพท์", "points": "15", "serious": "1"})
    await prasit.submit(f"/behaviour/settings/categories/{phone['id']}/retire")
    changed = next(c for c in await services.categories(people.bangkok, with_retired=True) if c["code"] == "phone")
    assert (changed["name"], changed["points"], changed["serious"], changed["retired"]) == ("ใช้มือถือ", 15, True, True)
    await people.somchai.sign_in(settings, somchai)
    assert "ใช้มือถือ" not in (await somchai.get("/behaviour/new")).text
    assert (await somchai.get("/behaviour/settings")).status_code == 403


@pytest.fixture
def queries(database, monkeypatch):
    """Counts the statements the database is sent."""
    sent: list[str] = []
    monkeypatch.setattr(type(database), "print_query", lambda self, query_id, query: sent.append(str(query)))
    monkeypatch.setattr(database, "log_queries", True)
    return sent


async def test_the_attendance_job_takes_as_many_queries_for_three_students_as_for_one(people, settings, queries):
    await configure.save_settings(await people.prasit.viewer(), {
        "start_points": "100", "threshold": "70", "late_points": "5", "cut_points": "10",
        "points_per_service_hour": "2", "digest_weekday": "4", "digest_hour": "15", "digest_pointer": "off"})
    with clock.set_to(at(TUESDAY, 7)):
        await _rule(people, "lates_in_days", 2, 2)

    async def counted(day: date) -> int:
        queries.clear()
        await _process(settings, day)
        # The ledger locks each student it writes for (points.write), one statement each on PostgreSQL.
        return len([q for q in queries if "pg_advisory_xact_lock" not in q])

    await _record(people, settings, people.prasit, [ANAN], code="other")  # a ledger line before: balances read it
    await _register(people, settings, WEDNESDAY, **{ANAN: "late"})
    await _register(people, settings, THURSDAY, **{ANAN: "late"})
    one = await counted(THURSDAY)  # one student deducted twice, one firing, one guardian told
    await _register(people, settings, MONDAY, **{BUA: "late", ANAN: "late"})
    await _register(people, settings, NEXT_TUESDAY, **{BUA: "late", ANAN: "late"})
    for day in (MONDAY, NEXT_TUESDAY):
        await _register(people, settings, day, "BKK ม.1/2", **{CHAI: "late"})
    three = await counted(NEXT_TUESDAY)  # three deducted (twice each), three firings
    assert three == one, queries
    assert len(await _firings()) == 4
    assert await counted(NEXT_TUESDAY) < one  # nothing new: reads only


async def test_the_settings_page_is_small(people, settings, client):
    await people.prasit.sign_in(settings, client)
    await _rule(people, "serious_incident")
    response = await client.get("/behaviour/settings")
    assert len(gzip.compress(response.content)) <= 14 * 1024


async def test_a_fight_recorded_on_the_form_sends_the_rule_alert_at_once(people, settings, client, redis, drain,
                                                                         fake_twilio):
    await _rule(people, "serious_incident")
    await people.wipa.sign_in(settings, client)
    fighting = next(c for c in await services.categories(people.bangkok) if c["code"] == "fighting")
    response = await client.submit("/behaviour/incidents", {
        "client_id": uuid.uuid4().hex, "kind": "incident", "students": [people.students[BUA]],
        "category": fighting["id"], "sanction": "warning"})
    assert response.status_code == 200
    [message] = await _rule_messages()
    [row] = await Message.select(Message.id).where(Message.recipient == PRASERT)
    # Enqueued by the request itself, not left for the sweep.
    assert await redis.exists(f"arq:job:{redis.default_queue_name}:message:{row['id']}:new")
    await drain()
    assert [m.body for m in fake_twilio.sent_to(PRASERT)] == [message["body"]]
