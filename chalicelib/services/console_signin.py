"""Signing in to the finance console: a one-time link by email, exchanged for a signed session cookie.

The answer to a sign-in request never says whether the address is known: the same steps run either way (count
the request, look the address up, make a token and its hash) and only the last, storing and emailing the link,
is skipped for an unknown address. Each request reads the session's person again, so removing a person or
changing their role takes effect at once, and signing out closes the session on the server."""

from __future__ import annotations

from msgspec import Struct

from chalicelib.domain.console import (
    SESSION_TTL,
    SIGNIN_LIMIT,
    SIGNIN_LINK_TTL,
    ConsoleUser,
    Session,
    SignInLink,
    address_key,
    csrf_matches,
    csrf_token,
    new_session_id,
    new_token,
    normal_email,
    seal,
    token_hash,
    unseal,
    window_of,
)
from chalicelib.domain.errors import Throttled, Unauthenticated
from chalicelib.domain.messages import RenderedMessage
from chalicelib.domain.ports import Clock, ConsoleSignIns, ConsoleUsers, EmailSender, SessionKeys, TenantLookup
from chalicelib.inputs.console import SignInIn
from chalicelib.inputs.parsing import parse

RETRY_AFTER_SECONDS = 15 * 60


class TooManySignIns(Throttled):
    """The address asked for more links than the limit allows in the window (SES throttling is Throttled)."""


class SignedIn(Struct, frozen=True):
    session: Session
    cookie: str  # the cookie's value: the session, signed


class ConsoleSignIn:
    def __init__(self, users: ConsoleUsers, signins: ConsoleSignIns, keys: SessionKeys, email: EmailSender,
                 tenants: TenantLookup, clock: Clock, base_url: str) -> None:
        self._users = users
        self._signins = signins
        self._keys = keys
        self._email = email
        self._tenants = tenants
        self._clock = clock
        self._base_url = base_url

    def request_link(self, email: str) -> None:
        """Email a sign-in link to the person with this address in each tenant that has it; nothing for an
        unknown address, and the caller answers the same. InvalidInput for something that is not an address,
        Throttled after SIGNIN_LIMIT requests for one address in a window."""
        address = normal_email(parse(SignInIn, {"email": email.strip()}).email)
        now = self._clock.now()
        window, until = window_of(now)
        if self._signins.count_request(address_key(address), window, until) > SIGNIN_LIMIT:
            raise TooManySignIns("too many sign-in links asked for this address; try again in 15 minutes",
                                 RETRY_AFTER_SECONDS)
        known: list[ConsoleUser | None] = list(self._users.with_email(address))
        for user in known or [None]:
            token = new_token()
            link = SignInLink(token_hash(token), user.tenant_id if user else "", user.user_id if user else "",
                              now + SIGNIN_LINK_TTL)
            if user is None:
                continue
            tenant = self._tenants.get(user.tenant_id)
            if tenant is None:
                continue
            self._signins.put_link(link)
            url = f"{self._base_url}/console/signin/{token}"
            self._email.send(sender=tenant.sender_email, sender_name=f"{tenant.brand} finance console",
                             recipient=user.email, message=_signin_message(tenant.brand, url),
                             tags={"tenant_id": tenant.tenant_id, "purpose": "console_signin"})

    def exchange(self, token: str) -> SignedIn:
        """A session for a link's token, which then works no more; Unauthenticated for a link that is unknown,
        used, expired, or whose person was removed meanwhile."""
        now = self._clock.now()
        link = self._signins.take_link(token_hash(token)) if 16 <= len(token) <= 128 else None
        if link is None or link.valid_until <= now:
            raise Unauthenticated("this sign-in link has expired or was already used; ask for a new one")
        user = self._users.get(link.tenant_id, link.user_id)
        if user is None:
            raise Unauthenticated("this sign-in link has expired or was already used; ask for a new one")
        session = Session(user.user_id, user.tenant_id, user.role, new_session_id(), now + SESSION_TTL)
        self._signins.open_session(session)
        return SignedIn(session, seal(session, self._keys.keys()[0]))

    def session_of(self, cookie: str | None) -> Session | None:
        """The open session a cookie carries, with the person's role as it is now; None if signed out."""
        session = unseal(cookie or "", self._keys.keys(), self._clock.now())
        if session is None or not self._signins.is_open(session.tenant_id, session.session_id):
            return None
        user = self._users.get(session.tenant_id, session.user_id)
        if user is None:
            return None
        return Session(user.user_id, user.tenant_id, user.role, session.session_id, session.expires_at)

    def sign_out(self, session: Session) -> None:
        self._signins.close_session(session.tenant_id, session.session_id)

    # --- CSRF: a form token tied to the session (or, before signing in, to a random value in a cookie) ----
    def form_token(self, bound_to: str) -> str:
        return csrf_token(bound_to, self._keys.keys()[0])

    def form_token_matches(self, given: str | None, bound_to: str) -> bool:
        return csrf_matches(given, bound_to, self._keys.keys())


def _signin_message(brand: str, url: str) -> RenderedMessage:
    text = (f"Hello,\n\nhere is your link to sign in to {brand}'s finance console on Kindly:\n\n{url}\n\n"
            "It works once, for 15 minutes. If you did not ask for it, you can ignore this email: "
            "nobody can sign in without the link.\n")
    return RenderedMessage(text=text, subject=f"Your sign-in link for {brand}'s finance console")
