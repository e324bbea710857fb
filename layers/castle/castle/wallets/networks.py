"""The assets Castle moves on chain, per network: address format, minimum, fee, confirmations."""

import re
from dataclasses import dataclass

from castle.wallets.address_codecs import is_valid_base58check, is_valid_bech32_segwit
from castle.wallets.errors import BelowMinimumError, InvalidAddressError, UnsupportedNetworkError


@dataclass(frozen=True, slots=True)
class Network:
    asset: str
    network: str
    address_pattern: re.Pattern[str]
    # All amounts in minor units (1e-8).
    min_withdrawal_minor: int
    withdrawal_fee_minor: int
    # A single withdrawal above this waits for an administrator.
    approval_threshold_minor: int
    deposit_confirmations: int
    withdrawal_confirmations: int

    def is_valid_address(self, address: str) -> bool:
        if not self.address_pattern.fullmatch(address):
            return False
        if self.network == "BTC":
            return (
                is_valid_bech32_segwit(address, "bc")
                if address.startswith("bc1")
                else (is_valid_base58check(address, versions=(0x00, 0x05)))
            )
        if self.network == "TRX":
            return is_valid_base58check(address, versions=(0x41,))
        return True


_BTC = re.compile(r"bc1[ac-hj-np-z02-9]{11,71}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}")
_ETH = re.compile(r"0x[0-9a-fA-F]{40}")
_TRX = re.compile(r"T[1-9A-HJ-NP-Za-km-z]{33}")

UNIT = 10**8

NETWORKS: dict[tuple[str, str], Network] = {
    (n.asset, n.network): n
    for n in (
        Network("BTC", "BTC", _BTC, UNIT // 2000, UNIT // 5000, 1 * UNIT, 2, 2),
        Network("ETH", "ETH", _ETH, UNIT // 100, UNIT // 500, 20 * UNIT, 12, 12),
        Network("USDT", "ETH", _ETH, 10 * UNIT, 5 * UNIT, 50_000 * UNIT, 12, 12),
        Network("USDT", "TRX", _TRX, 10 * UNIT, 1 * UNIT, 50_000 * UNIT, 20, 20),
    )
}


def network_for(asset: str, network: str) -> Network:
    try:
        return NETWORKS[(asset, network)]
    except KeyError as exc:
        raise UnsupportedNetworkError(f"{asset} cannot be moved on network {network}.") from exc


def default_network(asset: str) -> Network:
    """The asset's own chain (USDT: Ethereum)."""
    for (candidate, _), net in NETWORKS.items():
        if candidate == asset:
            return net
    raise UnsupportedNetworkError(f"{asset} has no network.")


def check_withdrawal(asset: str, network: str, address: str, amount_minor: int) -> Network:
    """The static rules of a withdrawal request; returns the network so callers read its fee."""
    net = network_for(asset, network)
    if not net.is_valid_address(address):
        raise InvalidAddressError(f"'{address}' is not a valid {asset} address on {network}.")
    if amount_minor < net.min_withdrawal_minor:
        raise BelowMinimumError()
    return net
