"""Custody: signing and broadcasting withdrawals, watching confirmations (one Protocol, many providers)."""
