"""How each guardian wants to hear of each kind of message: at once, in the weekly family summary, or not at all;
safety-critical kinds (an absence, a serious incident, anything urgent) always at once, by the app or by SMS as the
guardian chooses. create_alerts obeys (route). The parent chooses in the app; for a guardian with no account the
homeroom teacher sets them after a phone call. The teacher sees each guardian's channel health: last delivered, last
read (a push opened, "seen" tapped in the app)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from enum import Enum

from piccolo.query.functions.aggregate import Max

from backend import db
from backend.accounts.access import Viewer, can_mark_read, can_see_channel_health, can_set_channel_choices
from backend.clock import now
from backend.i18n import N_
from backend.notify.tables import (Channel, ChannelChoice, LineLink, LineSettings, Message, MessageStatus,
                                   PushSubscription, SummaryItem)
from backend.notify.wording import NotifyError
from backend.schools.tables import Classroom
from backend.students.tables import Guardian, StudentGuardian


class Topic(str, Enum):
    absence = "absence"
    serious = "serious"
    attendance = "attendance"
    behaviour = "behaviour"
    good_deeds = "good_deeds"
    meetings = "meetings"
    school_news = "school_news"


class Choice(str, Enum):
    instant = "instant"
    weekly = "weekly"  # kept for the weekly family summary (SummaryItem), no message at once
    off = "off"
    app = "app"  # safety-critical: a push, with one SMS if it is not opened in time (delivery.fall_back_unread)
    sms = "sms"  # safety-critical: an SMS even when the app is installed
    line = "line"  # at once by LINE, where the school has LINE and the guardian linked theirs (else app or SMS)


# Safety-critical: the school must reach the family the same day, so these are never off or weekly.
CRITICAL_TOPICS = (Topic.absence, Topic.serious)
OPTIONAL_CHOICES = (Choice.instant, Choice.weekly, Choice.off)
CRITICAL_CHOICES = (Choice.app, Choice.sms)

# The topic of each kind of alert to guardians. A kind not named here is not the guardian's to choose and always goes
# at once: a correction (it undoes a message already sent), sign-in codes, messages to staff. Good deeds and school
# news have no kind yet; their choices are kept for when they do.
KIND_TOPICS = {
    "absent": Topic.absence,
    "rule_serious": Topic.serious,
    "late": Topic.attendance,
    "cut": Topic.attendance,
    "rule_lates": Topic.behaviour,
    "rule_absences": Topic.behaviour,
    "rule_points": Topic.behaviour,
    "meeting": Topic.meetings,
    "network_meeting": Topic.meetings,
}
# Sent whatever the school's SMS budget (notify.budget): the critical kinds, and a correction of what was sent.
ALWAYS_SENT = frozenset({"correction"})

TOPIC_LABELS = {
    Topic.absence: N_("Absence"),
    Topic.serious: N_("Serious incident"),
    Topic.attendance: N_("Late and cutting class"),
    Topic.behaviour: N_("Behaviour (conduct points, lateness, absences in a row)"),
    Topic.good_deeds: N_("Good deeds"),
    Topic.meetings: N_("Class meetings"),
    Topic.school_news: N_("School news"),
}
CHOICE_LABELS = {
    Choice.instant: N_("At once"),
    Choice.weekly: N_("In the weekly summary"),
    Choice.off: N_("Off"),
    Choice.app: N_("In the app (an SMS if not opened)"),
    Choice.sms: N_("By SMS"),
    Choice.line: N_("By LINE (an SMS if LINE cannot take it)"),
}
# Bad input (issue 13): a choice that would turn a safety-critical kind off, refused in words.
CANNOT_TURN_OFF = {
    Topic.absence: N_("Absence alerts cannot be turned off or left for the weekly summary: the school must be able "
                      "to reach you the same day. Choose the app or SMS."),
    Topic.serious: N_("Serious incident alerts cannot be turned off or left for the weekly summary: the school must "
                      "be able to reach you the same day. Choose the app or SMS."),
}
# The page a push of each kind opens (the SMS names no link).
KIND_PAGES = {"absent": "/attendance/children", "late": "/attendance/children", "cut": "/attendance/children",
              "correction": "/attendance/children", "rule_lates": "/behaviour", "rule_absences": "/behaviour",
              "rule_points": "/behaviour", "rule_serious": "/behaviour", "meeting": "/promotion/invitations",
              "network_meeting": "/promotion/network/mine",
              "teacher_note": "/conversations", "teacher_text": "/conversations", "survey_code": "/surveys/mine",
              "family_summary": "/summary"}


def is_critical(kind: str, urgent: bool) -> bool:
    return urgent or KIND_TOPICS.get(kind) in CRITICAL_TOPICS


def always_sent(kind: str, urgent: bool) -> bool:
    """An SMS that goes even past the school's monthly budget."""
    return is_critical(kind, urgent) or kind in ALWAYS_SENT


