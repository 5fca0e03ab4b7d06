"""Backups of the study database: writing, checking, restoring, keeping the last N.

- :mod:`~rego_desktop.backup.writer`: ``write_backup`` makes an online, consistent
  copy with SQLite's backup API (encrypted, since every value in the study file
  already is) plus a non-identifying manifest, and keeps the study's newest N there.
- :mod:`~rego_desktop.backup.policy`: ``auto_backup`` and ``backup_due``, on close
  and daily, for the application.
- :mod:`~rego_desktop.backup.restore`: ``check_backup`` proves a backup (checksum,
  integrity, password, audit chain, every record decrypts) without changing anything;
  ``restore_backup`` does the same, then puts it in place and keeps the replaced file.
- :mod:`~rego_desktop.backup.integrity`: ``check_integrity`` runs
  ``PRAGMA quick_check`` at open and names the newest backup when the file is damaged.
- :mod:`~rego_desktop.backup.catalog`: listing, the newest backup, rotation.

No Qt here; the GUI and the command line present it. Import from the modules: this
package imports nothing itself, so :mod:`rego_desktop.store.opening` can import
:mod:`rego_desktop.backup.integrity` without an import cycle.
"""
