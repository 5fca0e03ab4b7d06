"""Study definition version 1 of the regorafenib HCC real-world study.

The CRF follows design.md section 2 and the protocol synopsis. Field ids are stable
identifiers used in storage, exports and rules; labels are for people.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rego_desktop.study import codelists as cl
from rego_desktop.study.schema import (
    Field,
    FieldType,
    Form,
    Label,
    Limits,
    MissingReason,
    Phase,
    Section,
    StudyDefinition,
    Unit,
)

# Unit ids are stored and exported as they are (ASCII, never changed); symbols are
# what people read.
MG = (Unit("mg"),)
UMOL_L = Unit("umol/L", symbol="µmol/L")
BILIRUBIN = (UMOL_L, Unit("mg/dL", 17.104))
ALBUMIN = (Unit("g/L"), Unit("g/dL", 10.0))
CREATININE = (UMOL_L, Unit("mg/dL", 88.42))
HAEMOGLOBIN = (Unit("g/L"), Unit("g/dL", 10.0))
AFP = (Unit("ng/mL"), Unit("IU/mL", 1.21))
PER_LITRE = (Unit("10^9/L", symbol="10⁹/L"),)
ENZYME = (Unit("U/L"),)
LENGTH_MM = (Unit("mm"), Unit("cm", 10.0))
DAYS = (Unit("days", symbol_zh="天"),)
YEARS = (Unit("years", symbol_zh="岁"),)
KG_M2 = (Unit("kg/m2", symbol="kg/m²"),)

# Hard limits for a regorafenib daily dose: anything outside is a typing error, not a
# label deviation (those are 80-160 mg and checked by the dosing rules).
DOSE_MIN_MG = 1
DOSE_MAX_MG = 400


def _f(field_id: str, en: str, zh: str, kind: FieldType, **options: Any) -> Field:
    return Field(field_id, Label(en, zh), kind, **options)


def text(field_id: str, en: str, zh: str, **options: Any) -> Field:
    return _f(field_id, en, zh, FieldType.TEXT, **options)


def date(field_id: str, en: str, zh: str, **options: Any) -> Field:
    return _f(field_id, en, zh, FieldType.DATE, **options)


def integer(field_id: str, en: str, zh: str, lo: float, hi: float, **options: Any) -> Field:
    return _f(field_id, en, zh, FieldType.INTEGER, limits=Limits(lo, hi), **options)


def decimal(field_id: str, en: str, zh: str, lo: float, hi: float, **options: Any) -> Field:
    options.setdefault("decimals", 1)
    return _f(field_id, en, zh, FieldType.DECIMAL, limits=Limits(lo, hi), **options)


def choice(field_id: str, en: str, zh: str, codelist: str, **options: Any) -> Field:
    return _f(field_id, en, zh, FieldType.CHOICE, codelist=codelist, **options)


def multi(field_id: str, en: str, zh: str, codelist: str, **options: Any) -> Field:
    return _f(field_id, en, zh, FieldType.MULTI_CHOICE, codelist=codelist, **options)


def yes_no(field_id: str, en: str, zh: str, **options: Any) -> Field:
    return _f(field_id, en, zh, FieldType.YES_NO, **options)


def daily_dose(field_id: str, en: str, zh: str, **options: Any) -> Field:
    return decimal(field_id, en, zh, DOSE_MIN_MG, DOSE_MAX_MG, decimals=0, units=MG, **options)


def section(section_id: str, en: str, zh: str, *fields: Field) -> Section:
    return Section(section_id, Label(en, zh), fields)


def liver_function_fields(*, before_first_dose: bool) -> tuple[Field, ...]:
    """Liver function items scored into Child-Pugh and ALBI (baseline and each cycle)."""
    return (
        date(
            "liver_date",
            "Date of liver function tests",
            "肝功能检查日期",
            before_first_dose=before_first_dose,
        ),
        decimal("bilirubin", "Total bilirubin", "总胆红素", 0, 1000, units=BILIRUBIN),
        decimal("albumin", "Albumin", "白蛋白", 5, 70, units=ALBUMIN),
        decimal("inr", "INR", "国际标准化比值(INR)", 0.5, 15, decimals=2),
        decimal("alt", "ALT", "丙氨酸氨基转移酶(ALT)", 0, 20000, decimals=0, units=ENZYME),
        decimal("ast", "AST", "天门冬氨酸氨基转移酶(AST)", 0, 20000, decimals=0, units=ENZYME),
        choice("ascites", "Ascites", "腹水", "ascites"),
        choice("encephalopathy", "Hepatic encephalopathy", "肝性脑病", "encephalopathy"),
        integer(
            "child_pugh_score", "Child-Pugh score", "Child-Pugh评分", 5, 15, derived="child_pugh"
        ),
        choice(
            "child_pugh_class",
            "Child-Pugh class",
            "Child-Pugh分级",
            "child_pugh_class",
            derived="child_pugh",
        ),
        decimal("albi_score", "ALBI score", "ALBI评分", -10, 10, decimals=2, derived="albi"),
        choice("albi_grade", "ALBI grade", "ALBI分级", "albi_grade", derived="albi"),
    )


def blood_count_fields() -> tuple[Field, ...]:
    return (
        decimal(
            "haemoglobin", "Haemoglobin", "血红蛋白", 10, 250, required=False, units=HAEMOGLOBIN
        ),
        decimal("wbc", "White blood cells", "白细胞", 0, 500, required=False, units=PER_LITRE),
        decimal(
            "neutrophils",
            "Neutrophils",
            "中性粒细胞",
            0,
            300,
            decimals=2,
            required=False,
            units=PER_LITRE,
        ),
        decimal(
            "platelets", "Platelets", "血小板", 0, 3000, decimals=0, required=False, units=PER_LITRE
        ),
    )


ELIGIBILITY = Form(
    "eligibility",
    Label("Eligibility", "入选/排除标准"),
    Phase.SCREENING,
    (
        section(
            "inclusion",
            "Inclusion criteria",
            "入选标准",
            yes_no("inc_age_18", "Aged 18 years or older", "年龄≥18岁"),
            yes_no(
                "inc_hcc_diagnosed",
                "HCC diagnosed by histology, cytology or clinical criteria",
                "经组织学、细胞学或临床诊断标准确诊为肝细胞癌",
            ),
            yes_no(
                "inc_bclc_b_c",
                "Intermediate or advanced stage (BCLC B or C)",
                "中期或晚期(BCLC B期或C期)",
            ),
            yes_no(
                "inc_regorafenib_dose",
                "Received at least one dose of regorafenib",
                "至少接受过一次瑞戈非尼治疗",
            ),
            yes_no("inc_chart_available", "Medical chart available", "病历资料可获得"),
        ),
        section(
            "exclusion",
            "Exclusion criteria",
            "排除标准",
            yes_no(
                "exc_interventional_trial",
                "Took part in an interventional anticancer trial during regorafenib treatment",
                "瑞戈非尼治疗期间参加了干预性抗肿瘤临床试验",
            ),
            yes_no(
                "exc_other_malignancy",
                "Another active primary malignancy during regorafenib treatment",
                "瑞戈非尼治疗期间合并其他活动性原发恶性肿瘤",
            ),
            yes_no(
                "eligible",
                "Eligible for analysis",
                "符合分析条件",
                derived="eligibility",
            ),
        ),
    ),
)

IDENTIFICATION = Form(
    "identification",
    Label("Identification (site only)", "身份信息(仅存于本中心)"),
    Phase.SCREENING,
    (
        section(
            "identity",
            "Identification",
            "身份信息",
            text("full_name", "Patient name", "患者姓名", identifying=True, max_length=100),
            text(
                "hospital_record_number",
                "Hospital record number",
                "住院号/病历号",
                identifying=True,
                max_length=40,
            ),
            date("date_of_birth", "Date of birth", "出生日期", identifying=True),
        ),
    ),
    identifying=True,
)

DEMOGRAPHICS = Form(
    "demographics",
    Label("Demographics", "人口学资料"),
    Phase.SCREENING,
    (
        section(
            "demographics",
            "Demographics",
            "人口学资料",
            choice("sex", "Sex", "性别", "sex"),
            integer(
                "age_at_first_dose",
                "Age at first dose",
                "首次给药时年龄",
                0,
                120,
                units=YEARS,
                derived="age_at_first_dose",
            ),
            decimal("height", "Height", "身高", 100, 230, units=(Unit("cm"),)),
            decimal("weight", "Weight", "体重", 25, 250, units=(Unit("kg"),)),
            decimal("bmi", "BMI", "体重指数(BMI)", 5, 100, units=KG_M2, derived="bmi"),
            integer("ecog", "ECOG performance status", "ECOG体能状态评分", 0, 4),
        ),
    ),
)

HCC_HISTORY = Form(
    "hcc_history",
    Label("HCC history and aetiology", "肝癌病史及病因"),
    Phase.SCREENING,
    (
        section(
            "hcc_history",
            "HCC history",
            "肝癌病史",
            choice(
                "diagnosis_basis", "Basis of HCC diagnosis", "肝癌诊断依据", "hcc_diagnosis_basis"
            ),
            date(
                "hcc_diagnosis_date",
                "Date of HCC diagnosis",
                "肝癌确诊日期",
                before_first_dose=True,
            ),
            date(
                "advanced_diagnosis_date",
                "Date of intermediate/advanced-stage diagnosis",
                "中晚期诊断日期",
                before_first_dose=True,
            ),
            multi("aetiology", "Aetiology", "病因", "aetiology"),
            text(
                "aetiology_other",
                "Other aetiology (specify)",
                "其他病因(请注明)",
                free_text=True,
                enabled_by=("aetiology", ("other",)),
            ),
            choice("cirrhosis", "Cirrhosis", "肝硬化", "yes_no_unknown"),
        ),
    ),
)

MEDICAL_HISTORY = Form(
    "medical_history",
    Label("Medical history", "既往病史"),
    Phase.SCREENING,
    (
        section(
            "condition",
            "Condition",
            "疾病",
            choice("condition", "Condition", "疾病", "comorbidity"),
            text(
                "condition_other",
                "Other condition (specify)",
                "其他疾病(请注明)",
                free_text=True,
                enabled_by=("condition", ("other",)),
            ),
            date("start_date", "Start date", "开始日期", required=False),
            yes_no("ongoing", "Ongoing at first dose", "首次给药时仍存在"),
            date(
                "end_date",
                "End date",
                "结束日期",
                required=False,
                enabled_by=("ongoing", ("no",)),
            ),
        ),
    ),
    repeating=True,
    item_label=Label("Condition", "疾病"),
    order_by="start_date",
    summary_fields=("condition", "start_date", "ongoing"),
)

PRIMARY_TUMOUR = Form(
    "primary_tumour",
    Label("Primary tumour", "原发肿瘤"),
    Phase.SCREENING,
    (
        section(
            "tumour",
            "Primary tumour",
            "原发肿瘤",
            choice("tumour_site", "Site (lobe)", "部位(肝叶)", "tumour_site"),
            choice("lesion_count", "Number of lesions", "病灶数目", "lesion_count"),
            decimal(
                "largest_diameter",
                "Largest lesion diameter",
                "最大病灶直径",
                1,
                400,
                decimals=0,
                units=LENGTH_MM,
            ),
            choice(
                "macrovascular_invasion",
                "Macrovascular invasion",
                "大血管侵犯",
                "yes_no_unknown",
            ),
            choice(
                "pvtt",
                "Portal vein tumour thrombus",
                "门静脉癌栓",
                "pvtt",
                enabled_by=("macrovascular_invasion", ("yes",)),
            ),
            choice("extrahepatic_spread", "Extrahepatic spread", "肝外转移", "yes_no_unknown"),
            choice("bclc_stage", "BCLC stage", "BCLC分期", "bclc"),
            decimal("afp", "AFP", "甲胎蛋白(AFP)", 0, 10_000_000, units=AFP),
        ),
    ),
)

PRIOR_TREATMENTS = Form(
    "prior_treatments",
    Label("Prior treatments", "既往治疗"),
    Phase.SCREENING,
    (
        section(
            "regimen",
            "Regimen",
            "治疗方案",
            choice("regimen", "Regimen", "治疗方案", "regimen"),
            text(
                "regimen_other",
                "Other regimen (specify)",
                "其他方案(请注明)",
                free_text=True,
                enabled_by=("regimen", ("other",)),
            ),
            integer("line", "Line of therapy", "治疗线数", 1, 10),
            date("start_date", "Start date", "开始日期", before_first_dose=True),
            date("end_date", "End date", "结束日期"),
            integer(
                "duration_days",
                "Duration",
                "持续时间",
                1,
                10_000,
                units=DAYS,
                derived="duration",
            ),
            choice("best_response", "Best response", "最佳疗效", "response"),
            choice("reason_stopped", "Reason stopped", "停止原因", "stop_reason"),
        ),
    ),
    repeating=True,
    item_label=Label("Regimen", "治疗方案"),
    order_by="start_date",
    summary_fields=("line", "regimen", "start_date", "end_date", "best_response"),
)

BASELINE_LIVER = Form(
    "baseline_liver",
    Label("Liver function before first dose", "首次给药前肝功能"),
    Phase.SCREENING,
    (
        section(
            "liver",
            "Liver function",
            "肝功能",
            *liver_function_fields(before_first_dose=True),
        ),
    ),
)

LAB_TESTS = Form(
    "lab_tests",
    Label("Laboratory tests", "实验室检查"),
    Phase.SCREENING,
    (
        section(
            "sample",
            "Sample",
            "样本",
            date("sample_date", "Sample date", "采样日期"),
            choice(
                "timing",
                "Timing",
                "时间点",
                "lab_timing",
                derived="lab_timing",
            ),
        ),
        section("haematology", "Haematology", "血液学", *blood_count_fields()),
        section(
            "biochemistry",
            "Biochemistry",
            "生化",
            decimal(
                "bilirubin", "Total bilirubin", "总胆红素", 0, 1000, required=False, units=BILIRUBIN
            ),
            decimal("albumin", "Albumin", "白蛋白", 5, 70, required=False, units=ALBUMIN),
            decimal(
                "alt",
                "ALT",
                "丙氨酸氨基转移酶(ALT)",
                0,
                20000,
                decimals=0,
                required=False,
                units=ENZYME,
            ),
            decimal(
                "ast",
                "AST",
                "天门冬氨酸氨基转移酶(AST)",
                0,
                20000,
                decimals=0,
                required=False,
                units=ENZYME,
            ),
            decimal(
                "creatinine",
                "Creatinine",
                "肌酐",
                5,
                3000,
                decimals=0,
                required=False,
                units=CREATININE,
            ),
            decimal("inr", "INR", "国际标准化比值(INR)", 0.5, 15, decimals=2, required=False),
            decimal("afp", "AFP", "甲胎蛋白(AFP)", 0, 10_000_000, required=False, units=AFP),
            decimal(
                "pivka_ii",
                "PIVKA-II",
                "异常凝血酶原(PIVKA-II)",
                0,
                1_000_000,
                decimals=0,
                required=False,
                units=(Unit("mAU/mL"),),
            ),
        ),
    ),
    repeating=True,
    item_label=Label("Sample", "样本"),
    order_by="sample_date",
    summary_fields=("sample_date", "timing", "haemoglobin", "platelets", "bilirubin"),
)

GENETIC_TESTS = Form(
    "genetic_tests",
    Label("Genetic tests", "基因检测"),
    Phase.SCREENING,
    (
        section(
            "genetic",
            "Genetic test",
            "基因检测",
            date("test_date", "Test date", "检测日期"),
            choice("test", "Test", "检测项目", "genetic_test"),
            text(
                "test_other",
                "Other test (specify)",
                "其他检测项目(请注明)",
                free_text=True,
                enabled_by=("test", ("other",)),
            ),
            choice("result", "Result", "结果", "genetic_result"),
        ),
    ),
    repeating=True,
    item_label=Label("Test", "检测"),
    order_by="test_date",
    summary_fields=("test_date", "test", "result"),
)

BASELINE_IMAGING = Form(
    "baseline_imaging",
    Label("Baseline imaging", "基线影像学"),
    Phase.SCREENING,
    (
        section(
            "imaging",
            "Last scan before first dose",
            "首次给药前最后一次影像检查",
            date("scan_date", "Scan date", "检查日期", before_first_dose=True),
            multi("modality", "Modality", "检查方式", "imaging_modality"),
            yes_no(
                "measurable_lesion",
                "At least one measurable lesion",
                "至少有一个可测量病灶",
            ),
            yes_no("metastases", "Metastases present", "存在转移"),
            multi(
                "metastatic_sites",
                "Metastatic sites",
                "转移部位",
                "metastatic_site",
                enabled_by=("metastases", ("yes",)),
            ),
        ),
    ),
)

TREATMENT = Form(
    "treatment",
    Label("Regorafenib treatment", "瑞戈非尼治疗"),
    Phase.TREATMENT,
    (
        section(
            "start",
            "Start of treatment",
            "治疗开始",
            date("first_dose_date", "Date of first dose (day 1)", "首次给药日期(第1天)"),
            daily_dose(
                "initial_daily_dose",
                "Initial daily dose",
                "起始日剂量",
            ),
        ),
        section(
            "end",
            "Treatment status",
            "治疗状态",
            choice("treatment_status", "Treatment status", "治疗状态", "treatment_status"),
            date(
                "last_dose_date",
                "Date of last dose",
                "末次给药日期",
                after_first_dose=True,
                enabled_by=("treatment_status", ("discontinued",)),
            ),
            choice(
                "discontinuation_reason",
                "Reason for discontinuation",
                "停药原因",
                "discontinuation_reason",
                enabled_by=("treatment_status", ("discontinued",)),
            ),
        ),
        section(
            "summary",
            "Treatment summary (computed)",
            "治疗小结(自动计算)",
            integer("number_of_cycles", "Number of cycles", "治疗周期数", 0, 500, derived="dosing"),
            decimal(
                "cumulative_dose",
                "Cumulative dose",
                "累积剂量",
                0,
                1_000_000,
                decimals=0,
                units=MG,
                derived="dosing",
            ),
            decimal(
                "relative_dose_intensity",
                "Relative dose intensity",
                "相对剂量强度",
                0,
                1000,
                decimals=0,
                units=(Unit("%"),),
                derived="dosing",
            ),
            integer("dose_reductions", "Dose reductions", "减量次数", 0, 500, derived="dosing"),
            integer(
                "dose_interruptions", "Interruptions", "暂停用药次数", 0, 500, derived="dosing"
            ),
            decimal(
                "final_daily_dose",
                "Final daily dose",
                "最终日剂量",
                0,
                400,
                decimals=0,
                units=MG,
                derived="dosing",
            ),
            choice(
                "best_overall_response",
                "Best overall response",
                "最佳总体疗效",
                "response",
                derived="best_response",
            ),
            integer(
                "time_to_best_response",
                "Time to best response",
                "达到最佳疗效时间",
                0,
                10_000,
                units=DAYS,
                derived="best_response",
            ),
        ),
    ),
)

CYCLES = Form(
    "cycles",
    Label("Treatment cycles", "治疗周期"),
    Phase.TREATMENT,
    (
        section(
            "cycle",
            "Cycle",
            "周期",
            integer("cycle_number", "Cycle number", "周期序号", 1, 500),
            date(
                "start_date",
                "Cycle start (day 1 of cycle)",
                "周期开始日期(周期第1天)",
                after_first_dose=True,
            ),
            daily_dose(
                "daily_dose",
                "Daily dose at cycle start",
                "周期开始时日剂量",
            ),
            date(
                "dosing_end_date",
                "Last dosing day in this cycle",
                "本周期末次服药日期",
                after_first_dose=True,
            ),
            integer("ecog", "ECOG before the cycle", "周期前ECOG评分", 0, 4),
        ),
        section(
            "liver",
            "Liver function before the cycle",
            "周期前肝功能",
            *liver_function_fields(before_first_dose=False),
        ),
        section("labs", "Blood counts before day 1", "第1天前血常规", *blood_count_fields()),
    ),
    repeating=True,
    item_label=Label("Cycle", "周期"),
    order_by="start_date",
    summary_fields=("cycle_number", "start_date", "daily_dose", "dosing_end_date"),
)

DOSE_CHANGES = Form(
    "dose_changes",
    Label("Dose changes and interruptions", "剂量调整及暂停"),
    Phase.TREATMENT,
    (
        section(
            "change",
            "Dose change",
            "剂量调整",
            date("change_date", "Date", "日期", after_first_dose=True),
            choice("method", "Method", "方式", "dose_change_method"),
            daily_dose(
                "new_daily_dose",
                "New daily dose",
                "调整后日剂量",
                required=False,
                enabled_by=("method", ("reduction", "escalation", "restart")),
            ),
            choice("reason", "Reason", "原因", "dose_change_reason"),
        ),
    ),
    repeating=True,
    item_label=Label("Dose change", "剂量调整"),
    order_by="change_date",
    summary_fields=("change_date", "method", "new_daily_dose", "reason"),
)

RESPONSE_ASSESSMENTS = Form(
    "response_assessments",
    Label("Response assessments", "疗效评估"),
    Phase.TREATMENT,
    (
        section(
            "assessment",
            "Assessment",
            "评估",
            date("assessment_date", "Assessment date", "评估日期", after_first_dose=True),
            date(
                "imaging_date",
                "Imaging date",
                "影像检查日期",
                required=False,
                after_first_dose=True,
            ),
            choice("modality", "Modality", "检查方式", "imaging_modality"),
            choice("criteria", "Criteria", "评价标准", "response_criteria"),
            choice("overall_response", "Overall response", "总体疗效", "response"),
            choice("new_lesions", "New lesions", "新发病灶", "yes_no_unknown"),
            multi(
                "metastatic_sites",
                "Metastatic sites",
                "转移部位",
                "metastatic_site",
                required=False,
            ),
        ),
    ),
    repeating=True,
    item_label=Label("Assessment", "评估"),
    order_by="assessment_date",
    summary_fields=("assessment_date", "criteria", "overall_response"),
)

ADVERSE_EVENTS = Form(
    "adverse_events",
    Label("Adverse events", "不良事件"),
    Phase.TREATMENT,
    (
        section(
            "event",
            "Adverse event",
            "不良事件",
            choice("term", "CTCAE v5.0 term", "CTCAE 5.0术语", "ctcae_term"),
            text(
                "term_other",
                "Other term (specify)",
                "其他术语(请注明)",
                free_text=True,
                enabled_by=("term", ("other",)),
            ),
            integer("grade", "CTCAE grade", "CTCAE分级", 1, 5),
            date("onset_date", "Onset date", "发生日期", after_first_dose=True),
            date("resolution_date", "Resolution date", "缓解日期", required=False),
            yes_no("serious", "Serious", "严重不良事件"),
            choice("relation", "Relation to regorafenib", "与瑞戈非尼的关系", "ae_relation"),
            choice("action", "Action taken with regorafenib", "对瑞戈非尼采取的措施", "ae_action"),
            choice("outcome", "Outcome", "转归", "ae_outcome"),
        ),
    ),
    repeating=True,
    item_label=Label("Adverse event", "不良事件"),
    order_by="onset_date",
    summary_fields=("term", "grade", "onset_date", "outcome"),
)

PROGRESSION = Form(
    "progression",
    Label("Progression", "疾病进展"),
    Phase.FOLLOW_UP,
    (
        section(
            "progression",
            "First progression",
            "首次进展",
            yes_no("progressed", "Disease progression documented", "已记录疾病进展"),
            date(
                "progression_date",
                "Date of first progression",
                "首次进展日期",
                after_first_dose=True,
                enabled_by=("progressed", ("yes",)),
            ),
            multi(
                "pattern",
                "Pattern of progression",
                "进展模式",
                "progression_pattern",
                enabled_by=("progressed", ("yes",)),
            ),
        ),
    ),
)

SUBSEQUENT_TREATMENTS = Form(
    "subsequent_treatments",
    Label("Subsequent treatments", "后续治疗"),
    Phase.FOLLOW_UP,
    (
        section(
            "regimen",
            "Regimen",
            "治疗方案",
            choice("regimen", "Regimen", "治疗方案", "regimen"),
            text(
                "regimen_other",
                "Other regimen (specify)",
                "其他方案(请注明)",
                free_text=True,
                enabled_by=("regimen", ("other",)),
            ),
            date("start_date", "Start date", "开始日期", after_first_dose=True),
            date("end_date", "End date", "结束日期", required=False),
            decimal("dose", "Dose", "剂量", 0, 100_000, required=False),
            choice("dose_unit", "Dose unit", "剂量单位", "dose_unit", required=False),
            integer("cycles", "Number of cycles", "周期数", 0, 500, required=False),
            choice("best_response", "Efficacy (best response)", "疗效(最佳疗效)", "response"),
        ),
    ),
    repeating=True,
    item_label=Label("Regimen", "治疗方案"),
    order_by="start_date",
    summary_fields=("regimen", "start_date", "best_response"),
)

SURVIVAL = Form(
    "survival",
    Label("Survival status", "生存状态"),
    Phase.FOLLOW_UP,
    (
        section(
            "survival",
            "Survival",
            "生存",
            choice("status", "Survival status", "生存状态", "survival_status"),
            date(
                "last_follow_up_date",
                "Date of last follow-up (last known alive)",
                "末次随访日期(最后已知存活)",
                after_first_dose=True,
            ),
            date(
                "death_date",
                "Date of death",
                "死亡日期",
                after_first_dose=True,
                enabled_by=("status", ("dead",)),
            ),
            choice(
                "death_cause",
                "Cause of death",
                "死亡原因",
                "death_cause",
                enabled_by=("status", ("dead",)),
            ),
        ),
    ),
)

# What retrospective charts lack (design.md section 8), declared once: the reasons a
# missing value may be recorded with, and the dates charts often give as YYYY or
# YYYY-MM. Eligibility answers, the first dose and the dosing entries need real values.
ND, UNK, NA = MissingReason.NOT_DONE, MissingReason.UNKNOWN, MissingReason.NOT_APPLICABLE
LAB_MISSING = (ND, UNK)
_LAB_FIELDS = (
    "liver_date",
    "bilirubin",
    "albumin",
    "inr",
    "alt",
    "ast",
    "ascites",
    "encephalopathy",
    "haemoglobin",
    "wbc",
    "neutrophils",
    "platelets",
    "creatinine",
    "afp",
    "pivka_ii",
)
MISSING_REASONS: dict[tuple[str, str], tuple[MissingReason, ...]] = {
    **{
        (form.id, f): LAB_MISSING
        for form in (BASELINE_LIVER, CYCLES, LAB_TESTS)
        for f in _LAB_FIELDS
        if form.has_field(f)
    },
    ("primary_tumour", "afp"): LAB_MISSING,
    ("primary_tumour", "largest_diameter"): LAB_MISSING,
    ("demographics", "ecog"): (ND, UNK),
    ("demographics", "height"): (ND, UNK),
    ("demographics", "weight"): (ND, UNK),
    ("cycles", "ecog"): (ND, UNK),
    ("hcc_history", "aetiology"): (UNK,),
    ("hcc_history", "cirrhosis"): (UNK,),
    ("genetic_tests", "result"): (ND, UNK),
    ("baseline_imaging", "measurable_lesion"): (UNK,),
    ("adverse_events", "relation"): (UNK,),
    ("adverse_events", "resolution_date"): (UNK, NA),
    ("survival", "death_cause"): (UNK,),
}
PARTIAL_DATES: frozenset[tuple[str, str]] = frozenset(
    {
        ("hcc_history", "hcc_diagnosis_date"),
        ("hcc_history", "advanced_diagnosis_date"),
        ("medical_history", "start_date"),
        ("medical_history", "end_date"),
        ("prior_treatments", "start_date"),
        ("prior_treatments", "end_date"),
        ("subsequent_treatments", "start_date"),
        ("subsequent_treatments", "end_date"),
        ("adverse_events", "onset_date"),
        ("adverse_events", "resolution_date"),
        ("survival", "death_date"),
    }
)
# A partial date may also be unknown altogether.
for _key in PARTIAL_DATES:
    MISSING_REASONS.setdefault(_key, (UNK,))


def _charted(form: Form) -> Form:
    """``form`` with the missing reasons and partial dates declared above."""

    def field(f: Field) -> Field:
        key = (form.id, f.id)
        return replace(
            f, missing_reasons=MISSING_REASONS.get(key, ()), partial_date=key in PARTIAL_DATES
        )

    sections = tuple(replace(s, fields=tuple(field(f) for f in s.fields)) for s in form.sections)
    return replace(form, sections=sections)


STUDY = StudyDefinition(
    id="REGO-HCC-RWS",
    version="1.0",
    title=Label(
        "A real-world study of regorafenib in hepatocellular carcinoma",
        "瑞戈非尼治疗肝细胞癌的真实世界研究",
    ),
    forms=tuple(
        _charted(form)
        for form in (
            ELIGIBILITY,
            IDENTIFICATION,
            DEMOGRAPHICS,
            HCC_HISTORY,
            MEDICAL_HISTORY,
            PRIMARY_TUMOUR,
            PRIOR_TREATMENTS,
            BASELINE_LIVER,
            LAB_TESTS,
            GENETIC_TESTS,
            BASELINE_IMAGING,
            TREATMENT,
            CYCLES,
            DOSE_CHANGES,
            RESPONSE_ASSESSMENTS,
            ADVERSE_EVENTS,
            PROGRESSION,
            SUBSEQUENT_TREATMENTS,
            SURVIVAL,
        )
    ),
    codelists={c.id: c for c in cl.ALL},
)
