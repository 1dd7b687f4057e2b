"""`kindly sms receive` and `kindly ses event`: what the debtor does, as AWS would publish it to Kindly's SNS topics,
handed to the `sms_inbound` and `email_events` functions' own handlers in this process (`chalice local` delivers
no SNS). On the local stage they run against the running local stack, as `kindly sweep` does."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from chalicelib.cli.usage import UsageError, container, emit, parse_instant

SES_TYPES = {"delivery": "Delivery", "open": "Open", "click": "Click"}
SMS_OPTIONS = {"originationNumber": "--from", "destinationNumber": "--to", "messageBody": "--body",
               "previousPublishedMessageId": "--answering"}


def cmd_sms_receive(args: argparse.Namespace) -> int:
    from chalicelib import bootstrap
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.config import settings
    from chalicelib.local.sns_events import OUR_NUMBER, inbound_sms, sns_notification

    at = parse_instant(args.at) if args.at else datetime.now(UTC)
    if not args.body.strip():
        raise UsageError("--body is empty: a text says something")
    message = inbound_sms(args.origination, args.body, args.to or OUR_NUMBER, args.answering)
    _check_sms(message)
    bootstrap.install(container(clock=FixedClock(at)))  # the handler's clock: when the text arrives
    event = sns_notification(settings().region, settings().sms_inbound_topic, message, at)
    emit({**_invoke("sms_inbound", event), "inbound_message_id": message["inboundMessageId"]})
    return 0


def cmd_ses_event(args: argparse.Namespace) -> int:
    from chalicelib.config import settings
    from chalicelib.domain.messages import account_tag
    from chalicelib.local.sns_events import ses_event, sns_notification

    at = parse_instant(args.at) if args.at else datetime.now(UTC)
    app = container()
    sent = _sent_email(app, args.tenant, args.account, args.message_id)
    tenant = app.tenants.get(args.tenant)
    account = app.accounts.get(args.tenant, sent["account_id"])
    tags = {"tenant_id": args.tenant, "account": account_tag(sent["account_id"]), "message_id": sent["message_id"]}
    body = ses_event(SES_TYPES[args.type], tags=tags, configuration_set=settings().ses_configuration_set,
                     source=tenant.sender_email, destination=account.email,
                     provider_message_id=sent["provider_message_id"], sent_at=sent["at"], at=at,
                     link=settings().public_base_url)
    # SNS delivers it when SES publishes it: now, whatever instant the open itself carries.
    event = sns_notification(settings().region, settings().email_events_topic, body, datetime.now(UTC))
    emit({**_invoke("email_events", event), "message_id": sent["message_id"], "event_type": body["eventType"],
          "at": body[args.type]["timestamp"]})
    return 0


def _check_sms(message: dict[str, Any]) -> None:
    """What the handler would drop as malformed is a usage error here, naming the option."""
    import json

    from chalicelib.domain.errors import InvalidInput
    from chalicelib.inputs.sms_inbound import inbound_sms as parse_inbound

    try:
        parse_inbound(json.dumps(message))
    except InvalidInput as exc:
        option = SMS_OPTIONS.get(str(exc.field).split(".")[0], str(exc.field))
        raise UsageError(f"{option}: {exc.message}") from exc


def _invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run the function's handler as Lambda would, with the SNS event; what it answers."""
    if function == "sms_inbound":
        from chalicelib.routes.sms import sms_inbound as handler
    else:
        from chalicelib.routes.feedback import email_events as handler
    answer = handler(event, None)
    return dict(answer) if isinstance(answer, dict) else {"outcome": None}


def _sent_email(app: Any, tenant_id: str, account_id: str | None, message_id: str) -> dict[str, Any]:
    """The email Kindly sent under `message_id` (its own id, as the timeline shows it, or SES's, as `kindly outbox`
    shows it): which account, Kindly's and SES's ids, when. NotFound when no account of the tenant has it."""
    from chalicelib.domain.errors import NotFound

    repository = app.account_repository
    for candidate in [account_id] if account_id else repository.account_ids(tenant_id):
        for event in repository.events(tenant_id, candidate):
            details = getattr(event, "details", None) or {}
            if getattr(event, "type", None) == "message_sent" and details.get("channel") == "email" and \
                    message_id in (details.get("message_id"), details.get("provider_message_id")):
                return {"account_id": candidate, "message_id": details["message_id"],
                        "provider_message_id": details.get("provider_message_id"), "at": event.at}
    where = f"account {account_id!r}" if account_id else "any account of the tenant"
    raise NotFound(f"no email {message_id!r} was sent to {where}", "message_id")
