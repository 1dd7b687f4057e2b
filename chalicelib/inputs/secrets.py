"""A processor's webhook signing secret, as a tenant sets it."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from chalicelib.inputs.fields import Strict, printable


class WebhookSecretIn(Strict):
    secret: Annotated[str, Field(min_length=8, max_length=4096), AfterValidator(printable)]
