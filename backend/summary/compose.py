"""A guardian's week as the weekly family summary tells it (pure): their children's week from the facts the areas
offer, as the guardian's channel choices allow, and the one short text that carries it (an SMS, or the same words by
push or LINE).

What the summary holds for a guardian, whatever they chose:
- each child's days at school (present of the days the register was taken), absences and leave: absences are
  safety-critical and never off, so these are always there;
- late and cutting class (topic "attendance"), good deeds, incidents (topic "behaviour"; a serious one always) and
  the meetings to come (topic "meetings"), unless the guardian turned that topic off — a kind turned off never
  appears;
- what the guardian chose to hear of weekly and was not told at once (notify's SummaryItem), listed one by one with
  its day ("notices"); a meeting invitation kept for the summary is named in full, with its place.
A guardian who chose "at once" for everything still gets it: the week's counts and good deeds (which no instant
message carries) in a few lines, the alerts they already had only counted, never repeated one by one. A week with
nothing to tell — no absence, leave, lateness, cut class, good deed, incident, notice or meeting to come — is
skipped: nothing is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from backend import i18n
from backend.attendance.services import WeekCounts
from backend.behaviour.family import FamilyRecord
from backend.behaviour.tables import Kind
from backend.i18n import N_
from backend.notify.choices import KIND_TOPICS, Choice, Topic
from backend.notify.segments import sms_segments
from backend.notify.wording import compose as compose_sms
from backend.notify.wording import short_date
from backend.promotion.services import UpcomingMeeting

KIND = "family_summary"  # the alert kind that carries it (notify's wording, labels, the page a push opens)
UPCOMING_DAYS = 14  # meetings within two weeks of the Friday are named; a later one only when its invitation is news
MEETING_KINDS = ("meeting", "network_meeting")

# The SMS's words: short, for Thai SMS parts are 70 characters (67 when joined).
PRESENT = N_("present %(num)s/%(of)s")
COUNTS = (("late", N_("late %(num)s")), ("absent", N_("absent %(num)s")), ("leave", N_("leave %(num)s")),
          ("cut", N_("cut class %(num)s")))
GOOD_DEEDS = N_("good deeds %(num)s")
INCIDENTS = N_("incidents %(num)s")
RULE_WORDS = {"rule_lates": N_("late often"), "rule_absences": N_("absent days in a row"),
              "rule_points": N_("conduct points low")}
MEETING_WORDS = {"meeting": N_("parents' meeting %(date)s %(time)s"),
                 "network_meeting": N_("committee meeting %(date)s %(time)s")}
SEPARATOR = "; "


@dataclass(frozen=True)
class Child:
    """A guardian's child enrolled that week."""

    student_id: int
    name: str  # first and last name
    room: str  # ม.1/1


def shows(chosen: dict[str, str], topic: Topic) -> bool:
    return chosen.get(topic.value) != Choice.off.value


def _iso(day) -> str:
    return day.isoformat() if isinstance(day, date) else str(day)[:10]


def family_week(children: list[Child], counts: dict[int, WeekCounts], records: dict[int, list[FamilyRecord]],
                items: list[dict], meetings: list[UpcomingMeeting], chosen: dict[str, str],
                friday: date) -> tuple[dict, bool]:
    """One guardian's summary (JSON: days as ISO text) and whether anything happened. `items` are the guardian's
    SummaryItems not yet told; `chosen` their choices by topic."""
    notices: dict[int, list[dict]] = {}
    news: set[tuple[str, str]] = set()  # meeting invitations the guardian has not heard of yet
    for item in items:
        topic = KIND_TOPICS.get(item["kind"])
        if topic is not None and not shows(chosen, topic):
            continue  # turned off since it was kept: never shown
        if item["kind"] in MEETING_KINDS:
            news.add((item["kind"], _iso(item["day"])))
        elif item["student"] is not None:
            notices.setdefault(item["student"], []).append({"kind": item["kind"], "day": _iso(item["day"])})
    entries = []
    for child in children:
        entry: dict = {"student": child.student_id, "name": child.name, "room": child.room}
        week = counts.get(child.student_id)
        if week is not None:
            entry.update(days=week.present + week.absent + week.leave, present=week.present, absent=week.absent,
                         leave=week.leave)
            if shows(chosen, Topic.attendance):
                entry.update(late=week.late, cut=week.cut)
        theirs = records.get(child.student_id, [])
        if shows(chosen, Topic.good_deeds):
            entry["good_deeds"] = [{"words": r.words, "day": _iso(r.day)} for r in theirs if r.kind is Kind.good_deed]
        entry["incidents"] = [{"words": r.words, "day": _iso(r.day), "serious": r.serious} for r in theirs
                              if r.kind is Kind.incident and (r.serious or shows(chosen, Topic.behaviour))]
        entry["notices"] = notices.get(child.student_id, [])
        entries.append(entry)
    coming = []
    if shows(chosen, Topic.meetings):
        for meeting in sorted(meetings, key=lambda m: (m.day, m.starts_at)):
            new = (meeting.kind, _iso(meeting.day)) in news
            if new or meeting.day <= friday + timedelta(days=UPCOMING_DAYS):
                coming.append({"kind": meeting.kind, "day": _iso(meeting.day), "starts_at": meeting.starts_at,
                               "place": meeting.place, "room": meeting.room, "new": new})
    happened = bool(coming) or any(
        e.get("absent") or e.get("leave") or e.get("late") or e.get("cut") or e.get("good_deeds") or e["incidents"]
        or e["notices"] for e in entries)
    return {"children": entries, "meetings": coming}, happened


