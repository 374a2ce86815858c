"""The school's rules that alert ("3 lates in 7 school days", "2 absences in a row without leave", "points below
70", "any serious incident") and the automatic deductions for lateness and cutting class.

A rule fires once per occurrence (RuleFiring.occurrence_key): the student is flagged for the care team, the
homeroom teacher sees it on their home page, and the guardians are told by their channel that a KIND of thing
happened (never its details, never another student's name), in the same transaction as the cause. Incidents are
judged as they are recorded (services.record and void call in here); attendance is judged by a worker job every
few minutes (process_attendance), which also writes and gives back the automatic deductions. Rules count school
days from the calendar; attendance marks come from the attendance area's services."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backend import db, schoolyear
from backend.accounts.access import Permission, Viewer, can_mark_firing_seen
from backend.attendance import services as attendance
from backend.attendance.tables import HOMEROOM_PERIOD, Status
from backend.behaviour import points
from backend.behaviour.tables import BehaviourRule, PointsEntry, RuleFiring, RuleFiringSeen, RuleKind
from backend.clock import SCHOOL_TIME, now, today
from backend.config import Settings
from backend.i18n import N_, Refusal
from backend.notify import outbox as notify
from backend.notify.queue import JobQueue
from backend.schools import services as schools
from backend.schools.tables import School
from backend.students.tables import Student

log = logging.getLogger("doolae.behaviour")
# What each rule says, for staff (count and days fill in).
RULE_LABELS = {
    RuleKind.lates_in_days: N_("%(count)s lates in %(days)s school days"),
    RuleKind.absences_in_row: N_("%(count)s school days absent in a row without leave"),
    RuleKind.points_below: N_("Conduct points below %(count)s"),
    RuleKind.serious_incident: N_("Any serious incident"),
}
# The SMS each rule sends: its kind of thing only (notify.wording FIELDS; texts in frontend/templates/notify/sms).
SMS_KINDS = {
    RuleKind.lates_in_days: "rule_lates",
    RuleKind.absences_in_row: "rule_absences",
    RuleKind.points_below: "rule_points",
    RuleKind.serious_incident: "rule_serious",
}
# One record can meet two rules (a serious fight that also takes the points below the line): the guardian gets one
# message, the weightiest; the homeroom teacher's page lists every rule that fired.
WEIGHTIEST_FIRST = [RuleKind.serious_incident.value, RuleKind.absences_in_row.value, RuleKind.points_below.value,
                    RuleKind.lates_in_days.value]
ATTENDANCE_RULES = (RuleKind.lates_in_days.value, RuleKind.absences_in_row.value)
# Bounds: a rule that fires on every record tells nobody anything new (guardians already hear of each late mark);
# one that needs more than a month of school days is not a warning any more.
MAX_LATES, MAX_LATE_DAYS, MAX_ABSENCES = 10, 20, 20
LOOKBACK = timedelta(days=60)  # covers MAX_LATE_DAYS and MAX_ABSENCES school days with holidays around them
DEDUCT_DAYS = timedelta(days=7)  # marks this recent get their automatic deduction (a school turning it on is
# not charging last term's lates)
CORRECTION_DAYS = timedelta(days=40)  # deductions this recent are checked against their mark's correction


class RuleError(Refusal):
    pass


# The rules list ------------------------------------------------------------------------------------------------------


async def school_rules(school_id: int, active_only: bool = True) -> list[dict]:
    query = BehaviourRule.select().where(BehaviourRule.school == school_id)
    if active_only:
        query = query.where(BehaviourRule.active.eq(True))
    return await query.order_by(BehaviourRule.id)


def check_rule(kind: RuleKind, count: int, days: int, start_points: int) -> dict[str, str]:
    """What is wrong with a rule (field → message), empty when it is sound."""
    if kind is RuleKind.lates_in_days:
        if not 2 <= count <= MAX_LATES:
            return {"count": N_("Count from 2 to 10 lates: guardians already hear of every single late mark.")}
        if not count <= days <= MAX_LATE_DAYS:
            return {"days": N_("Count the lates within as many school days as lates, up to 20.")}
    elif kind is RuleKind.absences_in_row:
        if not 2 <= count <= MAX_ABSENCES:
            return {"count": N_("Count from 2 to 20 days: guardians already hear of every single absence.")}
    elif kind is RuleKind.points_below:
        if not 1 <= count < start_points:
            return {"count": N_("Choose a number from 1 to %(max)s: a balance below the starting points would "
                                "fire on every deduction.")}
    return {}


def _whole(text, default: int = 0) -> int | None:
    text = str(text if text is not None else "").strip()
    if not text:
        return default
    return int(text) if text.isdigit() and len(text) < 6 else None


async def add_rule(viewer: Viewer, form: dict) -> int:
    """A new rule of the school, refused in words when it would fire on every record or never."""
    if not viewer.can(Permission.manage_behaviour):
        raise RuleError(N_("Only the discipline officer changes the school's behaviour rules."), status=403)
    from backend.behaviour.services import school_settings  # services calls in here as it records

    kind_text = str(form.get("kind") or "")
    if kind_text not in RuleKind._value2member_map_:
        raise RuleError(N_("Choose a kind of rule."), errors={"kind": N_("Choose a kind of rule.")})
    kind = RuleKind(kind_text)
    count, days = _whole(form.get("count")), _whole(form.get("days"))
    if kind is RuleKind.serious_incident:
        count = days = 0
    elif kind is not RuleKind.lates_in_days:
        days = 0
    start = (await school_settings(viewer.school_id)).start_points
    errors = {"count": N_("Enter a whole number.")} if count is None else {
        "days": N_("Enter a whole number.")} if days is None else check_rule(kind, count, days, start)
    if errors:
        raise RuleError(N_("The rule cannot be added as it is."), errors=errors, max=start - 1)
    async with db.transaction():
        await db.lock("behaviour_rules", viewer.school_id)
        if await BehaviourRule.exists().where(
                (BehaviourRule.school == viewer.school_id) & (BehaviourRule.kind == kind.value)
                & (BehaviourRule.count == count) & (BehaviourRule.days == days) & BehaviourRule.active.eq(True)):
            raise RuleError(N_("The school already has this rule."), status=409)
        rows = await BehaviourRule.insert(BehaviourRule(school=viewer.school_id, kind=kind.value, count=count,
                                                        days=days, active=True, created_at=now())).returning(
            BehaviourRule.id)
    return rows[0]["id"]


async def turn_off_rule(viewer: Viewer, rule_id: int) -> None:
    """A rule turned off stays with its firings (they name it); it fires no more."""
    if not viewer.can(Permission.manage_behaviour):
        raise RuleError(N_("Only the discipline officer changes the school's behaviour rules."), status=403)
    updated = await BehaviourRule.update({BehaviourRule.active: False}).where(
        (BehaviourRule.id == rule_id) & (BehaviourRule.school == viewer.school_id)).returning(BehaviourRule.id)
    if not updated:
        raise RuleError(N_("No such rule in this school."), status=404)


# Firing --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """A rule met by a student, once: its key makes a second evaluation of the same facts a no-op."""

    rule: dict
    student_id: int
    key: str
    day: date
    detail: str = ""  # staff only
    what: str = ""  # the parent wording of a serious incident's category (the SMS names only that)


async def _fire(settings: Settings | None, school_id: int, occurrences: list[Occurrence]) -> list[int]:
    """In the caller's transaction: a RuleFiring per new occurrence and one alert per student to their guardians,
    about the weightiest rule that fired. Returns the messages to send (the outbox sweep sends them if nobody
    enqueues them)."""
    if not occurrences:
        return []
    moment = now()
    created = {row["occurrence_key"] for row in await RuleFiring.insert(*[
        RuleFiring(school=school_id, rule=o.rule["id"], student=o.student_id, occurrence_key=o.key, day=o.day,
                   detail=o.detail[:200], fired_at=moment) for o in occurrences
    ]).on_conflict(action="DO NOTHING").returning(RuleFiring.occurrence_key)}
    fired = [o for o in occurrences if o.key in created]
    if not fired:
        return []
    student_ids = sorted({o.student_id for o in fired})
    names = {row["id"]: row["first_name"] for row in await Student.select(Student.id, Student.first_name).where(
        Student.id.is_in(student_ids))}
    reaches = await notify.guardians_of(student_ids)
    told: dict[int, Occurrence] = {}
    for o in sorted(fired, key=lambda o: WEIGHTIEST_FIRST.index(o.rule["kind"])):
        told.setdefault(o.student_id, o)
    specs = [notify.AlertSpec(o.student_id, f"behaviour:{o.key}", SMS_KINDS[RuleKind(o.rule["kind"])], o.day,
                              {"name": names.get(o.student_id, ""), "what": o.what},
                              reaches.get(o.student_id, [])) for o in told.values()]
    return await notify.create_alerts(settings or Settings.from_env(), await notify.school_row(school_id), specs)


def _points_below(rules: list[dict], lines: list[dict]) -> list[Occurrence]:
    """A balance that crossed below a rule's line (from at or above it): once per crossing, so it fires again only
    after the balance went back up (a void, a good deed) and down again."""
    found = []
    for rule in rules:
        if rule["kind"] != RuleKind.points_below.value:
            continue
        for line in lines:
            before, after = line["balance_after"] - line["applied"], line["balance_after"]
            if after < rule["count"] <= before:
                found.append(Occurrence(rule, line["student"], f"points:{rule['id']}:{line['student']}:{line['id']}",
                                        line["created_at"].astimezone(SCHOOL_TIME).date(), str(after)))
    return found


async def after_points(school_id: int, lines: list[dict], settings: Settings | None = None) -> list[int]:
    """In the transaction that wrote these ledger lines (a void, an automatic deduction): "points below" rules."""
    if not lines:
        return []
    rules = await school_rules(school_id)
    return await _fire(settings, school_id, _points_below(rules, lines))


async def after_record(school_id: int, incident: dict, category: dict, named: list[dict], lines: list[dict],
                       settings: Settings | None = None) -> list[int]:
    """In record()'s transaction: "any serious incident" for each student named, and "points below"."""
    rules = await school_rules(school_id)
    if not rules:
        return []
    found = _points_below(rules, lines)
    if incident["kind"] == "incident" and category["serious"]:
        day = incident["happened_at"].astimezone(SCHOOL_TIME).date()
        found += [Occurrence(rule, row["student"], f"serious:{rule['id']}:{row['id']}", day, category["name"],
                             category["parent_wording"] or category["name"])
                  for rule in rules if rule["kind"] == RuleKind.serious_incident.value for row in named]
    return await _fire(settings, school_id, found)


