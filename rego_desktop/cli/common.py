"""What every subcommand shares: secrets from the environment, opening the study."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from rego_desktop.errors import UsageError
from rego_desktop.store.opening import active_usernames, open_study
from rego_desktop.store.study import OpenStudy

PASSWORD_ENV = "REGO_PASSWORD"
USER_ENV = "REGO_USER"


def secret(env: str, prompt: str) -> str:
    """A secret from ``env`` or typed at a prompt; never a command-line argument."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"Set {env} or run in a terminal to be asked for it.")
    return getpass.getpass(prompt)


def new_secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    first = secret(env, prompt)
    again = getpass.getpass("Type it again: ")
    if first != again:
        raise UsageError("The two entries differ; nothing was changed.")
    return first


def database_arg(parser: argparse.ArgumentParser, *, must_exist: bool = True) -> None:
    parser.add_argument(
        "--db",
        required=True,
        type=Path,
        metavar="FILE",
        help="study database file" + ("" if must_exist else " (created if missing)"),
    )


def user_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="NAME",
        help=f"user to sign in as (default: ${USER_ENV}, or the only user of the study)",
    )


def resolve_user(db: Path, given: str | None) -> str:
    if given:
        return given
    if os.environ.get(USER_ENV):
        return os.environ[USER_ENV]
    names = active_usernames(db)
    if len(names) == 1:
        return names[0]
    raise UsageError(
        f"{db} has {len(names)} users ({', '.join(names)}); say which with --user NAME."
    )


def open_from_args(args: argparse.Namespace) -> OpenStudy:
    username = resolve_user(args.db, getattr(args, "user", None))
    password = secret(PASSWORD_ENV, f"Password for {username}: ")
    return open_study(args.db, username, password)
