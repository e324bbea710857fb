"""Ports of the auth context: API key storage, secret encryption, request-weight counting."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredApiKey:
    api_key: str
    user_id: str
    label: str
    secret_ciphertext: bytes
    permissions: frozenset[str]
    ip_allowlist: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyStore(Protocol):
    def insert(self, key: StoredApiKey) -> None: ...

    def get(self, api_key: str) -> StoredApiKey | None:
        """The key by its public id, revoked or not; None if unknown."""
        ...

    def list_for_user(self, user_id: str) -> list[StoredApiKey]:
        """The user's keys that are not revoked, oldest first."""
        ...

    def count_for_user(self, user_id: str) -> int: ...

    def revoke(self, user_id: str, api_key: str) -> bool:
        """Revoke the user's key; False if the user has no such active key."""
        ...


class SecretCipherError(Exception):
    """The secret could not be encrypted or decrypted (bad key, tampered ciphertext, KMS down)."""


class SecretCipher(Protocol):
    """Encrypts API secrets at rest. `context` (the API key id) is bound to the ciphertext."""

    def encrypt(self, plaintext: bytes, context: str) -> bytes: ...

    def decrypt(self, ciphertext: bytes, context: str) -> bytes: ...


class WeightCounterError(Exception):
    """The weight store is unreachable (requests are then let through, unmetered)."""


class WeightCounter(Protocol):
    def add(self, bucket: str, weight: int, now_ms: int) -> int:
        """Add `weight` to the bucket's current one-minute window; the window's total after it."""
        ...
