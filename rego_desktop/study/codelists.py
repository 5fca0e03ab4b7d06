"""Code lists of the regorafenib HCC study (version 1).

Values are stable identifiers stored in the database and written to exports; labels
are what people read. Never rename a value once data exist: add a new one.

Synonyms (the optional last item of an entry) are the other names charts use, in
English and Chinese; typing or importing one picks the code. They are never stored,
so adding one changes no data and needs no new version of the definition. A synonym
may be shared by two codes on purpose ("transaminases" is ALT or AST): typing it then
asks which one.
"""

from __future__ import annotations

from rego_desktop.study.schema import Code, CodeList, Label

Entry = tuple[str, str, str] | tuple[str, str, str, tuple[str, ...]]
AeEntry = tuple[str, str, str, int] | tuple[str, str, str, int, tuple[str, ...]]


def _codes(list_id: str, *entries: Entry) -> CodeList:
    codes = []
    for entry in entries:
        value, en, zh = entry[:3]
        synonyms = entry[3] if len(entry) == 4 else ()
        codes.append(Code(value, Label(en, zh), synonyms=synonyms))
    return CodeList(list_id, tuple(codes))


def _ae_terms(*entries: AeEntry) -> CodeList:
    codes = []
    for entry in entries:
        value, en, zh, grade = entry[:4]
        synonyms = entry[4] if len(entry) == 5 else ()
        codes.append(
            Code(
                value,
                Label(en, zh),
                max_grade=grade,
                synonyms=synonyms,
                meddra_llt=MEDDRA_LLT.get(value),
            )
        )
    return CodeList("ctcae_term", tuple(codes))


YES_NO_UNKNOWN = _codes(
    "yes_no_unknown",
    ("yes", "Yes", "是"),
    ("no", "No", "否"),
    ("unknown", "Unknown", "不详"),
)

SEX = _codes(
    "sex",
    ("male", "Male", "男", ("M", "男性")),
    ("female", "Female", "女", ("F", "女性")),
)


HCC_DIAGNOSIS_BASIS = _codes(
    "hcc_diagnosis_basis",
    ("histology", "Histology", "组织学"),
    ("cytology", "Cytology", "细胞学"),
    ("clinical", "Clinical criteria (imaging and AFP)", "临床诊断标准(影像及AFP)"),
)

AETIOLOGY = _codes(
    "aetiology",
    ("hbv", "Hepatitis B (HBV)", "乙型肝炎(HBV)"),
    ("hcv", "Hepatitis C (HCV)", "丙型肝炎(HCV)"),
    ("alcohol", "Alcohol", "酒精"),
    ("masld", "MASLD (fatty liver disease)", "代谢相关脂肪性肝病(MASLD)"),
    ("other", "Other", "其他"),
)

TUMOUR_SITE = _codes(
    "tumour_site",
    ("right_lobe", "Right lobe", "右叶"),
    ("left_lobe", "Left lobe", "左叶"),
    ("caudate_lobe", "Caudate lobe", "尾状叶"),
    ("both_lobes", "Both lobes", "双叶"),
)

LESION_COUNT = _codes(
    "lesion_count",
    ("1", "1", "1"),
    ("2", "2", "2"),
    ("3", "3", "3"),
    ("more_than_3", "More than 3", "多于3个"),
)

PVTT = _codes(
    "pvtt",
    ("none", "None", "无"),
    ("vp1", "Vp1 (segmental branch)", "Vp1(肝段分支)"),
    ("vp2", "Vp2 (second-order branch)", "Vp2(二级分支)"),
    ("vp3", "Vp3 (first-order branch)", "Vp3(一级分支)"),
    ("vp4", "Vp4 (main trunk)", "Vp4(主干)"),
)

BCLC = _codes(
    "bclc",
    ("0", "0 - Very early", "0期 - 极早期"),
    ("A", "A - Early", "A期 - 早期"),
    ("B", "B - Intermediate", "B期 - 中期"),
    ("C", "C - Advanced", "C期 - 进展期"),
    ("D", "D - Terminal", "D期 - 终末期"),
)