def default_choice(topic: Topic) -> Choice:
    return Choice.app if topic in CRITICAL_TOPICS else Choice.instant


def options(topic: Topic, line: bool) -> tuple[Choice, ...]:
    """The choices a topic offers; LINE among them where the school has LINE."""
    if topic in CRITICAL_TOPICS:
        return (Choice.app, Choice.line, Choice.sms) if line else CRITICAL_CHOICES
    return (Choice.instant, Choice.line, Choice.weekly, Choice.off) if line else OPTIONAL_CHOICES


def route(kind: str, urgent: bool, reach, chosen: dict[str, str], line_user: str | None = None):
    """What the guardian's choices make of one message: ("now", reach) — perhaps moved from the app to SMS, or to
    LINE (line_user: their linked LINE, where the school has LINE and they have not blocked it) —, ("weekly",
    reach) or ("off", reach). Critical and urgent messages are always "now"."""
    topic = KIND_TOPICS.get(kind)
    if topic is None:
        return "now", reach
    choice = chosen.get(topic.value)
    if choice == Choice.line.value and line_user:
        return "now", replace(reach, channel=Channel.line, recipient=line_user)
    if topic in CRITICAL_TOPICS or urgent:
        if choice == Choice.sms.value and reach.channel is Channel.push and reach.sms:
            return "now", replace(reach, channel=Channel.sms, recipient=reach.sms)
        return "now", reach
    if choice in (Choice.off.value, Choice.weekly.value):
        return choice, reach
    return "now", reach


async def choices_of(guardian_ids) -> dict[int, dict[str, str]]:
    """Each guardian's choices that are not the default, by topic (one query)."""
    ids = sorted({g for g in guardian_ids if g})
    if not ids:
        return {}
    found: dict[int, dict[str, str]] = {}
    for row in await ChannelChoice.select(ChannelChoice.guardian, ChannelChoice.topic, ChannelChoice.choice).where(
            ChannelChoice.guardian.is_in(ids)):
        found.setdefault(row["guardian"], {})[row["topic"]] = row["choice"]
    return found


# The weekly family summary's items -----------------------------------------------------------------------------------


async def summary_items(guardian_ids: list[int]) -> dict[int, list[dict]]:
    """What each guardian chose to hear of in the weekly summary and has not been told yet, oldest first: the
    alert's kind, its day and child (one query per 5,000 guardians)."""
    found: dict[int, list[dict]] = {}
    for chunk in db.chunks(guardian_ids, db.WHOLE_SCHOOL):
        for row in await SummaryItem.select(SummaryItem.id, SummaryItem.guardian, SummaryItem.student,
                                            SummaryItem.kind, SummaryItem.day).where(
                SummaryItem.guardian.is_in(chunk) & SummaryItem.summarised_at.is_null()).order_by(SummaryItem.id):
            found.setdefault(row["guardian"], []).append(row)
    return found


async def mark_summarised(item_ids: list[int], moment: datetime) -> None:
    """Inside the summary's transaction: these items were told (or left out, their kind turned off since)."""
    for chunk in db.chunks(item_ids):
        await SummaryItem.update({SummaryItem.summarised_at: moment}).where(
            SummaryItem.id.is_in(chunk) & SummaryItem.summarised_at.is_null())


# Setting them ------------------------------------------------------------------------------------------------------


async def _guardian(viewer: Viewer, guardian_id: int) -> dict:
    guardian = await Guardian.select(Guardian.id, Guardian.school, Guardian.user, Guardian.name, Guardian.phone,
                                     Guardian.sms_opt_out).where(Guardian.id == guardian_id).first()
    children = await StudentGuardian.select(
        StudentGuardian.student.first_name.as_alias("first_name"),
        StudentGuardian.student.classroom.as_alias("classroom")).where(StudentGuardian.guardian == guardian_id)
    if guardian is None or not can_set_channel_choices(viewer, guardian, {c["classroom"] for c in children}):
        raise NotifyError(N_("No such guardian among those whose messages you look after."), status=404)
    return {**guardian, "children": [c["first_name"] for c in children]}


async def my_guardian_ids(viewer: Viewer) -> list[int]:
    """A parent's own guardian records at their school (usually one)."""
    rows = await Guardian.select(Guardian.id).where(
        (Guardian.user == viewer.user_id) & (Guardian.school == viewer.school_id)).order_by(Guardian.id)
    return [row["id"] for row in rows]


async def line_offered(school_id: int) -> bool:
    """Whether the school has LINE on (notify.line_account turns it on only with its token and secret set)."""
    return await LineSettings.exists().where((LineSettings.school == school_id)
                                             & (LineSettings.enabled == True))  # noqa: E712 - a column comparison


