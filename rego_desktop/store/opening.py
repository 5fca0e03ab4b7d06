"""Creating, unlocking and recovering a study database.

Opening is careful not to touch the file until the password is proven right: the
file is first inspected read-only (is it SQLite, is it complete, is it ours, is its
schema one this build knows), then the key slot is unwrapped, and only then is the
database opened for writing and migrated to the current schema.
"""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session

from rego_desktop import __version__, study
from rego_desktop.audit import trail
from rego_desktop.auth.passwords import join_problems, password_problem_labels
from rego_desktop.auth.roles import Role, UserInfo
from rego_desktop.auth.throttle import DEFAULT_THROTTLE, LoginThrottle
from rego_desktop.authority.check import (
    CREATE_DETAIL,
    ESTABLISH_ACTION,
    Rows,
    establish,
    is_established,
    verify,
)
from rego_desktop.authority.errors import AuthorityProblem, authority_altered
from rego_desktop.authority.guard import install
from rego_desktop.authority.tags import SETS_VERSION, AuthorityKey, Kind
from rego_desktop.backup.integrity import check_integrity
from rego_desktop.crypto import recovery
from rego_desktop.crypto.envelope import DataKeyring, DecryptionFailed
from rego_desktop.crypto.keyslots import (
    DEFAULT_SCRYPT,
    ScryptParams,
    WrappedKey,
    unwrap_with_password,
    unwrap_with_recovery,
    wrap_with_password,
    wrap_with_recovery,
)
from rego_desktop.errors import (
    AuthenticationError,
    DamagedDatabase,
    DatabaseInUse,
    NewerSchema,
    NotAStudyDatabase,
    RegoError,
    StudyFileError,
    ValidationError,
)
from rego_desktop.exchange.site_keys import add_site_key
from rego_desktop.models import KeySlot, StudyMeta, User, new_uid, utcnow
from rego_desktop.store import migrate
from rego_desktop.store.engine import make_engine
from rego_desktop.store.study import OpenStudy, StudyInfo, storage_errors

SQLITE_MAGIC = b"SQLite format 3\x00"
SITE_CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
WRONG_LOGIN = "Wrong user name or password."
WRONG_LOGIN_ZH = "用户名或密码错误。"


@dataclass(frozen=True)
class CreatedStudy:
    study: OpenStudy
    recovery_key: str


def slot_aad(db_uid: str, slot_uid: str, kind: str, user_uid: str | None) -> bytes:
    return f"keyslot|{db_uid}|{slot_uid}|{kind}|{user_uid or ''}".encode()


def check_site_code(site_code: str) -> str:
    code = site_code.strip().upper()
    if not 2 <= len(code) <= 8 or set(code) - SITE_CODE_CHARS:
        raise ValidationError(
            f"Site code {site_code!r} is not valid: use 2-8 letters A-Z or digits, e.g. BJ01.",
            zh=f"中心代码 {site_code!r} 无效：请使用 2-8 个字母 A-Z 或数字，例如 BJ01。",
        )
    return code


def check_username(username: str) -> str:
    name = username.strip()
    if not 2 <= len(name) <= 40 or not all(c.isalnum() or c in "._-" for c in name):
        raise ValidationError(
            f"User name {username!r} is not valid: use 2-40 letters, digits, '.', '_' or '-'.",
            zh=f"用户名 {username!r} 无效：请使用 2-40 个字母、数字、'.'、'_' 或 '-'。",
        )
    return name


def check_new_password(password: str, username: str) -> None:
    problems = password_problem_labels(password, username)
    if problems:
        reasons = join_problems(problems)
        raise ValidationError(
            f"Password not accepted: {reasons.en}.", zh=f"密码不符合要求：{reasons.zh}。"
        )


