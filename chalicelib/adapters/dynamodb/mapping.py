"""Translate between domain objects and table items."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from msgspec.structs import asdict

from chalicelib.domain.accounts import DISPUTE, Account, Flag, Invoice, PendingThanks, SentRecord, SmsConsent
from chalicelib.domain.audit import AuditEvent, ChainHead, StoredEvent, UnreadableEvent
from chalicelib.domain.engagement import Signal
from chalicelib.domain.payments import LedgerSums, Payment, PaymentEvent, recent_window
from chalicelib.domain.policies import Caps, Policy, SendWindow, Step
from chalicelib.domain.settlement import SettlementOffer
from chalicelib.domain.tenants import ApiKey, Tenant
from chalicelib.domain.times import iso

if TYPE_CHECKING:
    from chalicelib.domain.plans import Plan
    from chalicelib.domain.promises import Promise


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def due_key(instant: datetime) -> str:
    """Fixed-width UTC text, so the index's string order is time order."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def account_to_item(account: Account, model_cls: Any, shards: int) -> Any:
    item = model_cls(
        account.tenant_id,
        account.account_id,
        profile={
            "name": account.name,
            "email": account.email,
            "phone": account.phone,
            "locale": account.locale,
            "timezone": account.timezone,
            "country": account.country,
            "region": account.region,
            "policy": account.policy,
            "processor_ids": account.processor_ids,
            "tags": account.tags,
            "sms_consent": (
                {"source": account.sms_consent.source, "at": iso(account.sms_consent.at)}
                if account.sms_consent else None
            ),
        },
        invoices=[inv.to_dict() for inv in account.invoices],
        flags={name: _flag_record(f) for name, f in account.flags.items()},
        invoice_disputes={invoice_id: _flag_record(f) for invoice_id, f in account.invoice_disputes.items()} or None,
        contact={"email_suppressed": account.email_suppressed, "sms_opted_out": account.sms_opted_out,
                 "preferred_locale": account.preferred_locale,
                 "self_paused_at": iso(account.self_paused_at) if account.self_paused_at else None,
                 "preferred_hours": ([t.strftime("%H:%M") for t in account.preferred_hours]
                                     if account.preferred_hours else None),
                 "engagement": [{"at": iso(s.at), "kind": s.kind} for s in account.engagement] or None,
                 "awaiting_reply_until": iso(account.awaiting_reply_until) if account.awaiting_reply_until else None},
        recent_sends=[
            {"at": iso(s.at), "channel": s.channel, "message_id": s.message_id} for s in account.recent_sends
        ],
        cycle=account.cycle,
        last_step=account.last_step,
        last_step_key=account.last_step_key,
        state=account.state,
        hold_reason=account.hold_reason,
        payments=[payment_record(p) for p in recent_window(account.payments)] or None,
        ledger=_ledger_record(account.ledger, account.paid_in_full),
        tallies=account.tallies or None,
        thanks=({"payment": account.pending_thanks.payment, "not_before": iso(account.pending_thanks.not_before)}
                if account.pending_thanks else None),
        arrangements=_arrangements(account),
        next_action_at=iso(account.next_action_at) if account.next_action_at else None,
        audit_seq=account.audit_head.seq,
        audit_hash=account.audit_head.hash,
        created_at=iso(account.created_at) if account.created_at else "",
        updated_at=iso(account.updated_at) if account.updated_at else "",
    )
    if account.phone:  # sparse: the phone index holds only accounts with a number (an SMS reply finds them)
        item.phone = account.phone
    if account.next_action_at is not None:
        item.due_shard = shard_of(account.tenant_id, account.account_id, shards)
        item.due_at = due_key(account.next_action_at)
    if account.version is not None:
        item.version = account.version
    return item


def shard_of(tenant_id: str, account_id: str, shards: int) -> int:
    return zlib.crc32(f"{tenant_id}#{account_id}".encode()) % shards


