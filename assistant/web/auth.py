"""Staff passwords (scrypt hashes) and the accounts that may log in to the console."""
import hashlib
import hmac
import secrets
from base64 import b64decode, b64encode
from pathlib import Path
from typing import Dict, Optional

import yaml

STAFF_ACCOUNTS = Path(__file__).resolve().parent.parent / "staff_accounts.yml"

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 16 MB and a few tens of ms per check


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """A password as `scrypt$n$r$p$salt$hash` (base64), for assistant/staff_accounts.yml."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=b64encode(salt).decode(), digest=b64encode(digest).decode()
    )


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches the stored hash; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
_DECOY_HASH = hash_password(secrets.token_urlsafe(16))


def load_staff_accounts(path: Path) -> Dict[str, dict]:
    """User name -> {name, password}; read at each login so an edited file needs no restart."""
    with Path(path).open(encoding="utf-8") as handle:
        accounts = (yaml.safe_load(handle) or {}).get("accounts") or {}
    return {str(user): dict(details or {}) for user, details in accounts.items()}


def check_login(path: Path, username: str, password: str) -> Optional[str]:
    """The staff member's display name when the user name and password match, else None."""
    account = load_staff_accounts(path).get(username.strip())
    matches = verify_password(password, account.get("password", "") if account else _DECOY_HASH)
    if account and matches:
        return str(account.get("name") or username)
    return None
