"""Policies: a finance team's reminder schedule, and its validation."""

from __future__ import annotations

from datetime import time
from typing import Any

from msgspec import Struct, field

from .errors import InvalidInput
from .messages import CHANNELS
from .offers import policy_allows_plans

ESCALATE = "escalate"
ACTIONS = (ESCALATE,)
FREQUENCIES = ("weekly", "fortnightly", "monthly", "last_working_day")

# The courtesy guard's defaults; a policy may tighten them, never loosen them.
DEFAULT_EMAIL_PER_7D = 3
DEFAULT_SMS_PER_7D = 2
DEFAULT_PER_DAY = 1
MAX_STEPS = 20
# Steps whose whole point is to offer a plan: a policy that allows no plan may not schedule them. (Other
# reminders mention plans only when the account can take one; see the templates and domain.offers.)
PLAN_OFFER_TEMPLATES = frozenset({"plan_offer"})

# Plans, settlement offers and promises (plans.py, settlement.py, promises.py). A policy stored before a
# limit existed reads as its default.
DEFAULT_MAX_MONTHS = 12  # the last instalment falls at most this many months after the plan is made
MAX_PLAN_MONTHS = 36
DEFAULT_GRACE_DAYS = 3  # an instalment or promise unpaid this many days after its date is missed / broken
MAX_GRACE_DAYS = 14
DEFAULT_HEADS_UP_DAYS = 3  # an instalment's heads-up goes this many days before its date
MAX_HEADS_UP_DAYS = 14
DEFAULT_OFFER_AFTER_DAYS = 30  # days overdue before a settlement offer is made
DEFAULT_EARLY_HEADS_UP_DAYS = 5  # a late payer's heads-up goes this many days before the due date
MAX_EARLY_HEADS_UP_DAYS = 14
DEFAULT_WHEN_LATE_PAYMENTS = 2  # of the last 3 paid invoices, this many paid late make a late payer
DEFAULT_PROMISE_DAYS = 30  # how far ahead a promise to pay may fall
MAX_PROMISE_DAYS = 90


class Step(Struct, frozen=True):
    offset_days: int
    channel: str | None = None
    template: str | None = None
    action: str | None = None

    @property
    def key(self) -> str:
        """Stable name of the step inside a policy, part of the message id."""
        return f"{self.offset_days:+d}:{self.action or self.channel}:{self.template or ''}"

    def to_dict(self) -> dict[str, Any]:
        if self.action:
            return {"offset_days": self.offset_days, "action": self.action}
        return {"offset_days": self.offset_days, "channel": self.channel, "template": self.template}


class SendWindow(Struct, frozen=True):
    start: time = time(9, 0)
    end: time = time(19, 0)
    weekdays: frozenset[int] = frozenset(range(6))  # 0 = Monday … 6 = Sunday

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            "weekdays": sorted(self.weekdays),
        }


class Caps(Struct, frozen=True):
    email_per_7d: int = DEFAULT_EMAIL_PER_7D
    sms_per_7d: int = DEFAULT_SMS_PER_7D
    per_day: int = DEFAULT_PER_DAY

    def per_7d(self, channel: str) -> int:
        return self.email_per_7d if channel == "email" else self.sms_per_7d

    def to_dict(self) -> dict[str, int]:
        return {"email_per_7d": self.email_per_7d, "sms_per_7d": self.sms_per_7d, "per_day": self.per_day}


class Policy(Struct, frozen=True):
    name: str
    steps: tuple[Step, ...]
    send_window: SendWindow = SendWindow()
    caps: Caps = Caps()
    plans: dict[str, Any] = field(default_factory=dict)
    settlement: dict[str, Any] | None = None
    promise: dict[str, Any] = field(default_factory=dict)
    hardship_pause_days: int = 30
    segment: dict[str, Any] = field(default_factory=dict)
    early_heads_up: dict[str, Any] | None = None  # {"days_before", "when_late_payments"}: early_heads_up.py
    version: int = 0  # 0 = built in
    require_approval_first_run: bool = False  # the sweep holds this version's first messages for a person (breaker)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "steps": [step.to_dict() for step in self.steps],
            "send_window": self.send_window.to_dict(),
            "caps": self.caps.to_dict(),
            "plans": self.plans,
            "settlement": self.settlement,
            "promise": self.promise,
            "hardship_pause_days": self.hardship_pause_days,
            "segment": self.segment,
            "require_approval_first_run": self.require_approval_first_run,
            "early_heads_up": self.early_heads_up,
        }


