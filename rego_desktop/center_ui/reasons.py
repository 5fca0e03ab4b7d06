"""Errors of the center's operations in the interface language.

The messages of transfer and key files (:mod:`rego_desktop.exchange`) and of the merge
rules are written in English, with a machine-readable ``reason``. In Chinese the
window shows the reason's Chinese text first and the English message (which names the
file, site and patients) after it; an error that has its own Chinese text shows that.
"""

from __future__ import annotations

from rego_desktop.errors import RegoError
from rego_desktop.study.schema import Label
from rego_desktop.ui.widgets import language

REASONS: dict[str, Label] = {
    # transfer files
    "not_a_transfer_file": Label("not a transfer file", "不是传输文件"),
    "unknown_version": Label("written by a newer program", "由更新版本的程序写入"),
    "truncated": Label("the file is incomplete", "文件不完整"),
    "unsigned": Label("the file is not signed", "文件没有签名"),
    "altered": Label("the file was altered or damaged", "文件已被篡改或损坏"),
    "bad_signature": Label("the signature is not the site's", "签名与该分中心的密钥不符"),
    "unknown_site": Label("the site is not registered", "该分中心尚未登记"),
    "site_key_mismatch": Label(
        "signed with another key than the site's registered one", "签名密钥不是该分中心已登记的密钥"
    ),
    "wrong_recipient": Label(
        "encrypted for another coordinating center", "该文件是为另一个协调中心加密的"
    ),
    "undecryptable": Label("the content does not decrypt", "内容无法解密"),
    "unreadable": Label("the file cannot be read", "无法读取文件"),
    # key files
    "not_a_key_file": Label("not a key file", "不是密钥文件"),
    "wrong_kind": Label("a key file of another kind", "密钥文件类型不对"),
    "malformed": Label("the key file is damaged", "密钥文件已损坏"),
    "fingerprint_mismatch": Label("the fingerprint does not match", "指纹不符"),
    "wrong_passphrase": Label("wrong passphrase", "口令错误"),
    # content
    "malformed_payload": Label("the content is damaged", "内容已损坏"),
    "unknown_payload_version": Label("content of a newer program", "内容由更新版本的程序写入"),
    "unknown_study": Label("a study this program does not know", "本程序不认识的研究"),
    "payload_mismatch": Label("the content does not match its header", "内容与文件头不符"),
    "identifying_data": Label("the content holds identifying data", "内容含有可识别身份的数据"),
    # merge rules
    "stale_package": Label(
        "older than a package already merged from the site", "比该分中心已合并的数据包更旧"
    ),
    "package_conflict": Label(
        "another file with the same package number was merged", "已合并了编号相同的另一个文件"
    ),
    "changed_while_reading": Label("the file changed while it was read", "读取期间文件发生了变化"),
    "concurrent_merge": Label(
        "another merge of the site ran at the same time", "该分中心的另一次合并正在进行"
    ),
    "removals_not_allowed": Label(
        "it removes patients the center holds", "该数据包会删除协调中心现有的患者"
    ),
}
GENERIC = Label("Cannot continue", "无法继续")


def error_text(exc: object) -> str:
    """What to show for ``exc`` (a :class:`RegoError`, else its text) in the interface
    language."""
    if not isinstance(exc, RegoError):
        return str(exc)
    lang = language()
    if not lang.lower().startswith("zh") or exc.message_zh is not None:
        return exc.text(lang)
    reason = REASONS.get(str(getattr(exc, "reason", "")), GENERIC)
    return f"{reason.zh}（{exc.message}）"
