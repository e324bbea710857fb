"""Shared test support: event files, lambda context, database and moto fixtures."""
