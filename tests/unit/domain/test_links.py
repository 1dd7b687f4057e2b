"""Self-service links are signed, expiring and single-purpose; anything doubtful is Unauthenticated
(SPEC capability 8)."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.links import PORTAL, TAG_BYTES, UNSUBSCRIBE, LinkClaims, read_link, sign_link

pytestmark = pytest.mark.unit

SECRET = b"k" * 32
NOW = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
TTL = timedelta(days=30)


# --- builders ----------------------------------------------------------------------------------

def token(tenant: str = "t1", account: str = "acc-1", purpose: str = PORTAL, secret: bytes = SECRET) -> str:
    return sign_link(secret, tenant, account, purpose, NOW, TTL)


def decode(tok: str) -> bytes:
    return base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4))


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def flip(raw: bytes, index: int) -> bytes:
    changed = bytearray(raw)
    changed[index] ^= 0x01
    return bytes(changed)


def rejects(tok: str, purpose: str = PORTAL, when: datetime = NOW, secret: bytes = SECRET) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        read_link(secret, tok, purpose, when)
    return caught.value


# --- the happy path ------------------------------------------------------------------------------

def test_a_signed_link_reads_back_its_claims():
    claims = read_link(SECRET, token(), PORTAL, NOW + timedelta(days=1))
    assert claims == LinkClaims("t1", "acc-1", PORTAL, int((NOW + TTL).timestamp()))


def test_unicode_and_punctuated_ids_round_trip():
    claims = read_link(SECRET, token("tenant-ñ", "cus:42@eu.example"), PORTAL, NOW)
    assert (claims.tenant_id, claims.account_id) == ("tenant-ñ", "cus:42@eu.example")


def test_the_token_is_url_safe_and_short_enough_for_an_sms():
    tok = token()
    assert set(tok) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(tok) < 80


def test_unsubscribe_links_read_back_with_their_own_purpose():
    assert read_link(SECRET, token(purpose=UNSUBSCRIBE), UNSUBSCRIBE, NOW).purpose == UNSUBSCRIBE


def test_a_link_is_still_valid_at_its_expiry_second():
    assert read_link(SECRET, token(), PORTAL, NOW + TTL).account_id == "acc-1"


# --- what must be refused ----------------------------------------------------------------------

def test_an_expired_link_is_refused_and_says_so():
    error = rejects(token(), when=NOW + TTL + timedelta(seconds=1))
    assert "expired" in error.message


def test_a_portal_link_cannot_be_used_to_unsubscribe_and_vice_versa():
    rejects(token(purpose=PORTAL), purpose=UNSUBSCRIBE)
    rejects(token(purpose=UNSUBSCRIBE), purpose=PORTAL)


def test_a_link_signed_with_another_secret_is_refused():
    rejects(token(secret=b"another-secret-entirely-32-bytes"))


@pytest.mark.parametrize("index", [0, 1, 3, 6, 8, -TAG_BYTES - 1])
def test_a_tampered_payload_is_refused(index):
    # Given a valid token, When one bit of its payload changes (version, purpose, expiry, ids)
    raw = decode(token())
    # Then the signature no longer matches
    rejects(encode(flip(raw, index)))


def test_swapping_in_another_account_id_is_refused():
    raw = decode(token(account="acc-1"))
    forged = raw.replace(b"acc-1", b"acc-2")
    assert forged != raw
    rejects(encode(forged))


def test_extending_the_expiry_is_refused():
    raw = decode(token())
    later = int((NOW + timedelta(days=3650)).timestamp()).to_bytes(4, "big")
    rejects(encode(raw[:2] + later + raw[6:]))


@pytest.mark.parametrize("index", [-1, -TAG_BYTES])
def test_a_tampered_signature_is_refused(index):
    rejects(encode(flip(decode(token()), index)))


def test_a_truncated_signature_is_refused():
    rejects(token()[:-4])


def test_a_signature_from_another_token_is_refused():
    mine, theirs = decode(token(account="acc-1")), decode(token(account="acc-2"))
    rejects(encode(theirs[:-TAG_BYTES] + mine[-TAG_BYTES:]))


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b.c", "a", "====", "!!!!", "%00%01", "ü", "😀", "\x00" * 40, "A" * 22, "A" * 23, "A" * 64,
     "not base64 at all", "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo"],
    ids=lambda g: repr(g)[:20],
)
def test_garbage_tokens_are_unauthenticated_and_never_another_error(garbage):
    rejects(garbage)


def test_random_bytes_of_every_length_are_unauthenticated():
    rng = random.Random(20261112)
    for length in range(0, 80):
        raw = bytes(rng.randrange(256) for _ in range(length))
        rejects(encode(raw))


# --- strict decoding: one spelling per token ------------------------------------------------------------

@pytest.mark.parametrize("junk", ["!", "=", "==", "!!!!", "\n\n\n\n", "....", "$", "==!!", " "], ids=repr)
def test_a_valid_token_with_junk_appended_is_refused(junk):
    assert read_link(SECRET, token(), PORTAL, NOW).account_id == "acc-1"
    rejects(token() + junk)


@pytest.mark.parametrize("junk", ["!", "!!!!", "....", "\n\n\n\n", "====", "*"], ids=repr)
def test_a_character_outside_the_alphabet_inside_a_token_is_refused(junk):
    tok = token()
    rejects(tok[:10] + junk + tok[10:])


def test_the_standard_alphabet_is_not_a_second_spelling_of_a_url_safe_token():
    tok = next(t for t in (token(account=f"acc-{n}") for n in range(200)) if "-" in t or "_" in t)
    rejects(tok.replace("-", "+").replace("_", "/"))


def test_a_token_with_different_unused_bits_in_its_last_character_is_refused():
    # 31 bytes take 42 characters; the last one carries 2 bits of data, and 4 that decoding ignores
    tok = token()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = tok[:-1] + alphabet[alphabet.index(tok[-1]) ^ 1]
    assert decode(twin) == decode(tok)
    rejects(twin)
