"""`doolae import-roster`: the same column report as the page, a refusal naming the columns it cannot place, the
--map and --ignore options, and a plain message (no traceback) for a school without an admin."""

import pytest

from backend import cli
from backend.schools import services as schools
from backend.students.tables import Guardian, Student
from tests.conftest import ROOT

ODD = ("เลขประจำตัว,ชื่อ,นามสกุล,ชั้น/ห้อง,ชื่อผู้ปกครอง,เบอร์บ้าน,ที่อยู่\n"
       "30001,ก้อง,ทองแท้,ม.1/1,ทองใบ ทองแท้,081-999-0001,12 หมู่ 3\n")


@pytest.fixture
def odd_file(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ODD, encoding="utf-8")
    return path


async def test_a_file_with_columns_it_cannot_place_is_refused_naming_them(people, odd_file, capsys):
    with pytest.raises(SystemExit) as refused:
        await cli.import_roster("BKK", odd_file, [], [], None)
    out = capsys.readouterr().out
    assert "เบอร์บ้าน" in out and "NOT RECOGNISED" in out and "-> เบอร์โทรของผู้ปกครอง" not in out
    assert "F “เบอร์บ้าน”" in str(refused.value) and "G “ที่อยู่”" in str(refused.value)
    assert "--map" in str(refused.value)
    assert await Student.count().where(Student.code == "30001") == 0


async def test_map_and_ignore_place_the_columns_and_the_same_file_again_changes_nothing(people, odd_file, capsys):
    await cli.import_roster("BKK", odd_file, ["เบอร์บ้าน=guardian_phone"], ["ที่อยู่"], None)
    out = capsys.readouterr().out
    assert "เบอร์บ้าน" in out and "(as told)" in out
    assert "1 new, 0 changed" in out and "guardians: 1 new" in out
    guardian = await Guardian.select(Guardian.phone).where(Guardian.name == "ทองใบ ทองแท้").first()
    assert guardian["phone"] == "+66819990001"

    await cli.import_roster("BKK", odd_file, ["เบอร์บ้าน=guardian_phone"], ["ที่อยู่"], None)
    out = capsys.readouterr().out
    assert "0 new, 0 changed, 1 unchanged" in out and "guardians: 0 new, 0 changed, 0 links changed" in out
    assert "nothing to change" in out


async def test_a_wrong_map_option_says_how_to_write_it(people, odd_file):
    with pytest.raises(SystemExit) as refused:
        await cli.import_roster("BKK", odd_file, ["เบอร์บ้าน=telephone"], [], None)
    assert "HEADER=FIELD" in str(refused.value) and "guardian_phone" in str(refused.value)


async def test_a_school_without_an_admin_is_told_what_to_do(people, odd_file):
    await schools.create_school("NEW", "โรงเรียนใหม่", "ใหม่", ["ม.1"])
    with pytest.raises(SystemExit) as refused:
        await cli.import_roster("NEW", odd_file, [], [], None)
    assert "has no admin yet" in str(refused.value) and "doolae create-admin NEW" in str(refused.value)


async def test_the_sample_excel_file_imports(people, capsys):
    await cli.import_roster("BKK", ROOT / "samples" / "roster.xlsx", [], [], None)
    out = capsys.readouterr().out
    assert "sheet: รายชื่อนักเรียน" in out and "7 new" in out
