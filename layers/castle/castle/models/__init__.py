"""Pydantic models of the HTTP API (requests and Binance-shaped responses)."""