# Attendance: rules over school days, and the automatic deductions ---------------------------------------------------


def _rule_start(rule: dict) -> date:
    """A rule counts what happens from the day it was added, not what happened before it existed."""
    return rule["created_at"].astimezone(SCHOOL_TIME).date()


def _lates(rule: dict, late_days: list[date], index: dict[date, int], after: date | None) -> list[date]:
    """The days a lates rule fires: `count` lates within `days` school days; once it fires, lates are counted
    again from the next day."""
    fired, run = [], [d for d in late_days if d >= _rule_start(rule) and (after is None or d > after)]
    i = 0
    while i + rule["count"] <= len(run):
        window = run[i:i + rule["count"]]
        if index[window[-1]] - index[window[0]] < rule["days"]:
            fired.append(window[-1])
            run, i = run[i + rule["count"]:], 0
        else:
            i += 1
    return fired


def _absence_runs(rule: dict, absent_days: list[date], index: dict[date, int], first_school_day: date) -> list[
        tuple[date, date]]:
    """(first day of the run, day it fires) for each run of `count` or more school days absent in a row. A run
    already under way where we start looking began before: it was judged then."""
    found, run = [], []
    for day in [d for d in absent_days if d >= _rule_start(rule)]:
        if run and index[day] != index[run[-1]] + 1:
            run = []
        run.append(day)
        if len(run) == rule["count"] and run[0] != first_school_day:
            found.append((run[0], day))
    return found


