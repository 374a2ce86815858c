"""SMS wording: our default texts (frontend/templates/notify/sms/<locale>/<kind>.txt), a school's own, and how
a text is made for one guardian. A wording is plain text with named fields filled in, nothing more."""

from __future__ import annotations

import logging
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

from backend import db, i18n
from backend.accounts.access import Viewer
from backend.clock import now
from backend.i18n import N_, Refusal
from backend.notify.segments import sms_segments
from backend.notify.tables import SmsTemplate
from backend.schools.tables import School

log = logging.getLogger("doolae.notify")
SMS_TEMPLATES = Path(__file__).resolve().parents[2] / "frontend" / "templates" / "notify" / "sms"
# The fields each kind of SMS may name, written {{ name }}. Wording is plain text with these filled in: never a
# template language, so that what an admin types cannot run code in the web process or the worker.
FIELDS = {
    "absent": ("school", "name", "date"),
    "late": ("school", "name", "date"),
    "cut": ("school", "name", "date", "period", "subject"),
    "correction": ("school", "name", "date", "period", "subject"),
    "sign_in_code": ("school", "code", "minutes"),
    "sign_in_invite": ("school", "code", "date"),  # codes given in bulk (accounts.codes), valid for days
    # A behaviour rule fired (behaviour.rules): what KIND of thing, never its details or anyone else's name.
    "rule_lates": ("school", "name"),
    "rule_absences": ("school", "name"),
    "rule_points": ("school", "name"),
    "rule_serious": ("school", "name", "what"),  # what: the category as the school words it for parents
    # The same-day path (care.urgent): to the counsellors and executives, never the child's name or the concern.
    "urgent_case": ("school",),
    "meeting": ("school", "date", "time", "place"),  # the parents' classroom meeting (promotion): no link needed
    "network_meeting": ("school", "date", "time", "place"),  # a parent committee's meeting (promotion.network)
    "digest": ("school", "room", "date"),  # to a homeroom teacher: the week's digest is ready (behaviour.digest)
    # The homeroom teacher wrote (conversations): a notice that it waits in the app, or, to a guardian without the
    # app, the teacher's words themselves (no link: conversations refuses one).
    "teacher_note": ("school", "name"),
    "teacher_text": ("school", "name", "text"),
    "survey_code": ("school", "code", "date"),  # the parents' survey (survey): a one-time code, never a link
    # The weekly family summary (summary): date is the week (16-20 พ.ย.), lines the children's week in a few words.
    "family_summary": ("school", "date", "lines"),
}
# What the admin's wording page fills the fields with, to show each SMS and what it costs.
SAMPLE = {"school": "", "name": "กิตติพัฒน์", "period": 3, "subject": "คณิตศาสตร์", "code": "123456", "minutes": 30,
          "what": "ทะเลาะวิวาท", "time": "09:00", "place": "ห้อง 121", "room": "ม.1/1",
          "text": "พรุ่งนี้นักเรียนแต่งชุดพละมาโรงเรียน",
          "lines": "กิตติพัฒน์ มา 4/5 สาย 1 ขาด 1 ทำดี 1 | ประชุมผู้ปกครอง 25 พ.ย. 18:00"}
KINDS = tuple(FIELDS)
FIELD = re.compile(r"\{\{\s*(\w+)\s*\}\}")
BRACES = re.compile(r"\{[{%#].*?(?:[}%#]\}|$)", re.DOTALL)  # anything that looks like a field, a tag or a comment



class NotifyError(Refusal):
    pass


@lru_cache(maxsize=64)
def default_template(kind: str, locale: str) -> str:
    return (SMS_TEMPLATES / locale / f"{kind}.txt").read_text(encoding="utf-8").strip()


def unknown_field(kind: str, wording: str) -> str | None:
    """The first thing in braces that is not one of this kind's fields (or a stray closing brace), if any."""
    for match in BRACES.finditer(wording):
        field = FIELD.fullmatch(match.group(0))
        if field is None or field.group(1) not in FIELDS[kind]:
            return match.group(0)[:60]
    leftover = BRACES.sub("", wording)
    return next((marker for marker in ("}}", "%}", "#}") if marker in leftover), None)


