"""Checksums and plausibility tests for Chinese personal identifiers and organisation codes.

Own code on purpose (handbook §1.5): python-stdnum rejects 81/82/83 居住证 and 9-prefixed 永居证
numbers and crashes on some inputs, id-validator is slow. Every function is pure and fast.
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "id18_check_char", "is_valid_id18", "is_valid_id15", "id_birth_date",
    "uscc_check_char", "is_valid_uscc", "luhn_ok", "luhn_check_digit", "plausible_card_bin",
    "PROVINCE_CODES",
]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# GB/T 2260 province-level codes, plus 71 (台湾), 81/82/83 (港澳台居民居住证).
PROVINCE_CODES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
_EARLIEST_BIRTH = date(1900, 1, 1)


def id18_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def _date_or_none(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def id_birth_date(number: str) -> date | None:
    """The birth date encoded in an 18- or 15-digit ID (None when impossible)."""
    if len(number) == 18:
        return _date_or_none(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if len(number) == 15:
        return _date_or_none(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return None


def _region_ok(number: str) -> bool:
    if number[0] == "9":  # 外国人永久居留身份证 (2023): the first digit is 9, same checksum
        return True
    return int(number[:2]) in PROVINCE_CODES


def is_valid_id18(number: str, today: date | None = None) -> bool:
    """GB 11643-1999: 17 digits + MOD 11-2 check character, a known region, a real birth date."""
    if len(number) != 18 or not number[:17].isdigit() or not number.isascii():
        return False
    if number[17].upper() != id18_check_char(number[:17]):
        return False
    if not _region_ok(number):
        return False
    born = id_birth_date(number)
    return born is not None and _EARLIEST_BIRTH <= born <= (today or date.today())


def is_valid_id15(number: str) -> bool:
    """Old 15-digit IDs: region + YYMMDD (19YY) + sequence. No checksum, so callers need context."""
    if len(number) != 15 or not number.isdigit() or not number.isascii():
        return False
    return int(number[:2]) in PROVINCE_CODES and id_birth_date(number) is not None


# GB 32100-2015 统一社会信用代码
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_INDEX = {c: i for i, c in enumerate(_USCC_ALPHABET)}


def uscc_check_char(first17: str) -> str | None:
    try:
        total = sum(_USCC_INDEX[c] * w for c, w in zip(first17.upper(), _USCC_WEIGHTS))
    except KeyError:
        return None
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    if len(code) != 18 or not code.isascii():
        return False
    check = uscc_check_char(code[:17])
    return check is not None and code[17].upper() == check


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def plausible_card_bin(number: str) -> bool:
    """Issuer prefixes of cards seen in China: UnionPay 62 (16-19 digits), Visa 4, Mastercard 51-55/2221-2720,
    JCB 35, Amex 34/37 — with the lengths those schemes use."""
    n = len(number)
    if number.startswith("62"):
        return 16 <= n <= 19
    if number.startswith("4"):
        return n in (16, 19)
    if number[:2] in ("51", "52", "53", "54", "55") or 2221 <= int(number[:4]) <= 2720:
        return n == 16
    if number.startswith("35"):
        return 16 <= n <= 19
    if number[:2] in ("34", "37"):
        return n == 15
    return False
