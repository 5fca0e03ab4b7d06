"""Names of the audit trail's action codes, in English and Chinese.

Every code that :func:`rego_desktop.audit.trail.append` is called with is declared here
once, so the audit viewer (and any report) shows "Record changed" / "记录已修改" rather
than ``record.update``. A code not listed (an entry written by a newer version) is
shown as it is.
"""

from __future__ import annotations

from typing import Final

from rego_desktop.auth.roles import ROLE_LABELS, Role
from rego_desktop.study.schema import Label

ACTION_LABELS: Final[dict[str, Label]] = {
    "study.create": Label("Study created", "研究已创建"),
    "study.restore": Label("Study restored from a backup", "研究已从备份恢复"),
    "study.replaced": Label(
        "Backup restore started: this study is being replaced", "开始恢复备份：此研究将被替换"
    ),
    "authority.establish": Label(
        "Users, signatures and locks authenticated", "用户、签名和锁定已加认证"
    ),
    "patient.create": Label("Patient added", "患者已添加"),
    "record.create": Label("Record entered", "记录已录入"),
    "record.update": Label("Record changed", "记录已修改"),
    "record.delete": Label("Record deleted", "记录已删除"),
    "casebook.sign": Label("Casebook signed", "病例报告已签署"),
    "casebook.unlock": Label("Casebook unlocked (signature revoked)", "病例报告已解锁(签名已撤销)"),
    "query.open": Label("Query raised", "质疑已提出"),
    "query.answer": Label("Query answered", "质疑已回复"),
    "query.close": Label("Query closed", "质疑已关闭"),
    "query.reopen": Label("Query re-opened", "质疑已重新打开"),
    "query.import": Label("Query file of the center imported", "已导入协调中心的质疑文件"),
    "user.create": Label("User added", "用户已添加"),
    "user.role": Label("User role changed", "用户角色已更改"),
    "user.activate": Label("User activated", "用户已启用"),
    "user.deactivate": Label("User deactivated", "用户已停用"),
    "user.password_change": Label("Own password changed", "本人密码已更改"),
    "user.password_reset": Label("Password reset by an administrator", "密码已由管理员重置"),
    "user.password_recovered": Label("Password set with the recovery key", "已用恢复密钥设置密码"),
    "site_key.create": Label("Site signing key created", "中心签名密钥已创建"),
    "export": Label("Transfer file exported", "传输文件已导出"),
    "study.site_units": Label("Site's usual units changed", "本中心常用单位已更改"),
}

DETAIL_LABELS: Final[dict[str, Label]] = {
    "username": Label("user name", "用户名"),
    "setting": Label("setting", "设置"),
    "full_name": Label("full name", "姓名"),
    "name": Label("name", "姓名"),
    "role": Label("role", "角色"),
    "old": Label("old", "原值"),
    "new": Label("new", "新值"),
    "meaning": Label("meaning", "含义"),
    "at": Label("at", "时间"),
    "query": Label("query", "质疑"),
    "rule": Label("rule", "规则"),
    "severity": Label("severity", "严重程度"),
    "field": Label("field", "字段"),
    "status": Label("status", "状态"),
    "message": Label("message", "信息"),
    "automatic": Label("automatic", "自动"),
    "site": Label("site", "中心"),
    "study": Label("study", "研究"),
    "version": Label("version", "版本"),
    "backup": Label("backup", "备份"),
    "backup_made": Label("backup made", "备份时间"),
    "replaced_file_kept_as": Label("replaced file kept as", "被替换文件保留为"),
    "site_key": Label("site key", "中心密钥"),
    "package_id": Label("package", "数据包"),
    "sequence": Label("sequence", "序号"),
    "file": Label("file", "文件"),
    "patients": Label("patients", "患者数"),
    "entries": Label("entries", "条目"),
    "removed": Label("removed", "已移除"),
    "without_first_dose": Label("without first dose date", "无首次给药日期"),
    "ages_grouped": Label("ages grouped", "年龄已分组"),
    "center": Label("center", "协调中心"),
    "center_key": Label("center key", "协调中心密钥"),
    "sha256": Label("SHA-256", "SHA-256"),
    "fingerprint": Label("fingerprint", "指纹"),
}


_VALUE_LABELS: Final[dict[str, dict[str, Label]]] = {
    "severity": {
        "error": Label("error", "错误"),
        "deviation": Label("deviation", "偏离"),
        "warning": Label("warning", "警告"),
    },
    "status": {
        "open": Label("open", "未解决"),
        "answered": Label("answered", "已回复"),
        "closed": Label("closed", "已关闭"),
    },
}
_YES_NO = {True: Label("yes", "是"), False: Label("no", "否")}


def action_label(code: str) -> Label:
    """The name of an audit action code (the code itself when it is not known)."""
    return ACTION_LABELS.get(code, Label(code, code))


def detail_label(key: str) -> Label:
    """The name of a key in an audit entry's details (the key itself when unknown)."""
    return DETAIL_LABELS.get(key, Label(key, key))


def in_language(details: dict[str, object], language: str) -> dict[str, object]:
    """The details with each ``<key>_zh`` text standing in for ``<key>`` in Chinese
    (and dropped otherwise), so a reader sees one language."""
    chinese = language.startswith("zh")
    out: dict[str, object] = {}
    for key, value in details.items():
        if key.endswith("_zh"):
            continue
        translated = details.get(f"{key}_zh")
        out[key] = translated if chinese and translated else value
    return out


def detail_value(key: str, value: object, language: str) -> str:
    """A detail's value for reading: coded values (severity, status, role, yes/no) by
    name, anything else as it is."""
    if isinstance(value, bool):
        return _YES_NO[value].text(language)
    roles = {r.value for r in Role}
    if key in ("role", "old", "new") and isinstance(value, str) and value in roles:
        return ROLE_LABELS[Role(value)].text(language)
    names = _VALUE_LABELS.get(key)
    if names is not None and isinstance(value, str) and value in names:
        return names[value].text(language)
    return str(value)
