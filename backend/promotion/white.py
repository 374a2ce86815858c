"""The white classroom (ห้องเรียนสีขาว, the drug-free classroom programme): each class's student committee (a class
head and heads of study, work, activities and drug-free, each a student of the class), its motto, and the
committee's monthly report; a change of committee keeps who held each post when, and filing a month again replaces
its report while keeping the earlier one. The school page says which classes have a committee and which months a
report, with class labels and counts only."""

from __future__ import annotations

import re
from datetime import date

from piccolo.query.functions.aggregate import Count

from backend import clock, db
from backend.accounts.access import (Viewer, can_record_white_classroom, can_see_white_classroom,
                                     white_classroom_rooms)
from backend.clock import now
from backend.i18n import N_
from backend.promotion.services import PromotionError, _members, _plain
from backend.promotion.tables import CommitteeMember, CommitteeReport, Post, WhiteClassroom
from backend.schools.tables import Classroom
from backend.schoolyear import BE_OFFSET

MONTH = re.compile(r"(\d{4})-(\d{2})")


def year_months(year_be: int) -> list[date]:
    """The first days of a school year's months, May to April."""
    start = year_be - BE_OFFSET
    return [date(start + (month < 5), month, 1) for month in (*range(5, 13), *range(1, 5))]


def open_months(year_be: int) -> list[date]:
    """The months a report may be filed for: this school year's, up to this month, newest first."""
    this_month = clock.today().replace(day=1)
    return [m for m in reversed(year_months(year_be)) if m <= this_month]


async def _room(viewer: Viewer, classroom_id: int, write: bool = False) -> dict:
    room = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                  Classroom.grade.code.as_alias("grade")).where(Classroom.id == classroom_id).first()
    if room is None or not can_see_white_classroom(viewer, room):
        raise PromotionError(N_("No such classroom among those you look after."), status=404)
    if write and not can_record_white_classroom(viewer, room):
        raise PromotionError(N_("Only this class's homeroom teachers record its white-classroom committee."),
                             status=403)
    return {**room, "label": f"{room['grade']}/{room['room']}"}


async def class_page(viewer: Viewer, classroom_id: int) -> dict:
    """The committee now, who held each post before, the motto and the monthly reports (earlier filings kept)."""
    room = await _room(viewer, classroom_id)
    members = await _members(viewer, classroom_id)
    terms = await CommitteeMember.select(
        CommitteeMember.post, CommitteeMember.student, CommitteeMember.started_at, CommitteeMember.ended_at,
        CommitteeMember.student.first_name.as_alias("first_name"),
        CommitteeMember.student.last_name.as_alias("last_name")).where(
        CommitteeMember.classroom == classroom_id).order_by(CommitteeMember.started_at, ascending=False).order_by(
        CommitteeMember.id, ascending=False)
    current = {t["post"]: t for t in terms if t["ended_at"] is None}
    programme = await WhiteClassroom.select(WhiteClassroom.motto).where(
        WhiteClassroom.classroom == classroom_id).first()
    filed = await CommitteeReport.select(
        CommitteeReport.id, CommitteeReport.month, CommitteeReport.done, CommitteeReport.problems,
        CommitteeReport.recorded_at, CommitteeReport.replaced_at,
        CommitteeReport.recorded_by.display_name.as_alias("recorded_by")).where(
        CommitteeReport.classroom == classroom_id).order_by(CommitteeReport.month, ascending=False).order_by(
        CommitteeReport.recorded_at, ascending=False)
    reports: list[dict] = []
    for row in filed:  # the current filing of each month first, then the earlier ones it replaced
        if row["replaced_at"] is None:
            reports.append({**row, "earlier": []})
    by_month = {r["month"]: r for r in reports}
    for row in filed:
        if row["replaced_at"] is not None and row["month"] in by_month:
            by_month[row["month"]]["earlier"].append(row)
    return {"room": room, "members": members, "current": current, "motto": programme["motto"] if programme else "",
            "history": [t for t in terms if t["ended_at"] is not None],
            "reports": reports, "months": open_months(viewer.year_be),
            "can_record": can_record_white_classroom(viewer, room)}


