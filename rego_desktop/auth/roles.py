"""Roles and what each may do, enforced in the domain layer (the GUI only mirrors it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rego_desktop.errors import PermissionDenied
from rego_desktop.study.schema import Label


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    DATA_ENTRY = "data_entry"
    INVESTIGATOR = "investigator"
    MONITOR = "monitor"

    @property
    def label(self) -> Label:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMINISTRATOR: Label("Administrator", "管理员"),
    Role.DATA_ENTRY: Label("Data entry", "数据录入员"),
    Role.INVESTIGATOR: Label("Investigator", "研究者"),
    Role.MONITOR: Label("Monitor (read-only)", "监查员(只读)"),
}


class Permission(StrEnum):
    VIEW_DATA = "view data"
    EDIT_DATA = "change patient data"
    MANAGE_USERS = "manage users"
    SIGN = "sign casebooks"
    UNLOCK = "unlock signed casebooks"
    ANSWER_QUERIES = "answer queries"
    CLOSE_QUERIES = "close queries"
    VIEW_AUDIT = "view the audit trail"
    EXPORT = "export data"
    STUDY_SETTINGS = "change study settings"

    @property
    def label(self) -> Label:
        """What the permission allows, as a phrase in English and Chinese."""
        return PERMISSION_LABELS[self]


PERMISSION_LABELS = {
    Permission.VIEW_DATA: Label("view data", "查看数据"),
    Permission.EDIT_DATA: Label("change patient data", "修改受试者数据"),
    Permission.MANAGE_USERS: Label("manage users", "管理用户"),
    Permission.SIGN: Label("sign casebooks", "签署病例报告"),
    Permission.UNLOCK: Label("unlock signed casebooks", "解锁已签署的病例报告"),
    Permission.ANSWER_QUERIES: Label("answer queries", "回复质疑"),
    Permission.CLOSE_QUERIES: Label("close queries", "关闭质疑"),
    Permission.VIEW_AUDIT: Label("view the audit trail", "查看稽查轨迹"),
    Permission.EXPORT: Label("export data", "导出数据"),
    Permission.STUDY_SETTINGS: Label("change study settings", "修改研究设置"),
}


_ALL_VIEW = {Permission.VIEW_DATA, Permission.VIEW_AUDIT}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(
        _ALL_VIEW
        | {
            Permission.MANAGE_USERS,
            Permission.STUDY_SETTINGS,
            Permission.EDIT_DATA,
            Permission.ANSWER_QUERIES,
            Permission.UNLOCK,
            Permission.EXPORT,
        }
    ),
    Role.DATA_ENTRY: frozenset(
        _ALL_VIEW | {Permission.EDIT_DATA, Permission.ANSWER_QUERIES, Permission.EXPORT}
    ),
    Role.INVESTIGATOR: frozenset(
        _ALL_VIEW
        | {
            Permission.EDIT_DATA,
            Permission.SIGN,
            Permission.UNLOCK,
            Permission.ANSWER_QUERIES,
            Permission.CLOSE_QUERIES,
            Permission.EXPORT,
        }
    ),
    Role.MONITOR: frozenset(_ALL_VIEW | {Permission.CLOSE_QUERIES}),
}


@dataclass(frozen=True)
class UserInfo:
    """The signed-in user as the domain sees it (no secrets)."""

    uid: str
    username: str
    full_name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"{self.username} ({self.role.label.en}) is not allowed to {permission.value}.",
                zh=f"{self.username}（{self.role.label.zh}）无权{permission.label.zh}。",
            )
