"""Cognito post-confirmation trigger: the confirmed user gets its user row and ledger account."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import PostConfirmationTriggerEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.postgres.ledger_store import get_ledger
from castle.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@event_source(data_class=PostConfirmationTriggerEvent)
def handler(event: PostConfirmationTriggerEvent, context: LambdaContext) -> dict[str, Any]:
    attributes = event.request.user_attributes
    user_id = attributes["sub"]
    logger.append_keys(user_id=user_id)
    get_ledger().ensure_account(user_id, attributes.get("email"))
    logger.info("account ready", extra={"trigger": event.trigger_source})
    response: dict[str, Any] = event.raw_event
    return response
