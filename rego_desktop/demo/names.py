"""Synthetic Chinese names and hospital record numbers for demo patients.

Names are a common surname plus one or two given-name characters drawn from small
lists, so they look real without belonging to anyone in particular. Record numbers
are a bijection of the patient's running number, so they never repeat in one study.
"""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"  # 26 common surnames
    "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"  # and 26 more
)
GIVEN_MALE = "伟强军勇杰涛明斌刚平辉鹏华建国志海波林峰磊东文宇俊晓永德成金福庆春"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲燕红梅琳婷雪慧颖萍兰英玉桂琴凤晶洁月翠琼"

# 7919 is prime and coprime to 10**8, so index -> number is one-to-one below 10**8.
_RECORD_MULTIPLIER = 7919
_RECORD_OFFSET = 1_048_573
_RECORD_MODULUS = 10**8


def chinese_name(rng: random.Random, sex: str) -> str:
    """Surname and a one- or two-character given name matching ``sex``."""
    pool = GIVEN_MALE if sex == "male" else GIVEN_FEMALE
    given_length = 1 if rng.random() < 0.35 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(pool) for _ in range(given_length))


def hospital_record_number(index: int) -> str:
    """A 住院号-style number unique for every ``index`` below 10**8."""
    number = (index * _RECORD_MULTIPLIER + _RECORD_OFFSET) % _RECORD_MODULUS
    return f"ZY{number:08d}"
