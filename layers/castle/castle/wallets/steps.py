"""The withdrawal workflow's steps as use cases; each state machine task calls exactly one of them.

The order of the steps lives in statemachines/withdrawal.asl.json, not here. Every step is
idempotent (Step Functions retries) and records its transition on the withdrawal's history.
"""

import json
from dataclasses import dataclass
from typing import Any

from castle.custody.port import Custody, CustodyRejectedError, OutgoingTransfer
from castle.ports.ledger import WithdrawalLedger
from castle.wallets.errors import (
    TwoFactorRequiredError,
    WithdrawalNotFoundError,
    WithdrawalRefusedError,
)
from castle.wallets.limits import check_daily_limit
from castle.wallets.networks import check_withdrawal, network_for
from castle.wallets.ports import WithdrawalStore
from castle.wallets.records import LimitFacts, Withdrawal
from castle.wallets.withdrawal import WithdrawalStatus, requires_approval


class HoldNotOpenError(Exception):
    """Settlement found the hold already released: the workflow and the ledger disagree."""


class ConfirmationsTimeoutError(Exception):
    """The transaction did not reach its confirmations within the polling budget."""


def _refusal_reasons() -> dict[str, str]:
    found: dict[str, str] = {}
    pending: list[type[WithdrawalRefusedError]] = [WithdrawalRefusedError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls.reason
        pending.extend(cls.__subclasses__())
    return found


# Step Functions error name (an exception class name, or a States.* name) -> failure reason.
FAILURE_REASONS: dict[str, str] = {
    **_refusal_reasons(),
    "InsufficientBalanceError": "INSUFFICIENT_BALANCE",
    "WithdrawalRejected": "REJECTED_BY_ADMIN",
    "ConfirmationsTimeoutError": "CONFIRMATIONS_TIMEOUT",
    "CustodyRejectedError": "CUSTODY_REJECTED",
    "TransientError": "TRANSIENT_FAILURE",
    "States.Timeout": "TIMEOUT",
    "States.HeartbeatTimeout": "TIMEOUT",
}


def failure_reason(error: str, status: WithdrawalStatus) -> str:
    if (
        error in ("States.Timeout", "States.HeartbeatTimeout")
        and status == WithdrawalStatus.AWAITING_APPROVAL
    ):
        return "APPROVAL_TIMEOUT"
    return FAILURE_REASONS.get(error, "INTERNAL_ERROR")


def _cause_message(cause: str) -> str:
    """Lambda errors arrive as a JSON Cause {"errorMessage": ...}; others as plain text."""
    try:
        parsed = json.loads(cause)
    except (TypeError, ValueError):
        return cause
    return str(parsed.get("errorMessage", cause)) if isinstance(parsed, dict) else cause


@dataclass
class WithdrawalSteps:
    store: WithdrawalStore
    ledger: WithdrawalLedger
    custody: Custody

    def _load(self, withdrawal_id: str) -> Withdrawal:
        withdrawal = self.store.get(withdrawal_id)
        if withdrawal is None:
            raise WithdrawalNotFoundError(f"withdrawal {withdrawal_id} does not exist")
        return withdrawal

    def validate(self, withdrawal_id: str) -> None:
        w = self._load(withdrawal_id)
        network = check_withdrawal(w.asset, w.network, w.address, w.amount_minor)
        if w.fee_minor != network.withdrawal_fee_minor:
            # The fee was quoted at request time; a fee change since then needs a new request.
            raise WithdrawalRefusedError("The network fee changed; please request again.")
        self.store.transition(withdrawal_id, WithdrawalStatus.VALIDATED, "validate")

    def check_limits(self, withdrawal_id: str) -> bool:
        """Daily limit by KYC tier, 2FA for a new address; returns whether an admin must approve."""

        def decide(w: Withdrawal, facts: LimitFacts) -> bool:
            if not facts.address_known and not w.two_factor_verified:
                raise TwoFactorRequiredError()
            check_daily_limit(facts.profile.kyc_tier, w.asset, facts.used_24h_minor, w.amount_minor)
            return requires_approval(
                network_for(w.asset, w.network), w.amount_minor, facts.profile.risk_flagged
            )

        return self.store.decide_limits(withdrawal_id, decide)

    def place_hold(self, withdrawal_id: str) -> None:
        w = self._load(withdrawal_id)
        self.ledger.hold_withdrawal(withdrawal_id, w.user_id, w.asset, w.hold_minor)
        self.store.transition(
            withdrawal_id, WithdrawalStatus.HELD, "place_hold", {"held": str(w.hold_minor)}, hold_placed=True
        )

    def request_approval(self, withdrawal_id: str, task_token: str) -> None:
        self.store.transition(
            withdrawal_id,
            WithdrawalStatus.AWAITING_APPROVAL,
            "request_approval",
            approval_task_token=task_token,
        )

    def sign_and_broadcast(self, withdrawal_id: str) -> str:
        w = self._load(withdrawal_id)
        if w.tx_id:
            return w.tx_id
        transfer = OutgoingTransfer(withdrawal_id, w.asset, w.network, w.address, w.amount_minor)
        tx_id = self.custody.broadcast(transfer)
        self.store.transition(
            withdrawal_id, WithdrawalStatus.BROADCAST, "sign_broadcast", {"tx_id": tx_id}, tx_id=tx_id
        )
        return tx_id

    def check_confirmations(self, withdrawal_id: str, polls: int, max_polls: int) -> dict[str, Any]:
        w = self._load(withdrawal_id)
        if not w.tx_id:
            raise CustodyRejectedError("no transaction to watch")
        depth = self.custody.confirmations(w.tx_id)
        required = network_for(w.asset, w.network).withdrawal_confirmations
        self.store.transition(
            withdrawal_id,
            WithdrawalStatus.CONFIRMING,
            "check_confirmations",
            {"confirmations": depth, "required": required, "poll": polls + 1},
            confirmations=depth,
        )
        confirmed = depth >= required
        if not confirmed and polls + 1 >= max_polls:
            raise ConfirmationsTimeoutError(f"{depth}/{required} confirmations after {polls + 1} polls")
        return {"confirmed": confirmed, "polls": polls + 1, "confirmations": depth}

    def settle(self, withdrawal_id: str) -> None:
        w = self._load(withdrawal_id)
        hold = self.ledger.settle_withdrawal(withdrawal_id, w.fee_minor)
        if hold.status != "SETTLED":
            raise HoldNotOpenError(f"the hold of {withdrawal_id} is {hold.status}, not settleable")
        self.store.transition(withdrawal_id, WithdrawalStatus.COMPLETED, "settle", {"fee": str(w.fee_minor)})

    def notify(self, withdrawal_id: str) -> Withdrawal:
        w = self._load(withdrawal_id)
        self.store.record_event(withdrawal_id, "notify", {"status": w.status.value})
        return w

    def compensate(self, withdrawal_id: str, error: str, cause: str) -> str:
        """Release the hold (if one was placed) and mark the withdrawal FAILED; returns the reason."""
        w = self._load(withdrawal_id)
        reason = failure_reason(error, w.status)
        detail = {"error": error, "message": _cause_message(cause)[:500]}
        if w.hold_placed:
            hold = self.ledger.release_withdrawal(withdrawal_id)
            if hold.status == "SETTLED":
                # The money already left: the failure came after settlement (a lost reply); keep it.
                self.store.record_event(withdrawal_id, "compensate", {**detail, "kept": "SETTLED"})
                return "SETTLED"
            detail["released"] = str(hold.amount_minor)
        self.store.transition(
            withdrawal_id, WithdrawalStatus.FAILED, "compensate", detail, failure_reason=reason
        )
        return reason
