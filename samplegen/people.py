"""Customers, social-media authors and call-centre agents.

Customers form one shared pool used by tickets, surveys and calls, so the same customer id
turns up across channels. A person's attributes are derived from their index by hashing,
so a pool of a million costs no memory. Social authors are X accounts: their own id space.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from .kinds import Language
from .rng import keyed_unit, splitmix64

# (native spelling, latin spelling for e-mail addresses and handles)
FIRST_NAMES: dict[Language, tuple[tuple[str, str], ...]] = {
    "en": tuple((n, n.lower()) for n in (
        "Emma", "Olivia", "Ava", "Sophia", "Mia", "Harper", "Amelia", "Chloe", "Grace", "Lily",
        "Hannah", "Zoe", "Megan", "Rachel", "Jessica", "Lauren", "Aisha", "Priya", "Nora", "Claire",
        "James", "Liam", "Noah", "Ethan", "Mason", "Lucas", "Oliver", "Jack", "Ben", "Ryan",
        "Tyler", "Jordan", "Chris", "Daniel", "Sam", "Marcus", "Kevin", "Omar", "Tom", "Alex")),
    "es": tuple((n, n.lower().translate(str.maketrans("áéíóúñ", "aeioun"))) for n in (
        "María", "Lucía", "Carmen", "Sofía", "Valentina", "Paula", "Elena", "Isabel", "Camila", "Andrea",
        "Javier", "Carlos", "Alejandro", "Diego", "Pablo", "Miguel", "Sergio", "Andrés", "Luis", "Jorge")),
    "ru": (("Анна", "anna"), ("Мария", "maria"), ("Екатерина", "ekaterina"), ("Ольга", "olga"),
           ("Наталья", "natalia"), ("Ирина", "irina"), ("Дарья", "darya"), ("Светлана", "svetlana"),
           ("Юлия", "yulia"), ("Татьяна", "tatiana"), ("Алексей", "alexey"), ("Дмитрий", "dmitry"),
           ("Сергей", "sergey"), ("Андрей", "andrey"), ("Иван", "ivan"), ("Михаил", "mikhail"),
           ("Никита", "nikita"), ("Павел", "pavel"), ("Артём", "artem"), ("Игорь", "igor")),
    "ro": tuple((n, n.lower().translate(str.maketrans("ăâîșțş", "aaists"))) for n in (
        "Ioana", "Maria", "Andreea", "Elena", "Alexandra", "Cristina", "Ana", "Mihaela", "Diana", "Raluca",
        "Andrei", "Alexandru", "Mihai", "Ionuț", "Ștefan", "Bogdan", "Vlad", "Cosmin", "Radu", "Florin")),
    "zh": (("芳", "fang"), ("静", "jing"), ("丽", "li"), ("敏", "min"), ("婷", "ting"), ("雪", "xue"),
           ("慧", "hui"), ("娜", "na"), ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("洋", "yang"),
           ("杰", "jie"), ("浩", "hao"), ("明", "ming"), ("晨", "chen")),
}
LAST_NAMES: dict[Language, tuple[tuple[str, str], ...]] = {
    "en": tuple((n, n.lower().replace("'", "")) for n in (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark",
        "Walker", "Hall", "Young", "King", "Wright", "Green", "Baker", "Adams", "Nelson", "Carter",
        "Patel", "Khan", "Murphy", "O'Brien", "Evans", "Hughes", "Cooper", "Reed", "Bennett", "Foster")),
    "es": tuple((n, n.lower().translate(str.maketrans("áéíóúñ", "aeioun"))) for n in (
        "García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz", "Díaz", "Moreno",
        "Jiménez", "Romero", "Navarro", "Torres", "Ramírez")),
    "ru": (("Иванова", "ivanova"), ("Смирнов", "smirnov"), ("Кузнецова", "kuznetsova"), ("Попов", "popov"),
           ("Соколова", "sokolova"), ("Лебедев", "lebedev"), ("Козлова", "kozlova"), ("Новиков", "novikov"),
           ("Морозова", "morozova"), ("Волков", "volkov"), ("Павлова", "pavlova"), ("Орлов", "orlov")),
    "ro": tuple((n, n.lower().translate(str.maketrans("ăâîșțş", "aaists"))) for n in (
        "Popescu", "Ionescu", "Popa", "Constantin", "Stan", "Dumitru", "Stoica", "Gheorghe", "Matei",
        "Ciobanu", "Rusu", "Munteanu", "Moldovan", "Lungu", "Marin")),
    "zh": (("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
           ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun")),
}

CUSTOMER_LANGUAGES: tuple[tuple[Language, float], ...] = (
    ("en", 0.865), ("es", 0.05), ("zh", 0.03), ("ru", 0.03), ("ro", 0.025))
AUTHOR_LANGUAGES: tuple[tuple[Language, float], ...] = (
    ("en", 0.835), ("es", 0.07), ("ru", 0.035), ("ro", 0.03), ("zh", 0.03))

# Country decides phone formats and the currency customers quote.
COUNTRIES: dict[Language, tuple[tuple[str, float], ...]] = {
    "en": (("US", 0.72), ("GB", 0.28)),
    "es": (("ES", 0.5), ("MX", 0.25), ("US", 0.25)),
    "ru": (("RU", 1.0),),
    "ro": (("RO", 1.0),),
    "zh": (("CN", 0.75), ("US", 0.25)),
}

AGENTS: dict[Language, tuple[tuple[str, str], ...]] = {
    "en": (("AG-1017", "Dana"), ("AG-1022", "Marcus"), ("AG-1031", "Priya"), ("AG-1045", "Jen"),
           ("AG-1058", "Tom"), ("AG-1063", "Alicia"), ("AG-1077", "Kevin"), ("AG-1089", "Sarah"),
           ("AG-1094", "Luis"), ("AG-1102", "Rebecca")),
    "es": (("AG-2004", "Lucía"), ("AG-2011", "Mateo"), ("AG-2019", "Daniela")),
    "ru": (("AG-3002", "Ольга"), ("AG-3008", "Денис")),
    "ro": (("AG-4003", "Alina"), ("AG-4006", "Cătălin")),
    "zh": (("AG-5001", "小林"), ("AG-5005", "王敏")),
}


def _choose(unit: float, table: tuple[tuple[str, float], ...]) -> str:
    total = sum(weight for _, weight in table)
    running = 0.0
    for value, weight in table:
        running += weight / total
        if unit < running:
            return value
    return table[-1][0]


@dataclass(frozen=True)
class Person:
    index: int
    language: Language
    first_name: str
    last_name: str
    first_latin: str
    last_latin: str
    country: str


@dataclass(frozen=True)
class Customer(Person):
    customer_id: int


@dataclass(frozen=True)
class Author(Person):
    author_id: str
    handle: str


def _person_fields(seed: int, index: int, salt: int, languages: tuple[tuple[Language, float], ...]) -> dict:
    language = _choose(keyed_unit(seed, index, salt), languages)
    firsts, lasts = FIRST_NAMES[language], LAST_NAMES[language]
    first = firsts[int(keyed_unit(seed, index, salt + 1) * len(firsts))]
    last = lasts[int(keyed_unit(seed, index, salt + 2) * len(lasts))]
    country = _choose(keyed_unit(seed, index, salt + 3), COUNTRIES[language])
    return {"index": index, "language": language, "first_name": first[0], "last_name": last[0],
            "first_latin": first[1], "last_latin": last[1], "country": country}


class CustomerPool:
    """Customers 0..size-1; ids are unique (index-strided) but look like real account ids."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size

    def customer(self, index: int) -> Customer:
        jitter = splitmix64(self.seed * 7919 + index) % 89
        return Customer(**_person_fields(self.seed, index, 11, CUSTOMER_LANGUAGES),
                        customer_id=361_000_000_000 + index * 97 + jitter)

    def draw(self, rng: random.Random) -> Customer:
        return self.customer(rng.randrange(self.size))


