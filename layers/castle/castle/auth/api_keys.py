"""API keys: create (secret shown once), list, revoke, and authenticate a signed request's key.

The secret is needed in clear to check HMAC signatures, so it is stored encrypted (SecretCipher),
never hashed. Permissions are `read`, `trade`, `withdraw`; an optional IP allow-list of addresses
or CIDR networks restricts where the key may be used from.
"""

import ipaddress
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from castle.errors import BadParameterError, InvalidApiKeyError, NotFoundError
from castle.ports.auth import ApiKeyStore, SecretCipher, SecretCipherError, StoredApiKey

READ = "read"
TRADE = "trade"
WITHDRAW = "withdraw"
PERMISSIONS = frozenset({READ, TRADE, WITHDRAW})
MAX_KEYS_PER_USER = 30
MAX_ALLOWLIST_ENTRIES = 30
KEY_LENGTH = 64
_ALPHABET = string.ascii_letters + string.digits


class ApiKeyNotFoundError(NotFoundError):
    code = -2015
    status = 404
    default_message = "API key does not exist."


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    """The one answer that carries the secret; it is never readable again."""

    key: StoredApiKey
    secret: str


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated API-key caller."""

    user_id: str
    api_key: str
    permissions: frozenset[str]


def _random_token() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(KEY_LENGTH))


def normalise_permissions(requested: Iterable[str]) -> frozenset[str]:
    permissions = frozenset(p.strip().lower() for p in requested)
    unknown = permissions - PERMISSIONS
    if unknown or not permissions:
        raise BadParameterError(f"permissions must be a non-empty subset of {sorted(PERMISSIONS)}.")
    return permissions


def normalise_allowlist(entries: Iterable[str]) -> tuple[str, ...]:
    networks: list[str] = []
    for entry in entries:
        try:
            networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError as exc:
            raise BadParameterError(
                f"ipAllowlist entry {entry[:64]!r} is not an IP address or network."
            ) from exc
    if len(networks) > MAX_ALLOWLIST_ENTRIES:
        raise BadParameterError(f"ipAllowlist has more than {MAX_ALLOWLIST_ENTRIES} entries.")
    return tuple(dict.fromkeys(networks))


def create_api_key(
    store: ApiKeyStore,
    cipher: SecretCipher,
    *,
    user_id: str,
    label: str,
    permissions: Iterable[str],
    ip_allowlist: Iterable[str] = (),
    now: datetime,
) -> CreatedApiKey:
    label = label.strip()
    if len(label) > 64 or not label.isprintable():
        raise BadParameterError("label must be at most 64 printable characters.")
    perms = normalise_permissions(permissions)
    allowlist = normalise_allowlist(ip_allowlist)
    if store.count_for_user(user_id) >= MAX_KEYS_PER_USER:
        raise BadParameterError(f"At most {MAX_KEYS_PER_USER} API keys per account.")
    api_key, secret = _random_token(), _random_token()
    key = StoredApiKey(
        api_key=api_key,
        user_id=user_id,
        label=label,
        secret_ciphertext=cipher.encrypt(secret.encode(), context=api_key),
        permissions=perms,
        ip_allowlist=allowlist,
        created_at=now,
        revoked_at=None,
    )
    store.insert(key)
    return CreatedApiKey(key=key, secret=secret)


def list_api_keys(store: ApiKeyStore, user_id: str) -> list[StoredApiKey]:
    return store.list_for_user(user_id)


def revoke_api_key(store: ApiKeyStore, *, user_id: str, api_key: str) -> None:
    if not store.revoke(user_id, api_key):
        raise ApiKeyNotFoundError()


def ip_allowed(allowlist: tuple[str, ...], source_ip: str | None) -> bool:
    if not allowlist:
        return True
    if not source_ip:
        return False
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in allowlist)


def authenticate_key(
    store: ApiKeyStore,
    cipher: SecretCipher,
    *,
    api_key: str | None,
    source_ip: str | None,
    permission: str,
) -> tuple[Caller, str]:
    """The caller and the key's secret; -2015 for an unknown, revoked, IP-refused or
    under-permitted key (one message for all, as Binance, so nothing is revealed)."""
    if not api_key or len(api_key) > 128 or not api_key.isascii():
        raise InvalidApiKeyError()
    stored = store.get(api_key)
    if stored is None or stored.revoked_at is not None:
        raise InvalidApiKeyError()
    if permission not in stored.permissions or not ip_allowed(stored.ip_allowlist, source_ip):
        raise InvalidApiKeyError()
    try:
        secret = cipher.decrypt(stored.secret_ciphertext, context=stored.api_key).decode()
    except SecretCipherError as exc:
        raise InvalidApiKeyError() from exc
    return Caller(user_id=stored.user_id, api_key=stored.api_key, permissions=stored.permissions), secret
