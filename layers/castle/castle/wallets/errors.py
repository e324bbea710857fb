"""Why a withdrawal request is refused; each maps to a 4xx answer through castle.http."""

from castle.errors import CastleError, NotFoundError


class WithdrawalRefusedError(CastleError):
    """Base of the rule failures; `reason` is the machine-readable word stored on a failed withdrawal."""

    code = -4000
    reason = "REFUSED"


class UnsupportedNetworkError(WithdrawalRefusedError):
    code = -4001
    reason = "UNSUPPORTED_NETWORK"
    default_message = "This asset cannot be moved on this network."


class InvalidAddressError(WithdrawalRefusedError):
    code = -4002
    reason = "INVALID_ADDRESS"
    default_message = "The address is not valid for this network."


class BelowMinimumError(WithdrawalRefusedError):
    code = -4003
    reason = "BELOW_MINIMUM"
    default_message = "The amount is below the network's minimum withdrawal."


class DailyLimitExceededError(WithdrawalRefusedError):
    code = -4004
    reason = "DAILY_LIMIT_EXCEEDED"
    default_message = "The amount exceeds your 24h withdrawal limit."


class TwoFactorRequiredError(WithdrawalRefusedError):
    code = -4005
    reason = "TWO_FACTOR_REQUIRED"
    default_message = "A new address needs a valid 2FA code."


class InvalidTwoFactorCodeError(WithdrawalRefusedError):
    code = -4006
    status = 401
    reason = "INVALID_TWO_FACTOR_CODE"
    default_message = "The 2FA code is not valid."


class AddressNotAllowedError(WithdrawalRefusedError):
    code = -4007
    reason = "ADDRESS_NOT_ALLOWED"
    default_message = "The address is not on your withdrawal allow-list."


class WithdrawalsSuspendedError(WithdrawalRefusedError):
    code = -4008
    reason = "WITHDRAWALS_SUSPENDED"
    default_message = "Withdrawals are suspended for this account."


class IdempotencyKeyReusedError(CastleError):
    code = -4009
    default_message = "This idempotency key was already used for a different withdrawal."


class WithdrawalNotFoundError(NotFoundError):
    code = -4010
    default_message = "Withdrawal does not exist."


class NotAwaitingApprovalError(CastleError):
    code = -4011
    status = 409
    default_message = "The withdrawal is not waiting for approval."
