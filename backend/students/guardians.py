"""The admin corrects a guardian (name, phone, smartphone) and the links between guardians and students (relation,
first contact, adding and removing a link). A guardian who has an account keeps their number until the code sent
to the new one is entered (accounts.codes)."""

from __future__ import annotations

from dataclasses import dataclass

from backend import db
from backend.accounts.access import Permission, Viewer
from backend.clock import now
from backend.i18n import N_, Refusal
from backend.request_input import plain_text
from backend.students.phones import BadPhone, normalise_phone
from backend.students.tables import Guardian, Student, StudentGuardian


class GuardianError(Refusal):
    def __init__(self, message: str, field: str | None = None, status: int | None = None, **values):
        super().__init__(message, status=status, errors={field: message} if field else None, **values)


@dataclass(frozen=True)
class PendingPhone:
    """A guardian with an account was given a new number: it waits for the code sent to it."""

    user_id: int
    new_phone: str


async def _guardian(viewer: Viewer, guardian_id: int) -> dict:
    if not viewer.can(Permission.manage_roster):
        raise GuardianError(N_("Only the school's admin edits guardians."), status=403)
    guardian = await Guardian.select(Guardian.id, Guardian.name, Guardian.phone, Guardian.has_smartphone,
                                     Guardian.sms_opt_out, Guardian.user).where(
        (Guardian.id == guardian_id) & (Guardian.school == viewer.school_id)).first()
    if guardian is None:
        raise GuardianError(N_("No such guardian in this school."), status=404)
    return guardian


async def guardian_page(viewer: Viewer, guardian_id: int) -> dict:
    """The guardian and each student linked to them, with the relation and whether they are the first contact."""
    guardian = await _guardian(viewer, guardian_id)
    links = await StudentGuardian.select(
        StudentGuardian.id, StudentGuardian.relation, StudentGuardian.position, StudentGuardian.student,
        StudentGuardian.student.code.as_alias("code"), StudentGuardian.student.first_name.as_alias("first_name"),
        StudentGuardian.student.last_name.as_alias("last_name"),
        StudentGuardian.student.classroom.room.as_alias("room"),
        StudentGuardian.student.classroom.grade.code.as_alias("grade"),
    ).where(StudentGuardian.guardian == guardian_id).order_by(StudentGuardian.id)
    for link in links:
        link["label"] = f"{link['grade']}/{link['room']}" if link["grade"] else ""
    return {**guardian, "links": links}


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise GuardianError(N_("Enter the guardian's name."), field="name")
    if len(name) > Guardian.name.length or not plain_text(name):
        raise GuardianError(N_("A name can be at most %(n)s characters."), field="name", n=Guardian.name.length)
    return name


def _relation(relation: str) -> str:
    relation = " ".join(relation.split())
    if not relation:
        raise GuardianError(N_("Say how they are related to the student, e.g. มารดา."), field="relation")
    if len(relation) > StudentGuardian.relation.length:
        raise GuardianError(N_("A relation can be at most %(n)s characters."), field="relation",
                            n=StudentGuardian.relation.length)
    return relation


async def update_guardian(viewer: Viewer, guardian_id: int, name: str, phone: str,
                          has_smartphone: bool) -> PendingPhone | None:
    """Saves name, smartphone and (for a guardian without an account) the number. For an account holder a new
    number is returned to be confirmed by a code instead of saved. Never gives two guardians one number: that
    would make them one person on a guess."""
    guardian = await _guardian(viewer, guardian_id)
    name = _name(name)
    new_phone = None
    if phone.strip():
        try:
            new_phone = normalise_phone(phone)
        except BadPhone:
            raise GuardianError(N_("Check the phone number: it should look like 081-234-5678."),
                                field="phone") from None
    elif guardian["user"]:
        raise GuardianError(N_("This guardian signs in with their number: give a new number instead of none."),
                            field="phone")
    if new_phone and new_phone != guardian["phone"]:
        other = await Guardian.select(Guardian.name).where(
            (Guardian.school == viewer.school_id) & (Guardian.phone == new_phone) & (Guardian.id != guardian_id)
        ).first()
        if other:
            raise GuardianError(N_("This number is already %(name)s's. If they are the same person, link the "
                                   "children to that guardian instead."), field="phone", name=other["name"])
    changes = {Guardian.name: name, Guardian.has_smartphone: has_smartphone, Guardian.updated_at: now()}
    pending = None
    if new_phone != guardian["phone"]:
        if guardian["user"]:
            pending = PendingPhone(guardian["user"], new_phone)
        else:
            changes[Guardian.phone] = new_phone
    await Guardian.update(changes).where(Guardian.id == guardian_id)
    return pending


async def link_student(viewer: Viewer, guardian_id: int, student_code: str, relation: str) -> None:
    await _guardian(viewer, guardian_id)
    relation = _relation(relation)
    student = await Student.select(Student.id).where(
        (Student.school == viewer.school_id) & (Student.code == student_code.strip())
        & (Student.active == True)).first()  # noqa: E712 - a Piccolo column, not a Python bool
    if student is None:
        raise GuardianError(N_("No student with code %(code)s in this school."), field="student_code",
                            code=student_code.strip()[:20])
    async with db.transaction():
        links = await StudentGuardian.select(StudentGuardian.guardian, StudentGuardian.position).where(
            StudentGuardian.student == student["id"])
        if any(link["guardian"] == guardian_id for link in links):
            raise GuardianError(N_("This guardian is already linked to that student."), field="student_code")
        await StudentGuardian.insert(StudentGuardian(
            school=viewer.school_id, student=student["id"], guardian=guardian_id, relation=relation,
            position=max([link["position"] for link in links], default=0) + 1))


async def _link(viewer: Viewer, guardian_id: int, link_id: int) -> dict:
    await _guardian(viewer, guardian_id)
    link = await StudentGuardian.select(StudentGuardian.id, StudentGuardian.student).where(
        (StudentGuardian.id == link_id) & (StudentGuardian.guardian == guardian_id)
        & (StudentGuardian.school == viewer.school_id)).first()
    if link is None:
        raise GuardianError(N_("This guardian is not linked to that student."), status=404)
    return link


async def update_link(viewer: Viewer, guardian_id: int, link_id: int, relation: str, first_contact: bool) -> None:
    link = await _link(viewer, guardian_id, link_id)
    relation = _relation(relation)
    async with db.transaction():
        await StudentGuardian.update({StudentGuardian.relation: relation}).where(StudentGuardian.id == link_id)
        if first_contact:
            await _renumber(link["student"], first=link_id)


async def unlink(viewer: Viewer, guardian_id: int, link_id: int) -> None:
    link = await _link(viewer, guardian_id, link_id)
    async with db.transaction():
        await StudentGuardian.delete().where(StudentGuardian.id == link_id)
        await _renumber(link["student"])


async def _renumber(student_id: int, first: int | None = None) -> None:
    """The student's guardians numbered 1, 2, … in their order, with `first` (a link) moved to the front."""
    links = await StudentGuardian.select(StudentGuardian.id).where(StudentGuardian.student == student_id).order_by(
        StudentGuardian.position).order_by(StudentGuardian.id)
    order = sorted((link["id"] for link in links), key=lambda link: link != first)
    for position, link in enumerate(order, start=1):
        await StudentGuardian.update({StudentGuardian.position: position}).where(StudentGuardian.id == link)
