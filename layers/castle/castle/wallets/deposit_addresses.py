"""Deterministic deposit addresses: HMAC(master key, user | asset | network | index).

A stub for an HD wallet (BIP-32 xpub derivation in a real custody setup): the same inputs always
give the same address, different users get different addresses, and the format is valid for the
network. The database's unique constraint on (network, address) is what guarantees no reuse; on the
(astronomically unlikely) collision the caller derives again with the next index.
"""

import hashlib
import hmac

from castle.wallets.address_codecs import encode_base58check, encode_segwit_v0
from castle.wallets.networks import Network


def derive_deposit_address(master_key: bytes, user_id: str, network: Network, index: int = 0) -> str:
    message = f"{user_id}|{network.asset}|{network.network}|{index}".encode()
    digest = hmac.new(master_key, message, hashlib.sha256).digest()
    program = digest[:20]
    if network.network == "BTC":
        return encode_segwit_v0("bc", program)
    if network.network == "TRX":
        return encode_base58check(b"\x41" + program)
    return "0x" + program.hex()
