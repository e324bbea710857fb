"""The withdrawal freeze: set by fraud detection (or an operator), checked by the withdrawal workflow.

    from castle.fraud.freeze import is_withdrawal_frozen
    if is_withdrawal_frozen(user_id): ...  # hold the withdrawal for review

Reads are strongly consistent (the flag is on the user's FraudProfilesTable item).
"""

from castle.adapters.dynamo_fraud import get_fraud_store


def is_withdrawal_frozen(user_id: str) -> bool:
    return get_fraud_store().is_withdrawal_frozen(user_id)


def freeze_withdrawals(user_id: str, reason: str, at_ms: int) -> None:
    get_fraud_store().set_withdrawal_freeze(user_id, True, reason, at_ms)


def unfreeze_withdrawals(user_id: str, reason: str, at_ms: int) -> None:
    """An operator clears the flag after review (the alerts stay)."""
    get_fraud_store().set_withdrawal_freeze(user_id, False, reason, at_ms)