STANDARD = Policy(
    name="standard",
    steps=(
        Step(-3, "email", "heads_up"),
        Step(1, "email", "gentle_reminder"),
        Step(4, "sms", "sms_nudge"),
        Step(10, "email", "plan_offer"),
        Step(21, "email", "can_we_help"),
        Step(28, "email", "final_notice_kind"),
        Step(35, action=ESCALATE),
    ),
    send_window=SendWindow(time(9, 0), time(19, 0), frozenset(range(6))),
    caps=Caps(),
    plans={"max_instalments": 6, "min_instalment": 1000,
           "frequencies": ["weekly", "fortnightly", "monthly", "last_working_day"],
           "max_months": 6, "grace_days": DEFAULT_GRACE_DAYS},
    settlement=None,  # forgiving money is the creditor's decision: a tenant opts in with its own policy
    promise={"max_days": DEFAULT_PROMISE_DAYS},
    hardship_pause_days=30,
    segment={"min_balance": 0, "tags": [], "countries": []},
    # late payers hear of the due date 5 days ahead; those who always pay on time get no heads-up at all
    early_heads_up={"days_before": DEFAULT_EARLY_HEADS_UP_DAYS, "when_late_payments": DEFAULT_WHEN_LATE_PAYMENTS},
)

BUILT_IN = {STANDARD.name: STANDARD}


def validate_policy(policy: Policy, templates: dict[str, set[str]]) -> None:
    """Semantic checks beyond the body's shape; raise InvalidInput naming the field."""
    if not policy.steps:
        raise InvalidInput("a policy needs at least one step", "steps")
    if len(policy.steps) > MAX_STEPS:
        raise InvalidInput(f"a policy has at most {MAX_STEPS} steps", "steps")
    seen: set[str] = set()
    for i, step in enumerate(policy.steps):
        where = f"steps[{i}]"
        if step.action:
            if step.action not in ACTIONS:
                raise InvalidInput(f"unknown action {step.action!r}; known: {', '.join(ACTIONS)}", f"{where}.action")
        else:
            if step.channel not in CHANNELS:
                raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}", f"{where}.channel")
            if step.template not in templates.get(step.channel, set()):
                known = ", ".join(sorted(templates.get(step.channel, set())))
                raise InvalidInput(
                    f"no {step.channel} template named {step.template!r}; known: {known}", f"{where}.template"
                )
            if step.template in PLAN_OFFER_TEMPLATES and not policy_allows_plans(policy.plans):
                raise InvalidInput(
                    f"{where} sends {step.template!r}, which offers a payment plan, but this policy's plans allow "
                    f"none (it needs at least one frequency and max_instalments of 2 or more)", f"{where}.template"
                )
        if step.key in seen:
            raise InvalidInput("the same step appears twice", where)
        seen.add(step.key)
    offsets = [step.offset_days for step in policy.steps]
    if offsets != sorted(offsets):
        raise InvalidInput("steps must be in order of offset_days", "steps")
    window = policy.send_window
    if window.start >= window.end:
        raise InvalidInput("send_window.start must be before send_window.end", "send_window")
    if window.end <= time(8, 0) or window.start >= time(21, 0):
        raise InvalidInput("send_window must overlap 08:00–21:00, the hours anyone may be contacted", "send_window")
    if any(step.channel == "sms" for step in policy.steps) and window.start >= time(20, 0):
        raise InvalidInput("this policy sends SMS, and send_window opens after 20:00, when no SMS may go out",
                           "send_window")
    if not window.weekdays:
        raise InvalidInput("send_window.weekdays needs at least one day", "send_window.weekdays")
    for name, default in (
        ("email_per_7d", DEFAULT_EMAIL_PER_7D), ("sms_per_7d", DEFAULT_SMS_PER_7D), ("per_day", DEFAULT_PER_DAY)
    ):
        value = getattr(policy.caps, name)
        if value > default:
            raise InvalidInput(f"caps.{name} may be tightened but not raised above {default}", f"caps.{name}")
    if not 0 < policy.hardship_pause_days <= 90:
        raise InvalidInput("hardship_pause_days must be between 1 and 90", "hardship_pause_days")
    frequencies = policy.plans.get("frequencies", [])
    if len(set(frequencies)) != len(frequencies):
        raise InvalidInput("each plan frequency may be listed once", "plans.frequencies")