def busy_week(children: list[Child], friday: date) -> dict:
    """A week with something to tell of every child, and a meeting: what the admin's SMS forecast counts."""
    return {"children": [{"student": c.student_id, "name": c.name, "room": c.room, "days": 5, "present": 4,
                          "absent": 1, "leave": 0, "late": 1, "cut": 0, "good_deeds": [{"words": "", "day": ""}],
                          "incidents": [{"words": "", "day": "", "serious": False}], "notices": []}
                         for c in children],
            "meetings": [{"kind": "meeting", "day": _iso(friday + timedelta(days=7)), "starts_at": "18:00",
                          "place": "", "room": "", "new": False}]}


# The SMS ----------------------------------------------------------------------------------------------------------


def week_words(monday: date, locale: str) -> str:
    """16-20 พ.ย., or 30 พ.ย.-4 ธ.ค. across two months."""
    friday = monday + timedelta(days=4)
    if monday.month == friday.month:
        return f"{monday.day}-{short_date(friday, locale)}"
    return f"{short_date(monday, locale)}-{short_date(friday, locale)}"


def lines(content: dict, locale: str, level: int = 0) -> str:
    """The children's week in a few words each, then the meetings. Level 1 leaves out the behaviour rules' words and
    a new meeting's place; level 2 also the days present."""
    words = i18n.catalogue(locale).gettext
    parts = []
    for child in content["children"]:
        said = [child["name"].split()[0] if child["name"].split() else child["name"]]
        if child.get("days") and level < 2:
            said.append(words(PRESENT) % {"num": child["present"], "of": child["days"]})
        said += [words(msgid) % {"num": child[key]} for key, msgid in COUNTS if child.get(key)]
        if child.get("good_deeds"):
            said.append(words(GOOD_DEEDS) % {"num": len(child["good_deeds"])})
        if child.get("incidents"):
            said.append(words(INCIDENTS) % {"num": len(child["incidents"])})
        if level == 0:
            said += [words(RULE_WORDS[kind]) for kind in dict.fromkeys(n["kind"] for n in child["notices"])
                     if kind in RULE_WORDS]
        parts.append(" ".join(said))
    for meeting in content["meetings"]:
        text = words(MEETING_WORDS[meeting["kind"]]) % {
            "date": short_date(date.fromisoformat(meeting["day"]), locale), "time": meeting["starts_at"]}
        if meeting["new"] and meeting["place"] and level == 0:
            text = f"{text} {meeting['place']}"
        parts.append(text)
    return SEPARATOR.join(parts)


def sms_values(templates: dict, school_name: str, content: dict, locale: str, monday: date) -> dict:
    """The SMS's fields (date, lines) for notify's wording: the fullest text that fits the parts Thai carriers join
    (segments.MAX_PARTS), else cut short with an ellipsis (a family of many children)."""
    date_words = week_words(monday, locale)

    def fits(text: str) -> bool:
        body = compose_sms(templates, KIND, locale, {"school": school_name, "date": date_words, "lines": text})
        return not sms_segments(body).too_long

    for level in (0, 1, 2):
        text = lines(content, locale, level)
        if fits(text):
            return {"date": date_words, "lines": text}
    while text and not fits(text + "…"):
        text = text[:-5]
    return {"date": date_words, "lines": text.rstrip() + "…"}
