"""$disconnect: forget the connection and its subscriptions."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.adapters.dynamo_connections import connections
from castle.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = str(event["requestContext"]["connectionId"])
    logger.append_keys(connection_id=connection_id)
    connections().close(connection_id)
    return {"statusCode": 200}