def _attendance_occurrences(rules: list[dict], marks: list[dict], calendar, last_fired: dict) -> list[Occurrence]:
    school_days = calendar.school_days()
    index = {day: i for i, day in enumerate(school_days)}
    by_student: dict[tuple[int, str], list[date]] = {}
    for mark in marks:
        if mark["period"] == HOMEROOM_PERIOD and mark["day"] in index:
            by_student.setdefault((mark["student"], mark["status"]), []).append(mark["day"])
    found = []
    for rule in rules:
        for (student, status), days in by_student.items():
            if rule["kind"] == RuleKind.lates_in_days.value and status == Status.late.value:
                for day in _lates(rule, days, index, last_fired.get((rule["id"], student))):
                    found.append(Occurrence(rule, student, f"lates:{rule['id']}:{student}:{day}", day, str(day)))
            elif rule["kind"] == RuleKind.absences_in_row.value and status == Status.absent.value and school_days:
                for start, day in _absence_runs(rule, days, index, school_days[0]):
                    found.append(Occurrence(rule, student, f"absences:{rule['id']}:{student}:{start}", day,
                                            f"{start}–{day}"))
    return found


def _deducts(mark: dict, late_points: int, cut_points: int) -> int:
    """What a mark deducts now: a late morning register, a period cut."""
    if mark["period"] == HOMEROOM_PERIOD and mark["status"] == Status.late.value:
        return late_points
    if mark["period"] != HOMEROOM_PERIOD and mark["status"] == Status.cut.value:
        return cut_points
    return 0


