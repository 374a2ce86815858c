"""A large school's whole roster in one file: 3,000 students, each with a guardian, imported at once."""

from backend.students import services as students
from backend.students.tables import Guardian, Student, StudentGuardian

HEADER = "เลขประจำตัวนักเรียน,คำนำหน้า,ชื่อ,นามสกุล,ชั้น/ห้อง,เลขที่,ชื่อผู้ปกครอง1,ความสัมพันธ์1,โทรศัพท์1\n"


async def test_three_thousand_students_import_in_one_go(people):
    # ม.1 and ม.2, 30 rooms each of 50 (numbers from 3: the personas' rooms already have 1 and 2).
    rows = [f"{50000 + n},เด็กชาย,นักเรียน{n},สกุล{n},ม.{n % 2 + 1}/{n // 2 // 50 + 1},{n // 2 % 50 + 3},"
            f"ผู้ปกครอง{n},มารดา,08{n:08d}\n" for n in range(3000)]
    kanya = await people.kanya.viewer()
    preview = await students.preview_roster(kanya, "whole-school.csv", (HEADER + "".join(rows)).encode())
    assert not preview.errors
    await students.apply_roster(kanya, preview.upload_id)
    assert await Student.count().where(Student.code >= "50000") == 3000
    assert await Guardian.count().where(Guardian.name.like("ผู้ปกครอง%")) == 3000
    assert await StudentGuardian.count().where(StudentGuardian.student.code >= "50000") == 3000
