"""A tenant's brand on the debtor's page: a logo only over https, an accent colour only when white text on it
(and it on white) stays readable (WCAG AA, 4.5:1)."""

from __future__ import annotations

import pytest

from chalicelib.domain.tenants import Tenant, contrast_ratio, readable_on_white
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.tenants import TenantIn
from tests.support.inputs import as_json, rejected

pytestmark = pytest.mark.unit

BASE = {"name": "Acme Ltd", "sender_email": "billing@acme.example.com"}


def test_the_contrast_ratio_is_wcags():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey


@pytest.mark.parametrize(("color", "readable"), [("#1d4ed8", True), ("#767676", True), ("#777777", False),
                                                 ("#fbbf24", False), ("#ffffff", False), ("#000000", True)])
def test_readable_on_white(color, readable):
    assert readable_on_white(color) is readable


def test_a_brand_is_read_and_the_colour_lower_cased():
    tenant = parse(TenantIn, {**BASE, "display_name": "Acme Books", "logo_url": "https://cdn.acme.example/logo.png",
                              "accent_color": "#1D4ED8"})
    assert (tenant.display_name, tenant.logo_url, tenant.accent_color) == (
        "Acme Books", "https://cdn.acme.example/logo.png", "#1d4ed8")


@pytest.mark.parametrize("url", ["http://cdn.acme.example/logo.png", "javascript:alert(1)", "https://",
                                 "https://cdn.acme.example/logo.png\n", "//cdn.acme.example/logo.png"])
def test_a_logo_must_be_https(url):
    assert rejected(TenantIn, as_json({**BASE, "logo_url": url})).field == "logo_url"


@pytest.mark.parametrize("color", ["#fbbf24", "#ffffff", "1d4ed8", "#1d4ed", "red", "#1d4ed8;x"])
def test_an_unreadable_or_malformed_accent_is_refused(color):
    assert rejected(TenantIn, as_json({**BASE, "accent_color": color})).field == "accent_color"


def test_the_brand_falls_back_to_the_name_and_the_logo_gives_its_origin():
    plain = Tenant("t", "Acme Ltd", "b@acme.example.com", "ES", "Europe/Madrid", "es-ES")
    assert plain.brand == "Acme Ltd" and plain.logo_origin is None
    branded = Tenant("t", "Acme Ltd", "b@acme.example.com", "ES", "Europe/Madrid", "es-ES",
                     display_name="Acme Books", logo_url="https://cdn.acme.example:8443/img/logo.png")
    assert branded.brand == "Acme Books" and branded.logo_origin == "https://cdn.acme.example:8443"
