"""What parents see of the record is each school's choice: the admin ticks the sections; a parent then sees
them for their own children only; nobody else may change the choice."""

import pytest

from backend.accounts.tables import RecordRead
from backend.schools.tables import School
from tests.conftest import text_of

ANAN, BUA = "10001", "10002"


async def share(browser, people, settings, sections: list[str], admin="kanya"):
    await getattr(people, admin).sign_in(settings, browser)
    await browser.get("/records/sharing")
    return await browser.submit("/records/sharing", {"sections": sections})


async def write_health(browser, people, settings, code: str, allergies: str) -> None:
    await people.somchai.sign_in(settings, browser)
    await browser.get(f"/records/{people.students[code]}")
    await browser.submit(f"/records/{people.students[code]}/sections/health", {"allergies": allergies})


async def shared_sections(school_id: int) -> str:
    row = await School.select(School.parent_sections).where(School.id == school_id).first()
    return row["parent_sections"]


async def test_a_parent_sees_what_the_school_shares_of_her_own_child(make_client, people, settings):
    teacher, admin, parent = make_client(), make_client(), make_client()
    await write_health(teacher, people, settings, ANAN, "แพ้กุ้ง")
    await people.somsri.sign_in(settings, parent)
    anan = f"/records/{people.students[ANAN]}"
    assert "แพ้กุ้ง" not in text_of((await parent.get(anan)).text)  # learning only, until the school says more

    saved = await share(admin, people, settings, ["learning", "health"])
    assert saved.status_code == 200 and "บันทึกแล้ว" in text_of(saved.text)
    assert 'value="health" checked' in saved.text and 'value="family" checked' not in saved.text
    text = text_of((await parent.get(anan)).text)
    assert "แพ้กุ้ง" in text and "ด้านสุขภาพ" in text
    reads = await RecordRead.select(RecordRead.section).where(RecordRead.reader == people.somsri.user_id)
    assert {"section": "health"} in reads  # a parent's read of a sensitive section is audited like anyone's
    assert (await people.noi.viewer()).parent_sections == {"learning"}  # Chiang Mai chose nothing new

    await share(admin, people, settings, ["learning"])
    assert "แพ้กุ้ง" not in text_of((await parent.get(anan)).text)
    assert (await parent.get(f"{anan}/sections/health/history")).status_code == 403


async def test_a_parent_never_sees_another_childs_record(make_client, people, settings):
    teacher, admin, parent = make_client(), make_client(), make_client()
    await write_health(teacher, people, settings, BUA, "แพ้ถั่ว")
    await share(admin, people, settings, ["learning", "health", "family", "other"])
    await people.somsri.sign_in(settings, parent)
    bua = f"/records/{people.students[BUA]}"
    for path in (bua, f"{bua}/sections/health/history"):
        page = await parent.get(path)
        assert page.status_code == 404 and "แพ้ถั่ว" not in text_of(page.text), path
    # Who read a child's family and health names staff: never shown to parents, even of their own child.
    assert (await parent.get(f"/records/{people.students[ANAN]}/reads")).status_code == 403


@pytest.mark.parametrize("persona", ["wichai", "somchai", "ratana", "somsri"])
async def test_only_the_admin_chooses_what_parents_see(client, people, settings, persona):
    await getattr(people, persona).sign_in(settings, client)
    assert (await client.get("/records/sharing")).status_code == 403
    await client.get("/")
    refused = await client.submit("/records/sharing", {"sections": ["learning", "health", "family"]})
    assert refused.status_code == 403
    assert await shared_sections(people.bangkok) == "learning"


async def test_an_admin_chooses_for_her_own_school_only(client, people, settings):
    await share(client, people, settings, ["health"], admin="preecha")
    assert await shared_sections(people.chiang_mai) == "health"
    assert await shared_sections(people.bangkok) == "learning"


async def test_protection_and_safety_is_audited_and_never_shared_with_parents(make_client, people, settings):
    """Risks at home may come from a parent: reads are audited like health and family, and no setting (not even one
    saved before this rule) shows the section to parents."""
    teacher, counsellor, admin, parent = make_client(), make_client(), make_client(), make_client()
    anan = f"/records/{people.students[ANAN]}"
    await people.somchai.sign_in(settings, teacher)
    await teacher.get(anan)
    await teacher.submit(f"{anan}/sections/safety", {"risks_home": "พ่อเลี้ยงดื่มสุราและทำร้ายร่างกาย"})
    await people.ratana.sign_in(settings, counsellor)
    assert "พ่อเลี้ยงดื่มสุรา" in text_of((await counsellor.get(anan)).text)
    reads = await RecordRead.select(RecordRead.section).where(RecordRead.reader == people.ratana.user_id)
    assert {"section": "safety"} in reads
    assert "ด้านการคุ้มครองและความปลอดภัย" in text_of((await counsellor.get(f"{anan}/reads")).text)

    page = await share(admin, people, settings, ["learning"])
    assert 'value="safety"' not in page.text and "ไม่เปิดให้ผู้ปกครองดู" in text_of(page.text)
    refused = await admin.submit("/records/sharing", {"sections": ["learning", "safety"]})
    assert refused.status_code == 422 and "ไม่เปิดให้ผู้ปกครองดู" in text_of(refused.text)
    assert await shared_sections(people.bangkok) == "learning"

    await School.update({School.parent_sections: "learning,safety"}).where(School.id == people.bangkok)
    await people.somsri.sign_in(settings, parent)
    text = text_of((await parent.get(anan)).text)
    assert "พ่อเลี้ยงดื่มสุรา" not in text and "ด้านการคุ้มครองและความปลอดภัย" not in text  # nor on the timeline
    assert (await parent.get(f"{anan}/sections/safety/history")).status_code == 403
