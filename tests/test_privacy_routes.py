"""The privacy test: every route of the application, opened by every persona, with ids that belong to someone.

The table below says, for each route, who may use it; everyone else must be refused (403 or 404) without a word of
the child it is about, and anonymous visitors are sent to sign in unless the route is public. A route added to the
app without an entry here fails `test_every_route_has_an_entry`.

The ids are Bua's (10002, ม.1/1, Somchai's homeroom; her father Prasert has no account), ม.1/1's, a teacher's account,
an alert about Anan (Somsri's son) and the Bangkok school's own rows. So Malee is "a teacher of another homeroom",
Somsri "a parent of another child", Chai "another student", and Preecha, Dao and Noi "users of another school".
"""

from __future__ import annotations

import base64
import copy
import re
import uuid

import httpx
import pytest

from backend import clock
from backend.accounts import access
from backend.accounts import services as accounts
from backend.accounts import sessions
from backend.accounts.middleware import SESSION_COOKIE
from backend.accounts.tables import AccountChange, Role
from backend.behaviour import digest
from backend.behaviour import offline as behaviour_offline
from backend.behaviour import rules as behaviour_rules
from backend.behaviour import services as behaviour
from backend.behaviour.tables import IncidentStudent, RuleFiring, WeeklyDigest
from backend.care import referrals
from backend.care import services as care
from backend.care import support, talent
from backend.conversations import services as conversations
from backend.conversations.tables import Thread
from backend.notify.tables import Alert, LineGroup, Message
from backend.promotion import guidelines
from backend.leave import services as leave
from backend.leave.tables import LeaveRequest
from backend.promotion import network
from backend.promotion import services as promotion
from backend.promotion.tables import NetworkMember
from backend.promotion import white
from backend.schools.calendar import Week
from backend.schools.tables import Grade
from backend.screening import filling
from backend.screening import services as screening
from backend.students.tables import StudentGuardian
from backend.students import services as students
from backend.survey import services as survey
from backend.summary import services as summary
from backend.summary.tables import FamilySummary
from backend.visits import services as visits
from backend.app import CSRF_COOKIE
from tests.conftest import Browser, _empty_tables, restore_rows, snapshot_rows, text_of
from tests.personas import BANGKOK_ROSTER

BUA = "บัว"
# A real 8×8 JPEG, so that a photo route which decodes what it stores has something to decode.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8t"
    "MC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAAR"
    "CAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEG"
    "E1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWG"
    "h4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEB"
    "AQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYk"
    "NOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0"
    "tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCzRRRXwR9sf//Z")

STAFF = ["kanya", "wichai", "somchai", "malee", "wipa", "ratana", "nipa", "prasit", "sunee"]
OTHER_SCHOOL = ["preecha", "dao", "noi"]
# The area supervisor over Bangkok (not Chiang Mai): the area pages and her own account, nothing of a school's.
AREA = ["areasup"]
PERSONAS = [*STAFF, "somsri", "chai", *OTHER_SCHOOL, *AREA]
EVERYONE = frozenset(PERSONAS)
PUBLIC = frozenset([*PERSONAS, "anonymous"])
NOBODY: frozenset[str] = frozenset()
# Staff who record behaviour: every teacher, of either school, but not the admins.
RECORDERS = ("wichai", "somchai", "malee", "wipa", "ratana", "nipa", "prasit", "sunee", "dao")
CASE_TEAM = frozenset(["wichai", "somchai", "ratana"])  # of Bua's case
STAFF_TEACHERS = [name for name in RECORDERS if name != "dao"]  # Bangkok's teachers


def only(*names: str) -> frozenset[str]:
    return frozenset(names)


