"""Input no page should have accepted: control characters anywhere a person can type, and ids far beyond any row.
Each is refused in Thai with 400 or 404 on both engines, never a server error, and nothing is written."""

import re
import uuid

import pytest

from backend.attendance.tables import AttendanceMark
from backend.records.tables import RecordEntry
from tests.conftest import text_of

# Values for the text parts of addresses, so a request gets as far as its query.
PATH_TEXT = {"section": "family", "instrument": "sdq", "informant": "teacher"}
HUGE = [2**31, 2**63, 10**30]


def int_routes(app):
    for route in app.routes:
        if "{" not in route.path or ":int}" not in route.path:
            continue
        for handler in route.route_handlers:
            for method in sorted(getattr(handler, "http_methods", ())):
                yield method, route.path


def fill(path: str, number: int) -> str:
    def value(match):
        name, kind = match.group(1), match.group(2)
        if kind == "int":
            return str(number)
        return PATH_TEXT.get(name, str(uuid.uuid4()))

    return re.sub(r"\{(\w+):(\w+)\}", value, path)


@pytest.mark.parametrize("persona", ["kanya", "wichai", "ratana", "somchai", "somsri"])
async def test_ids_beyond_any_row_are_not_found(client, people, settings, app, persona):
    await getattr(people, persona).sign_in(settings, client)
    await client.get("/")
    routes = list(int_routes(app))
    assert len(routes) > 15
    failures = []
    for method, path in routes:
        for number in HUGE:
            url = fill(path, number)
            if method == "GET":
                response = await client.get(url)
            else:
                response = await client.request(method, url, data={"_csrf_token": client.csrf_token()})
            if response.status_code >= 500:
                failures.append(f"{method} {url}: {response.status_code}")
            elif response.status_code == 404:
                assert "ไม่พบ" in text_of(response.text) or "ไม่มี" in text_of(response.text), url
    assert failures == []


async def test_a_nul_in_a_form_is_refused_in_thai_and_nothing_saved(client, people, settings):
    await people.somchai.sign_in(settings, client)
    anan = people.students["10001"]
    await client.get(f"/records/{anan}")
    page = await client.submit(f"/records/{anan}/sections/health", {"allergies": "แพ้กุ้ง\x00"})
    assert page.status_code == 400
    assert "อักขระควบคุม" in text_of(page.text)
    assert await RecordEntry.count() == 0
    # Typed text keeps its tabs and line breaks (a textarea sends CRLF).
    page = await client.submit(f"/records/{anan}/sections/health", {"physical": "สูง 150\r\nหนัก 40\tกก."})
    assert page.status_code == 200 and await RecordEntry.count() == 1


async def test_control_characters_in_register_addresses_and_queries_are_refused(client, people, settings):
    await people.somchai.sign_in(settings, client)
    room = people.classrooms["BKK ม.1/1"]
    await client.get(f"/attendance/classrooms/{room}")
    form = {"day": "", "period": "0", "subject": "ค\x1bณิต", f"s-{people.students['10001']}": "absent"}
    page = await client.submit(f"/attendance/classrooms/{room}", form)
    assert page.status_code == 400 and await AttendanceMark.count() == 0
    assert (await client.get(f"/attendance/classrooms/{room}?day=%00")).status_code == 400
    assert (await client.get(f"/records/{people.students['10001']}/sections/fam%00ily/history")).status_code == 400


async def test_a_nul_in_json_is_refused_with_the_queues_shape(client, people, settings):
    await people.somchai.sign_in(settings, client)
    await client.get("/visits/form")
    payload = {"client_id": str(uuid.uuid4()), "student": people.students["10001"], "met_with": "ยาย\u0000",
               "visited_on": "2026-01-01"}
    response = await client.post("/visits/sync", json=payload, headers={"x-csrftoken": client.csrf_token(),
                                                                         "accept": "application/json"})
    assert response.status_code == 400
    answer = response.json()
    assert set(answer) == {"status", "message", "errors"} and "อักขระควบคุม" in answer["message"]
    # A lone surrogate, which neither engine can store.
    response = await client.post("/visits/sync", content=b'{"met_with": "\\ud800"}',
                                 headers={"x-csrftoken": client.csrf_token(), "content-type": "application/json",
                                          "accept": "application/json"})
    assert response.status_code == 400
