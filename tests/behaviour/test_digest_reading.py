"""The weekly digest as a teacher reads it later: which week it is (on Sunday it is last week), what the card's
numbers count, who is still to visit (counted as the supervision counts, today), and a balance under the line
that is no new alert."""

from __future__ import annotations

import uuid
from datetime import date

from backend import clock
from backend.behaviour import digest
from backend.visits import services as visits
from tests.behaviour.test_digest import WEEK, _digest_of, _record, _seed_week, at
from tests.conftest import text_of


def _digest_part(page: str) -> str:
    return page[page.index("ห้อง ม.1/1: สรุปประจำสัปดาห์"):]


async def test_read_on_sunday_the_digest_is_last_week_and_counts_todays_visits(people, settings, client):
    await _seed_week(people, settings)
    with clock.set_to(at(WEEK.friday, 16)):
        await digest.compile_due(settings)
    found = await _digest_of(people, "BKK ม.1/1")
    assert [v["student"] for v in found["sections"]["visits"]["not_visited"]] == [people.students["10001"]]
    with clock.set_to(at(date(2026, 11, 21), 10)):  # Saturday: Anan's home is visited
        await visits.save_visit(await people.somchai.viewer(), {
            "client_id": str(uuid.uuid4()), "student": people.students["10001"], "status": "done",
            "visited_on": "2026-11-21"})
    await people.somchai.sign_in(settings, client)
    with clock.set_to(at(date(2026, 11, 20), 17)):  # Friday evening: still this week
        page = _digest_part(text_of((await client.get(f"/behaviour/digests/{found['id']}")).text))
    assert "สัปดาห์นี้: 16 พ.ย. 2569 – 20 พ.ย. 2569" in page and "สัปดาห์นี้มีวันเรียน 4 วัน" in page
    with clock.set_to(at(date(2026, 11, 22), 10)):  # Sunday
        page = _digest_part(text_of((await client.get(f"/behaviour/digests/{found['id']}")).text))
        home = text_of((await client.get("/")).text)
    assert "สัปดาห์นี้" not in page
    assert "สัปดาห์ที่แล้ว: 16 พ.ย. 2569 – 20 พ.ย. 2569" in page and "สัปดาห์ที่แล้วมีวันเรียน 4 วัน" in page
    # Visited on Saturday: the supervision's figure counts him today, and so does the digest read today.
    assert "ยังไม่ได้เยี่ยมบ้าน" not in page and "เยี่ยมบ้านนักเรียนครบทุกคน" in page
    # The card says what its numbers are: one good deed, one incident (not "1 good deed · done 1 time").
    assert "ความดี 1 ครั้ง · พฤติกรรมที่ไม่เหมาะสม 1 ครั้ง" in home
    assert "สัปดาห์นี้" not in home[home.index("ห้อง ม.1/1: สรุปประจำสัปดาห์"):]
    with clock.set_to(at(date(2026, 12, 7), 10)):
        page = _digest_part(text_of((await client.get(f"/behaviour/digests/{found['id']}")).text))
    assert "สัปดาห์นั้น: 16 พ.ย. 2569" in page and "สัปดาห์ที่แล้ว" not in page


async def test_a_balance_under_the_line_with_no_rule_fired_says_so(people, settings, client):
    for day in (date(2026, 11, 10), date(2026, 11, 12)):  # the week before: two fights, 100 − 40 = 60
        await _record(people, people.prasit, "fighting", ["10001"], day, sanction="deduct")
    with clock.set_to(at(WEEK.friday, 16)):
        await digest.compile_due(settings)
    found = await _digest_of(people, "BKK ม.1/1")
    assert found["sections"]["rules"]["items"] == []
    await people.somchai.sign_in(settings, client)
    with clock.set_to(at(date(2026, 11, 20), 17)):
        page = _digest_part(text_of((await client.get(f"/behaviour/digests/{found['id']}")).text))
    assert "คะแนนความประพฤติ: 60 ต่ำกว่า 70" in page
    assert "ไม่มีใครเข้าเกณฑ์เฝ้าระวัง" not in page
    assert ("สัปดาห์นี้ไม่มีนักเรียนเข้าเกณฑ์เฝ้าระวังใหม่ นักเรียน 1 คนยังมีคะแนนความประพฤติต่ำกว่า 70 (ดูด้านบน) "
            "ซึ่งไม่ใช่การเข้าเกณฑ์ใหม่ แต่ควรติดตามต่อ") in page
