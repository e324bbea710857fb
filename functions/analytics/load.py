"""Hourly (EventBridge schedule) loader: COPY the previous hour's Parquet partition into Redshift.

Runs only where a Redshift Serverless workgroup is configured (prod); elsewhere it logs and returns.
"""

from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from castle.analytics.redshift import copy_statement, previous_hour
from castle.observability import logger, tracer
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_redshift_data import RedshiftDataAPIServiceClient


@lru_cache(maxsize=1)
def redshift_data() -> "RedshiftDataAPIServiceClient":
    settings = get_settings()
    return boto3.client(
        "redshift-data", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )


def scheduled_time(event: dict[str, Any]) -> datetime:
    raw = event.get("time")
    if isinstance(raw, str):
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return datetime.now(tz=UTC)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    if not settings.redshift_workgroup:
        logger.info("no Redshift workgroup configured; nothing to load")
        return {"loaded": False}
    hour = previous_hour(scheduled_time(event))
    sql = copy_statement(settings.analytics_bucket, hour, settings.redshift_copy_role_arn)
    statement = redshift_data().execute_statement(
        WorkgroupName=settings.redshift_workgroup, Database=settings.redshift_database, Sql=sql
    )
    logger.info("COPY submitted", extra={"hour": hour.isoformat(), "statement_id": statement["Id"]})
    return {"loaded": True, "statementId": statement["Id"], "hour": hour.isoformat()}
