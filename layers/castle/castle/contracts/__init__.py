"""Versioned wire contracts between the API, the engine host and the event consumers."""