def create_study(
    path: Path,
    site_code: str,
    username: str,
    password: str,
    *,
    full_name: str = "",
    kdf: ScryptParams = DEFAULT_SCRYPT,
    recovery_secret: bytes | None = None,
) -> CreatedStudy:
    """Create a new study database with one administrator; returns the recovery key.

    ``recovery_secret`` lets a set-up wizard show the key before anything is written.
    """
    site = check_site_code(site_code)
    name = check_username(username)
    check_new_password(password, name)
    if path.exists() and path.stat().st_size > 0:
        raise StudyFileError(
            f"{path} already exists; choose another file name.",
            zh=f"{path} 已存在，请换一个文件名。",
        )
    if not path.parent.is_dir():
        raise StudyFileError(
            f"The folder {path.parent} does not exist.", zh=f"文件夹 {path.parent} 不存在。"
        )
    keyring = DataKeyring.generate()
    if recovery_secret is None:
        recovery_secret = recovery.generate()
    db_uid = new_uid()
    now = utcnow()
    definition = study.CURRENT
    engine = make_engine(path)
    try:
        with storage_errors(path), engine.begin() as conn:
            migrate.upgrade(conn)
        with storage_errors(path), Session(engine) as session, session.begin():
            install(session, AuthorityKey.of(keyring))
            genesis = trail.genesis_mac(keyring, db_uid)
            session.add(
                StudyMeta(
                    id=trail.META_ID,
                    db_uid=db_uid,
                    site_code=site,
                    study_id=definition.id,
                    study_version=definition.version,
                    created_at=now,
                    created_by_version=__version__,
                    next_subject_number=1,
                    audit_head_seq=0,
                    audit_head_mac=genesis,
                    audit_head_tag=trail.head_tag(keyring, 0, genesis),
                )
            )
            admin = User(
                uid=new_uid(),
                username=name,
                full_name=full_name.strip() or name,
                role=Role.ADMINISTRATOR.value,
                active=True,
                created_at=now,
                password_changed_at=now,
            )
            session.add(admin)
            session.flush()
            add_password_slot(session, db_uid, keyring, admin, password, kdf)
            slot_uid = new_uid()
            wrapped = wrap_with_recovery(
                keyring.data_key, recovery_secret, slot_aad(db_uid, slot_uid, "recovery", None)
            )
            session.add(_slot_row(slot_uid, "recovery", None, wrapped))
            info = user_info(admin)
            site_key = add_site_key(session, keyring, info, db_uid, site, audit=False)
            trail.append(
                session,
                keyring,
                info,
                "study.create",
                details={
                    "site": site,
                    "study": definition.id,
                    "version": definition.version,
                    "site_key": site_key.fingerprint,
                    CREATE_DETAIL: SETS_VERSION,
                },
            )
    except BaseException:
        engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    opened = OpenStudy(path, engine, keyring, info, StudyInfo(db_uid, site, definition))
    return CreatedStudy(opened, recovery.format_key(recovery_secret))


def _slot_row(uid: str, kind: str, user_id: int | None, wrapped: WrappedKey) -> KeySlot:
    return KeySlot(
        uid=uid,
        kind=kind,
        user_id=user_id,
        kdf=json.dumps(wrapped.kdf),
        salt=wrapped.salt,
        wrapped=wrapped.wrapped,
        created_at=utcnow(),
    )


def add_password_slot(
    session: Session,
    db_uid: str,
    keyring: DataKeyring,
    user: User,
    password: str,
    kdf: ScryptParams = DEFAULT_SCRYPT,
) -> None:
    """Give ``user`` a (new) password: wraps the same data key; re-encrypts nothing."""
    existing = session.scalar(select(KeySlot).where(KeySlot.user_id == user.id))
    if existing is not None:
        session.delete(existing)
        session.flush()
    slot_uid = new_uid()
    wrapped = wrap_with_password(
        keyring.data_key, password, slot_aad(db_uid, slot_uid, "password", user.uid), kdf
    )
    session.add(_slot_row(slot_uid, "password", user.id, wrapped))


def user_info(user: User) -> UserInfo:
    return UserInfo(user.uid, user.username, user.full_name, Role(user.role))