def _mark_of(source_key: str) -> int:
    return int(source_key.split(":")[1])


def _since(day: date) -> datetime:
    return datetime.combine(day - CORRECTION_DAYS, datetime.min.time(), SCHOOL_TIME)


async def _deducted_lately(school_id: int, day: date) -> bool:
    return await PointsEntry.exists().where(
        (PointsEntry.school == school_id) & (PointsEntry.cause == points.Cause.attendance.value)
        & (PointsEntry.created_at >= _since(day)))


async def _attendance_points(school_id: int, year, own, marks: list[dict], calendar,
                             day: date) -> list[points.Change]:
    """Deductions owed for recent late and cut marks, and points given back for those corrected since. Each mark
    deducts at most once at a time: "attendance:<mark>" (then ":2", ":3" if it is marked again after a correction)
    and "attendance_corrected:<mark>" likewise."""
    written = await PointsEntry.select(PointsEntry.source_key, PointsEntry.applied, PointsEntry.student).where(
        (PointsEntry.school == school_id) & (PointsEntry.school_year == year.school_year_id)
        & PointsEntry.cause.is_in([points.Cause.attendance.value, points.Cause.attendance_corrected.value])
        & (PointsEntry.created_at >= _since(day)))
    taken: dict[int, list[dict]] = {}
    given: dict[int, int] = {}
    for line in written:
        if line["source_key"].startswith("attendance_corrected:"):
            given[_mark_of(line["source_key"])] = given.get(_mark_of(line["source_key"]), 0) + 1
        else:
            taken.setdefault(_mark_of(line["source_key"]), []).append(line)
    changes = []
    owing = {}
    for mark in marks:
        value = _deducts(mark, own.late_points, own.cut_points)
        if (value and mark["day"] >= day - DEDUCT_DAYS and calendar.is_school_day(mark["day"])
                and schoolyear.school_year_of(mark["day"]) == year.year_be):
            owing[mark["id"]] = (mark, value)
    for mark_id, (mark, value) in owing.items():
        times = len(taken.get(mark_id, []))
        if times == given.get(mark_id, 0):
            key = f"attendance:{mark_id}" if not times else f"attendance:{mark_id}:{times + 1}"
            # The cause says late or cut; the note which day (and period), in no language.
            note = mark["day"].isoformat() + (f" #{mark['period']}" if mark["period"] != HOMEROOM_PERIOD else "")
            changes.append(points.Change(mark["student"], -value, points.Cause.attendance, key, note=note))
    outstanding = [m for m, lines in taken.items() if len(lines) > given.get(m, 0) and m not in owing]
    if outstanding:
        still = {m["id"]: m for m in await attendance.marks_by_id(school_id, outstanding)}
        for mark_id in outstanding:
            mark = still.get(mark_id)
            if mark is not None and _deducts(mark, 1, 1):
                continue  # still late or cut (older than DEDUCT_DAYS, or the school stopped deducting): it stands
            times = given.get(mark_id, 0)
            line = sorted(taken[mark_id], key=lambda row: row["source_key"])[times]
            key = f"attendance_corrected:{mark_id}" if not times else f"attendance_corrected:{mark_id}:{times + 1}"
            changes.append(points.Change(line["student"], -line["applied"], points.Cause.attendance_corrected, key))
    return changes


