"""The Cognito-authenticated user: only ever the `sub` claim the authorizer verified.

On AWS, API Gateway's Cognito authorizer verifies the JWT and puts its claims in
requestContext.authorizer.claims; locally the castle gateway verifies against the JWKS URL and
fills the same field. Handlers never take a user id from the body, path or query.
"""

from collections.abc import Mapping
from typing import Any

from castle.errors import UnauthorizedError


def user_id_from_claims(request_context: Mapping[str, Any] | None) -> str:
    authorizer = (request_context or {}).get("authorizer") or {}
    claims = authorizer.get("claims") if isinstance(authorizer, Mapping) else None
    sub = claims.get("sub") if isinstance(claims, Mapping) else None
    if not isinstance(sub, str) or not sub or len(sub) > 128:
        raise UnauthorizedError()
    return sub


def claim(request_context: Mapping[str, Any] | None, name: str) -> str | None:
    authorizer = (request_context or {}).get("authorizer") or {}
    claims = authorizer.get("claims") if isinstance(authorizer, Mapping) else None
    value = claims.get(name) if isinstance(claims, Mapping) else None
    return value if isinstance(value, str) else None