# Who may use each route with the ids above. Admins and executives of the other school may open their own school's
# pages (no id in the address), never Bangkok's rows.
ROUTES: dict[str, frozenset[str]] = {
    # The app shell and signing in
    "GET /": EVERYONE,
    # Staff find students among those they may see (home.routes.search)
    "GET /search": frozenset([*STAFF, "preecha", "dao"]),
    "GET /manifest.webmanifest": PUBLIC,
    "GET /sw.js": PUBLIC,
    "GET /offline": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /static/{file_path:path}": PUBLIC,
    "HEAD /static/{file_path:path}": PUBLIC,
    "GET /signin": PUBLIC,
    "POST /signin": PUBLIC,
    "GET /signin/code": PUBLIC,
    "POST /signin/code": PUBLIC,
    "POST /signout": PUBLIC,
    "POST /lang": PUBLIC,
    "GET /account/password": EVERYONE,
    "POST /account/password": EVERYONE,
    "POST /account/signout-everywhere": EVERYONE,
    # Executives review staff accounts given and reset, and confirm grants of roles that read sensitive data
    "GET /account-changes": only("wichai"),
    "POST /account-changes/{change_id:int}/{decision:str}": only("wichai"),
    # The admin's pages
    "GET /admin/users": only("kanya", "preecha"),
    "POST /admin/users": only("kanya", "preecha"),
    "POST /admin/users/{user_id:int}/reset": only("kanya"),
    "GET /admin/users/{user_id:int}": only("kanya"),
    "POST /admin/users/{user_id:int}/roles": only("kanya"),
    "POST /admin/users/{user_id:int}/roles/remove": only("kanya"),
    "POST /admin/users/{user_id:int}/deactivate": only("kanya"),
    "POST /admin/users/{user_id:int}/reactivate": only("kanya"),
    "POST /admin/grade-heads": only("kanya", "preecha"),
    "POST /admin/grade-heads/remove": only("kanya", "preecha"),
    "GET /admin/homerooms": only("kanya", "preecha"),
    "POST /admin/homerooms": only("kanya", "preecha"),
    "POST /admin/homerooms/remove": only("kanya", "preecha"),
    "GET /admin/parents": only("kanya", "preecha"),
    "POST /admin/parents/{guardian_id:int}/code": only("kanya"),
    # Teaching assignments, parents' codes in bulk, guardians and their links (accounts.admin_routes)
    "GET /admin/teaching": only("kanya", "preecha"),
    "POST /admin/teaching": only("kanya", "preecha"),
    "POST /admin/teaching/remove": only("kanya", "preecha"),
    "POST /admin/teaching/import": only("kanya", "preecha"),
    "POST /admin/teaching/import/apply": only("kanya", "preecha"),
    "GET /admin/parents/invite": only("kanya", "preecha"),
    "POST /admin/parents/invite": only("kanya", "preecha"),
    "GET /admin/guardians/{guardian_id:int}": only("kanya"),
    "POST /admin/guardians/{guardian_id:int}": only("kanya"),
    "POST /admin/guardians/{guardian_id:int}/phone": only("kanya"),
    "POST /admin/guardians/{guardian_id:int}/links": only("kanya"),
    "POST /admin/guardians/{guardian_id:int}/links/{link_id:int}": only("kanya"),
    "POST /admin/guardians/{guardian_id:int}/links/{link_id:int}/remove": only("kanya"),
    "GET /roster/import": only("kanya", "preecha"),
    "POST /roster/import": only("kanya", "preecha"),
    "POST /roster/import/{upload_id:int}/columns": only("kanya"),
    "POST /roster/import/{upload_id:int}/apply": only("kanya"),
    "GET /records/sharing": only("kanya", "preecha"),
    "POST /records/sharing": only("kanya", "preecha"),
    "GET /notify/outbox": only("kanya", "preecha"),
    "POST /notify/outbox/{message_id:int}/retry": only("kanya"),
    "GET /notify/templates": only("kanya", "preecha"),
    "POST /notify/templates": only("kanya", "preecha"),
    "GET /school/calendar": only("kanya", "preecha"),
    "POST /school/calendar": only("kanya", "preecha"),
    "POST /school/calendar/remove": only("kanya", "preecha"),  # a form naming no day: refused with words
    "POST /school/leave-cutoff": only("kanya", "preecha"),  # an empty time: refused with words
    "POST /school/contact": only("kanya", "preecha"),
    # Homerooms and attendance
    "GET /students/homeroom": only("somchai", "malee", "dao"),
    # The admin's changes one student at a time, leavers, arrivals and the year-end roll-over (students.enrolment,
    # students.rollover); forms sent empty come back to be fixed
    "GET /students/classrooms": only("kanya", "preecha"),
    "GET /students/classrooms/{classroom_id:int}": only("kanya"),
    "GET /students/{student_id:int}/edit": only("kanya"),
    "POST /students/{student_id:int}/edit": only("kanya"),
    "POST /students/{student_id:int}/leave": only("kanya"),
    "POST /students/{student_id:int}/readmit": only("kanya"),
    "GET /students/leavers": only("kanya", "preecha"),
    "GET /students/new": only("kanya", "preecha"),
    "POST /students/new": only("kanya", "preecha"),
    "GET /students/year-end": only("kanya", "preecha"),
    "POST /students/year-end": only("kanya", "preecha"),
    "POST /students/year-end/apply": only("kanya", "preecha"),
    "GET /attendance": only("kanya", "wichai", "somchai", "malee", "wipa", "somsri", "chai", "preecha", "dao",
                            "noi"),
    "GET /attendance/mine": only("chai"),  # a student's own attendance
    # The morning register (Wipa opens and saves her period's register: tests/test_access.py).
    "GET /attendance/classrooms/{classroom_id:int}": only("kanya", "wichai", "somchai", "sunee"),
    "POST /attendance/classrooms/{classroom_id:int}": only("somchai"),
    "GET /attendance/children": only("somsri", "noi"),
    "POST /attendance/alerts/{alert_id:int}/ack": only("somsri"),
    "GET /attendance/school": only("kanya", "wichai", "preecha"),
    # Messages to guardians
    "POST /notify/twilio/status": NOBODY,  # Twilio's signature only
    "POST /notify/push/subscribe": only("somsri", "noi"),
    "POST /notify/push/unsubscribe": EVERYONE,
    "POST /notify/guardians/{guardian_id:int}/sms": only("kanya", "somchai"),
    # Channel choices (issue 13): a parent's own page; Bua's father (no account) is set by her homeroom teacher after a
    # phone call; the class's channel health is its homeroom teacher's. A push opened is its own parent's (the message
    # here is an SMS, so nobody's). The SMS budget and held SMS are the admin's.
    "GET /notify/choices": only("somsri", "noi"),
    "GET /notify/guardians/{guardian_id:int}/choices": only("somchai"),
    "POST /notify/guardians/{guardian_id:int}/choices": only("somchai"),
    "GET /notify/classrooms/{classroom_id:int}/channels": only("somchai"),
    "GET /notify/opened/{message_id:int}": NOBODY,
    "POST /notify/budget": only("kanya", "preecha"),
    "POST /notify/outbox/held/send-anyway": only("kanya", "preecha"),  # each school's own held SMS (none here)
    "POST /notify/outbox/held/drop": only("kanya", "preecha"),  # nothing held here: nothing to drop
    "POST /notify/outbox/{message_id:int}/send-anyway": only("kanya"),
    "POST /notify/outbox/{message_id:int}/drop": only("kanya"),
    # LINE (notify.line_*): Bangkok has not turned LINE on, so a code asked for is refused with words; its ม.1
    # has a staff group on LINE. The webhook is public but answers only calls signed with the school's secret.
    "POST /notify/line/webhook/{school_id:int}": NOBODY,  # LINE's signature only
    "GET /notify/line": only("somsri", "noi"),
    "POST /notify/line/code": only("somsri", "noi"),
    "POST /notify/line/unlink": only("somsri", "noi"),
    "GET /notify/line/settings": only("kanya", "preecha"),
    "POST /notify/line/settings": only("kanya", "preecha"),
    "POST /notify/line/grades/{grade_id:int}/code": only("kanya"),
    "POST /notify/line/groups/{line_group_id:int}/remove": only("kanya"),
    # The cumulative record
    "GET /records/{student_id:int}": only("kanya", "wichai", "somchai", "wipa", "ratana", "nipa", "prasit", "sunee"),
    "POST /records/{student_id:int}/sections/{section:str}": only("somchai", "ratana"),  # the family section
    "POST /records/{student_id:int}/parent": NOBODY,  # Bua's parents have no account
    "GET /records/{student_id:int}/sections/{section:str}/history": only("wichai", "somchai", "ratana", "sunee"),
    "GET /records/{student_id:int}/reads": only("wichai", "somchai", "ratana", "sunee"),
    # The care summary (screening, help, referral): those who read Bua's screening or are of her case team; the head
    # of her grade sees it without the care parts. A class's (ม.1/1's): its homeroom teacher and those above.
    "GET /records/{student_id:int}/summary": only("wichai", "somchai", "ratana", "sunee"),
    "GET /records/classrooms/{classroom_id:int}/summaries": only("wichai", "somchai", "ratana", "sunee"),
    # Home visits
    "GET /visits": only("wichai", "somchai", "malee", "ratana", "kanya", "dao", "preecha"),
    "GET /visits/classrooms/{classroom_id:int}": only("wichai", "somchai", "ratana"),
    "GET /visits/form": only("somchai", "malee", "dao"),
    "POST /visits/sync": only("somchai", "malee", "dao"),
    "PUT /visits/{visit_id:str}/photos/{photo_id:str}": only("somchai"),
    "GET /visits/photos/{photo_id:int}": only("wichai", "somchai", "ratana"),
    # Screening
    "GET /screening": only("kanya", "wichai", "somchai", "malee", "ratana", "somsri", "chai", "preecha", "dao",
                           "noi", "sunee"),
    "GET /screening/forms/{student_id:int}/{instrument:str}/{informant:str}": only("somchai"),
    "POST /screening/forms/{form_id:int}/steps/{step:int}": only("somchai"),
    "GET /screening/students/{student_id:int}/enter/{instrument:str}/{informant:str}": only("somchai", "ratana"),
    "POST /screening/students/{student_id:int}/enter/{instrument:str}/{informant:str}": only("somchai", "ratana"),
    "GET /screening/students/{student_id:int}": only("wichai", "somchai", "ratana", "sunee"),
    "POST /screening/students/{student_id:int}/checklist": only("somchai"),
    "POST /screening/students/{student_id:int}/group": only("somchai"),
    "GET /screening/classrooms/{classroom_id:int}": only("wichai", "somchai", "ratana", "sunee"),
    "GET /screening/classrooms/{classroom_id:int}/sign-ins": only("somchai"),
    "POST /screening/classrooms/{classroom_id:int}/sign-ins": only("somchai"),
    "POST /screening/students/{student_id:int}/hand-over": only("somchai"),
    "POST /screening/hand-back": NOBODY,  # only a student on a handed-over device
    "GET /screening/criteria": only("kanya", "ratana", "preecha"),
    "POST /screening/criteria": only("kanya", "ratana", "preecha"),
    "POST /screening/criteria/cutoffs": only("kanya", "ratana", "preecha"),
    "POST /screening/criteria/eq-ranges": only("kanya", "ratana", "preecha"),
    "POST /screening/criteria/rescore": only("kanya", "ratana", "preecha"),
    "POST /screening/criteria/wording/{instrument:str}": only("kanya", "ratana", "preecha"),
    "GET /screening/school": only("wichai", "ratana"),
    # Behaviour: any teacher records for any student of the school; the incident is Bua's, recorded by Prasit
    "GET /behaviour": only("wichai", "somchai", "malee", "wipa", "ratana", "nipa", "prasit", "sunee", "somsri",
                           "chai", "dao", "noi"),
    "GET /behaviour/new": only(*RECORDERS),
    "GET /behaviour/pick": only(*RECORDERS),
    "POST /behaviour/incidents": only(*RECORDERS),  # a form naming nobody: refused with words
    "GET /behaviour/incidents/{incident_id:int}": only("wichai", "somchai", "ratana", "prasit", "sunee"),
    "POST /behaviour/incidents/{incident_id:int}/void": only("prasit"),  # without a reason: asked for one
    "GET /behaviour/students/{student_id:int}": only("wichai", "somchai", "ratana", "prasit", "sunee"),
    # Care: Bua's case team is Somchai (her homeroom), Ratana (counsellor) and Wichai (executive); forms sent empty
    # come back to be fixed, and reopening a case that is open is refused with words
    "GET /care": only(*RECORDERS),
    "GET /care/students/{student_id:int}/new": CASE_TEAM,
    "POST /care/students/{student_id:int}/new": CASE_TEAM,
    "POST /care/students/{student_id:int}/decline": CASE_TEAM,
    "GET /care/cases/{case_id:int}": CASE_TEAM,
    "POST /care/cases/{case_id:int}/activities": CASE_TEAM,
    "POST /care/cases/{case_id:int}/follow-ups": CASE_TEAM,
    "POST /care/cases/{case_id:int}/notes": CASE_TEAM,
    "POST /care/cases/{case_id:int}/close": CASE_TEAM,
    "POST /care/cases/{case_id:int}/reopen": CASE_TEAM,
    "POST /care/cases/{case_id:int}/referrals": CASE_TEAM,
    "POST /care/cases/{case_id:int}/contact": CASE_TEAM,  # nothing written: asked whom they reached
    "POST /care/cases/{case_id:int}/unlock": CASE_TEAM,  # no password: refused with words (and audited)
    # Support with money: Bua's homeroom teacher, counsellors and executives; an award is decided by the latter
    "GET /care/support": only(*RECORDERS),
    "POST /care/support/{student_id:int}/nominate": CASE_TEAM,  # the first puts her forward; the rest are told so
    "POST /care/support/awards/{award_id:int}": only("wichai", "ratana"),  # no status chosen: asked for one
    # The same-day path: any teacher of the school raises an urgent concern (sent empty: asked what worries them)
    "GET /care/students/{student_id:int}/urgent": only(*STAFF_TEACHERS),
    "POST /care/students/{student_id:int}/urgent": only(*STAFF_TEACHERS),
    # Referrals: Bua's case referred by Somchai to the counsellor (Ratana receives it)
    "GET /care/referrals": only(*RECORDERS),
    "GET /care/referrals/{referral_id:int}": CASE_TEAM,
    "GET /care/referrals/{referral_id:int}/letter": NOBODY,  # inside the school: no letter (tests/care)
    "POST /care/referrals/{referral_id:int}/accept": only("ratana"),
    "POST /care/referrals/{referral_id:int}/report": only("ratana"),  # nothing written: asked for the report
    "POST /care/referrals/{referral_id:int}/close": CASE_TEAM,  # the first closes it; the others are told so
    # Development plans: Bua is confirmed special and has this year's plan. Her homeroom teacher and the counsellor
    # write it (a second plan is refused with words, forms sent empty come back to be fixed, the first closes it);
    # the executive, her mathematics teacher and the head of ม.1 read it; her parents would too (no account)
    "GET /care/talent": only(*RECORDERS),
    "GET /care/talent/students/{student_id:int}/new": only("somchai", "ratana"),
    "POST /care/talent/students/{student_id:int}/new": only("somchai", "ratana"),
    "GET /care/talent/{plan_id:int}": only("wichai", "somchai", "wipa", "ratana", "sunee"),
    "POST /care/talent/{plan_id:int}/revise": only("somchai", "ratana"),
    "POST /care/talent/{plan_id:int}/activities": only("somchai", "ratana"),
    "POST /care/talent/{plan_id:int}/achievements": only("somchai", "ratana"),
    "POST /care/talent/{plan_id:int}/close": only("somchai", "ratana"),
    "GET /care/agencies": only(*RECORDERS),
    "POST /care/agencies": only("ratana", "prasit"),  # no name: asked for one
    "POST /care/agencies/{agency_id:int}/retire": only("ratana", "prasit"),
    # The school's care in numbers (care.reports): executives and counsellors of Bangkok
    "GET /care/school": only("wichai", "ratana"),
    # The PHQ-A: the student answers about themself (sent empty: asked to answer every question); the answers are
    # the school's counsellors' and executives' only, not the homeroom teacher's or the grade head's.
    "GET /care/phqa": only("chai"),
    "POST /care/phqa": only("chai"),
    "GET /care/phqa/results": only("wichai", "ratana"),
    "GET /care/students/{student_id:int}/phqa": only("wichai", "ratana"),
    # The students behind its numbers: the school's to them; a class's also to its homeroom teacher (of the case
    # team), not to the head of its grade (counts only) nor to another class's teacher
    "GET /care/school/students": only("wichai", "ratana"),
    "GET /care/school/classrooms/{classroom_id:int}/students": only("wichai", "ratana", "somchai"),
    # Notices to families: the line is Bua's written probation (her father has no account), recorded by Prasit
    "POST /behaviour/lines/{line_id:int}/acknowledge": NOBODY,  # Somsri is not Bua's guardian
    "GET /behaviour/lines/{line_id:int}/probation": only("somchai", "prasit"),
    "POST /behaviour/lines/{line_id:int}/paper": only("somchai", "prasit"),
    "POST /behaviour/lines/{line_id:int}/service": only("somchai", "prasit"),  # no hours given: told so
    "PUT /behaviour/uploads/{incident_key:str}/{photo_key:str}": only("prasit"),  # the phone that recorded it
    "GET /behaviour/photos/{incident_photo_id:int}": only("wichai", "somchai", "ratana", "prasit", "sunee"),
    # Behaviour read out for the school: the flagpole's good deeds and the year against last (behaviour.reports)
    "GET /behaviour/good-deeds": only("wichai", "prasit"),
    "GET /behaviour/school": only("wichai", "prasit"),
    # Behaviour settings and rules that alert: the discipline officer; a rule's alert is marked seen by the
    # student's homeroom teacher (the firing is Bua's)
    "GET /behaviour/settings": only("prasit"),
    "POST /behaviour/settings": only("prasit"),  # an empty form: refused with words
    "POST /behaviour/settings/rules": only("prasit"),
    "POST /behaviour/settings/rules/{rule_id:int}/off": only("prasit"),
    "POST /behaviour/settings/categories": only("prasit"),
    "POST /behaviour/settings/categories/{category_id:int}": only("prasit"),
    "POST /behaviour/settings/categories/{category_id:int}/retire": only("prasit"),
    "POST /behaviour/firings/{firing_id:int}/seen": only("somchai"),
    # Promotion: ม.1/1's activities and its parents' meeting (today, not yet held), kept by Somchai and read by the
    # head of ม.1 and the executive; Somsri is invited for Anan. Forms sent empty come back to be fixed (an empty
    # meeting record is a meeting nobody came to).
    "GET /promotion": only("wichai", "somchai", "malee", "sunee", "dao"),
    "GET /promotion/classrooms/{classroom_id:int}": only("wichai", "somchai", "sunee"),
    "POST /promotion/classrooms/{classroom_id:int}/activities": only("somchai"),
    "POST /promotion/classrooms/{classroom_id:int}/meetings": only("somchai"),
    "GET /promotion/meetings/{meeting_id:int}": only("wichai", "somchai", "sunee"),
    "POST /promotion/meetings/{meeting_id:int}/record": only("somchai"),
    "GET /promotion/invitations": only("somsri", "noi"),
    "POST /promotion/meetings/{meeting_id:int}/reply": only("somsri"),
    # The white classroom: ม.1/1's committee (Bua is its class head) is recorded by its homeroom teacher and read by
    # the head of its grade, the executive and the counsellor; the school page (counts, no names) by the last three.
    "GET /promotion/white-classroom": only("wichai", "ratana", "sunee"),
    "GET /promotion/classrooms/{classroom_id:int}/white": only("wichai", "somchai", "ratana", "sunee"),
    "POST /promotion/classrooms/{classroom_id:int}/white/committee": only("somchai"),
    "POST /promotion/classrooms/{classroom_id:int}/white/reports": only("somchai"),
    # Guideline documents: Bangkok's PDF is read by Bangkok's staff, and kept up by its admin, executive and
    # counsellor; the other school's staff have their own (empty) list.
    "GET /promotion/guidelines": frozenset([*STAFF, "preecha", "dao"]),
    "POST /promotion/guidelines": only("kanya", "wichai", "ratana", "preecha"),
    "GET /promotion/guidelines/{document_id:int}": frozenset(STAFF),
    "POST /promotion/guidelines/{document_id:int}": only("kanya", "wichai", "ratana"),
    "GET /promotion/guidelines/{document_id:int}/file": frozenset(STAFF),
    "POST /promotion/guidelines/{document_id:int}/retire": only("kanya", "wichai", "ratana"),
    # The parent network: ม.1/1's committee (Prasert, Bua's father, its chair; Somsri a member) is kept by Somchai and
    # read by the head of ม.1 and the school's admin and executive, who keep the school's committee (empty forms come
    # back to be fixed). Somsri, on the committee, answers its meeting's invitation and reads her committee's page;
    # every parent has that page (Noi's says she sits on none).
    "GET /promotion/network": only("kanya", "wichai", "preecha"),
    "POST /promotion/network/members": only("kanya", "wichai", "preecha"),
    "POST /promotion/network/meetings": only("kanya", "wichai", "preecha"),
    "GET /promotion/classrooms/{classroom_id:int}/network": only("kanya", "wichai", "somchai", "sunee"),
    "POST /promotion/classrooms/{classroom_id:int}/network/members": only("somchai"),
    "POST /promotion/classrooms/{classroom_id:int}/network/meetings": only("somchai"),
    "POST /promotion/network/members/{member_id:int}/end": only("somchai"),
    "GET /promotion/network/meetings/{committee_meeting_id:int}": only("kanya", "wichai", "somchai", "sunee"),
    "POST /promotion/network/meetings/{committee_meeting_id:int}/invite": only("somchai"),
    "POST /promotion/network/meetings/{committee_meeting_id:int}/record": only("somchai"),
    "GET /promotion/network/mine": only("somsri", "noi"),
    "POST /promotion/network/meetings/{committee_meeting_id:int}/reply": only("somsri"),
    # Leave requests: a parent asks for their own children (Noi, of her own school, is sent back to choose a child);
    # the one opened is Bua's, entered by Somchai after her father's phone call, with a photo of the doctor's note:
    # her homeroom teacher and the head of her grade read it, only the homeroom teacher answers it (already answered,
    # it is refused with words) or enters one after a phone call.
    "GET /leave": only("somchai", "malee", "sunee", "somsri", "dao", "noi"),
    "POST /leave": only("somsri", "noi"),
    "POST /leave/phone": only("somchai", "malee", "dao"),
    "GET /leave/{leave_id:int}": only("somchai", "sunee"),
    "GET /leave/{leave_id:int}/photo": only("somchai", "sunee"),
    "POST /leave/{leave_id:int}/accept": only("somchai"),
    "POST /leave/{leave_id:int}/question": only("somchai"),
    # The weekly digest (ม.1/1's, Somchai's): the teacher, the grade's head, executives. The list: whoever keeps a
    # homeroom or oversees some (each sees their own).
    "GET /behaviour/digests": only("wichai", "somchai", "malee", "sunee", "dao"),
    "GET /behaviour/digests/{digest_id:int}": only("wichai", "somchai", "sunee"),
    # Messages with the homeroom teacher: the thread is between Bua's father Prasert (no account: Somchai wrote to
    # the family) and ม.1/1's homeroom teacher. The executive is asked why before reading (sent empty: asked again);
    # Bua's page is her own guardians' (none with an account). Forms sent empty come back to be fixed.
    "GET /conversations": only("wichai", "somchai", "malee", "somsri", "dao", "noi"),
    "GET /conversations/children/{student_id:int}": NOBODY,
    "POST /conversations/children/{student_id:int}": NOBODY,
    "GET /conversations/{thread_id:int}": only("wichai", "somchai"),
    "POST /conversations/{thread_id:int}": only("somchai"),
    "POST /conversations/{thread_id:int}/audit": only("wichai"),
    "GET /conversations/classrooms/{classroom_id:int}/send": only("somchai"),
    "POST /conversations/classrooms/{classroom_id:int}/send": only("somchai"),
    "GET /conversations/hours": only("kanya", "preecha"),
    "POST /conversations/hours": only("kanya", "preecha"),
    # The parents' survey of the term (opened by Wichai): opened by an admin or an executive (Kanya's second opening
    # is refused in words, a conflict, not a locked door); a class's page is the executive's and the class's homeroom
    # teacher's (who is told there are too few answers to show). A parent answers in the app; anyone with a code on
    # the public page (no sign-in: the code is the key; sent empty, it asks for one).
    "GET /surveys": only("kanya", "wichai", "somchai", "malee", "preecha", "dao"),
    "POST /surveys": only("kanya", "wichai", "preecha"),
    "GET /surveys/{survey_id:int}": only("kanya", "wichai", "somchai", "malee"),
    "POST /surveys/{survey_id:int}/close": only("kanya", "wichai"),
    "GET /surveys/{survey_id:int}/classrooms/{classroom_id:int}": only("wichai", "somchai"),
    "GET /surveys/mine": only("somsri", "noi"),
    "POST /surveys/mine": only("somsri"),
    "GET /survey": PUBLIC,
    "POST /survey": PUBLIC,
    "POST /survey/answer": PUBLIC,
    # The weekly family summary: a parent's own, in the app. The id is Bua's father's week: Prasert has no account, so
    # nobody may open it (not Somsri, a parent of the same class; not Bua's teachers).
    "GET /summary": only("somsri", "noi"),
    "GET /summary/{summary_id:int}": NOBODY,
    # Supervision and PDCA (issue 14): the care system's figures for the executives and counsellors (the whole school)
    # and the grade's head (their grades); the targets are the executives'; the reflection the care committee's.
    "GET /supervision": only("wichai", "ratana", "sunee"),
    "GET /supervision/figures/{figure:str}": only("wichai", "ratana", "sunee"),
    "GET /supervision/teachers": only("wichai", "ratana", "sunee"),
    "GET /supervision/targets": only("wichai"),
    "POST /supervision/targets": only("wichai"),  # an empty form: sent back to fill in
    # The area view: Bangkok's figures for its area supervisor (Bangkok's id is the school_id here)
    "GET /area": only("areasup"),
    "GET /area/schools/{school_id:int}": only("areasup"),
    "GET /area/schools/{school_id:int}/report": only("areasup"),  # the school's pack: counts, no student's name
    "GET /supervision/reflection": only("wichai", "ratana"),
    "POST /supervision/reflection": only("wichai", "ratana"),  # an empty form: sent back to fill in
    # The term's report pack is the school's: the care committee's; a grade head is refused it (access.py).
    "GET /supervision/report": only("wichai", "ratana"),
}
# Litestar answers OPTIONS on every path by itself (it shows only which methods exist); HEAD of a page is its GET.
IGNORED_METHODS = {"OPTIONS"}


