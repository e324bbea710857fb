"""The SQL the hourly loader sends to Redshift: COPY one hour's Parquet partition written by Firehose.

Firehose writes engine events under `engine-events/dt=YYYY-MM-DD/hour=HH/` (UTC, by arrival time).
Every input is validated before it reaches SQL text (COPY cannot take bind parameters for these).
"""

import re
from datetime import UTC, datetime, timedelta

EVENTS_PREFIX = "engine-events"
DEFAULT_TABLE = "analytics.engine_events"

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


class LoaderConfigError(ValueError):
    """A bucket, role or table name that cannot safely appear in the COPY statement."""


def previous_hour(now: datetime) -> datetime:
    """The last complete hour before `now` (UTC), the one the loader copies."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour - timedelta(hours=1)


def partition_prefix(hour: datetime) -> str:
    hour = hour.astimezone(UTC)
    return f"{EVENTS_PREFIX}/dt={hour:%Y-%m-%d}/hour={hour:%H}/"


def copy_statement(bucket: str, hour: datetime, iam_role_arn: str, table: str = DEFAULT_TABLE) -> str:
    if not _BUCKET.match(bucket):
        raise LoaderConfigError(f"bad bucket name: {bucket!r}")
    if not _ROLE_ARN.match(iam_role_arn):
        raise LoaderConfigError(f"bad IAM role ARN: {iam_role_arn!r}")
    if not _TABLE.match(table):
        raise LoaderConfigError(f"bad table name: {table!r}")
    return (
        f"COPY {table} FROM 's3://{bucket}/{partition_prefix(hour)}' "
        f"IAM_ROLE '{iam_role_arn}' FORMAT AS PARQUET"
    )
