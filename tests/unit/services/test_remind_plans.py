"""The reminder worker (services/remind.py) with a payment plan, a promise or a settlement offer, over the fakes and
the real templates: each notice is sent once, a break reaches finance and the policy's steps resume."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from msgspec.structs import replace

from chalicelib.domain import plans as pl
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.promises import Promise
from chalicelib.domain.schedule import refresh_schedule
from tests.unit.services.conftest import ACCOUNT_ID, NOW, put_account, stored

pytestmark = pytest.mark.unit

PLAN = pl.start_plan(pl.quote(pl.PlanRequest(pl.MONTHLY, 2, date(2026, 12, 10)), {"EUR": 4900}, pl.PlanLimits(),
                              NOW.date()), pl.MONTHLY, "debtor", NOW)


def arrange(faked, tenant, **changes):
    """The account as PlanService.create (or the promise, or the offer) leaves it: stored, due now."""
    account = stored(faked, tenant)
    for name, value in changes.items():
        setattr(account, name, value)
    account.record(NOW, "plan_created" if "plan" in changes else "promise_made", "api", {})
    refresh_schedule(account, STANDARD)
    account.next_action_at = NOW
    faked.accounts.save(account)


def sweep_at(remind, faked, tenant, at: datetime, rounds: int = 5):
    """Every pass the sweep would make at `at` until the account is not due (one decision per pass)."""
    faked.clock.set(at)
    outcomes = []
    for _ in range(rounds):
        account = stored(faked, tenant)
        if account.next_action_at is None or account.next_action_at > at:
            break
        outcomes.append(remind.process(tenant.tenant_id, ACCOUNT_ID))
    return outcomes


def templates_sent(faked):
    return [(entry.fields["template"], entry.status) for entry in faked.accounts.outbox.values()]


def audit(faked, tenant):
    return faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)


def utc(month, day, hour=10, year=2026):
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_a_plan_is_confirmed_once_heads_up_once_and_the_steps_stay_quiet(remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    arrange(faked, tenant, plan=PLAN)

    [confirmed] = sweep_at(remind, faked, tenant, NOW)
    assert (confirmed.kind, confirmed.template) == ("sent", "plan_confirmed")
    context = faked.email.sent[-1].message
    assert "24,50" in context.text  # the schedule, in the debtor's locale
    assert stored(faked, tenant).next_action_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday's heads-up

    assert sweep_at(remind, faked, tenant, utc(12, 3)) == []  # nothing due between
    [heads_up] = sweep_at(remind, faked, tenant, utc(12, 7))
    assert (heads_up.kind, heads_up.template) == ("sent", "instalment_heads_up")
    assert sweep_at(remind, faked, tenant, utc(12, 8)) == []
    assert [t for t, s in templates_sent(faked)] == ["plan_confirmed", "instalment_heads_up"]


def test_a_missed_instalment_is_nudged_once_and_the_second_breaks_the_plan(remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    arrange(faked, tenant, plan=PLAN, plan_notices={"plan_confirmed": "2026-12-01T10:00:00Z"})
    sweep_at(remind, faked, tenant, utc(12, 7))  # the heads-up

    nudged = sweep_at(remind, faked, tenant, utc(12, 14))
    assert [(o.kind, o.template) for o in nudged] == [("sent", "instalment_missed")]
    assert "instalment_missed" in audit(faked, tenant)
    assert sweep_at(remind, faked, tenant, utc(12, 15)) == []

    sweep_at(remind, faked, tenant, utc(1, 7, year=2027))  # the second heads-up
    broken = sweep_at(remind, faked, tenant, utc(1, 14, year=2027))
    assert [o.template for o in broken][:2] == ["plan_broken", "plan_ended"]
    [event] = faked.notifier.events("plan_broken")
    assert (event["paid"], event["outstanding"], event["currency"]) == (0, 4900, "EUR")
    assert "Ana" not in str(event) and "example.com" not in str(event)
    trail = audit(faked, tenant)
    assert trail.count("instalment_missed") == 2 and trail.count("plan_broken") == 1
    assert stored(faked, tenant).plan.status == pl.BROKEN

    # The steps resume where the calendar is, never from the start: the hand-over (day 35) comes first.
    resumed = broken[2:] + sweep_at(remind, faked, tenant, utc(1, 15, year=2027))
    assert resumed and resumed[0].kind == "escalated"
    assert "heads_up" not in [t for t, _ in templates_sent(faked)]


def test_a_promise_pauses_the_steps_then_one_follow_up_and_the_steps_resume(remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    arrange(faked, tenant, promise=Promise(4900, "EUR", date(2026, 12, 10), NOW))

    paused = sweep_at(remind, faked, tenant, NOW)
    assert [(o.kind, o.reason) for o in paused] == [("skipped", "promise_open")]
    assert stored(faked, tenant).next_action_at == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    assert faked.email.sent == []

    follow_up = sweep_at(remind, faked, tenant, utc(12, 14))
    assert [(o.kind, o.template) for o in follow_up][:1] == [("sent", "promise_missed")]
    assert audit(faked, tenant).count("promise_broken") == 1
    # The follow-up stood in for the steps whose day came meanwhile: the next is the hand-over, on day 35.
    assert sweep_at(remind, faked, tenant, utc(12, 15)) == []
    assert stored(faked, tenant).next_action_at == datetime(2026, 12, 20, 8, 0, tzinfo=UTC)
    assert [t for t, _ in templates_sent(faked)] == ["promise_missed"]


def test_a_settlement_offer_is_made_and_sent_once(remind, accounts, faked, tenant, policies):
    put_account(accounts, tenant)
    faked.policies  # noqa: B018 - the built-in standard policy, with a settlement
    settling = replace(STANDARD, settlement={"discount_percent": 10, "valid_days": 7, "offer_after_days": 16})
    policies_book = faked.container.remind._policies
    original = policies_book.resolve
    policies_book.resolve = lambda tenant_id, name: settling if name == "standard" else original(tenant_id, name)

    offered = sweep_at(remind, faked, tenant, NOW)  # 16 days after 15 November
    assert [(o.kind, o.template) for o in offered][:1] == [("sent", "settlement_offer")]
    account = stored(faked, tenant)
    assert (account.settlement_offer.amount, account.settlement_offer.valid_until) == (4410, date(2026, 12, 8))
    assert audit(faked, tenant).count("settlement_offered") == 1
    sweep_at(remind, faked, tenant, utc(12, 2))
    assert [t for t, _ in templates_sent(faked)].count("settlement_offer") == 1

    sweep_at(remind, faked, tenant, utc(12, 9))
    assert audit(faked, tenant).count("settlement_lapsed") == 1


def test_an_instalment_too_close_for_a_heads_up_never_wakes_the_account_in_vain(remind, accounts, faked, tenant):
    soon = pl.start_plan(pl.quote(pl.PlanRequest(pl.WEEKLY, 2, date(2026, 12, 2)), {"EUR": 4900}, pl.PlanLimits(),
                                  NOW.date()), pl.WEEKLY, "tenant", NOW)
    put_account(accounts, tenant)
    arrange(faked, tenant, plan=soon)

    assert [o.template for o in sweep_at(remind, faked, tenant, NOW)] == ["plan_confirmed"]
    # 2 December's instalment was named by the confirmation; the next wake is the 9 December one's heads-up.
    assert stored(faked, tenant).next_action_at == datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def test_an_accepted_settlement_is_confirmed_once(remind, accounts, faked, tenant):
    from chalicelib.domain.settlement import SettlementOffer

    put_account(accounts, tenant)
    offer = SettlementOffer(4410, "EUR", date(2026, 12, 8), 4900, accepted_at=NOW)
    arrange(faked, tenant, settlement_offer=offer, plan_notices={"settlement_offer": "2026-12-08"})

    [confirmed] = [o for o in sweep_at(remind, faked, tenant, NOW) if o.kind == "sent"]
    assert confirmed.template == "settlement_confirmed"
    assert "44,10" in faked.email.sent[-1].message.text
    sweep_at(remind, faked, tenant, utc(12, 2))
    assert [t for t, _ in templates_sent(faked)].count("settlement_confirmed") == 1


def test_a_notice_that_meets_a_passing_error_is_tried_again_and_sent_once(remind, accounts, faked, tenant):
    from chalicelib.domain.errors import Throttled

    put_account(accounts, tenant)
    arrange(faked, tenant, plan=PLAN)
    faked.email.fail_next(Throttled("slow down"))

    [first] = sweep_at(remind, faked, tenant, NOW)
    assert (first.kind, first.template) == ("deferred", "plan_confirmed")
    assert "plan_confirmed" not in stored(faked, tenant).plan_notices  # given back, to be tried again

    [second] = sweep_at(remind, faked, tenant, first.until)
    assert (second.kind, second.template) == ("sent", "plan_confirmed")
    assert [(t, s) for t, s in templates_sent(faked)] == [("plan_confirmed", "sent")]
    assert sweep_at(remind, faked, tenant, utc(12, 2)) == []


def test_the_policy_preview_of_an_account_with_a_plan_shows_its_instalment_reminders(preview, accounts, faked,
                                                                                       tenant):
    put_account(accounts, tenant)
    arrange(faked, tenant, plan=PLAN)

    messages = preview.preview(tenant.tenant_id, "standard", {"account_id": ACCOUNT_ID, "days": 60})["messages"]

    assert [(m["local_time"][:10], m["template"] or m.get("action")) for m in messages] == [
        ("2026-12-01", "plan_confirmed"), ("2026-12-07", "instalment_heads_up"), ("2026-12-14", "instalment_missed"),
        ("2027-01-07", "instalment_heads_up"), ("2027-01-14", "plan_broken"), ("2027-01-14", "plan_ended"),
        ("2027-01-14", "escalate")]
    assert faked.email.sent == [] and stored(faked, tenant).plan_notices == {}  # a preview sends and writes nothing