def item_to_account(item: Any) -> Account:
    profile = item.profile
    consent = profile.get("sms_consent")
    return Account(
        tenant_id=item.tenant_id,
        account_id=item.account_id,
        name=profile["name"],
        email=profile.get("email"),
        phone=profile.get("phone"),
        locale=profile["locale"],
        timezone=profile.get("timezone"),
        country=profile.get("country"),
        region=profile.get("region"),
        policy=profile["policy"],
        processor_ids=profile.get("processor_ids") or {},
        tags=profile.get("tags") or [],
        sms_consent=SmsConsent(consent["source"], parse_instant(consent["at"])) if consent else None,
        invoices=[
            Invoice(
                invoice_id=i["id"], amount=int(i["amount"]), currency=i["currency"],
                issued_on=date.fromisoformat(i["issued_on"]), due_on=date.fromisoformat(i["due_on"]),
                status=i["status"], processor_invoice_id=i.get("processor_invoice_id"),
                payment_url=i.get("payment_url"),
            )
            for i in item.invoices
        ],
        flags={name: _flag(name, f) for name, f in (item.flags or {}).items()},
        invoice_disputes={invoice_id: _flag(DISPUTE, f) for invoice_id, f in (item.invoice_disputes or {}).items()},
        email_suppressed=(item.contact or {}).get("email_suppressed"),
        sms_opted_out=bool((item.contact or {}).get("sms_opted_out")),
        preferred_locale=(item.contact or {}).get("preferred_locale"),
        self_paused_at=_instant_or_none((item.contact or {}).get("self_paused_at")),
        preferred_hours=_hours((item.contact or {}).get("preferred_hours")),
        engagement=[Signal(parse_instant(s["at"]), s["kind"]) for s in (item.contact or {}).get("engagement") or []],
        awaiting_reply_until=_instant_or_none((item.contact or {}).get("awaiting_reply_until")),
        cycle=item.cycle,
        last_step=int(item.last_step),
        last_step_key=item.last_step_key,
        state=item.state,
        hold_reason=item.hold_reason,
        payments=[payment_from_record(p) for p in item.payments or []],
        ledger=_ledger_of(item.ledger),
        paid_in_full=_paid_in_full_of(item.ledger),
        tallies={key: int(n) for key, n in (item.tallies or {}).items()},
        pending_thanks=(PendingThanks(item.thanks["payment"], parse_instant(item.thanks["not_before"]))
                        if item.thanks else None),
        **_arrangements_of(item.arrangements or {}),
        next_action_at=parse_instant(item.next_action_at) if item.next_action_at else None,
        recent_sends=[
            SentRecord(parse_instant(s["at"]), s["channel"], s["message_id"]) for s in item.recent_sends or []
        ],
        audit_head=ChainHead(int(item.audit_seq), item.audit_hash),
        created_at=parse_instant(item.created_at) if item.created_at else None,
        updated_at=parse_instant(item.updated_at) if item.updated_at else None,
        version=item.version,
    )


def _flag_record(flag: Flag) -> dict[str, Any]:
    return {"active": flag.active, "since": iso(flag.since), "until": flag.until.isoformat() if flag.until else None,
            "note": flag.note, "set_by": flag.set_by}


def _flag(name: str, stored: dict[str, Any]) -> Flag:
    return Flag(name, bool(stored["active"]), parse_instant(stored["since"]),
                date.fromisoformat(stored["until"]) if stored.get("until") else None, stored.get("note"),
                stored.get("set_by"))


def _arrangements(account: Account) -> dict[str, Any] | None:
    stored = {
        "plan": account.plan.to_dict() if account.plan else None,
        "promise": account.promise.to_dict() if account.promise else None,
        "settlement_offer": account.settlement_offer.to_record() if account.settlement_offer else None,
        "notices": dict(account.plan_notices) or None,
        "earlier_plans_paid": dict(account.earlier_plans_paid) or None,
    }
    return {name: value for name, value in stored.items() if value is not None} or None


