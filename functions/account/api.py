"""Castle's own account API for the web UI (/v1, Cognito-authenticated).

The user is ONLY the `sub` claim the Cognito authorizer verified; no user id is read from the path,
query or body (request bodies forbid unknown fields, so a `userId` there is a 400).
"""

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from castle.adapters.postgres.api_key_store import PostgresApiKeyStore
from castle.adapters.postgres.ledger_store import get_ledger
from castle.adapters.postgres.pool import get_pool
from castle.adapters.secret_cipher import get_secret_cipher
from castle.auth.api_keys import create_api_key, list_api_keys, revoke_api_key
from castle.auth.cognito import claim, user_id_from_claims
from castle.errors import BadRequestError
from castle.http import JSON, install_error_handlers
from castle.observability import logger, metrics, tracer
from castle.ports.auth import StoredApiKey

app = APIGatewayRestResolver()
install_error_handlers(app)


class NewApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    label: str = Field(default="", max_length=64)
    permissions: list[str] = Field(default_factory=lambda: ["read"], min_length=1, max_length=3)
    ip_allowlist: list[str] = Field(default_factory=list, alias="ipAllowlist", max_length=30)


@lru_cache(maxsize=1)
def get_api_key_store() -> PostgresApiKeyStore:
    return PostgresApiKeyStore(get_pool())


def current_user() -> str:
    user_id = user_id_from_claims(app.current_event.raw_event.get("requestContext"))
    logger.append_keys(user_id=user_id)
    return user_id


def key_view(key: StoredApiKey) -> dict[str, Any]:
    return {
        "apiKey": key.api_key,
        "label": key.label,
        "permissions": sorted(key.permissions),
        "ipAllowlist": list(key.ip_allowlist),
        "createdAt": int(key.created_at.timestamp() * 1000),
    }


@app.get("/v1/profile")
def profile() -> dict[str, Any]:
    user_id = current_user()
    context = app.current_event.raw_event.get("requestContext")
    email = claim(context, "email")
    get_ledger().ensure_account(user_id, email)
    return {"userId": user_id, "email": email, "emailVerified": claim(context, "email_verified") == "true"}


@app.get("/v1/balances")
def balances() -> dict[str, Any]:
    return {"balances": [b.as_binance() for b in get_ledger().balances(current_user())]}


@app.get("/v1/positions")
def positions() -> dict[str, Any]:
    return {"positions": [p.as_dict() for p in get_ledger().positions(current_user())]}


@app.post("/v1/api-keys")
def new_api_key() -> Response[dict[str, Any]]:
    user_id = current_user()
    body = app.current_event.json_body if app.current_event.body else {}
    if not isinstance(body, dict):
        raise BadRequestError("The request body must be a JSON object.")
    request = NewApiKey.model_validate(body)
    created = create_api_key(
        get_api_key_store(),
        get_secret_cipher(),
        user_id=user_id,
        label=request.label,
        permissions=request.permissions,
        ip_allowlist=request.ip_allowlist,
        now=datetime.now(UTC),
    )
    metrics.add_metric(name="ApiKeysCreated", unit="Count", value=1)
    # The only time the secret is ever returned.
    return Response(201, JSON, {**key_view(created.key), "secretKey": created.secret})


@app.get("/v1/api-keys")
def api_keys() -> dict[str, Any]:
    return {"apiKeys": [key_view(k) for k in list_api_keys(get_api_key_store(), current_user())]}


@app.delete("/v1/api-keys/<api_key>")
def delete_api_key(api_key: str) -> dict[str, Any]:
    revoke_api_key(get_api_key_store(), user_id=current_user(), api_key=api_key)
    return {"apiKey": api_key, "revoked": True}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
