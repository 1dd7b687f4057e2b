"""What the finance console reads from people: a new person's address and role, a sign-in request."""

from __future__ import annotations

from typing import Literal

from chalicelib.inputs.fields import Email, Strict


class UserIn(Strict):
    email: Email
    role: Literal["viewer", "editor", "admin"]


class SignInIn(Strict):
    email: Email
