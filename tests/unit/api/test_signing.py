"""Binance HMAC request signing and timing security."""

import pytest

from castle.auth.signing import (
    check_timestamp,
    merge_params,
    query_string_candidates,
    sign,
    strip_signature,
    verify_signature,
)
from castle.errors import (
    BadRequestError,
    InvalidSignatureError,
    InvalidTimestampError,
    MandatoryParameterError,
)

DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
NOW = 1_700_000_000_000


def test_signature_matches_the_binance_documentation_example() -> None:
    assert sign(DOC_SECRET, DOC_PAYLOAD) == DOC_SIGNATURE


def test_signature_in_the_query_string_is_verified_over_query_without_it() -> None:
    verify_signature(DOC_SECRET, DOC_SIGNATURE, [f"{DOC_PAYLOAD}&signature={DOC_SIGNATURE}"], "")


def test_signature_over_query_plus_body_concatenated_without_separator() -> None:
    query, body = "symbol=LTCBTC&side=BUY", "type=LIMIT&timeInForce=GTC"
    signature = sign(DOC_SECRET, query + body)
    verify_signature(DOC_SECRET, signature, [query], f"{body}&signature={signature}")


def test_hmac_signature_is_case_insensitive() -> None:
    verify_signature(DOC_SECRET, DOC_SIGNATURE.upper(), [DOC_PAYLOAD], "")


def test_signature_with_another_secret_is_refused() -> None:
    with pytest.raises(InvalidSignatureError):
        verify_signature("x" * 64, DOC_SIGNATURE, [DOC_PAYLOAD], "")


def test_tampered_parameter_is_refused() -> None:
    with pytest.raises(InvalidSignatureError):
        verify_signature(DOC_SECRET, DOC_SIGNATURE, [DOC_PAYLOAD.replace("quantity=1", "quantity=2")], "")


def test_strip_signature_keeps_every_other_byte_as_sent() -> None:
    assert strip_signature("a=%20b&signature=abc&c=d") == "a=%20b&c=d"


def test_query_candidates_cover_plus_percent_and_raw_encodings() -> None:
    candidates = query_string_candidates([("symbol", "１２"), ("note", "a b")])
    assert "symbol=%EF%BC%91%EF%BC%92&note=a+b" in candidates
    assert "symbol=%EF%BC%91%EF%BC%92&note=a%20b" in candidates
    assert "symbol=１２&note=a b" in candidates


def test_query_string_wins_over_body_for_the_same_parameter() -> None:
    assert merge_params([("symbol", "BTCUSDT")], "symbol=ETHUSDT&side=BUY") == {
        "symbol": "BTCUSDT",
        "side": "BUY",
    }


def test_parameter_sent_twice_in_one_part_is_refused() -> None:
    with pytest.raises(BadRequestError):
        merge_params([("a", "1"), ("a", "2")], "")


def test_timestamp_within_the_default_window_is_accepted() -> None:
    check_timestamp({"timestamp": str(NOW - 4999)}, NOW)


def test_timestamp_older_than_the_default_5000ms_window_is_refused_with_1021() -> None:
    with pytest.raises(InvalidTimestampError) as caught:
        check_timestamp({"timestamp": str(NOW - 5001)}, NOW)
    assert caught.value.code == -1021


def test_timestamp_a_second_ahead_of_the_server_is_refused() -> None:
    with pytest.raises(InvalidTimestampError):
        check_timestamp({"timestamp": str(NOW + 1000)}, NOW)


def test_larger_recv_window_accepts_an_older_timestamp() -> None:
    check_timestamp({"timestamp": str(NOW - 59_000), "recvWindow": "60000"}, NOW)


def test_recv_window_above_60000_is_refused() -> None:
    with pytest.raises(MandatoryParameterError):
        check_timestamp({"timestamp": str(NOW), "recvWindow": "60001"}, NOW)


def test_recv_window_with_microsecond_precision_is_accepted() -> None:
    check_timestamp({"timestamp": str(NOW - 6000), "recvWindow": "6000.346"}, NOW)


def test_timestamp_in_microseconds_is_understood() -> None:
    check_timestamp({"timestamp": str(NOW * 1000 - 1_000_000)}, NOW)


@pytest.mark.parametrize("timestamp", ["", "abc", "-5", "1e12", "１２３", "9" * 30])
def test_malformed_timestamp_is_a_1102(timestamp: str) -> None:
    with pytest.raises(MandatoryParameterError):
        check_timestamp({"timestamp": timestamp}, NOW)


def test_missing_timestamp_is_a_1102() -> None:
    with pytest.raises(MandatoryParameterError):
        check_timestamp({}, NOW)
