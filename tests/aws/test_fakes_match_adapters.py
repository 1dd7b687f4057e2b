"""The fakes in tests/fakes are only worth what they share with the real adapters: every assertion here runs
once against each fake and once against the DynamoDB repository on moto, so a fake that drifts from the
adapter it stands for fails here before it can make a unit test lie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from msgspec.structs import replace

from chalicelib.adapters.dynamodb.mapping import shard_of
from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.audit import ChainHead
from chalicelib.domain.errors import Conflict
from chalicelib.domain.links import PORTAL, ShortLink
from chalicelib.domain.messages import FAILED, PENDING, RETRY, SENT
from chalicelib.domain.payments import Payment, PaymentEvent
from chalicelib.domain.plans import PlanLimits, PlanRequest, apply_payment, quote, start_plan
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.promises import Promise
from chalicelib.domain.settlement import SettlementOffer
from chalicelib.domain.sms_replies import DebtorReply
from chalicelib.domain.tenants import FIRST_PARTY, ApiKey, Tenant
from tests.fakes import FakeAccounts, FakeDebtorReplies, FakeParkedPayments, FakePolicies, FakeTenants

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TENANT, OTHER = "t_contract", "t_other"


@dataclass
class Repositories:
    accounts: Any
    parked: Any
    policies: Any
    tenants: Any
    short_links: Any
    shards: int
    replies: Any = None


@pytest.fixture(params=["fake", "dynamodb"])
def repos(request: pytest.FixtureRequest) -> Repositories:
    if request.param == "fake":
        accounts = FakeAccounts(shards=4)
        return Repositories(accounts, FakeParkedPayments(), FakePolicies(), FakeTenants(), accounts.short_links, 4,
                            FakeDebtorReplies())
    aws = request.getfixturevalue("aws")
    return Repositories(aws.account_repository, aws.parked_payments, aws.policy_repository, aws.tenant_repository,
                        aws.short_links, aws.settings.due_index_shards, aws.debtor_replies)


def an_account(account_id: str = "acct-1", tenant_id: str = TENANT, due: datetime | None = None) -> Account:
    account = Account(tenant_id, account_id, "Ana", "es-ES", "standard", email="ana@example.com",
                      timezone="Europe/Madrid", country="ES", processor_ids={"stripe": "cus_1"},
                      invoices=[Invoice("INV-1", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15),
                                        processor_invoice_id="in_1")],
                      next_action_at=due, created_at=T0, updated_at=T0)
    account.record(T0, "account_created", "test", {"balance": {"EUR": 4900}})
    return account


def a_message(message_id: str = "msg_1") -> dict[str, Any]:
    return {"message_id": message_id, "tenant_id": TENANT, "account_id": "acct-1", "channel": "email",
            "template": "gentle_reminder", "step_key": "s1", "cycle": "c1", "status": PENDING,
            "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z"}


def saved(repos: Repositories, account: Account) -> Account:
    repos.accounts.save(account)
    stored = repos.accounts.get(account.tenant_id, account.account_id)
    assert stored is not None
    return stored


# --- get / save / Conflict ----------------------------------------------------------------------------------

def test_a_saved_account_reads_back_as_saved_with_its_trail_and_a_version(repos):
    account = an_account(due=T0)
    assert repos.accounts.get(TENANT, "acct-1") is None

    repos.accounts.save(account)

    assert account.pending_events == [] and account.version is not None
    stored = repos.accounts.get(TENANT, "acct-1")
    assert stored == account
    assert [e.type for e in repos.accounts.events(TENANT, "acct-1")] == ["account_created"]


def test_a_plan_a_promise_and_a_settlement_offer_read_back_as_saved(repos):
    account = an_account(due=T0)
    request = PlanRequest("monthly", 3, date(2026, 12, 10), "EUR")
    quoted = quote(request, {"EUR": 4900}, PlanLimits.of(STANDARD), date(2026, 12, 1))
    plan, _ = apply_payment(start_plan(quoted, "monthly", "debtor", T0), 1700)
    account.plan = plan
    account.promise = Promise(2000, "EUR", date(2026, 12, 20), T0, paid=500)
    account.settlement_offer = SettlementOffer(4410, "EUR", date(2026, 12, 31), 4900, accepted_at=T0)
    account.plan_notices = {"plan_confirmed": "2026-12-01T10:00:00Z", "instalment_heads_up:1": "2026-12-01T10:00:00Z"}
    account.earlier_plans_paid = {"EUR": 1200, "JPY": 300}

    stored = saved(repos, account)

    assert (stored.plan, stored.promise, stored.settlement_offer) == (plan, account.promise, account.settlement_offer)
    assert stored.plan_notices == account.plan_notices  # each notice is sent once, on DynamoDB as on the fakes
    assert stored.earlier_plans_paid == {"EUR": 1200, "JPY": 300}
    assert stored.plan is not None and [i.paid for i in stored.plan.instalments] == [1634, 66, 0]
    assert stored.to_dict()["plan"]["instalments"][0] == {"n": 1, "due_on": "2026-12-10", "amount": 1634,
                                                          "paid": 1634, "status": "paid"}


def test_when_each_invoice_was_paid_in_full_reads_back_as_saved(repos):
    from chalicelib.domain.ledger import post_lines
    from chalicelib.domain.payments import SUCCEEDED

    account = an_account(due=T0)
    post_lines(account, [], [Payment("stripe", "ch_1", SUCCEEDED, 4900, "EUR", T0, "evt_1", invoice_id="INV-1")])

    stored = saved(repos, account)

    assert stored.paid_in_full == account.paid_in_full == {"INV-1": T0}


def test_a_read_is_a_copy_the_caller_may_change_freely(repos):
    stored = saved(repos, an_account())
    stored.name = "changed"
    stored.invoices[0] = replace(stored.invoices[0], amount=1)
    again = repos.accounts.get(TENANT, "acct-1")
    assert again.name == "Ana" and again.invoices[0].amount == 4900


def test_each_save_moves_the_version_on_and_a_stale_copy_is_refused_leaving_the_newer_one(repos):
    first = saved(repos, an_account())
    stale = repos.accounts.get(TENANT, "acct-1")
    first.name = "Ana B."
    first.record(T0, "account_updated", "test", {})
    repos.accounts.save(first)
    assert first.version != stale.version

    stale.name = "Ana C."
    stale.record(T0, "account_updated", "test", {"from": "stale"})
    with pytest.raises(Conflict) as refused:
        repos.accounts.save(stale)

    assert refused.value.field == "account"
    assert repos.accounts.get(TENANT, "acct-1") == first
    assert [e.details for e in repos.accounts.events(TENANT, "acct-1")][1:] == [{}]
    assert len(stale.pending_events) == 1  # a refused save leaves the caller's events to retry with


def test_a_new_account_cannot_overwrite_one_that_exists(repos):
    saved(repos, an_account())
    with pytest.raises(Conflict) as refused:
        repos.accounts.save(an_account())
    assert refused.value.field == "account"
    assert len(repos.accounts.events(TENANT, "acct-1")) == 1


def test_an_audit_event_whose_seq_is_taken_is_a_conflict_on_the_audit_trail(repos):
    current = saved(repos, an_account())
    current.audit_head = ChainHead()  # as if it had not seen the trail: its next event reuses seq 1
    current.record(T0, "account_updated", "test", {})

    with pytest.raises(Conflict) as refused:
        repos.accounts.save(current)

    assert refused.value.field == "audit"
    assert [e.type for e in repos.accounts.events(TENANT, "acct-1")] == ["account_created"]


# --- due queries --------------------------------------------------------------------------------------------

def test_due_reads_each_shard_by_time_with_snapshots_and_skips_accounts_with_nothing_due(repos):
    for account_id, due in (("early", T0 - timedelta(hours=2)), ("edge", T0), ("later", T0 + timedelta(seconds=1)),
                            ("none", None)):
        repos.accounts.save(an_account(account_id, due=due))
    repos.accounts.save(replace(an_account("other", OTHER, due=T0 - timedelta(hours=1)), region="CT"))

    found: dict[int, list[tuple[str, str]]] = {}
    for shard in range(repos.shards):
        for tenant_id, account_id, snapshot in repos.accounts.due(T0, shard):
            assert shard_of(tenant_id, account_id, repos.shards) == shard
            assert repos.accounts.from_snapshot(snapshot) == repos.accounts.get(tenant_id, account_id)
            stored = repos.accounts.get(tenant_id, account_id)
            assert repos.accounts.place_in_snapshot(snapshot) == (stored.country, stored.region)
            found.setdefault(shard, []).append((tenant_id, account_id))

    assert sorted(key for keys in found.values() for key in keys) == [
        (TENANT, "early"), (TENANT, "edge"), (OTHER, "other")]
    for keys in found.values():  # within a shard, earliest first
        times = [repos.accounts.get(*key).next_action_at for key in keys]
        assert times == sorted(times)


def test_due_of_tenant_reads_only_that_tenants_due_accounts_earliest_first(repos):
    repos.accounts.save(an_account("b", due=T0 - timedelta(minutes=1)))
    repos.accounts.save(an_account("a", due=T0 - timedelta(minutes=5)))
    repos.accounts.save(an_account("c", due=T0 + timedelta(minutes=1)))
    repos.accounts.save(an_account("x", OTHER, due=T0 - timedelta(hours=1)))

    found = list(repos.accounts.due_of_tenant(TENANT, T0))

    assert [(tenant_id, account_id) for tenant_id, account_id, _ in found] == [(TENANT, "a"), (TENANT, "b")]


def test_a_snapshot_taken_before_a_change_is_stale_when_saved(repos):
    repos.accounts.save(an_account(due=T0))
    [(_, _, snapshot)] = list(repos.accounts.due_of_tenant(TENANT, T0))
    current = repos.accounts.get(TENANT, "acct-1")
    current.name = "Ana B."
    repos.accounts.save(current)

    from_queue = repos.accounts.from_snapshot(snapshot)
    assert from_queue.name == "Ana"
    with pytest.raises(Conflict):
        repos.accounts.save(from_queue)


def test_all_of_lists_one_tenants_accounts_only(repos):
    for account_id in ("b", "a"):
        repos.accounts.save(an_account(account_id))
    repos.accounts.save(an_account("z", OTHER))

    assert [a.account_id for a in repos.accounts.all_of(TENANT)] == ["a", "b"]


# --- the outbox ---------------------------------------------------------------------------------------------

def test_a_message_is_claimed_once_with_the_account_and_a_second_claim_writes_nothing(repos):
    account = saved(repos, an_account(due=T0))
    account.next_action_at = T0 + timedelta(minutes=10)
    assert repos.accounts.message_status(TENANT, "acct-1", "msg_1") is None
    assert repos.accounts.message_attempts(TENANT, "acct-1", "msg_1") == 0

    assert repos.accounts.claim_message(account, a_message()) is True

    assert repos.accounts.get(TENANT, "acct-1") == account
    assert repos.accounts.message_status(TENANT, "acct-1", "msg_1") == PENDING
    assert repos.accounts.message_attempts(TENANT, "acct-1", "msg_1") == 1

    again = repos.accounts.get(TENANT, "acct-1")
    again.next_action_at = T0 + timedelta(hours=1)
    again.record(T0, "message_sent", "test", {})
    assert repos.accounts.claim_message(again, a_message()) is False

    assert repos.accounts.get(TENANT, "acct-1") == account  # the refused claim did not write the account
    assert [e.type for e in repos.accounts.events(TENANT, "acct-1")] == ["account_created"]
    assert repos.accounts.message_attempts(TENANT, "acct-1", "msg_1") == 1


def test_a_stale_account_cannot_claim_a_message(repos):
    stale = saved(repos, an_account(due=T0))
    repos.accounts.save(repos.accounts.get(TENANT, "acct-1"))

    with pytest.raises(Conflict) as refused:
        repos.accounts.claim_message(stale, a_message())

    assert refused.value.field == "account"
    assert repos.accounts.message_status(TENANT, "acct-1", "msg_1") is None


def test_finishing_records_the_outcome_with_the_account_once(repos):
    account = saved(repos, an_account(due=T0))
    repos.accounts.claim_message(account, a_message())
    account.record(T0, "message_sent", "test", {"message_id": "msg_1"})

    repos.accounts.finish_message(account, "msg_1", SENT, {"provider_message_id": "ses-1", "reason": None})

    assert repos.accounts.message_status(TENANT, "acct-1", "msg_1") == SENT
    assert repos.accounts.get(TENANT, "acct-1") == account
    assert [e.type for e in repos.accounts.events(TENANT, "acct-1")] == ["account_created", "message_sent"]
    account.record(T0, "message_failed", "test", {})
    with pytest.raises(Conflict) as refused:
        repos.accounts.finish_message(account, "msg_1", FAILED, {"reason": "late"})
    assert refused.value.field == "message"
    assert repos.accounts.message_status(TENANT, "acct-1", "msg_1") == SENT
    assert len(repos.accounts.events(TENANT, "acct-1")) == 2


def test_a_sent_message_is_found_by_the_id_its_provider_gave_it_on_its_own_account_only(repos):
    account = saved(repos, an_account(due=T0))
    saved(repos, an_account("acct-2"))
    repos.accounts.claim_message(account, a_message())
    assert repos.accounts.sent_as(TENANT, "acct-1", "sns-1") is False  # claimed, not sent yet
    repos.accounts.finish_message(account, "msg_1", SENT, {"provider_message_id": "sns-1", "reason": None})

    assert repos.accounts.sent_as(TENANT, "acct-1", "sns-1") is True
    assert repos.accounts.sent_as(TENANT, "acct-1", "sns-2") is False
    assert repos.accounts.sent_as(TENANT, "acct-2", "sns-1") is False


def test_accounts_are_found_by_their_number_in_every_tenant_and_lose_it_when_it_changes(repos):
    phone = "+34600123456"
    saved(repos, replace(an_account(), phone=phone))
    saved(repos, replace(an_account("acct-9", OTHER), phone=phone))
    saved(repos, replace(an_account("acct-2"), phone="+34600999999"))
    saved(repos, an_account("acct-3"))  # no number at all

    found = repos.accounts.with_phone(phone)
    assert [(a.tenant_id, a.account_id) for a in found] == [(TENANT, "acct-1"), (OTHER, "acct-9")]  # key order
    assert found[0] == repos.accounts.get(TENANT, "acct-1")
    moved = repos.accounts.get(TENANT, "acct-1")
    moved.phone = "+34600111111"
    repos.accounts.save(moved)
    assert [a.account_id for a in repos.accounts.with_phone(phone)] == ["acct-9"]
    assert repos.accounts.with_phone("+14255550182") == []


def test_an_inbound_text_is_seen_once_until_forgotten_and_its_words_expire(repos):
    until = T0 + timedelta(days=7)
    assert repos.replies.first_sight("in-1", until) is True
    assert repos.replies.first_sight("in-1", until) is False
    repos.replies.forget("in-1")
    assert repos.replies.first_sight("in-1", until) is True

    older = DebtorReply(TENANT, "acct-1", "in-1", T0, "call me", T0 + timedelta(days=30))
    newer = DebtorReply(TENANT, "acct-1", "in-2", T0 + timedelta(hours=1), "¿puedo pagar en marzo?",
                        T0 + timedelta(days=1))
    for reply in (older, newer, older):  # a redelivery keeps the same reply once
        repos.replies.keep(reply)
    repos.replies.keep(DebtorReply(OTHER, "acct-1", "in-3", T0, "other tenant", T0 + timedelta(days=30)))

    assert repos.replies.replies(TENANT, "acct-1", T0 + timedelta(hours=2)) == [newer, older]
    assert repos.replies.replies(TENANT, "acct-1", T0 + timedelta(days=2)) == [older]
    assert repos.replies.replies(TENANT, "acct-2", T0) == []


def test_finishing_a_message_never_claimed_is_refused(repos):
    account = saved(repos, an_account(due=T0))
    with pytest.raises(Conflict) as refused:
        repos.accounts.finish_message(account, "msg_unknown", SENT, {})
    assert refused.value.field == "message"
    assert repos.accounts.message_status(TENANT, "acct-1", "msg_unknown") is None


def test_a_message_handed_back_for_retry_may_be_claimed_again_and_counts_its_tries(repos):
    account = saved(repos, an_account(due=T0))
    repos.accounts.claim_message(account, a_message())
    repos.accounts.finish_message(account, "msg_1", RETRY, {"reason": "provider_throttled"})

    assert repos.accounts.claim_message(account, a_message()) is True

    assert repos.accounts.message_status(TENANT, "acct-1", "msg_1") == PENDING
    assert repos.accounts.message_attempts(TENANT, "acct-1", "msg_1") == 2


def test_a_short_link_is_written_with_the_message_that_carries_it(repos):
    account = saved(repos, an_account(due=T0))
    link = ShortLink("Ab3dE5gH9k", TENANT, "acct-1", PORTAL, T0 + timedelta(days=45))
    assert repos.short_links.get(link.code) is None

    repos.accounts.claim_message(account, a_message(), link)

    assert repos.short_links.get(link.code) == link


def engagement_events(repos):
    return [e.type for e in repos.accounts.events(TENANT, "acct-1") if e.type.startswith("email_")]


def test_engagement_is_noted_once_on_a_message_that_exists_with_the_account_and_its_audit(repos):
    account = saved(repos, an_account(due=T0))
    account.record(T0, "email_delivered", "ses", {"message_id": "msg_1"})
    assert repos.accounts.note_engagement(account, "msg_1", "delivered", T0) is False
    assert engagement_events(repos) == []  # nothing written without the message
    account = repos.accounts.get(TENANT, "acct-1")
    repos.accounts.claim_message(account, a_message())
    account = repos.accounts.get(TENANT, "acct-1")
    account.record(T0, "email_delivered", "ses", {"message_id": "msg_1"})
    assert repos.accounts.note_engagement(account, "msg_1", "delivered", T0) is True
    assert engagement_events(repos) == ["email_delivered"]

    again = repos.accounts.get(TENANT, "acct-1")
    again.record(T0, "email_delivered", "ses", {"message_id": "msg_1"})
    assert repos.accounts.note_engagement(again, "msg_1", "delivered", T0) is False
    assert engagement_events(repos) == ["email_delivered"]
    stale = replace(account, version=(account.version or 0) - 1, pending_events=[])
    stale.record(T0, "email_opened", "ses", {"message_id": "msg_1"})
    with pytest.raises(Conflict):
        repos.accounts.note_engagement(stale, "msg_1", "opened", T0)


# --- processor refs and parked payments ---------------------------------------------------------------------

def test_refs_point_at_their_account(repos):
    account = an_account()
    assert repos.accounts.account_for_ref("t_contract#stripe#cus_1") is None

    repos.accounts.add_refs(account, {"t_contract#stripe#cus_1", "t_contract#invoice#in_1"})

    assert repos.accounts.account_for_ref("t_contract#stripe#cus_1") == (TENANT, "acct-1")
    assert repos.accounts.account_for_ref("t_contract#invoice#in_1") == (TENANT, "acct-1")
    assert repos.accounts.account_for_ref("t_contract#stripe#cus_2") is None


def a_payment(event_id: str) -> PaymentEvent:
    return PaymentEvent("stripe", event_id, "payment_succeeded", T0, "ch_1", "EUR", 4900, customer_ref="cus_1")


def test_parked_payments_wait_under_each_key_for_their_tenant_until_released(repos):
    first, second = a_payment("evt_1"), a_payment("evt_2")
    repos.parked.park(TENANT, ["k-account", "k-customer"], first, T0 + timedelta(days=90))
    repos.parked.park(TENANT, ["k-customer"], second, T0 + timedelta(days=90))
    repos.parked.park(OTHER, ["k-customer"], a_payment("evt_other"), T0 + timedelta(days=90))

    assert repos.parked.waiting(TENANT, "k-account") == [first]
    assert sorted(e.event_id for e in repos.parked.waiting(TENANT, "k-customer")) == ["evt_1", "evt_2"]
    assert repos.parked.waiting(TENANT, "k-nothing") == []

    repos.parked.release(["k-account", "k-customer"], first)

    assert repos.parked.waiting(TENANT, "k-account") == []
    assert repos.parked.waiting(TENANT, "k-customer") == [second]
    assert [e.event_id for e in repos.parked.waiting(OTHER, "k-customer")] == ["evt_other"]


# --- policies and tenants -----------------------------------------------------------------------------------

def test_each_policy_version_numbers_on_and_the_latest_is_read(repos):
    assert repos.policies.latest(TENANT, "gentle") is None
    first = repos.policies.add_version(TENANT, replace(STANDARD, name="gentle"), T0)
    second = repos.policies.add_version(TENANT, replace(STANDARD, name="gentle", hardship_pause_days=60,
                                                        require_approval_first_run=True), T0)

    assert (first.version, second.version) == (1, 2)
    assert repos.policies.latest(TENANT, "gentle") == second
    assert second.require_approval_first_run and not first.require_approval_first_run
    assert repos.policies.latest(OTHER, "gentle") is None


def test_all_latest_reads_the_newest_version_of_each_of_one_tenants_policies(repos):
    assert repos.policies.all_latest(TENANT) == []
    repos.policies.add_version(TENANT, replace(STANDARD, name="gentle"), T0)
    newest = repos.policies.add_version(TENANT, replace(STANDARD, name="gentle", hardship_pause_days=60), T0)
    vip = repos.policies.add_version(TENANT, replace(STANDARD, name="vip", segment={"priority": 1}), T0)
    repos.policies.add_version(OTHER, replace(STANDARD, name="theirs"), T0)

    assert sorted(repos.policies.all_latest(TENANT), key=lambda p: p.name) == [newest, vip]


def test_a_tenants_excluded_days_are_replaced_and_read_back(repos):
    tenant = Tenant("t_days", "Acme", "billing@acme.example.com", "ES", "Europe/Madrid", "es-ES", FIRST_PARTY, None,
                    None, T0)
    assert repos.tenants.set_excluded_days("t_days", (date(2026, 12, 24),)) is None  # no such tenant: nothing made
    assert repos.tenants.get("t_days") is None
    repos.tenants.add(tenant, ApiKey("key_d", "hash_d", "t_days", T0))
    days = (date(2026, 12, 24), date(2026, 12, 31))

    assert repos.tenants.set_excluded_days("t_days", days) == replace(tenant, excluded_days=days)
    assert repos.tenants.get("t_days").excluded_days == days
    assert repos.tenants.set_excluded_days("t_days", ()).excluded_days == ()
    assert repos.tenants.get("t_days") == tenant


def test_a_tenants_reply_to_is_set_and_cleared(repos):
    tenant = Tenant("t_reply", "Acme", "billing@acme.example.com", "ES", "Europe/Madrid", "es-ES", FIRST_PARTY,
                    "help@acme.example.com", None, T0)
    assert repos.tenants.set_reply_to("t_reply", "ar@acme.example.com") is None  # no such tenant: nothing made
    assert repos.tenants.get("t_reply") is None
    repos.tenants.add(tenant, ApiKey("key_r", "hash_r", "t_reply", T0))

    assert repos.tenants.set_reply_to("t_reply", "ar@acme.example.com") == replace(tenant,
                                                                                   reply_to="ar@acme.example.com")
    assert repos.tenants.get("t_reply").reply_address == "ar@acme.example.com"
    assert repos.tenants.set_reply_to("t_reply", None) == tenant
    assert repos.tenants.get("t_reply") == tenant


def test_a_tenant_and_its_key_are_found_by_id_and_by_hash(repos):
    tenant = Tenant("t_new", "Acme", "billing@acme.example.com", "ES", "Europe/Madrid", "es-ES", FIRST_PARTY, None,
                    None, T0)
    key = ApiKey("key_1", "hash_1", "t_new", T0)
    assert repos.tenants.get("t_new") is None and repos.tenants.key_by_hash("hash_1") is None

    repos.tenants.add(tenant, key)

    assert repos.tenants.get("t_new") == tenant
    assert repos.tenants.key_by_hash("hash_1") == key


# --- the finance console's table ------------------------------------------------------------------------------

@pytest.fixture(params=["fake", "dynamodb"])
def console_store(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        from tests.fakes import FakeConsole

        return FakeConsole()
    return request.getfixturevalue("aws").console_users


def a_person(user_id: str, email: str = "fin@acme.example.com", tenant_id: str = TENANT, role: str = "viewer") -> Any:
    from chalicelib.domain.console import ConsoleUser

    return ConsoleUser(tenant_id, user_id, email, role, T0)


def test_console_people_are_unique_per_tenant_and_kept_apart(console_store):
    console_store.add(a_person("usr_1"))
    console_store.add(a_person("usr_2", tenant_id=OTHER, role="admin"))

    with pytest.raises(Conflict):
        console_store.add(a_person("usr_3"))

    assert console_store.get(TENANT, "usr_1") == a_person("usr_1")
    assert console_store.get(OTHER, "usr_1") is None
    assert [u.user_id for u in console_store.with_email("fin@acme.example.com")] == ["usr_1", "usr_2"]
    assert [u.user_id for u in console_store.of_tenant(TENANT)] == ["usr_1"]
    assert console_store.remove(TENANT, "usr_1") is True
    assert console_store.remove(TENANT, "usr_1") is False
    console_store.add(a_person("usr_4"))  # the address is free again
    assert [u.user_id for u in console_store.with_email("fin@acme.example.com")] == ["usr_4", "usr_2"]  # by tenant


def test_a_sign_in_link_is_taken_once_and_counters_and_sessions_behave(console_store):
    from chalicelib.domain.console import Session, SignInLink

    link = SignInLink("h" * 64, TENANT, "usr_1", T0 + timedelta(minutes=15))
    console_store.put_link(link)

    assert console_store.take_link("h" * 64) == link
    assert console_store.take_link("h" * 64) is None
    assert console_store.take_link("x" * 64) is None
    assert [console_store.count_request("k", "w1", T0) for _ in range(3)] == [1, 2, 3]
    assert console_store.count_request("k", "w2", T0) == 1
    session = Session("usr_1", TENANT, "viewer", "sid_1", T0 + timedelta(hours=8))
    console_store.open_session(session)
    assert console_store.is_open(TENANT, "sid_1") and not console_store.is_open(OTHER, "sid_1")
    console_store.close_session(TENANT, "sid_1")
    assert not console_store.is_open(TENANT, "sid_1")


def test_changes_to_a_tenant_come_back_latest_first(console_store):
    console_store.record(TENANT, T0, "user:usr_1", "user_added", {"user_id": "usr_2"})
    console_store.record(TENANT, T0, "user:usr_1", "webhook_secret_set", {"provider": "stripe"})
    console_store.record(TENANT, T0 + timedelta(seconds=1), "user:usr_1", "user_removed", {"user_id": "usr_2"})

    recent = console_store.recent(TENANT, 2)

    assert [c.type for c in recent] == ["user_removed", "webhook_secret_set"]
    assert recent[1].details == {"provider": "stripe"} and recent[0].actor == "user:usr_1"
    assert console_store.recent(OTHER, 5) == []


# --- the sweep ledger (the circuit breaker's counts, limits and holds) -------------------------------------------

@pytest.fixture(params=["fake", "dynamodb"])
def ledger(request: pytest.FixtureRequest) -> Any:
    from tests.fakes import FakeSweepLedger

    if request.param == "fake":
        return FakeSweepLedger()
    return request.getfixturevalue("aws").sweep_ledger


def test_sent_counts_add_up_per_tenant_and_day_and_read_back_by_range(ledger):
    day = T0.date()
    ledger.count_sent(TENANT, day)
    ledger.count_sent(TENANT, day, 4)
    ledger.count_sent(TENANT, day - timedelta(days=3), 2)
    ledger.count_sent(TENANT, day - timedelta(days=9), 7)
    ledger.count_sent(OTHER, day, 100)

    assert ledger.sent_counts(TENANT, day - timedelta(days=7), day) == {day: 5, day - timedelta(days=3): 2}
    assert ledger.sent_counts(OTHER, day, day) == {day: 100}


def test_limits_are_kept_per_tenant(ledger):
    from chalicelib.domain.sweep_holds import SweepLimits

    assert ledger.limits(TENANT) is None
    ledger.set_limits(TENANT, SweepLimits(2.5, 10))

    assert ledger.limits(TENANT) == SweepLimits(2.5, 10)
    assert ledger.limits(OTHER) is None


def test_a_hold_is_written_once_and_moves_on_only_from_the_status_expected(ledger):
    from chalicelib.domain.sweep_holds import APPROVED, DISCARDED, HELD, new_hold

    hold = new_hold(TENANT, T0, "volume_above_usual", 120, 118, {"threshold": 50, "average": 12.5})
    later = new_hold(TENANT, T0 + timedelta(hours=1), "volume_above_usual", 9, 9, {})

    assert ledger.save_hold(hold, None) is True
    assert ledger.save_hold(hold, None) is False  # already there
    assert ledger.save_hold(later, None) is True
    approved = hold.moved(APPROVED, T0 + timedelta(minutes=5), "cli")
    assert ledger.save_hold(approved, HELD) is True
    assert ledger.save_hold(hold.moved(DISCARDED, T0, "cli"), HELD) is False  # a person got there first

    assert ledger.holds(TENANT) == [later, approved]
    assert ledger.holds(TENANT, limit=1) == [later]
    assert ledger.holds(OTHER) == []


def test_versions_lists_every_version_of_one_policy_oldest_first(repos):
    assert repos.policies.versions(TENANT, "gentle") == []
    first = repos.policies.add_version(TENANT, replace(STANDARD, name="gentle"), T0)
    second = repos.policies.add_version(TENANT, replace(STANDARD, name="gentle", hardship_pause_days=60), T0)
    repos.policies.add_version(TENANT, replace(STANDARD, name="gentler"), T0)  # a name that starts the same
    repos.policies.add_version(OTHER, replace(STANDARD, name="gentle"), T0)

    assert repos.policies.versions(TENANT, "gentle") == [first, second]


# --- the figures' aggregate items (kept by the accounts stream) -------------------------------------------------

@pytest.fixture(params=["fake", "dynamodb"])
def figure_store(request: pytest.FixtureRequest) -> Any:
    from tests.fakes import FakeFigureStore

    if request.param == "fake":
        return FakeFigureStore()
    return request.getfixturevalue("aws").figure_store


def test_a_move_lands_once_and_only_from_what_is_counted(figure_store):
    from chalicelib.domain.counted import WRITES, Counted, Move

    first = Counted(1, 1, {"accounts": 1, "state:active": 1})
    created = Move(None, first, {"total": {"accounts": 1, "state:active": 1, WRITES: 1},
                                 "day#2026-12-01": {"received:EUR": 4900}})
    paused = Move(first, Counted(2, 2, {"accounts": 1, "state:paused": 1}),
                  {"total": {"state:active": -1, "state:paused": 1, WRITES: 1}})

    assert figure_store.move(TENANT, "a-1", created) is True
    assert figure_store.move(TENANT, "a-1", created) is False  # delivered again: something is counted already
    assert figure_store.move(TENANT, "a-1", paused) is True
    assert figure_store.move(TENANT, "a-1", paused) is False  # no longer what is counted
    stale = Move(Counted(2, 2, {"accounts": 1, "state:held": 1}), Counted(3, 3, {}), {"total": {"accounts": -1}})
    assert figure_store.move(TENANT, "a-1", stale) is False  # the same version, other counters
    assert figure_store.move(OTHER, "a-1", created) is True  # what is counted is the tenant's own

    assert figure_store.item(TENANT, "total") == {"accounts": 1, "state:active": 0, "state:paused": 1, WRITES: 2}
    assert figure_store.item(OTHER, "total") == {"accounts": 1, "state:active": 1, WRITES: 1}
    assert figure_store.counted(TENANT, "a-1") == Counted(2, 2, {"accounts": 1, "state:paused": 1})
    assert list(figure_store.all_counted(OTHER)) == [("a-1", first)]
    assert figure_store.counted(TENANT, "a-2") is None and figure_store.item(TENANT, "nothing") == {}

    # versions 3 and 4 changed no figure and were not written: a move from version 4 lands on version 2's Counted
    fourth = Counted(4, 4, {"accounts": 1, "state:paused": 1})
    assert figure_store.move(TENANT, "a-1", Move(replace(fourth, counters={"accounts": 1}), None, {})) is False
    assert figure_store.move(TENANT, "a-1", Move(replace(fourth, version=1), None, {})) is False
    back = Move(fourth, Counted(5, 5, {"accounts": 1, "state:active": 1}),
                {"total": {"state:paused": -1, "state:active": 1, WRITES: 1}})
    assert figure_store.move(TENANT, "a-1", back) is True
    gone = Move(back.end, None, {"total": {"accounts": -1, "state:active": -1, WRITES: 1}})
    assert figure_store.move(TENANT, "a-1", gone) is True
    assert figure_store.counted(TENANT, "a-1") is None and list(figure_store.all_counted(TENANT)) == []
    empty = Counted(1, 1, {})
    assert figure_store.move(TENANT, "a-9", Move(None, empty, {})) is True  # alone, no transaction
    assert figure_store.move(TENANT, "a-9", Move(Counted(0, 0, {}), None, {})) is False  # older than what is counted
    assert figure_store.move(TENANT, "a-9", Move(empty, None, {})) is True
    assert figure_store.counted(TENANT, "a-9") is None


def test_a_correction_lands_only_while_no_move_has(figure_store):
    from chalicelib.domain.counted import WRITES, Counted, Move

    fix = {"total": {"accounts": -3}, "ends#2026-12-20": {"ends:hardship@2026-12-20T0000Z": -1}}
    assert figure_store.correct(TENANT, fix, None) is True
    assert figure_store.correct(TENANT, fix, None) is False  # another correction landed first
    assert figure_store.move(TENANT, "a-1", Move(None, Counted(1, 1, {"accounts": 1}),
                                                 {"total": {"accounts": 1, WRITES: 1}}))
    assert figure_store.correct(TENANT, {"total": {"accounts": 2}}, 1) is False  # a move landed since
    assert figure_store.correct(TENANT, {"total": {"accounts": 2}}, 2) is True

    assert figure_store.item(TENANT, "total") == {"accounts": 0, WRITES: 3}
    assert figure_store.between(TENANT, "ends#", "ends#~") == {
        "ends#2026-12-20": {"ends:hardship@2026-12-20T0000Z": -1}}


def test_items_are_read_by_key_range_and_replaced_by_prefix(figure_store):
    from chalicelib.domain.counted import Counted, Move

    for n, (day, amount) in enumerate((("2026-11-30", 1), ("2026-12-01", 2), ("2026-12-02", 4))):
        figure_store.move(TENANT, f"a-{n}", Move(None, Counted(1, 1, {}), {
            f"day#{day}": {"received:EUR": amount}, "ends#2026-12-20": {"x": 1}}))

    assert figure_store.between(TENANT, "day#2026-12-01", "day#2026-12-02") == {
        "day#2026-12-01": {"received:EUR": 2}, "day#2026-12-02": {"received:EUR": 4}}
    assert figure_store.between(OTHER, "day#", "day#~") == {}

    figure_store.replace(TENANT, {"total": {"accounts": 2}, "ends#2026-12-24": {"y": 1}}, ("total", "ends#"))

    assert figure_store.between(TENANT, "ends#", "ends#~") == {"ends#2026-12-24": {"y": 1}}
    assert figure_store.item(TENANT, "total") == {"accounts": 2}
    assert figure_store.between(TENANT, "day#", "day#~")["day#2026-12-02"] == {"received:EUR": 4}  # kept
    assert len(list(figure_store.all_counted(TENANT))) == 3  # what is counted is not among the items


def test_daily_summary_addresses_are_per_tenant_and_a_day_is_claimed_once(console_store):
    day = date(2026, 12, 7)
    assert console_store.addresses() == [] and console_store.address(TENANT) is None
    console_store.set_address(TENANT, "finance@acme.example.com")
    console_store.set_address(OTHER, "ar@globex.example.com")
    console_store.set_address(OTHER, "ap@globex.example.com")  # replaced

    assert sorted(console_store.addresses()) == sorted([(TENANT, "finance@acme.example.com"),
                                                        (OTHER, "ap@globex.example.com")])
    assert console_store.address(TENANT) == "finance@acme.example.com"
    console_store.set_address(OTHER, None)
    assert console_store.addresses() == [(TENANT, "finance@acme.example.com")]

    assert console_store.claim_day(TENANT, day) is True
    assert console_store.claim_day(TENANT, day) is False  # never twice a day
    assert console_store.claim_day(OTHER, day) is True and console_store.claim_day(TENANT, date(2026, 12, 8))
    console_store.release_day(TENANT, day)
    assert console_store.claim_day(TENANT, day) is True  # taken back: the next run may send it


# --- the payments collection --------------------------------------------------------------------------------

def a_line(ref: str, minutes: int, amount: int = 1000) -> Payment:
    return Payment("stripe", ref, "payment_succeeded", amount, "EUR", T0 + timedelta(minutes=minutes), f"evt_{ref}",
                   "INV-1", event_ids=(f"evt_{ref}",))


def test_ledger_lines_are_written_with_their_account_and_read_back_latest_last(repos):
    account = saved(repos, an_account())
    for n, ref in enumerate(["ch_2", "ch_1", "ch_3"]):
        account.add_line(a_line(ref, minutes=n))
    stored = saved(repos, account)

    assert stored.payment_totals() == ({"EUR": 3000}, {})
    assert repos.accounts.payment_line(TENANT, "acct-1", ("stripe", "ch_1", "payment_succeeded")) == a_line("ch_1", 1)
    assert repos.accounts.payment_line(TENANT, "acct-1", ("stripe", "ch_9", "payment_succeeded")) is None
    assert [p.payment_ref for p in repos.accounts.recent_payments(TENANT, "acct-1", 2)] == ["ch_1", "ch_3"]
    assert repos.accounts.recent_payments(OTHER, "acct-1", 5) == []


def test_a_line_believed_new_that_is_already_stored_refuses_the_whole_save(repos):
    account = saved(repos, an_account())
    account.add_line(a_line("ch_1", minutes=0))
    stored = saved(repos, account)
    stored.payments = []  # as if the line had left the account's recent lines
    stored.add_line(a_line("ch_1", minutes=5, amount=2000))
    stored.record(T0, "payment_succeeded", "test", {})

    with pytest.raises(Conflict) as refused:
        repos.accounts.save(stored)

    assert refused.value.field == "payment_line"
    assert repos.accounts.payment_line(TENANT, "acct-1", ("stripe", "ch_1", "payment_succeeded")) == a_line("ch_1", 0)
    assert repos.accounts.get(TENANT, "acct-1").payment_totals() == ({"EUR": 1000}, {})
