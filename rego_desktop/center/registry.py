"""The center's keys on disk: its own key pair and the folder of registered site keys.

* ``rego-center keygen --out DIR`` writes :data:`PRIVATE_KEY_FILE` (encrypted with a
  passphrase) and :data:`PUBLIC_KEY_FILE` (given to every site) into ``DIR``.
* Registered site keys live in a folder, one site public key file per site, named
  ``<SITE CODE>.json`` (e.g. ``BJ01.json``). The file name is the site the key is
  registered for; a file whose key says another site is kept as it is so that
  verification can name the mix-up (``site_key_mismatch``). Other files are ignored.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

from rego_desktop.center.errors import SiteRegistryError
from rego_desktop.exchange.errors import InvalidExchangeParameter, KeyFileError
from rego_desktop.exchange.keys import (
    CenterPrivateKey,
    SitePublicKey,
    load_center_private_key,
    load_site_public_key,
    normalize_fingerprint,
    write_site_public_key,
)

__all__ = [
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "load_center_key",
    "load_site_registry",
    "register_site_key",
]

PRIVATE_KEY_FILE: Final = "center-private-key.json"
PUBLIC_KEY_FILE: Final = "center-public-key.json"
_SITE_FILE_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def private_key_path(key: Path) -> Path:
    """``key`` is the folder made by keygen, or the private key file itself."""
    return key / PRIVATE_KEY_FILE if key.is_dir() else key


def load_center_key(key: Path, passphrase: str) -> CenterPrivateKey:
    return load_center_private_key(private_key_path(key), passphrase)


def load_site_registry(folder: Path) -> dict[str, SitePublicKey]:
    """Site code (from the file name) -> registered site public key.

    Raises :class:`SiteRegistryError` if the folder is missing or a ``.json`` file in it
    is not a valid site public key file (the message names the file).
    """
    if not folder.is_dir():
        raise SiteRegistryError(
            f"The site key folder {folder} does not exist. Give the folder holding the "
            "registered site public key files (one <SITE>.json per site)."
        )
    registry: dict[str, SitePublicKey] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".json" or not path.is_file():
            continue
        if _SITE_FILE_RE.fullmatch(path.stem) is None:
            raise SiteRegistryError(
                f"{path} is in the site key folder but {path.stem!r} is not a site code. Name "
                "each registered key file after its site, e.g. BJ01.json."
            )
        try:
            key = load_site_public_key(path)
        except KeyFileError as exc:
            raise SiteRegistryError(
                f"The site key folder {folder} holds a file that cannot be used: {exc.message}"
            ) from None
        registry[path.stem] = key
    return registry


def register_site_key(folder: Path, key_file: Path, fingerprint: str) -> tuple[SitePublicKey, Path]:
    """Check a site's public key file against the fingerprint confirmed by telephone and
    copy it into the registry as ``<SITE>.json``. Refuses to replace another key."""
    key = load_site_public_key(key_file)
    try:
        typed = normalize_fingerprint(fingerprint)
    except InvalidExchangeParameter as exc:
        raise SiteRegistryError(exc.message) from None
    if typed != key.fingerprint:
        raise SiteRegistryError(
            f"The fingerprint you typed ({typed}) is not the fingerprint of the key in "
            f"{key_file} ({key.fingerprint}). Do not register this key: check with site "
            f"{key.site_code} by telephone which key they sent."
        )
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key.site_code}.json"
    if target.exists():
        existing = load_site_public_key(target)
        if existing.fingerprint == key.fingerprint:
            return key, target
        raise SiteRegistryError(
            f"Site {key.site_code} already has a registered key ({existing.fingerprint}) in "
            f"{target}. If the site really made a new key, move the old file away first."
        )
    write_site_public_key(target, key)
    os.chmod(target, 0o644)
    return key, target
