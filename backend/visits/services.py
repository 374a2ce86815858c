"""Home visits: stored once however often a phone sends them, photos checked and kept, progress per homeroom."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageOps

from backend import db, schoolyear
from backend.accounts.access import Viewer, can_see_classroom_visits, can_see_visit_dates, can_see_visits
from backend.i18n import N_, Refusal
from backend.forms import Invalid, clean
from backend.request_input import fits_id
from backend.schools.tables import Classroom, SchoolYear
from backend.schools.calendar import Week
from backend.students import enrolment
from backend.students.enrolment import RosterEntry
from backend.students.tables import Student
from backend.visits.form import FORM
from backend.visits.storage import PhotoStore
from backend.visits.tables import Visit, VisitPhoto, VisitStatus
from backend import clock
from backend.clock import now

MAX_PHOTOS = 4
MAX_PHOTO_BYTES = 300 * 1024  # the phone shrinks to about 200 KB; a little room for odd encoders
PHOTO_KINDS = ("outside", "inside", "student", "other")
# The ids phones make: crypto.randomUUID(), or 32 hex digits where it is missing. Matched whole (fullmatch), since
# "$" would let a trailing newline through.
CLIENT_ID = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Thailand and a margin: a reading far outside is a broken GPS, not a home.
THAILAND = {"lat": (4.0, 22.0), "lng": (96.0, 107.0)}
MAX_ACCURACY_M = 100_000
# Photos are decoded and saved again as a plain JPEG: what is stored and shown is pixels, never the bytes sent
# (a file that starts like a JPEG and carries HTML, say, or the home's GPS position in its EXIF).
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PHOTO_PIXELS = 25_000_000  # a decompression bomb stops here; phones send about 1280 px on the long side
MAX_PHOTO_SIDE = 2048
PHONE_PHOTO_BYTES = 200 * 1024  # what the phone shrinks photos to (visits.js MAX_PHOTO)


class VisitError(Refusal):
    pass


async def _homeroom_student(viewer: Viewer, student_id: int) -> dict:
    student = await Student.select(Student.id, Student.school, Student.classroom, Student.first_name).where(
        (Student.id == student_id) & (Student.school == viewer.school_id)).first()
    if student is None or not viewer.keeps_homeroom(student["classroom"]):
        raise VisitError(N_("This student is not in your homeroom."), status=403, errors={"student": N_(
            "This student is not in your homeroom.")})
    return student


def _parse_day(text: str, errors: dict) -> date | None:
    day = schoolyear.typed_date(text)
    if day is None:
        errors["visited_on"] = N_("Enter the date of the visit.")
        return None
    today = clock.today()
    if day > today:
        errors["visited_on"] = N_("The visit date cannot be in the future.")
    elif day < today - timedelta(days=400):
        errors["visited_on"] = N_("The visit date is more than a year ago.")
    return day


def _parse_position(payload: dict, errors: dict) -> tuple[float | None, float | None, float | None]:
    lat, lng, accuracy = payload.get("latitude"), payload.get("longitude"), payload.get("accuracy")
    if lat in (None, "") or lng in (None, ""):
        return None, None, None  # no fix indoors or no permission: the visit still counts
    try:
        lat, lng = float(lat), float(lng)
        accuracy = float(accuracy) if accuracy not in (None, "") else None
        if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_M:  # also refuses nan
            raise ValueError(accuracy)
    except (TypeError, ValueError, OverflowError):
        errors["position"] = N_("The GPS position could not be read. Try again outside, or save without it.")
        return None, None, None
    if not (THAILAND["lat"][0] <= lat <= THAILAND["lat"][1] and THAILAND["lng"][0] <= lng <= THAILAND["lng"][1]):
        errors["position"] = N_("The GPS position is not in Thailand. Try again outside, or save without it.")
        return None, None, None
    return lat, lng, accuracy


async def save_visit(viewer: Viewer, payload: dict) -> dict:
    """Create or update a visit by the id the phone made. Sending the same visit twice stores it once. Every
    wrong field is named, so the teacher can fix it; nothing typed is lost on the phone meanwhile."""
    client_id = str(payload.get("client_id") or "")
    if not CLIENT_ID.fullmatch(client_id):
        raise VisitError(N_("The visit has no id from the phone. Reload the form and save again."), status=400)
    try:
        student_id = int(payload.get("student") or 0)
    except (TypeError, ValueError, OverflowError):
        student_id = 0
    if not fits_id(student_id):
        student_id = -1  # names no student: refused below as not in the homeroom
    errors: dict[str, str] = {}
    if not student_id:
        errors["student"] = N_("Choose the student.")
    else:
        await _homeroom_student(viewer, student_id)
    day = _parse_day(payload.get("visited_on"), errors)
    lat, lng, accuracy = _parse_position(payload, errors)
    answers = {}
    for section in FORM:
        try:
            answers.update(clean(section, {k: str(v) for k, v in payload.items() if v is not None}))
        except Invalid as invalid:
            errors.update(invalid.errors)
    status = (VisitStatus.planned if payload.get("status") == VisitStatus.planned else VisitStatus.done).value
    if errors:
        raise VisitError(N_("Some fields need fixing."), errors=errors)
    area = str(payload.get("area") or "").strip()[:100]
    moment = now()
    fields = {"student": student_id, "teacher": viewer.user_id, "status": status, "visited_on": day, "area": area,
              "latitude": lat, "longitude": lng, "accuracy_m": accuracy, "answers": answers, "updated_at": moment}
    async with db.transaction():
        existing = await Visit.select(Visit.id, Visit.school, Visit.student).where(Visit.client_id == client_id).first()
        if existing and existing["school"] != viewer.school_id:
            raise VisitError(N_("This visit is not one of your homeroom's; it cannot be changed from here."),
                             status=403)
        if existing:
            await _homeroom_student(viewer, existing["student"])  # a visit stays with a student one may visit
            await Visit.update({getattr(Visit, k): v for k, v in fields.items()}).where(Visit.id == existing["id"])
            visit_id, created = existing["id"], False
        else:
            rows = await Visit.insert(Visit(school=viewer.school_id, client_id=client_id, created_at=moment,
                                            **fields)).on_conflict(action="DO NOTHING").returning(Visit.id)
            created = bool(rows)
            visit_id = rows[0]["id"] if rows else (await Visit.select(Visit.id).where(
                Visit.client_id == client_id).first())["id"]
    return {"id": visit_id, "client_id": client_id, "created": created}


def clean_photo(data: bytes) -> bytes | None:
    """The photo's pixels as a fresh JPEG within MAX_PHOTO_BYTES, or None if the file is not a whole photo."""
    try:
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                return None
            image.load()  # decodes every byte: a truncated or disguised file fails here
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    picture.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    # No bigger than what the phone sent (it aims at PHONE_PHOTO_BYTES), and never over the cap.
    budget = min(MAX_PHOTO_BYTES, max(len(data), PHONE_PHOTO_BYTES))
    for quality in (80, 72, 64, 56, 48):
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= budget:
            return out.getvalue()
        picture.thumbnail((picture.width * 4 // 5, picture.height * 4 // 5))
    return None


async def save_photo(viewer: Viewer, store: PhotoStore, visit_client_id: str, photo_client_id: str, kind: str,
                     data: bytes) -> dict:
    """A photo of a visit, sent on its own so a dropped connection costs one photo, not the visit. Sending the same
    photo again (a retry) stores it once."""
    if not CLIENT_ID.fullmatch(photo_client_id or ""):
        raise VisitError(N_("The photo has no id from the phone."), status=400)
    if not CLIENT_ID.fullmatch(visit_client_id or ""):
        raise VisitError(N_("Save the visit before its photos."), status=404)
    visit = await Visit.select(Visit.id, Visit.school, Visit.student).where(Visit.client_id == visit_client_id).first()
    if visit is None or visit["school"] != viewer.school_id:
        raise VisitError(N_("Save the visit before its photos."), status=404)
    await _homeroom_student(viewer, visit["student"])
    if kind not in PHOTO_KINDS:
        raise VisitError(N_("Say whether the photo is of the house outside, inside, or the student."))
    if len(data) > MAX_PHOTO_BYTES:
        raise VisitError(N_("The photo is larger than 300 KB. The app shrinks photos; take it again in the app."),
                         status=413)
    data = await asyncio.to_thread(clean_photo, data)
    if data is None:
        raise VisitError(N_("This file is not a photo (JPEG, PNG or WebP)."), status=415)
    content_type = "image/jpeg"
    existing = await VisitPhoto.select(VisitPhoto.id).where(VisitPhoto.client_id == photo_client_id).first()
    if existing:
        return {"id": existing["id"], "created": False}
    # A photo taken again for the same slot (the house outside, say) replaces the earlier one, once the new one is
    # safely stored; "other" photos add up.
    same_slot = (VisitPhoto.visit == visit["id"]) & (VisitPhoto.kind == kind) if kind != "other" else None
    others = VisitPhoto.count().where(VisitPhoto.visit == visit["id"])
    if await (others.where(VisitPhoto.kind != kind) if same_slot is not None else others) >= MAX_PHOTOS:
        raise VisitError(N_("A visit has at most 4 photos."))
    key = f"{viewer.school_id}/{visit['id']}/{photo_client_id}"
    await store.put(key, data)  # stored before the row: a row always has its file
    rows = await VisitPhoto.insert(VisitPhoto(
        school=viewer.school_id, visit=visit["id"], client_id=photo_client_id, kind=kind, storage_key=key,
        content_type=content_type, size=len(data), uploaded_at=now(),
    )).on_conflict(action="DO NOTHING").returning(VisitPhoto.id)
    if rows and same_slot is not None:
        replaced = await VisitPhoto.delete().where(same_slot & (VisitPhoto.id != rows[0]["id"])).returning(
            VisitPhoto.storage_key)
        for row in replaced:
            await store.delete(row["storage_key"])
    return {"id": rows[0]["id"] if rows else None, "created": bool(rows)}


async def photo(viewer: Viewer, store: PhotoStore, photo_id: int) -> tuple[bytes, str]:
    row = await VisitPhoto.select(VisitPhoto.storage_key, VisitPhoto.content_type, VisitPhoto.visit.student.as_alias(
        "student")).where((VisitPhoto.id == photo_id) & (VisitPhoto.school == viewer.school_id)).first()
    if row is None:
        raise VisitError(N_("No such photo."), status=404)
    student = await Student.select(Student.id, Student.school, Student.classroom).where(
        Student.id == row["student"]).first()
    if not can_see_visits(viewer, student):
        raise VisitError(N_("No such photo."), status=404)
    return await store.get(row["storage_key"]), row["content_type"]


async def visits_of(viewer: Viewer, student: dict) -> list[dict]:
    """A student's visits with their photos, for those who may see them; a parent gets only the dates."""
    if not can_see_visits(viewer, student) and can_see_visit_dates(viewer, student):
        return await Visit.select(Visit.visited_on, Visit.status).where(
            Visit.student == student["id"]).order_by(Visit.visited_on, ascending=False)
    if not can_see_visits(viewer, student):
        return []
    visits = await Visit.select(Visit.all_columns(), Visit.teacher.display_name.as_alias("by")).where(
        Visit.student == student["id"]).order_by(Visit.visited_on, ascending=False).output(load_json=True)
    photos = await VisitPhoto.select(VisitPhoto.id, VisitPhoto.visit, VisitPhoto.kind).where(
        VisitPhoto.visit.is_in([v["id"] for v in visits] or [-1]))
    return [{**v, "photos": [p for p in photos if p["visit"] == v["id"]]} for v in visits]


async def homeroom_progress(viewer: Viewer) -> list[dict]:
    """The teacher's homeroom students with this school year's visit: visited, planned, or not yet; by area."""
    return await _progress(viewer, list(viewer.classroom_ids))


async def classroom_progress(viewer: Viewer, classroom_id: int) -> dict:
    """One classroom's progress as its homeroom teacher sees it, for executives and counsellors too."""
    classroom = await Classroom.select(Classroom.id, Classroom.school, Classroom.room,
                                       Classroom.grade.code.as_alias("grade")).where(
        Classroom.id == classroom_id).first()
    if classroom is None or classroom["school"] != viewer.school_id:
        raise VisitError(N_("No such classroom in this school."), status=404)
    if not can_see_classroom_visits(viewer, classroom):
        raise VisitError(N_("Home visits are for the homeroom teachers, counsellors and executives."), status=403)
    return {"label": f"{classroom['grade']}/{classroom['room']}", "rows": await _progress(viewer, [classroom_id])}


async def _progress(viewer: Viewer, classroom_ids: list[int]) -> list[dict]:
    year = await SchoolYear.select(SchoolYear.starts_on).where(SchoolYear.id == viewer.school_year_id).first()
    students = await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                    Student.number_in_class, Student.classroom).where(
        (Student.school == viewer.school_id) & enrolment.enrolled_today(viewer.school_id, classroom_ids)
    ).order_by(Student.number_in_class)
    visits = await Visit.select(Visit.student, Visit.status, Visit.visited_on, Visit.area).where(
        Visit.student.is_in([s["id"] for s in students] or [-1]) & (Visit.visited_on >= year["starts_on"])
    ).order_by(Visit.visited_on)
    latest: dict[int, dict] = {}
    for visit in visits:  # a done visit outranks a planned one
        if visit["status"] == VisitStatus.done or latest.get(visit["student"], {}).get("status") != VisitStatus.done:
            latest[visit["student"]] = visit
    rows = []
    for s in students:
        visit = latest.get(s["id"])
        rows.append({**s, "visit": visit, "area": (visit or {}).get("area") or "",
                     "state": visit["status"] if visit else "none"})
    rows.sort(key=lambda r: (r["area"] == "", r["area"], r["number_in_class"] or 0))
    return rows


async def school_progress(viewer: Viewer) -> list[dict]:
    """For executives: per classroom, students visited this school year, planned, and not yet."""
    year = await SchoolYear.select(SchoolYear.starts_on).where(SchoolYear.id == viewer.school_year_id).first()
    classrooms = await Classroom.select(Classroom.id, Classroom.room, Classroom.grade.code.as_alias("grade")).where(
        (Classroom.school == viewer.school_id) & (Classroom.school_year == viewer.school_year_id)
    ).order_by(Classroom.grade.level).order_by(Classroom.room)
    sizes = await enrolment.class_sizes(viewer.school_id, clock.today())
    done, planned = {}, {}
    for row in await Visit.select(Visit.student.classroom.as_alias("classroom"), Visit.status, Visit.student).where(
            (Visit.school == viewer.school_id) & (Visit.visited_on >= year["starts_on"])):
        (done if row["status"] == VisitStatus.done else planned).setdefault(row["classroom"], set()).add(row["student"])
    rows = []
    for c in classrooms:
        visited = len(done.get(c["id"], set()))
        waiting = len(planned.get(c["id"], set()) - done.get(c["id"], set()))
        size = sizes.get(c["id"], 0)
        rows.append({"id": c["id"], "label": f"{c['grade']}/{c['room']}", "students": size, "visited": visited,
                     "planned": waiting, "none": max(size - visited - waiting, 0)})
    return rows


async def form_students(viewer: Viewer) -> list[dict]:
    return await Student.select(Student.id, Student.title, Student.first_name, Student.last_name,
                                Student.number_in_class, Student.classroom.grade.code.as_alias("grade"),
                                Student.classroom.room.as_alias("room")).where(
        (Student.school == viewer.school_id) & enrolment.enrolled_today(viewer.school_id, viewer.classroom_ids)
    ).order_by(Student.classroom).order_by(Student.number_in_class)


async def timeline_events(viewer: Viewer, student: dict, limit: int) -> list[dict]:
    """Visits on the student's timeline, for those who may see when the school visited."""
    if not can_see_visit_dates(viewer, student):
        return []
    # placed on the day of the visit, not the day it reached the server (it may wait offline for days)
    return [{"kind": "visit", "at": datetime.combine(visit["visited_on"], time(12), clock.SCHOOL_TIME),
             "day": visit["visited_on"], **visit}
            for visit in await Visit.select(Visit.visited_on, Visit.status, Visit.created_at,
                                            Visit.teacher.display_name.as_alias("by")).where(
                Visit.student == student["id"]).order_by(Visit.visited_on, ascending=False).limit(limit)]


async def income_per_person(student_ids: list[int]) -> dict[int, float]:
    """A fact for screening: household income per person from each student's newest completed visit."""
    newest = await db.newest_per_student(Visit, [Visit.answers], student_ids, Visit.status == VisitStatus.done.value)
    incomes = {student_id: (row["answers"] or {}).get("income_per_person") for student_id, row in newest.items()}
    return {student_id: float(income) for student_id, income in incomes.items()
            if isinstance(income, (int, float))}


async def visited_between(school_id: int, student_ids: list[int], first: date, last: date) -> set[int]:
    """Those of these students visited at home (a visit done, not one planned) between these days: the weekly digest's
    "not visited yet" and the supervision's figures both count this. One query for a whole school."""
    return await visited_between_of([(school_id, student_ids, first, last)])


async def visited_between_of(wanted: list[tuple[int, list[int], date, date]]) -> set[int]:
    """visited_between() of several schools (school, students, first, last): one query however many."""
    return {row["student"] for row in await Visit.select(Visit.student).where(
        (Visit.status == VisitStatus.done.value) & db.either(
            (Visit.school == school_id) & db.among(Visit.student, student_ids) & (Visit.visited_on >= first)
            & (Visit.visited_on <= last) for school_id, student_ids, first, last in wanted)).distinct()}


NOT_VISITED = N_("Not visited at home yet this school year")  # a digest's check-in reason, dropped once visited


async def visited_this_school_year(school_id: int, student_ids: list[int], day: date, until: date) -> set[int]:
    """Those of these students visited at home in the school year of `day`, from its first day up to `until` (or its
    last day): the digest's "not visited yet" (as the week ended, and again as it is read) and the supervision's
    figure (from the year's start to today) count the same visits. Two queries."""
    year = await SchoolYear.select(SchoolYear.starts_on, SchoolYear.ends_on).where(
        (SchoolYear.school == school_id) & (SchoolYear.starts_on <= day) & (SchoolYear.ends_on >= day)).first()
    since = year["starts_on"] if year else day
    last = min(until, year["ends_on"]) if year else until
    return await visited_between(school_id, student_ids, since, last) if student_ids else set()


async def digest_section(school_id: int, week: Week, rosters: dict[int, list[RosterEntry]]) -> dict[int, dict]:
    """Each classroom's students not yet visited at home this school year by the week's Friday (a planned visit is
    not yet one). Two queries for the whole school."""
    ids = [entry.student_id for entries in rosters.values() for entry in entries]
    visited = await visited_this_school_year(school_id, ids, week.friday, week.friday)
    sections = {}
    for classroom_id, entries in rosters.items():
        waiting = [{"student": e.student_id, "name": e.name} for e in entries if e.student_id not in visited]
        sections[classroom_id] = {"students": len(entries), "not_visited": waiting, "concerns": [
            {"student": row["student"], "weight": 1, "why": NOT_VISITED, "values": {}} for row in waiting]}
    return sections
