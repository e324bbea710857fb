"""Thin adapters: PostgreSQL, DynamoDB, SQS, Kinesis, Redis, Cognito."""
