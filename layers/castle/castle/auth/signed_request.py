"""A Binance SIGNED request: which key, which user, which parameters; verified or refused."""

from dataclasses import dataclass

from castle.auth.api_keys import Caller, authenticate_key
from castle.auth.signing import (
    SIGNATURE,
    check_timestamp,
    merge_params,
    query_string_candidates,
    verify_signature,
)
from castle.errors import MandatoryParameterError
from castle.ports.auth import ApiKeyStore, SecretCipher


@dataclass(frozen=True, slots=True)
class HttpRequestParts:
    """What the signature covers, as it arrived: the query (raw if the gateway kept it, else the
    decoded pairs in order) and the decoded-from-base64 body text."""

    api_key: str | None
    query_pairs: list[tuple[str, str]]
    raw_query: str | None
    body: str
    source_ip: str | None


@dataclass(frozen=True, slots=True)
class SignedRequest:
    caller: Caller
    # Every parameter except signature/timestamp/recvWindow, query string winning over body.
    params: dict[str, str]


SECURITY_PARAMS = frozenset({SIGNATURE, "timestamp", "recvWindow"})


def verify_signed_request(
    parts: HttpRequestParts,
    *,
    permission: str,
    now_ms: int,
    store: ApiKeyStore,
    cipher: SecretCipher,
) -> SignedRequest:
    params = merge_params(parts.query_pairs, parts.body)
    caller, secret = authenticate_key(
        store, cipher, api_key=parts.api_key, source_ip=parts.source_ip, permission=permission
    )
    signature = params.get(SIGNATURE, "")
    if not signature:
        raise MandatoryParameterError(
            "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."
        )
    check_timestamp(params, now_ms)
    candidates = (
        [parts.raw_query] if parts.raw_query is not None else query_string_candidates(parts.query_pairs)
    )
    verify_signature(secret, signature, candidates, parts.body)
    return SignedRequest(caller=caller, params={k: v for k, v in params.items() if k not in SECURITY_PARAMS})
