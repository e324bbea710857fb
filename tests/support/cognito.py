"""API Gateway events as the Cognito authorizer hands them over: claims under requestContext."""

import json
from typing import Any

from tests.support.binance_client import gateway_event


def cognito_event(
    method: str, path: str, user_id: str, body: Any = None, email: str = "u@example.com"
) -> dict[str, Any]:
    return gateway_event(
        method,
        path,
        body=None if body is None else json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": "Bearer token-verified-by-gateway"},
        authorizer={"claims": {"sub": user_id, "email": email, "email_verified": "true"}},
    )
