"""A parent's home page, the most visited page: each child's attendance today and the alerts not yet seen, in a
constant number of queries."""

import pytest

from backend import db
from backend.students.tables import StudentGuardian
from tests.attendance.test_register import ANAN, BUA, save
from tests.conftest import text_of


async def test_the_parents_home_shows_today_and_the_alerts_not_yet_seen(make_client, people, settings):
    teacher, parent = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    page = text_of((await parent.get("/")).text)
    assert "วันนี้: ยังไม่เช็กชื่อ" in page
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    html = (await parent.get("/")).text
    assert "วันนี้: ขาด" in text_of(html)
    [ack] = [part.split('"')[0] for part in html.split('action="/attendance/alerts/')[1:]]
    assert "รับทราบ" in text_of(html.split("</ul>")[0])  # the "seen" button is on the child's card
    seen = await parent.submit(f"/attendance/alerts/{ack}", {})
    assert seen.url.path == "/"  # back on the home page where "seen" was tapped, thanked
    assert "ขอบคุณ" in text_of(seen.text)
    html = (await parent.get("/")).text
    assert "วันนี้: ขาด" in text_of(html) and "/attendance/alerts/" not in html  # seen: no longer asked

    await save(teacher, people, **{f"s{ANAN}": "late"})  # a later mark is the same event: nothing new to see
    assert "วันนี้: สาย" in text_of((await parent.get("/")).text)
    await save(teacher, people)  # corrected to present
    html = (await parent.get("/")).text
    assert "วันนี้: มาเรียน" in text_of(html) and "/attendance/alerts/" not in html


async def test_an_alert_corrected_before_it_was_seen_is_not_asked_about(make_client, people, settings):
    teacher, parent = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent"})
    await people.somsri.sign_in(settings, parent)
    assert "/attendance/alerts/" in (await parent.get("/")).text
    await save(teacher, people)  # a mis-tap: Anan was here
    html = (await parent.get("/")).text
    assert "วันนี้: มาเรียน" in text_of(html) and "/attendance/alerts/" not in html


@pytest.fixture
def queries(database, monkeypatch):
    """Counts the statements the database is sent."""
    sent: list[str] = []
    monkeypatch.setattr(type(database), "print_query", lambda self, query_id, query: sent.append(str(query)))
    monkeypatch.setattr(database, "log_queries", True)
    return sent


async def test_the_parents_home_takes_as_many_queries_for_three_children_as_for_two(make_client, people, settings,
                                                                                  queries):
    teacher, parent = make_client(), make_client()
    await people.somchai.sign_in(settings, teacher)
    await save(teacher, people, **{f"s{ANAN}": "absent", f"s{BUA}": "late"})
    await people.somsri.sign_in(settings, parent)
    await parent.get("/")
    queries.clear()
    two = text_of((await parent.get("/")).text)
    with_two = len(queries)
    assert with_two >= 3  # counted: the session, the children, their attendance and alerts
    assert "อนันต์" in two and "ชัย" in two and "บัว" not in two
    async with db.transaction():
        await StudentGuardian.insert(StudentGuardian(school=people.bangkok, student=people.students[BUA],
                                                     guardian=people.guardians["+66811111111"], relation="ป้า"))
    queries.clear()
    html = (await parent.get("/")).text
    assert len(queries) == with_two, queries
    assert text_of(html).count("วันนี้:") == 3 and html.count('action="/attendance/alerts/') == 2


async def test_a_parent_switches_the_home_page_to_english_and_back(make_client, people, settings):
    parent, someone = make_client(), make_client()
    await people.somsri.sign_in(settings, parent)
    thai = text_of((await parent.get("/")).text)
    assert "บุตรหลานของท่าน" in thai and "ชั้น ม.1/1 เลขที่" in thai and "ออกจากระบบ" in thai
    english = text_of((await parent.submit("/lang", {"locale": "en", "next": "/"})).text)
    assert "Your children" in english and "Class ม.1/1, number" in english and "Sign out" in english
    assert "บุตรหลานของท่าน" not in english and "ออกจากระบบ" not in english
    # The sign-in page beside it, for someone who has not switched: Thai (each language keeps its own pages).
    assert "เข้าสู่ระบบ" in text_of((await someone.get("/signin")).text)
    thai = text_of((await parent.submit("/lang", {"locale": "th", "next": "/"})).text)
    assert "บุตรหลานของท่าน" in thai and "Your children" not in thai and "Sign out" not in thai


async def test_on_a_day_without_school_the_parent_is_not_told_the_register_is_late(make_client, people, settings):
    """Next week's Sunday, and a holiday the admin added: no register is expected, so none is "not taken yet"."""
    from datetime import datetime, time, timedelta

    from backend import clock
    from backend.schools import services as schools

    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    today = clock.today()
    sunday = today + timedelta(days=6 - today.weekday() + 7)
    with clock.set_to(datetime.combine(sunday, time(9), clock.SCHOOL_TIME)):
        page = text_of((await parent.get("/")).text)
    assert "วันนี้: ไม่มีเรียน" in page and "ยังไม่เช็กชื่อ" not in page
    monday = sunday + timedelta(days=1)
    await schools.add_calendar_day(people.bangkok, "closure", "กีฬาสี", monday.isoformat(), "")
    with clock.set_to(datetime.combine(monday, time(9), clock.SCHOOL_TIME)):
        page = text_of((await parent.get("/")).text)
    assert "วันนี้: ไม่มีเรียน (กีฬาสี)" in page


# The tables that grow with every child and day: a parent's page must reach its rows through the child, the
# guardian or the row's own key, never by walking the school's (or a whole survey's) share of them.
GROWING = ("attendance_mark", "alert", "family_summary", "survey_code", "incident", "incident_student",
           "points_entry", "leave_request", "thread", "network_member")


@pytest.mark.skipif(not db.engine().engine_type == "sqlite", reason="SQLite's own planner, before its statistics")
async def test_the_parents_home_reads_the_familys_rows_not_the_schools(make_client, people, settings, queries):
    """Before the worker's first refresh_statistics(), SQLite guesses its plans: a read that also named the school
    was planned through the (school, day) index, so each parent's page read the school's whole register history
    (85 ms with a term of marks). Every read of the page is planned here as SQLite plans it with no statistics."""
    import re
    import sqlite3

    parent = make_client()
    await people.somsri.sign_in(settings, parent)
    await parent.get("/")
    queries.clear()
    assert "วันนี้:" in text_of((await parent.get("/")).text)
    with sqlite3.connect(db.engine().path) as connection:  # a worker started by an earlier test gathered some
        connection.execute("DROP TABLE IF EXISTS sqlite_stat1")
    planner = sqlite3.connect(db.engine().path)  # statistics are read when a connection opens
    walked = []
    for sql in queries:
        if sql.lstrip()[:6].upper() != "SELECT":
            continue
        tables = {alias: table for table, alias in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?\s+(?:AS\s+)?(\w+)', sql)}
        for _id, _parent, _unused, step in planner.execute("EXPLAIN QUERY PLAN " + sql):
            named = step.split()[1] if step.startswith(("SEARCH", "SCAN")) else ""
            by_family = any(f"{key}=" in step for key in ("student", "guardian", "user", "rowid", "incident"))
            if tables.get(named, named) in GROWING and not by_family:
                walked.append(step)
    assert len(queries) >= 8 and walked == []
