"""The case team's counselling notes after a while without use: a phone left signed in on a desk asks for the
password before it shows them again; the rest of the case stays readable. Wrong passwords are slowed down as on the
sign-in page (the same counters) and audited. The clock is moved, not waited for."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from backend import clock
from backend.accounts.tables import RecordRead
from tests.conftest import text_of
from tests.personas import PASSWORD

NOTE = "พ่อแม่แยกทางกัน"  # for the case team only
SHARED = "ให้นั่งหน้าห้อง"  # for the student's teachers too
START = datetime.combine(clock.today(), time(10, 0), clock.SCHOOL_TIME)


async def _case_with_notes(client, people, settings) -> str:
    """Somchai (Bua's homeroom teacher) signs in at 10:00, opens her case and writes two notes."""
    await people.somchai.sign_in(settings, client)
    opened = await client.submit(f"/care/students/{people.students['10002']}/new", {"concern": "ขาดเรียนบ่อย"})
    case_url = str(opened.url.path)
    await client.submit(f"{case_url}/notes", {"body": NOTE, "sensitivity": "case_team"})
    await client.submit(f"{case_url}/notes", {"body": SHARED, "sensitivity": "teachers"})
    return case_url


async def _reads(section: str = "care_notes") -> int:
    return await RecordRead.count().where(RecordRead.section == section)


async def test_after_sixteen_idle_minutes_the_notes_wait_for_the_password(client, people, settings):
    with clock.set_to(START):
        case_url = await _case_with_notes(client, people, settings)
        assert NOTE in text_of((await client.get(case_url)).text)
    reads_before = await _reads()

    with clock.set_to(START + timedelta(minutes=16)):
        page = (await client.get(case_url)).text
        assert NOTE not in text_of(page)
        assert f'action="{case_url}/unlock"' in page and 'type="password"' in page
        assert SHARED in text_of(page) and "ขาดเรียนบ่อย" in text_of(page)  # the rest of the case stays
        assert await _reads() == reads_before  # nothing read, nothing audited

        opened = await client.submit(f"{case_url}/unlock", {"password": PASSWORD})
        assert opened.status_code == 200 and NOTE in text_of(opened.text)
        assert await _reads() == reads_before + 1

    # Open again until the next gap: a minute later no password is asked.
    with clock.set_to(START + timedelta(minutes=17)):
        assert NOTE in text_of((await client.get(case_url)).text)


async def test_a_wrong_password_is_refused_audited_and_slowed_down_as_signing_in_is(client, people, settings,
                                                                                    make_client):
    with clock.set_to(START):
        case_url = await _case_with_notes(client, people, settings)
    with clock.set_to(START + timedelta(minutes=20)):
        wrong = await client.submit(f"{case_url}/unlock", {"password": "not-my-password"})
        assert wrong.status_code == 422
        assert NOTE not in text_of(wrong.text) and "รหัสผ่านไม่ถูกต้อง" in text_of(wrong.text)
        assert "not-my-password" not in wrong.text
        # With htmx (the body is boosted): the same page comes back to be swapped in, with what to fix.
        boosted = await client.submit(f"{case_url}/unlock", {"password": "not-my-password"},
                                      headers={"hx-request": "true", "hx-boosted": "true"})
        assert boosted.status_code == 422 and 'type="password"' in boosted.text and NOTE not in boosted.text
        for _ in range(settings.sign_in_limit_per_account - 2):
            await client.submit(f"{case_url}/unlock", {"password": "not-my-password"})
        # The account's failures are the sign-in page's: the right password now waits, here and there.
        waiting = await client.submit(f"{case_url}/unlock", {"password": PASSWORD})
        assert waiting.status_code == 429 and NOTE not in text_of(waiting.text)
        elsewhere = make_client()
        signing_in = await elsewhere.submit("/signin", {"username": people.somchai.username, "password": PASSWORD})
        assert signing_in.status_code == 429
        assert await _reads("care_notes_refused") == settings.sign_in_limit_per_account + 1
        # The audit is read on Bua's record by her case team.
        audit = text_of((await client.get(f"/records/{people.students['10002']}/reads")).text)
        assert "รหัสผ่านไม่ถูกต้อง" in audit

    with clock.set_to(START + timedelta(minutes=30)):  # the wait is over
        opened = await client.submit(f"{case_url}/unlock", {"password": PASSWORD})
        assert opened.status_code == 200 and NOTE in text_of(opened.text)


async def test_a_request_every_ten_minutes_keeps_the_notes_open(client, people, settings):
    with clock.set_to(START):
        case_url = await _case_with_notes(client, people, settings)
    for minutes in (10, 20, 30, 40):
        with clock.set_to(START + timedelta(minutes=minutes)):
            assert (await client.get("/care")).status_code == 200
    with clock.set_to(START + timedelta(minutes=50)):
        assert NOTE in text_of((await client.get(case_url)).text)


async def test_only_the_case_team_may_try_a_password_there(client, people, settings, make_client):
    with clock.set_to(START):
        case_url = await _case_with_notes(client, people, settings)
        teacher = make_client()
        await people.wipa.sign_in(settings, teacher)  # teaches ม.1/1: reads the teachers' notes, not the team's
        assert (await teacher.submit(f"{case_url}/unlock", {"password": PASSWORD})).status_code == 404
        assert await _reads("care_notes_refused") == 0
