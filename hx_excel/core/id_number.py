"""Chinese resident ID number (公民身份号码, GB 11643-1999).

GB 11643-1999 defines the 18-character number: a 6-digit address code (the
county where the person was first registered), the birth date as YYYYMMDD, a
3-digit sequence code (odd for men, even for women) and a check character,
ISO 7064 MOD 11-2 over the first 17 digits, written ``X`` when it is 10.  The
15-digit numbers issued before 1999 have the birth date as YYMMDD (always
19YY) and no check character; they still turn up in old records.

The check is the same as python-stdnum's ``stdnum.cn.ric``, except that stdnum
also requires a birth place it knows, in force in the birth year.  We don't:
address codes change (520114 小河区 merged into 520111 花溪区, 520421 平坝县 became
520403 平坝区) and a number keeps the code it was issued under, so stdnum
rejects e.g. every 花溪区 number of someone born before 1983.  An unfamiliar
region is for the caller to warn about, never an error here.

In the style of python-stdnum: :func:`compact`, :func:`validate` (:func:`parse`
also hands back the birth date and sex),
:func:`is_valid`, :func:`mask`, and one exception per fault, all subclasses of
:class:`IdNumberError` (a ``ValueError``) carrying a Chinese message for the
clerk.  Messages never contain the full number, since check reports get
printed and passed on.
"""

from __future__ import annotations

import calendar
import numbers
from operator import mul
import re
import unicodedata
from datetime import date
from typing import Iterable, Iterator, Literal, NamedTuple, TypeVar

T = TypeVar("T")

