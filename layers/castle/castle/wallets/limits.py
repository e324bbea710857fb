"""Withdrawal limits per KYC tier, per asset, over a rolling 24 hours (minor units)."""

from castle.wallets.errors import DailyLimitExceededError, WithdrawalsSuspendedError

UNIT = 10**8

# Tier 0: not verified, no withdrawals. Tier 1: basic. Tier 2: full verification.
DAILY_LIMITS: dict[int, dict[str, int]] = {
    0: {},
    1: {"BTC": 2 * UNIT, "ETH": 30 * UNIT, "USDT": 50_000 * UNIT},
    2: {"BTC": 100 * UNIT, "ETH": 1_500 * UNIT, "USDT": 2_000_000 * UNIT},
}


def daily_limit(kyc_tier: int, asset: str) -> int:
    return DAILY_LIMITS.get(kyc_tier, {}).get(asset, 0)


def check_daily_limit(kyc_tier: int, asset: str, used_minor: int, amount_minor: int) -> None:
    """`used_minor`: what the user's other withdrawals of the asset took in the last 24h."""
    limit = daily_limit(kyc_tier, asset)
    if limit == 0:
        raise WithdrawalsSuspendedError(f"KYC tier {kyc_tier} cannot withdraw {asset}.")
    if used_minor + amount_minor > limit:
        raise DailyLimitExceededError()
