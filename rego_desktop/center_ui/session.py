"""What the center window works with once opened: database, center key, site keys."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from rego_desktop.center.db import CenterDatabase, open_center_database
from rego_desktop.center.registry import load_center_key, load_site_registry
from rego_desktop.exchange.keys import CenterPrivateKey, SitePublicKey
from rego_desktop.files import write_error


@dataclass(eq=False)
class CenterSession:
    db: CenterDatabase
    target: str
    """The database as given: a file name or a URL (for messages and backups)."""
    key: CenterPrivateKey
    key_folder: Path
    site_keys: Path

    @property
    def is_sqlite(self) -> bool:
        return self.db.engine.dialect.name == "sqlite"

    def registry(self) -> dict[str, SitePublicKey]:
        """The registered site keys, read from the folder now (it may have changed)."""
        return load_site_registry(self.site_keys)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()

    def reopen(self) -> None:
        """Open the database again (after a restore replaced the file)."""
        self.close()
        self.db = open_center_database(self.target)


def open_session(
    target: str,
    key_folder: Path,
    passphrase: str,
    site_keys: Path,
    *,
    create: bool,
    create_site_keys: bool = False,
) -> CenterSession:
    """Unlock the center key, check the site key folder, open (or create) the database."""
    key = load_center_key(key_folder, passphrase)
    if create_site_keys:
        try:
            site_keys.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error("the site key folder", "中心公钥文件夹", site_keys, exc) from exc
    load_site_registry(site_keys)
    db = open_center_database(target, create=create)
    return CenterSession(db, target, key, key_folder, site_keys)
