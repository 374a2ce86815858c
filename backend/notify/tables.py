"""The outbox: each alert (an event guardians are told about) and each message that carries it, per guardian
and channel. A message row is written in the same transaction as its cause; jobs carry only its id."""

from enum import Enum

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.i18n import N_
from backend.schools.tables import Grade, School
from backend.students.tables import Guardian, Student


class Channel(str, Enum):
    sms = "sms"
    push = "push"
    line = "line"  # the school's LINE Official Account (notify.line): a linked guardian, or a staff group


class MessageStatus(str, Enum):
    queued = "queued"  # waiting for the worker (or for the morning, see not_before)
    sending = "sending"  # claimed by a worker, handed to the provider
    sent = "sent"  # accepted by Twilio or the push service
    delivered = "delivered"  # the phone has it (Twilio's status callback)
    undelivered = "undelivered"
    failed = "failed"  # will not be tried again; error_code and error_message say why
    cancelled = "cancelled"  # its cause was corrected before it left
    held = "held"  # an SMS past the school's monthly budget, waiting for the admin's decision (notify.budget)
    dropped = "dropped"  # the admin decided not to send a held SMS (BudgetDecision says who and why)


STATUS_LABELS = {
    MessageStatus.queued: N_("Queued"),
    MessageStatus.sending: N_("Sending"),
    MessageStatus.sent: N_("Sent"),
    MessageStatus.delivered: N_("Delivered"),
    MessageStatus.undelivered: N_("Undelivered"),
    MessageStatus.failed: N_("Failed"),
    MessageStatus.cancelled: N_("Cancelled"),
    MessageStatus.held: N_("Held for the admin"),
    MessageStatus.dropped: N_("Dropped by the admin"),
}
KIND_LABELS = {
    "absent": N_("Absent"),
    "late": N_("Late"),
    "cut": N_("Cut class"),
    "correction": N_("Correction"),
    "sign_in_code": N_("Sign-in code"),
    "sign_in_invite": N_("Invitation to the app"),
    "rule_lates": N_("Behaviour: late often"),
    "rule_absences": N_("Behaviour: absent days in a row"),
    "rule_points": N_("Behaviour: conduct points low"),
    "rule_serious": N_("Behaviour: serious incident"),
    "urgent_case": N_("Care: urgent concern"),
    "meeting": N_("Parents' class meeting"),
    "network_meeting": N_("Parent committee meeting"),
    "digest": N_("Weekly digest ready"),  # to a homeroom teacher
    "teacher_note": N_("Message from the homeroom teacher (in the app)"),
    "teacher_text": N_("Message from the homeroom teacher (by SMS)"),
    "survey_code": N_("Parents' survey code"),
    "family_summary": N_("Weekly family summary"),
    "staff_summary": N_("Morning register summary (LINE staff group)"),
}

# Why a guardian cannot be told (outbox.Reach.reason; None: the student has no guardian on record).
UNREACHABLE_REASONS = {
    "no_phone": N_("no phone number"),
    "opted_out": N_("SMS turned off"),
    "not_mobile": N_("not a mobile number"),
    None: N_("no guardian on record"),
}

# Codes Doolae gives itself (the delivery's own checks), whose text is ours in English: the admin reads only the Thai
# reason below. A provider's code (Twilio's numbers, LINE's refusals) keeps its own words beside it, for its support.
OWN_FAILURES = frozenset({"over_budget", "not_configured", "no_subscription", "line_off", "line_unlinked",
                          "line_group_gone"})
# Why a message did not go, in words an admin can act on (the provider's own code and text are shown beside it).
FAILURE_REASONS = {
    "not_configured": N_("Sending is not set up on this server."),
    "over_budget": N_("The school's SMS budget for this month is used up: the admin decides whether it goes."),
    "no_subscription": N_("The parent's app no longer allows notifications; an SMS is sent instead."),
    "line_unlinked": N_("The parent's LINE is no longer linked (or blocks the school's account); an SMS is sent "
                        "instead."),
    "line_group_gone": N_("The school's LINE account is no longer in this staff group."),
    "line_off": N_("LINE is turned off for the school, or its channel access token is missing."),
    "line_quota": N_("The school's LINE account has used its messages for this month."),
    "line_refused": N_("LINE refused the message; an SMS is sent instead where there is one."),
    "21211": N_("The phone number is not valid: correct it in the roster."),
    "21408": N_("SMS to this country is not enabled for the school's sender."),
    "21610": N_("This number asked not to receive SMS from the school."),
    "21614": N_("The number is not a mobile phone: it cannot receive SMS."),
    "30003": N_("The phone was off or out of reach."),
    "30004": N_("The number blocks messages."),
    "30005": N_("The number does not exist or is no longer in use."),
    "30006": N_("The number is a landline or cannot receive SMS."),
    "30007": N_("The phone company filtered the message."),
    "30008": N_("The phone company did not say why it failed."),
}


