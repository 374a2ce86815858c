"""The school's monthly SMS budget: the admin sees the month's spend and forecast on the Messages page; past the
budget a non-critical SMS waits for the admin (send anyway, or drop with a reason, each recorded) while absences
always go; nothing is lost silently."""

import calendar
from decimal import Decimal

from backend import clock
from backend.notify.tables import BudgetDecision, Message
from tests.attendance.test_register import ANAN, BUA, PRASERT, SOMSRI, save
from tests.conftest import text_of


async def set_budget(client, people, settings, monthly: str, price: str = "0.75"):
    await people.kanya.sign_in(settings, client)
    return await client.submit("/notify/budget", {"monthly": monthly, "price": price})


async def test_bad_budgets_are_refused_with_words(client, people, settings):
    refused = await set_budget(client, people, settings, "a lot", "0")
    assert refused.status_code == 422
    words = text_of(refused.text)
    assert "กรอกงบประมาณต่อเดือนเป็นบาท เช่น 1500" in words and "กรอกราคา SMS หนึ่งข้อความย่อยเป็นบาท" in words
    assert "a lot" in refused.text  # what was typed is kept
    assert "ไม่ได้กำหนดงบ" in words


async def test_past_the_budget_a_late_sms_is_held_an_absence_goes_and_the_admin_decides(
        make_client, people, settings, drain, fake_twilio):
    admin, teacher, wipa = make_client(), make_client(), make_client()
    saved = await set_budget(admin, people, settings, "0.01")  # a budget any SMS goes past
    assert "บันทึกงบ SMS แล้ว" in text_of(saved.text)
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent", f"s{BUA}": "late"})
    await drain()
    assert len(fake_twilio.sent_to(SOMSRI)) == 1  # an absence always goes
    assert fake_twilio.sent_to(PRASERT) == []  # Bua's late mark waits for the admin
    register = text_of((await teacher.get(f"/attendance/classrooms/{people.classrooms['BKK ม.1/1']}")).text)
    assert "SMS รอผู้ดูแลระบบ: เกินงบของเดือนนี้" in register

    page = text_of((await admin.get("/notify/outbox")).text)
    assert "SMS 1 ข้อความรอการตัดสินใจ" in page and "บัว" in page
    assert "over_budget" not in page and "past the monthly SMS budget" not in page  # the reason in Thai only
    late = await Message.select().where(Message.recipient == PRASERT).first()
    assert late["status"] == "held" and late["attempts"] == 0
    # The month's spend: the absence's parts at 0.75 baht each; the forecast at the month's pace.
    parts = (await Message.select().where(Message.recipient == SOMSRI).first())["segments"]
    today = clock.today()
    spent = Decimal(parts * 75) / 100
    forecast = Decimal(round(parts * 75 * calendar.monthrange(today.year, today.month)[1] / today.day)) / 100
    assert f"ใช้ไปแล้ว {spent:,.2f} บาท" in page and f"คาดการณ์ทั้งเดือน {forecast:,.2f} บาท" in page

    sent = await admin.submit(f"/notify/outbox/{late['id']}/send-anyway")
    assert "จะส่ง SMS นี้ แม้เกินงบแล้ว" in text_of(sent.text)
    await drain()
    assert len(fake_twilio.sent_to(PRASERT)) == 1
    page = text_of((await admin.get("/notify/outbox")).text)
    assert "ส่งเกินงบโดย" in page and "ข้อความรอการตัดสินใจ" not in page
    again = await admin.submit(f"/notify/outbox/{late['id']}/send-anyway")  # a double tap sends nothing more
    assert "ข้อความนี้ไม่ได้ถูกพักไว้แล้ว" in text_of(again.text)
    await drain()
    assert len(fake_twilio.sent_to(PRASERT)) == 1

    # Wipa's period register: Bua, late this morning, is not in maths — cutting class, held in turn.
    await people.wipa.sign_in(settings, wipa)
    await save(wipa, people, period=3, subject="คณิตศาสตร์", **{f"s{BUA}": "absent"})
    await drain()
    cut = await Message.select().where((Message.recipient == PRASERT) & (Message.status == "held")).first()
    assert cut is not None and len(fake_twilio.sent_to(PRASERT)) == 1
    refused = await admin.submit(f"/notify/outbox/{cut['id']}/drop", {"reason": "  "})
    assert refused.status_code == 422 and "กรุณาระบุเหตุผลที่ไม่ส่ง SMS นี้" in text_of(refused.text)
    dropped = await admin.submit(f"/notify/outbox/{cut['id']}/drop", {"reason": "ครูโทรแจ้งผู้ปกครองแล้ว"})
    assert "ยกเลิกการส่ง SMS แล้ว" in text_of(dropped.text)
    await drain()
    assert len(fake_twilio.sent_to(PRASERT)) == 1
    assert (await Message.select(Message.status).where(Message.id == cut["id"]).first())["status"] == "dropped"
    decisions = await BudgetDecision.select(BudgetDecision.decision, BudgetDecision.reason,
                                            BudgetDecision.decided_by).order_by(BudgetDecision.id)
    assert decisions == [{"decision": "send", "reason": "", "decided_by": people.kanya.user_id},
                         {"decision": "drop", "reason": "ครูโทรแจ้งผู้ปกครองแล้ว", "decided_by": people.kanya.user_id}]
    listed = text_of((await admin.get("/notify/outbox?status=dropped")).text)
    assert "ยกเลิกการส่งโดย" in listed and "ครูโทรแจ้งผู้ปกครองแล้ว" in listed