def app_routes(app) -> list[tuple[str, str, object]]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(getattr(handler, "http_methods", ())):
                if method not in IGNORED_METHODS:
                    found.append((method, route.path, handler))
    return found


def test_every_route_has_an_entry(app):
    routes = {f"{method} {path}" for method, path, _ in app_routes(app)}
    assert sorted(routes - set(ROUTES)) == [], "a new route needs its line in ROUTES: who may use it?"
    assert sorted(set(ROUTES) - routes) == [], "ROUTES names a route the app no longer has"


async def _world(people, app) -> dict[str, str]:
    """The ids each route is opened with, all belonging to Bangkok's people (see the module's docstring)."""
    bua, anan = people.students["10002"], people.students["10001"]
    somchai = await people.somchai.viewer()
    kanya = await people.kanya.viewer()
    today = clock.today()
    alert = await Alert.insert(Alert(school=people.bangkok, student=anan, event_key=f"absent:{anan}:{today}:0",
                                     kind="absent", day=today, created_at=clock.now())).returning(Alert.id)
    message = await Message.insert(Message(
        school=people.bangkok, alert=alert[0]["id"], guardian=people.guardians["+66811111111"], channel="sms",
        dedupe_key="privacy-test", recipient="+66811111111", body="ทดสอบ", segments=1, status="failed",
        not_before=clock.now(), created_at=clock.now(), updated_at=clock.now())).returning(Message.id)
    upload = await students.preview_roster(kanya, "roster.csv", BANGKOK_ROSTER.encode())
    form = await filling.open_form(somchai, bua, "sdq", "teacher")
    await accounts.create_staff(kanya, "newcounsellor", "ครูใหม่", "counsellor")  # waits for an executive
    # Someone whose password may be reset without signing out a persona of this test.
    teacher = await accounts.create_user(people.bangkok, "reset-me", "ครูทดลอง", Role.subject_teacher, "x" * 12)
    change = await AccountChange.select(AccountChange.id).where(AccountChange.school == people.bangkok).first()
    link = await StudentGuardian.select(StudentGuardian.id).where(
        (StudentGuardian.student == bua) & (StudentGuardian.guardian == people.guardians["+66822222222"])).first()
    visit_id = str(uuid.uuid4())
    await visits.save_visit(somchai, {"client_id": visit_id, "student": bua, "status": "done",
                                      "visited_on": today.isoformat()})
    photo = await visits.save_photo(somchai, app.state.photos, visit_id, str(uuid.uuid4()), "outside", JPEG)
    fighting = next(c for c in await behaviour.categories(people.bangkok) if c["code"] == "fighting")
    case_id = await care.open_case(somchai, bua, {"concern": "ขาดเรียนบ่อย"})
    award = await support.nominate(somchai, bua, {"programme": "other", "name": "ทุนมูลนิธิ"})
    await screening.confirm_group(somchai, bua, "special", "ครูเห็นเอง")
    plan_id = await talent.create_plan(somchai, bua, {"talent": "music", "goals": "ฝึกซ้อมระนาด"})
    referral_id = await referrals.refer(somchai, case_id, {"to_role": "counsellor", "reason": "ซึมเศร้า"})
    agency = (await referrals.agencies(people.bangkok))[0]
    incident = await behaviour.record(await people.prasit.viewer(), {
        "client_id": uuid.uuid4().hex, "students": [bua], "category": fighting["id"], "sanction": "deduct"})
    probation_key = uuid.uuid4().hex
    probation = await behaviour.record(await people.prasit.viewer(), {
        "client_id": probation_key, "students": [bua], "category": fighting["id"], "sanction": "probation"})
    line = await IncidentStudent.select(IncidentStudent.id).where(
        IncidentStudent.incident == probation.incident_id).first()
    incident_photo = await behaviour_offline.save_photo(await people.prasit.viewer(), app.state.photos,
                                                        probation_key, uuid.uuid4().hex, JPEG)
    # Behaviour rules: a rule of the school and a firing for Bua that the care team has already taken up (so
    # that it opens her to nobody new).
    rule = await behaviour_rules.add_rule(await people.prasit.viewer(), {"kind": "lates_in_days", "count": "3",
                                                                         "days": "7"})
    firing = await RuleFiring.insert(RuleFiring(
        school=people.bangkok, rule=rule, student=bua, occurrence_key=f"privacy:{uuid.uuid4().hex}", day=today,
        fired_at=clock.now(), cleared_at=clock.now())).returning(RuleFiring.id)
    await conversations.message_class(somchai, app.state.settings, app.state.queue, people.classrooms["BKK ม.1/1"], {
        "body": "พรุ่งนี้บัวต้องนำชุดพละมา", "student": str(bua), "confirm": "1", "token": uuid.uuid4().hex})
    thread = await Thread.select(Thread.id).where(Thread.student == bua).first()
    meeting_id = await promotion.schedule_meeting(somchai, app.state.settings, app.state.queue,
                                                  people.classrooms["BKK ม.1/1"], {
                                                      "held_on": today.isoformat(), "starts_at": "23:59",
                                                      "place": "ห้อง 121"})
    await white.save_committee(somchai, people.classrooms["BKK ม.1/1"], {"class_head": str(bua)})
    await white.file_report(somchai, people.classrooms["BKK ม.1/1"], {"month": today.strftime("%Y-%m"),
                                                                      "done": "รณรงค์ห้องเรียนสีขาว"})
    document_id = await guidelines.save_document(await people.ratana.viewer(), app.state.photos,
                                                 {"title": "คู่มือระบบดูแลช่วยเหลือ"}, ("guide.pdf", b"%PDF-1.4\n"))
    grade = await Grade.select(Grade.id).where((Grade.school == people.bangkok) & (Grade.code == "ม.1")).first()
    line_group = await LineGroup.insert(LineGroup(school=people.bangkok, group_id="C" + "1" * 32, grade=grade["id"],
                                                  joined_at=clock.now())).returning(LineGroup.id)
    survey_id = await survey.open_survey(await people.wichai.viewer(), app.state.settings, app.state.queue, {
        "questions": "\n".join(survey.DEFAULT_QUESTIONS), "free_question": survey.DEFAULT_FREE_QUESTION})
    return {
        "survey_id": str(survey_id),
        "school_id": str(people.bangkok), "grade_id": str(grade["id"]), "line_group_id": str(line_group[0]["id"]),
        "document_id": str(document_id),
        "rule_id": str(rule), "category_id": str(fighting["id"]), "firing_id": str(firing[0]["id"]),
        "student_id": str(bua), "classroom_id": str(people.classrooms["BKK ม.1/1"]),
        "guardian_id": str(people.guardians["+66822222222"]), "user_id": str(teacher),
        "alert_id": str(alert[0]["id"]), "message_id": str(message[0]["id"]), "upload_id": str(upload.upload_id),
        "form_id": str(form["form"]["id"]), "step": "1", "section": "family", "instrument": "sdq",
        "informant": "teacher",
        "visit_id": visit_id, "photo_id:str": str(uuid.uuid4()), "photo_id:int": str(photo["id"]),
        "file_path": "app.css", "change_id": str(change["id"]), "decision": "confirm", "link_id": str(link["id"]),
        "incident_id": str(incident.incident_id), "case_id": str(case_id),
        "referral_id": str(referral_id), "agency_id": str(agency["id"]), "award_id": str(award),
        "line_id": str(line["id"]), "incident_key": probation_key, "photo_key": uuid.uuid4().hex,
        "incident_photo_id": str(incident_photo["id"]),
        "meeting_id": str(meeting_id), "plan_id": str(plan_id), "thread_id": str(thread["id"]),
        "figure": "confirmed",
        **await _digest_world(people, app),
        **await _leave_world(people, app),
        **await _network_world(people, app),
        **await _summary_world(people, app),
    }


