"""The school's targets for a term (set by its executives), each figure against its target, bad targets refused in
Thai with what was typed kept, the care committee's reflection, and the next term's targets starting from this
term's."""

from __future__ import annotations

import re

from backend.schools import services as schools
from backend.supervision import figures, services
from backend.supervision.tables import CareTarget, TermReflection
from tests.conftest import text_of
from tests.supervision.school import seed
from tests.supervision.test_figures import _last_year


async def test_each_figure_shows_its_target_and_whether_it_is_met(client, people, settings, app):
    await seed(people, app)
    last = await _last_year(people, visited=3, enrolled=4)  # two fights in the same weeks last year
    wichai = await people.wichai.viewer()
    term = await figures.find_term(wichai)
    await people.wichai.sign_in(settings, client)
    form = await client.get(f"/supervision/targets?term={term.key}")
    assert form.status_code == 200 and "เป้าหมายของโรงเรียน" in text_of(form.text)
    saved = await client.submit(f"/supervision/targets?term={term.key}", {
        "visits": "100", "screened": "70", "plans": "100", "incidents_down": "20", "records": ""})
    assert saved.status_code == 200 and str(saved.url).endswith(f"/supervision?term={term.key}")
    page = text_of(saved.text)
    assert "บันทึกเป้าหมายของภาคเรียนแล้ว" in page
    assert "เยี่ยมบ้านแล้วในปีการศึกษานี้ 4/9 · 44 % เป้าหมาย 100 % · ยังไม่ถึงเป้าหมาย" in page
    assert "คัดกรองแล้ว 7/9 · 78 % เป้าหมาย 70 % · ถึงเป้าหมาย" in page
    assert "กลุ่มมีปัญหาที่มีแผนช่วยเหลือ 1/4 · 25 % เป้าหมาย 100 % · ยังไม่ถึงเป้าหมาย" in page
    assert re.search(r"ระเบียนสะสมครบถ้วน 2/9 · 22 % ภาคเรียนเดียวกัน", page)  # no target on records
    # One fight this term against two in the same weeks last year: down 50 %, the 20 % target met.
    assert "ช่วงเดียวกันของปีที่แล้ว 2 ครั้ง เป้าหมาย: ลดลง 20 % · ถึงเป้าหมาย" in page
    checks = services.check(await services.targets_for(wichai, term), await figures.for_term(wichai, term))
    assert {k: (c.value, c.met) for k, c in checks.items()} == {
        "visits": (44, False), "screened": (78, True), "plans": (25, False), "incidents_down": (50, True)}
    # Last year's term has no targets of its own, and none carried back from a later term.
    assert (await services.targets_for(wichai, await figures.find_term(wichai, last))).percent == {}


async def test_a_target_above_100_or_below_0_is_refused_in_thai_with_what_was_typed(client, people, settings, app):
    await seed(people, app)
    term = await figures.find_term(await people.wichai.viewer())
    await people.wichai.sign_in(settings, client)
    refused = await client.submit(f"/supervision/targets?term={term.key}", {
        "visits": "150", "screened": "-5", "plans": "เต็ม", "cases": "80"})
    assert refused.status_code == 422
    page = text_of(refused.text)
    assert "มีเป้าหมายที่ต้องแก้ไข ดูด้านล่าง" in page
    assert "เป้าหมายต้องไม่เกินร้อยละ 100" in page and "เป้าหมายต้องไม่ต่ำกว่าร้อยละ 0" in page
    assert "กรอกร้อยละตั้งแต่ 0 ถึง 100" in page
    for name, typed in (("visits", "150"), ("screened", "-5"), ("plans", "เต็ม"), ("cases", "80")):
        assert re.search(rf'name="{name}" type="text" value="{typed}"', refused.text), name
    assert await CareTarget.count() == 0  # nothing saved, not even the good one
    odd = await client.submit(f"/supervision/targets?term={term.key}", {"visits": "nan", "screened": "inf"})
    assert odd.status_code == 422 and "เป้าหมายต้องไม่เกินร้อยละ 100" in text_of(odd.text)
    assert await CareTarget.count() == 0
    thai = await client.submit(f"/supervision/targets?term={term.key}", {"visits": "๙๐"})  # Thai digits: 90
    assert thai.status_code == 200 and (await services.targets_for(await people.wichai.viewer(), term)).percent == {
        "visits": 90}
    empty = await client.submit(f"/supervision/targets?term={term.key}", {"visits": ""})
    assert empty.status_code == 422 and "ตั้งเป้าหมายอย่างน้อยหนึ่งข้อ" in text_of(empty.text)


