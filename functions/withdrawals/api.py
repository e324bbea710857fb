"""Withdrawal HTTP API (Cognito): request, read and list withdrawals; administrators approve or reject.

POST /v1/withdrawals                          (header Idempotency-Key: one withdrawal, one execution)
GET  /v1/withdrawals, GET /v1/withdrawals/{withdrawal_id}   (with its states and history)
POST /v1/admin/withdrawals/{withdrawal_id}/approve | /reject   (Cognito group "admin")
"""

import json
import time
import uuid
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, field_validator

from castle.adapters.wallets_wiring import get_wallet_store, get_workflow
from castle.auth.cognito import claim, user_id_from_claims
from castle.domain.money import AmountError, to_minor
from castle.errors import BadParameterError, ForbiddenError
from castle.http import JSON, install_error_handlers
from castle.observability import logger, metrics, tracer
from castle.wallets.errors import WithdrawalNotFoundError
from castle.wallets.networks import default_network
from castle.wallets.requests import WithdrawalRequest, request_withdrawal, review_withdrawal

ADMIN_GROUP = "admin"

app = APIGatewayRestResolver()
install_error_handlers(app)


class WithdrawalBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    asset: str = Field(pattern=r"^[A-Z0-9]{2,12}$")
    network: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,12}$")
    address: str = Field(min_length=20, max_length=128)
    amount: str = Field(max_length=40)
    totp_code: str | None = Field(default=None, alias="totpCode", max_length=6)

    @field_validator("amount")
    @classmethod
    def _positive_decimal(cls, value: str) -> str:
        try:
            if to_minor(value) <= 0:
                raise ValueError("must be positive")
        except AmountError as exc:
            raise ValueError(str(exc)) from exc
        return value


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="rejected by an administrator", max_length=200)


def _user_id() -> str:
    return user_id_from_claims(app.current_event.raw_event.get("requestContext"))


def _require_admin() -> str:
    user_id = _user_id()
    groups = claim(app.current_event.raw_event.get("requestContext"), "cognito:groups") or ""
    if ADMIN_GROUP not in groups.replace("[", " ").replace("]", " ").replace(",", " ").split():
        raise ForbiddenError("Administrators only.")
    return user_id


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=JSON, body=json.dumps(body))


@app.post("/v1/withdrawals")
def create_withdrawal() -> Response[str]:
    user_id = _user_id()
    body = WithdrawalBody.model_validate(app.current_event.json_body or {})
    key = app.current_event.headers.get("Idempotency-Key") or ""
    if len(key) > 64:
        raise BadParameterError("Idempotency-Key is longer than 64 characters.")
    request = WithdrawalRequest(
        asset=body.asset,
        network=body.network or default_network(body.asset).network,
        address=body.address,
        amount_minor=to_minor(body.amount),
        totp_code=body.totp_code,
    )
    store = get_wallet_store()
    withdrawal, created = request_withdrawal(
        store, store, get_workflow(), user_id, key or str(uuid.uuid4()), request, int(time.time())
    )
    logger.append_keys(user_id=user_id, withdrawal_id=withdrawal.withdrawal_id)
    if created:
        metrics.add_metric(name="WithdrawalsRequested", unit="Count", value=1)
    return _json(202 if created else 200, withdrawal.as_json())


@app.get("/v1/withdrawals")
def list_withdrawals() -> dict[str, Any]:
    return {"withdrawals": [w.as_json() for w in get_wallet_store().list_for_user(_user_id())]}


@app.get("/v1/withdrawals/<withdrawal_id>")
def get_withdrawal(withdrawal_id: str) -> dict[str, Any]:
    user_id = _user_id()  # before the lookup: no existence oracle for unauthenticated callers
    withdrawal = get_wallet_store().get(withdrawal_id, with_history=True)
    # Someone else's withdrawal does not exist, as far as this caller can tell.
    if withdrawal is None or withdrawal.user_id != user_id:
        raise WithdrawalNotFoundError()
    return withdrawal.as_json(with_history=True)


@app.post("/v1/admin/withdrawals/<withdrawal_id>/approve")
def approve(withdrawal_id: str) -> dict[str, Any]:
    reviewer = _require_admin()
    withdrawal = review_withdrawal(get_wallet_store(), get_workflow(), withdrawal_id, reviewer, approve=True)
    return withdrawal.as_json()


@app.post("/v1/admin/withdrawals/<withdrawal_id>/reject")
def reject(withdrawal_id: str) -> dict[str, Any]:
    reviewer = _require_admin()
    body = ReviewBody.model_validate(app.current_event.json_body or {})
    withdrawal = review_withdrawal(
        get_wallet_store(), get_workflow(), withdrawal_id, reviewer, approve=False, reason=body.reason
    )
    return withdrawal.as_json()


# Money flow: never log events or capture responses.
@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
