"""The payload of a Standard Webhooks payment event: Kindly's own shape, for billing systems that send their own."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from chalicelib.domain.money import MAX_AMOUNT
from chalicelib.inputs.fields import Currency, Identifier, Strict, Url


class PaymentDataIn(Strict):
    payment_id: Annotated[str, Field(min_length=1, max_length=256)]
    amount: Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
    currency: Currency
    account_id: Identifier | None = None
    invoice_id: Identifier | None = None
    customer_id: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    processor_invoice_id: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    pay_url: Url | None = None




class StandardPaymentIn(Strict):
    """The payload of a Standard Webhooks payment event (the signature scheme is the standard's; this is ours)."""

    type: Annotated[str, Field(max_length=64)]
    timestamp: AwareDatetime
    data: PaymentDataIn
