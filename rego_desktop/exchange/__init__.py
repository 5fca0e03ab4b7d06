"""Transfer files between sites and the coordinating center (no Qt).

:mod:`rego_desktop.exchange.keys` holds the center's and the sites' keys and their
files; :mod:`rego_desktop.exchange.container` writes and reads the signed, encrypted
transfer file around an opaque payload. ``docs/transfer-format.md`` is the byte-level
specification.
"""

from rego_desktop.exchange.container import (
    OpenedTransfer,
    TransferHeader,
    open_transfer,
    read_header,
    seal_transfer,
    unseal_transfer,
    verify_transfer,
    write_transfer,
    write_transfer_file,
)
from rego_desktop.exchange.errors import (
    ExchangeError,
    ExchangeWriteError,
    InvalidExchangeParameter,
    KeyFileError,
    KeyProblem,
    TransferFileError,
    TransferProblem,
    WrongPassphrase,
)
from rego_desktop.exchange.keys import (
    CenterPrivateKey,
    CenterPublicKey,
    SitePublicKey,
    SiteSigningKey,
    generate_center_keys,
    generate_site_key,
    load_center_private_key,
    load_center_public_key,
    load_site_public_key,
    normalize_fingerprint,
    site_private_key_bytes,
    site_signing_key_from_bytes,
    write_center_private_key,
    write_center_public_key,
    write_site_public_key,
)

__all__ = [
    "CenterPrivateKey",
    "CenterPublicKey",
    "ExchangeError",
    "ExchangeWriteError",
    "InvalidExchangeParameter",
    "KeyFileError",
    "KeyProblem",
    "OpenedTransfer",
    "SitePublicKey",
    "SiteSigningKey",
    "TransferFileError",
    "TransferHeader",
    "TransferProblem",
    "WrongPassphrase",
    "generate_center_keys",
    "generate_site_key",
    "load_center_private_key",
    "load_center_public_key",
    "load_site_public_key",
    "normalize_fingerprint",
    "open_transfer",
    "read_header",
    "seal_transfer",
    "site_private_key_bytes",
    "site_signing_key_from_bytes",
    "unseal_transfer",
    "verify_transfer",
    "write_center_private_key",
    "write_center_public_key",
    "write_site_public_key",
    "write_transfer",
    "write_transfer_file",
]
