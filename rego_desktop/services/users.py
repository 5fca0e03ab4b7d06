"""User management: only administrators add users, change roles and reset passwords.

Every change is audited. Adding a user or resetting a password wraps the study's
data key for the new password, which needs the unlocked study of the administrator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.auth.roles import Permission, Role, UserInfo
from rego_desktop.crypto.envelope import DecryptionFailed
from rego_desktop.crypto.keyslots import (
    DEFAULT_SCRYPT,
    ScryptParams,
    WrappedKey,
    unwrap_with_password,
)
from rego_desktop.errors import AuthenticationError, NotFound, ValidationError
from rego_desktop.models import KeySlot, User, new_uid, utcnow
from rego_desktop.store.opening import (
    add_password_slot,
    check_new_password,
    check_username,
    slot_aad,
    user_info,
)
from rego_desktop.store.study import OpenStudy


@dataclass(frozen=True)
class UserRow:
    username: str
    full_name: str
    role: Role
    active: bool


class UserService:
    def __init__(self, study: OpenStudy, kdf: ScryptParams = DEFAULT_SCRYPT) -> None:
        self.study = study
        self.kdf = kdf

    def list_users(self) -> list[UserRow]:
        with self.study.reading() as session:
            return [
                UserRow(u.username, u.full_name, Role(u.role), u.active)
                for u in session.scalars(select(User).order_by(User.username))
            ]

    def add_user(self, username: str, full_name: str, role: Role, password: str) -> None:
        self.study.user.require(Permission.MANAGE_USERS)
        name = check_username(username)
        check_new_password(password, name)
        if not full_name.strip():
            raise ValidationError(
                "Give the user's full name; it appears on signatures.",
                zh="请填写用户的全名；签名中会显示全名。",
            )
        with self.study.transaction() as session:
            if self._find(session, name) is not None:
                raise ValidationError(
                    f"A user named {name} already exists.", zh=f"用户名为 {name} 的用户已存在。"
                )
            now = utcnow()
            user = User(
                uid=new_uid(),
                username=name,
                full_name=full_name.strip(),
                role=Role(role).value,
                active=True,
                created_at=now,
                password_changed_at=now,
            )
            session.add(user)
            session.flush()
            add_password_slot(
                session, self.study.info.db_uid, self.study.keyring, user, password, self.kdf
            )
            trail.append(
                session,
                self.study.keyring,
                self.study.user,
                "user.create",
                details={"username": name, "full_name": user.full_name, "role": user.role},
            )

    def set_role(self, username: str, role: Role) -> None:
        self.study.user.require(Permission.MANAGE_USERS)
        with self.study.transaction() as session:
            user = self._get(session, username)
            if user.role == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR:
                self._keep_one_admin(session, user)
            old = user.role
            user.role = Role(role).value
            trail.append(
                session,
                self.study.keyring,
                self.study.user,
                "user.role",
                details={"username": user.username, "old": old, "new": user.role},
            )

    def set_active(self, username: str, active: bool) -> None:
        self.study.user.require(Permission.MANAGE_USERS)
        with self.study.transaction() as session:
            user = self._get(session, username)
            if not active:
                if user.uid == self.study.user.uid:
                    raise ValidationError(
                        "You cannot deactivate your own account.", zh="不能停用您自己的账户。"
                    )
                if user.role == Role.ADMINISTRATOR:
                    self._keep_one_admin(session, user)
            user.active = active
            trail.append(
                session,
                self.study.keyring,
                self.study.user,
                "user.activate" if active else "user.deactivate",
                details={"username": user.username},
            )

    def reset_password(self, username: str, new_password: str) -> None:
        """An administrator sets a new password for someone who forgot theirs."""
        self.study.user.require(Permission.MANAGE_USERS)
        with self.study.transaction() as session:
            user = self._get(session, username)
            check_new_password(new_password, user.username)
            add_password_slot(
                session, self.study.info.db_uid, self.study.keyring, user, new_password, self.kdf
            )
            user.password_changed_at = utcnow()
            trail.append(
                session,
                self.study.keyring,
                self.study.user,
                "user.password_reset",
                details={"username": user.username},
            )

    def change_own_password(self, old_password: str, new_password: str) -> None:
        """Re-wraps the data key under the new password; no record is re-encrypted."""
        with self.study.transaction() as session:
            user = self._get(session, self.study.user.username)
            self.verify_password(session, user, old_password)
            check_new_password(new_password, user.username)
            add_password_slot(
                session, self.study.info.db_uid, self.study.keyring, user, new_password, self.kdf
            )
            user.password_changed_at = utcnow()
            trail.append(session, self.study.keyring, self.study.user, "user.password_change")

    def confirm_identity(self, password: str) -> UserInfo:
        """Re-check the signed-in user's password (before signing, or unlocking the screen)."""
        with self.study.reading() as session:
            user = self._get(session, self.study.user.username)
            self.verify_password(session, user, password)
            return user_info(user)

    def verify_password(self, session: Session, user: User, password: str) -> None:
        slot = session.scalar(select(KeySlot).where(KeySlot.user_id == user.id))
        if slot is None:
            raise AuthenticationError("Wrong password.", zh="密码错误。")
        wrapped = WrappedKey(json.loads(slot.kdf), slot.salt, slot.wrapped)
        try:
            key = unwrap_with_password(
                wrapped, password, slot_aad(self.study.info.db_uid, slot.uid, "password", user.uid)
            )
        except DecryptionFailed:
            raise AuthenticationError("Wrong password.", zh="密码错误。") from None
        if key != self.study.keyring.data_key:
            raise AuthenticationError("Wrong password.", zh="密码错误。")

    def current_user(self, session: Session) -> User:
        return self._get(session, self.study.user.username)

    def _find(self, session: Session, username: str) -> User | None:
        return session.scalar(
            select(User).where(func.lower(User.username) == username.strip().lower())
        )

    def _get(self, session: Session, username: str) -> User:
        user = self._find(session, username)
        if user is None:
            raise NotFound(
                f"There is no user named {username}.", zh=f"没有名为 {username} 的用户。"
            )
        return user

    def _keep_one_admin(self, session: Session, leaving: User) -> None:
        admins = session.scalar(
            select(func.count()).where(
                User.role == Role.ADMINISTRATOR.value, User.active, User.id != leaving.id
            )
        )
        if not admins:
            raise ValidationError(
                "The study must keep at least one active administrator.",
                zh="研究必须至少保留一名有效的管理员。",
            )
