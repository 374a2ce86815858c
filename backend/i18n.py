"""Thai first, English second: gettext catalogues per request, and dates in the Buddhist era."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path

from babel.support import NullTranslations, Translations
from jinja2 import nodes, pass_eval_context
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from backend.schoolyear import be_year
from backend import clock

LOCALES = ("th", "en")
DEFAULT_LOCALE = "th"
LOCALE_DIR = Path(__file__).parent / "locale"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)

# English is the source language, so "en" needs no catalogue.
_catalogues: dict[str, NullTranslations] = {"en": NullTranslations()}


def catalogue(locale: str) -> NullTranslations:
    if locale not in _catalogues:
        if not (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.mo").exists():
            raise RuntimeError(f"{locale} catalogue is not compiled: run `pybabel compile -d {LOCALE_DIR}`")
        _catalogues[locale] = Translations.load(str(LOCALE_DIR), [locale])
    return _catalogues[locale]


def pick_locale(requested: str | None) -> str:
    return requested if requested in LOCALES else DEFAULT_LOCALE


def gettext(message: str, **values) -> str:
    text = catalogue(current_locale.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    text = catalogue(current_locale.get()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


_ = gettext

# Templates: the page's fixed phrases ("Home", "Sign out" …) are looked up and made safe once per language, not on
# every request (a dozen per page on the parent's most visited one). Same results as Jinja's newstyle gettext.
_fixed_phrases: dict[tuple[str, str], Markup] = {}


@pass_eval_context
def template_gettext(eval_ctx, message: str, **values):
    if values or not eval_ctx.autoescape:
        text = catalogue(current_locale.get()).gettext(message)
        return (Markup(text) if eval_ctx.autoescape else text) % values
    key = (current_locale.get(), message)
    phrase = _fixed_phrases.get(key)
    if phrase is None:
        # "%%" means "%" whether or not there are values, as in Jinja's newstyle gettext
        phrase = _fixed_phrases[key] = Markup(catalogue(key[0]).gettext(message)) % {}
    return phrase


class FixedPhrases(NodeTransformer):
    """Translates a template's fixed phrases into one language when it is compiled: `_("Home")` becomes the Thai
    text itself, written into the compiled template like the HTML around it, and `_("Class %(room)s", room=…)`
    becomes the Thai text % its values (filled and escaped as template_gettext does). The result is the same as
    template_gettext's on every render; phrases chosen at render time (`_(item.label)`) are left to it."""

    GETTEXT = ("_", "gettext")

    def __init__(self, locale: str):
        self.translations = catalogue(locale)

    def translate(self, template: nodes.Template) -> nodes.Template:
        # A template that names something `_` or `gettext` itself (a loop variable, say) is left as it is.
        if any(name.name in self.GETTEXT for name in template.find_all(nodes.Name) if name.ctx != "load"):
            return template
        return self.visit(template)

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if not (isinstance(node.node, nodes.Name) and node.node.name in self.GETTEXT and len(node.args) == 1
                and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)
                and node.dyn_args is None and node.dyn_kwargs is None):
            return node
        text = self.translations.gettext(node.args[0].value)
        if node.kwargs:
            values = nodes.Dict([nodes.Pair(nodes.Const(kw.key), kw.value) for kw in node.kwargs])
            return nodes.Mod(nodes.MarkSafeIfAutoescape(nodes.Const(text)), values, lineno=node.lineno)
        try:
            text = text % {}  # "%%" means "%", as in template_gettext
        except (KeyError, TypeError, ValueError):
            return node  # a phrase that wants values it is not given fails when rendered, as before
        return nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, **values):
    text = catalogue(current_locale.get()).ngettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % {"num": num, **values}


class Refusal(Exception):
    """Something a person asked for that cannot be done, and why, in words they can act on. `message` is an English
    msgid (translated where it is shown), `values` fill its %(…)s fields, `errors` name fields to fix, `status` is
    the HTTP status a route answers with. Each area raises its own subclass."""

    status = 422

    def __init__(self, message: str, status: int | None = None, errors: dict | None = None, **values):
        super().__init__(message)
        self.message = message
        self.values = values
        self.errors = errors or {}
        if status is not None:
            self.status = status

    def text(self) -> str:
        return gettext(self.message, **self.values)

    def field_text(self, name: str) -> str:
        """What to fix in one field, in the reader's language ("" when the field is fine)."""
        return gettext(self.errors[name], **self.values) if name in self.errors else ""


def N_(message: str) -> str:
    """Marks a string for the catalogue without translating it yet (translated where it is shown)."""
    return message


THAI_MONTHS_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
THAI_MONTHS_LONG = [
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
]
THAI_WEEKDAYS = ["จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์"]
ENGLISH_MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date(day: date | datetime, locale: str | None = None, long: bool = False, weekday: bool = True) -> str:
    """25 พ.ย. 2569 in Thai (Buddhist era), 25 Nov 2026 in English; long: วันพุธที่ 25 พฤศจิกายน 2569, or without
    the weekday as official letters date themselves: 25 พฤศจิกายน 2569."""
    if isinstance(day, datetime):
        day = day.astimezone(clock.SCHOOL_TIME).date()
    locale = locale or current_locale.get()
    if locale == "th":
        if long and not weekday:
            return f"{day.day} {THAI_MONTHS_LONG[day.month - 1]} {be_year(day)}"
        if long:
            return f"วัน{THAI_WEEKDAYS[day.weekday()]}ที่ {day.day} {THAI_MONTHS_LONG[day.month - 1]} {be_year(day)}"
        return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {be_year(day)}"
    if long:
        return (day.strftime("%A ") if weekday else "") + f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.day} {ENGLISH_MONTHS_SHORT[day.month - 1]} {day.year}"


def format_typed_day(text: str) -> str:
    """A date field's value (YYYY-MM-DD) as the long Thai day under it, since a phone's date field shows mm/dd/yyyy
    in the Christian era; "" for an empty or unreadable value."""
    try:
        return format_date(date.fromisoformat(str(text)), long=True)
    except ValueError:
        return ""


def format_datetime(moment: datetime, locale: str | None = None) -> str:
    return f"{format_date(moment, locale)} {format_time(moment)}"


def format_money(amount) -> str:
    """Baht with thousands separated and satang: 2,055.00 (both languages write numbers the same way)."""
    return f"{amount:,.2f}"


def format_time(moment: datetime) -> str:
    """07:00: the hour at school (a held message's hour)."""
    return f"{moment.astimezone(clock.SCHOOL_TIME):%H:%M}"


def format_term(year_be: int, term_number: int | None, locale: str | None = None) -> str:
    """ภาคเรียนที่ 2 ปีการศึกษา 2569 / Term 2, school year 2569 (2026–27)."""
    locale = locale or current_locale.get()
    if locale == "th":
        year = f"ปีการศึกษา {year_be}"
        return f"ภาคเรียนที่ {term_number} {year}" if term_number else f"ปิดภาคเรียน {year}"
    start = year_be - 543
    year = f"school year {year_be} ({start}–{str(start + 1)[-2:]})"
    return f"Term {term_number}, {year}" if term_number else f"Break, {year}"
