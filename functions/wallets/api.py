"""Wallet HTTP API (Cognito).

GET  /v1/deposit-address?asset=BTC[&network=BTC]   the caller's deposit address (derived once, never shared)
GET  /v1/deposits                                  deposit history (the ledger's deposits)
GET  /v1/wallet                                    balances: free and locked per asset
POST /v1/wallet/2fa                                enrol TOTP (once); returns the otpauth:// URI
POST /v1/admin/deposits                            simulated chain watcher (group "admin"): a transfer seen
                                                   to a deposit address, credited at its confirmations
"""

import json
import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from castle.adapters.kinesis_activity import publish_activity
from castle.adapters.postgres.ledger_store import get_ledger
from castle.adapters.wallets_wiring import get_wallet_settings, get_wallet_store
from castle.auth.cognito import claim, user_id_from_claims
from castle.contracts.activity import DepositCredited
from castle.domain.money import format_minor, from_minor, to_minor
from castle.errors import ForbiddenError, MandatoryParameterError
from castle.http import JSON, install_error_handlers
from castle.observability import logger, metrics, tracer
from castle.wallets.deposits import deposit_address_for, observe_deposit
from castle.wallets.networks import default_network
from castle.wallets.requests import enrol_second_factor

ADMIN_GROUP = "admin"

app = APIGatewayRestResolver()
install_error_handlers(app)


class ObservedDeposit(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    network: str = Field(pattern=r"^[A-Z0-9]{2,12}$")
    address: str = Field(min_length=20, max_length=128)
    tx_id: str = Field(alias="txId", min_length=8, max_length=128)
    amount: str = Field(max_length=40)
    confirmations: int = Field(ge=0)


def _request_context() -> Any:
    return app.current_event.raw_event.get("requestContext")


def _user_id() -> str:
    return user_id_from_claims(_request_context())


@app.get("/v1/deposit-address")
def deposit_address() -> dict[str, str]:
    user_id = _user_id()
    asset = app.current_event.get_query_string_value("asset", default_value="") or ""
    if not asset:
        raise MandatoryParameterError("Parameter 'asset' is mandatory.")
    network = (
        app.current_event.get_query_string_value("network", default_value="")
        or default_network(asset).network
    )
    master_key = get_wallet_settings().deposit_master_key.encode()
    address = deposit_address_for(get_wallet_store(), master_key, user_id, asset, network)
    return {"asset": asset, "network": network, "address": address}


@app.get("/v1/deposits")
def deposits() -> dict[str, Any]:
    history = get_wallet_store().deposit_history(_user_id())
    for deposit in history:
        deposit["amount"] = format_minor(deposit.pop("amount_minor"))
    return {"deposits": history}


@app.get("/v1/wallet")
def wallet() -> dict[str, Any]:
    return {"balances": [balance.as_binance() for balance in get_ledger().balances(_user_id())]}


@app.post("/v1/wallet/2fa")
def enrol_two_factor() -> Response[str]:
    user_id = _user_id()
    label = claim(_request_context(), "email") or user_id
    uri = enrol_second_factor(get_wallet_store(), user_id, label)
    return Response(status_code=201, content_type=JSON, body=json.dumps({"otpauthUri": uri}))


@app.post("/v1/admin/deposits")
def observe() -> dict[str, Any]:
    groups = claim(_request_context(), "cognito:groups") or ""
    _user_id()
    if ADMIN_GROUP not in groups.replace("[", " ").replace("]", " ").replace(",", " ").split():
        raise ForbiddenError("Administrators only.")
    seen = ObservedDeposit.model_validate(app.current_event.json_body or {})
    deposit = observe_deposit(
        get_wallet_store(),
        get_ledger(),
        seen.network,
        seen.address,
        seen.tx_id,
        to_minor(seen.amount),
        seen.confirmations,
    )
    logger.append_keys(user_id=deposit.user_id, tx_id=deposit.tx_id)
    metrics.add_metric(name="DepositsObserved", unit="Count", value=1)
    if deposit.status == "CREDITED":
        # Feeds the user data stream (balanceUpdate) and fraud; consumers de-duplicate by event_id.
        publish_activity(
            DepositCredited(
                event_id=f"deposit-{deposit.tx_id}",
                user_id=deposit.user_id,
                ts_ms=time.time_ns() // 1_000_000,
                deposit_id=deposit.tx_id,
                asset=deposit.asset,
                amount=from_minor(deposit.amount_minor),
            )
        )
    return {
        "txId": deposit.tx_id,
        "asset": deposit.asset,
        "amount": format_minor(deposit.amount_minor),
        "confirmations": deposit.confirmations,
        "requiredConfirmations": deposit.required_confirmations,
        "status": deposit.status,
    }


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