async def line_links_of(school_id: int, guardian_ids) -> dict[int, str]:
    """The LINE each of these guardians linked and has not blocked, where the school has LINE on (two queries)."""
    ids = sorted({g for g in guardian_ids if g})
    if not ids or not await line_offered(school_id):
        return {}
    rows = await LineLink.select(LineLink.guardian, LineLink.line_user).where(
        LineLink.guardian.is_in(ids) & (LineLink.school == school_id) & LineLink.blocked_at.is_null())
    return {row["guardian"]: row["line_user"] for row in rows}


async def prefer_line(school_id: int, guardian_ids: list[int], user_id: int | None) -> None:
    """A guardian who has just linked their LINE wants the school's messages there: each topic they left at its
    default (or at once, or by the app) becomes LINE; one they turned off, kept for the weekly summary or moved to
    SMS stays as it is."""
    if not guardian_ids:
        return
    keep = (Choice.off.value, Choice.weekly.value, Choice.sms.value, Choice.line.value)
    kept = {(row["guardian"], row["topic"]) for row in await ChannelChoice.select(
        ChannelChoice.guardian, ChannelChoice.topic).where(
        ChannelChoice.guardian.is_in(guardian_ids) & ChannelChoice.choice.is_in(list(keep)))}
    moment = now()
    await ChannelChoice.delete().where(ChannelChoice.guardian.is_in(guardian_ids)
                                       & ChannelChoice.choice.not_in(list(keep)))
    rows = [ChannelChoice(school=school_id, guardian=guardian_id, topic=topic.value, choice=Choice.line.value,
                          set_by=user_id, set_via="app", updated_at=moment)
            for guardian_id in guardian_ids for topic in Topic if (guardian_id, topic.value) not in kept]
    if rows:
        await ChannelChoice.insert(*rows)


async def choices_form(viewer: Viewer, guardian_id: int) -> dict:
    """The guardian, each topic with its choice and the options it allows, and who set them last and how."""
    guardian = await _guardian(viewer, guardian_id)
    line = await line_offered(guardian["school"])
    linked = await LineLink.select(LineLink.blocked_at).where(LineLink.guardian == guardian_id).first() if line \
        else None
    rows = await ChannelChoice.select(
        ChannelChoice.topic, ChannelChoice.choice, ChannelChoice.set_via, ChannelChoice.updated_at,
        ChannelChoice.set_by.display_name.as_alias("set_by")).where(ChannelChoice.guardian == guardian_id)
    chosen = {row["topic"]: row for row in rows}
    latest = max(rows, key=lambda row: row["updated_at"], default=None)
    topics = [{"topic": topic.value, "label": TOPIC_LABELS[topic], "critical": topic in CRITICAL_TOPICS,
               "choice": chosen[topic.value]["choice"] if topic.value in chosen else default_choice(topic).value,
               "options": [(c.value, CHOICE_LABELS[c]) for c in options(topic, line)]}
              for topic in Topic]
    return {"guardian": guardian, "topics": topics, "latest": latest,
            "by_phone": guardian["user"] != viewer.user_id, "line": line,
            "line_state": None if not line else "none" if linked is None else
            "blocked" if linked["blocked_at"] else "linked"}


async def save_choices(viewer: Viewer, guardian_id: int, form: dict) -> None:
    """Each topic's choice from the form (fields topic_<topic>). Turning a safety-critical topic off (or into the
    weekly summary) is refused with words, and nothing is saved."""
    guardian = await _guardian(viewer, guardian_id)
    line = await line_offered(guardian["school"])
    wanted, errors, refusal = {}, {}, None
    for topic in Topic:
        value = form.get(f"topic_{topic.value}")
        if value is None:
            continue
        allowed = options(topic, line)
        if value in {c.value for c in allowed}:
            wanted[topic.value] = value
        elif topic in CRITICAL_TOPICS and value in (Choice.off.value, Choice.weekly.value):
            refusal = CANNOT_TURN_OFF[topic]
            errors[f"topic_{topic.value}"] = refusal
        else:
            errors[f"topic_{topic.value}"] = N_("Choose one of the given options.")
    if errors:
        if refusal is not None:
            raise NotifyError(refusal, errors=errors)
        raise NotifyError(N_("Choose one of the given options."), errors=errors)
    if not wanted:
        return
    moment = now()
    via = "app" if guardian["user"] == viewer.user_id else "phone"
    async with db.transaction():
        await ChannelChoice.delete().where((ChannelChoice.guardian == guardian_id)
                                           & ChannelChoice.topic.is_in(list(wanted)))
        await ChannelChoice.insert(*[
            ChannelChoice(school=guardian["school"], guardian=guardian_id, topic=topic, choice=choice,
                          set_by=viewer.user_id, set_via=via, updated_at=moment)
            for topic, choice in wanted.items()])