async def process_school(settings: Settings | None, school_id: int, day: date) -> list[int]:
    """One school's recent attendance: its automatic deductions and corrections, and its attendance rules. Runs
    again without changing anything (every write is keyed once); a constant number of queries whatever the size
    of the school. Returns the messages to send."""
    from backend.behaviour.services import school_settings

    own = await school_settings(school_id)
    rules = await school_rules(school_id)
    attendance_rules = [r for r in rules if r["kind"] in ATTENDANCE_RULES]
    if not (attendance_rules or own.late_points or own.cut_points or await _deducted_lately(school_id, day)):
        return []  # nothing to judge and nothing to give back: no transaction every 5 minutes for nothing
    first = day - LOOKBACK
    calendar = await schools.calendar_between(school_id, first, day)
    marks = await attendance.marks_of_school(school_id, first, day, {Status.late, Status.absent, Status.cut})
    year = await schools.school_year_now(school_id, day)
    async with db.transaction():
        await db.lock("behaviour_attendance", school_id)  # two workers at once: one after the other
        changes = await _attendance_points(school_id, year, own, marks, calendar, day)
        lines = await points.write(school_id, year.school_year_id, own.start_points, changes, None)
        occurrences = _points_below(rules, lines)
        if attendance_rules:
            fired = await RuleFiring.select(RuleFiring.rule, RuleFiring.student, RuleFiring.day).where(
                RuleFiring.rule.is_in([r["id"] for r in attendance_rules]) & (RuleFiring.day >= first))
            last_fired: dict[tuple[int, int], date] = {}
            for row in fired:
                fired_day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"])[:10])
                key = (row["rule"], row["student"])
                last_fired[key] = max(last_fired.get(key, fired_day), fired_day)
            occurrences += _attendance_occurrences(attendance_rules, marks, calendar, last_fired)
        return await _fire(settings, school_id, occurrences)


async def process_attendance(settings: Settings, queue: JobQueue | None = None, day: date | None = None) -> int:
    """Every school's recent attendance (the worker's job every few minutes; tests call it directly). Returns the
    number of messages to guardians it made."""
    day = day or today()
    made = []
    for school in await School.select(School.id).order_by(School.id):
        try:
            ids = await process_school(settings, school["id"], day)
        except Exception:  # noqa: BLE001 - one school's bad data must not stop the others; the next run retries
            log.exception("behaviour rules over attendance failed for school %s", school["id"])
            continue
        if queue is not None:
            await queue.send(ids)
        made += ids
    return len(made)


# The homeroom teacher's card -----------------------------------------------------------------------------------------


async def unseen_firings(viewer: Viewer, limit: int = 20) -> list[dict]:
    """Rules fired for students of this teacher's homerooms that they themself have not marked seen, newest first."""
    if not viewer.classroom_ids:
        return []
    return await RuleFiring.select(
        RuleFiring.id, RuleFiring.day, RuleFiring.detail, RuleFiring.student.as_alias("student"),
        RuleFiring.student.first_name.as_alias("first_name"), RuleFiring.student.last_name.as_alias("last_name"),
        RuleFiring.rule.kind.as_alias("kind"), RuleFiring.rule.count.as_alias("count"),
        RuleFiring.rule.days.as_alias("days"),
    ).where((RuleFiring.school == viewer.school_id)
            & RuleFiring.student.classroom.is_in(list(viewer.classroom_ids))
            & RuleFiring.id.not_in(RuleFiringSeen.select(RuleFiringSeen.firing).where(
                RuleFiringSeen.user == viewer.user_id))).order_by(
        RuleFiring.id, ascending=False).limit(limit)


async def mark_seen(viewer: Viewer, firing_id: int) -> None:
    firing = await RuleFiring.select(RuleFiring.school, RuleFiring.student.classroom.as_alias("classroom")).where(
        RuleFiring.id == firing_id).first()
    if firing is None or not can_mark_firing_seen(viewer, firing):
        raise RuleError(N_("No such alert among those of your homeroom."), status=404)
    async with db.transaction():
        await RuleFiringSeen.insert(RuleFiringSeen(firing=firing_id, user=viewer.user_id, seen_at=now())).on_conflict(
            action="DO NOTHING")
        await RuleFiring.update({RuleFiring.seen_at: now()}).where(
            (RuleFiring.id == firing_id) & RuleFiring.seen_at.is_null())
