"""Personal data customers paste into messages: e-mail, phone, payment card, IBAN.

Card numbers pass the Luhn check and IBANs the ISO 13616 mod-97 check, so a detector that
validates them still fires. Formats vary the way people type them.
"""

from __future__ import annotations

import random
import string

from .people import Person

EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "US": ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com"),
    "GB": ("gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk"),
    "ES": ("gmail.com", "hotmail.es", "yahoo.es", "outlook.es", "telefonica.net"),
    "MX": ("gmail.com", "hotmail.com", "yahoo.com.mx", "outlook.com"),
    "RU": ("mail.ru", "yandex.ru", "gmail.com", "rambler.ru", "bk.ru"),
    "RO": ("yahoo.com", "gmail.com", "yahoo.ro", "outlook.com"),
    "CN": ("qq.com", "163.com", "126.com", "gmail.com", "sina.com"),
}


def email_address(rng: random.Random, person: Person) -> str:
    first, last = person.first_latin, person.last_latin
    local = rng.choice((
        f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}",
        f"{last}.{first}", f"{first}{rng.randint(70, 99)}", f"{first}.{last}{rng.randint(1980, 2004)}",
    ))
    if person.country == "CN" and rng.random() < 0.4:
        local = str(rng.randint(10_000_000, 2_999_999_999))  # QQ number mailboxes
    return f"{local}@{rng.choice(EMAIL_DOMAINS[person.country])}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def phone_number(rng: random.Random, country: str) -> str:
    """International or local format for the customer's country."""
    local = rng.random() < 0.45
    if country == "US":
        area, mid, last = f"{rng.randint(201, 989)}", f"{rng.randint(200, 999)}", _digits(rng, 4)
        if local:
            return rng.choice((f"({area}) {mid}-{last}", f"{area}-{mid}-{last}", f"{area}.{mid}.{last}"))
        return rng.choice((f"+1 {area} {mid} {last}", f"+1 ({area}) {mid}-{last}", f"+1-{area}-{mid}-{last}"))
    if country == "GB":
        block1, block2 = f"7{_digits(rng, 3)}", _digits(rng, 6)
        if local:
            return rng.choice((f"0{block1} {block2}", f"0{block1} {block2[:3]} {block2[3:]}", f"0{block1}{block2}"))
        return rng.choice((f"+44 {block1} {block2}", f"+44 (0){block1} {block2}", f"+44{block1}{block2}"))
    if country == "RO":
        block = f"7{rng.randint(20, 89)}"
        rest = _digits(rng, 6)
        if local:
            return rng.choice((f"0{block} {rest[:3]} {rest[3:]}", f"0{block}{rest}", f"0{block}.{rest[:3]}.{rest[3:]}"))
        return rng.choice((f"+40 {block} {rest[:3]} {rest[3:]}", f"+40{block}{rest}", f"0040 {block} {rest}"))
    if country == "RU":
        code, rest = f"9{rng.randint(10, 99)}", _digits(rng, 7)
        if local:
            return rng.choice((f"8 ({code}) {rest[:3]}-{rest[3:5]}-{rest[5:]}", f"8{code}{rest}",
                               f"8-{code}-{rest[:3]}-{rest[3:5]}-{rest[5:]}"))
        return rng.choice((f"+7 {code} {rest[:3]}-{rest[3:5]}-{rest[5:]}",
                           f"+7 ({code}) {rest[:3]} {rest[3:5]} {rest[5:]}", f"+7{code}{rest}"))
    if country == "ES":
        number = f"6{_digits(rng, 8)}"
        spaced = f"{number[:3]} {number[3:5]} {number[5:7]} {number[7:]}"
        return spaced if local else rng.choice((f"+34 {spaced}", f"+34 {number}", f"0034 {number}"))
    if country == "MX":
        number = f"55{_digits(rng, 8)}"
        return f"{number[:2]} {number[2:6]} {number[6:]}" if local else f"+52 {number[:2]} {number[2:6]} {number[6:]}"
    number = f"1{rng.choice('3589')}{_digits(rng, 9)}"  # CN mobile
    return f"{number[:3]} {number[3:7]} {number[7:]}" if local else f"+86 {number[:3]} {number[3:7]} {number[7:]}"


def luhn_check_digit(partial: str) -> str:
    total = 0
    for i, char in enumerate(reversed(partial)):
        value = int(char)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return str((10 - total % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    digits = "".join(ch for ch in number if ch.isdigit())
    return len(digits) >= 12 and luhn_check_digit(digits[:-1]) == digits[-1]


def card_number(rng: random.Random) -> str:
    """A Luhn-valid Visa, Mastercard or Amex number, typed with spaces or dashes."""
    brand = rng.random()
    if brand < 0.15:
        body = rng.choice(("34", "37")) + _digits(rng, 12)
        number = body + luhn_check_digit(body)
        groups = [number[:4], number[4:10], number[10:]]
    else:
        prefix = "4" if brand < 0.65 else str(rng.randint(51, 55))
        body = prefix + _digits(rng, 15 - len(prefix))
        number = body + luhn_check_digit(body)
        groups = [number[i:i + 4] for i in range(0, 16, 4)]
    separator = rng.choice((" ", " ", "-", "", " "))
    return separator.join(groups)


_IBAN_SHAPES: dict[str, tuple[str, ...]] = {
    # country -> sequence of (character class, count) written compactly: A = letter, 9 = digit
    "GB": ("AAAA", "99999999999999"),
    "RO": ("AAAA", "9999999999999999"),
    "ES": ("99999999999999999999",),
    "DE": ("999999999999999999",),
}


def _iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return f"{98 - int(numeric) % 97:02d}"


def is_iban_valid(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def iban(rng: random.Random, country: str) -> str:
    country = country if country in _IBAN_SHAPES else rng.choice(("GB", "DE"))
    bban = "".join(
        rng.choice(string.ascii_uppercase) if ch == "A" else rng.choice(string.digits)
        for part in _IBAN_SHAPES[country] for ch in part
    )
    compact = country + _iban_check_digits(country, bban) + bban
    if rng.random() < 0.6:
        return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))
    return compact
