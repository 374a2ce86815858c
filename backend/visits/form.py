"""The home-visit form as data: the visit itself and the EEF household screening (นร.01), so one visit serves
both and the teacher never types it twice. Pure."""

from __future__ import annotations

from backend.i18n import N_
from backend.forms import Field, Form

CONDITION = (("good", N_("Good")), ("fair", N_("Needs some repair")), ("poor", N_("Dilapidated")))
ASSESSMENT = (("normal", N_("No concern")), ("at_risk", N_("At risk")), ("problem", N_("Has problems")))

VISIT = Form("visit", N_("The visit"), (
    Field("met_with", N_("Who was met")),
    Field("house", N_("House and surroundings"), "long"),
    Field("living", N_("Who the student lives with"), "long"),
    Field("economics", N_("Family economics"), "long"),
    Field("duties", N_("The student's duties at home"), "long"),
    Field("time_use", N_("Time use after school"), "long"),
    Field("risks_seen", N_("Risk behaviours seen"), "long"),
    Field("help_needed", N_("Help the family needs"), "long"),
    Field("assessment", N_("Teacher's assessment"), "choice", options=ASSESSMENT),
    Field("assessment_note", N_("Assessment notes"), "long"),
))

HOUSEHOLD = Form("household", N_("Household screening (EEF)"), (
    Field("income_per_person", N_("Income per person per month (baht)"), "number", minimum=0, maximum=1_000_000),
    Field("dependants_ill", N_("Disabled or chronically ill members"), "number", minimum=0, maximum=20),
    Field("dependants_elderly", N_("Members over 60"), "number", minimum=0, maximum=20),
    Field("dependants_jobless", N_("Members 15–65 without income"), "number", minimum=0, maximum=20),
    Field("tenure", N_("Housing"), "choice", options=(
        ("own", N_("Own house")), ("rent", N_("Rented")), ("others", N_("Lives with others")))),
    Field("condition", N_("House condition"), "choice", options=CONDITION),
    Field("farmland", N_("Farmland"), "choice", options=(
        ("none", N_("None")), ("lt1", N_("Under 1 rai")), ("1to5", N_("1–5 rai")), ("gt5", N_("Over 5 rai")))),
    Field("water", N_("Drinking water"), "choice", options=(
        ("tap", N_("Tap water")), ("well", N_("Well or groundwater")), ("rain", N_("Rainwater")),
        ("bought", N_("Bought bottled water")), ("natural", N_("River or pond")))),
    Field("electricity", N_("Electricity"), "choice", options=(
        ("meter", N_("Own meter")), ("shared", N_("From a neighbour")), ("solar", N_("Solar or generator")),
        ("none", N_("No electricity")))),
    Field("vehicles", N_("Vehicles (working)"), "text"),
    Field("appliances", N_("Appliances (working)"), "text"),
))

FORM = (VISIT, HOUSEHOLD)
