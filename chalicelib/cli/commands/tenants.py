"""`kindly init`, `kindly tenant create` / `check`, `kindly finance subscribe`: the AWS side and tenants."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import UsageError, container, emit


def cmd_init(_args: argparse.Namespace) -> int:
    from chalicelib.adapters.provision import initialise

    emit(initialise(container()))
    return 0


def cmd_tenant_create(args: argparse.Namespace) -> int:
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    fields = {
        "name": args.name, "sender_email": args.sender_email, "country": args.country, "timezone": args.timezone,
        "locale": args.locale, "role": args.role, "support_email": args.support_email,
        "sms_sender_id": args.sms_sender_id, "display_name": args.display_name, "logo_url": args.logo_url,
        "accent_color": args.accent_color, "reply_to": args.reply_to,
    }
    given = parse(TenantIn, {name: value for name, value in fields.items() if value is not None})
    app = container()
    if args.sender_domain is None:
        tenant, key = app.tenants.create(given)
        emit({"tenant_id": tenant.tenant_id, "api_key": key})
        return 0
    # The domain is checked and set up in SES (idempotent) before the tenant exists: a refusal creates nothing.
    domain = app.sender_domains.checked_domain(args.sender_domain, given.sender_email)
    sender_domain = app.sender_domains.set_up(domain)
    tenant, key = app.tenants.create(given, verify_sender=False)
    emit({"tenant_id": tenant.tenant_id, "api_key": key, "sender_domain": sender_domain})
    return 0


def cmd_tenant_set(args: argparse.Namespace) -> int:
    from chalicelib.domain.errors import InvalidInput

    if args.excluded_days is None and args.daily_summary_to is None and args.reply_to is None:
        raise UsageError("say what to set: --excluded-days, --daily-summary-to and/or --reply-to")
    done: dict[str, object] = {"tenant_id": args.tenant}
    # Addresses are checked before anything is written: a bad one changes nothing.
    if args.daily_summary_to is not None:
        from chalicelib.services.daily_summary import summary_address

        try:
            summary_address(args.daily_summary_to)
        except InvalidInput as exc:
            raise UsageError(f"--daily-summary-to: {exc.message}") from exc
    if args.reply_to is not None:
        from chalicelib.inputs.fields import email_or_nothing

        try:
            email_or_nothing(args.reply_to, "reply_to")
        except InvalidInput as exc:
            raise UsageError(f"--reply-to: {exc.message}") from exc
    if args.excluded_days is not None:
        days = [day.strip() for day in args.excluded_days.split(",") if day.strip()]
        try:
            tenant = container().tenants.set_excluded_days(args.tenant, {"excluded_days": days})
        except InvalidInput as exc:
            raise UsageError(f"--excluded-days: {exc.message}") from exc
        done["excluded_days"] = tenant.to_dict()["excluded_days"]
    if args.daily_summary_to is not None:
        done["daily_summary_to"] = container().daily_summary.set_address(args.tenant, args.daily_summary_to)
    if args.reply_to is not None:
        done["reply_to"] = container().tenants.set_reply_to(args.tenant, args.reply_to).reply_to
    emit(done)
    return 0


def cmd_tenant_check(args: argparse.Namespace) -> int:
    report = container().sender_domains.check(args.tenant)
    emit(report)
    return 0 if report["ready"] else 1


def cmd_finance_subscribe(args: argparse.Namespace) -> int:
    from chalicelib.domain.errors import InvalidInput

    try:
        emit(container().finance_subscriptions.subscribe(args.tenant, args.protocol, args.endpoint))
    except InvalidInput as exc:
        raise UsageError(f"--{exc.field}: {exc.message}") from exc
    return 0