REGIMEN = _codes(
    "regimen",
    ("sorafenib", "Sorafenib", "索拉非尼"),
    ("lenvatinib", "Lenvatinib", "仑伐替尼"),
    ("donafenib", "Donafenib", "多纳非尼"),
    ("atezolizumab_bevacizumab", "Atezolizumab + bevacizumab", "阿替利珠单抗+贝伐珠单抗"),
    ("sintilimab_ibi305", "Sintilimab + bevacizumab biosimilar", "信迪利单抗+贝伐珠单抗类似物"),
    ("camrelizumab_apatinib", "Camrelizumab + apatinib", "卡瑞利珠单抗+阿帕替尼"),
    ("durvalumab_tremelimumab", "Durvalumab + tremelimumab", "度伐利尤单抗+替西木单抗"),
    ("tislelizumab", "Tislelizumab", "替雷利珠单抗"),
    ("pd1_other", "Other PD-1/PD-L1 antibody", "其他PD-1/PD-L1抗体"),
    ("apatinib", "Apatinib", "阿帕替尼"),
    ("cabozantinib", "Cabozantinib", "卡博替尼"),
    ("ramucirumab", "Ramucirumab", "雷莫西尤单抗"),
    ("folfox4", "FOLFOX4 chemotherapy", "FOLFOX4化疗"),
    ("tace", "TACE", "经动脉化疗栓塞(TACE)"),
    ("haic", "HAIC", "肝动脉灌注化疗(HAIC)"),
    ("radiotherapy", "Radiotherapy", "放疗"),
    ("ablation", "Ablation", "消融"),
    ("surgery", "Surgical resection", "手术切除"),
    ("other", "Other", "其他"),
)

RESPONSE = _codes(
    "response",
    ("CR", "CR - Complete response", "CR - 完全缓解"),
    ("PR", "PR - Partial response", "PR - 部分缓解"),
    ("SD", "SD - Stable disease", "SD - 疾病稳定"),
    ("PD", "PD - Progressive disease", "PD - 疾病进展"),
    ("NE", "NE - Not evaluable", "NE - 无法评估"),
)

STOP_REASON = _codes(
    "stop_reason",
    ("progression", "Disease progression", "疾病进展"),
    ("toxicity", "Toxicity / adverse event", "毒性/不良事件"),
    ("completed", "Planned course completed", "按计划完成"),
    ("patient_decision", "Patient decision", "患者决定"),
    ("physician_decision", "Physician decision", "医生决定"),
    ("cost", "Cost or access", "费用或可及性"),
    ("death", "Death", "死亡"),
    ("lost", "Lost to follow-up", "失访"),
    ("other", "Other", "其他"),
)

ASCITES = _codes(
    "ascites",
    ("none", "None", "无"),
    ("mild", "Mild", "轻度"),
    ("moderate_severe", "Moderate to severe", "中至重度"),
)

ENCEPHALOPATHY = _codes(
    "encephalopathy",
    ("none", "None", "无"),
    ("grade_1_2", "Grade 1-2", "1-2级"),
    ("grade_3_4", "Grade 3-4", "3-4级"),
)

LAB_TIMING = _codes(
    "lab_timing",
    ("before_first_dose", "Before the first dose", "首次给药前"),
    ("after_first_dose", "After the first dose", "首次给药后"),
)

GENETIC_RESULT = _codes(
    "genetic_result",
    ("detected", "Detected / positive", "检出/阳性"),
    ("not_detected", "Not detected / negative", "未检出/阴性"),
    ("inconclusive", "Inconclusive", "结果不确定"),
)

IMAGING_MODALITY = _codes(
    "imaging_modality",
    ("ct", "CT", "CT"),
    ("mri", "MRI", "MRI"),
    ("pet_ct", "PET-CT", "PET-CT"),
    ("bone_scan", "Bone scan", "全身骨扫描"),
    ("ultrasound", "Ultrasound (contrast)", "超声造影"),
)

METASTATIC_SITE = _codes(
    "metastatic_site",
    ("lymph_node", "Lymph node", "淋巴结"),
    ("bone", "Bone", "骨"),
    ("lung", "Lung", "肺"),
    ("adrenal", "Adrenal gland", "肾上腺"),
    ("peritoneum", "Peritoneum", "腹膜"),
    ("brain", "Brain", "脑"),
    ("other", "Other", "其他"),
)

RESPONSE_CRITERIA = _codes(
    "response_criteria",
    ("recist_1_1", "RECIST 1.1", "RECIST 1.1", ("RECIST v1.1", "RECIST1.1")),
    ("mrecist", "mRECIST", "mRECIST", ("modified RECIST", "改良RECIST")),
)

