"""Pure wallet rules: address formats, minimums, limits, TOTP, deposit address derivation."""

import uuid

import pytest

from castle.wallets import totp
from castle.wallets.address_codecs import encode_segwit_v0, is_valid_base58check, is_valid_bech32_segwit
from castle.wallets.deposit_addresses import derive_deposit_address
from castle.wallets.errors import (
    BelowMinimumError,
    DailyLimitExceededError,
    InvalidAddressError,
    UnsupportedNetworkError,
    WithdrawalsSuspendedError,
)
from castle.wallets.limits import check_daily_limit
from castle.wallets.networks import NETWORKS, check_withdrawal, network_for
from castle.wallets.withdrawal import requires_approval, withdrawal_id_for

UNIT = 10**8


BIP173_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BIP173_PROGRAM = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")


def test_the_bip173_test_vector_encodes_and_validates() -> None:
    assert encode_segwit_v0("bc", BIP173_PROGRAM) == BIP173_ADDRESS
    assert is_valid_bech32_segwit(BIP173_ADDRESS, "bc")


@pytest.mark.parametrize(
    "address",
    [
        BIP173_ADDRESS,
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # P2PKH
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # P2SH
    ],
)
def test_bitcoin_addresses_of_every_kind_are_accepted(address: str) -> None:
    assert check_withdrawal("BTC", "BTC", address, UNIT).network == "BTC"


@pytest.mark.parametrize(
    "address",
    [
        BIP173_ADDRESS[:-1] + "5",  # broken bech32 checksum
        BIP173_ADDRESS.upper(),  # valid bech32, but Castle sends to lower-case addresses only
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  # broken base58 checksum
    ],
)
def test_bitcoin_addresses_with_bad_checksums_or_case_are_refused(address: str) -> None:
    with pytest.raises(InvalidAddressError):
        check_withdrawal("BTC", "BTC", address, UNIT)


def test_ethereum_and_tron_addresses_are_accepted_on_their_networks() -> None:
    assert network_for("ETH", "ETH").is_valid_address("0x52908400098527886E0F7030069857D2E4169EE7")
    assert network_for("USDT", "TRX").is_valid_address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
    assert not network_for("USDT", "TRX").is_valid_address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u")


def test_an_ethereum_address_is_refused_for_bitcoin() -> None:
    with pytest.raises(InvalidAddressError):
        check_withdrawal("BTC", "BTC", "0x52908400098527886E0F7030069857D2E4169EE7", UNIT)


def test_an_asset_on_a_network_it_does_not_live_on_is_refused() -> None:
    with pytest.raises(UnsupportedNetworkError):
        check_withdrawal("BTC", "TRX", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", UNIT)


def test_an_amount_below_the_network_minimum_is_refused() -> None:
    minimum = network_for("BTC", "BTC").min_withdrawal_minor
    with pytest.raises(BelowMinimumError):
        check_withdrawal("BTC", "BTC", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", minimum - 1)


def test_the_daily_limit_counts_what_was_already_withdrawn() -> None:
    check_daily_limit(1, "BTC", used_minor=UNIT, amount_minor=UNIT)
    with pytest.raises(DailyLimitExceededError):
        check_daily_limit(1, "BTC", used_minor=UNIT, amount_minor=UNIT + 1)


def test_an_unverified_account_cannot_withdraw_at_all() -> None:
    with pytest.raises(WithdrawalsSuspendedError):
        check_daily_limit(0, "BTC", used_minor=0, amount_minor=1)


def test_withdrawals_above_the_threshold_or_from_flagged_accounts_need_approval() -> None:
    btc = network_for("BTC", "BTC")
    assert not requires_approval(btc, btc.approval_threshold_minor, account_flagged=False)
    assert requires_approval(btc, btc.approval_threshold_minor + 1, account_flagged=False)
    assert requires_approval(btc, 1, account_flagged=True)


def test_totp_matches_the_rfc_6238_sha1_test_vectors() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.hotp(secret, 59 // 30, digits=8) == "94287082"
    assert totp.hotp(secret, 1111111109 // 30, digits=8) == "07081804"
    assert totp.hotp(secret, 20000000000 // 30, digits=8) == "65353130"


def test_a_totp_code_is_accepted_within_one_step_of_drift_only() -> None:
    secret = totp.new_secret()
    now = 1_700_000_000
    code = totp.totp(secret, now)
    assert totp.matching_counter(secret, code, now + 30) == totp.counter_at(now)
    assert totp.matching_counter(secret, code, now + 90) is None
    assert totp.matching_counter(secret, "12345", now) is None


def test_deposit_addresses_are_deterministic_valid_and_distinct_per_user() -> None:
    key = b"master-key-for-tests"
    for network in NETWORKS.values():
        first, again = (derive_deposit_address(key, "alice", network) for _ in range(2))
        other = derive_deposit_address(key, "bob", network)
        assert first == again and first != other
        assert network.is_valid_address(first) and network.is_valid_address(other)


def test_a_tron_deposit_address_is_base58check_with_the_tron_prefix() -> None:
    address = derive_deposit_address(b"k" * 16, str(uuid.uuid4()), network_for("USDT", "TRX"))
    assert address.startswith("T") and is_valid_base58check(address, versions=(0x41,))


def test_the_withdrawal_id_depends_on_the_user_and_the_idempotency_key() -> None:
    assert withdrawal_id_for("alice", "k1") == withdrawal_id_for("alice", "k1")
    assert (
        len(
            {
                withdrawal_id_for("alice", "k1"),
                withdrawal_id_for("bob", "k1"),
                withdrawal_id_for("alice", "k2"),
            }
        )
        == 3
    )
