"""Withdrawal workflow tasks (one module per state) and the withdrawal HTTP API."""
