<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdminPage</name>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>The first user manages the other accounts. Choose a strong password.</source>
        <translation>第一个用户负责管理其他账户。请设置一个强密码。</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U):</translation>
    </message>
    <message>
        <source>&amp;Full name:</source>
        <translation>姓名(&amp;F):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P):</translation>
    </message>
    <message>
        <source>&amp;Repeat password:</source>
        <translation>再次输入密码(&amp;R):</translation>
    </message>
    <message>
        <source>Type the administrator's full name.</source>
        <translation>请输入管理员的姓名。</translation>
    </message>
    <message>
        <source>Password not accepted: {problems}.</source>
        <translation>密码不符合要求:{problems}。</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>AuditDialog</name>
    <message>
        <source>Audit trail of {code}</source>
        <translation>{code} 的稽查轨迹</translation>
    </message>
    <message>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Form</source>
        <translation>表单</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Old value</source>
        <translation>原值</translation>
    </message>
    <message>
        <source>New value</source>
        <translation>新值</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Subject, form, field, user, action, value or reason (Ctrl+F)</source>
        <translation>受试者、表单、字段、用户、操作、值或原因(Ctrl+F)</translation>
    </message>
    <message>
        <source>&amp;Filter:</source>
        <translation>筛选(&amp;F):</translation>
    </message>
    <message>
        <source>Select an entry to see it in full.</source>
        <translation>选择一条记录以查看完整内容。</translation>
    </message>
    <message>
        <source>Audit trail verified: {count} entries, chain intact.</source>
        <translation>稽查轨迹已验证:共 {count} 条记录,链完整。</translation>
    </message>
    <message>
        <source>AUDIT TRAIL DAMAGED: {problems}</source>
        <translation>稽查轨迹已损坏:{problems}</translation>
    </message>
    <message>
        <source>{shown} of {total} shown</source>
        <translation>显示 {shown} / 共 {total} 条</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详细信息</translation>
    </message>