async def _summary_world(people, app) -> dict[str, str]:
    """This week's family summaries of Bangkok: the id of Prasert's (Bua's father)."""
    await summary.compile_school(app.state.settings, people.bangkok, Week.of(clock.today()))
    found = await FamilySummary.select(FamilySummary.id).where(
        FamilySummary.guardian == people.guardians["+66822222222"]).first()
    return {"summary_id": str(found["id"])}


async def _network_world(people, app) -> dict[str, str]:
    """ม.1/1's parent committee (Prasert chair, Somsri a member) and its meeting today, not yet held."""
    somchai = await people.somchai.viewer()
    room = people.classrooms["BKK ม.1/1"]
    for phone, role in (("+66822222222", "chair"), ("+66811111111", "member")):
        await network.save_member(somchai, room, {"guardian": str(people.guardians[phone]), "role": role})
    meeting_id = await network.schedule(somchai, app.state.settings, app.state.queue, room, {
        "held_on": clock.today().isoformat(), "starts_at": "23:59", "place": "ห้อง 121", "agenda": "ระดมทุน"})
    member = await NetworkMember.select(NetworkMember.id).where(
        NetworkMember.guardian == people.guardians["+66822222222"]).first()
    return {"member_id": str(member["id"]), "committee_meeting_id": str(meeting_id)}


