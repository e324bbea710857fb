"""Process-wide test settings: no real AWS, no telemetry, Powertools quiet and un-traced."""

import os

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "castle-test")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Castle")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

pytest_plugins = ["tests.support.database"]
