"""Fraud detection: pure rules over user activity and engine events, alerts, withdrawal freezes."""