class Alert(Table):
    """Something guardians must hear about, e.g. Anan absent on 25 Nov. event_key makes it once-only."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade, null=True)
    event_key = Varchar(length=120, unique=True)  # "attendance:<student>:<day>:<period>"
    kind = Varchar(length=30)  # late, absent, cut, correction, sign_in_code
    day = Date(null=True, default=None)
    urgent = Boolean(default=False)  # sent even in quiet hours
    created_at = Timestamptz()
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)


class Message(Table):
    school = ForeignKey(School, on_delete=OnDelete.cascade)
    alert = ForeignKey(Alert, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.set_null, null=True)
    user = ForeignKey(User, on_delete=OnDelete.set_null, null=True)  # the parent account, for push
    channel = Varchar(length=10, choices=Channel)
    # One message per alert, guardian and channel, whatever retries or double submits happen.
    dedupe_key = Varchar(length=200, unique=True)
    recipient = Varchar(length=600)  # E.164 phone, or the push endpoint
    body = Text()
    segments = Integer(default=1)
    status = Varchar(length=20, choices=MessageStatus, default=MessageStatus.queued.value, index=True)
    not_before = Timestamptz(index=True)  # quiet hours and retry backoff
    attempts = Integer(default=0)
    provider_id = Varchar(length=100, null=True, default=None, index=True)  # Twilio's SM… sid
    error_code = Varchar(length=20, null=True, default=None)
    error_message = Varchar(length=500, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    # The guardian read it: opened the push, or tapped "seen" on its alert in the app (channel health, and what
    # stops the SMS fall-back of a push not opened).
    read_at = Timestamptz(null=True, default=None)
    # On a push: when the check for a push not opened in time made its SMS (or found none could be made), so that
    # it is made once. On that SMS: the push it stands in for.
    fell_back_at = Timestamptz(null=True, default=None)
    fallback_of = Integer(null=True, default=None)


class ChannelChoice(Table):
    """How a guardian wants one topic of messages (notify.choices): instant, in the weekly summary, or off; for
    safety-critical topics only by app or by SMS. No row: instant, by the app when it is installed."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)  # unique with topic (migration index)
    topic = Varchar(length=20)
    choice = Varchar(length=10)
    set_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    set_via = Varchar(length=10, default="app")  # app: by the guardian; phone: the teacher, after a phone call
    updated_at = Timestamptz()


class SummaryItem(Table):
    """An alert a guardian chose to hear of in the weekly family summary rather than at once; the summary marks
    it summarised."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    alert = ForeignKey(Alert, on_delete=OnDelete.cascade)  # unique with guardian (migration index)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade, null=True)
    kind = Varchar(length=30)
    day = Date(null=True, default=None)
    created_at = Timestamptz()
    summarised_at = Timestamptz(null=True, default=None)


class SmsBudget(Table):
    """A school's monthly SMS budget in baht (kept in satang), and what one SMS part costs it."""

    school = ForeignKey(School, on_delete=OnDelete.cascade, unique=True)
    monthly_satang = Integer()
    price_satang = Integer()  # per SMS part (segment): Twilio bills each part
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    updated_at = Timestamptz()


class BudgetDecision(Table):
    """The admin's decision on an SMS held past the budget: send it anyway, or drop it with a reason."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    message = ForeignKey(Message, on_delete=OnDelete.cascade, unique=True)
    decision = Varchar(length=10)  # send, drop
    reason = Varchar(length=300, default="")
    decided_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz()


class PushSubscription(Table):
    """A parent's phone that allowed notifications from the installed app."""

    user = ForeignKey(User, on_delete=OnDelete.cascade)
    endpoint = Varchar(length=600, unique=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=100)
    created_at = Timestamptz()


class SmsTemplate(Table):
    """A school's own wording for an SMS kind and language; without one, the text in
    frontend/templates/notify/sms/<locale>/<kind>.txt is used."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    kind = Varchar(length=30)
    locale = Varchar(length=5)
    body = Text()
    updated_at = Timestamptz()


# LINE (notify.line, notify.line_account, line_parents, line_groups, line_webhook) -----------------------------------


class LineSettings(Table):
    """A school's LINE Official Account: what the admin set. The channel secret and access token are kept encrypted
    with the deployment's secret key and never shown back in full."""

    school = ForeignKey(School, on_delete=OnDelete.cascade, unique=True)
    enabled = Boolean(default=False)
    basic_id = Varchar(length=40, default="")  # "@doolae-bkk": parents add this account
    channel_secret = Text(default="")  # encrypted
    access_token = Text(default="")  # encrypted
    summaries = Boolean(default=False)  # the morning register summary to each grade's staff group
    summary_time = Varchar(length=5, default="09:00")  # school time, HH:MM
    summary_names = Boolean(default=False)  # name the absent and late students in the summary
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    updated_at = Timestamptz()


class LineLink(Table):
    """A guardian's LINE account, linked by a one-time code the guardian sent to the school's account. blocked_at:
    they blocked (unfollowed) the account, so nothing can reach them there until they add it again."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade, unique=True)
    line_user = Varchar(length=64, index=True)  # LINE's userId (U…), as the school's channel sees it
    linked_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)  # the parent account that asked for the code
    linked_at = Timestamptz()
    blocked_at = Timestamptz(null=True, default=None)


class LineCode(Table):
    """A one-time code: a parent sends it to the school's LINE account to link their LINE (guardian set), or a staff
    member posts it in a LINE group to make it that grade's staff group (grade set). Only its digest is kept."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    digest = Varchar(length=64, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade)  # who asked for it
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade, null=True)
    grade = ForeignKey(Grade, on_delete=OnDelete.cascade, null=True)
    created_at = Timestamptz(index=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class LineGroup(Table):
    """A LINE group the school's account is in, and the grade whose staff it serves (none until a code from the admin
    is posted in it)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    group_id = Varchar(length=64)  # LINE's groupId (C…); unique with school (migration index)
    name = Varchar(length=100, default="")  # as LINE names it to its members, when LINE tells
    grade = ForeignKey(Grade, on_delete=OnDelete.set_null, null=True)
    joined_at = Timestamptz()
    left_at = Timestamptz(null=True, default=None)  # the account was removed from the group
    assigned_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)  # who asked for the code posted there
    assigned_at = Timestamptz(null=True, default=None)


class LineEvent(Table):
    """Each webhook event handled once: LINE sends an event again when it did not hear back in time."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    event_id = Varchar(length=64, unique=True)  # webhookEventId
    kind = Varchar(length=30)
    received_at = Timestamptz()
