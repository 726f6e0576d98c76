"""Keyed-hash pseudonyms for patient ids; the key never enters any output."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from markersurv.errors import ConfigError, Problem

DIGEST_CHARS = 16


def load_key(
    key_env: str = "MARKERSURV_PSEUDONYM_KEY", key_file: str = "~/.config/markersurv/pseudonym.key"
) -> bytes:
    """The pseudonymization key from the environment, else from a file created if absent.

    A generated key is 32 random bytes written with owner-only permissions; keep it to get
    the same pseudonyms on a re-run (and so byte-identical outputs).
    """
    value = os.environ.get(key_env)
    if value:
        return value.encode()
    path = Path(key_file).expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    key = path.read_text().strip()
    if not key:
        raise ConfigError(
            Problem(
                f"pseudonymization key file {str(path)!r} is empty",
                hint=f"Delete it to have a new key made, or set {key_env}",
            )
        )
    return key.encode()


def pseudonymize(ids: pd.Series, cohort: str, key: bytes) -> pd.Series:
    """HMAC-SHA256 of cohort and id, truncated to 16 hex characters (64 bits).

    >>> pseudonymize(pd.Series(["P1"]), "c", b"k").str.len().tolist()
    [16]
    """
    prefix = cohort.encode() + b"\x1f"
    digests = [
        hmac.new(key, prefix + str(i).encode(), hashlib.sha256).hexdigest()[:DIGEST_CHARS]
        for i in ids
    ]
    return pd.Series(digests, index=ids.index, dtype=object)
