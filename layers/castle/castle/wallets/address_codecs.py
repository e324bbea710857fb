"""Bech32 (BIP-173) and Base58Check, enough to check and build the addresses Castle uses."""

import hashlib

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATORS = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _bech32_polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATORS):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int] | None:
    acc = 0
    bits = 0
    out: list[int] = []
    max_value = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & max_value)
    if pad and bits:
        out.append((acc << (to_bits - bits)) & max_value)
    elif not pad and (bits >= from_bits or (acc << (to_bits - bits)) & max_value):
        return None
    return out


def encode_segwit_v0(hrp: str, program: bytes) -> str:
    """A version-0 witness program (20 bytes: P2WPKH) as a bech32 address."""
    data = [0, *(_convert_bits(program, 8, 5, pad=True) or [])]
    polymod = _bech32_polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32_CHARSET[d] for d in data + checksum)


def is_valid_bech32_segwit(address: str, hrp: str) -> bool:
    if address.lower() != address or not address.startswith(hrp + "1"):
        return False
    try:
        data = [_BECH32_CHARSET.index(c) for c in address[len(hrp) + 1 :]]
    except ValueError:
        return False
    if len(data) < 7 or _bech32_polymod([*_hrp_expand(hrp), *data]) != 1:
        return False
    version, payload = data[0], data[1:-6]
    program = _convert_bits(payload, 5, 8, pad=False)
    # Version 0 only (bech32, not bech32m): P2WPKH or P2WSH.
    return version == 0 and program is not None and len(program) in (20, 32)


def _double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def encode_base58check(payload: bytes) -> str:
    raw = payload + _double_sha256(payload)[:4]
    number = int.from_bytes(raw, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = _BASE58_ALPHABET[digit] + text
    leading_zeros = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * leading_zeros + text


def decode_base58check(text: str) -> bytes | None:
    number = 0
    for char in text:
        digit = _BASE58_ALPHABET.find(char)
        if digit < 0:
            return None
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(text) - len(text.lstrip("1"))) + body
    if len(raw) < 5 or _double_sha256(raw[:-4])[:4] != raw[-4:]:
        return None
    return raw[:-4]


def is_valid_base58check(address: str, versions: tuple[int, ...]) -> bool:
    payload = decode_base58check(address)
    return payload is not None and len(payload) == 21 and payload[0] in versions
