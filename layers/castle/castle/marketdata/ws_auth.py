"""userDataStream.subscribe.signature: the WebSocket API's HMAC signature over sorted params.

Signature payload = every param except `signature`, sorted by name, as `name=value` joined by `&`
(wsapi.md "SIGNED request example (HMAC)"); key lookup, permissions and the recvWindow check are
castle.auth's, the same as REST.
"""

from collections.abc import Mapping
from typing import Any

from castle.auth.api_keys import READ, authenticate_key
from castle.auth.signing import SIGNATURE, check_timestamp, verify_signature
from castle.errors import MandatoryParameterError
from castle.ports.auth import ApiKeyStore, SecretCipher


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def signature_payload(params: Mapping[str, Any]) -> str:
    return "&".join(f"{name}={_text(params[name])}" for name in sorted(params) if name != SIGNATURE)


class SignatureAuthenticator:
    """An Authenticator for WsSession over the API key store."""

    def __init__(self, store: ApiKeyStore, cipher: SecretCipher) -> None:
        self._store = store
        self._cipher = cipher

    def __call__(self, params: Mapping[str, Any], now_ms: int) -> str:
        text = {name: _text(value) for name, value in params.items()}
        signature = text.get(SIGNATURE, "")
        if not signature:
            raise MandatoryParameterError(
                "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."
            )
        caller, secret = authenticate_key(
            self._store, self._cipher, api_key=text.get("apiKey"), source_ip=None, permission=READ
        )
        check_timestamp(text, now_ms)
        verify_signature(secret, signature, [signature_payload(params)], "")
        return caller.user_id
