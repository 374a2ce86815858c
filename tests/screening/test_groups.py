"""The proposed group and its reasons, the homeroom teacher's decision, the school's criteria, the summaries, and
who may see any of it."""

import io
import zipfile
from datetime import timedelta

from backend.attendance.tables import AttendanceMark
from backend.records import services as records
from backend.schools.tables import Term
from backend.screening import criteria as rules
from backend.screening import school_settings, services
from backend.screening.criteria import Facts, propose
from backend.screening.tables import GroupDecision, ScreeningForm
from tests.conftest import text_of
from backend import clock

ANAN, BUA, CHAI = "10001", "10002", "10003"
TROUBLED = "2" * 25  # teacher SDQ: emotional 10, conduct 8, hyperactivity 6, peer 6 → total 30, a problem
CALM = "0" * 25  # reversed items score 2: total 10, normal


def sdq(total_band: str, score: int) -> dict:
    return {"scales": {"total": {"score": score, "band": total_band}, "emotional": {"score": 6, "band": "problem"}}}


# --- The proposal, pure ---------------------------------------------------------------------------------------


def test_nothing_recorded_is_not_screened_rather_than_normal_and_says_what_is_missing():
    proposal = propose(rules.default_criteria(), Facts())
    assert proposal.state == "not_screened" and proposal.reasons == ()
    assert proposal.missing == ("sdq:student", "sdq:teacher", "sdq:parent", "eq")
    # a checklist gone through with nothing ticked is a finding: normal
    assert propose(rules.default_criteria(), Facts(checklist_saved=True)).state == "normal"
    # what the school's rules find without any form still shows (20 days absent is a risk, screened or not)
    assert propose(rules.default_criteria(), Facts(absences=20)).state == "problem"


def test_the_worst_domain_decides_and_every_reason_is_given():
    criteria = rules.default_criteria()
    facts = Facts(sdq={"teacher": sdq("risk", 16)}, gpa=1.2, income_per_person=2500, absences=10,
                  ticks={"drugs": {"drugs.risk.2": "สูบบุหรี่หรือดื่มสุรา"}})
    proposal = propose(criteria, facts)
    assert proposal.group.value == "problem"
    assert proposal.domains == {**{d: "normal" for d in rules.DOMAINS}, "learning": "problem",
                                "economic": "risk", "mental_behaviour": "risk", "drugs": "risk"}
    whys = {(r.domain, r.level, r.why % dict(r.values)) for r in proposal.reasons}
    assert ("learning", "risk", "GPA 1.20 is below 1.50") in whys
    assert ("learning", "problem", "10 days absent or cutting class this term") in whys
    assert ("economic", "risk", "Income 2,500 baht a person a month is below 3,000") in whys
    assert ("mental_behaviour", "risk", "SDQ (teacher): total 16") in whys
    assert ("drugs", "risk", "Ticked: สูบบุหรี่หรือดื่มสุรา") in whys


def test_thresholds_are_edges_the_school_sets():
    criteria = rules.default_criteria()
    assert propose(criteria, Facts(gpa=1.5)).group.value == "normal"  # "below 1.5": 1.5 itself is not
    assert propose(criteria, Facts(gpa=1.49)).group.value == "risk"
    assert propose(criteria, Facts(absences=4)).group.value == "normal"
    assert propose(criteria, Facts(absences=5)).group.value == "risk"
    criteria["rules"]["absences_risk_from"] = None  # switched off
    assert propose(criteria, Facts(absences=9)).group.value == "normal"
    criteria["rules"]["sdq_informants"] = ["teacher"]
    assert propose(criteria, Facts(sdq={"parent": sdq("problem", 20)})).group.value == "normal"
    criteria["rules"]["sdq_scales"] = ["emotional"]
    assert propose(criteria, Facts(sdq={"teacher": sdq("normal", 10)})).group.value == "problem"


def test_special_only_when_nothing_worse_shows():
    criteria = rules.default_criteria()
    talent = {"special_ability": {"special_ability.special.2": "Talent in sport"}}
    assert propose(criteria, Facts(ticks=talent)).group.value == "special"
    assert propose(criteria, Facts(ticks=talent, gpa=1.0)).group.value == "risk"
    criteria["rules"]["gpa_special_from"] = 3.5
    assert propose(criteria, Facts(gpa=3.6)).group.value == "special"


