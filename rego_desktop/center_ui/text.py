"""Every text of the center window in English and Simplified Chinese.

Like the site's dashboard (:mod:`rego_desktop.ui.dashboard`), the center window keeps
its texts as :class:`~rego_desktop.study.schema.Label` pairs and shows the one of the
language chosen (``ui/language`` in the center's settings, the same setting and values
as the site application). Qt's own buttons (Yes, No, Cancel, file dialogs) come from
Qt's translation, installed at start-up.
"""

from __future__ import annotations

from rego_desktop.study.schema import Label
from rego_desktop.ui.widgets import language

T: dict[str, Label] = {
    # window, menus, tabs
    "app": Label("Regorafenib HCC study – coordinating center", "瑞戈非尼 HCC 研究 – 协调中心"),
    "menu_center": Label("Ce&nter", "协调中心(&N)"),
    "menu_view": Label("Vie&w", "视图(&W)"),
    "open_other": Label("&Open another center database…", "打开其他协调中心数据库(&O)…"),
    "language_menu": Label("&Language", "语言(&L)"),
    "quit": Label("&Quit", "退出(&Q)"),
    "language_changed": Label(
        "The language changes when the center window is opened next.",
        "语言将在下次打开协调中心窗口时更改。",
    ),
    "tab_sites": Label("Sites and keys", "分中心与密钥"),
    "tab_inbox": Label("Inbox", "收件箱"),
    "tab_status": Label("Site status", "分中心状态"),
    "tab_dashboard": Label("Pooled dashboard", "汇总仪表板"),
    "tab_audit": Label("Audit trail", "审计轨迹"),
    "tab_rollback": Label("Rollback", "回滚"),
    "tab_backup": Label("Backups", "备份"),
    "tab_queries": Label("Queries", "质疑"),
    "tab_exports": Label("Exports", "导出"),
    "connected": Label(
        "Database {db} · center key {fingerprint}", "数据库 {db} · 协调中心密钥 {fingerprint}"
    ),
    "cannot": Label("Cannot continue", "无法继续"),
    "working": Label("Working…", "正在处理…"),
    # open dialog
    "open_title": Label("Open the center database", "打开协调中心数据库"),
    "open_intro": Label(
        "The center database holds the pooled, de-identified data. The center key "
        "decrypts the sites' transfer files; its passphrase is never stored.",
        "协调中心数据库保存汇总的去标识化数据。协调中心密钥用于解密各分中心的传输文件；其口令不会被保存。",
    ),
    "db_label": Label(
        "Center &database (SQLite file or PostgreSQL URL):",
        "协调中心数据库（SQLite 文件或 PostgreSQL URL）(&D)：",
    ),
    "browse": Label("&Browse…", "浏览(&B)…"),
    "key_label": Label("Center &key folder:", "协调中心密钥文件夹(&K)："),
    "key_browse": Label("Choose &folder…", "选择文件夹(&F)…"),
    "passphrase_label": Label(
        "&Passphrase of the center's private key:", "协调中心私钥的口令(&P)："
    ),
    "sites_label": Label("Registered &site keys folder:", "已登记的分中心公钥文件夹(&S)："),
    "sites_browse": Label("C&hoose folder…", "选择文件夹(&H)…"),
    "language_label": Label("&Language:", "语言(&L)："),
    "new_key": Label("&New center key…", "新建协调中心密钥(&N)…"),
    "keygen_title": Label("Make the center's key pair", "生成协调中心密钥对"),
    "keygen_intro": Label(
        "Once per study: the sites encrypt their transfer files for this key. The private "
        "key is written encrypted with the passphrase (at least {n} characters); keep a "
        "copy of the folder in a safe place. Then send the public key file to every site "
        "and read them its fingerprint by telephone.",
        "每个研究只需一次：各分中心用此密钥加密传输文件。私钥用口令（至少 {n} 个字符）加密保存；"
        "请将该文件夹备份到安全的地方。然后把公钥文件发给各分中心，并通过电话向他们读出指纹。",
    ),
    "keygen_folder": Label("Folder for the key &files:", "密钥文件的文件夹(&F)："),
    "keygen_name": Label("Center &name:", "协调中心名称(&N)："),
    "keygen_passphrase": Label("&Passphrase:", "口令(&P)："),
    "keygen_again": Label("Passphrase &again:", "再次输入口令(&A)："),
    "keygen_make": Label("&Make the key", "生成密钥(&M)"),
    "keygen_differ": Label(
        "The two passphrases differ; type it again.", "两次输入的口令不一致；请重新输入。"
    ),
    "keygen_done": Label(
        "The center key of {name} is in {folder}. Its fingerprint, to read to every site by "
        "telephone: {fingerprint}",
        "{name} 的协调中心密钥已保存在 {folder}。请通过电话向各分中心读出其指纹：{fingerprint}",
    ),
    "open": Label("&Open", "打开(&O)"),
    "opening": Label("Opening the center database…", "正在打开协调中心数据库…"),
    "need_db": Label("Give the center database.", "请给出协调中心数据库。"),
    "need_key": Label("Give the folder of the center key.", "请给出协调中心密钥所在的文件夹。"),
    "need_passphrase": Label(
        "Type the passphrase of the center key.", "请输入协调中心密钥的口令。"
    ),
    "need_sites": Label(
        "Give the folder of the registered site keys.", "请给出已登记的分中心公钥文件夹。"
    ),
    "create_db_title": Label("New center database", "新的协调中心数据库"),
    "create_db": Label(
        "There is no center database at {path}. Create a new, empty one there?",
        "{path} 处没有协调中心数据库。是否在此新建一个空的协调中心数据库？",
    ),
    "create_sites": Label(
        "The folder {path} does not exist. Create it for the registered site keys?",
        "文件夹 {path} 不存在。是否创建它来存放已登记的分中心公钥？",
    ),
    "database_files": Label(
        "Center databases (*.db *.sqlite);;All files (*)",
        "协调中心数据库 (*.db *.sqlite);;所有文件 (*)",
    ),
    # sites page
    "center_key": Label("Center key", "协调中心密钥"),
    "center_key_text": Label(
        "{name} · fingerprint {fingerprint}\nKey folder: {folder}",
        "{name} · 指纹 {fingerprint}\n密钥文件夹：{folder}",
    ),
    "sites_table": Label(
        "Registered &sites (folder {folder}):", "已登记的分中心（文件夹 {folder}）(&S)："
    ),
    "col_site": Label("Site", "分中心"),
    "col_fingerprint": Label("Key fingerprint", "密钥指纹"),
    "col_key_made": Label("Key made", "密钥生成时间"),
    "col_file": Label("File", "文件"),
    "register": Label("&Register a site key…", "登记分中心密钥(&R)…"),
    "replace": Label("Re&place the selected site's key…", "更换所选分中心的密钥(&P)…"),
    "revoke": Label("Re&voke the selected site's key…", "吊销所选分中心的密钥(&V)…"),
    "no_sites": Label(
        "No site key is registered yet. Register each site's public key after reading its "
        "fingerprint with the site by telephone.",
        "尚未登记任何分中心密钥。请与各分中心电话核对指纹后登记其公钥。",
    ),
    # register dialog
    "register_title": Label("Register a site's public key", "登记分中心公钥"),
    "register_intro": Label(
        "Choose the public key file the site sent, then type the fingerprint the site "
        "reads to you by telephone. The key is registered only if both are the same.",
        "请选择分中心发来的公钥文件，再输入该分中心通过电话读给您的指纹。"
        "只有两者一致时才会登记该密钥。",
    ),
    "key_file_label": Label("Site public key &file:", "分中心公钥文件(&F)："),
    "key_file_site": Label("Site in the file:", "文件中的分中心："),
    "key_file_fp": Label("Fingerprint of the file:", "文件的指纹："),
    "phone_label": Label("Fingerprint read by &telephone:", "电话读出的指纹(&T)："),
    "register_button": Label("&Register", "登记(&R)"),
    "fp_match": Label("The fingerprints are the same.", "指纹一致。"),
    "fp_differ": Label(
        "The fingerprints differ: do not register this key; ask the site which key it sent.",
        "指纹不一致：请勿登记此密钥；请向该分中心确认其发送的密钥。",
    ),
    "fp_partial": Label(
        "Keep typing: {typed} of {total} characters.", "请继续输入：已输入 {typed}/{total} 个字符。"
    ),
    "key_files": Label(
        "Site public keys (*.json);;All files (*)", "分中心公钥 (*.json);;所有文件 (*)"
    ),
    "registered": Label(
        "Registered the key of site {site} ({fingerprint}).",
        "已登记分中心 {site} 的密钥（{fingerprint}）。",
    ),
    "revoke_title": Label("Revoke the key of site {site}", "吊销分中心 {site} 的密钥"),
    "revoke_reason": Label(
        "Why is the key of site {site} revoked?", "为什么吊销分中心 {site} 的密钥？"
    ),
    "revoked": Label("The key of site {site} was revoked.", "分中心 {site} 的密钥已吊销。"),
    "replace_title": Label("Replace the key of site {site}", "更换分中心 {site} 的密钥"),
    "revoke_fp": Label(
        "Type the fingerprint of the key to revoke ({fingerprint}):",
        "请输入要吊销的密钥的指纹（{fingerprint}）：",
    ),
    "replaced": Label(
        "The key of site {site} was replaced ({fingerprint}).",
        "分中心 {site} 的密钥已更换（{fingerprint}）。",
    ),
    "select_site": Label("Select a site in the table first.", "请先在表格中选择一个分中心。"),
    # inbox page
    "inbox_files": Label("&Transfer files to merge:", "待合并的传输文件(&T)："),
    "add_files": Label("Add &files…", "添加文件(&F)…"),
    "add_folder": Label("Add f&older…", "添加文件夹(&O)…"),
    "remove_file": Label("&Remove from list", "从列表移除(&R)"),
    "clear_files": Label("C&lear list", "清空列表(&L)"),
    "verify": Label("&Verify", "验证(&V)"),
    "merge": Label("&Merge", "合并(&M)"),
    "results": Label("Res&ults:", "结果(&U)："),
    "col_status": Label("Result", "结果"),
    "col_sequence": Label("Sequence", "序号"),
    "col_made": Label("Made at the site (UTC)", "分中心生成时间 (UTC)"),
    "col_details": Label("Details", "详情"),
    "transfer_files": Label(
        "Transfer files (*.rgt);;All files (*)", "传输文件 (*.rgt);;所有文件 (*)"
    ),
    "verifying": Label("Verifying the transfer files…", "正在验证传输文件…"),
    "merging": Label("Merging the transfer files…", "正在合并传输文件…"),
    "st_ok": Label("valid", "有效"),
    "st_merged": Label("merged", "已合并"),
    "st_already": Label("already merged", "已合并过"),
    "st_refused": Label("REFUSED", "已拒绝"),
    "st_not_merged": Label("not merged (removals not confirmed)", "未合并（未确认删除）"),
    "verified_detail": Label(
        "{patients} patients, content checked", "{patients} 名患者，内容已核对"
    ),
    "merged_detail": Label(
        "{patients} patients: {added} added, {updated} updated, {unchanged} unchanged, "
        "{removed} removed",
        "{patients} 名患者：新增 {added}，更新 {updated}，未变 {unchanged}，删除 {removed}",
    ),
    "removals_title": Label("The package removes patients", "该数据包会删除患者"),
    "removals_question": Label(
        "{file} (site {site}) removes {n} patient(s) the center holds:\n\n{subjects}\n\n"
        "They were deleted at the site. Merge it and remove them from the pooled data? "
        "(Their data are kept as versions and come back with a rollback.)",
        "{file}（分中心 {site}）会删除分中心现有的 {n} 名患者：\n\n{subjects}\n\n"
        "这些患者已在该分中心被删除。是否合并并从汇总数据中删除他们？"
        "（他们的数据作为历史版本保留，可通过回滚恢复。）",
    ),
    "already_same": Label(
        "already merged on {merged} UTC; nothing changed", "已于 {merged} UTC 合并；未做任何更改"
    ),
    "already_superseded": Label(
        "merged on {merged} UTC and since superseded by sequence {newer}; not merged again",
        "已于 {merged} UTC 合并，之后被序号 {newer} 取代；未再次合并",
    ),
    "already_rolled_back": Label(
        "merged on {merged} UTC and rolled back on {rolled} UTC; not merged again",
        "已于 {merged} UTC 合并，并于 {rolled} UTC 回滚；未再次合并",
    ),
    "merge_summary": Label(
        "{merged} merged, {already} already merged, {refused} refused.",
        "已合并 {merged} 个，之前已合并 {already} 个，拒绝 {refused} 个。",
    ),
    "nothing_to_merge": Label(
        "Add transfer files to the list first.", "请先将传输文件添加到列表中。"
    ),
    # status page
    "overdue_label": Label(
        "&Overdue after (days without a package):", "超过多少天无数据包视为逾期(&O)："
    ),
    "refresh": Label("&Refresh", "刷新(&R)"),
    "status_table": Label("&Sites:", "分中心(&S)："),
    "completeness_label": Label(
        "&Completeness of site {site} (share of patients, screen failures excluded, form "
        "complete):",
        "分中心 {site} 的完整性（患者比例，不含筛选失败，表单完整）(&C)：",
    ),
    "completeness_none": Label(
        "&Completeness per form: select a site above.", "各表单完整性：请在上方选择一个分中心(&C)。"
    ),
    "col_merged": Label("Merged (UTC)", "合并时间 (UTC)"),
    "col_patients": Label("Patients", "患者"),
    "col_failures": Label("Screen failures", "筛选失败"),
    "col_signed": Label("Signed", "已签名"),
    "col_no_dose": Label("No first dose", "无首剂日期"),
    "col_complete": Label("Forms complete", "表单完整"),
    "col_days": Label("Days since package", "距上次数据包天数"),
    "col_overdue": Label("Overdue", "逾期"),
    "overdue_mark": Label("OVERDUE", "逾期"),
    "col_form": Label("Form", "表单"),
    "col_share": Label("Complete", "完整"),
    "no_dose_list": Label(
        "Without a first dose date (left out of time-to-event analyses): {subjects}",
        "无首剂日期（不纳入至事件时间分析）：{subjects}",
    ),
    "status_loading": Label("Reading the site status…", "正在读取分中心状态…"),
    "status_at": Label(
        "{n} site(s) · read {time} in {ms} ms · {overdue} overdue",
        "{n} 个分中心 · {time} 读取，用时 {ms} 毫秒 · 逾期 {overdue} 个",
    ),
    "no_status": Label("No site has sent a package yet.", "尚无分中心发送数据包。"),
    # dashboard page
    "dash_site": Label("&Site:", "分中心(&S)："),
    "all_sites": Label("All sites (pooled)", "所有分中心（汇总）"),
    "dash_title_all": Label("Pooled endpoint summary – all sites", "汇总终点 – 所有分中心"),
    "dash_title_site": Label("Endpoint summary – site {site}", "终点汇总 – 分中心 {site}"),
    "computing": Label("Computing the summary…", "正在计算汇总…"),
    "updated": Label("Updated {time}", "更新于 {time}"),
    "bands": Label("95% confidence &bands", "95% 置信带(&B)"),
    # audit page
    "audit_filter": Label("&Filter:", "筛选(&F)："),
    "audit_verify": Label("&Verify the chain", "验证哈希链(&V)"),
    "audit_entries": Label("&Entries (newest last):", "条目（最新在后）(&E)："),
    "col_seq": Label("#", "#"),
    "col_at": Label("Time (UTC)", "时间 (UTC)"),
    "col_operator": Label("Operator", "操作人"),
    "col_action": Label("Action", "操作"),
    "audit_intact": Label(
        "The audit trail is intact: {n} entries. Head (keep it outside the database): {head}",
        "审计轨迹完整：{n} 条。链头（请保存在数据库之外）：{head}",
    ),
    "audit_broken": Label("AUDIT TRAIL BROKEN: {problems}", "审计轨迹已被破坏：{problems}"),
    # rollback page
    "rb_site": Label("&Site:", "分中心(&S)："),
    "rb_packages": Label(
        "&Packages of the site (newest first):", "该分中心的数据包（最新在前）(&P)："
    ),
    "rb_button": Label("Roll &back to the selected package…", "回滚到所选数据包(&B)…"),
    "col_file_name": Label("File", "文件"),
    "col_changes": Label("Added / updated / removed", "新增 / 更新 / 删除"),
    "col_rolled_back": Label("Rolled back (UTC)", "回滚时间 (UTC)"),
    "rb_title": Label("Roll back site {site}", "回滚分中心 {site}"),
    "rb_question": Label(
        "Return site {site} to its state as of package {seq}? Package(s) {later} are undone; "
        "their data are kept and the rollback is recorded in the audit trail.",
        "是否将分中心 {site} 恢复到数据包 {seq} 时的状态？将撤销数据包 {later}；"
        "其数据会被保留，回滚将记入审计轨迹。",
    ),
    "rb_nothing": Label(
        "Package {seq} is the newest current package of site {site}: there is nothing to undo.",
        "数据包 {seq} 已是分中心 {site} 最新的当前数据包：没有可撤销的内容。",
    ),
    "rb_done": Label(
        "Site {site} is back at package {seq}: package(s) {undone} undone, {removed} patient(s) "
        "removed, {restored} restored.",
        "分中心 {site} 已恢复到数据包 {seq}：撤销数据包 {undone}，"
        "删除 {removed} 名患者，恢复 {restored} 名。",
    ),
    "rb_reopened": Label(
        "{count} answered query(ies) re-opened, their answer withdrawn by the rollback: {ids}.",
        "{count} 条已回复的质疑因回滚撤回回复而重新开启：{ids}。",
    ),
    "rb_select": Label("Select the package to return to.", "请选择要恢复到的数据包。"),
    "yes": Label("yes", "是"),
    # backup page
    "bk_folder": Label("Backup &folder:", "备份文件夹(&F)："),
    "bk_now": Label("Back &up now", "立即备份(&U)"),
    "bk_list": Label("Backups &in the folder (newest first):", "文件夹中的备份（最新在前）(&I)："),
    "bk_check": Label("&Check the selected backup", "检查所选备份(&C)"),
    "bk_restore": Label("&Restore the selected backup…", "恢复所选备份(&R)…"),
    "bk_postgres": Label(
        "This center database is on PostgreSQL: back it up with pg_dump and restore it with "
        "pg_restore (see the README, 'Backups of a PostgreSQL center').",
        "此协调中心数据库位于 PostgreSQL：请用 pg_dump 备份、pg_restore 恢复"
        "（见 README“PostgreSQL 协调中心的备份”）。",
    ),
    "col_made_utc": Label("Made (UTC)", "备份时间 (UTC)"),
    "col_sites": Label("Sites", "分中心数"),
    "col_audit_head": Label("Audit head", "审计链头"),
    "no_manifest": Label("no readable manifest: cannot be restored", "清单无法读取：不能恢复"),
    "backing_up": Label("Backing up the center database…", "正在备份协调中心数据库…"),
    "checking": Label("Checking the backup…", "正在检查备份…"),
    "restoring": Label("Restoring the backup…", "正在恢复备份…"),
    "bk_done": Label("Backup written and checked: {path}", "备份已写入并检查：{path}"),
    "bk_done_detail": Label(
        "Backup written and checked: {path}\n{sites} site(s), {patients} patients, audit trail of "
        "{entries} entries (head {head}), SHA-256 {sha}.",
        "备份已写入并检查：{path}\n{sites} 个分中心，{patients} 名患者，"
        "审计轨迹 {entries} 条（链头 {head}），SHA-256 {sha}。",
    ),
    "bk_verified": Label(
        "{path} is a verified center backup ({patients} patients, audit head {head}).",
        "{path} 是经过验证的协调中心备份（{patients} 名患者，审计链头 {head}）。",
    ),
    "bk_restore_title": Label("Restore a backup", "恢复备份"),
    "bk_restore_question": Label(
        "Replace the center database {db} by the backup made {made} UTC ({patients} patients)? "
        "The backup is checked first; the current database is kept beside it.",
        "是否用 {made} UTC 的备份（{patients} 名患者）替换协调中心数据库 {db}？"
        "将先检查备份；当前数据库会保留在旁边。",
    ),
    "bk_restored": Label("Restored from {path}.", "已从 {path} 恢复。"),
    "bk_select": Label("Select a backup in the list first.", "请先在列表中选择一个备份。"),
    "bk_need_folder": Label("Give the backup folder first.", "请先给出备份文件夹。"),
    # queries page
    "qp_site": Label("&Site:", "分中心(&S)："),
    "qp_status": Label("S&tatus:", "状态(&T)："),
    "qp_subject": Label("Su&bject:", "受试者(&B)："),
    "qp_all_sites": Label("All sites", "全部分中心"),
    "qp_all_statuses": Label("Open and answered", "开启和已回复"),
    "qp_any_status": Label("Any status", "任意状态"),
    "qp_open": Label("Open", "开启"),
    "qp_answered": Label("Answered", "已回复"),
    "qp_closed": Label("Closed", "已关闭"),
    "qp_list": Label("&Queries ({count}):", "质疑（{count} 条）(&Q)："),
    "qp_detail": Label("&Details of the selected query:", "所选质疑的详细信息(&D)："),
    "qp_none": Label(
        "No query matches the filters. Raise automatic queries after merging the sites' "
        "files, or raise a query by hand.",
        "没有符合筛选条件的质疑。合并分中心文件后可自动提出质疑，也可以手动提出质疑。",
    ),
    "qp_auto": Label("Raise &automatic queries", "自动提出质疑(&A)"),
    "qp_manual": Label("Raise a &manual query…", "手动提出质疑(&M)…"),
    "qp_close": Label("&Close query…", "关闭质疑(&C)…"),
    "qp_reopen": Label("R&e-open query…", "重新开启质疑(&E)…"),
    "qp_export": Label("E&xport query files…", "导出质疑文件(&X)…"),
    "col_query": Label("Query", "质疑"),
    "col_subject": Label("Subject", "受试者"),
    "col_place": Label("Form / entry / field", "表单 / 条目 / 字段"),
    "col_qstatus": Label("Status", "状态"),
    "col_origin": Label("Origin", "来源"),
    "col_raised": Label("Raised (UTC)", "提出时间 (UTC)"),
    "col_text": Label("Text", "内容"),
    "qp_origin_auto": Label("Edit check {rule}", "核查规则 {rule}"),
    "qp_origin_manual": Label("By hand", "手动"),
    "qp_d_title": Label(
        "Query {id} · site {site} · subject {subject}",
        "质疑 {id} · 分中心 {site} · 受试者 {subject}",
    ),
    "qp_d_place": Label("Place: {place}", "位置：{place}"),
    "qp_d_status": Label(
        "Status: {status} (revision {rev}, site has seen {acked})",
        "状态：{status}（版本 {rev}，分中心已确认 {acked}）",
    ),
    "qp_d_text": Label("Text: {text}", "内容：{text}"),
    "qp_d_raised_value": Label("Value when raised: {value}", "提出时的值：{value}"),
    "qp_d_now_value": Label("Value now: {value}", "当前值：{value}"),
    "qp_d_answer": Label("Answer: {answer} ({by}, {at} UTC)", "回复：{answer}（{by}，{at} UTC）"),
    "qp_d_no_answer": Label("Answer: none yet", "回复：尚无"),
    "qp_d_history": Label("History (UTC):", "历史记录 (UTC)："),
    "qp_d_corrections": Label("Corrections at the site:", "分中心的更正："),
    "qp_empty_value": Label("(empty)", "（空）"),
    "qp_whole_patient": Label("the whole patient", "整个患者"),
    "qp_ids": Label("Ids (for the site): {ids}", "编号（与分中心沟通用）：{ids}"),
    "ev_raised": Label("raised", "提出"),
    "ev_answered": Label("answered", "回复"),
    "ev_corrected": Label("corrected", "更正"),
    "ev_closed": Label("closed", "关闭"),
    "ev_reopened": Label("re-opened", "重新开启"),
    "qp_select": Label("Select a query in the list first.", "请先在列表中选择一条质疑。"),
    "qp_raising": Label(
        "Running the edit checks on the pooled data…", "正在对汇总数据运行核查规则…"
    ),
    "qp_auto_done": Label(
        "Edit checks run on {patients} patient(s): {raised} query(ies) raised, {closed} closed "
        "as resolved by a data change, {already} already raised.",
        "已对 {patients} 名患者运行核查规则：提出 {raised} 条质疑，{closed} 条因数据更改而关闭，"
        "{already} 条此前已提出。",
    ),
    "qp_close_title": Label("Close query {id}", "关闭质疑 {id}"),
    "qp_close_text": Label(
        "Closing note (optional when the site has answered; it goes to the site):",
        "关闭说明（分中心已回复时可不填；将发送给分中心）：",
    ),
    "qp_closed_done": Label(
        "Closed query {id}; the closure goes to site {site} in its next query file.",
        "已关闭质疑 {id}；关闭信息将随下一个质疑文件发送给分中心 {site}。",
    ),
    "qp_reopen_title": Label("Re-open query {id}", "重新开启质疑 {id}"),
    "qp_reopen_text": Label(
        "Why is the query re-opened? (required; it goes to the site)",
        "重新开启的原因（必填；将发送给分中心）：",
    ),
    "qp_reopen_needed": Label("Give the reason for re-opening.", "请填写重新开启的原因。"),
    "qp_reopened_done": Label(
        "Re-opened query {id}; it goes to site {site} in its next query file.",
        "已重新开启质疑 {id}；将随下一个质疑文件发送给分中心 {site}。",
    ),
    "qp_export_folder": Label("Folder for the query files", "质疑文件的保存文件夹"),
    "qp_exporting": Label("Writing the query files…", "正在写入质疑文件…"),
    "qp_export_done": Label("Query files written:\n{files}", "已写入质疑文件：\n{files}"),
    "qp_export_line": Label(
        "{path}: site {site}, file {seq}, {count} query(ies)",
        "{path}：分中心 {site}，第 {seq} 个文件，{count} 条质疑",
    ),
    "qp_export_skipped": Label("Not written: {sites}", "未写入：{sites}"),
    "qp_no_key": Label("site {site} has no registered key", "分中心 {site} 没有已登记的公钥"),
    "qp_export_none": Label(
        "There is no site with queries to export.", "没有需要导出质疑的分中心。"
    ),
    # manual query dialog
    "mq_title": Label("Raise a manual query", "手动提出质疑"),
    "mq_intro": Label(
        "The query goes to the site in its next query file. Choose where it applies: the "
        "whole patient, a form, an entry or a field.",
        "质疑将随下一个质疑文件发送给分中心。请选择其适用范围：整个患者、表单、条目或字段。",
    ),
    "mq_site": Label("&Site:", "分中心(&S)："),
    "mq_subject": Label("Su&bject:", "受试者(&B)："),
    "mq_form": Label("&Form:", "表单(&F)："),
    "mq_entry": Label("&Entry:", "条目(&E)："),
    "mq_field": Label("F&ield:", "字段(&I)："),
    "mq_text": Label("Query &text:", "质疑内容(&T)："),
    "mq_raise": Label("&Raise query", "提出质疑(&R)"),
    "mq_no_form": Label("(the whole patient)", "（整个患者）"),
    "mq_no_entry": Label("(the whole form)", "（整个表单）"),
    "mq_single": Label("(single entry)", "（单一条目）"),
    "mq_no_field": Label("(no field)", "（无字段）"),
    "mq_entry_n": Label("{item} {n} ({id})", "{item} {n}（{id}）"),
    "mq_no_subjects": Label(
        "No patient of this site has been merged yet.", "该分中心尚无已合并的患者。"
    ),
    "mq_need_text": Label("Write the query text first.", "请先填写质疑内容。"),
    "mq_raised": Label(
        "Raised query {id} on subject {subject} of site {site}.",
        "已对分中心 {site} 的受试者 {subject} 提出质疑 {id}。",
    ),
    # exports page
    "ex_note": Label(
        "The workbook and the CDISC package hold the pooled, de-identified data of the center "
        "database: no names, hospital record numbers or dates of birth; dates are study days. "
        "Each one written is recorded in the audit trail (Ctrl+5) with its SHA-256. Keep the "
        "files where only the study team can read them.",
        "工作簿和 CDISC 数据包包含协调中心数据库中汇总的去标识化数据：没有姓名、病历号和出生日期；"
        "日期均为研究日。每次写入都会连同其 SHA-256 记入审计轨迹（Ctrl+5）。"
        "请将这些文件保存在只有研究团队能读取的地方。",
    ),
    "ex_workbook": Label("Pooled workbook (.xlsx)", "汇总工作簿 (.xlsx)"),
    "ex_workbook_intro": Label(
        "Patients, one listing per form, scores, the ADaM datasets ADSL, ADTTE, ADRS and ADAE, "
        "the data dictionary and the merge log: all sites, or one.",
        "患者、每个表单一个清单、评分、ADaM 数据集 ADSL、ADTTE、ADRS 和 ADAE、数据字典及合并日志："
        "所有分中心或单个分中心。",
    ),
    "ex_site": Label("&Site:", "分中心(&S)："),
    "ex_all_sites": Label("All sites", "所有分中心"),
    "ex_site_item": Label("{site} ({patients} patients)", "{site}（{patients} 名患者）"),
    "ex_file": Label("Workbook &file:", "工作簿文件(&F)："),
    "ex_choose_file": Label("C&hoose…", "选择(&H)…"),
    "ex_write_workbook": Label("W&rite workbook", "写入工作簿(&R)"),
    "ex_file_title": Label("Save the pooled workbook", "保存汇总工作簿"),
    "ex_xlsx_files": Label("Excel workbooks (*.xlsx)", "Excel 工作簿 (*.xlsx)"),
    "ex_need_file": Label(
        "Give the workbook's file name first (type it or use Choose…).",
        "请先给出工作簿的文件名（直接输入或点击“选择…”）。",
    ),
    "ex_replace_title": Label("Replace the workbook?", "替换工作簿？"),
    "ex_replace": Label(
        "The file {name} already exists in {folder}. Replace it with the new pooled workbook?",
        "文件夹 {folder} 中已有文件 {name}。是否用新的汇总工作簿替换它？",
    ),
    "ex_writing_workbook": Label("Writing the pooled workbook…", "正在写入汇总工作簿…"),
    "ex_workbook_done": Label(
        "Workbook written: {path}\nRows per sheet: patients {patients}; {listings} listings, "
        "{listing_rows} rows in all; scores {scores}; ADaM {adam}; dictionary {dictionary}; "
        "merge log {merge_log}. Recorded in the audit trail.",
        "工作簿已写入：{path}\n各工作表行数：患者 {patients}；"
        "{listings} 个清单，共 {listing_rows} 行；评分 {scores}；ADaM {adam}；"
        "数据字典 {dictionary}；合并日志 {merge_log}。已记入审计轨迹。",
    ),
    "ex_workbook_written": Label("Workbook written: {path}", "工作簿已写入：{path}"),
    "ex_cdisc": Label(
        "CDISC package (SDTM and ADaM .xpt, define.xml, odm.xml)",
        "CDISC 数据包（SDTM 和 ADaM .xpt、define.xml、odm.xml）",
    ),
    "ex_cdisc_intro": Label(
        "For the statisticians: all sites, written into an empty or new folder, with a "
        "README.txt that says what each file holds.",
        "供统计人员使用：所有分中心，写入一个空的或新建的文件夹，"
        "并附有说明各文件内容的 README.txt。",
    ),
    "ex_folder": Label("Package f&older:", "数据包文件夹(&O)："),
    "ex_choose_folder": Label("Choos&e…", "选择(&E)…"),
    "ex_write_cdisc": Label("Write &CDISC package", "写入 CDISC 数据包(&C)"),
    "ex_folder_title": Label("Folder for the CDISC package", "CDISC 数据包的文件夹"),
    "ex_need_folder": Label(
        "Give the package folder first (type it or use Choose…).",
        "请先给出数据包文件夹（直接输入或点击“选择…”）。",
    ),
    "ex_writing_cdisc": Label("Writing the CDISC package…", "正在写入 CDISC 数据包…"),
    "ex_cdisc_done": Label(
        "CDISC package written to {out}: {files} files, {subjects} subjects.\n"
        "Records per dataset: {tables}. See README.txt there. Recorded in the audit trail.",
        "CDISC 数据包已写入 {out}：{files} 个文件，{subjects} 名受试者。\n"
        "各数据集记录数：{tables}。请参阅其中的 README.txt。已记入审计轨迹。",
    ),
    "ex_cdisc_written": Label("CDISC package written to {out}", "CDISC 数据包已写入 {out}"),
    "ex_busy": Label(
        "An export is still being written; wait until it has finished.",
        "仍在写入导出文件；请等待其完成。",
    ),
}

