from datetime import UTC, datetime

import pytest
from analytics import load

from castle.analytics.redshift import LoaderConfigError, copy_statement, partition_prefix, previous_hour
from castle.settings import get_settings
from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext

ROLE = "arn:aws:iam::123456789012:role/castle-prod-redshift-copy"


def test_the_loader_copies_the_last_complete_hour() -> None:
    assert previous_hour(datetime(2027, 1, 15, 10, 5, tzinfo=UTC)) == datetime(2027, 1, 15, 9, tzinfo=UTC)
    assert previous_hour(datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC)) == datetime(2026, 12, 31, 23, tzinfo=UTC)


def test_partition_prefix_matches_the_firehose_prefix() -> None:
    assert partition_prefix(datetime(2027, 1, 15, 9, tzinfo=UTC)) == "engine-events/dt=2027-01-15/hour=09/"


def test_copy_statement_reads_the_hours_parquet_partition_with_the_role() -> None:
    sql = copy_statement("castle-prod-analytics", datetime(2027, 1, 15, 9, tzinfo=UTC), ROLE)
    assert sql == (
        "COPY analytics.engine_events FROM 's3://castle-prod-analytics/engine-events/dt=2027-01-15/hour=09/' "
        f"IAM_ROLE '{ROLE}' FORMAT AS PARQUET"
    )


@pytest.mark.parametrize(
    ("bucket", "role", "table"),
    [
        ("bucket'; DROP TABLE x; --", ROLE, "analytics.engine_events"),
        ("castle-prod-analytics", "arn:aws:iam::1:role/x' --", "analytics.engine_events"),
        ("castle-prod-analytics", ROLE, "engine_events; DELETE"),
    ],
)
def test_copy_statement_refuses_names_that_break_out_of_the_sql(bucket: str, role: str, table: str) -> None:
    with pytest.raises(LoaderConfigError):
        copy_statement(bucket, datetime(2027, 1, 15, 9, tzinfo=UTC), role, table)


def test_the_loader_does_nothing_where_no_workgroup_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASTLE_REDSHIFT_WORKGROUP", raising=False)
    get_settings.cache_clear()
    assert load.handler(load_event("analytics/schedule.json"), FakeLambdaContext()) == {"loaded": False}
