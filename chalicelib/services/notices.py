"""Carry out a plan, promise or settlement notice the worker decided on (domain.notices): send it through
the one delivery path, or record why it waits or is withheld. A notice to finance (a plan broken) is published
to the finance topic as a hand-over, at most once like any message."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import SYSTEM
from chalicelib.domain.closures import cited_setting
from chalicelib.domain.decision import Defer, Notify, Withhold
from chalicelib.domain.finance_events import finance_event
from chalicelib.domain.messages import message_id
from chalicelib.domain.notices import FINANCE, PLAN_BROKEN, Notice, notice_spent
from chalicelib.domain.offers import plan_possible
from chalicelib.domain.outcomes import Outcome
from chalicelib.domain.policies import Policy
from chalicelib.domain.schedule import refresh_schedule
from chalicelib.domain.sending import ArrangementNotice, Message
from chalicelib.domain.tenants import Tenant
from chalicelib.domain.times import iso

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from chalicelib.domain.ports import AccountRepository, MessageDelivery


class Notices:
    def __init__(self, accounts: AccountRepository, delivery: MessageDelivery) -> None:
        self._accounts = accounts
        self._delivery = delivery

    def carry_out(self, account: Account, tenant: Tenant, policy: Policy, decision: Notify | Defer | Withhold,
                  now: datetime) -> Outcome:
        notice = decision.notice
        assert notice is not None
        kind = ArrangementNotice(policy, notice)
        details = kind.details()
        channel = details["channel"]
        account.updated_at = now
        if isinstance(decision, Notify):
            return self._delivery.send(account, tenant, self._message(account, policy, notice, kind, now), now)
        if isinstance(decision, Defer):
            account.next_action_at = decision.until
            account.record(now, "message_deferred", SYSTEM, {**details, "rule": decision.rule,
                                                              "until": iso(decision.until),
                                                              **cited_setting(decision.rule)})
            self._accounts.save(account)
            return Outcome("deferred", decision.rule, channel, notice.kind, until=decision.until)
        if decision.holds_step:  # a pause flag: the notice waits for it to lift (refreshed when it is lifted)
            account.next_action_at = decision.resume_at
        else:  # no way to reach the debtor: the notice is spent
            notice_spent(account, policy, notice, now)
            refresh_schedule(account, policy)
        account.record(now, "message_withheld", SYSTEM, {**details, "rule": decision.rule,
                                                          "step_spent": not decision.holds_step})
        self._accounts.save(account)
        return Outcome("withheld", decision.rule, channel, notice.kind)

    def _message(self, account: Account, policy: Policy, notice: Notice, kind: ArrangementNotice, now: datetime
                 ) -> Message:
        msg_id = message_id(account.tenant_id, account.account_id, f"{notice.key}@{notice.about}", notice.kind)
        common: dict[str, Any] = {"message_id": msg_id, "step_key": notice.key, "cycle": notice.about,
                                  "kind": kind, "details": {**kind.details(), "rule": notice.rule}}
        if notice.channel == FINANCE:
            plan = account.plan
            assert notice.kind == PLAN_BROKEN and plan is not None
            event = finance_event(PLAN_BROKEN, account.tenant_id, account.account_id, now, about=msg_id,
                                  currency=plan.currency, total=plan.total, paid=plan.paid,
                                  outstanding=plan.outstanding, balance=account.balance())
            return Message(channel=FINANCE, template=PLAN_BROKEN, hand_over=event, **common)
        anchor = account.anchor()
        return Message(channel=notice.channel, template=notice.kind, due_on=anchor[1] if anchor else now.date(),
                       plan_possible=plan_possible(account.undisputed_balance().values(), policy.plans), **common)