TREATMENT_STATUS = _codes(
    "treatment_status",
    ("ongoing", "Ongoing", "仍在用药"),
    ("discontinued", "Discontinued", "已停药"),
)

DOSE_CHANGE_METHOD = _codes(
    "dose_change_method",
    ("reduction", "Dose reduction", "减量"),
    ("escalation", "Dose escalation", "加量"),
    ("interruption", "Interruption", "暂停用药"),
    ("restart", "Re-start", "恢复用药"),
)

DOSE_CHANGE_REASON = _codes(
    "dose_change_reason",
    ("adverse_event", "Adverse event", "不良事件"),
    ("planned_escalation", "Planned dose escalation (e.g. ReDOS)", "计划内剂量递增(如ReDOS)"),
    ("tolerability_improved", "Tolerability improved", "耐受性改善"),
    ("patient_decision", "Patient decision", "患者决定"),
    ("physician_decision", "Physician decision", "医生决定"),
    ("surgery_procedure", "Surgery or procedure", "手术或操作"),
    ("other", "Other", "其他"),
)

DISCONTINUATION_REASON = _codes(
    "discontinuation_reason",
    ("progression", "Disease progression", "疾病进展"),
    ("adverse_event", "Adverse event", "不良事件"),
    ("death", "Death", "死亡"),
    ("patient_decision", "Patient decision", "患者决定"),
    ("physician_decision", "Physician decision", "医生决定"),
    ("lost", "Lost to follow-up", "失访"),
    ("other", "Other", "其他"),
)

AE_RELATION = _codes(
    "ae_relation",
    ("not_related", "Not related", "无关"),
    ("unlikely", "Unlikely related", "可能无关"),
    ("possible", "Possibly related", "可能有关"),
    ("probable", "Probably related", "很可能有关"),
    ("definite", "Definitely related", "肯定有关"),
)

AE_ACTION = _codes(
    "ae_action",
    ("none", "Dose not changed", "剂量未改变"),
    ("reduced", "Dose reduced", "减量"),
    ("interrupted", "Drug interrupted", "暂停用药"),
    ("withdrawn", "Drug withdrawn", "永久停药"),
    ("not_applicable", "Not applicable", "不适用"),
)

AE_OUTCOME = _codes(
    "ae_outcome",
    ("recovered", "Recovered / resolved", "痊愈"),
    ("recovering", "Recovering / resolving", "好转"),
    ("not_recovered", "Not recovered / not resolved", "未痊愈"),
    ("sequelae", "Recovered with sequelae", "痊愈伴后遗症"),
    ("fatal", "Fatal", "死亡"),
    ("unknown", "Unknown", "不详"),
)


# MedDRA lowest-level-term code of each CTCAE v5.0 term below (CTCAE's "MedDRA Code"),
# declared once; SDTM AE's AELLTCD comes from it. Each code was checked against public
# CTCAE-to-MedDRA listings (a CTCAE v5.0 term table and/or the CTCAE v4.03 MedDRA code
# list, whose codes v5.0 kept for these unchanged terms; see rego_desktop/cdisc/
# meddra_sources.py). A term whose code could not be checked has none; "other" has
# none by nature (the package's README.txt names both).
MEDDRA_LLT: dict[str, int] = {
    "ppes": 10054524,
    "hypertension": 10020772,
    "diarrhea": 10012727,
    "fatigue": 10016256,
    "anorexia": 10002646,
    "weight_loss": 10047900,
    "hoarseness": 10020201,
    "mucositis_oral": 10028130,
    "rash": 10037868,
    "nausea": 10028813,
    "vomiting": 10047700,
    "abdominal_pain": 10000081,
    "fever": 10016558,
    "proteinuria": 10037032,
    "hypothyroidism": 10021114,
    "bilirubin_increased": 10005364,
    "ast_increased": 10003481,
    "alt_increased": 10001551,
    "platelet_decreased": 10035528,
    "neutrophil_decreased": 10029366,
    "anemia": 10002272,
    "hypophosphatemia": 10021059,
    "lipase_increased": 10024574,
    "ascites": 10003445,
    "hepatic_failure": 10019663,
    "gi_hemorrhage": 10055356,
    "alopecia": 10001760,
    "dysgeusia": 10013911,
}

