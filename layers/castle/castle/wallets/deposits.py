"""Deposit addresses (one per user, asset and network, never shared) and chain deposits seen."""

from castle.errors import NotFoundError
from castle.ledger.models import Deposit
from castle.ports.ledger import DepositLedger
from castle.wallets.deposit_addresses import derive_deposit_address
from castle.wallets.networks import network_for
from castle.wallets.ports import DepositAddressStore

_MAX_DERIVATIONS = 8


class UnknownDepositAddressError(NotFoundError):
    code = -4012
    default_message = "No account owns this deposit address."


def deposit_address_for(
    store: DepositAddressStore, master_key: bytes, user_id: str, asset: str, network: str
) -> str:
    net = network_for(asset, network)
    existing = store.deposit_address(user_id, asset, network)
    if existing:
        return existing
    for index in range(_MAX_DERIVATIONS):
        address = derive_deposit_address(master_key, user_id, net, index)
        if store.claim_deposit_address(user_id, asset, network, address, index):
            # A concurrent request may have claimed first: the stored one wins.
            return store.deposit_address(user_id, asset, network) or address
    raise RuntimeError(f"no free deposit address for {user_id} {asset}/{network}")


def observe_deposit(
    store: DepositAddressStore,
    ledger: DepositLedger,
    network: str,
    address: str,
    tx_id: str,
    amount_minor: int,
    confirmations: int,
) -> Deposit:
    """The chain watcher saw a transfer to one of our addresses; the ledger credits it once deep enough."""
    owner = store.owner_of(network, address)
    if owner is None:
        raise UnknownDepositAddressError()
    user_id, asset = owner
    return ledger.record_deposit(tx_id, user_id, asset, amount_minor, confirmations)
