"""Importing the roster: preview first, then all or nothing, and the same file twice changes nothing."""

from backend.students import services as students
from backend.students.tables import Guardian, RosterUpload, Student, StudentGuardian
from tests.conftest import text_of
from tests.personas import BANGKOK_ROSTER

NEW_ROWS = (
    "10004,เด็กหญิง,ดาว,ศรีสุข,ม.2/1,1,ทองคำ ศรีสุข,ยาย,089-444-4444,ไม่ใช่\n"
    "10005,เด็กชาย,เดช,ศรีสุข,ม.2/1,2,ทองคำ ศรีสุข,ยาย,089-444-4444,ไม่ใช่\n"
)


async def roster_counts() -> tuple[int, int, int]:
    return await Student.count(), await Guardian.count(), await StudentGuardian.count()


async def test_the_same_file_twice_changes_nothing(people):
    viewer = await people.kanya.viewer()
    before = await roster_counts()
    preview = await students.preview_roster(viewer, "roster.csv", BANGKOK_ROSTER.encode())
    assert preview.errors == []
    assert (len(preview.plan.new_students), len(preview.plan.changed_students), preview.plan.unchanged) == (0, 0, 3)
    assert preview.plan.changes == 0
    plan = await students.apply_roster(viewer, preview.upload_id)
    assert plan.changes == 0
    assert await roster_counts() == before


async def test_preview_writes_nothing_and_apply_writes_everything(people):
    viewer = await people.kanya.viewer()
    before = await roster_counts()
    preview = await students.preview_roster(viewer, "roster.csv", (BANGKOK_ROSTER + NEW_ROWS).encode())
    assert [row.code for row in preview.plan.new_students] == ["10004", "10005"]
    assert preview.plan.new_classrooms == {("ม.2", 1)}
    assert await roster_counts() == before

    await students.apply_roster(viewer, preview.upload_id)
    # Two new students, one grandmother shared by the siblings, two links.
    assert await roster_counts() == (before[0] + 2, before[1] + 1, before[2] + 2)
    again = await students.preview_roster(viewer, "roster.csv", (BANGKOK_ROSTER + NEW_ROWS).encode())
    assert again.plan.changes == 0


async def test_a_moved_student_and_a_new_guardian_phone_are_updated(people):
    viewer = await people.kanya.viewer()
    moved = BANGKOK_ROSTER.replace("10002,เด็กหญิง,บัว,รักเรียน,ม.1/1,2,ประเสริฐ รักเรียน,บิดา,082-222-2222",
                                   "10002,เด็กหญิง,บัว,รักเรียน,ม.1/2,5,ประเสริฐ รักเรียน,บิดา,085-555-5555")
    preview = await students.preview_roster(viewer, "roster.csv", moved.encode())
    assert [row.code for _, row in preview.plan.changed_students] == ["10002"]
    await students.apply_roster(viewer, preview.upload_id)
    bua = await Student.select(Student.number_in_class, Student.classroom).where(Student.code == "10002").first()
    assert (bua["classroom"], bua["number_in_class"]) == (people.classrooms["BKK ม.1/2"], 5)
    phones = await StudentGuardian.select(StudentGuardian.guardian.phone.as_alias("phone")).where(
        StudentGuardian.student == people.students["10002"])
    assert phones == [{"phone": "+66855555555"}]


async def test_a_file_with_errors_writes_nothing(people):
    viewer = await people.kanya.viewer()
    before = await roster_counts()
    bad = BANGKOK_ROSTER + NEW_ROWS + "10006,เด็กชาย,,ศรีสุข,ม.2/1,3,,,,\n"
    preview = await students.preview_roster(viewer, "roster.csv", bad.encode())
    assert [(e.line, e.message) for e in preview.errors] == [(7, "The first name is missing.")]
    assert preview.upload_id is None
    assert await roster_counts() == before


async def test_an_upload_is_applied_once(people):
    viewer = await people.kanya.viewer()
    preview = await students.preview_roster(viewer, "roster.csv", (BANGKOK_ROSTER + NEW_ROWS).encode())
    await students.apply_roster(viewer, preview.upload_id)
    try:
        await students.apply_roster(viewer, preview.upload_id)
    except students.RosterError as error:
        assert error.message == "This roster file has already been imported."
    else:
        raise AssertionError("a second apply must be refused")


