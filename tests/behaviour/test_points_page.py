"""A parent's conduct points page: each line dated by the incident it is about (not the day it was booked), in date
order, one minus sign throughout, and a cancelled record that says its points came back."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time

from backend import clock
from backend.behaviour import services as behaviour
from tests.conftest import text_of


async def _record_late(people, code: str, day: date) -> int:
    """Booked on Sunday 29 Nov 2569 (10:00) for an incident on an earlier day."""
    category = next(c for c in await behaviour.categories(people.bangkok) if c["code"] == code)
    with clock.set_to(datetime(2026, 11, 29, 10, tzinfo=clock.SCHOOL_TIME)):
        saved = await behaviour.record(await people.prasit.viewer(), {
            "client_id": uuid.uuid4().hex, "kind": "incident", "students": [people.students["10001"]],
            "category": category["id"], "happened_at": f"{day.isoformat()}T09:30", "sanction": "deduct"})
    return saved.incident_id


async def test_the_points_table_dates_each_line_by_its_incident_in_order(people, settings, client):
    await _record_late(people, "uniform", date(2026, 11, 27))
    await _record_late(people, "uniform", date(2026, 11, 18))  # booked second, happened first
    await people.somsri.sign_in(settings, client)
    with clock.set_to(datetime.combine(date(2026, 11, 29), time(12), clock.SCHOOL_TIME)):
        page = text_of((await client.get(f"/behaviour/students/{people.students['10001']}")).text)
    table = page[page.index("คะแนนทีละรายการ"):]
    assert "29 พ.ย. 2569" not in table
    rows = re.findall(r"(\d+ พ\.ย\. 2569) \S+ ([−+-]\d+) (\d+)", table)
    assert rows == [("27 พ.ย. 2569", "−5", "90"), ("18 พ.ย. 2569", "−5", "95")]
    assert "-5" not in page  # the list above and the table write the same minus sign


async def test_a_cancelled_incident_says_its_points_came_back(people, settings, client):
    incident = await _record_late(people, "uniform", date(2026, 11, 27))
    with clock.set_to(datetime(2026, 11, 29, 11, tzinfo=clock.SCHOOL_TIME)):
        await behaviour.void(await people.prasit.viewer(), incident, "บันทึกผิดคน")
    await people.somsri.sign_in(settings, client)
    page = text_of((await client.get(f"/behaviour/incidents/{incident}")).text)
    assert "รายการนี้ถูกยกเลิกเมื่อ 29 พ.ย. 2569 จึงไม่นับแล้ว" in page
    assert "คืนคะแนนที่เคยตัด 5 คะแนนแล้ว" in page
    assert "ตัดคะแนนความประพฤติ" not in page and "−5" not in page
    ledger = text_of((await client.get(f"/behaviour/students/{people.students['10001']}")).text)
    assert "คะแนนความประพฤติ: 100" in ledger