def inspect_file(path: Path) -> None:
    """Refuse, without writing, a file that is missing, not SQLite or cut short."""
    if not path.exists():
        raise StudyFileError(
            f"There is no study database at {path}.", zh=f"{path} 处没有研究数据库。"
        )
    if path.is_dir():
        raise NotAStudyDatabase(
            f"{path} is a folder, not a study database file.",
            zh=f"{path} 是一个文件夹，不是研究数据库文件。",
        )
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StudyFileError(
            f"{path} cannot be read: {exc.strerror}.", zh=f"无法读取 {path}：{exc.strerror}。"
        ) from exc
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise NotAStudyDatabase(
            f"{path} is not a rego-desktop study database.",
            zh=f"{path} 不是 rego-desktop 研究数据库。",
        )
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    size = path.stat().st_size
    wal = Path(str(path) + "-wal")
    # With a write-ahead log, an interrupted checkpoint can leave the header ahead of the
    # file; SQLite completes it from the log, so only a file without one is judged here.
    pending_log = wal.exists() and wal.stat().st_size > 0
    if pages and change_counter == valid_for and size < pages * page_size and not pending_log:
        raise DamagedDatabase(
            f"{path} is damaged: it is shorter than it should be (truncated copy?). "
            "Restore it from a backup.",
            zh=f"{path} 已损坏：文件比应有的短（复制不完整？）。请从备份恢复。",
        )


@contextmanager
def _readonly(path: Path) -> Iterator[Connection]:
    engine = make_engine(path, readonly=True)
    try:
        with engine.connect() as conn:
            yield conn
    except OperationalError as exc:
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseInUse(
                f"{path} is in use by another program; close it and retry.",
                zh=f"{path} 正被另一个程序使用，请关闭该程序后重试。",
            ) from exc
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            raise DamagedDatabase(
                f"{path} is damaged; restore it from a backup.", zh=f"{path} 已损坏，请从备份恢复。"
            ) from exc
        raise StudyFileError(
            f"{path} cannot be opened: {exc.orig}.", zh=f"无法打开 {path}：{exc.orig}。"
        ) from exc
    except DatabaseError as exc:
        raise DamagedDatabase(
            f"{path} is damaged; restore it from a backup.", zh=f"{path} 已损坏，请从备份恢复。"
        ) from exc
    finally:
        engine.dispose()


def _read_meta(conn: Connection, path: Path) -> tuple[str, str, str, str]:
    try:
        tables = {
            row[0]
            for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
        }
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        raise DamagedDatabase(
            f"{path} is damaged; restore it from a backup.", zh=f"{path} 已损坏，请从备份恢复。"
        ) from exc
    if not {"alembic_version", "study_meta", "users", "key_slots"} <= tables:
        raise NotAStudyDatabase(
            f"{path} is an SQLite file but not a rego-desktop study.",
            zh=f"{path} 是 SQLite 文件，但不是 rego-desktop 研究数据库。",
        )
    revision = migrate.current_revision(conn)
    if revision not in migrate.known_revisions():
        raise NewerSchema(
            f"{path} was written by a newer version of rego-desktop (schema {revision}); "
            f"this is version {__version__}. Install the newer version to open it.",
            zh=f"{path} 由更新版本的 rego-desktop 写入（数据库结构 {revision}）；"
            f"当前版本为 {__version__}。请安装新版本后再打开。",
        )
    row = conn.exec_driver_sql(
        "SELECT db_uid, site_code, study_id, study_version FROM study_meta WHERE id = 1"
    ).one_or_none()
    if row is None:
        raise NotAStudyDatabase(
            f"{path} is not a complete study database (no study record).",
            zh=f"{path} 不是完整的研究数据库（缺少研究记录）。",
        )
    return row[0], row[1], row[2], row[3]