__all__ = [
    "IdNumberError",
    "InvalidFormat",
    "StoredAsNumber",
    "InvalidLength",
    "InvalidChecksum",
    "InvalidBirthDate",
    "LegacyNumber",
    "compact",
    "check_char",
    "validate",
    "is_valid",
    "upgrade_legacy",
    "match_key",
    "birth_date",
    "sex",
    "age_on",
    "region_code",
    "mask",
    "make_valid",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")
_ZERO_SUM = ord("0") * sum(_WEIGHTS)    # check_char weighs the digits' character codes: minus this, their values
_MIN_BIRTH = date(1900, 1, 1)
# Chinese input methods produce full-width digits and X; fold them to ASCII.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d")


class IdNumberError(ValueError):
    """The text is not a usable resident ID number."""


class InvalidFormat(IdNumberError):
    """A character other than a digit, or an X that is not the last character."""


class StoredAsNumber(InvalidFormat):
    """The cell holds a number, not text: Excel has already dropped digits."""

    def __init__(self) -> None:
        super().__init__(
            "身份证号被存成了数字：Excel 只保留 15 位有效数字，后几位可能已变成 0。"
            "请把该列单元格格式设为“文本”，再对照身份证重新录入完整号码。"
        )


class InvalidLength(IdNumberError):
    """Neither 18 nor 15 characters."""

    def __init__(self, length: int) -> None:
        self.length = length
        if length == 0:
            message = "身份证号为空，请填写 18 位身份证号。"
        else:
            message = f"身份证号有 {length} 位，应为 18 位（旧证 15 位）。请对照身份证检查是否漏输或多输了数字。"
        super().__init__(message)


class InvalidChecksum(IdNumberError):
    """The last character does not match the first 17."""

    def __init__(self, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        # Warn against "fixing" the last character: that makes a mistyped number pass.
        super().__init__(
            f"身份证号校验码不符：按前 17 位计算最后一位应为“{expected}”，实际为“{actual}”。"
            "通常是前面某一位输错了，请对照身份证逐位核对，不要只改最后一位。"
        )


class InvalidBirthDate(IdNumberError):
    """The birth date is not a real date, is before 1900 or is in the future."""


class LegacyNumber(IdNumberError):
    """A well-formed old 15-digit number; ``upgraded`` is its 18-digit form."""

    def __init__(self, upgraded: str) -> None:
        self.upgraded = upgraded
        super().__init__(
            "这是 15 位旧身份证号，已停止使用。可换算为 18 位（在第 6 位后补“19”，末尾加校验码），"
            "请与户口簿或现行身份证核对后改填 18 位号码。"
        )


_PLAIN = re.compile(r"[0-9]{17}[0-9X]|[0-9]{15}")   # already compact: the common case, returned as is


def _clean(text: str) -> str:
    if _PLAIN.fullmatch(text):
        return text
    # Cf covers the invisible marks (zero-width space, BOM, bidi marks) that
    # come along when a number is copied from a web page or a Windows dialog.
    text = text.translate(_FULL_WIDTH)
    kept = (
        c for c in text if not c.isspace() and c not in _HYPHENS and unicodedata.category(c) != "Cf"
    )
    return "".join(kept).upper()


def compact(text: object) -> str:
    """Strip spaces, hyphens and invisible characters, fold full-width forms, upper-case.

    Only text is accepted: a number typed into a General-format cell has lost
    its trailing digits already.  ``None`` (an empty cell) compacts to "".
    """
    if text is None:
        return ""
    if isinstance(text, numbers.Number):
        raise StoredAsNumber()
    if not isinstance(text, str):
        raise InvalidFormat(f"身份证号应为文本，收到的是 {type(text).__name__}。请对照身份证重新录入。")
    return _clean(text)


def _check_format(number: str) -> None:
    if _PLAIN.fullmatch(number):
        return
    last = len(number) - 1
    for i, c in enumerate(number):
        if c in _DIGITS or (c == "X" and i == last and len(number) != 15):
            continue
        rule = "15 位旧号码只能由数字组成" if len(number) == 15 else "只能由数字组成，最后一位可以是 X"
        raise InvalidFormat(f"身份证号第 {i + 1} 位是“{c}”，不合规：{rule}。请对照身份证重新录入。")


def check_char(first17: str) -> str:
    """The GB 11643 check character (0-9 or X) for the first 17 digits."""
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError(f"check_char needs 17 ASCII digits, got {len(first17)} characters")
    return _CHECK_CHARS[(sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ZERO_SUM) % 11]


def _body(number: str) -> str:
    """The first 17 digits of a compact 15- or 18-character number (15 gets "19" inserted)."""
    _check_format(number)
    if len(number) == 15:
        return number[:6] + "19" + number[6:]
    if len(number) == 18:
        return number[:17]
    raise InvalidLength(len(number))


def _birth(body: str) -> date:
    digits = body[6:14]
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidBirthDate(
            f"身份证号中的出生日期“{digits}”不是有效日期（第 7–14 位应为出生年月日）。请对照身份证核对。"
        ) from None
    if born < _MIN_BIRTH:
        raise InvalidBirthDate(f"身份证号中的出生日期 {born:%Y年%m月%d日} 早于 1900 年，不可能。请核对第 7–14 位。")
    return born


def _check_not_future(born: date, on: date) -> None:
    if born > on:
        raise InvalidBirthDate(
            f"身份证号中的出生日期 {born:%Y年%m月%d日} 晚于 {on:%Y年%m月%d日}，不可能。请核对第 7–14 位。"
        )


class Parsed(NamedTuple):
    number: str                   # the compact 18-character number
    born: date
    sex: Literal["男", "女"]


def parse(text: object, on: date | None = None) -> Parsed:
    """:func:`validate`, handing back the birth date and sex read on the way (the core needs all three for every
    member of every household)."""
    number = compact(text)
    body = _body(number)
    born = _birth(body)
    _check_not_future(born, on or date.today())
    if len(number) == 15:
        raise LegacyNumber(body + check_char(body))
    expected = check_char(body)
    if number[17] != expected:
        raise InvalidChecksum(expected, number[17])
    return Parsed(number, born, _sex_of(body))


def validate(text: object, on: date | None = None) -> str:
    """Return the compact 18-character number or raise an :class:`IdNumberError`.

    ``on`` (default today) is the date the birth date must not be after.
    A valid 15-digit number raises :class:`LegacyNumber`.
    """
    return parse(text, on).number


def is_valid(text: object, on: date | None = None) -> bool:
    """Whether :func:`validate` accepts the text."""
    try:
        validate(text, on)
    except IdNumberError:
        return False
    return True


def upgrade_legacy(number15: str) -> str:
    """Convert an old 15-digit number to 18 digits: insert "19" before YYMMDD and add the check character."""
    number = compact(number15)
    if len(number) != 15:
        raise InvalidLength(len(number))
    body = _body(number)
    _birth(body)
    return body + check_char(body)


def match_key(value: object) -> str:
    """The form two lists are matched by (a department's list against the ledgers): compact, and a 15-digit number
    upgraded to its 18-digit form. A number stored as a number is taken only when no digit can have been lost (15
    digits: Excel keeps 15), else StoredAsNumber — never guessed. The check character is not required: a number is
    matched as written, and one mistyped in a list matches nobody. InvalidLength / InvalidFormat otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 10**14 <= value < 10**15:
            value = str(int(value))
        else:
            raise StoredAsNumber()
    number = compact(value)
    if len(number) not in (15, 18):
        raise InvalidLength(len(number))
    _check_format(number)
    return upgrade_legacy(number) if len(number) == 15 else number


# The accessors below read 18- or 15-character numbers and do not verify the
# check character, so a number with a typo elsewhere still yields its parts:
# call validate() to know whether it is right.


def birth_date(number: str) -> date:
    """The birth date encoded in the number."""
    return _birth(_body(compact(number)))


def sex(number: str) -> Literal["男", "女"]:
    """The sex from the sequence code: odd 17th digit (15th of 15) is "男", even is "女"."""
    return _sex_of(_body(compact(number)))


def _sex_of(body: str) -> Literal["男", "女"]:
    return "男" if int(body[16]) % 2 else "女"


def age_on(number: str, on: date) -> int:
    """Completed years on ``on``; a 29 February birthday falls on 1 March in common years."""
    born = birth_date(number)
    _check_not_future(born, on)
    return age_of(born, on)


def age_of(born: date, on: date) -> int:
    """Completed years on ``on`` of someone born on ``born`` (29 February: 1 March in common years)."""
    birthday = (born.month, born.day)
    if birthday == (2, 29) and not calendar.isleap(on.year):
        birthday = (3, 1)
    return on.year - born.year - ((on.month, on.day) < birthday)


def region_code(number: str) -> str:
    """The 6-digit address code; not checked against any list (codes change over time)."""
    return _body(compact(number))[:6]


def mask(number: object) -> str:
    """The number for print: 18/15 keep the first 6 and last 4, anything else only the last 4.

    Never raises, so a malformed number is masked too rather than printed whole.
    """
    text = "" if number is None else _clean(str(number))
    if len(text) in (15, 18):
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return "*" * max(len(text) - 4, 0) + text[-4:]


_SHAPED = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")


def _looks_like_id(number: str) -> bool:
    """18 or 15 characters whose birth-date part is a real day: an ID number, valid or mistyped."""
    try:
        if len(number) == 18:
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        else:
            born = date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2099


def mask_in(text: object) -> object:
    """`text` with every ID-shaped run of digits in it masked (`mask`) — a full ID typed as 户编号, or quoted in a
    message — for anything printed or sent upward. Other values are returned as they are."""
    if not isinstance(text, str) or len(text) < 15:
        return text
    return _SHAPED.sub(lambda m: mask(m.group(0)) if _looks_like_id(m.group(0)) else m.group(0), text)


def make_valid(region6: str, birth: date, seq3: int) -> str:
    """Build a valid 18-character number (for tests and sample data)."""
    if len(region6) != 6 or not _DIGITS.issuperset(region6):
        raise ValueError(f"region6 must be 6 ASCII digits, got {region6!r}")
    if not 0 <= seq3 <= 999:
        raise ValueError(f"seq3 must be 0..999, got {seq3}")
    if birth < _MIN_BIRTH:
        raise ValueError(f"birth must be on or after {_MIN_BIRTH}, got {birth}")
    body = f"{region6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq3:03d}"
    return body + check_char(body)


def repeats(entries: Iterable[tuple[T, object]]) -> Iterator[tuple[T, T]]:
    """(entry, the entry it repeats) for each ID number met again in its compact form, in the order given: the same
    person twice. Entries whose number is blank or not text are passed over."""
    first: dict[str, T] = {}
    for entry, number in entries:
        try:
            key = compact(number)
        except IdNumberError:
            continue
        if not key:
            continue
        if key in first:
            yield entry, first[key]
        else:
            first[key] = entry