async def _leave_world(people, app) -> dict[str, str]:
    """Bua's leave today, entered by Somchai after Prasert phoned, with a photo of the doctor's note."""
    somchai = await people.somchai.viewer()
    asked = await leave.enter_by_phone(somchai, {
        "who": f"{people.students['10002']}-{people.guardians['+66822222222']}", "kind": "sick",
        "first_day": clock.today().isoformat(), "reason": "ไข้หวัด"})
    key = f"leave/{people.bangkok}/privacy-{uuid.uuid4().hex}"
    await app.state.photos.put(key, JPEG)
    await LeaveRequest.update({LeaveRequest.photo_key: key}).where(LeaveRequest.id == asked.ids[0])
    return {"leave_id": str(asked.ids[0])}


async def _digest_world(people, app) -> dict[str, str]:
    """This week's digests of Bangkok's homerooms: the id of Somchai's (ม.1/1, Bua's class)."""
    await digest.compile_school(app.state.settings, people.bangkok, Week.of(clock.today()))
    found = await WeeklyDigest.select(WeeklyDigest.id).where(
        WeeklyDigest.classroom == people.classrooms["BKK ม.1/1"]).first()
    return {"digest_id": str(found["id"])}


def fill(path: str, world: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name, kind = match.group(1), match.group(2)
        return world.get(f"{name}:{kind}") or world[name]

    return re.sub(r"\{(\w+):(\w+)\}", value, path)


def outcome(response: httpx.Response) -> str:
    """What the person met: the route's work ("allowed", including a form sent back to fix), a refusal, or the
    sign-in page."""
    location = response.headers.get("location", "")
    if response.status_code == 401 or location.startswith("/signin?next="):
        return "sign-in"
    if response.status_code in (403, 404):
        return "refused"
    if response.status_code >= 500:
        return f"error {response.status_code}"
    return "allowed"


@pytest.fixture(scope="module")
async def built_world(persona_rows, app, settings, database):
    """The personas, the world of ids and a session per persona, built once for the module, with every row they
    made: each route's test puts these rows back (see `world`) instead of building them again, so that what one
    route's POST changed never reaches the next route."""
    built, rows = persona_rows
    await _empty_tables(database)
    await restore_rows(database, rows)
    people = copy.deepcopy(built)
    world = await _world(people, app)
    tokens = {persona: await sessions.start_session(settings, getattr(people, persona).user_id)
              for persona in PERSONAS}
    async with Browser(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as browser:
        await browser.get("/signin")  # a CSRF token, as a page would have set it: it is not tied to a session
        csrf = browser.csrf_token()
    return world, tokens, csrf, await snapshot_rows()


@pytest.fixture
async def world(built_world, database):
    """The module's world, its rows put back into the tables emptied for this test."""
    ids, tokens, csrf, rows = built_world
    await restore_rows(database, rows)
    return ids, tokens, csrf


async def _open(app, world, persona: str, method: str, url: str) -> httpx.Response:
    _, tokens, csrf = world
    async with Browser(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                       headers={"accept": "text/html"}, follow_redirects=False) as browser:
        if persona != "anonymous":
            browser.cookies.set(SESSION_COOKIE, tokens[persona])
        browser.cookies.set(CSRF_COOKIE, csrf)
        headers = {"x-csrftoken": csrf}
        if method == "PUT":
            return await browser.put(url, content=JPEG, headers={**headers, "content-type": "image/jpeg"})
        if method == "POST":
            return await browser.post(url, data={"_csrf_token": csrf}, headers=headers)
        return await browser.request(method, url)


@pytest.mark.parametrize("route", sorted(ROUTES))
async def test_each_route_serves_only_those_it_should(app, world, route):
    method, path = route.split(" ", 1)
    url = fill(path, world[0])
    allowed = ROUTES[route]
    met, leaks = {}, []
    for persona in [*PERSONAS, "anonymous"]:
        response = await _open(app, world, persona, method, url)
        met[persona] = outcome(response)
        if persona not in allowed and BUA in text_of(response.text):
            leaks.append(persona)
    expected = {persona: ("allowed" if persona in allowed else "sign-in" if persona == "anonymous" else "refused")
                for persona in met}
    if method == "POST" and path in ("/notify/twilio/status", "/notify/line/webhook/{school_id:int}"):
        expected["anonymous"] = "refused"  # unsigned: refused for anyone
    assert met == expected
    assert leaks == [], f"Bua's name shown to {leaks}"


@pytest.mark.parametrize("persona", PERSONAS)
async def test_the_menu_shows_exactly_the_pages_that_open(people, persona):
    """Each menu link is a page of ROUTES: shown to those the route table lets in, and to no one else."""
    shown = {item.path for item in access.menu(await getattr(people, persona).viewer())}
    opens = {item.path for item in access.MENU if persona in ROUTES[f"GET {item.path}"]}
    assert shown == opens