def check_wording(kind: str, wording: str) -> None:
    found = unknown_field(kind, wording)
    if found is not None:
        raise NotifyError(N_("The wording has a field it does not know: %(field)s. Fields for this message: "
                             "%(fields)s."), field=found,
                          fields=", ".join(f"{{{{ {name} }}}}" for name in FIELDS[kind]))


def render_text(template: str, values: dict) -> str:
    """Fill in the fields; nothing else in the text is read, so it is sent as it stands."""
    filled = FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)
    return " ".join(filled.split())


def wording_in_use(templates: dict, kind: str, locale: str) -> str:
    """The school's own wording if it set one that passes today's check, else ours. A wording stored before the
    check existed (or written by hand) with an unknown field is never used: the guardian gets our words."""
    own = templates.get((kind, locale))
    if own and unknown_field(kind, own) is None:
        return own
    if own:
        log.warning("school wording for %s/%s has an unknown field; using the default", kind, locale)
    return default_template(kind, locale)


async def school_templates(school_id: int) -> dict[tuple[str, str], str]:
    rows = await SmsTemplate.select(SmsTemplate.kind, SmsTemplate.locale, SmsTemplate.body).where(
        SmsTemplate.school == school_id)
    return {(r["kind"], r["locale"]): r["body"] for r in rows}


def short_date(day: date, locale: str) -> str:
    """25 พ.ย. / 25 Nov: the year only costs SMS characters."""
    months = i18n.THAI_MONTHS_SHORT if locale == "th" else i18n.ENGLISH_MONTHS_SHORT
    return f"{day.day} {months[day.month - 1]}"


def compose(templates: dict, kind: str, locale: str, values: dict) -> str:
    """The text for one guardian: the school's own wording (from school_templates) if it set one, else ours.
    `day` becomes `date`."""
    template = wording_in_use(templates, kind, locale)
    if values.get("day"):
        values = {**values, "date": short_date(values["day"], locale)}
    return render_text(template, values)


async def template_rows(viewer: Viewer) -> list[dict]:
    """Every SMS kind and language with the wording in use and what it costs, for the admin to review."""
    own = await school_templates(viewer.school_id)
    school = await School.select(School.short_name).where(School.id == viewer.school_id).first()
    sample = {**SAMPLE, "school": school["short_name"], "day": date(2026, 11, 25)}
    rows = []
    for kind in KINDS:
        for locale in i18n.LOCALES:
            template = own.get((kind, locale)) or default_template(kind, locale)
            text = render_text(wording_in_use(own, kind, locale),
                               {**sample, "date": short_date(sample["day"], locale)})
            rows.append({"kind": kind, "locale": locale, "template": template, "own": (kind, locale) in own,
                         "sample": text, "segments": sms_segments(text)})
    return rows


async def save_template(viewer: Viewer, kind: str, locale: str, body: str) -> None:
    """A school's own wording; an empty body goes back to ours. Links only from the school's registered domain."""
    if kind not in KINDS or locale not in i18n.LOCALES:
        raise NotifyError(N_("Unknown message kind."))
    body = body.strip()
    if not body:
        await SmsTemplate.delete().where((SmsTemplate.school == viewer.school_id) & (SmsTemplate.kind == kind)
                                         & (SmsTemplate.locale == locale))
        return
    check_wording(kind, body)
    school = await School.select(School.short_name, School.sms_link_domain).where(School.id == viewer.school_id).first()
    sample = render_text(body, {**SAMPLE, "school": school["short_name"], "date": "25 พ.ย.", "subject": ""})
    if ("http" in sample or "www." in sample) and not (school["sms_link_domain"]
                                                        and school["sms_link_domain"] in sample):
        raise NotifyError(N_("Links in SMS must be on the school's registered link domain (NBTC rules)."))
    if sms_segments(sample).too_long:
        raise NotifyError(N_("Too long: Thai carriers join at most 3 SMS (about 200 Thai characters)."))
    async with db.transaction():
        await SmsTemplate.delete().where((SmsTemplate.school == viewer.school_id) & (SmsTemplate.kind == kind)
                                         & (SmsTemplate.locale == locale))
        await SmsTemplate.insert(SmsTemplate(school=viewer.school_id, kind=kind, locale=locale, body=body,
                                             updated_at=now()))
