"""The local gateway's Cognito authorizer (castle_local.gateway.JwtVerifier) refuses every token API
Gateway's Cognito authorizer would refuse: expired, signed by another key, another issuer, `alg:
none`, HS256 keyed with the public key. Refused tokens never reach a handler (it answers 401 with no
claims), which test_authorization_matrix covers at the handler level."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from castle_local.gateway import JwtVerifier

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_castle"
KID = "castle-test-key"


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pool_key() -> RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def verifier(pool_key: RSAPrivateKey) -> Iterator[JwtVerifier]:
    """A verifier reading the user pool's JWKS, served over HTTP on a free port for the module."""
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(pool_key.public_key()))
    document = json.dumps({"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield JwtVerifier(f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", ISSUER)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "alice", "iss": ISSUER, "token_use": "id", "iat": now, "exp": now + 3600, **overrides}


def token(key: Any, payload: dict[str, Any], algorithm: str = "RS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": KID})


def test_a_token_signed_by_the_pool_is_accepted_with_its_claims(
    verifier: JwtVerifier, pool_key: RSAPrivateKey
) -> None:
    assert verifier.claims(token(pool_key, claims()))["sub"] == "alice"


def test_an_expired_token_is_refused(verifier: JwtVerifier, pool_key: RSAPrivateKey) -> None:
    with pytest.raises(jwt.ExpiredSignatureError):
        verifier.claims(token(pool_key, claims(exp=int(time.time()) - 1)))


def test_a_token_signed_by_another_key_is_refused(verifier: JwtVerifier) -> None:
    with pytest.raises(jwt.InvalidSignatureError):
        verifier.claims(token(new_key(), claims(sub="bob")))


def test_claims_edited_after_signing_are_refused(verifier: JwtVerifier, pool_key: RSAPrivateKey) -> None:
    header, _, signature = token(pool_key, claims()).split(".")
    forged_payload = jwt.utils.base64url_encode(json.dumps(claims(sub="bob")).encode()).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verifier.claims(f"{header}.{forged_payload}.{signature}")


def test_a_token_from_another_issuer_is_refused(verifier: JwtVerifier, pool_key: RSAPrivateKey) -> None:
    with pytest.raises(jwt.InvalidIssuerError):
        verifier.claims(token(pool_key, claims(iss="https://evil.example.com/pool")))


def test_an_unsigned_alg_none_token_is_refused(verifier: JwtVerifier) -> None:
    header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "typ": "JWT", "kid": KID}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(claims(sub="bob")).encode())
    unsigned = (header + b"." + payload + b".").decode()
    with pytest.raises(jwt.PyJWTError):
        verifier.claims(unsigned)


def test_an_hs256_token_keyed_with_the_public_key_is_refused(
    verifier: JwtVerifier, pool_key: RSAPrivateKey
) -> None:
    public_pem = pool_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    payload = jwt.utils.base64url_encode(json.dumps(claims(sub="bob")).encode())
    signature = jwt.utils.base64url_encode(
        hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest()
    )
    with pytest.raises(jwt.PyJWTError):
        verifier.claims(b".".join([header, payload, signature]).decode())
