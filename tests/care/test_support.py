"""Support with money: the EEF grant put forward from the home visit's household income, what came of it, and the
grant's attendance condition shown to the homeroom teacher."""

from __future__ import annotations

import uuid

from backend import clock
from backend.attendance.tables import AttendanceMark
from backend.care.tables import SupportAward
from backend.schools import services as schools
from backend.visits import services as visits
from tests.conftest import text_of


async def test_an_eef_recipient_missing_school_days_is_a_warning_to_the_homeroom_teacher(
        client, people, settings, make_client):
    somchai = await people.somchai.viewer()
    bua = people.students["10002"]
    await visits.save_visit(somchai, {"client_id": str(uuid.uuid4()), "student": bua, "status": "done",
                                      "visited_on": clock.today().isoformat(), "income_per_person": "1800"})
    await people.somchai.sign_in(settings, client)
    page = text_of((await client.get("/care/support")).text)
    assert "1,800 บาท" in page and "ยังไม่ได้เยี่ยมบ้าน" in page  # Anan's home is not visited yet
    await client.submit(f"/care/support/{bua}/nominate", {"programme": "eef"})
    again = await client.submit(f"/care/support/{bua}/nominate", {"programme": "eef"})
    assert again.status_code == 409
    award = await SupportAward.select(SupportAward.id).first()
    refused = await client.submit(f"/care/support/awards/{award['id']}", {"status": "received"})
    assert refused.status_code == 403  # the executive records what came of it

    director = make_client()
    await people.wichai.sign_in(settings, director)
    await director.submit(f"/care/support/awards/{award['id']}", {"status": "received", "amount": "3000"})

    # Absent on five of this term's school days so far.
    first, last = somchai.term_dates
    calendar = await schools.calendar_between(people.bangkok, first, last)
    days = [d for d in calendar.school_days(first, min(last, clock.today())) if d < clock.today()][:5]
    await AttendanceMark.insert(*[AttendanceMark(
        school=people.bangkok, student=bua, classroom=people.classrooms["BKK ม.1/1"], day=day, status="absent",
        marked_at=clock.now()) for day in days])
    share = (len(calendar.school_days(first, min(last, clock.today()))) - len(days)) * 100 // len(
        calendar.school_days(first, min(last, clock.today())))
    page = text_of((await client.get("/care/support")).text)
    if share < 80:
        assert "ทุนเสมอภาคที่มาเรียนต่ำกว่าร้อยละ 80" in page and f"{share} %" in page
    else:  # early in a term five days are not yet a fifth of it
        assert "ต่ำกว่าร้อยละ 80" not in page
    assert "ได้รับ 3,000" in page
    # The counsellor sees those put forward across the school, not every student's household income.
    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    listed = text_of((await counsellor.get("/care/support")).text)
    assert "บัว" in listed and "อนันต์" not in listed and "ชัย" not in listed
    # Another homeroom's teacher sees neither the income nor the award.
    other = make_client()
    await people.malee.sign_in(settings, other)
    assert "บัว" not in text_of((await other.get("/care/support")).text)