def _read_slot(conn: Connection, kind: str, username: str | None) -> tuple[WrappedKey, str, str]:
    """The slot's wrapped key, the slot uid and the user uid (or '')."""
    if username is None:
        row = conn.exec_driver_sql(
            "SELECT kdf, salt, wrapped, uid, '' FROM key_slots WHERE kind = 'recovery'"
        ).first()
    else:
        row = conn.exec_driver_sql(
            "SELECT s.kdf, s.salt, s.wrapped, s.uid, u.uid FROM key_slots s "
            "JOIN users u ON u.id = s.user_id "
            "WHERE s.kind = ? AND lower(u.username) = lower(?) AND u.active",
            (kind, username),
        ).first()
    if row is None:
        if username:
            raise AuthenticationError(WRONG_LOGIN, zh=WRONG_LOGIN_ZH)
        raise AuthenticationError("This study has no recovery key.", zh="该研究没有恢复密钥。")
    return WrappedKey(json.loads(row[0]), bytes(row[1]), bytes(row[2])), row[3], row[4]


def open_study(
    path: Path,
    username: str,
    password: str,
    *,
    throttle: LoginThrottle = DEFAULT_THROTTLE,
    allow_altered: bool = False,
) -> OpenStudy:
    """Unlock a study with a user's password and bring its schema up to date.

    A study whose authority rows were altered outside the program raises
    :class:`~rego_desktop.authority.errors.AuthorityAltered`, unless ``allow_altered``
    (``audit --verify``, restore): then it opens read-only with
    :attr:`OpenStudy.authority_problems` set.

    The integrity check of the whole file runs in a second thread while the password
    is checked (both wait on C code, not on each other), and is finished before anything
    is written or returned: a damaged file is reported as damaged, naming the backup to
    restore, whatever the password.
    """
    path = path.resolve()
    inspect_file(path)
    with ThreadPoolExecutor(1, thread_name_prefix="integrity") as pool:
        integrity = pool.submit(check_integrity, path)
        try:
            data_key, user_uid, db_uid = _unlock_with_password(path, username, password, throttle)
        except RegoError:
            integrity.result()  # damage explains the failure better, if there is any
            raise
        integrity.result()
    throttle.succeeded(db_uid, username)
    return _open_unlocked(path, DataKeyring(data_key), user_uid, allow_altered=allow_altered)


def _unlock_with_password(
    path: Path, username: str, password: str, throttle: LoginThrottle
) -> tuple[bytes, str, str]:
    """The data key the user's password unwraps, the user's uid and the study's uid.

    Failures are counted by the study's identity (its uid), outside the study file.
    """
    with _readonly(path) as conn:
        db_uid, _site, _sid, _ver = _read_meta(conn, path)
        throttle.check(db_uid, username)
        try:
            slot, slot_uid, user_uid = _read_slot(conn, "password", username)
        except AuthenticationError:
            throttle.failed(db_uid, username)
            raise
    try:
        data_key = unwrap_with_password(
            slot, password, slot_aad(db_uid, slot_uid, "password", user_uid)
        )
    except (DecryptionFailed, ValueError):
        throttle.failed(db_uid, username)
        raise AuthenticationError(WRONG_LOGIN, zh=WRONG_LOGIN_ZH) from None
    return data_key, user_uid, db_uid


def recover_access(
    path: Path,
    recovery_key: str,
    username: str,
    new_password: str,
    *,
    kdf: ScryptParams = DEFAULT_SCRYPT,
) -> OpenStudy:
    """Forgotten password: the recovery key unwraps the data key and sets a new password."""
    path = path.resolve()
    secret = recovery.parse_key(recovery_key)
    inspect_file(path)
    check_integrity(path)
    with _readonly(path) as conn:
        db_uid, *_ = _read_meta(conn, path)
        slot, slot_uid, _ = _read_slot(conn, "recovery", None)
        user_row = conn.exec_driver_sql(
            "SELECT uid FROM users WHERE lower(username) = lower(?) AND active", (username,)
        ).first()
    try:
        data_key = unwrap_with_recovery(slot, secret, slot_aad(db_uid, slot_uid, "recovery", None))
    except DecryptionFailed:
        raise AuthenticationError(
            "That recovery key does not belong to this study database.",
            zh="该恢复密钥不属于此研究数据库。",
        ) from None
    if user_row is None:
        raise AuthenticationError(
            f"There is no active user {username!r} in this study.",
            zh=f"该研究中没有名为 {username!r} 的有效用户。",
        )
    check_new_password(new_password, username)
    opened = _open_unlocked(path, DataKeyring(data_key), user_row[0])
    with opened.transaction() as session:
        user = session.scalars(select(User).where(User.uid == user_row[0])).one()
        add_password_slot(session, db_uid, opened.keyring, user, new_password, kdf)
        user.password_changed_at = utcnow()
        trail.append(session, opened.keyring, opened.user, "user.password_recovered")
    return opened


