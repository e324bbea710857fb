"""Powertools Logger, Tracer and Metrics, one of each per process, named by the function's service."""

from aws_lambda_powertools import Logger, Metrics, Tracer

NAMESPACE = "Castle"

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=NAMESPACE)