# CTCAE v5.0 terms most often reported with regorafenib; max_grade is the term's
# highest grade in CTCAE v5.0.
CTCAE_TERM = _ae_terms(
    (
        "ppes",
        "Palmar-plantar erythrodysesthesia syndrome",
        "手足综合征",
        3,
        (
            "hand-foot skin reaction",
            "hand-foot syndrome",
            "hand-foot",
            "hand foot",
            "HFSR",
            "HFS",
            "PPE",
            "palmar-plantar",
            "手足",
            "手足皮肤反应",
        ),
    ),
    ("hypertension", "Hypertension", "高血压", 5, ("HTN", "high blood pressure", "血压升高")),
    ("diarrhea", "Diarrhea", "腹泻", 5, ("diarrhoea",)),
    ("fatigue", "Fatigue", "乏力", 3, ("asthenia", "tiredness", "疲乏", "疲劳")),
    (
        "anorexia",
        "Anorexia",
        "食欲减退",
        5,
        ("decreased appetite", "loss of appetite", "食欲下降", "食欲不振", "纳差"),
    ),
    ("weight_loss", "Weight loss", "体重下降", 3, ("体重减轻",)),
    ("hoarseness", "Hoarseness", "声音嘶哑", 3, ("dysphonia", "声嘶")),
    ("mucositis_oral", "Mucositis oral", "口腔黏膜炎", 5, ("stomatitis", "口腔炎")),
    ("rash", "Rash maculo-papular", "斑丘疹", 3, ("maculopapular rash", "皮疹")),
    ("nausea", "Nausea", "恶心", 3),
    ("vomiting", "Vomiting", "呕吐", 5),
    ("abdominal_pain", "Abdominal pain", "腹痛", 3),
    ("fever", "Fever", "发热", 5, ("pyrexia", "发烧")),
    ("proteinuria", "Proteinuria", "蛋白尿", 3, ("urine protein", "尿蛋白")),
    ("hypothyroidism", "Hypothyroidism", "甲状腺功能减退", 5, ("甲减",)),
    (
        "bilirubin_increased",
        "Blood bilirubin increased",
        "血胆红素升高",
        4,
        ("hyperbilirubinaemia", "hyperbilirubinemia", "高胆红素血症", "胆红素升高"),
    ),
    (
        "ast_increased",
        "Aspartate aminotransferase increased",
        "天门冬氨酸氨基转移酶升高",
        4,
        (
            "AST",
            "AST increased",
            "SGOT",
            "transaminases increased",
            "AST升高",
            "谷草转氨酶升高",
            "转氨酶升高",
        ),
    ),
    (
        "alt_increased",
        "Alanine aminotransferase increased",
        "丙氨酸氨基转移酶升高",
        4,
        (
            "ALT",
            "ALT increased",
            "SGPT",
            "transaminases increased",
            "ALT升高",
            "谷丙转氨酶升高",
            "转氨酶升高",
        ),
    ),
    (
        "platelet_decreased",
        "Platelet count decreased",
        "血小板计数降低",
        4,
        ("thrombocytopenia", "low platelets", "血小板减少", "血小板减少症"),
    ),
    (
        "neutrophil_decreased",
        "Neutrophil count decreased",
        "中性粒细胞计数降低",
        4,
        ("neutropenia", "中性粒细胞减少"),
    ),
    ("anemia", "Anemia", "贫血", 5, ("anaemia",)),
    ("hypophosphatemia", "Hypophosphatemia", "低磷血症", 5, ("hypophosphataemia",)),
    ("lipase_increased", "Lipase increased", "脂肪酶升高", 4),
    ("ascites", "Ascites", "腹水", 5),
    ("hepatic_failure", "Hepatic failure", "肝功能衰竭", 5, ("liver failure", "肝衰竭")),
    (
        "gi_hemorrhage",
        "Upper gastrointestinal hemorrhage",
        "上消化道出血",
        5,
        ("upper gastrointestinal haemorrhage", "upper GI bleeding"),
    ),
    ("alopecia", "Alopecia", "脱发", 2, ("hair loss",)),
    ("dysgeusia", "Dysgeusia", "味觉障碍", 2, ("taste alteration", "味觉改变")),
    ("other", "Other (specify)", "其他(请注明)", 5),
)