def _arrangements_of(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "plan": _plan(stored["plan"]) if stored.get("plan") else None,
        "promise": _promise(stored["promise"]) if stored.get("promise") else None,
        "settlement_offer": (SettlementOffer.from_record(stored["settlement_offer"])
                             if stored.get("settlement_offer") else None),
        "plan_notices": {str(k): str(v) for k, v in (stored.get("notices") or {}).items()},
        "earlier_plans_paid": {str(k): int(v) for k, v in (stored.get("earlier_plans_paid") or {}).items()},
    }


# The plan and promise rules load with the first account that has one (most reminders have neither).
def _plan(stored: dict[str, Any]) -> Plan:
    from chalicelib.domain.plans import Plan

    return Plan.from_dict(stored)


def _promise(stored: dict[str, Any]) -> Promise:
    from chalicelib.domain.promises import Promise

    return Promise.from_dict(stored)


def _hours(pair: list[str] | None) -> tuple[time, time] | None:
    if not pair:
        return None
    start, end = (datetime.strptime(text, "%H:%M").time() for text in pair)
    return start, end


def _instant_or_none(text: str | None) -> datetime | None:
    return parse_instant(text) if text else None


def payment_record(line: Payment) -> dict[str, Any]:
    return line.to_dict() | {"event_ids": list(line.event_ids)}


def _ledger_record(sums: LedgerSums | None, paid_in_full: dict[str, datetime]) -> dict[str, Any] | None:
    if sums is None:
        return None
    return {"credits": [[invoice_id, currency, amount] for (invoice_id, currency), amount in sums.credits.items()],
            "received": sums.received, "returned": sums.returned, "lines": sums.lines,
            "paid_in_full": {invoice_id: iso(at) for invoice_id, at in paid_in_full.items()}}


def _paid_in_full_of(stored: dict[str, Any] | None) -> dict[str, datetime]:
    return {str(invoice_id): parse_instant(at) for invoice_id, at in ((stored or {}).get("paid_in_full") or {}).items()}


def _ledger_of(stored: dict[str, Any] | None) -> LedgerSums | None:
    """None for an item stored before the payments table: its `payments` hold every line (Account.ledger)."""
    if stored is None:
        return None
    return LedgerSums({(invoice_id, currency): int(amount) for invoice_id, currency, amount in stored["credits"]},
                      {k: int(v) for k, v in stored["received"].items()},
                      {k: int(v) for k, v in stored["returned"].items()}, int(stored["lines"]))


def payment_from_record(line: dict[str, Any]) -> Payment:
    return Payment(line["provider"], line["payment_ref"], line["kind"], int(line["amount"]), line["currency"],
                   parse_instant(line["at"]), line["event_id"], line.get("invoice_id"), line.get("pay_url"),
                   tuple(line.get("event_ids") or (line["event_id"],)))


def payment_event_to_dict(event: PaymentEvent) -> dict[str, Any]:
    return {**asdict(event), "occurred_at": iso(event.occurred_at)}


def dict_to_payment_event(data: dict[str, Any]) -> PaymentEvent:
    return PaymentEvent(**{**data, "occurred_at": parse_instant(data["occurred_at"]),
                           "amount": None if data.get("amount") is None else int(data["amount"])})


