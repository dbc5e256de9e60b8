"""Respondent codes for panel rounds: generation, check character, normalisation, hashing.

Pure module. A code is 13 random characters of Crockford's base32 alphabet (65 bits) plus
one check character computed with the Luhn mod N algorithm over the same alphabet, shown
as ``XXXX-XXXX-XXXX-XX``. The check character catches every single mistyped character and
most swaps of neighbours, so a typo is rejected instead of silently creating an unpaired
response. Letters that look alike are read as the same (O→0, I and L→1), case is ignored.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RANDOM_CHARACTERS = 13
CODE_LENGTH = RANDOM_CHARACTERS + 1
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CodeFormatError(ValueError):
    """The text is not a well-formed code (wrong length, foreign character or failed check)."""


def check_character(payload: str) -> str:
    """Return the Luhn mod 32 check character of *payload* (characters of :data:`ALPHABET`)."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for symbol in reversed(payload):
        addend = factor * _VALUE[symbol]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def generate_code() -> str:
    """Return a new normalised code (14 characters, no dashes)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARACTERS))
    return payload + check_character(payload)


def normalise(text: str) -> str:
    """Return the canonical form of a typed code.

    :raise CodeFormatError: if it has the wrong length or characters, or fails the check.
    """
    cleaned = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(symbol not in _VALUE for symbol in cleaned):
        raise CodeFormatError("wrong length or characters")
    if check_character(cleaned[:-1]) != cleaned[-1]:
        raise CodeFormatError("check character does not match")
    return cleaned


def formatted(code: str) -> str:
    """Return *code* grouped for printing: ``7KQ2-M9XD-4HTB-RW``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    """Return the SHA-256 stored instead of the normalised *code*."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