def test_an_eq_below_the_normal_range_is_a_risk_unless_the_school_says_not():
    criteria = rules.default_criteria()
    low = {"scales": {"total": {"score": 120, "band": "below"}}}
    assert propose(criteria, Facts(eq=low)).group.value == "risk"
    criteria["rules"]["eq_below_is_risk"] = False
    assert propose(criteria, Facts(eq=low)).group.value == "normal"


def test_editing_a_checklist_keeps_the_keys_of_unchanged_signs():
    current = rules.default_criteria()["signs"]["drugs"]["risk"]
    lines = "Smokes or drinks\nVapes at school\n\nSmokes or drinks\n"
    edited = rules.edit_signs(current, lines, "drugs.risk", lambda text: text)
    assert edited == [{"key": "drugs.risk.2", "msgid": "Smokes or drinks"}, {"key": "drugs.risk.own1",
                                                                              "text": "Vapes at school"}]


# --- Through the app -------------------------------------------------------------------------------------------


async def test_the_teacher_sees_the_proposal_with_reasons_and_confirms_it(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": TROUBLED})
    await client.submit(f"/records/{anan}/sections/learning", {"gpa_last_term": "0.8"})
    page = text_of((await client.get(f"/screening/students/{anan}")).text)
    assert "เสนอ: มีปัญหา" in page
    assert "SDQ (ครู): คะแนนรวมด้านปัญหา 30" in page and "เกรดเฉลี่ย 0.80 ต่ำกว่า 1.00" in page
    page = await client.submit(f"/screening/students/{anan}/group", {"group": "problem", "note": ""})
    assert "ยืนยันกลุ่มแล้ว" in text_of(page.text)
    decision = await GroupDecision.select().where(GroupDecision.student == anan).output(load_json=True).first()
    assert decision["group"] == decision["proposed"] == "problem"
    assert {"domain": "learning", "level": "problem", "why": "GPA %(gpa).2f is below %(limit).2f",
            "values": {"gpa": 0.8, "limit": 1.0}} in decision["reasons"]


async def test_changing_the_proposed_group_needs_a_note_and_history_is_kept(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": CALM})
    page = await client.submit(f"/screening/students/{anan}/group", {"group": "risk", "note": " "},
                               headers={"hx-request": "true", "hx-boosted": "true"})
    assert page.status_code == 422 and "หมายเหตุ" in text_of(page.text)
    assert 'id="group-risk" name="group" value="risk" checked' in page.text  # still the teacher's choice
    assert page.headers["hx-push-url"] == "false"  # the address bar keeps the page's own address
    assert await GroupDecision.count() == 0
    assert "ส่งซ้ำ" in text_of((await client.get(f"/screening/students/{anan}/group")).text)  # a reload: no 405
    await client.submit(f"/screening/students/{anan}/group", {"group": "normal"})
    await client.submit(f"/screening/students/{anan}/group", {"group": "risk", "note": "ซึมลงหลังย้ายบ้าน"})
    page = text_of((await client.get(f"/screening/students/{anan}")).text)
    assert "ยืนยัน: เสี่ยง" in page
    history = page.split("ประวัติการจัดกลุ่ม")[1]
    assert history.index("เสี่ยง") < history.index("ปกติ") and "ซึมลงหลังย้ายบ้าน" in history
    page = await client.submit(f"/screening/students/{anan}/group", {"group": "excellent"})
    assert page.status_code == 422 and await GroupDecision.count() == 2


async def test_absences_this_term_and_ticked_signs_move_the_proposal(client, people, settings):
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, client)
    viewer = await people.somchai.viewer()
    term = await Term.select().where((Term.school_year == viewer.school_year_id)
                                     & (Term.number == (viewer.term_number or 1))).first()
    # The term's first five weekdays: only school days count as days missed (a weekend's mark would not).
    weekdays = [day for day in (term["starts_on"] + timedelta(days=n) for n in range(7)) if day.weekday() < 5]
    for day in weekdays:
        await AttendanceMark.insert(AttendanceMark(
            school=people.bangkok, student=anan, classroom=people.classrooms["BKK ม.1/1"],
            day=day, status="absent", marked_by=people.somchai.user_id, marked_at=clock.now()))
    page = text_of((await client.get(f"/screening/students/{anan}")).text)
    assert "เสนอ: เสี่ยง" in page and "ขาดเรียนหรือหนีเรียน 5 วัน" in page
    await client.submit(f"/screening/students/{anan}/checklist", {"sign": "violence.problem.1",
                                                                 "note.violence": "ถูกรุ่นพี่รังแก"})
    page = text_of((await client.get(f"/screening/students/{anan}")).text)
    assert "เสนอ: มีปัญหา" in page and "ถูกรุ่นพี่รังแก" in page


async def test_the_schools_criteria_change_what_is_proposed(make_client, people, settings):
    admin, teacher = make_client(), make_client()
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/records/{anan}/sections/learning", {"gpa_last_term": "1.8"})
    assert "เสนอ: ยังไม่คัดกรอง" in text_of((await teacher.get(f"/screening/students/{anan}")).text)
    await people.kanya.sign_in(settings, admin)
    page = await admin.get("/screening/criteria")
    assert "ใช้ยาเสพติด" in text_of(page.text)  # the default checklist, in Thai
    form = {"gpa_problem_below": "1", "gpa_risk_below": "2", "absences_risk_from": "5", "absences_problem_from": "10",
            "income_risk_below": "3000", "sdq_informants": ["teacher"], "sdq_scales": ["total"],
            "signs.drugs.risk": "สูบบุหรี่หรือดื่มสุรา\nสูบบุหรี่ไฟฟ้าในโรงเรียน"}
    page = await admin.submit("/screening/criteria", form)
    assert "บันทึกเกณฑ์การคัดกรองแล้ว" in text_of(page.text)
    assert "สูบบุหรี่ไฟฟ้าในโรงเรียน" in page.text
    assert "เสนอ: เสี่ยง" in text_of((await teacher.get(f"/screening/students/{anan}")).text)
    page = await admin.submit("/screening/criteria", {**form, "gpa_risk_below": "สอง"})
    assert page.status_code == 422 and "ตัวเลข" in text_of(page.text)
    assert (await teacher.submit("/screening/criteria", form)).status_code == 403


async def test_who_sees_screening_results(make_client, people, settings):
    anan = people.students[ANAN]
    teacher = make_client()
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": TROUBLED})
    room = people.classrooms["BKK ม.1/1"]
    seen = {}
    for persona in ("somchai", "ratana", "wichai", "wipa", "malee", "kanya", "somsri", "preecha"):
        browser = make_client()
        await getattr(people, persona).sign_in(settings, browser)
        student = await browser.get(f"/screening/students/{anan}")
        classroom = await browser.get(f"/screening/classrooms/{room}")
        workbook = await browser.get(f"/screening/classrooms/{room}?format=xlsx")
        seen[persona] = (student.status_code, classroom.status_code, workbook.status_code,
                         "30" in text_of(student.text))
    assert seen == {
        "somchai": (200, 200, 200, True), "ratana": (200, 200, 200, True), "wichai": (200, 200, 200, True),
        "wipa": (403, 404, 404, False),  # teaches the class a subject: no screening
        "malee": (404, 404, 404, False), "kanya": (403, 404, 404, False), "somsri": (403, 404, 404, False),
        "preecha": (404, 404, 404, False)}


async def test_a_parent_sees_their_form_and_the_confirmed_group_only(make_client, people, settings):
    anan = people.students[ANAN]
    teacher, parent = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": TROUBLED})
    await people.somsri.sign_in(settings, parent)
    page = text_of((await parent.get("/screening")).text)
    assert "มีปัญหา" not in page and "30" not in page  # nothing of the teacher's form, no proposal
    await teacher.submit(f"/screening/students/{anan}/group", {"group": "problem"})
    page = text_of((await parent.get("/screening")).text)
    assert "ครูประจำชั้นยืนยันกลุ่ม: มีปัญหา" in page and "30" not in page
    assert "จะติดต่อท่านเพื่อวางแผนช่วยเหลือร่วมกัน" in page  # what happens next, not a diagnosis
    assert (await parent.get(f"/screening/students/{anan}?format=xlsx")).status_code == 403


async def test_the_classroom_summary_counts_groups_and_downloads_as_xlsx(client, people, settings):
    anan, bua = people.students[ANAN], people.students[BUA]
    await people.somchai.sign_in(settings, client)
    await client.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": TROUBLED})
    await client.submit(f"/screening/students/{bua}/enter/sdq/teacher", {"typed": CALM})
    room = people.classrooms["BKK ม.1/1"]
    page = text_of((await client.get(f"/screening/classrooms/{room}")).text)
    assert "มีปัญหา (1) : 1 เด็กชายอนันต์ ใจดี" in page and "ปกติ (1) : 2 เด็กหญิงบัว รักเรียน" in page
    download = await client.get(f"/screening/classrooms/{room}?format=xlsx")
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in download.headers["cache-control"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "เด็กชายอนันต์ ใจดี" in strings and "30 มีปัญหา" in strings


async def test_the_executive_sees_distribution_and_who_is_not_screened(make_client, people, settings):
    teacher, executive = make_client(), make_client()
    anan = people.students[ANAN]
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": TROUBLED})
    await people.wichai.sign_in(settings, executive)
    page = text_of((await executive.get("/screening/school")).text)
    assert "นักเรียน 3 คน" in page
    # not screened, normal, risk, problem, special, confirmed, forms
    assert "ม.1/1 1 0 0 1 0 0/2 0/2 1/2 0/2 0/2" in page
    assert "บัว" in page.split("แบบประเมินที่ยังขาด")[1]
    assert (await teacher.get("/screening/school")).status_code == 403


async def test_the_timeline_shows_screening_to_those_who_may_see_it(make_client, people, settings):
    anan = people.students[ANAN]
    teacher, parent, subject = make_client(), make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": TROUBLED})
    await teacher.submit(f"/screening/students/{anan}/group", {"group": "problem"})
    page = text_of((await teacher.get(f"/records/{anan}")).text)
    assert "SDQ ฉบับครูประจำชั้น" in page and "ยืนยันกลุ่มการคัดกรอง: มีปัญหา" in page
    await people.somsri.sign_in(settings, parent)
    page = text_of((await parent.get(f"/records/{anan}")).text)
    assert "ยืนยันกลุ่มการคัดกรอง: มีปัญหา" in page and "SDQ ฉบับครูประจำชั้น" not in page
    await teacher.submit(f"/screening/students/{anan}/group", {"group": "risk", "note": "ดีขึ้นหลังพบครูแนะแนว"})
    page = text_of((await parent.get(f"/records/{anan}")).text)
    assert "ยืนยันกลุ่มการคัดกรอง: เสี่ยง" in page and "มีปัญหา" not in page  # the group as it stands
    await people.wipa.sign_in(settings, subject)
    page = text_of((await subject.get(f"/records/{anan}")).text)
    assert "SDQ" not in page and "คัดกรอง" not in page


async def test_a_school_sets_its_own_sdq_cut_offs_for_forms_filed_from_then_on(make_client, people, settings):
    anan, bua = people.students[ANAN], people.students[BUA]
    admin, teacher = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": CALM})  # total 10: normal
    await people.ratana.sign_in(settings, admin)
    page = await admin.get("/screening/criteria")
    assert 'name="cut.teacher.total.risk" value="16"' in page.text  # the Thai cut-offs to start from
    form = thai_cut_offs()
    form["cut.teacher.total.risk"], form["cut.teacher.total.problem"] = "9", "12"
    page = await admin.submit("/screening/criteria/cutoffs", {**form, "cut.parent.peer.problem": "3"})
    assert page.status_code == 422  # risk would not start below problem
    assert 'name="cut.parent.peer.problem" value="3"' in page.text  # as typed, to fix
    assert '<td class="invalid"><input name="cut.parent.peer.risk"' in page.text  # either may be the slip
    page = await admin.submit("/screening/criteria/cutoffs", form)
    assert "บันทึกเกณฑ์ SDQ แล้ว" in text_of(page.text)
    await teacher.submit(f"/screening/students/{bua}/enter/sdq/teacher", {"typed": CALM})
    page = text_of((await teacher.get(f"/screening/students/{bua}")).text)
    assert "เสนอ: เสี่ยง" in page  # 10 is at risk from 9 on
    assert "เสนอ: ปกติ" in text_of((await teacher.get(f"/screening/students/{anan}")).text)  # filed before


def thai_cut_offs() -> dict[str, str]:
    """The cut-offs form as the page fills it when the school has changed nothing."""
    return {f"cut.{informant}.{scale}.{band}": str(low)
            for informant, scales in school_settings.cutoff_starts(services.base_instrument("sdq")).items()
            for scale, starts in scales.items() for band, low in starts.items()
            if band not in ("normal", "no_strength")}


async def test_forms_filed_before_new_cut_offs_are_scored_again_on_request(make_client, people, settings):
    anan, bua, ek = people.students[ANAN], people.students[BUA], people.students["20001"]
    counsellor, teacher, chiang_mai = make_client(), make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    for student in (anan, bua):
        await teacher.submit(f"/screening/students/{student}/enter/sdq/teacher", {"typed": CALM})  # total 10
    await teacher.submit(f"/screening/students/{anan}/enter/sdq/student", {"typed": CALM})  # its cut-offs stay
    other_room = make_client()
    await people.malee.sign_in(settings, other_room)
    await other_room.submit(f"/screening/students/{people.students[CHAI]}/enter/sdq/teacher", {"typed": TROUBLED})
    await people.dao.sign_in(settings, chiang_mai)
    await chiang_mai.submit(f"/screening/students/{ek}/enter/sdq/teacher", {"typed": CALM})
    await teacher.submit(f"/screening/students/{anan}/group", {"group": "normal"})  # as proposed
    await people.ratana.sign_in(settings, counsellor)
    assert 'id="rescore"' not in (await counsellor.get("/screening/criteria")).text  # nothing to do yet

    page = text_of((await counsellor.submit("/screening/criteria/cutoffs", {
        **thai_cut_offs(), "cut.teacher.total.risk": "9", "cut.teacher.total.problem": "12"})).text)
    assert "แบบสอบถามที่ส่งในภาคเรียนนี้ 3 ฉบับ คิดคะแนนด้วยเกณฑ์ที่เปลี่ยนไปแล้ว" in page
    assert "เสนอ: ปกติ" in text_of((await teacher.get(f"/screening/students/{anan}")).text)  # not yet
    assert (await teacher.submit("/screening/criteria/rescore")).status_code == 403

    page = text_of((await counsellor.submit("/screening/criteria/rescore")).text)
    assert "คิดคะแนนใหม่ด้วยเกณฑ์ปัจจุบันแล้ว 2 ฉบับ" in page and "คิดคะแนนด้วยเกณฑ์ที่เปลี่ยนไปแล้ว" not in page
    assert "อีก 1 ฉบับได้ผลเท่าเดิม" in page  # Chai's total 30 is a problem either way: no new score for him
    chai = await ScreeningForm.select(ScreeningForm.status, ScreeningForm.version).where(
        ScreeningForm.student == people.students[CHAI]).output(load_json=True)
    assert [f["status"] for f in chai] == ["submitted"] and "+cutoffs-" in chai[0]["version"]
    page = text_of((await teacher.get(f"/screening/students/{anan}")).text)
    assert "เสนอ: เสี่ยง" in page  # 10 is at risk from 9 on
    assert "คิดคะแนนใหม่" in page and "คิดคะแนนด้วยเกณฑ์เดิม" in page  # the earlier score is in the history
    assert "ยืนยัน: ปกติ" in page and "ระบบเปลี่ยนข้อเสนอจาก ปกติ เป็น เสี่ยง" in page  # confirmed stays, to review
    room = text_of((await teacher.get(f"/screening/classrooms/{people.classrooms['BKK ม.1/1']}")).text)
    assert room.count("ควรทบทวน: ตอนนี้ระบบเสนอ เสี่ยง") == 1  # Anan's; Bua was never confirmed
    forms = await ScreeningForm.select(ScreeningForm.student, ScreeningForm.informant, ScreeningForm.status,
                                       ScreeningForm.filled_by, ScreeningForm.answers).output(load_json=True)
    assert sorted((f["student"], f["informant"], f["status"]) for f in forms if f["student"] == anan) == [
        (anan, "student", "submitted"), (anan, "teacher", "rescored"), (anan, "teacher", "submitted")]
    assert all(f["filled_by"] == people.somchai.user_id for f in forms if f["student"] == anan)
    assert [f["status"] for f in forms if f["student"] == ek] == ["submitted"]  # another school's cut-offs
    page = text_of((await counsellor.submit("/screening/criteria/rescore")).text)
    assert "0 ฉบับ" in page and await ScreeningForm.count() == len(forms)  # twice changes nothing
    timeline = await records.timeline(await people.somchai.viewer(), anan, [services.timeline_events])
    teachers = [event for event in timeline if event.get("form") == "SDQ by the homeroom teacher"]
    assert len(teachers) == 1  # one filling, however often scored


async def test_a_school_sets_its_own_eq_normal_ranges(make_client, people, settings):
    from backend.screening.scoring import score_eq

    anan = people.students[ANAN]
    counsellor, teacher = make_client(), make_client()
    total = score_eq(services.base_instrument("eq"), [3] * 52).scales["total"].score
    await people.ratana.sign_in(settings, counsellor)
    page = await counsellor.get("/screening/criteria")
    assert 'name="eq.total.low" value="140"' in page.text and 'name="eq.total.high" value="170"' in page.text
    form = {f"eq.{name}.{end}": str(value) for name, (low, high) in
            school_settings.eq_normal_ranges(services.base_instrument("eq")).items()
            for end, value in (("low", low), ("high", high))}
    page = await counsellor.submit("/screening/criteria/eq-ranges", {**form, "eq.total.low": "180",
                                                                     "eq.total.high": "175"})
    assert page.status_code == 422  # the lowest score first
    page = await counsellor.submit("/screening/criteria/eq-ranges", {**form, "eq.total.low": str(total + 1)})
    assert "บันทึกช่วงปกติของ EQ แล้ว" in text_of(page.text)
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/screening/students/{anan}/enter/eq/student", {"typed": "3" * 52})
    page = text_of((await teacher.get(f"/screening/students/{anan}")).text)
    assert f"คะแนนรวม EQ {total} ต่ำกว่าเกณฑ์ปกติ" in page


async def test_students_not_screened_are_counted_apart_never_proposed_normal(make_client, people, settings):
    """Nothing filed about Bua and Chai: they are "not screened", not "normal", on every page that counts groups;
    the director reads the coverage first; the teacher's form has no group chosen for them."""
    teacher, executive = make_client(), make_client()
    anan, bua = people.students[ANAN], people.students[BUA]
    await people.somchai.sign_in(settings, teacher)
    await teacher.submit(f"/screening/students/{anan}/enter/sdq/teacher", {"typed": CALM})
    room = people.classrooms["BKK ม.1/1"]
    page = text_of((await teacher.get(f"/screening/classrooms/{room}")).text)
    assert "คัดกรองแล้ว 1 จาก 2 คน" in page
    assert "ยังไม่คัดกรอง (1) : 2 เด็กหญิงบัว รักเรียน" in page and "ปกติ (1) : 1 เด็กชายอนันต์ ใจดี" in page
    html = (await teacher.get(f"/screening/students/{bua}")).text
    assert "เสนอ: ยังไม่คัดกรอง" in text_of(html) and " checked" not in html.split('name="group"', 1)[1][:2000]
    assert html.count('class="group not_screened"') == 12 and 'class="group normal"' not in html  # and each domain
    refused = await teacher.submit(f"/screening/students/{bua}/group", {"group": "normal", "note": ""})
    assert refused.status_code == 422 and "ยังไม่มีข้อมูลการคัดกรอง" in text_of(refused.text)
    assert await GroupDecision.count() == 0
    await people.wichai.sign_in(settings, executive)
    page = text_of((await executive.get("/screening/school")).text)
    headline = page[page.index("คัดกรองแล้ว"):]
    assert headline.startswith("คัดกรองแล้ว 1 จาก 3 คน ยังไม่คัดกรอง 2 ปกติ 1 เสี่ยง 0")
    # a confirmed group counts as screened: the teacher knows the child and said why
    await teacher.submit(f"/screening/students/{bua}/group", {"group": "normal", "note": "สังเกตในชั้นเรียนทั้งเทอม"})
    page = text_of((await executive.get("/screening/school")).text)
    assert "คัดกรองแล้ว 2 จาก 3 คน ยังไม่คัดกรอง 1 ปกติ 2" in page
