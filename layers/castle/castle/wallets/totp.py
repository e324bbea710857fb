"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), HMAC-SHA1, 6 digits, 30 s steps."""

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A random 160-bit secret in base32, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret_b32: str) -> bytes:
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded)


def hotp(secret_b32: str, counter: int, digits: int = DIGITS) -> str:
    digest = hmac.new(_key(secret_b32), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def counter_at(unix_seconds: int) -> int:
    return unix_seconds // STEP_SECONDS


def totp(secret_b32: str, unix_seconds: int) -> str:
    return hotp(secret_b32, counter_at(unix_seconds))


def matching_counter(secret_b32: str, code: str, unix_seconds: int, drift_steps: int = 1) -> int | None:
    """The time step `code` belongs to (allowing one step of clock drift), or None.

    Callers store the counter and refuse any code at or before it, so a code is never used twice.
    """
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = counter_at(unix_seconds)
    for counter in range(now - drift_steps, now + drift_steps + 1):
        if hmac.compare_digest(hotp(secret_b32, counter), code):
            return counter
    return None


def provisioning_uri(secret_b32: str, account: str, issuer: str = "Castle") -> str:
    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret_b32}&issuer={quote(issuer)}"