def event_to_item(tenant_id: str, account_id: str, event: AuditEvent, model_cls: Any) -> Any:
    return model_cls(
        account_key(tenant_id, account_id),
        event.seq,
        at=iso(event.at),
        type=event.type,
        actor=event.actor,
        details=json.dumps(event.details, sort_keys=True, ensure_ascii=False),
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


AUDIT_TEXT_ATTRIBUTES = ("at", "type", "actor", "details", "prev_hash", "hash")


def raw_to_event(raw: dict[str, Any]) -> StoredEvent:
    """An audit item as DynamoDB returned it, read attribute by attribute: one that was corrupted or tampered
    with becomes an UnreadableEvent naming what is wrong, instead of an exception that hides every other."""
    number = Decimal(raw["seq"]["N"])  # the range key: always there, always a number
    seq = int(number) if number == number.to_integral_value() else float(number)
    problems = [] if isinstance(seq, int) else ["seq is not a whole number"]
    texts = {}
    for name in AUDIT_TEXT_ATTRIBUTES:
        value = raw.get(name) or {}
        if isinstance(value.get("S"), str):
            texts[name] = value["S"]
        else:
            problems.append(f"{name} is {'not text' if value else 'missing'}")
    readable: dict[str, Any] = {k: v for k, v in texts.items() if k not in ("at", "details")}
    if "at" in texts:
        at = _stored_instant(texts["at"])
        if at is None:
            problems.append("at is not an ISO 8601 instant with an offset")
        else:
            readable["at"] = at
    if "details" in texts:
        details = _json_object(texts["details"])
        if details is None:
            problems.append("details are not JSON")
        else:
            readable["details"] = details
    if problems:
        if "at" in readable:
            readable["at"] = iso(readable["at"])
        return UnreadableEvent(seq, "; ".join(problems), readable)
    return AuditEvent(seq=int(seq), at=readable["at"], type=texts["type"], actor=texts["actor"],
                      details=readable["details"], prev_hash=texts["prev_hash"], hash=texts["hash"])


def _stored_instant(text: str) -> datetime | None:
    try:
        instant = parse_instant(text)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def account_key(tenant_id: str, account_id: str) -> str:
    return f"{tenant_id}#{account_id}"


def policy_to_body(policy: Policy) -> dict[str, Any]:
    body = policy.to_dict()
    body.pop("name")
    body.pop("version")
    return body


def body_to_policy(name: str, version: int, body: dict[str, Any]) -> Policy:
    window = body["send_window"]
    return Policy(
        name=name,
        version=version,
        steps=tuple(
            Step(s["offset_days"], s.get("channel"), s.get("template"), s.get("action")) for s in body["steps"]
        ),
        send_window=SendWindow(
            datetime.strptime(window["start"], "%H:%M").time(),
            datetime.strptime(window["end"], "%H:%M").time(),
            frozenset(window["weekdays"]),
        ),
        caps=Caps(**body["caps"]),
        plans=body.get("plans") or {},
        settlement=body.get("settlement"),
        promise=body.get("promise") or {},
        hardship_pause_days=int(body.get("hardship_pause_days", 30)),
        segment=body.get("segment") or {},
        require_approval_first_run=bool(body.get("require_approval_first_run", False)),
        early_heads_up=body.get("early_heads_up"),
    )


def tenant_to_item(tenant: Tenant, model_cls: Any) -> Any:
    return model_cls(
        tenant.tenant_id, name=tenant.name, sender_email=tenant.sender_email, country=tenant.country,
        timezone=tenant.timezone, locale=tenant.locale, role=tenant.role, support_email=tenant.support_email,
        sms_sender_id=tenant.sms_sender_id, created_at=iso(tenant.created_at) if tenant.created_at else "",
        display_name=tenant.display_name, logo_url=tenant.logo_url, accent_color=tenant.accent_color,
        excluded_days=[day.isoformat() for day in tenant.excluded_days] or None,
        reply_to=tenant.reply_to,
    )


def item_to_tenant(item: Any) -> Tenant:
    return Tenant(
        tenant_id=item.tenant_id, name=item.name, sender_email=item.sender_email, country=item.country,
        timezone=item.timezone, locale=item.locale, role=item.role, support_email=item.support_email,
        sms_sender_id=item.sms_sender_id,
        created_at=parse_instant(item.created_at) if item.created_at else None,
        display_name=item.display_name, logo_url=item.logo_url, accent_color=item.accent_color,
        excluded_days=tuple(date.fromisoformat(day) for day in item.excluded_days or ()),
        reply_to=item.reply_to,
    )


def item_to_api_key(item: Any) -> ApiKey:
    return ApiKey(item.key_id, item.key_hash, item.tenant_id, parse_instant(item.created_at))