async def test_within_the_budget_every_sms_goes(make_client, people, settings, drain, fake_twilio):
    admin, teacher = make_client(), make_client()
    await set_budget(admin, people, settings, "1500")
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{BUA}": "late"})
    await drain()
    assert len(fake_twilio.sent_to(PRASERT)) == 1
    page = text_of((await admin.get("/notify/outbox")).text)
    assert "งบประมาณ 1,500.00 บาท" in page  # thousands separated, as an admin reads money


async def test_only_the_admin_decides_on_a_held_sms(make_client, people, settings, drain, fake_twilio):
    admin, teacher = make_client(), make_client()
    await set_budget(admin, people, settings, "0.01")
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{BUA}": "late"})
    await drain()
    held = await Message.select().where(Message.recipient == PRASERT).first()
    assert (await teacher.submit(f"/notify/outbox/{held['id']}/send-anyway")).status_code == 403
    await drain()
    assert fake_twilio.sent_to(PRASERT) == []


async def test_the_admin_decides_on_every_held_sms_at_once(make_client, people, settings, drain, fake_twilio):
    """A month's end with many SMS held: one decision for all of them, each recorded."""
    admin, teacher = make_client(), make_client()
    await set_budget(admin, people, settings, "0.01")
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{BUA}": "late", f"s{ANAN}": "late"})
    await drain()
    held = await Message.select(Message.id).where(Message.status == "held")
    assert len(held) >= 2
    page = text_of((await admin.get("/notify/outbox")).text)
    assert f"ส่งทั้งหมด {len(held)} ข้อความ" in page and f"ไม่ส่งทั้งหมด {len(held)} ข้อความ" in page
    refused = await admin.submit("/notify/outbox/held/drop", {"reason": " "})
    assert refused.status_code == 422 and "กรุณาระบุเหตุผลที่ไม่ส่ง SMS นี้" in text_of(refused.text)
    sent = await admin.submit("/notify/outbox/held/send-anyway")
    assert f"จะส่ง SMS {len(held)} ข้อความ" in text_of(sent.text)
    again = await admin.submit("/notify/outbox/held/send-anyway")  # a double tap releases nothing more
    assert "จะส่ง SMS 0 ข้อความ" in text_of(again.text)
    assert await BudgetDecision.count().where(BudgetDecision.decision == "send") == len(held)
    await drain()
    assert len(fake_twilio.messages) >= len(held)
