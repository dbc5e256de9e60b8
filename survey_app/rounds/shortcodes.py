"""Short link codes a person can read off a poster and type: ``k7m4-px9q``.

Pure module. A code is 8 characters of an alphabet without the look-alikes 0/O, 1/I/l (and
without upper case: a phone keyboard types lower case first), about 40 random bits: guessing
one is as slow as the rate limit of unknown links allows (30 a minute per address), and the
round's long token keeps working beside it. It is printed in two groups of four.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 8
GROUP = 4
_SYMBOLS = frozenset(ALPHABET)


def generate() -> str:
    """Return a new code, normalised (no hyphen)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str | None:
    """Return the stored form of a typed code (case, spaces and hyphens ignored), or ``None``."""
    cleaned = "".join(text.split()).replace("-", "").lower()
    if len(cleaned) != LENGTH or not set(cleaned) <= _SYMBOLS:
        return None
    return cleaned


def formatted(code: str) -> str:
    """Return *code* as printed: ``k7m4-px9q``."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))
