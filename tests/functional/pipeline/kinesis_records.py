"""Kinesis stream events for consumer tests, in the shape Lambda delivers them."""

import base64
from typing import Any

STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/castle-dev-engine-events"


def kinesis_event(
    payloads: list[str], partition_key: str = "BTCUSDT", stream_arn: str = STREAM_ARN, first_sequence: int = 1
) -> dict[str, Any]:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": partition_key,
                    "sequenceNumber": f"4959{first_sequence + index:052d}",
                    "data": base64.b64encode(payload.encode()).decode(),
                    "approximateArrivalTimestamp": 1_700_000_000.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000000:4959{first_sequence + index:052d}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/castle-test",
                "awsRegion": "us-east-1",
                "eventSourceARN": stream_arn,
            }
            for index, payload in enumerate(payloads)
        ]
    }
