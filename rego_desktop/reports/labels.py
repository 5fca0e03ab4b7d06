"""Words of the PDF summary that are not in the study definition, in both languages.

Everything about the CRF itself (form titles, field labels, code labels, units) comes
from the study definition; these are the summary's own headings and phrases.
"""

from __future__ import annotations

from typing import Final

from rego_desktop.study.schema import Label

L: Final[dict[str, Label]] = {
    "title": Label("Patient summary", "患者摘要"),
    "site": Label("Site", "中心"),
    "subject": Label("Subject", "受试者"),
    "name": Label("Name", "姓名"),
    "record_number": Label("Record number", "病历号"),
    "date_of_birth": Label("Date of birth", "出生日期"),
    "deidentified": Label(
        "De-identified copy: no name, record number, birth date or free text; dates as "
        "study days; ages of 90 or more as 90+",
        "去标识化副本:不含姓名、病历号、出生日期及自由文本;日期以研究日表示;年龄90及以上记为90+",
    ),
    "identified": Label(
        "Contains identifying data: keep at the site", "含患者身份信息:仅限本中心保存"
    ),
    "generated": Label("Generated", "生成时间"),
    "definition": Label("Study definition", "研究定义"),
    "page": Label("Page {n} of {m}", "第{n}页/共{m}页"),
    "glance": Label("At a glance", "概要"),
    "status": Label("Status", "状态"),
    "day1": Label("Day 1 (first dose)", "第1天(首次给药)"),
    "baseline": Label("Baseline", "基线"),
    "treatment": Label("Regorafenib treatment", "瑞戈非尼治疗"),
    "timeline": Label("Dosing timeline", "给药时间线"),
    "response": Label("Response", "疗效"),
    "follow_up": Label("Progression and survival", "疾病进展与生存"),
    "issues": Label("Open queries and label deviations", "待处理质疑及说明书偏离"),
    "signature": Label("Signature", "电子签名"),
    "not_recorded": Label("Not recorded", "未记录"),
    "none": Label("None recorded", "无记录"),
    "not_computable": Label("not computable", "无法计算"),
    "missing": Label("missing", "缺少"),
    "days_dosed": Label("Days dosed", "服药天数"),
    "dose_in_cycle": Label("Dose in cycle", "周期剂量"),
    "endpoint": Label("Endpoint", "终点"),
    "os": Label("Overall survival (OS)", "总生存期(OS)"),
    "pfs": Label("Progression-free survival (PFS)", "无进展生存期(PFS)"),
    "ttp": Label("Time to progression (TTP)", "疾病进展时间(TTP)"),
    "days": Label("days", "天"),
    "months": Label("months", "个月"),
    "event": Label("event", "事件"),
    "censored": Label("censored", "删失"),
    "on": Label("on", "于"),
    "basis.death": Label("death", "死亡"),
    "basis.progression": Label("progression", "进展"),
    "basis.last_follow_up": Label("last follow-up", "末次随访"),
    "basis.last_assessment": Label("last assessment", "末次评估"),
    "date": Label("Date", "日期"),
    "study_day": Label("Study day", "研究日"),
    "imputed.D": Label("day imputed", "日为推算"),
    "imputed.M": Label("month and day imputed", "月、日为推算"),
    "days_h": Label("Days", "天数"),
    "months_h": Label("Months", "月数"),
    "outcome": Label("Outcome", "结局"),
    "grade_counts": Label("Events by grade", "按分级统计事件数"),
    "grade_n": Label("Grade {g}: {n}", "{g}级:{n}"),
    "kind": Label("Kind", "类别"),
    "where": Label("Where", "位置"),
    "finding": Label("Finding", "问题"),
    "query_status": Label("Status", "状态"),
    "severity.error": Label("Error", "错误"),
    "severity.deviation": Label("Deviation", "偏离"),
    "severity.warning": Label("Warning", "提示"),
    "status.open": Label("open", "待处理"),
    "status.answered": Label("answered", "已回复"),
    "status.closed": Label("closed", "已关闭"),
    "status.not_raised": Label("not yet raised", "尚未生成质疑"),
    "no_issues": Label("No open queries and no label deviations.", "无待处理质疑,无说明书偏离。"),
    "not_signed": Label("Not signed.", "未签名。"),
    "signed_deidentified": Label("Signed by the investigator.", "研究者已签名。"),
    "signed": Label(
        "Signed by {name} ({user}) on {when} UTC: “{meaning}”",
        "{name}({user})于{when} UTC签名:“{meaning}”",
    ),
    "revoked": Label("revoked on {when} UTC by {user}", "已于{when} UTC由{user}撤销"),
    "locked": Label("The casebook is locked.", "病例已锁定。"),
    "unlocked": Label("The casebook is not locked.", "病例未锁定。"),
    "legend.dose": Label("Daily dose", "日剂量"),
    "legend.range": Label("Label range 80–160 mg", "说明书剂量80–160 mg"),
    "legend.off": Label("Off days 22–28", "停药期第22–28天"),
    "legend.gap": Label("Not dosed (interrupted)", "未服药(暂停)"),
    "legend.deviation": Label("Off-label dose or day", "偏离说明书"),
    "legend.unknown": Label("Dose unknown", "剂量未知"),
    "legend.reduction": Label("Reduction", "减量"),
    "legend.escalation": Label("Escalation", "加量"),
    "legend.stop": Label("Last dose", "末次给药"),
    "day": Label("day", "第{n}天"),
    "no_dosing": Label(
        "No dosing calendar: the date of first dose is not recorded.",
        "无法绘制给药时间线:未记录首次给药日期。",
    ),
    "mg_day": Label("mg/day", "mg/天"),
    "entries": Label("{n} entries", "共{n}条"),
    "open_and_deviations": Label(
        "{open} open · {deviations} label deviations", "{open}条待处理 · {deviations}项偏离"
    ),
}


def t(key: str, language: str) -> str:
    return L[key].text(language)
