"""The same-day path: any teacher raises an urgent concern; the counsellors and executives are told at once by SMS
with no name or detail, and the case stays on top of their home pages until someone records contact."""

from __future__ import annotations

from backend.accounts.tables import User
from backend.care.tables import CareCase
from tests.conftest import text_of


async def test_an_urgent_concern_reaches_the_care_team_today_and_stays_on_top_until_contact(
        client, people, settings, make_client, drain, fake_twilio, redis):
    await User.update({User.phone: "+66891111111"}).where(User.username == "ratana")  # Wichai has no number
    await people.wipa.sign_in(settings, client)  # a subject teacher who overheard something
    student = people.students["10002"]
    empty = await client.submit(f"/care/students/{student}/urgent", {"concern": ""})
    assert empty.status_code == 422
    response = await client.submit(f"/care/students/{student}/urgent",
                                   {"concern": "บอกเพื่อนว่าอยากตาย มีรอยกรีดที่แขน"})
    flash = text_of(response.text)
    assert "แจ้งทาง SMS แล้ว: ครูรัตนา" in flash and "แจ้งในแอปเท่านั้น: ผอ.วิชัย" in flash
    case = await CareCase.select().first()
    assert case["urgency"] == "today"
    assert (await client.get(f"/care/cases/{case['id']}")).status_code == 404  # she reads no more than before

    await drain()
    assert [m.to for m in fake_twilio.messages] == ["+66891111111"]
    body = fake_twilio.messages[0].body
    assert "ด่วน" in body and "บัว" not in body and "ตาย" not in body and "แขน" not in body

    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    home = text_of((await counsellor.get("/")).text)
    assert home.index("เรื่องด่วน: ต้องติดต่อวันนี้") < home.index("ค้นหา")  # on top of the page
    assert "บัว" in home
    page = text_of((await counsellor.get(f"/care/cases/{case['id']}")).text)
    assert "อยากตาย" in page
    await counsellor.submit(f"/care/cases/{case['id']}/contact",
                            {"done": "คุยกับบัวและบิดาแล้ว นัดพบจิตแพทย์พรุ่งนี้"})
    assert "เรื่องด่วน: ต้องติดต่อวันนี้" not in text_of((await counsellor.get("/")).text)
    # Other teachers' home pages never showed it.
    other = make_client()
    await people.malee.sign_in(settings, other)
    assert "บัว" not in text_of((await other.get("/")).text)