async def test_admin_previews_and_imports_through_the_page(client, people, settings):
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    files = {"data": ("roster.csv", (BANGKOK_ROSTER + NEW_ROWS).encode("cp874"), "text/csv")}
    page = await client.post("/roster/import", files=files, headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 200
    assert "นักเรียนใหม่ 2 คน" in text_of(page.text)
    assert await Student.count().where(Student.code == "10004") == 0
    upload_id = (await RosterUpload.select(RosterUpload.id).order_by(RosterUpload.id, ascending=False).first())["id"]
    done = await client.submit(f"/roster/import/{upload_id}/apply")
    assert done.status_code == 200 and "นำเข้ารายชื่อแล้ว นักเรียนใหม่ 2 คน" in text_of(done.text)
    assert await Student.count().where(Student.code.is_in(["10004", "10005"])) == 2


async def test_the_page_lists_bad_rows_in_thai(client, people, settings):
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    bad = BANGKOK_ROSTER + "10009,เด็กชาย,ปกรณ์,ทองดี,ม.9/1,9,แม่,มารดา,081,ใช่\n"
    page = await client.post("/roster/import", files={"data": ("roster.csv", bad.encode(), "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 422
    text = text_of(page.text)
    assert "ต้องแก้ไข 2 จุด" in text
    assert "5 โรงเรียนนี้ไม่มีชั้น ม.9" in text
    assert "5 เบอร์โทรของผู้ปกครองคนที่ 1 “081” ไม่ใช่เบอร์โทรศัพท์ไทยที่ถูกต้อง" in text
    assert "ยังไม่ได้นำเข้าข้อมูลใด ๆ" in text


async def test_only_an_admin_may_import(client, people, settings):
    uploads = await RosterUpload.count()
    await people.somchai.sign_in(settings, client)
    await client.get("/")
    page = await client.post("/roster/import", files={"data": ("r.csv", BANGKOK_ROSTER.encode(), "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 403
    assert await RosterUpload.count() == uploads


async def test_an_admin_cannot_apply_another_schools_upload(client, people, settings):
    viewer = await people.kanya.viewer()
    preview = await students.preview_roster(viewer, "roster.csv", (BANGKOK_ROSTER + NEW_ROWS).encode())
    await people.preecha.sign_in(settings, client)
    page = await client.submit(f"/roster/import/{preview.upload_id}/apply")
    assert page.status_code == 404  # another school's rows do not exist for Preecha
    assert await Student.count().where(Student.code == "10004") == 0


async def test_a_name_too_long_is_refused_by_the_preview_not_the_apply(client, people, settings):
    await people.kanya.sign_in(settings, client)
    await client.get("/roster/import")
    before, uploads = await roster_counts(), await RosterUpload.count()
    long_name = BANGKOK_ROSTER + f"10009,เด็กชาย,{'ก' * 101},ทองดี,ม.1/1,9,,,,\n"
    page = await client.post("/roster/import", files={"data": ("roster.csv", long_name.encode(), "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 422
    assert "5 ชื่อยาวเกิน 100 ตัวอักษร" in text_of(page.text)
    with_nul = BANGKOK_ROSTER.encode() + "10009,เด็กชาย,ปก\x00รณ์,ทองดี,ม.1/1,9,,,,\n".encode()
    page = await client.post("/roster/import", files={"data": ("x" * 300 + ".csv", with_nul, "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 422 and "5 แถวนี้มีอักขระควบคุม" in text_of(page.text)
    assert await RosterUpload.count() == uploads and await roster_counts() == before
    # A long file name is fine: it is only shown.
    page = await client.post("/roster/import", files={"data": ("ร" * 300 + ".csv", BANGKOK_ROSTER.encode(),
                                                                "text/csv")},
                             headers={"x-csrftoken": client.csrf_token()})
    assert page.status_code == 200 and await RosterUpload.count() == uploads + 1
