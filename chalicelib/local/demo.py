"""A demo tenant with accounts spread over the world's time zones, so that at any hour some reminders go
out and others wait for a decent local hour — and the reason is visible.

The demo tenant's accounts follow a `demo` policy: the standard steps, sent on any day of the week between
08:00 and 21:00 local (the courtesy guard's own bounds), so that whatever the day a newcomer runs
`make run`, something goes out. Debtors in Israel, Mexico and Kamchatka keep a reminder going somewhere on
the holidays most of the others share (Christmas, New Year, Thanksgiving, Labor Day)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.tenants import TenantIn

DEMO_TENANT = {"name": "Kindly Demo Co", "sender_email": "billing@kindly-demo.example.com", "country": "GB",
               "timezone": "Europe/London", "locale": "en-GB", "support_email": "help@kindly-demo.example.com",
               "sms_sender_id": "KindlyDemo"}

# (account id, name, locale, zone, country, days overdue, currency, amount, extra)
DEMO_ACCOUNTS: list[tuple[str, str, str, str, str, int, str, int, dict[str, Any]]] = [
    ("demo-honolulu", "Keola Kahale", "en-US", "Pacific/Honolulu", "US", 2, "USD", 12900, {}),
    ("demo-los-angeles", "Maria Lopez", "es-US", "America/Los_Angeles", "US", 2, "USD", 4900, {}),
    ("demo-new-york", "James Carter", "en-US", "America/New_York", "US", 11, "USD", 25000, {}),
    ("demo-sao-paulo", "Beatriz Souza", "pt-BR", "America/Sao_Paulo", "BR", 2, "BRL", 15990, {}),
    ("demo-london", "Oliver Bennett", "en-GB", "Europe/London", "GB", -3, "GBP", 3600, {}),
    ("demo-madrid", "Ana García", "es-ES", "Europe/Madrid", "ES", 2, "EUR", 4900, {}),
    ("demo-paris", "Camille Martin", "fr-FR", "Europe/Paris", "FR", 22, "EUR", 8750, {}),
    ("demo-berlin", "Jonas Müller", "de-DE", "Europe/Berlin", "DE", 5, "EUR", 19900,
     {"sms_consent": {"source": "checkout-form", "at": "2026-01-05T10:00:00Z"}}),
    ("demo-dubai", "Layla Haddad", "en-AE", "Asia/Dubai", "AE", 5, "AED", 36700, {}),
    ("demo-kolkata", "Priya Sharma", "en-IN", "Asia/Kolkata", "IN", 2, "INR", 249900, {}),
    ("demo-tokyo", "Sato Yuki", "ja-JP", "Asia/Tokyo", "JP", 2, "JPY", 5800, {}),
    ("demo-sydney", "Chloe Wilson", "en-AU", "Australia/Sydney", "AU", 11, "AUD", 9900, {}),
    ("demo-dispute", "Tom Baker", "en-GB", "Europe/London", "GB", 2, "GBP", 12000, {}),
    ("demo-mexico-city", "Sofía Hernández", "es-MX", "America/Mexico_City", "MX", 2, "MXN", 89900, {}),
    ("demo-tel-aviv", "Noa Levi", "en-IL", "Asia/Jerusalem", "IL", 11, "ILS", 45000, {}),
    ("demo-kamchatka", "Ivan Petrov", "ru-RU", "Asia/Kamchatka", "RU", 2, "RUB", 990000, {}),
]

DEMO_POLICY = "demo"
DEMO_FINANCE_EMAIL = "finance@demo.example"  # an admin of the demo tenant's finance console

PHONES = {"demo-berlin": "+4915112345678", "demo-dubai": "+971501234567"}


def demo_policy_body() -> dict[str, Any]:
    from chalicelib.domain.policies import STANDARD

    body = {k: v for k, v in STANDARD.to_dict().items() if k not in ("name", "version")}
    return {**body, "send_window": {"start": "08:00", "end": "21:00", "weekdays": list(range(7))}}


def account_body(name: str, locale: str, zone: str, country: str, overdue: int, currency: str, amount: int,
                 extra: dict[str, Any], today: date, account_id: str) -> dict[str, Any]:
    due = today - timedelta(days=overdue)
    slug = account_id.removeprefix("demo-")
    body = {
        "name": name, "email": f"{slug}@customers.example.com", "locale": locale, "timezone": zone,
        "country": country, "tags": ["demo"], "policy": DEMO_POLICY,
        "invoices": [{"id": f"INV-{slug.upper()}-1", "amount": amount, "currency": currency,
                      "issued_on": (due - timedelta(days=14)).isoformat(), "due_on": due.isoformat(),
                      "payment_url": f"https://pay.example.com/{slug}"}],
        **extra,
    }
    if account_id in PHONES:
        body["phone"] = PHONES[account_id]
    return body


def load_demo(app: Any, today: date) -> dict[str, Any]:
    tenant, key = app.tenants.create(parse(TenantIn, DEMO_TENANT))
    app.policies.put(tenant.tenant_id, DEMO_POLICY, demo_policy_body())
    for account_id, name, locale, zone, country, overdue, currency, amount, extra in DEMO_ACCOUNTS:
        body = account_body(name, locale, zone, country, overdue, currency, amount, extra, today, account_id)
        app.accounts.upsert(tenant.tenant_id, account_id, body, "demo-loader")
    app.accounts.set_flag(tenant.tenant_id, "demo-dispute",
                          parse(FlagIn, {"flag": "dispute", "active": True,
                                         "note": "customer says the invoice was paid"}),
                          "demo-loader")
    app.console_people.add(tenant.tenant_id, DEMO_FINANCE_EMAIL, "admin", "demo-loader")
    return {"tenant_id": tenant.tenant_id, "api_key": key, "accounts": len(DEMO_ACCOUNTS),
            "console_email": DEMO_FINANCE_EMAIL}