async def test_only_the_executives_set_targets(client, people, settings, app):
    await seed(people, app)
    term = await figures.find_term(await people.wichai.viewer())
    await people.ratana.sign_in(settings, client)
    assert (await client.get("/supervision/targets")).status_code == 403
    refused = await client.submit(f"/supervision/targets?term={term.key}", {"visits": "90"})
    assert refused.status_code == 403 and await CareTarget.count() == 0
    assert 'href="/supervision/targets' not in (await client.get("/supervision")).text


async def test_the_committee_reflects_and_next_term_starts_from_this_term(client, people, settings, app, make_client):
    await seed(people, app)
    wichai = await people.wichai.viewer()
    term = await figures.find_term(wichai)
    await schools.ensure_school_year(people.bangkok, wichai.year_be + 1)  # the terms ahead, to plan for
    known = await schools.school_terms(people.bangkok)
    after = known[[t.key for t in known].index(term.key) - 1]
    await services.save_targets(wichai, term, {"visits": "100", "plans": "100"})

    counsellor = make_client()
    await people.ratana.sign_in(settings, counsellor)
    empty = await counsellor.submit(f"/supervision/reflection?term={term.key}", {"worked": " ", "changes": ""})
    assert empty.status_code == 422 and "เขียนอย่างน้อยหนึ่งในสามข้อ" in text_of(empty.text)
    assert await TermReflection.count() == 0
    saved = await counsellor.submit(f"/supervision/reflection?term={term.key}", {
        "worked": "เพื่อนช่วยเพื่อนได้ผลดี", "did_not": "เยี่ยมบ้านไม่ทัน",
        "changes": "เยี่ยมบ้านให้ครบก่อนสอบกลางภาค"})
    assert saved.status_code == 200
    page = text_of(saved.text)
    assert "บันทึกการสะท้อนผลแล้ว" in page and "เยี่ยมบ้านให้ครบก่อนสอบกลางภาค" in page
    assert "บันทึกล่าสุดโดย ครูรัตนา" in page
    assert f"ตั้งเป้าหมายภาคเรียนที่ {after.number}/{after.year_be}" in page

    # The next term's targets form starts from this term's targets, beside what the committee said to change.
    await people.wichai.sign_in(settings, client)
    form = await client.get(f"/supervision/targets?term={after.key}")
    text = text_of(form.text)
    assert f"ค่าเริ่มต้นมาจากเป้าหมายของภาคเรียนที่ {term.number}/{term.year_be}" in text
    assert "เยี่ยมบ้านให้ครบก่อนสอบกลางภาค" in text
    assert re.search(r'name="visits" type="text" value="100"', form.text)
    assert re.search(r'name="records" type="text" value=""', form.text)
    carried = await services.targets_for(wichai, after)
    assert carried.carried and carried.percent == {"visits": 100, "plans": 100}
    await client.submit(f"/supervision/targets?term={after.key}", {"visits": "100", "plans": "100", "screened": "90"})
    own = await services.targets_for(wichai, after)
    assert not own.carried and own.percent == {"visits": 100, "screened": 90, "plans": 100}
    assert (await services.targets_for(wichai, term)).percent == {"visits": 100, "plans": 100}  # this term's kept


async def test_homeroom_activities_have_a_target_too(client, people, settings, app):
    """One of the two classes held a homeroom activity: 50 %, against a target set on it, on the director's page
    and in the term's report pack, met or not."""
    import io

    import openpyxl
    import pypdf

    await seed(people, app)
    term = await figures.find_term(await people.wichai.viewer())
    await people.wichai.sign_in(settings, client)
    form = text_of((await client.get(f"/supervision/targets?term={term.key}")).text)
    assert "ชั้นเรียนที่จัดกิจกรรมโฮมรูมแล้ว (%)" in form
    for target, verdict in (("50", "ถึงเป้าหมาย"), ("80", "ยังไม่ถึงเป้าหมาย")):
        saved = await client.submit(f"/supervision/targets?term={term.key}", {"activities": target})
        assert f"ชั้นเรียนที่จัดกิจกรรมโฮมรูมแล้ว 1/2 · 50 % เป้าหมาย {target} % · {verdict}" in text_of(saved.text)
        pdf = await client.get(f"/supervision/report?term={term.key}&format=pdf")
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages))
        assert f"ชั้นเรียนที่จัดกิจกรรมโฮมรูมแล้ว1250%{target}%{verdict}" in text
        xlsx = await client.get(f"/supervision/report?term={term.key}&format=xlsx")
        rows = openpyxl.load_workbook(io.BytesIO(xlsx.content))["สรุป"].iter_rows(values_only=True)
        assert ["ชั้นเรียนที่จัดกิจกรรมโฮมรูมแล้ว", 1, 2, 0.5, int(target) / 100, verdict] in [list(r[:6]) for r in rows]
    assert (await CareTarget.select(CareTarget.key, CareTarget.percent)) == [{"key": "activities", "percent": 80}]