# X handles allow letters, digits and underscores only.
_HANDLE_SHAPES = ("{f}{l}", "{f}_{l}", "{f}{n}", "{f}_{l}{n2}", "the{f}{l}", "{l}{f}{n2}", "{f}_x{n2}")


class AuthorPool:
    """X accounts that mention the brand; a few post often, most post once."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed = seed
        self.size = size

    def author(self, index: int) -> Author:
        fields = _person_fields(self.seed, index, 31, AUTHOR_LANGUAGES)
        mix = splitmix64(self.seed * 104729 + index)
        shape = _HANDLE_SHAPES[mix % len(_HANDLE_SHAPES)]
        handle = shape.format(f=fields["first_latin"], l=fields["last_latin"], n=mix % 1000, n2=mix % 100)
        # Old accounts have short ids, newer ones 18-19 digit snowflakes.
        author_id = str(10_000_000 + mix % 3_000_000_000) if mix % 3 == 0 else str(
            1_100_000_000_000_000_000 + mix % 700_000_000_000_000_000)
        return Author(**fields, author_id=author_id, handle=handle[:15])

    def draw(self, rng: random.Random) -> Author:
        # Skewed: a small core of accounts posts repeatedly.
        index = int(self.size * rng.random() ** 1.6)
        return self.author(min(index, self.size - 1))


class RepeatContacts:
    """Recent (customer, theme) contacts: to plant follow-ups and to count repeat contacts."""

    def __init__(self, window_days: int = 14, recent_per_theme: int = 256) -> None:
        self.window_days = window_days
        self.recent: dict[str, deque[tuple[int, int]]] = {}
        self.last_contact: dict[tuple[int, str], int] = {}
        self.repeats = 0
        self._pruned_on = 0
        self._recent_size = recent_per_theme

    def follow_up_candidate(self, rng: random.Random, theme: str, day_ordinal: int) -> int | None:
        """A customer who contacted about this theme in the last 13 days, if any."""
        recent = self.recent.get(theme)
        if not recent:
            return None
        day, customer = recent[-1 - rng.randrange(min(len(recent), 64))]
        return customer if 0 <= day_ordinal - day < self.window_days else None

    def record(self, customer_index: int, theme: str, day_ordinal: int) -> bool:
        """Remember a contact; True when it repeats one on the same theme within the window."""
        if day_ordinal - self._pruned_on >= self.window_days:
            cutoff = day_ordinal - self.window_days
            self.last_contact = {k: d for k, d in self.last_contact.items() if d > cutoff}
            self._pruned_on = day_ordinal
        previous = self.last_contact.get((customer_index, theme))
        is_repeat = previous is not None and day_ordinal - previous < self.window_days
        self.repeats += is_repeat
        self.last_contact[(customer_index, theme)] = day_ordinal
        self.recent.setdefault(theme, deque(maxlen=self._recent_size)).append((day_ordinal, customer_index))
        return is_repeat