</context>
<context>
    <name>CasebookWindow</name>
    <message>
        <source>Screening and baseline</source>
        <translation>筛选及基线</translation>
    </message>
    <message>
        <source>Treatment period</source>
        <translation>治疗期</translation>
    </message>
    <message>
        <source>Progression and survival</source>
        <translation>进展及生存</translation>
    </message>
    <message>
        <source>Form</source>
        <translation>表单</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>编辑(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>添加(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>删除(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Casebook</source>
        <translation>病例报告(&amp;C)</translation>
    </message>
    <message>
        <source>Casebook</source>
        <translation>病例报告</translation>
    </message>
    <message>
        <source>&amp;Open form or entry</source>
        <translation>打开表单或条目(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Add entry</source>
        <translation>添加条目(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Sign casebook…</source>
        <translation>签署病例报告(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Unlock…</source>
        <translation>解锁(&amp;U)…</translation>
    </message>
    <message>
        <source>&amp;Queries…</source>
        <translation>质疑(&amp;Q)…</translation>
    </message>
    <message>
        <source>Audit &amp;trail…</source>
        <translation>稽查轨迹(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Print summary…</source>
        <translation>打印摘要(&amp;P)…</translation>
    </message>
    <message>
        <source>Save summary as P&amp;DF…</source>
        <translation>摘要另存为PDF(&amp;D)…</translation>
    </message>
    <message>
        <source>Next &amp;pane</source>
        <translation>下一区域(&amp;N)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Signed by {name} on {when}: “{meaning}”</source>
        <translation>{name} 于 {when} 签署:“{meaning}”</translation>
    </message>
    <message>
        <source>SIGNATURE BROKEN: changed after signing</source>
        <translation>签名已失效：签署后被修改</translation>
    </message>
    <message>
        <source>none entered</source>
        <translation>未录入</translation>
    </message>
    <message>
        <source>1 entry</source>
        <translation>1 条</translation>
    </message>
    <message>
        <source>{n} entries</source>
        <translation>{n} 条</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>未完成</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>complete</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Read-only</source>
        <translation>只读</translation>
    </message>
    <message>
        <source>This casebook cannot be changed (signed and locked, or your role).</source>
        <translation>此病例报告不能修改(已签名锁定,或您的角色无此权限)。</translation>
    </message>
    <message>
        <source>Every form is complete.</source>
        <translation>所有表单均已完成。</translation>
    </message>
    <message>
        <source>Saved. Next: {form} (press Enter to open it)</source>
        <translation>已保存。下一个:{form}(按回车键打开)</translation>
    </message>
    <message>
        <source>Nothing was typed, so nothing was saved.</source>
        <translation>未输入任何内容,因此未保存。</translation>
    </message>
    <message>
        <source>Delete entry</source>
        <translation>删除条目</translation>
    </message>
    <message>
        <source>Why is this {what} deleted? (kept in the audit trail)</source>
        <translation>为何删除此{what}?(记录在稽查轨迹中)</translation>
    </message>
    <message>
        <source>Sign casebook</source>
        <translation>签署病例报告</translation>
    </message>
    <message>
        <source>The casebook is not complete yet. Finish: {forms}</source>
        <translation>病例报告尚未完成。请完成:{forms}</translation>
    </message>
    <message>
        <source>Sign casebook {code}</source>
        <translation>签署病例报告 {code}</translation>
    </message>
    <message>
        <source>Signing…</source>
        <translation>正在签署…</translation>
    </message>
    <message>
        <source>Unlock casebook {code}</source>
        <translation>解锁病例报告 {code}</translation>
    </message>
    <message>
        <source>Unlocking revokes the signature. The reason is kept in the audit trail.</source>
        <translation>解锁将撤销签名。原因将记录在稽查轨迹中。</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>正在解锁…</translation>
    </message>
    <message>
        <source>Print summary</source>
        <translation>打印摘要</translation>
    </message>
    <message>
        <source>Save summary as PDF</source>
        <translation>将摘要另存为PDF</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>稽查轨迹</translation>
    </message>
</context>
<context>
    <name>CenterKeyPage</name>
    <message>
        <source>Coordinating center key</source>
        <translation>协调中心密钥</translation>
    </message>
    <message>
        <source>Transfer files are encrypted to the coordinating center's public key. Import the key file they sent you, and compare the fingerprint with them by phone. You can also do this later.</source>
        <translation>传输文件使用协调中心的公钥加密。请导入协调中心发给您的密钥文件,并通过电话与对方核对指纹。也可以稍后再做。</translation>
    </message>
    <message>
        <source>(optional)</source>
        <translation>(可选)</translation>
    </message>
    <message>
        <source>B&amp;rowse…</source>
        <translation>浏览(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;Key file:</source>
        <translation>密钥文件(&amp;K):</translation>
    </message>
    <message>
        <source>Fingerprint:</source>
        <translation>指纹:</translation>
    </message>
    <message>
        <source>Coordinating center public key</source>
        <translation>协调中心公钥</translation>
    </message>
    <message>
        <source>Key files (*.json)</source>
        <translation>密钥文件 (*.json)</translation>
    </message>
</context>
<context>
    <name>CenterQueryNotes</name>
    <message>
        <source>Answer the center's query…</source>
        <translation>回复协调中心的质疑…</translation>
    </message>
    <message>
        <source>From the coordinating center ({id}): {text}</source>
        <translation>来自协调中心（{id}）：{text}</translation>
    </message>
    <message>
        <source>From the coordinating center ({id}), about this whole form: {text}</source>
        <translation>来自协调中心（{id}），针对整个表单：{text}</translation>
    </message>
    <message>
        <source>Value the center saw: {value}</source>
        <translation>协调中心看到的值：{value}</translation>
    </message>
    <message>
        <source>Answered ({by}): {answer}</source>
        <translation>已回复（{by}）：{answer}</translation>
    </message>
    <message>
        <source>Change the answer to the center…</source>
        <translation>修改给协调中心的回复…</translation>
    </message>
    <message>
        <source>To correct the value, change it here and save, then answer saying what was changed.</source>
        <translation>如需更正数值，请在此修改并保存，然后回复说明修改了什么。</translation>
    </message>
    <message>
        <source>Answer the center's query {id}</source>
        <translation>回复协调中心的质疑 {id}</translation>
    </message>
    <message>
        <source>Your answer (why the value is right, or what was changed):</source>
        <translation>您的回复（数值为何正确，或修改了什么）：</translation>
    </message>
    <message>
        <source>Cannot answer</source>
        <translation>无法回复</translation>
    </message>
</context>
<context>
    <name>ChoiceEditor</name>
    <message>
        <source>No choice fits; F4 shows the list.</source>
        <translation>没有匹配的选项;按F4显示列表。</translation>
    </message>
    <message>
        <source>Several fit: {names}</source>
        <translation>多个选项匹配:{names}</translation>
    </message>
</context>
<context>
    <name>DatabasePage</name>
    <message>
        <source>Study database</source>
        <translation>研究数据库</translation>
    </message>
    <message>
        <source>Where the encrypted study database is kept on this computer. The default is your user data folder.</source>
        <translation>加密的研究数据库在本机的存放位置。默认为您的用户数据文件夹。</translation>
    </message>
    <message>
        <source>B&amp;rowse…</source>
        <translation>浏览(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation>文件(&amp;F):</translation>
    </message>
    <message>
        <source>Study database (*.rego)</source>
        <translation>研究数据库 (*.rego)</translation>
    </message>
    <message>
        <source>Choose where to keep the study database.</source>
        <translation>请选择研究数据库的存放位置。</translation>
    </message>
    <message>
        <source>{path} already exists. Choose a new file name.</source>
        <translation>{path} 已存在。请选择新的文件名。</translation>
    </message>
    <message>
        <source>The folder {folder} cannot be created: {reason}</source>
        <translation>无法创建文件夹 {folder}:{reason}</translation>
    </message>
</context>
<context>
    <name>DateEditor</name>
    <message>
        <source>Calendar (F4)</source>
        <translation>日历 (F4)</translation>
    </message>
    <message>
        <source>The chart lacks the day or month: type YYYY-MM or YYYY</source>
        <translation>病历缺少日或月:请输入YYYY-MM或YYYY</translation>
    </message>
</context>
<context>
    <name>EditChecks</name>
    <message>
        <source>not computable (missing: {missing})</source>
        <translation>无法计算(缺少:{missing})</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Cannot continue</source>
        <translation>无法继续</translation>
    </message>
    <message>
        <source>Unexpected error</source>
        <translation>意外错误</translation>
    </message>
    <message>
        <source>Something went wrong that should not happen (a bug). Nothing saved was lost.
Details for support are in {path}.</source>
        <translation>发生了不应出现的错误(程序缺陷)。已保存的数据没有丢失。
供技术支持使用的详细信息位于 {path}。</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export for the coordinating center</source>
        <translation>导出给协调中心</translation>
    </message>
    <message>
        <source>The transfer file holds only what is listed below: subject codes, no names, record numbers, birth dates or free text, and every date turned into a study day. It is encrypted for the coordinating center and signed with this site's key.</source>
        <translation>传输文件只包含下面列出的内容:受试者编号,不含姓名、病历号、出生日期或自由文本,所有日期均转换为研究日。文件使用协调中心的公钥加密,并用本中心的密钥签名。</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>B&amp;rowse…</source>
        <translation>浏览(&amp;R)…</translation>
    </message>
    <message>
        <source>Center &amp;key file:</source>
        <translation>中心密钥文件(&amp;K):</translation>
    </message>
    <message>
        <source>&amp;Transfer file:</source>
        <translation>传输文件(&amp;T):</translation>
    </message>
    <message>
        <source>&amp;Site workbook (keeps dates)…</source>
        <translation>本中心工作簿(含日期)(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;De-identified workbook…</source>
        <translation>去标识化工作簿(&amp;D)…</translation>
    </message>
    <message>
        <source>Excel workbook:</source>
        <translation>Excel 工作簿:</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>Site {site}, study {study} {version}: {patients} patient(s), {entries} entries; package sequence number {sequence}.</source>
        <translation>中心 {site},研究 {study} {version}:{patients} 名患者,{entries} 条记录;数据包序号 {sequence}。</translation>
    </message>
    <message>
        <source>Previous export: sequence {sequence} on {time} UTC by {user}.</source>
        <translation>上次导出:序号 {sequence},{time} UTC,由 {user} 导出。</translation>
    </message>
    <message>
        <source>Entries sent per form:</source>
        <translation>各表单发送的记录数:</translation>
    </message>
    <message>
        <source>Removed (stays at the site):</source>
        <translation>已移除(保留在本中心):</translation>
    </message>
    <message>
        <source>  {form}: whole form ({reason}), {count} entries</source>
        <translation>  {form}:整个表单({reason}),{count} 条记录</translation>
    </message>
    <message>
        <source>  {form} / {field} ({reason}): {count} value(s)</source>
        <translation>  {form} / {field}({reason}):{count} 个值</translation>
    </message>
    <message>
        <source>Sent without any dates (no first dose date, so no study day 1): {codes}.</source>
        <translation>发送时不含任何日期(无首次给药日期,因此没有研究第1天):{codes}。</translation>
    </message>
    <message>
        <source>Dates are sent as study days (day 1 = first dose date, no day 0); ages at first dose of 90 or more as "{top}" ({grouped} patient(s)); {unknown} patient(s) without an age.</source>
        <translation>日期以研究日发送(第1天 = 首次给药日期,没有第0天);首次给药时年龄90岁及以上者以“{top}”发送({grouped} 名患者);{unknown} 名患者无年龄。</translation>
    </message>
    <message>
        <source>Coordinating center public key</source>
        <translation>协调中心公钥</translation>
    </message>
    <message>
        <source>Key files (*.json)</source>
        <translation>密钥文件 (*.json)</translation>
    </message>
    <message>
        <source>Transfer file</source>
        <translation>传输文件</translation>
    </message>
    <message>
        <source>Transfer files (*.rgt)</source>
        <translation>传输文件 (*.rgt)</translation>
    </message>
    <message>
        <source>Choose the coordinating center's public key file.</source>
        <translation>请选择协调中心的公钥文件。</translation>
    </message>
    <message>
        <source>Choose where to write the transfer file.</source>
        <translation>请选择传输文件的保存位置。</translation>
    </message>
    <message>
        <source>Writing the transfer file…</source>
        <translation>正在写入传输文件…</translation>
    </message>
    <message>
        <source>Written {path} ({size} bytes): package {sequence} with {patients} patients. Send it to the coordinating center by USB stick or e-mail.</source>
        <translation>已写入 {path}({size} 字节):第 {sequence} 号数据包,含 {patients} 名患者。请通过U盘或电子邮件发送给协调中心。</translation>
    </message>
    <message>
        <source>The site workbook is NOT de-identified: it keeps every calendar date and exact ages (it has no names, record numbers, birth dates or free text). Keep it at the site; for anything that leaves the site use the de-identified workbook.</source>
        <translation>本中心工作簿未去标识化:保留所有日历日期和确切年龄(不含姓名、病历号、出生日期及自由文本)。请仅在本中心保存;需发出本中心的数据请使用去标识化工作簿。</translation>
    </message>
    <message>
        <source>De-identified workbook</source>
        <translation>去标识化工作簿</translation>
    </message>
    <message>
        <source>Site workbook</source>
        <translation>本中心工作簿</translation>
    </message>
    <message>
        <source>Write the site workbook?</source>
        <translation>是否写出本中心工作簿?</translation>
    </message>
    <message>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Writing the workbook…</source>
        <translation>正在写出工作簿…</translation>
    </message>
    <message>
        <source>Written {path}: de-identified workbook of {patients} patients (no names, record numbers, birth dates or free text; dates as study days; ages of 90 or more as "{top}").</source>
        <translation>已写出 {path}:去标识化工作簿,共 {patients} 例患者(不含姓名、病历号、出生日期及自由文本;日期以研究日表示;年龄90及以上记为“{top}”)。</translation>
    </message>
    <message>
        <source>Written {path}: SITE workbook of {patients} patients, NOT de-identified (calendar dates kept). Keep it at the site.</source>
        <translation>已写出 {path}:本中心工作簿,共 {patients} 例患者,未去标识化(保留日历日期)。请仅在本中心保存。</translation>
    </message>
</context>
<context>
    <name>FieldEditor</name>
    <message>
        <source>No value in the chart: type {codes} or press Ctrl+M</source>
        <translation>病历中无此值:请输入{codes}或按Ctrl+M</translation>
    </message>
</context>
<context>
    <name>FormWizard</name>
    <message>
        <source>new {item}</source>
        <translation>新{item}</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Unsaved draft</source>
        <translation>未保存的草稿</translation>
    </message>
    <message>
        <source>This form has unsaved changes from {when}. Restore them?</source>
        <translation>此表单有 {when} 未保存的修改。是否恢复?</translation>
    </message>
    <message>
        <source>not computable yet</source>
        <translation>尚无法计算</translation>
    </message>
    <message>
        <source>Required fields missing</source>
        <translation>必填项未填写</translation>
    </message>
    <message>
        <source>Not entered yet: {fields}.

Save this {what} as incomplete anyway? No goes back to the first missing field.</source>
        <translation>尚未填写:{fields}。

仍要将此{what}保存为未完成吗?选择“否”返回第一个未填写的字段。</translation>
    </message>
    <message>
        <source>Reason for change</source>
        <translation>修改原因</translation>
    </message>
    <message>
        <source>You changed saved data ({fields}). Why? (kept in the audit trail)</source>
        <translation>您修改了已保存的数据({fields})。原因是什么?(记录在稽查轨迹中)</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的修改</translation>
    </message>
    <message>
        <source>{form} has unsaved changes.</source>
        <translation>{form} 有未保存的修改。</translation>
    </message>
</context>
<context>
    <name>ImportQueriesDialog</name>
    <message>
        <source>Import queries of the coordinating center</source>
        <translation>导入协调中心的质疑</translation>
    </message>
    <message>
        <source>Verified with the key of {center} (fingerprint {fingerprint}).</source>
        <translation>使用 {center} 的密钥验证（指纹 {fingerprint}）。</translation>
    </message>
    <message>
        <source>Query &amp;file:</source>
        <translation>质疑文件(&amp;F)：</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>&amp;Import</source>
        <translation>导入(&amp;I)</translation>
    </message>
    <message>
        <source>Query file of the coordinating center</source>
        <translation>协调中心的质疑文件</translation>
    </message>
    <message>
        <source>Query files (*.rgq);;All files (*)</source>
        <translation>质疑文件 (*.rgq);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose the query file first.</source>
        <translation>请先选择质疑文件。</translation>
    </message>
</context>
<context>
    <name>LockDialog</name>
    <message>
        <source>rego-desktop – locked</source>
        <translation>rego-desktop – 已锁定</translation>
    </message>
    <message>
        <source>The screen was locked. {name} ({user}) is still signed in.</source>
        <translation>屏幕已锁定。{name}({user})仍处于登录状态。</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P):</translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation>解锁(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Log out</source>
        <translation>退出登录(&amp;L)</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核对…</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>rego-desktop – log in</source>
        <translation>rego-desktop – 登录</translation>
    </message>
    <message>
        <source>Study database: {path}</source>
        <translation>研究数据库:{path}</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P):</translation>
    </message>
    <message>
        <source>Demo study with synthetic patients. User name: {user}  Password: {pw}</source>
        <translation>演示研究(虚拟患者)。用户名:{user}  密码:{pw}</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Forgot password…</source>
        <translation>忘记密码…</translation>
    </message>
    <message>
        <source>Other study…</source>
        <translation>其他研究…</translation>
    </message>
    <message>
        <source>Restore from backup…</source>
        <translation>从备份恢复…</translation>
    </message>
    <message>
        <source>Type your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>Unlocking the study…</source>
        <translation>正在解锁研究…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>rego-desktop – site {site}</source>
        <translation>rego-desktop – 中心 {site}</translation>
    </message>
    <message>
        <source>Search subject, name or record number (Ctrl+F)</source>
        <translation>按受试者编号、姓名或病历号搜索 (Ctrl+F)</translation>
    </message>
    <message>
        <source>All patients</source>
        <translation>全部患者</translation>
    </message>
    <message>
        <source>Site {site} · {name} ({role}) · {path}</source>
        <translation>中心 {site} · {name}({role}) · {path}</translation>
    </message>
    <message>
        <source>&amp;Study</source>
        <translation>研究(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;New patient</source>
        <translation>新建患者(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Open patient</source>
        <translation>打开患者(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Refresh list</source>
        <translation>刷新列表(&amp;R)</translation>
    </message>
    <message>
        <source>Endpoint &amp;summary…</source>
        <translation>终点汇总(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Lock screen</source>
        <translation>锁定屏幕(&amp;L)</translation>
    </message>
    <message>
        <source>Sho&amp;w:</source>
        <translation>显示(&amp;W):</translation>
    </message>
    <message>
        <source>Log ou&amp;t</source>
        <translation>注销(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Queries…</source>
        <translation>质疑(&amp;Q)…</translation>
    </message>
    <message>
        <source>&amp;Import center queries…</source>
        <translation>导入中心质疑(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Export for the center…</source>
        <translation>导出给协调中心(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Users…</source>
        <translation>用户(&amp;U)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>Usual lab u&amp;nits…</source>
        <translation>常用检验单位(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Back up now</source>
        <translation>立即备份(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>Loading patients…</source>
        <translation>正在加载患者…</translation>
    </message>
    <message>
        <source>{shown} of {total} patients</source>
        <translation>显示 {shown} / 共 {total} 名患者</translation>
    </message>
    <message>
        <source>No patients yet. Press Ctrl+N (Study &gt; New patient) to add the first patient; the casebook opens at the eligibility form.</source>
        <translation>尚无患者。按Ctrl+N(研究 &gt; 新建患者)添加第一位患者;病例报告将从入选标准表开始。</translation>
    </message>
    <message>
        <source>No patients yet. Site staff with data entry rights add them.</source>
        <translation>尚无患者。由具有数据录入权限的中心人员添加。</translation>
    </message>
    <message>
        <source>No patient matches the search. Esc in the search box clears it.</source>
        <translation>没有与搜索匹配的患者。在搜索框中按Esc可清除搜索。</translation>
    </message>
    <message>
        <source>{n} patients match; choose one in the list and press Enter.</source>
        <translation>{n}位患者匹配;请在列表中选择一位后按回车键。</translation>
    </message>
    <message>
        <source>Adding a patient…</source>
        <translation>正在添加患者…</translation>
    </message>
    <message>
        <source>Backup written</source>
        <translation>备份已写入</translation>
    </message>
    <message>
        <source>Backup written to {path} ({patients} patients).</source>
        <translation>备份已写入 {path}（{patients} 名患者）。</translation>
    </message>
    <message>
        <source>Writing a backup…</source>
        <translation>正在写入备份…</translation>
    </message>
    <message>
        <source>About rego-desktop</source>
        <translation>关于 rego-desktop</translation>
    </message>
</context>
<context>
    <name>MessageService</name>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Discard changes</source>
        <translation>放弃修改(&amp;D)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>MultiChoiceEditor</name>
    <message>
        <source>No answer in the chart ({codes}): press Ctrl+M</source>
        <translation>病历中无此答案({codes}):请按Ctrl+M</translation>
    </message>
</context>
<context>
    <name>NumberEditor</name>
    <message>
        <source>unit?</source>
        <translation>单位?</translation>
    </message>
    <message>
        <source>The site's usual unit; F4 changes it</source>
        <translation>本中心常用单位;按F4更改</translation>
    </message>
    <message>
        <source>Choose the unit written in the chart</source>
        <translation>请选择病历中记录的单位</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <source>&amp;Reason:</source>
        <translation>原因(&amp;R):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P):</translation>
    </message>
</context>
<context>
    <name>PatientTableModel</name>
    <message>
        <source>Subject</source>
        <translation>受试者</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病历号</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Forms complete</source>
        <translation>已完成表单</translation>
    </message>
    <message>
        <source>Open queries</source>
        <translation>未解决质疑</translation>
    </message>
    <message>
        <source>Last change</source>
        <translation>最近修改</translation>
    </message>
</context>
<context>
    <name>PrintCasebook</name>
    <message>
        <source>{code}-summary.pdf</source>
        <translation>{code}-摘要.pdf</translation>
    </message>
    <message>
        <source>PDF with name and record number, keep at the site (*.pdf)</source>
        <translation>含姓名和病历号的 PDF,仅限本中心保存 (*.pdf)</translation>
    </message>
    <message>
        <source>De-identified PDF, dates as study days (*.pdf)</source>
        <translation>去标识化 PDF,日期以研究日表示 (*.pdf)</translation>
    </message>
    <message>
        <source>Printing needs the PDF renderer (Python package pypdfium2), which is not installed. Use Save as PDF and print the file from a PDF viewer.</source>
        <translation>打印需要 PDF 渲染组件(Python 软件包 pypdfium2),但尚未安装。请使用“另存为PDF”,再用 PDF 阅读器打印该文件。</translation>
    </message>
    <message>
        <source>Could not write {path}: {reason}.</source>
        <translation>无法写入 {path}:{reason}。</translation>
    </message>
    <message>
        <source>The printer could not be started; check that it is on and ready.</source>
        <translation>无法启动打印机;请检查打印机是否已开启并就绪。</translation>
    </message>
    <message>
        <source>Summary of {code}</source>
        <translation>{code} 的摘要</translation>
    </message>
    <message>
        <source>Print summary of {code}</source>
        <translation>打印 {code} 的摘要</translation>
    </message>
    <message>
        <source>Print summary</source>
        <translation>打印摘要</translation>
    </message>
    <message>
        <source>The summary of {code} ({pages} pages) was written to {path}.</source>
        <translation>{code} 的摘要(共 {pages} 页)已写入 {path}。</translation>
    </message>
    <message>
        <source>the default printer</source>
        <translation>默认打印机</translation>
    </message>
    <message>
        <source>The summary of {code} ({pages} pages) was sent to the printer {printer}.</source>
        <translation>{code} 的摘要(共 {pages} 页)已发送到打印机 {printer}。</translation>
    </message>
    <message>
        <source>Save summary of {code} as PDF</source>
        <translation>将 {code} 的摘要另存为PDF</translation>
    </message>
    <message>
        <source>The de-identified summary of {code} was saved as {path}.</source>
        <translation>{code} 的去标识化摘要已保存为 {path}。</translation>
    </message>
    <message>
        <source>The summary of {code} was saved as {path}; it names the patient: keep it at the site.</source>
        <translation>{code} 的摘要已保存为 {path};其中含患者姓名,请仅在本中心保存。</translation>
    </message>
    <message>
        <source>Save summary as PDF</source>
        <translation>将摘要另存为PDF</translation>
    </message>
</context>
<context>
    <name>QueriesDialog</name>
    <message>
        <source>Queries of {code}</source>
        <translation>{code} 的质疑</translation>
    </message>
    <message>
        <source>Site queries</source>
        <translation>本中心质疑</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未解决</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已回复</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>受试者</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>发现</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>Reviewer note</source>
        <translation>审核备注</translation>
    </message>
    <message>
        <source>&amp;Answer…</source>
        <translation>回复(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation>显示(&amp;S):</translation>
    </message>
    <message>
        <source>C&amp;lose query…</source>
        <translation>关闭质疑(&amp;L)…</translation>
    </message>
    <message>
        <source>&amp;Re-open…</source>
        <translation>重新打开(&amp;R)…</translation>
    </message>
    <message>
        <source>Corr&amp;ect value…</source>
        <translation>修改数值(&amp;E)…</translation>
    </message>
    <message>
        <source>Correct the field a query of the center is about, with a reason</source>
        <translation>修改协调中心质疑所涉及的字段，并填写原因</translation>
    </message>
    <message>
        <source>&amp;Import center queries…</source>
        <translation>导入中心质疑(&amp;I)…</translation>
    </message>
    <message>
        <source>Run &amp;checks</source>
        <translation>运行核查(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Go to patient</source>
        <translation>转到患者(&amp;G)</translation>
    </message>
    <message>
        <source> (resolved)</source>
        <translation>(已因数据修改而解决)</translation>
    </message>
    <message>
        <source>{open} open · {answered} answered · {closed} closed</source>
        <translation>{open} 条未解决 · {answered} 条已回复 · {closed} 条已关闭</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>deviation</source>
        <translation>偏离</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>open</source>
        <translation>未解决</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>已回复</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>[From the center, {id}] </source>
        <translation>[来自协调中心，{id}] </translation>
    </message>
    <message>
        <source>raised</source>
        <translation>提出</translation>
    </message>
    <message>
        <source>corrected</source>
        <translation>已修改</translation>
    </message>
    <message>
        <source>re-opened</source>
        <translation>重新开启</translation>
    </message>
    <message>
        <source>Subject: {subject}</source>
        <translation>受试者:{subject}</translation>
    </message>
    <message>
        <source>Where: {where}</source>
        <translation>位置:{where}</translation>
    </message>
    <message>
        <source>Finding ({severity}): {message}</source>
        <translation>发现({severity}):{message}</translation>
    </message>
    <message>
        <source>Query {id} of the coordinating center</source>
        <translation>协调中心的质疑 {id}</translation>
    </message>
    <message>
        <source>Value the center saw: {value}</source>
        <translation>中心看到的数值：{value}</translation>
    </message>
    <message>
        <source>Answer so far: {answer}</source>
        <translation>已有回复:{answer}</translation>
    </message>
    <message>
        <source>Reviewer note: {note}</source>
        <translation>审核备注:{note}</translation>
    </message>
    <message>
        <source>Answer query</source>
        <translation>回复质疑</translation>
    </message>
    <message>
        <source>Why is the value right as it is (or what was done)?</source>
        <translation>为什么该值是正确的(或采取了什么措施)?</translation>
    </message>
    <message>
        <source>Close query</source>
        <translation>关闭质疑</translation>
    </message>
    <message>
        <source>Note for the record (optional):</source>
        <translation>记录备注(可选):</translation>
    </message>
    <message>
        <source>Re-open query</source>
        <translation>重新打开质疑</translation>
    </message>
    <message>
        <source>Why is the answer not accepted?</source>
        <translation>为什么不接受该回复?</translation>
    </message>
    <message>
        <source>Correct value</source>
        <translation>修改数值</translation>
    </message>
    <message>
        <source>Only a query of the coordinating center about one field is corrected here; correct other data in the patient's form.</source>
        <translation>此处只能修改协调中心针对某个字段的质疑所涉及的数据；其他数据请在患者的表单中修改。</translation>
    </message>
    <message>
        <source>Corrected value (as you would type it in the form):</source>
        <translation>修改后的数值（按在表单中录入的方式填写）：</translation>
    </message>
    <message>
        <source>Reason for the change (goes to the audit trail and the center):</source>
        <translation>修改原因（将记入稽查轨迹并发送给协调中心）：</translation>
    </message>
    <message>
        <source>Running the edit checks…</source>
        <translation>正在运行逻辑核查…</translation>
    </message>
    <message>
        <source>Edit checks run at {time} on {patients} patient(s): {opened} new, {closed} resolved; {open} open now.</source>
        <translation>逻辑核查已于 {time} 对 {patients} 名患者运行:新增 {opened} 条,已解决 {closed} 条;当前未解决 {open} 条。</translation>
    </message>
</context>
<context>
    <name>RecoveryDialog</name>
    <message>
        <source>Set a new password with the recovery key</source>
        <translation>使用恢复密钥设置新密码</translation>
    </message>
    <message>
        <source>Type the recovery key printed when the study was set up. It unlocks the study and sets a new password for the user below.</source>
        <translation>请输入建立研究时打印的恢复密钥。它将解锁研究并为下面的用户设置新密码。</translation>
    </message>
    <message>
        <source>Recovery &amp;key:</source>
        <translation>恢复密钥(&amp;K):</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U):</translation>
    </message>
    <message>
        <source>&amp;New password:</source>
        <translation>新密码(&amp;N):</translation>
    </message>
    <message>
        <source>&amp;Repeat password:</source>
        <translation>再次输入密码(&amp;R):</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Unlocking with the recovery key…</source>
        <translation>正在使用恢复密钥解锁…</translation>
    </message>
</context>
<context>
    <name>RecoveryPage</name>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>If every password is forgotten, this key is the only way into the study. It is shown only now: print it or save it to a USB stick, and keep it locked away from this computer.</source>
        <translation>如果所有密码都被遗忘,此密钥是进入研究的唯一途径。它只显示这一次:请打印或保存到U盘,并与本机分开妥善锁存。</translation>
    </message>
    <message>
        <source>&amp;Print…</source>
        <translation>打印(&amp;P)…</translation>
    </message>
    <message>
        <source>&amp;Save to file…</source>
        <translation>保存到文件(&amp;S)…</translation>
    </message>
    <message>
        <source>I have printed or saved the recovery key</source>
        <translation>我已打印或保存恢复密钥</translation>
    </message>
    <message>
        <source>Save recovery key</source>
        <translation>保存恢复密钥</translation>
    </message>
    <message>
        <source>Text (*.txt)</source>
        <translation>文本 (*.txt)</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <source>Restore the study from a backup</source>
        <translation>从备份恢复研究</translation>
    </message>
    <message>
        <source>Made</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Site</source>
        <translation>中心</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>患者数</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>&amp;Other backup file…</source>
        <translation>其他备份文件(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U):</translation>
    </message>
    <message>
        <source>Study database: {path}

Restoring is for administrators of this study: sign in with your current user name and password. Choose a backup. It is checked completely before anything is replaced: it must open with your password as it was when the backup was made, pass the integrity check and its audit trail must verify. The current file is kept beside it, renamed with the date.</source>
        <translation>研究数据库：{path}

只有本研究的管理员才能恢复备份：请用您当前的用户名和密码登录。请选择一个备份。替换之前会完整检查备份：它必须能用您在备份创建时的密码打开，通过完整性检查，且其稽查轨迹必须校验通过。当前文件会保留在旁边，并以日期重命名。</translation>
    </message>
    <message>
        <source>only if it has changed since</source>
        <translation>仅当此后更改过密码时填写</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P):</translation>
    </message>
    <message>
        <source>Password in the &amp;backup:</source>
        <translation>备份中的密码(&amp;B):</translation>
    </message>
    <message>
        <source>&amp;Check backup</source>
        <translation>检查备份(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Restore</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <source>Restore from backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <source>No backup was found in {folders}. Use 'Other backup file…' to choose one.</source>
        <translation>在 {folders} 中未找到备份。请使用“其他备份文件…”进行选择。</translation>
    </message>
    <message>
        <source>{n} backup(s) found, newest first.</source>
        <translation>找到 {n} 个备份,最新的在前。</translation>
    </message>
    <message>
        <source>Choose a backup file</source>
        <translation>选择备份文件</translation>
    </message>
    <message>
        <source>rego-desktop backups (*{suffix});;Study databases (*.rego);;All files (*)</source>
        <translation>rego-desktop 备份 (*{suffix});;研究数据库 (*.rego);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a backup first.</source>
        <translation>请先选择一个备份。</translation>
    </message>
    <message>
        <source>Type your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>Checking the backup…</source>
        <translation>正在检查备份…</translation>
    </message>
    <message>
        <source>Replace the study database {db} with the backup {backup}?

Changes made after the backup was written will not be in the restored study; the current file is kept beside it, renamed with today's date.</source>
        <translation>是否用备份 {backup} 替换研究数据库 {db}?

备份之后所做的修改不会出现在恢复后的研究中;当前文件会保留在旁边,并以今天的日期重命名。</translation>
    </message>
    <message>
        <source>Checking and restoring the backup…</source>
        <translation>正在检查并恢复备份…</translation>
    </message>
    <message>
        <source>Backup checked</source>
        <translation>备份已检查</translation>
    </message>
    <message>
        <source>The study was restored from {backup}.</source>
        <translation>研究已从 {backup} 恢复。</translation>
    </message>
    <message>
        <source>The file it replaced is kept as {kept}.</source>
        <translation>被替换的文件保留为 {kept}。</translation>
    </message>
    <message>
        <source>Study restored</source>
        <translation>研究已恢复</translation>
    </message>
    <message>
        <source>The backup is good: {patients} patients, {records} records, {entries} audit entries. It opened with your password, passed the integrity check, its audit trail verifies and every record decrypts.</source>
        <translation>备份完好:{patients} 名患者,{records} 条记录,{entries} 条稽查记录。已用您的密码打开,通过完整性检查,稽查轨迹验证通过,所有记录均可解密。</translation>
    </message>
</context>
<context>
    <name>SectionPage</name>
    <message>
        <source>Reason for the deviation (required)</source>
        <translation>偏离原因(必填)</translation>
    </message>
    <message>
        <source>Computed from other fields; not typed.</source>
        <translation>由其他字段自动计算,无需输入。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>A new language takes effect when rego-desktop starts again.</source>
        <translation>新的语言将在 rego-desktop 重新启动后生效。</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L):</translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation>选择(&amp;H)…</translation>
    </message>
    <message>
        <source>Lock screen after &amp;idle:</source>
        <translation>空闲多久后锁定屏幕(&amp;I):</translation>
    </message>
    <message>
        <source>&amp;Backup folder:</source>
        <translation>备份文件夹(&amp;B):</translation>
    </message>
    <message>
        <source>Backups &amp;kept:</source>
        <translation>保留备份数(&amp;K):</translation>
    </message>
    <message>
        <source>Folder for backups (e.g. on a USB drive)</source>
        <translation>备份文件夹（例如 U 盘上）</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up rego-desktop</source>
        <translation>设置 rego-desktop</translation>
    </message>
    <message>
        <source>&amp;Create study</source>
        <translation>创建研究(&amp;C)</translation>
    </message>
    <message>
        <source>Creating the study…</source>
        <translation>正在创建研究…</translation>
    </message>
</context>
<context>
    <name>SiteApplication</name>
    <message>
        <source>Open a study database</source>
        <translation>打开研究数据库</translation>
    </message>
    <message>
        <source>Study database (*.rego);;All files (*)</source>
        <translation>研究数据库 (*.rego);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Preparing the demo study…</source>
        <translation>正在准备演示研究…</translation>
    </message>
    <message>
        <source>Study already open</source>
        <translation>研究已打开</translation>
    </message>
    <message>
        <source>Log out of {path} before opening another study.</source>
        <translation>请先注销 {path},再打开其他研究。</translation>
    </message>
    <message>
        <source>Writing the daily backup…</source>
        <translation>正在写入每日备份…</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>Backup written: {path}</source>
        <translation>备份已写入：{path}</translation>
    </message>
    <message>
        <source>Backup not written</source>
        <translation>备份未写入</translation>
    </message>
</context>
<context>
    <name>SitePage</name>
    <message>
        <source>Your site</source>
        <translation>您的中心</translation>
    </message>
    <message>
        <source>The site code the coordinating center gave your hospital, e.g. BJ01.</source>
        <translation>协调中心分配给贵院的中心编号,例如 BJ01。</translation>
    </message>
    <message>
        <source>Study:</source>
        <translation>研究:</translation>
    </message>
    <message>
        <source>&amp;Site code:</source>
        <translation>中心编号(&amp;S):</translation>
    </message>
</context>
<context>
    <name>SiteUnitsDialog</name>
    <message>
        <source>Usual laboratory units of this site</source>
        <translation>本中心常用检验单位</translation>
    </message>
    <message>
        <source>Choose the unit your laboratory reports for each value. The entry screens then preselect it (the unit can still be changed for one value, or typed after the number). With “ask each time”, a value without a unit is refused.</source>
        <translation>请为每项指标选择本院检验科报告所用的单位。录入界面将预先选中该单位(单个数值仍可更改单位,或在数值后直接输入单位)。选择“每次询问”时,未注明单位的数值将被拒绝。</translation>
    </message>
    <message>
        <source>ask each time</source>
        <translation>每次询问</translation>
    </message>
    <message>
        <source>e.g. units of our hospital laboratory</source>
        <translation>例如:本院检验科使用的单位</translation>
    </message>
    <message>
        <source>&amp;Reason for the change:</source>
        <translation>更改原因(&amp;R):</translation>
    </message>
    <message>
        <source>Only an administrator can change the usual units.</source>
        <translation>只有管理员可以更改常用单位。</translation>
    </message>
    <message>
        <source>Type the reason for the change (kept in the audit trail).</source>
        <translation>请输入更改原因(将记录在稽查轨迹中)。</translation>
    </message>
</context>
<context>
    <name>UserEditor</name>
    <message>
        <source>Reset password of {user}</source>
        <translation>重置 {user} 的密码</translation>
    </message>
    <message>
        <source>Add user</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U):</translation>
    </message>
    <message>
        <source>&amp;Full name:</source>
        <translation>姓名(&amp;F):</translation>
    </message>
    <message>
        <source>&amp;Role:</source>
        <translation>角色(&amp;R):</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P):</translation>
    </message>
    <message>
        <source>R&amp;epeat password:</source>
        <translation>再次输入密码(&amp;E):</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Password not accepted. {rules}</source>
        <translation>密码不符合要求。{rules}</translation>
    </message>
</context>
<context>
    <name>UsersDialog</name>
    <message>
        <source>Users</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>&amp;Add user…</source>
        <translation>添加用户(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Reset password…</source>
        <translation>重置密码(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;Deactivate / activate</source>
        <translation>停用/启用(&amp;D)</translation>
    </message>
    <message>
        <source>Set r&amp;ole</source>
        <translation>设置角色(&amp;O)</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
</context>
</TS>