async def save_committee(viewer: Viewer, classroom_id: int, form: dict) -> int:
    """The committee and the motto as the form has them: each post's holder must be a student of the class today.
    A post whose holder changes ends the old holder's term and starts the new one; an empty post ends it. Returns
    how many posts changed."""
    await _room(viewer, classroom_id, write=True)
    members = {m["id"]: m for m in await _members(viewer, classroom_id)}
    chosen: dict[str, int | None] = {}
    errors = {}
    for post in Post:
        text = _plain(form.get(post.value), 12)
        if not text:
            chosen[post.value] = None
        elif text.isdigit() and int(text) in members:
            chosen[post.value] = int(text)
        else:
            errors[post.value] = N_("Choose a student of this class: a student of another class or school cannot "
                                    "sit on its committee.")
    if errors:
        raise PromotionError(N_("Only students of this class can sit on its committee."), errors=errors)
    motto = _plain(form.get("motto"), 200)
    changed = 0
    async with db.transaction():
        await db.lock("white_committee", classroom_id)  # two saves of one class's committee, one after the other
        current = {row["post"]: row for row in await CommitteeMember.select(
            CommitteeMember.id, CommitteeMember.post, CommitteeMember.student).where(
            (CommitteeMember.classroom == classroom_id) & CommitteeMember.ended_at.is_null())}
        moment = now()
        for post, student_id in chosen.items():
            held = current.get(post)
            if (held["student"] if held else None) == student_id:
                continue
            changed += 1
            if held:
                await CommitteeMember.update({CommitteeMember.ended_at: moment}).where(
                    CommitteeMember.id == held["id"])
            if student_id is not None:
                await CommitteeMember.insert(CommitteeMember(
                    school=viewer.school_id, classroom=classroom_id, post=post, student=student_id,
                    started_at=moment, set_by=viewer.user_id))
        programme = await WhiteClassroom.select(WhiteClassroom.id, WhiteClassroom.motto).where(
            WhiteClassroom.classroom == classroom_id).first()
        if programme is None:
            await WhiteClassroom.insert(WhiteClassroom(school=viewer.school_id, classroom=classroom_id, motto=motto,
                                                       updated_by=viewer.user_id, updated_at=moment))
        elif programme["motto"] != motto:
            await WhiteClassroom.update({WhiteClassroom.motto: motto, WhiteClassroom.updated_by: viewer.user_id,
                                         WhiteClassroom.updated_at: moment}).where(
                WhiteClassroom.id == programme["id"])
    return changed


async def file_report(viewer: Viewer, classroom_id: int, form: dict) -> bool:
    """The committee's report of a month of this school year, up to this month. A second filing for the same month
    replaces the first, which is kept (shown under it as an earlier version). Returns whether it replaced one."""
    await _room(viewer, classroom_id, write=True)
    errors = {}
    found = MONTH.fullmatch(_plain(form.get("month"), 7))
    month = date(int(found.group(1)), int(found.group(2)), 1) if found and 1 <= int(found.group(2)) <= 12 else None
    if month is None or month not in open_months(viewer.year_be):
        errors["month"] = N_("Choose a month of this school year, up to this month.")
    done = _plain(form.get("done"), 2000)
    if not done:
        errors["done"] = N_("Say what the committee did this month.")
    if errors:
        raise PromotionError(N_("Some fields need fixing."), errors=errors)
    async with db.transaction():
        await db.lock("committee_report", classroom_id)  # one current report per class and month
        moment = now()
        replaced = await CommitteeReport.update({CommitteeReport.replaced_at: moment}).where(
            (CommitteeReport.classroom == classroom_id) & (CommitteeReport.month == month)
            & CommitteeReport.replaced_at.is_null()).returning(CommitteeReport.id)
        await CommitteeReport.insert(CommitteeReport(
            school=viewer.school_id, classroom=classroom_id, month=month, done=done,
            problems=_plain(form.get("problems"), 2000), recorded_by=viewer.user_id, recorded_at=moment))
    return bool(replaced)


async def school_page(viewer: Viewer) -> dict:
    """The school's active classes of this year (or the grades one heads): whether each has a committee (how many
    posts are filled), a motto, and the months with a report. Four queries however many classes; no names."""
    where = (Classroom.school == viewer.school_id) & (Classroom.school_year == viewer.school_year_id) & (
        Classroom.active == True)  # noqa: E712 - a Piccolo column
    seen = white_classroom_rooms(viewer)
    if seen is not None:
        where &= Classroom.id.is_in(list(seen) or [-1])
    rooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        where).order_by(Classroom.grade.level).order_by(Classroom.room)
    ids = [r["id"] for r in rooms] or [-1]
    posts = {row["classroom"]: row["n"] for row in await CommitteeMember.select(
        CommitteeMember.classroom, Count(CommitteeMember.id, alias="n")).where(
        CommitteeMember.classroom.is_in(ids) & CommitteeMember.ended_at.is_null()).group_by(
        CommitteeMember.classroom)}
    mottos = {row["classroom"] for row in await WhiteClassroom.select(WhiteClassroom.classroom).where(
        WhiteClassroom.classroom.is_in(ids) & (WhiteClassroom.motto != ""))}
    reported: dict[int, set[date]] = {}
    for row in await CommitteeReport.select(CommitteeReport.classroom, CommitteeReport.month).where(
            CommitteeReport.classroom.is_in(ids) & CommitteeReport.replaced_at.is_null()):
        reported.setdefault(row["classroom"], set()).add(row["month"])
    months = list(reversed(open_months(viewer.year_be)))
    this_month = months[-1] if months else None
    rows = [{**r, "label": f"{r['grade']}/{r['room']}", "posts": posts.get(r["id"], 0), "motto": r["id"] in mottos,
             "months": [m for m in months if m in reported.get(r["id"], set())]} for r in rooms]
    return {"rooms": rows, "posts_total": len(Post), "months": months,
            "with_committee": sum(1 for r in rows if r["posts"]),
            "reported_this_month": sum(1 for r in rows if this_month in r["months"])}

