"""The center's keys on disk: its own key pair and the folder of registered site keys.

* ``rego-center keygen --out DIR`` writes :data:`PRIVATE_KEY_FILE` (encrypted with a
  passphrase) and :data:`PUBLIC_KEY_FILE` (given to every site) into ``DIR``.
* Registered site keys live in a folder, one site public key file per site, named
  ``<SITE CODE>.json`` (e.g. ``BJ01.json``). The file name is the site the key is
  registered for; a file whose key says another site is kept as it is so that
  verification can name the mix-up (``site_key_mismatch``). Other files are ignored.
* **Key replacement** (``rego-center replace-site-key``): the site made a new key (new
  fingerprint, confirmed by telephone). The old file moves to ``retired/`` as
  ``<SITE>.<FINGERPRINT>.json`` and is still used to verify the site's files made before
  the replacement (:func:`keys_for_file`); the new key must be a version 2 key file
  (with the encryption key query files need).
* **Revocation** (``rego-center revoke-site-key``): the key is compromised or lost. Its
  file moves to ``revoked/``; nothing signed with it is accepted any more, and the site
  has no registered key until a new one is registered.
* A version 1 key file (signing key only) is still registered, with a warning: query
  files cannot be sent to the site until its version 2 file is registered (which
  :func:`register_site_key` accepts in place of the version 1 file of the same key).

Every registration, replacement and revocation is recorded in the center audit trail by
the command that does it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Mapping
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
    "keys_for_file",
    "load_center_key",
    "load_retired_keys",
    "load_site_registry",
    "register_site_key",
    "registration_warning",
    "replace_site_key",
    "revoke_site_key",
]

PRIVATE_KEY_FILE: Final = "center-private-key.json"
PUBLIC_KEY_FILE: Final = "center-public-key.json"
RETIRED_FOLDER: Final = "retired"
REVOKED_FOLDER: Final = "revoked"
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


def _confirmed_key(key_file: Path, fingerprint: str) -> SitePublicKey:
    """The site key in ``key_file``, if its fingerprint is the one read by telephone."""
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
    return key


def register_site_key(folder: Path, key_file: Path, fingerprint: str) -> tuple[SitePublicKey, Path]:
    """Check a site's public key file against the fingerprint confirmed by telephone and
    copy it into the registry as ``<SITE>.json``. Refuses to replace another key."""
    key = _confirmed_key(key_file, fingerprint)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key.site_code}.json"
    if _revoked(folder, key.fingerprint):
        raise SiteRegistryError(
            f"The key {key.fingerprint} of site {key.site_code} was revoked at this center; "
            "it cannot be registered again. Ask the site to make a new key."
        )
    if target.exists():
        existing = load_site_public_key(target)
        if existing.fingerprint == key.fingerprint:
            if key.can_receive_queries and not existing.can_receive_queries:
                # The same key, now with its encryption key (version 2 file): take it.
                write_site_public_key(target, key, overwrite=True)
                os.chmod(target, 0o644)
            return key, target
        raise SiteRegistryError(
            f"Site {key.site_code} already has a registered key ({existing.fingerprint}) in "
            f"{target}. If the site really made a new key, use rego-center replace-site-key "
            "(the old key is kept to verify older files)."
        )
    write_site_public_key(target, key)
    os.chmod(target, 0o644)
    return key, target


def registration_warning(key: SitePublicKey) -> str | None:
    """What to tell the operator about a registered key, if anything."""
    if key.can_receive_queries:
        return None
    return (
        f"Warning: the key file of site {key.site_code} is version 1: it verifies the site's "
        "transfer files, but it has no encryption key, so query files cannot be sent to the "
        "site. Ask the site for its current public key file (rego-desktop site-key, same "
        "fingerprint) and register it again."
    )


def _compact(fingerprint: str) -> str:
    return fingerprint.replace("-", "")


def _revoked(folder: Path, fingerprint: str) -> bool:
    revoked = folder / REVOKED_FOLDER
    return revoked.is_dir() and any(
        p.name.endswith(f".{_compact(fingerprint)}.json") for p in revoked.iterdir()
    )


def replace_site_key(
    folder: Path, key_file: Path, fingerprint: str
) -> tuple[SitePublicKey, SitePublicKey, Path]:
    """Register a site's new key in place of its current one (confirmed by telephone).

    The old key file moves to ``retired/`` and still verifies files made before now.
    Returns (new key, old key, registered file). The new key must be a version 2 file.
    """
    key = _confirmed_key(key_file, fingerprint)
    if not key.can_receive_queries:
        raise SiteRegistryError(
            f"{key_file} is a version 1 key file (without the encryption key query files "
            "need); a replacement key must be a version 2 file. Ask the site to write its key "
            "file again with the current rego-desktop (rego-desktop site-key)."
        )
    target = folder / f"{key.site_code}.json"
    if not target.exists():
        raise SiteRegistryError(
            f"Site {key.site_code} has no registered key to replace in {folder}. Register "
            "the key with rego-center register-site."
        )
    old = load_site_public_key(target)
    if old.fingerprint == key.fingerprint:
        raise SiteRegistryError(
            f"{key_file} holds the key already registered for site {key.site_code} "
            f"({key.fingerprint}); there is nothing to replace."
        )
    if _revoked(folder, key.fingerprint):
        raise SiteRegistryError(
            f"The key {key.fingerprint} was revoked at this center and cannot be registered."
        )
    retired = folder / RETIRED_FOLDER
    retired.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    shutil.move(target, retired / f"{key.site_code}.{stamp}.{_compact(old.fingerprint)}.json")
    write_site_public_key(target, key)
    os.chmod(target, 0o644)
    return key, old, target


def revoke_site_key(folder: Path, site: str, fingerprint: str) -> tuple[SitePublicKey, Path]:
    """Revoke a site's current key (the typed fingerprint must be the key's).

    The key file moves to ``revoked/``; files signed with the key are refused from now
    on and the site has no registered key until a new one is registered.
    """
    target = folder / f"{site}.json"
    if not target.exists():
        raise SiteRegistryError(f"Site {site} has no registered key in {folder} to revoke.")
    key = load_site_public_key(target)
    try:
        typed = normalize_fingerprint(fingerprint)
    except InvalidExchangeParameter as exc:
        raise SiteRegistryError(exc.message) from None
    if typed != key.fingerprint:
        raise SiteRegistryError(
            f"The fingerprint you typed ({typed}) is not that of site {site}'s registered key "
            f"({key.fingerprint}); nothing was revoked. Type the fingerprint of the key to revoke."
        )
    revoked = folder / REVOKED_FOLDER
    revoked.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = revoked / f"{site}.{stamp}.{_compact(key.fingerprint)}.json"
    shutil.move(target, moved)
    return key, moved


def load_retired_keys(folder: Path) -> dict[str, list[tuple[dt.datetime, SitePublicKey]]]:
    """Site code -> (retired at, key) of each replaced key, oldest first."""
    out: dict[str, list[tuple[dt.datetime, SitePublicKey]]] = {}
    retired = folder / RETIRED_FOLDER
    if not retired.is_dir():
        return out
    for path in sorted(retired.glob("*.json")):
        parts = path.name.rsplit(".", 3)
        if len(parts) != 4:
            continue
        try:
            when = dt.datetime.strptime(parts[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            key = load_site_public_key(path)
        except (ValueError, KeyFileError):
            continue
        out.setdefault(parts[0], []).append((when, key))
    return out


def keys_for_file(
    registry: Mapping[str, SitePublicKey],
    folder: Path,
    site: str,
    fingerprint: str,
    created: dt.datetime,
) -> dict[str, SitePublicKey]:
    """The registry to verify one file with: a file of ``site`` signed with a key replaced
    after the file was made is verified with that retired key (never a revoked one)."""
    current = registry.get(site)
    if current is not None and current.fingerprint == fingerprint:
        return dict(registry)
    for retired_at, key in load_retired_keys(folder).get(site, []):
        if key.fingerprint == fingerprint and created <= retired_at:
            return {**registry, site: key}
    return dict(registry)