ACTIONS: dict[str, Label] = {
    # One per AuditAction (rego_desktop.center.audit); the audit page shows these words
    # and keeps the code in the tooltip.
    "merge": Label("Merged a transfer file", "合并传输文件"),
    "refused": Label("Refused a transfer file", "拒绝传输文件"),
    "register_key": Label("Registered a site key", "登记分中心密钥"),
    "rollback": Label("Rolled back a site", "回滚分中心"),
    "replace_key": Label("Replaced a site key", "更换分中心密钥"),
    "revoke_key": Label("Revoked a site key", "吊销分中心密钥"),
    "query_raise": Label("Raised a query by hand", "手动提出质疑"),
    "query_auto": Label("Ran the automatic queries", "运行自动质疑"),
    "query_close": Label("Closed a query", "关闭质疑"),
    "query_reopen": Label("Re-opened a query", "重新开启质疑"),
    "query_export": Label("Wrote a site's query file", "写入分中心的质疑文件"),
    "query_response": Label("Read a site's query answers", "读取分中心的质疑回复"),
    "backup": Label("Backed up the center database", "备份协调中心数据库"),
    "restore": Label("Restored a backup", "恢复备份"),
    "setting": Label("Changed a setting", "更改设置"),
    "export": Label("Exported pooled data", "导出汇总数据"),
}


def say(key: str, **values: object) -> str:
    """The text ``key`` in the interface language, with ``values`` filled in."""
    text = T[key].text(language())
    return text.format(**values) if values else text


def action_words(code: str) -> str:
    """An audit entry's action in the interface language (the code itself for an action
    this program does not know, e.g. one written by a newer version)."""
    label = ACTIONS.get(code)
    return label.text(language()) if label is not None else code
