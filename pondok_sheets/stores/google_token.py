"""The service account's access token, kept between processes (issue 16).

A cron `tick` starts a new process every few minutes. Getting a token in each one costs importing
google-auth's crypto (~0.12 s of CPU), parsing the RSA key (~0.05 s), signing a JWT and a round trip
to Google's token endpoint: more than everything else an idle sync does. Google's access tokens for
a service account live an hour, so the last one is kept in the data folder (`google-token.json`,
readable by its owner only, beside the state that holds far more) and used by the next processes
while more than `MARGIN` of it is left.

It is bound to the key and scopes it was made for (a hash of client_email, private_key_id,
token_uri and the scopes): another key, or the fake's, never uses it. Google refusing it (401:
revoked, or the key deleted) forgets it, and the call is made again with a fresh one. Nothing
here is a failure: a file that cannot be read or written is only a token got the slow way.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
FILE_NAME = "google-token.json"
MARGIN = 300.0  # seconds: a token with less left is not handed out (google-auth itself refreshes at 225 s)


def binding(key: Mapping[str, Any], scopes: Sequence[str]) -> str:
    """What a kept token belongs to: this key (by its id, not its secret) and these scopes."""
    parts = [str(key.get("client_email", "")), str(key.get("private_key_id", "")), str(key.get("token_uri", "")),
             *sorted(scopes)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class KeptToken:
    """The access token on disk at `path`, for the key and scopes hashed in `bound_to`."""

    def __init__(self, path: Path, bound_to: str, clock: Callable[[], float] = time.time):
        self.path = path
        self.bound_to = bound_to
        self.clock = clock

    def load(self) -> tuple[str, float] | None:
        """The kept token and when it expires (epoch seconds), if it is this key's and still good; else None."""
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
            token, expires_at = str(kept["token"]), float(kept["expires_at"])
            if kept["for"] == self.bound_to and self.good_until(expires_at):
                return token, expires_at
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info("kept Google token unusable (%s), getting a new one", type(error).__name__)
        return None

    def good_until(self, expires_at: float) -> bool:
        """Whether a token expiring at `expires_at` still has more than MARGIN left (a long-running
        process asks before each call)."""
        return expires_at - self.clock() > MARGIN

    def save(self, token: str, expires_at: float) -> None:
        """Keep `token` (valid until the epoch second `expires_at`) for the next processes."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump({"for": self.bound_to, "token": token, "expires_at": expires_at}, out)
            os.replace(temporary, self.path)  # atomic: a reader sees the old token or the new one
        except OSError as error:
            temporary.unlink(missing_ok=True)  # no stray copy of the token left beside the state
            log.warning("could not keep the Google token in %s (%s); each process gets its own",
                        self.path.parent, error.strerror or type(error).__name__)

    def forget(self, token: str) -> None:
        """Google refused `token`: no process uses it again (a newer one another process kept stays)."""
        try:
            if json.loads(self.path.read_text(encoding="utf-8")).get("token") == token:
                self.path.unlink()
        except (FileNotFoundError, ValueError, AttributeError):
            pass  # gone already, or not a token file: load() does not use it either
        except OSError as error:
            log.warning("could not remove the refused Google token (%s)", error.strerror or type(error).__name__)