PROGRESSION_PATTERN = _codes(
    "progression_pattern",
    ("intrahepatic_growth", "Intrahepatic growth", "肝内病灶增大"),
    ("new_intrahepatic", "New intrahepatic lesion", "肝内新发病灶"),
    ("extrahepatic_growth", "Extrahepatic growth", "肝外病灶增大"),
    ("new_extrahepatic", "New extrahepatic lesion", "肝外新发病灶"),
    ("new_vascular_invasion", "New vascular invasion", "新发血管侵犯"),
)

SURVIVAL_STATUS = _codes(
    "survival_status",
    ("alive", "Alive", "存活"),
    ("dead", "Dead", "死亡"),
    ("lost", "Lost to follow-up", "失访"),
)

DEATH_CAUSE = _codes(
    "death_cause",
    ("progression", "Disease progression", "疾病进展"),
    ("adverse_event", "Adverse event", "不良事件"),
    ("liver_failure", "Liver failure not due to progression", "非进展所致肝功能衰竭"),
    ("other", "Other cause", "其他原因"),
    ("unknown", "Unknown", "不详"),
)

DOSE_UNIT = _codes(
    "dose_unit",
    ("mg", "mg", "mg"),
    ("mg_per_kg", "mg/kg", "mg/kg"),
    ("mg_per_m2", "mg/m²", "mg/m²"),
    ("not_applicable", "Not applicable (procedure)", "不适用(操作类治疗)"),
)

COMORBIDITY = _codes(
    "comorbidity",
    ("hypertension", "Hypertension", "高血压", ("HTN", "high blood pressure")),
    ("diabetes", "Diabetes mellitus", "糖尿病", ("DM",)),
    ("coronary_disease", "Coronary heart disease", "冠心病", ("CHD",)),
    ("chronic_kidney_disease", "Chronic kidney disease", "慢性肾病", ("CKD",)),
    ("varices", "Oesophageal or gastric varices", "食管胃底静脉曲张"),
    ("gi_bleeding", "Gastrointestinal bleeding", "消化道出血"),
    ("hiv", "HIV infection", "HIV感染"),
    ("other_malignancy", "Other malignancy (past)", "其他恶性肿瘤(既往)"),
    ("other", "Other", "其他"),
)

GENETIC_TEST = _codes(
    "genetic_test",
    ("tp53", "TP53 mutation", "TP53突变"),
    ("ctnnb1", "CTNNB1 mutation", "CTNNB1突变"),
    ("tert_promoter", "TERT promoter mutation", "TERT启动子突变"),
    ("axin1", "AXIN1 mutation", "AXIN1突变"),
    ("arid1a", "ARID1A mutation", "ARID1A突变"),
    ("fgf19", "FGF19 amplification", "FGF19扩增"),
    ("msi", "Microsatellite instability (MSI-H)", "微卫星高度不稳定(MSI-H)"),
    ("tmb_high", "High tumour mutational burden", "高肿瘤突变负荷"),
    ("other", "Other", "其他"),
)

CHILD_PUGH_CLASS = _codes(
    "child_pugh_class",
    ("A", "A (5-6 points)", "A级(5-6分)"),
    ("B", "B (7-9 points)", "B级(7-9分)"),
    ("C", "C (10-15 points)", "C级(10-15分)"),
)

ALBI_GRADE = _codes(
    "albi_grade",
    ("1", "Grade 1", "1级"),
    ("2", "Grade 2", "2级"),
    ("3", "Grade 3", "3级"),
)

ALL: tuple[CodeList, ...] = (
    YES_NO_UNKNOWN,
    SEX,
    HCC_DIAGNOSIS_BASIS,
    AETIOLOGY,
    TUMOUR_SITE,
    LESION_COUNT,
    PVTT,
    BCLC,
    REGIMEN,
    RESPONSE,
    STOP_REASON,
    ASCITES,
    ENCEPHALOPATHY,
    LAB_TIMING,
    GENETIC_RESULT,
    IMAGING_MODALITY,
    METASTATIC_SITE,
    RESPONSE_CRITERIA,
    TREATMENT_STATUS,
    DOSE_CHANGE_METHOD,
    DOSE_CHANGE_REASON,
    DISCONTINUATION_REASON,
    AE_RELATION,
    AE_ACTION,
    AE_OUTCOME,
    CTCAE_TERM,
    PROGRESSION_PATTERN,
    SURVIVAL_STATUS,
    DEATH_CAUSE,
    DOSE_UNIT,
    COMORBIDITY,
    GENETIC_TEST,
    CHILD_PUGH_CLASS,
    ALBI_GRADE,
)
