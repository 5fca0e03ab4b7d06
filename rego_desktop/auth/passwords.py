"""Password rules, shown to people before they choose one."""

from __future__ import annotations

from rego_desktop.study.schema import Label

MIN_LENGTH = 10

RULES = Label(
    f"At least {MIN_LENGTH} characters, with letters and digits, and not containing the user name.",
    f"至少{MIN_LENGTH}个字符,须同时包含字母和数字,且不能包含用户名。",
)


def password_problems(password: str, username: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"it has {len(password)} characters; at least {MIN_LENGTH} are needed")
    if not any(c.isalpha() for c in password):
        problems.append("it has no letter")
    if not any(c.isdigit() for c in password):
        problems.append("it has no digit")
    if username and username.casefold() in password.casefold():
        problems.append("it contains the user name")
    if password and len(set(password)) < 4:
        problems.append("it repeats too few different characters")
    return problems
