"""What staff see first on their home page (found in a newcomer's walk of issue 10)."""

from backend.accounts import staff
from backend.accounts.tables import Role
from tests.conftest import text_of


async def test_an_executive_is_told_what_waits_for_them(make_client, people, settings):
    admin, director = make_client(), make_client()
    await people.kanya.sign_in(settings, admin)
    await people.wichai.sign_in(settings, director)
    assert "มีบัญชีหรือบทบาทรอการยืนยัน" not in text_of((await director.get("/")).text)
    await admin.submit("/admin/users", {"username": "nurse2", "display_name": "ครูพยาบาลใหม่", "role": "nurse"})
    page = await director.get("/")
    assert "มีบัญชีหรือบทบาทรอการยืนยัน 1 รายการ" in text_of(page.text)
    assert 'href="/account-changes"' in page.text


async def test_a_homeroom_teacher_who_also_counsels_sees_their_class_first(people, client, settings):
    await staff.add_role(people.somchai.user_id, Role.counsellor)  # as an executive's confirmation does
    await people.somchai.sign_in(settings, client)
    await client.get(f"/records/{people.students['10001']}")  # now a student "worked on lately"
    html = (await client.get("/")).text
    assert "ที่คุณดูแลล่าสุด" in text_of(html)
    assert html.index("ม.1/1") < html.index('id="results"')  # the class before the search and recent students
