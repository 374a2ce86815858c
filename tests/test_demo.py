"""The demo school shows a real school's state: its home visits (visited, planned, not started) on the pages
teachers and the director open."""

import re

from backend.demo import DEMO_PASSWORD, create_demo_school, seed_home_visits
from backend.schools.tables import School
from tests.conftest import text_of


async def test_the_demo_has_home_visits_to_show(make_client):
    logins = await create_demo_school(grades=("ม.1",), rooms_per_grade=3)  # without the attendance history
    await seed_home_visits((await School.select(School.id).first())["id"])
    usernames = {role.split()[0]: username for role, username, _ in logins.rows}
    teacher, director = make_client(), make_client()
    for browser, username in ((teacher, usernames["homeroom"]), (director, usernames["executive"])):
        await browser.submit("/signin", {"username": username, "password": DEMO_PASSWORD})

    homeroom = text_of((await teacher.get("/visits")).text)  # the first homeroom, ม.1/1
    counts = re.search(r"เยี่ยมแล้ว (\d+) นัดไว้ (\d+) ยังไม่เยี่ยม (\d+)", homeroom)
    visited, planned, not_yet = map(int, counts.groups())
    assert visited > 2 * not_yet and planned > 0 and "บ้านหนองบัว" in homeroom

    school = text_of((await director.get("/visits")).text)
    rooms = dict(re.findall(r"(ม\.1/\d) (\d+)/\d+ \d+ \d+", school))
    assert int(rooms["ม.1/1"]) > int(rooms["ม.1/2"]) > int(rooms["ม.1/3"]) == 0  # each room at its own stage