def _open_unlocked(
    path: Path, keyring: DataKeyring, user_uid: str, *, allow_altered: bool = False
) -> OpenStudy:
    engine = make_engine(path)
    try:
        with storage_errors(path), engine.begin() as conn:
            if migrate.current_revision(conn) != migrate.head_revision():
                migrate.upgrade(conn)
        problems, established = _check_authority(path, engine, keyring, user_uid)
        if problems and not allow_altered:
            raise authority_altered(problems)
        with storage_errors(path), Session(engine) as session:
            meta = session.get_one(StudyMeta, trail.META_ID)
            user = session.scalars(select(User).where(User.uid == user_uid)).one()
            definition = study.definition(meta.study_id, meta.study_version)
            if definition is None:
                raise NewerSchema(
                    f"{path} uses study definition {meta.study_id} {meta.study_version}, "
                    "which this version of rego-desktop does not know; install the newer version.",
                    zh=f"{path} 使用研究定义 {meta.study_id} {meta.study_version}，"
                    "当前版本的 rego-desktop 无法识别；请安装新版本。",
                )
            info = StudyInfo(meta.db_uid, meta.site_code, definition)
            opened = OpenStudy(path, engine, keyring, user_info(user), info, tuple(problems))
        if established and not problems:
            from rego_desktop.services.signatures import complete_legacy_signatures

            complete_legacy_signatures(opened)
        return opened
    except BaseException:
        engine.dispose()
        raise


def _check_authority(
    path: Path, engine: Engine, keyring: DataKeyring, user_uid: str
) -> tuple[list[AuthorityProblem], bool]:
    """Tag an upgraded study's authority rows the first time (audited), then verify them.

    Returns the problems found (named with the help of the audit trail) and whether the
    rows were tagged just now.
    """
    with storage_errors(path), Session(engine) as session:
        meta = session.get_one(StudyMeta, trail.META_ID)
        fresh = meta.auth_tag is None and not is_established(session, keyring, meta.db_uid)
    if fresh:
        with (
            storage_errors(path),
            Session(engine.execution_options(sqlite_immediate=True)) as session,
            session.begin(),
        ):
            _count, chain = trail.verify(session, keyring)
            if chain:
                return [
                    AuthorityProblem(
                        Kind.META,
                        "the audit trail",
                        "the audit trail is broken, so the users, signatures and locks "
                        "cannot be vouched for",
                        "稽查轨迹已损坏，无法确认用户、签名和锁定",
                    )
                ], False
            user = session.scalars(select(User).where(User.uid == user_uid)).one()
            tagged, refused = establish(session, keyring)
            trail.append(
                session,
                keyring,
                user_info(user),
                ESTABLISH_ACTION,
                details={"rows": tagged, "refused": [p.message for p in refused]},
            )
    with storage_errors(path), Session(engine) as session:
        rows = Rows.load(session)
        problems = verify(session, keyring, with_audit=False, rows=rows)
        if problems:
            problems = verify(session, keyring, with_audit=True, rows=rows)
        return problems, fresh


def active_usernames(path: Path) -> list[str]:
    """User names of a study, read without unlocking it (they are not patient data)."""
    path = path.resolve()
    inspect_file(path)
    with _readonly(path) as conn:
        _read_meta(conn, path)
        rows = conn.exec_driver_sql("SELECT username FROM users WHERE active ORDER BY username")
        return [row[0] for row in rows]
