"""A demo tenant with accounts spread over the world's time zones, so that at any hour some reminders go
out and others wait for a decent local hour — and the reason is visible."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

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
]

PHONES = {"demo-berlin": "+4915112345678", "demo-dubai": "+971501234567"}


def account_body(name: str, locale: str, zone: str, country: str, overdue: int, currency: str, amount: int,
                 extra: dict[str, Any], today: date, account_id: str) -> dict[str, Any]:
    due = today - timedelta(days=overdue)
    slug = account_id.removeprefix("demo-")
    body = {
        "name": name, "email": f"{slug}@customers.example.com", "locale": locale, "timezone": zone,
        "country": country, "tags": ["demo"],
        "invoices": [{"id": f"INV-{slug.upper()}-1", "amount": amount, "currency": currency,
                      "issued_on": (due - timedelta(days=14)).isoformat(), "due_on": due.isoformat(),
                      "payment_url": f"https://pay.example.com/{slug}"}],
        **extra,
    }
    if account_id in PHONES:
        body["phone"] = PHONES[account_id]
    return body


def load_demo(app: Any, today: date) -> dict[str, Any]:
    tenant, key = app.tenants.create(DEMO_TENANT)
    for account_id, name, locale, zone, country, overdue, currency, amount, extra in DEMO_ACCOUNTS:
        body = account_body(name, locale, zone, country, overdue, currency, amount, extra, today, account_id)
        app.accounts.upsert(tenant.tenant_id, account_id, body, "demo-loader")
    app.accounts.set_flag(tenant.tenant_id, "demo-dispute",
                          {"flag": "dispute", "active": True, "note": "customer says the invoice was paid"},
                          "demo-loader")
    return {"tenant_id": tenant.tenant_id, "api_key": key, "accounts": len(DEMO_ACCOUNTS)}
