"""Tests for hx_excel.core.id_number, proven against python-stdnum's stdnum.cn.ric."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from hx_excel.core.id_number import (
    IdNumberError,
    InvalidBirthDate,
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    LegacyNumber,
    StoredAsNumber,
    age_on,
    birth_date,
    check_char,
    compact,
    is_valid,
    make_valid,
    mask,
    region_code,
    repeats,
    sex,
    upgrade_legacy,
    validate,
)

ON = date(2025, 6, 30)
STDNUM_EXAMPLE = "360426199101010071"
# A 花溪区 woman born 1990-01-01 and a man born on a leap day.
WOMAN = make_valid("520111", date(1990, 1, 1), 122)
LEAP_MAN = make_valid("520111", date(2000, 2, 29), 123)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
DERANDOMIZED = settings(derandomize=True, database=None, max_examples=500, deadline=None)


def with_last(number: str, last: str) -> str:
    return number[:17] + last


def wrong_check(number: str) -> str:
    return with_last(number, "0" if number[17] != "0" else "1")


def raises_chinese(exc: type[IdNumberError], text: object, on: date = ON) -> str:
    """Assert validate raises ``exc`` with a Chinese message; return the message."""
    with pytest.raises(exc) as info:
        validate(text, on=on)
    message = str(info.value)
    assert CHINESE.search(message), message
    return message


# --- valid numbers and normalisation --------------------------------------


@pytest.mark.parametrize("number", [STDNUM_EXAMPLE, WOMAN, LEAP_MAN, make_valid("999999", date(1900, 1, 1), 0)])
def test_valid_numbers(number: str) -> None:
    assert validate(number, on=ON) == number
    assert is_valid(number, on=ON)


def test_check_char_of_stdnum_example() -> None:
    assert check_char(STDNUM_EXAMPLE[:17]) == "1"


@pytest.mark.parametrize("bad", ["5201111990010112", "5201111990010112AB", "5201111990010112Z"])
def test_check_char_rejects_non_17_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        check_char(bad)


def test_lower_case_x_normalised() -> None:
    number = next(n for n in (make_valid("520111", date(1985, 5, 5), s) for s in range(1000)) if n.endswith("X"))
    assert compact(number.lower()) == number
    assert validate(number[:17] + "x", on=ON) == number


def test_compact_strips_separators_and_full_width() -> None:
    spaced = f" {WOMAN[:6]}\u3000{WOMAN[6:14]}-{WOMAN[14:]}\t"
    assert compact(spaced) == WOMAN
    full_width = WOMAN.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert compact("\u202d" + full_width + "\u202c") == WOMAN
    assert validate(spaced, on=ON) == WOMAN


def test_unknown_region_is_not_an_error() -> None:
    # 520114 小河区 was merged into 花溪区 in 2012; people keep their number.
    xiaohe = make_valid("520114", date(1995, 3, 1), 11)
    assert is_valid(xiaohe, on=ON)
    assert not ric.is_valid(xiaohe)  # stdnum: 小河区 only existed 2000-2012
    assert region_code(xiaohe) == "520114"


def test_older_huaxi_resident_valid_although_stdnum_rejects() -> None:
    # stdnum dates 520111 from 1983 and checks it against the birth year.
    number = make_valid("520111", date(1970, 8, 1), 31)
    assert is_valid(number, on=ON)
    assert not ric.is_valid(number)


# --- faults -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["52011119900101122A", "52011119X001011221", "张三", "520111-1990.0101-1221", "52011119900101122Ⅹ"],
)
def test_invalid_format(text: str) -> None:
    raises_chinese(InvalidFormat, text)


def test_invalid_format_names_position() -> None:
    message = raises_chinese(InvalidFormat, "52011119X001011221")
    assert "第 9 位" in message and "X" in message


def test_legacy_with_x_is_invalid_format() -> None:
    raises_chinese(InvalidFormat, "52011190010112X")


@pytest.mark.parametrize("text", ["", "   ", None, WOMAN[:17], WOMAN + "1", WOMAN[:16]])
def test_invalid_length(text: str | None) -> None:
    message = raises_chinese(InvalidLength, text)
    assert "18" in message


def test_invalid_checksum_states_expected_char() -> None:
    bad = wrong_check(WOMAN)
    with pytest.raises(InvalidChecksum) as info:
        validate(bad, on=ON)
    assert info.value.expected == WOMAN[17]
    message = str(info.value)
    assert CHINESE.search(message)
    assert f"“{WOMAN[17]}”" in message


def test_transposed_digits_fail_checksum() -> None:
    swapped = WOMAN[:14] + WOMAN[15] + WOMAN[14] + WOMAN[16:]  # sequence 122 -> 212
    raises_chinese(InvalidChecksum, swapped)


@pytest.mark.parametrize("yyyymmdd", ["19900230", "19901301", "19900000", "20010229", "19000229"])
def test_unreal_birth_date(yyyymmdd: str) -> None:
    body = "520111" + yyyymmdd + "123"
    message = raises_chinese(InvalidBirthDate, body + check_char(body))
    assert yyyymmdd in message


def test_birth_before_1900() -> None:
    body = "52011118991231123"
    message = raises_chinese(InvalidBirthDate, body + check_char(body))
    assert "1900" in message


def test_future_birth_date_relative_to_on() -> None:
    number = make_valid("520111", date(2025, 7, 1), 1)
    message = raises_chinese(InvalidBirthDate, number, on=date(2025, 6, 30))
    assert "2025年07月01日" in message
    assert validate(number, on=date(2025, 7, 1)) == number  # born today is fine
    assert not is_valid(number, on=date(2025, 6, 30))


@pytest.mark.parametrize("value", [520111199001011221, 5.20111199001011e17, Decimal("520111199001011221")])
def test_number_input_rejected(value: object) -> None:
    message = raises_chinese(StoredAsNumber, value)
    assert "文本" in message
    assert not is_valid(value, on=ON)
    assert isinstance(StoredAsNumber(), InvalidFormat)


def test_other_types_rejected() -> None:
    raises_chinese(InvalidFormat, b"520111199001011221")


def test_all_faults_are_value_errors() -> None:
    for exc in (InvalidFormat, StoredAsNumber, InvalidLength, InvalidChecksum, InvalidBirthDate, LegacyNumber):
        assert issubclass(exc, IdNumberError) and issubclass(exc, ValueError)


# --- legacy 15-digit numbers ------------------------------------------------


def test_legacy_flagged_and_upgraded() -> None:
    legacy = "520111900101122"
    with pytest.raises(LegacyNumber) as info:
        validate(legacy, on=ON)
    assert CHINESE.search(str(info.value))
    assert legacy not in str(info.value)  # no full number in printable messages
    assert info.value.upgraded == WOMAN
    assert upgrade_legacy(legacy) == WOMAN
    assert upgrade_legacy(" 520111 900101 122 ") == WOMAN
    assert not is_valid(legacy, on=ON)


def test_legacy_accessors() -> None:
    legacy = "520111900101123"
    assert birth_date(legacy) == date(1990, 1, 1)
    assert sex(legacy) == "男"
    assert region_code(legacy) == "520111"


def test_legacy_with_bad_date() -> None:
    raises_chinese(InvalidBirthDate, "520111000229123")  # 1900 was not a leap year


@pytest.mark.parametrize("bad, exc", [(WOMAN, InvalidLength), ("52011190010112A", InvalidFormat)])
def test_upgrade_legacy_rejects(bad: str, exc: type[IdNumberError]) -> None:
    with pytest.raises(exc):
        upgrade_legacy(bad)


# --- accessors ----------------------------------------------------------------


def test_sex() -> None:
    assert sex(WOMAN) == "女"
    assert sex(LEAP_MAN) == "男"
    assert sex(STDNUM_EXAMPLE) == "男"  # sequence 007


def test_birth_date_and_region() -> None:
    assert birth_date(STDNUM_EXAMPLE) == date(1991, 1, 1)
    assert region_code(STDNUM_EXAMPLE) == "360426"
    assert birth_date(wrong_check(WOMAN)) == date(1990, 1, 1)  # accessors don't check the check char


@pytest.mark.parametrize(
    "on, age",
    [
        (date(1990, 1, 1), 0),
        (date(2024, 12, 31), 34),
        (date(2025, 1, 1), 35),
    ],
)
def test_age_on(on: date, age: int) -> None:
    assert age_on(WOMAN, on) == age


@pytest.mark.parametrize(
    "on, age",
    [
        (date(2001, 2, 28), 0),  # common year: birthday is 1 March
        (date(2001, 3, 1), 1),
        (date(2004, 2, 28), 3),
        (date(2004, 2, 29), 4),  # leap year: the real birthday
        (date(2018, 2, 28), 17),
        (date(2018, 3, 1), 18),
    ],
)
def test_age_on_leap_day_birthday(on: date, age: int) -> None:
    assert age_on(LEAP_MAN, on) == age


def test_age_before_birth_rejected() -> None:
    with pytest.raises(InvalidBirthDate):
        age_on(WOMAN, date(1989, 12, 31))


# --- masking ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, masked",
    [
        ("520111199001011234", "520111********1234"),
        ("520111 19900101 123x", "520111********123X"),
        ("520111900101123", "520111*****1123"),
        ("52011119900101123", "*************1123"),  # 17: malformed, keep only the last 4
        ("5201111990010112345", "***************2345"),
        ("abc", "ABC"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask(text: str | None, masked: str) -> None:
    assert mask(text) == masked


def test_mask_never_raises_on_numbers() -> None:
    assert mask(520111199001011234) == "520111********1234"
    assert "520111199" not in mask(5.20111199001011e17)


@DERANDOMIZED
@given(st.text(min_size=5, max_size=40))
def test_mask_hides_all_but_ten(text: str) -> None:
    masked = mask(text)
    assert sum(c != "*" for c in masked) <= 10


# --- agreement with python-stdnum ---------------------------------------------


@DERANDOMIZED
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_agrees_with_stdnum(first17: str) -> None:
    # stdnum's calc_check_digit takes the number with a (ignored) check digit.
    assert check_char(first17) == ric.calc_check_digit(first17 + "0")


@DERANDOMIZED
@given(
    region=st.sampled_from(["520111", "360426"]),
    born=st.one_of(
        st.dates(min_value=date(1850, 1, 1), max_value=date(2030, 12, 31)).map(lambda d: f"{d:%Y%m%d}"),
        st.text(alphabet="0123456789", min_size=8, max_size=8),
    ),
    seq=st.text(alphabet="0123456789", min_size=3, max_size=3),
    last=st.one_of(st.none(), st.sampled_from("0123456789Xx")),
)
def test_is_valid_agrees_with_stdnum(region: str, born: str, seq: str, last: str | None) -> None:
    body = region + born + seq
    number = body + (check_char(body) if last is None else last)
    try:
        birth: date | None = date(int(born[:4]), int(born[4:6]), int(born[6:]))
    except ValueError:
        birth = None
    # stdnum has no notion of the future; we reject births after ``on``.
    assume(birth is None or birth <= ON)
    ours, theirs = is_valid(number, on=ON), ric.is_valid(number)
    if theirs:
        assert ours
    # stdnum dates both codes from 1983 and rejects earlier births (see module
    # docstring); from 1983 on the two must agree exactly.
    if birth is None or birth.year >= 1983:
        assert ours == theirs


@DERANDOMIZED
@given(
    region=st.text(alphabet="0123456789", min_size=6, max_size=6),
    born=st.dates(min_value=date(1900, 1, 1), max_value=ON),
    seq=st.integers(0, 999),
)
def test_make_valid_round_trip(region: str, born: date, seq: int) -> None:
    number = make_valid(region, born, seq)
    assert validate(number, on=ON) == number
    assert birth_date(number) == born
    assert region_code(number) == region
    assert sex(number) == ("男" if seq % 2 else "女")
    assert mask(number) == region + "********" + number[-4:]
    assert not is_valid(wrong_check(number), on=ON)


def test_repeats_finds_the_same_number_however_it_was_typed():
    number = make_valid("520111", date(1980, 1, 1), 11)
    entries = [("a", number), ("b", None), ("c", 5.2e17), ("d", f"{number[:6]} {number[6:]}"), ("e", number.lower()),
               ("f", make_valid("520111", date(1980, 1, 1), 13))]
    assert list(repeats(entries)) == [("d", "a"), ("e", "a")]


# ---- pinned by the mutation run (docs/mutation-testing.md) ----------------------------------------------------------

def test_the_length_fault_carries_the_length_and_says_empty_when_empty() -> None:
    with pytest.raises(InvalidLength) as empty:
        validate("")
    assert empty.value.length == 0 and str(empty.value) == "身份证号为空，请填写 18 位身份证号。"
    with pytest.raises(InvalidLength) as short:
        validate(WOMAN[:1])
    assert short.value.length == 1 and "有 1 位" in str(short.value)


def test_the_checksum_fault_carries_both_characters() -> None:
    wrong = WOMAN[:17] + ("0" if WOMAN[17] != "0" else "1")
    with pytest.raises(InvalidChecksum) as caught:
        validate(wrong)
    assert (caught.value.expected, caught.value.actual) == (WOMAN[17], wrong[17])


def test_a_letter_in_a_15_digit_number_says_the_15_digit_rule() -> None:
    message = raises_chinese(InvalidFormat, "52011180050112A")
    assert "15 位旧号码只能由数字组成" in message
    message = raises_chinese(InvalidFormat, WOMAN[:5] + "A" + WOMAN[6:])
    assert "只能由数字组成，最后一位可以是 X" in message


@pytest.mark.parametrize("region, seq, fault", [("52011", 1, "region6"), ("52011A", 1, "region6"),
                                                ("520111", 1000, "seq3"), ("520111", -1, "seq3")])
def test_make_valid_refuses_what_is_not_a_number(region: str, seq: int, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        make_valid(region, date(1980, 1, 1), seq)


def test_repeats_passes_over_blank_and_bad_numbers() -> None:
    entries = [("a", ""), ("b", None), ("c", 5.2e17), ("d", WOMAN), ("e", ""), ("f", WOMAN)]
    assert list(repeats(entries)) == [("f", "d")]


# ---- parse: the number, its birth date and sex at once (the core reads all three for every member) ----------------

def test_parse_hands_back_the_birth_date_and_sex_it_read():
    from hx_excel.core.id_number import parse
    parsed = parse(" 11010519491231002x ", on=date(2022, 7, 15))        # GB 11643's own example, typed loosely
    assert parsed == ("11010519491231002X", date(1949, 12, 31), "女")
    from hx_excel.core.id_number import make_valid
    assert parse(make_valid("520111", date(1980, 5, 5), 31), on=date(2022, 7, 15)).sex == "男"   # 17th digit 1: odd
    assert parse(make_valid("520111", date(1980, 5, 5), 32), on=date(2022, 7, 15)).sex == "女"


@pytest.mark.parametrize("text", ["11010519491231002", "110105194912310021", "11010520491231002X",
                                  "110105491231002", "1101051949123100XX"])
def test_parse_refuses_what_validate_refuses_with_the_same_fault(text):
    from hx_excel.core.id_number import IdNumberError, parse, validate
    with pytest.raises(IdNumberError) as by_validate:
        validate(text, on=date(2022, 7, 15))
    with pytest.raises(type(by_validate.value)) as by_parse:
        parse(text, on=date(2022, 7, 15))
    assert str(by_parse.value) == str(by_validate.value)


def test_the_check_character_is_iso_7064_mod_11_2_on_every_digit():
    """Worked from the standard's definition: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 as X."""
    import random
    from hx_excel.core.id_number import check_char
    rng = random.Random(20221207)
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
        value = (12 - total % 11) % 11
        assert check_char(body) == ("X" if value == 10 else str(value)), body
