"""SecretCipher implementations: KMS on AWS, AES-GCM under a configured key locally and in tests.

KMS encrypts the (64-byte) secret directly under the customer key with the API key id as
encryption context, so a ciphertext copied onto another key row does not decrypt. Decrypted
secrets are cached per process for a few minutes: one KMS call per key, not per request.
"""

import base64
import binascii
import hashlib
import os
import time
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from castle.ports.auth import SecretCipher, SecretCipherError
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

_LOCAL_VERSION = b"\x01"
_NONCE_BYTES = 12
_CACHE_SECONDS = 300.0


class LocalSecretCipher:
    """AES-256-GCM; blob = version byte + nonce + ciphertext-with-tag; context is the AAD."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SecretCipherError("the local cipher key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_setting(cls, encoded: str) -> "LocalSecretCipher":
        try:
            return cls(base64.urlsafe_b64decode(encoded))
        except (binascii.Error, ValueError) as exc:
            raise SecretCipherError("api_key_local_cipher_key is not urlsafe base64") from exc

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _LOCAL_VERSION + nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def decrypt(self, ciphertext: bytes, context: str) -> bytes:
        if ciphertext[:1] != _LOCAL_VERSION or len(ciphertext) < 1 + _NONCE_BYTES + 16:
            raise SecretCipherError("not a local-cipher blob")
        nonce, body = ciphertext[1 : 1 + _NONCE_BYTES], ciphertext[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, context.encode())
        except InvalidTag as exc:
            raise SecretCipherError("ciphertext does not match its key or context") from exc


class KmsSecretCipher:
    def __init__(self, key_id: str, client: "KMSClient") -> None:
        self._key_id = key_id
        self._client = client

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        try:
            answer = self._client.encrypt(
                KeyId=self._key_id, Plaintext=plaintext, EncryptionContext={"api_key": context}
            )
        except (BotoCoreError, ClientError) as exc:
            raise SecretCipherError("KMS encrypt failed") from exc
        return answer["CiphertextBlob"]

    def decrypt(self, ciphertext: bytes, context: str) -> bytes:
        try:
            answer = self._client.decrypt(
                KeyId=self._key_id, CiphertextBlob=ciphertext, EncryptionContext={"api_key": context}
            )
        except (BotoCoreError, ClientError) as exc:
            raise SecretCipherError("KMS decrypt failed") from exc
        return answer["Plaintext"]


class CachingSecretCipher:
    """Remembers decrypted secrets for a few minutes, keyed by (context, ciphertext digest)."""

    def __init__(self, inner: SecretCipher, ttl_seconds: float = _CACHE_SECONDS) -> None:
        self._inner = inner
        self._ttl = ttl_seconds
        self._cache: dict[tuple[str, bytes], tuple[float, bytes]] = {}

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        return self._inner.encrypt(plaintext, context)

    def decrypt(self, ciphertext: bytes, context: str) -> bytes:
        key = (context, hashlib.sha256(ciphertext).digest())
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        plaintext = self._inner.decrypt(ciphertext, context)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now + self._ttl, plaintext)
        return plaintext


@lru_cache(maxsize=1)
def get_secret_cipher() -> SecretCipher:
    settings = get_settings()
    if settings.api_key_kms_key_id:
        client: KMSClient = boto3.client(
            "kms", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
        )
        return CachingSecretCipher(KmsSecretCipher(settings.api_key_kms_key_id, client))
    if settings.api_key_local_cipher_key:
        return CachingSecretCipher(LocalSecretCipher.from_setting(settings.api_key_local_cipher_key))
    raise SecretCipherError("neither CASTLE_API_KEY_KMS_KEY_ID nor CASTLE_API_KEY_LOCAL_CIPHER_KEY is set")
