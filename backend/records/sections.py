"""What each section of the cumulative record holds, as data (a backend.forms Form each, with who reads and
writes it). Pure. Fields follow what Thai schools record (OBEC record, home-visit form, EEF screening)."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.forms import Field, Form
from backend.i18n import N_


@dataclass(frozen=True)
class Section(Form):
    sensitive: bool = False  # every read is audited
    # Staff roles beyond the student's homeroom teachers ("grade_head": for the grades they head, "subject_teacher":
    # for the classes they teach; the other roles school-wide). What parents see is each school's choice
    # (School.parent_sections; the learning section unless the admin changes it).
    readers: frozenset[str] = field(default_factory=frozenset)
    editors: frozenset[str] = field(default_factory=frozenset)  # roles beyond the homeroom teachers
    # False where a parent may be the risk the section records (abuse, neglect, violence at home): no school setting
    # can share it with parents.
    parents_may_see: bool = True


LIVES_WITH = ((("both_parents", N_("Both parents")), ("mother", N_("Mother")), ("father", N_("Father")),
               ("grandparents", N_("Grandparents")), ("relatives", N_("Relatives")), ("other", N_("Others")),
               ("alone", N_("Alone or in a dormitory"))))
INCOME_BANDS = (("lt3000", N_("Under 3,000 baht a person a month")), ("3000_5000", N_("3,000–5,000")),
                ("5000_10000", N_("5,000–10,000")), ("gt10000", N_("Over 10,000")))
TRAVEL = (("walk", N_("Walks")), ("bicycle", N_("Bicycle")), ("motorbike", N_("Motorbike")),
          ("school_bus", N_("School van or bus")), ("public", N_("Public transport")), ("car", N_("Car")))

SECTIONS: dict[str, Section] = {s.name: s for s in (
    Section("learning", N_("Learning"), (
        Field("gpa_last_term", N_("GPA last term"), "number", minimum=0, maximum=4, decimals=True),
        Field("gpa_history", N_("GPA by term (e.g. 2568/2: 3.25)"), "long"),
        Field("strengths", N_("Special abilities and interests"), "long"),
        Field("difficulties", N_("Learning difficulties"), "long"),
    ), readers=frozenset({"counsellor", "executive", "subject_teacher", "discipline", "nurse", "grade_head"})),
    Section("health", N_("Health"), (
        Field("physical", N_("Physical health"), "long"),
        Field("mental", N_("Mental health"), "long"),
        Field("behaviour", N_("Behaviour"), "long"),
        Field("disability", N_("Disability")),
        Field("chronic_illness", N_("Chronic illness")),
        Field("allergies", N_("Allergies")),
    ), sensitive=True, readers=frozenset({"counsellor", "nurse", "executive", "grade_head"}),
        editors=frozenset({"nurse", "counsellor"})),
    Section("family", N_("Family and economics"), (
        Field("lives_with", N_("Lives with"), "choice", options=LIVES_WITH),
        Field("parents_status", N_("Parents"), "choice", options=(
            ("together", N_("Living together")), ("separated", N_("Separated or divorced")),
            ("one_died", N_("One has died")), ("both_died", N_("Both have died")), ("away", N_("Working away")))),
        Field("household_size", N_("People in the household"), "number", minimum=1, maximum=30),
        Field("income_band", N_("Household income per person"), "choice", options=INCOME_BANDS),
        Field("debts", N_("Debts")),
        Field("welfare_card", N_("State welfare card"), "yesno"),
    ), sensitive=True, readers=frozenset({"counsellor", "executive", "grade_head"}), editors=frozenset({"counsellor"})),
    Section("safety", N_("Protection and safety"), (
        Field("travel", N_("Travel to school"), "choice", options=TRAVEL),
        Field("distance_km", N_("Distance from school (km)"), "number", minimum=0, maximum=300),
        Field("area", N_("Village or area")),
        Field("risks_home", N_("Risks at home"), "long"),
        Field("risks_way", N_("Risks on the way to school"), "long"),
    ), sensitive=True, parents_may_see=False,
        readers=frozenset({"counsellor", "executive", "discipline", "grade_head"}),
        editors=frozenset({"counsellor", "discipline"})),
    # The counsellor's notes: the head of the student's grade does not read them (only the homeroom teacher does).
    Section("other", N_("Other notes"), (
        Field("notes", N_("Notes"), "long"),
    ), readers=frozenset({"counsellor", "executive"}), editors=frozenset({"counsellor"})),
)}

# What a parent may correct themselves (the teacher sees the change and that it came from the parent).
PARENT_EDITABLE = {"family": ("lives_with", "household_size")}
