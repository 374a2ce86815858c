"""Behaviour on a phone with no signal: the class lists the incident form carries (students are ticked there when
search cannot reach the school), and the photo a phone sends after its record."""

from __future__ import annotations

import asyncio

from backend.accounts.access import Viewer, can_add_incident_photo, can_see_incident_photo, carried_class_lists
from backend.behaviour import services
from backend.behaviour.services import CLIENT_ID, BehaviourError
from backend.behaviour.tables import Incident, IncidentPhoto
from backend.clock import now
from backend.i18n import N_
from backend.students.tables import Student
from backend.visits.services import MAX_PHOTO_BYTES, clean_photo
from backend.visits.storage import PhotoStore


async def class_lists(viewer: Viewer) -> list[dict]:
    """The students of the classes this teacher keeps or teaches, by classroom and number. One query."""
    rooms = carried_class_lists(viewer)
    if not rooms:
        return []
    rows = await Student.select(
        Student.id, Student.first_name, Student.last_name, Student.number_in_class, Student.classroom,
        Student.classroom.room.as_alias("room"), Student.classroom.grade.code.as_alias("grade"),
    ).where((Student.school == viewer.school_id) & Student.classroom.is_in(sorted(rooms))
            & Student.left_on.is_null()).order_by(Student.classroom.grade.code).order_by(
        Student.classroom.room).order_by(Student.number_in_class)
    lists: dict[int, dict] = {}
    for row in rows:
        room = lists.setdefault(row["classroom"], {"label": f"{row['grade']}/{row['room']}", "students": []})
        room["students"].append(row)
    return list(lists.values())


# Photos -------------------------------------------------------------------------------------------------------------


async def save_photo(viewer: Viewer, store: PhotoStore, incident_key: str, photo_key: str, data: bytes) -> dict:
    """The photo of a record, sent by the phone that recorded it, after the record (the queue sends it second). A
    retry stores it once; a new photo replaces the earlier one once it is safely stored."""
    if not CLIENT_ID.fullmatch(photo_key or ""):
        raise BehaviourError(N_("The photo has no id from the phone."), status=400)
    incident = await Incident.select(Incident.id, Incident.school, Incident.recorded_by).where(
        Incident.client_id == (incident_key or "")).first() if CLIENT_ID.fullmatch(incident_key or "") else None
    if incident is None or not can_add_incident_photo(viewer, incident):
        raise BehaviourError(N_("Save the record before its photo."), status=404)
    if len(data) > MAX_PHOTO_BYTES:
        raise BehaviourError(N_("The photo is larger than 300 KB. The app shrinks photos; take it again in the app."),
                             status=413)
    existing = await IncidentPhoto.select(IncidentPhoto.id).where(IncidentPhoto.client_id == photo_key).first()
    if existing:
        return {"id": existing["id"], "created": False}
    data = await asyncio.to_thread(clean_photo, data)  # pixels only: no EXIF position, nothing hidden in the file
    if data is None:
        raise BehaviourError(N_("This file is not a photo (JPEG, PNG or WebP)."), status=415)
    key = f"behaviour/{viewer.school_id}/{incident['id']}/{photo_key}"
    await store.put(key, data)  # stored before the row: a row always has its file
    rows = await IncidentPhoto.insert(IncidentPhoto(
        school=viewer.school_id, incident=incident["id"], client_id=photo_key, storage_key=key,
        content_type="image/jpeg", size=len(data), uploaded_at=now())).on_conflict(action="DO NOTHING").returning(
        IncidentPhoto.id)
    if rows:
        replaced = await IncidentPhoto.delete().where(
            (IncidentPhoto.incident == incident["id"]) & (IncidentPhoto.id != rows[0]["id"])).returning(
            IncidentPhoto.storage_key)
        for row in replaced:
            await store.delete(row["storage_key"])
    return {"id": rows[0]["id"] if rows else None, "created": bool(rows)}


async def photo(viewer: Viewer, store: PhotoStore, photo_id: int) -> tuple[bytes, str]:
    """A record's photo, for the staff who may see the record (it may show other children: never families)."""
    row = await IncidentPhoto.select(IncidentPhoto.incident, IncidentPhoto.storage_key,
                                     IncidentPhoto.content_type).where(
        (IncidentPhoto.id == photo_id) & (IncidentPhoto.school == viewer.school_id)).first()
    if row is None or not can_see_incident_photo(viewer):
        raise BehaviourError(N_("No such photo."), status=404)
    try:
        await services.incident(viewer, row["incident"])  # refuses, as 404, whoever may not see the record
    except BehaviourError:
        raise BehaviourError(N_("No such photo."), status=404) from None
    return await store.get(row["storage_key"]), row["content_type"]