# Read receipts -------------------------------------------------------------------------------------------------------


async def messages_read(where, moment=None) -> None:
    """These messages were read: recorded once, and any SMS still waiting to stand in for them is not sent."""
    moment = moment or now()
    read = await Message.update({Message.read_at: moment, Message.updated_at: moment}).where(
        where & Message.read_at.is_null()).returning(Message.id)
    if read:
        await Message.update({Message.status: MessageStatus.cancelled.value, Message.updated_at: moment}).where(
            Message.fallback_of.is_in([row["id"] for row in read])
            & Message.status.is_in([MessageStatus.queued.value, MessageStatus.held.value]))


async def open_push(viewer: Viewer, message_id: int) -> str:
    """The parent opened a push: it counts as read. Returns the page the push is about."""
    message = await Message.select(Message.id, Message.school, Message.user,
                                   Message.alert.kind.as_alias("kind")).where(Message.id == message_id).first()
    if message is None or not can_mark_read(viewer, message):
        raise NotifyError(N_("No such message about your children."), status=404)
    await messages_read(Message.id == message_id)
    return KIND_PAGES.get(message["kind"], "/")


def _moment(value):
    """A MAX() of a timestamp: SQLite gives the stored text back."""
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return value


# Channel health ----------------------------------------------------------------------------------------------------


async def channel_health(viewer: Viewer, classroom_id: int) -> dict:
    """A homeroom's guardians, each with their children of the class, how they can be told, their choices that
    differ from the default, and when a message last reached them and when they last read one. The same few
    queries however big the class."""
    classroom = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                       Classroom.grade.code.as_alias("grade")).where(
        Classroom.id == classroom_id).first()
    if classroom is None or not can_see_channel_health(viewer, classroom):
        raise NotifyError(N_("No such classroom among your homerooms."), status=404)
    links = await StudentGuardian.select(
        StudentGuardian.student.first_name.as_alias("child"), StudentGuardian.relation,
        StudentGuardian.student.number_in_class.as_alias("number"),
        StudentGuardian.guardian.id.as_alias("id"), StudentGuardian.guardian.name.as_alias("name"),
        StudentGuardian.guardian.phone.as_alias("phone"), StudentGuardian.guardian.user.as_alias("user"),
        StudentGuardian.guardian.sms_opt_out.as_alias("sms_opt_out"),
    ).where((StudentGuardian.student.classroom == classroom_id) & (StudentGuardian.student.active == True)  # noqa: E712
            & (StudentGuardian.school == viewer.school_id)).order_by(
        StudentGuardian.student.number_in_class).order_by(StudentGuardian.position)
    guardians: dict[int, dict] = {}
    for link in links:
        entry = guardians.setdefault(link["id"], {**link, "children": []})
        entry["children"].append(f"{link['child']} ({link['relation']})")
    ids = list(guardians)
    users = [g["user"] for g in guardians.values() if g["user"]]
    pushed = {row["user"] for row in await PushSubscription.select(PushSubscription.user).where(
        PushSubscription.user.is_in(users))} if users else set()
    chosen = await choices_of(ids)
    lined = await line_links_of(viewer.school_id, ids)
    delivered, read = {}, {}
    if ids:
        told = (MessageStatus.sent.value, MessageStatus.delivered.value)
        for row in await Message.select(Message.guardian, Message.channel, Max(Message.sent_at, alias="at")).where(
                Message.guardian.is_in(ids) & Message.status.is_in(list(told))).group_by(
                Message.guardian, Message.channel):
            row["at"] = _moment(row["at"])
            if row["at"] and (row["guardian"] not in delivered or row["at"] > delivered[row["guardian"]]["at"]):
                delivered[row["guardian"]] = row
        for row in await Message.select(Message.guardian, Max(Message.read_at, alias="at")).where(
                Message.guardian.is_in(ids) & Message.read_at.is_not_null()).group_by(Message.guardian):
            read[row["guardian"]] = _moment(row["at"])
    rows = []
    for guardian_id, g in guardians.items():
        differs = [(TOPIC_LABELS[Topic(topic)], CHOICE_LABELS[Choice(choice)])
                   for topic, choice in chosen.get(guardian_id, {}).items()
                   if topic in Topic.__members__ and choice != default_choice(Topic(topic)).value]
        reach = "app" if g["user"] in pushed else "sms" if g["phone"] and not g["sms_opt_out"] else (
            "sms_off" if g["phone"] else "none")
        rows.append({**g, "reach": reach, "line": guardian_id in lined, "choices": differs,
                     "delivered": delivered.get(guardian_id),
                     "read_at": read.get(guardian_id), "settable": g["user"] is None})
    return {"classroom": {**classroom, "label": f"{classroom['grade']}/{classroom['room']}"}, "guardians": rows}

