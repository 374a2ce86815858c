"""The discipline officer's settings: the school's points (start, threshold, automatic deductions, service hours),
the weekly digest's day and hour, the rules that alert (behaviour.rules) and the categories (edited and retired,
never deleted: records name them)."""

from __future__ import annotations

from backend import db
from backend.accounts.access import Permission, Viewer
from backend.behaviour import rules
from backend.behaviour.services import BehaviourError, MAX_POINTS, categories, school_settings
from backend.behaviour.tables import BehaviourCategory, BehaviourSettings, Kind, RuleKind
from backend.clock import now
from backend.i18n import N_

DIGEST_POINTERS = ("off", "push", "sms")
# (field, lowest, highest): what each setting may be.
BOUNDS = {
    "start_points": (1, 1000),
    "threshold": (0, 1000),
    "late_points": (0, MAX_POINTS),
    "cut_points": (0, MAX_POINTS),
    "points_per_service_hour": (0, MAX_POINTS),
    "digest_weekday": (0, 6),
    "digest_hour": (0, 23),
}


def _check_manager(viewer: Viewer) -> None:
    if not viewer.can(Permission.manage_behaviour):
        raise BehaviourError(N_("Only the discipline officer changes the school's behaviour settings."), status=403)


async def settings_page(viewer: Viewer) -> dict:
    """Everything the page shows: the settings, every rule (those turned off too) and every category."""
    _check_manager(viewer)
    return {"settings": await school_settings(viewer.school_id),
            "rules": await rules.school_rules(viewer.school_id, active_only=False),
            "categories": await categories(viewer.school_id, with_retired=True)}


def _bounded(form: dict, name: str, errors: dict) -> int | None:
    low, high = BOUNDS[name]
    text = str(form.get(name) or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        errors[name] = N_("Enter a whole number in the range shown.")
        return None
    return int(text)


async def save_settings(viewer: Viewer, form: dict) -> None:
    """The school's settings row, made or updated; refused whole, field by field, when a value cannot be right."""
    _check_manager(viewer)
    errors: dict[str, str] = {}
    values = {name: _bounded(form, name, errors) for name in BOUNDS}
    pointer = str(form.get("digest_pointer") or "off")
    if pointer not in DIGEST_POINTERS:
        errors["digest_pointer"] = N_("Choose how teachers are pointed to their digest.")
    if not errors and values["threshold"] > values["start_points"]:
        errors["threshold"] = N_("The threshold cannot be above the starting points.")
    if errors:
        raise BehaviourError(N_("Some fields need fixing."), errors=errors)
    lines = [r["count"] for r in await rules.school_rules(viewer.school_id)
             if r["kind"] == RuleKind.points_below.value and r["count"] >= values["start_points"]]
    if lines:  # every student would start below the rule's line: it would fire on the first deduction
        message = N_("A rule fires below %(line)s points: start above it, or turn the rule off first.")
        raise BehaviourError(message, errors={"start_points": message}, line=max(lines))
    row = {getattr(BehaviourSettings, name): value for name, value in values.items()}
    row.update({BehaviourSettings.digest_pointer: pointer, BehaviourSettings.updated_at: now()})
    async with db.transaction():
        await db.lock("behaviour_settings", viewer.school_id)
        updated = await BehaviourSettings.update(row).where(BehaviourSettings.school == viewer.school_id).returning(
            BehaviourSettings.id)
        if not updated:
            await BehaviourSettings.insert(BehaviourSettings(
                school=viewer.school_id, digest_pointer=pointer, updated_at=now(), **values))


def _category_fields(form: dict, errors: dict) -> dict:
    name = " ".join(str(form.get("name") or "").split())[:100]
    if not name:
        errors["name"] = N_("Give the category a name.")
    text = str(form.get("points") or "0").strip()
    if not text.isdigit() or int(text) > MAX_POINTS:
        errors["points"] = N_("Enter a whole number in the range shown.")
    return {"name": name, "parent_wording": " ".join(str(form.get("parent_wording") or "").split())[:100],
            "points": int(text) if text.isdigit() else 0, "serious": bool(form.get("serious"))}


async def add_category(viewer: Viewer, form: dict) -> int:
    _check_manager(viewer)
    errors: dict[str, str] = {}
    fields = _category_fields(form, errors)
    kind = str(form.get("kind") or Kind.incident.value)
    if kind not in Kind._value2member_map_:
        errors["kind"] = N_("Choose an incident or a good deed.")
    if errors:
        raise BehaviourError(N_("Some fields need fixing."), errors=errors)
    existing = await categories(viewer.school_id, with_retired=True)  # seeds the defaults first
    rows = await BehaviourCategory.insert(BehaviourCategory(
        school=viewer.school_id, kind=kind, code="", position=len(existing), retired=False,
        serious=fields["serious"] and kind == Kind.incident.value,
        **{k: v for k, v in fields.items() if k != "serious"})).returning(BehaviourCategory.id)
    return rows[0]["id"]


async def _own_category(viewer: Viewer, category_id: int) -> dict:
    _check_manager(viewer)
    found = await BehaviourCategory.select(BehaviourCategory.id, BehaviourCategory.kind).where(
        (BehaviourCategory.id == category_id) & (BehaviourCategory.school == viewer.school_id)).first()
    if found is None:
        raise BehaviourError(N_("No such category in this school."), status=404)
    return found


async def edit_category(viewer: Viewer, category_id: int, form: dict) -> None:
    """A category's name, parent wording, points and seriousness; records made before keep their ledger lines."""
    found = await _own_category(viewer, category_id)
    errors: dict[str, str] = {}
    fields = _category_fields(form, errors)
    if errors:
        raise BehaviourError(N_("Some fields need fixing."), errors=errors)
    fields["serious"] = fields["serious"] and found["kind"] == Kind.incident.value
    await BehaviourCategory.update({getattr(BehaviourCategory, k): v for k, v in fields.items()}).where(
        BehaviourCategory.id == category_id)


async def retire_category(viewer: Viewer, category_id: int, retired: bool = True) -> None:
    """No longer offered when recording; the records that name it keep it."""
    await _own_category(viewer, category_id)
    await BehaviourCategory.update({BehaviourCategory.retired: retired}).where(BehaviourCategory.id == category_id)
