"""A school's SMS wording is text with named fields, nothing more: no wording, saved or already stored, can run
code on the server."""

from pathlib import Path

from backend import clock
from backend.notify.tables import SmsTemplate
from tests.attendance.test_register import ANAN, SOMSRI, save
from tests.conftest import TEST_DIR, text_of

PROOF = TEST_DIR / "wording-ran-code"
# What a probe would type: templates that, if evaluated, run a shell command or walk into Python's internals.
ATTACKS = [
    "{{ cycler.__init__.__globals__.os.popen('touch %s').read() }}" % PROOF,
    "{{ ''.__class__.__mro__ }}",
    "{{ school }} {%% set x = cycler.__init__.__globals__.os.popen('touch %s').read() %%}" % PROOF,
    "{{ name|attr('__class__') }}",
    "{{ config }} {{ name }}",
]


async def test_a_wording_with_anything_but_known_fields_is_refused_and_runs_nothing(client, people, settings):
    await people.kanya.sign_in(settings, client)
    for attack in ATTACKS:
        page = await client.submit("/notify/templates", {"kind": "absent", "locale": "th", "body": attack})
        assert page.status_code == 422, attack
        assert "ช่องที่ไม่รู้จัก" in text_of(page.text), attack  # names the field it does not know
    assert not PROOF.exists()
    assert await SmsTemplate.count() == 0
    # A field of another kind is unknown here too: a sign-in code never goes in an absence SMS.
    page = await client.submit("/notify/templates", {"kind": "absent", "locale": "th",
                                                     "body": "{{ school }}: {{ name }} ขาด {{ code }}"})
    assert page.status_code == 422 and "{{ code }}" in text_of(page.text)


async def test_a_refused_wording_stays_as_typed_beside_its_own_message(client, people, settings):
    await people.kanya.sign_in(settings, client)
    typed = "{{ school }}: {{ nme }} ขาดเรียนวันนี้"
    page = await client.submit("/notify/templates", {"kind": "cut", "locale": "en", "body": typed})
    assert page.status_code == 422
    # The refused form keeps the text to fix, shows why beside it, and takes the focus (so the phone scrolls there);
    # the other messages keep their own wording.
    focused = page.text.index('autofocus aria-invalid="true">' + typed + "</textarea>")
    form = page.text[page.text.rindex("<form", 0, focused):page.text.index("</form>", focused)]
    assert 'name="kind" value="cut"' in form and 'name="locale" value="en"' in form
    assert "{{ nme }}" in text_of(form)
    assert page.text.count("autofocus") == 1


async def test_a_stored_crafted_wording_is_never_evaluated(client, people, settings, drain, fake_twilio):
    """Written straight into the database (as before this fix, or by hand): the page and the worker show it or
    replace it, but never run it, and the guardian is still told in the school's default words."""
    for kind in ("absent", "late"):
        await SmsTemplate.insert(SmsTemplate(school=people.bangkok, kind=kind, locale="th", body=ATTACKS[0],
                                             updated_at=clock.now()))
    await people.kanya.sign_in(settings, client)
    page = await client.get("/notify/templates")
    assert page.status_code == 200
    await people.somchai.sign_in(settings, client)
    await save(client, people, **{f"s{ANAN}": "absent"})
    await drain()
    assert not PROOF.exists()
    [sms] = fake_twilio.sent_to(SOMSRI)
    assert sms.body.startswith("โรงเรียนกร: อนันต์ ขาดเรียน")  # our wording, not the crafted one
    assert "__globals__" not in sms.body


async def test_our_own_wordings_use_only_their_kinds_fields():
    from backend.notify import wording

    for path in Path(wording.SMS_TEMPLATES).glob("*/*.txt"):
        wording.check_wording(path.stem, path.read_text(encoding="utf-8"))  # raises on an unknown field
