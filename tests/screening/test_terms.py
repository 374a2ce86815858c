"""The screening summaries of an earlier term of the school year: chosen on the page, read as they stood, nothing to
confirm there; a term not begun is refused."""

from __future__ import annotations

from backend.screening import services as screening
from tests.conftest import text_of


async def test_the_school_and_a_class_show_an_earlier_term_of_the_year(client, people, settings, make_client):
    somchai = await people.somchai.viewer()
    await screening.confirm_group(somchai, people.students["10002"], "problem", "ครูเห็นเอง")
    shown = await screening.shown_term(somchai)
    other = 2 if shown.number == 1 else 1
    await people.wichai.sign_in(settings, client)
    now = text_of((await client.get("/screening/school")).text)
    assert "คัดกรองแล้ว 1 จาก 3 คน" in now
    earlier = await client.get(f"/screening/school?term={other}")
    teacher = make_client()
    await people.somchai.sign_in(settings, teacher)
    room = people.classrooms["BKK ม.1/1"]
    if other not in {t.number for t in shown.begun if t.year_be == somchai.year_be}:  # not begun: refused in words
        assert earlier.status_code == 404 and "ไม่พบภาคเรียนนี้ในปีการศึกษานี้" in text_of(earlier.text)
        return
    page = text_of(earlier.text)
    assert f"ภาคเรียนที่ {other}/{somchai.year_be}" in page and "คัดกรองแล้ว 0 จาก 3 คน" in page
    assert f'/screening/classrooms/{room}?term={somchai.year_be}-{other}' in earlier.text
    class_page = await teacher.get(f"/screening/classrooms/{room}?term={other}")
    assert "คัดกรองแล้ว 0 จาก 2 คน" in text_of(class_page.text)
    assert "/sign-ins" in (await teacher.get(f"/screening/classrooms/{room}")).text
    assert "/sign-ins" not in class_page.text  # nothing to do in a term gone by
    assert (await teacher.get(f"/screening/classrooms/{room}?term=7")).status_code == 404
