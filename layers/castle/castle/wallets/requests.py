"""User and administrator requests: ask for a withdrawal, approve or reject one, enrol 2FA."""

from dataclasses import dataclass
from typing import Protocol

from castle.wallets import totp
from castle.wallets.errors import (
    IdempotencyKeyReusedError,
    InvalidTwoFactorCodeError,
    NotAwaitingApprovalError,
    WithdrawalNotFoundError,
)
from castle.wallets.networks import check_withdrawal
from castle.wallets.ports import WalletProfileStore, WithdrawalStore
from castle.wallets.records import NewWithdrawal, WalletProfile, Withdrawal
from castle.wallets.withdrawal import WithdrawalStatus, withdrawal_id_for


class ApprovalStore(WithdrawalStore, Protocol):
    def approval_task_token(self, withdrawal_id: str) -> str | None: ...


class WorkflowPort(Protocol):
    def start(self, withdrawal_id: str) -> None:
        """Start the workflow named by the withdrawal id; starting it again is a no-op."""

    def approve(self, task_token: str, reviewer: str) -> bool:
        """Answer the approval task; False when the task is no longer waiting."""

    def reject(self, task_token: str, reviewer: str, reason: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class WithdrawalRequest:
    asset: str
    network: str
    address: str
    amount_minor: int
    totp_code: str | None = None


def verify_second_factor(profiles: WalletProfileStore, user_id: str, code: str, now_s: int) -> None:
    secret = profiles.profile(user_id).totp_secret
    if secret is None:
        raise InvalidTwoFactorCodeError("2FA is not enabled on this account.")
    counter = totp.matching_counter(secret, code, now_s)
    if counter is None:
        raise InvalidTwoFactorCodeError()
    if not profiles.accept_totp_counter(user_id, counter):
        raise InvalidTwoFactorCodeError("This 2FA code was already used.")


def request_withdrawal(
    store: WithdrawalStore,
    profiles: WalletProfileStore,
    workflow: WorkflowPort,
    user_id: str,
    idempotency_key: str,
    request: WithdrawalRequest,
    now_s: int,
) -> tuple[Withdrawal, bool]:
    """One withdrawal and one execution per (user, idempotency key); returns (withdrawal, created)."""
    withdrawal_id = withdrawal_id_for(user_id, idempotency_key)
    new = NewWithdrawal(
        withdrawal_id,
        user_id,
        idempotency_key,
        request.asset,
        request.network,
        request.address,
        request.amount_minor,
        0,
        two_factor_verified=False,
    )
    existing = store.get(withdrawal_id)
    if existing is None:
        network = check_withdrawal(request.asset, request.network, request.address, request.amount_minor)
        verified = False
        if request.totp_code:
            verify_second_factor(profiles, user_id, request.totp_code, now_s)
            verified = True
        new = NewWithdrawal(
            withdrawal_id,
            user_id,
            idempotency_key,
            request.asset,
            request.network,
            request.address,
            request.amount_minor,
            network.withdrawal_fee_minor,
            two_factor_verified=verified,
        )
        existing, created = store.create(new)
    else:
        created = False
    if not new.same_request_as(existing):
        raise IdempotencyKeyReusedError()
    # Also on a replay: it resumes a request whose start was lost (the start is idempotent by name).
    workflow.start(withdrawal_id)
    return existing, created


def review_withdrawal(
    store: ApprovalStore,
    workflow: WorkflowPort,
    withdrawal_id: str,
    reviewer: str,
    approve: bool,
    reason: str = "rejected by an administrator",
) -> Withdrawal:
    if store.get(withdrawal_id) is None:
        raise WithdrawalNotFoundError()
    token = store.approval_task_token(withdrawal_id)
    if token is None:
        raise NotAwaitingApprovalError()
    if approve:
        # Recorded before answering, so the workflow's next transition always comes after it.
        updated = store.transition(
            withdrawal_id, WithdrawalStatus.APPROVED, "approve", {"by": reviewer}, reviewed_by=reviewer
        )
        answered = workflow.approve(token, reviewer)
    else:
        updated = store.transition(
            withdrawal_id,
            WithdrawalStatus.AWAITING_APPROVAL,
            "reject",
            {"by": reviewer, "reason": reason},
            reviewed_by=reviewer,
        )
        answered = workflow.reject(token, reviewer, reason)
    if not answered:
        raise NotAwaitingApprovalError("The approval request timed out or was already answered.")
    return updated


def enrol_second_factor(profiles: WalletProfileStore, user_id: str, account_label: str) -> str:
    """Create the user's TOTP secret once; returns the otpauth:// URI for an authenticator app."""
    profile = profiles.profile(user_id)
    if profile.totp_secret is not None:
        raise InvalidTwoFactorCodeError("2FA is already enabled on this account.")
    secret = totp.new_secret()
    profiles.save_profile(
        WalletProfile(user_id, profile.kyc_tier, secret, profile.totp_last_counter, profile.risk_flagged)
    )
    return totp.provisioning_uri(secret, account_label)
