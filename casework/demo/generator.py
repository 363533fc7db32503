"""Generating the demo school: generated pupils and a year and a term of believable marks."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from typing import Any

from casework.interchange.records import ContactRecord, MarkRecord, PupilRecord
from casework.policy.loader import DEFAULT_POLICY
from casework.register import upn
from casework.register.calendar import SchoolCalendar
from casework.register.codes import BY_CODE
from casework.register.school import (
    DateRange,
    RegisterTimes,
    SchoolConfig,
    Signatory,
    Term,
)

DEMO_URN = "999001"
DEMO_LA = "999"  # not a real local authority number, so no UPN here is a real pupil's
DEMO_ESTAB = "2001"
DEMO_NAME = "Casework Demo Primary School"
DEFAULT_SEED = 2024
# Bump when the generator changes, so that a demo school built by an older one is rebuilt.
GENERATOR_VERSION = 3

MON, WED, FRI = 0, 2, 4
YEAR_GROUPS = ("R", "1", "2", "3", "4", "5", "6")

# -- term dates ------------------------------------------------------------------------------


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _week(monday: date) -> DateRange:
    return DateRange(monday, monday + timedelta(days=4))


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return date(year, month, day + 1)


def first_pupil_day(first_year: int) -> date:
    """Pupils come back on the first Wednesday of September."""
    return _on_or_after(date(first_year, 9, 1), WED)


def academic_year_terms(first_year: int) -> tuple[Term, Term, Term]:
    """Typical English term dates for the school year that starts in September of first_year.

    Autumn from the first Wednesday of September (two INSET days before it when they fall in
    September) to the Friday on or before 20 December, half term in the last full week of
    October; spring from the first Monday of January after New Year's Day (an INSET day) to a
    week before Good Friday, half term in mid-February; summer from the second Monday after
    Easter, half term in the week of the late-May bank holiday, to 22 July (or the Friday before).
    """
    y = first_year
    back = first_pupil_day(y)
    autumn_start = back - timedelta(days=2) if (back - timedelta(days=2)).month == 9 else back
    autumn = Term(
        f"Autumn {y}",
        autumn_start,
        _on_or_before(date(y, 12, 20), FRI),
        _week(_on_or_before(date(y, 10, 27), MON)),
        tuple(autumn_start + timedelta(days=n) for n in range((back - autumn_start).days)),
    )
    spring_start = _on_or_after(date(y + 1, 1, 2), MON)
    easter = easter_sunday(y + 1)
    spring = Term(
        f"Spring {y + 1}",
        spring_start,
        easter - timedelta(days=9),
        _week(_on_or_after(date(y + 1, 2, 12), MON)),
        (spring_start,),
    )
    summer_end = date(y + 1, 7, 22)
    if summer_end.weekday() > FRI:
        summer_end = _on_or_before(summer_end, FRI)
    summer = Term(
        f"Summer {y + 1}",
        easter + timedelta(days=8),
        summer_end,
        _week(_on_or_before(date(y + 1, 5, 31), MON)),
    )
    return autumn, spring, summer


def school_year_of(day: date) -> int:
    """The first calendar year of the school year `day` belongs to (as academic_year_label)."""
    return day.year if day.month >= 8 else day.year - 1


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# -- made-up people ------------------------------------------------------------------------
# Common first names and surnames combined at random: generated pupils, never real ones.

GIRLS = _words(
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Florence Willow Evie "
    "Poppy Ella Aisha Zara Maya Sienna Ruby Daisy Hannah Fatima Amira Chloe Emily Layla "
    "Maryam Zofia Niamh Phoebe"
)
BOYS = _words(
    "Noah Oliver George Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack "
    "Charlie Finley Alfie Jacob Thomas Joshua Ethan Ibrahim Yusuf Aarav Kacper Jayden Reuben "
    "Samuel Isaac Adam Dylan Kai Lucas"
)
WOMEN = _words(
    "Sarah Emma Laura Rebecca Gemma Claire Nicola Rachel Hayley Amy Jessica Natalie Kirsty "
    "Samira Nadia Agnieszka Precious Sadia Leanne Michelle Joanne Priya"
)
MEN = _words(
    "James David Daniel Matthew Christopher Mark Paul Andrew Richard Lee Craig Imran Tomasz "
    "Kwame Wayne Darren Simon Stuart Adeel Gary Ravi Sean"
)
SURNAMES = _words(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner "
    "Martin Cooper Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris "
    "Khan Ali Begum Hussain Ahmed Kowalski Nowak Okafor Mensah Singh Kaur Murphy Kelly "
    "Campbell Shaw Mills Fisher Price Bennett"
)
STREETS = (
    "Larkspur Road",
    "Wheatfield Close",
    "Mill Lane",
    "Orchard Way",
    "Foxglove Avenue",
    "Kingfisher Drive",
    "Meadow Bank",
    "Hawthorn Crescent",
    "Chapel Walk",
    "Beacon View",
    "Tannery Row",
    "Sandpiper Court",
)
TOWN = "Casewick"  # a made-up town; ZZ is not a real postcode area
DEMO_ADDRESS = "1 School Lane"
DEMO_LA_OFFICE = {
    "name": "Casewick Council",
    "team": "Attendance and Children Missing Education Team",
    "address": ["Civic Centre", "Market Square", TOWN, "ZZ1 9LA"],
    "email": "attendance@casewick.example.org",
    "phone": "01632 960999",
}

ILLNESS = ("sickness bug", "high temperature", "cold", "tonsillitis", "ear infection", "headache")
MEDICAL = ("dentist", "GP appointment", "hospital appointment", "orthodontist", "optician")
UNACCEPTED = ("no reason given", "reason not accepted: day out", "overslept; did not come in")
LATE_REASONS = ("traffic", "overslept", "car would not start", "sibling's appointment", "")


# -- the generated school ------------------------------------------------------------------

Progress = Callable[[str, int], None]  # (what is happening, steps done of DEMO_STEPS)
DEMO_STEPS = 8


@dataclass(frozen=True, slots=True)
class DemoSchool:
    """Everything the demo stores: the school, its pupils, their contacts and their marks."""

    config: SchoolConfig
    pupils: list[PupilRecord]
    contacts: list[ContactRecord]
    marks: list[MarkRecord]
    as_of: date
    seed: int
    # Pupils placed for particular patterns (the name of the pattern -> UPN), for pointers.
    highlights: dict[str, str] = field(default_factory=dict)

    def fingerprint(self) -> dict[str, Any]:
        return {"seed": self.seed, "as_of": self.as_of.isoformat(), "version": GENERATOR_VERSION}


PRESENT_CODES = frozenset({"/", "\\", "L"})
UNAUTHORISED_CODES = frozenset({"G", "N", "O", "U"})
_ABSENT = frozenset(c for c, info in BY_CODE.items() if info.absent)
_POSSIBLE = frozenset(c for c, info in BY_CODE.items() if info.possible)
_PRESENT_MARK = ("/", "\\")
NO_MARK = ""  # a session left with no mark (a register not taken)


def _elsewhere(name: str) -> str:
    """The address of a parent who lives apart from the pupil: from a generator of its own,
    so that the rest of the demo stays as it was."""
    rng = random.Random(name)
    return (
        f"{rng.randint(1, 140)} {rng.choice(STREETS)}, {TOWN} "
        f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
        f"{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
    )


class _Pupil:
    """A pupil being generated: their record and their marks for each school day on roll."""

    def __init__(self, record: PupilRecord, first: int, last: int, profile: str = "good") -> None:
        self.record = record
        self.first = first  # calendar day indexes of the first and last day with marks
        self.last = last
        self.profile = profile
        self.target = 0.0
        self.lo, self.hi = 0.0, 1.0
        self.late_rate, self.unauthorised_late_share = 0.003, 0.0
        self.codes: list[list[str]] = [["/", "\\"] for _ in range(max(0, last - first + 1))]
        self.minutes: dict[tuple[int, int], int] = {}
        self.comments: dict[tuple[int, int], str] = {}
        self.locked: set[int] = set()

    def days(self, lo: int | None = None, hi: int | None = None) -> range:
        """Day indexes on roll between lo and hi (inclusive), clipped to the pupil's days."""
        return range(
            max(self.first, lo or self.first), min(self.last, self.last if hi is None else hi) + 1
        )

    def get(self, day: int, session: int) -> str:
        return self.codes[day - self.first][session]

    def set(
        self, day: int, session: int, code: str, comment: str = "", minutes: int | None = None
    ) -> None:
        if not self.first <= day <= self.last:
            return
        self.codes[day - self.first][session] = code
        key = (day, session)
        self.minutes.pop(key, None)
        self.comments.pop(key, None)
        if minutes is not None:
            self.minutes[key] = minutes
        if comment:
            self.comments[key] = comment

    def set_day(self, day: int, code: str, comment: str = "") -> None:
        self.set(day, 0, code, comment)
        self.set(day, 1, code)

    def present(self, day: int, session: int) -> None:
        self.set(day, session, _PRESENT_MARK[session])

    def fully_present(self, day: int) -> bool:
        row = self.codes[day - self.first]
        return row[0] in PRESENT_CODES and row[1] in PRESENT_CODES

    def absence(self, days: range) -> tuple[int, int]:
        """(absent sessions, possible sessions) over the days."""
        absent = possible = 0
        for day in days:
            for code in self.codes[day - self.first]:
                possible += code in _POSSIBLE
                absent += code in _ABSENT
        return absent, possible


class _Generator:
    """Builds the school in two stages.

    The people and their whole school year of marks come from a generator seeded by the seed
    and the school year, so a pupil's history is the same whatever day the demo is run; the
    marks are then cut at as_of, and the patterns placed for particular rules (which depend on
    as_of) come from a generator seeded by the seed and the date.
    """

    def __init__(self, as_of: date, seed: int, policy: str) -> None:
        self.as_of = as_of
        self.seed = seed
        self.policy = policy
        self.year = school_year_of(as_of)
        self.rng = random.Random(f"casework demo {seed} {self.year}")
        terms = (*academic_year_terms(self.year - 1), *academic_year_terms(self.year))
        self.terms = terms
        self.calendar = SchoolCalendar(terms)
        cal = self.calendar
        # Marks from the start of the previous school year's summer term to the last school
        # day on or before as_of ("a term and more").
        self.start = cal.index_on_or_after(terms[2].start)
        self.end = cal.index_on_or_before(as_of)
        self.year_end = cal.index_on_or_before(terms[5].end)
        self.year_start = cal.index_on_or_after(terms[3].start)
        self.pupils: list[_Pupil] = []
        self.contacts: list[ContactRecord] = []
        self.highlights: dict[str, str] = {}
        self.serials: dict[tuple[str, int], int] = {}

    # -- school and people ----------------------------------------------------------------

    def person(self, women: bool | None = None) -> str:
        if women is None:
            women = self.rng.random() < 0.5
        return f"{self.rng.choice(WOMEN if women else MEN)} {self.rng.choice(SURNAMES)}"

    def school(self) -> SchoolConfig:
        head = self.person()
        lead = self.person()
        return SchoolConfig(
            urn=DEMO_URN,
            name=DEMO_NAME,
            la_code=DEMO_LA,
            policy=self.policy,
            head=Signatory(head, "Headteacher"),
            attendance_lead=Signatory(lead, "Attendance Lead"),
            registers=RegisterTimes(time(8, 40), time(9, 10), time(13, 0), time(13, 10)),
            terms=self.terms,
            extra={"la": DEMO_LA_OFFICE},
            address=(DEMO_ADDRESS, TOWN, "ZZ1 1CW"),
            phone="01632 960000",  # Ofcom's numbers for drama
            email="office@demo-primary.example.org",
        )

    def upn(self, entry_year: int, la: str = DEMO_LA, estab: str = DEMO_ESTAB) -> str:
        key = (la + estab, entry_year)
        serial = self.serials.get(key, 0) + self.rng.randint(1, 3)
        self.serials[key] = serial
        return upn.make(f"{la}{estab}{entry_year % 100:02d}{serial:03d}")

    def birthday(self, group: int) -> date:
        """A birthday for year group `group` (0 for reception) in this school year."""
        first = date(self.year - 5 - group, 9, 1).toordinal()
        last = date(self.year - 4 - group, 8, 31).toordinal()
        return date.fromordinal(self.rng.randint(first, last))

    def day_index(self, day: date) -> int:
        return self.calendar.index_on_or_after(day)

    def make_pupils(self) -> None:
        rng = self.rng
        cal = self.calendar
        records: list[tuple[PupilRecord, int, int]] = []
        for group, year_group in enumerate(YEAR_GROUPS):
            entry = self.year - group
            admitted = first_pupil_day(entry)
            first = max(self.start, self.day_index(admitted))
            for _ in range(rng.randint(55, 60)):
                record = self.new_pupil(year_group, group, self.upn(entry))
                records.append((replace(record, admission_date=admitted), first, self.year_end))
        # A few admitted during the school year from schools elsewhere (those admitted after
        # as_of are left out when the marks are cut).
        for low, high in ((5, 30), (5, 30), (30, 80), (60, 120), (90, 150)):
            group = rng.randint(0, 6)
            index = min(self.year_start + rng.randint(low, high), self.year_end)
            record = self.new_pupil(
                YEAR_GROUPS[group], group, self.upn(self.year - group, "998", "2417")
            )
            record = replace(record, admission_date=cal.days[index])
            records.append((record, index, self.year_end))
        # Two leavers: one moved away at the end of last school year, one during this one.
        candidates = [i for i, (r, _f, _l) in enumerate(records) if r.year_group not in ("R", "6")]
        summer_end = cal.index_on_or_before(self.terms[2].end)
        for i, leaving in zip(
            rng.sample(candidates, 2),
            (summer_end, self.year_start + rng.randint(15, 45)),
            strict=True,
        ):
            record, first, _last = records[i]
            records[i] = (replace(record, leaving_date=cal.days[leaving]), first, leaving)
        # Shares as in a typical primary school: pupil premium about a quarter, SEN support
        # about one in seven, EHC plans 3%, looked after 1%, a social worker 3%.
        n = len(records)
        flags: dict[str, set[int]] = {
            "pupil_premium": set(rng.sample(range(n), round(0.25 * n))),
            "send": set(rng.sample(range(n), round(0.15 * n))),
            "looked_after": set(rng.sample(range(n), max(2, round(0.01 * n)))),
            "social_worker": set(rng.sample(range(n), round(0.03 * n))),
        }
        ehcp = set(rng.sample(sorted(flags["send"]), round(0.03 * n)))
        flags["social_worker"] |= flags["looked_after"]
        for i, (record, first, last) in enumerate(records):
            record = replace(
                record,
                pupil_premium=i in flags["pupil_premium"] or i in flags["looked_after"],
                send=i in flags["send"],
                ehcp=i in ehcp,
                looked_after=i in flags["looked_after"],
                social_worker=i in flags["social_worker"],
            )
            self.pupils.append(_Pupil(record, first, last))

    def new_pupil(self, year_group: str, group: int, upn_: str) -> PupilRecord:
        sex = self.rng.choice("FM")
        return PupilRecord(
            upn=upn_,
            surname=self.rng.choice(SURNAMES),
            forename=self.rng.choice(GIRLS if sex == "F" else BOYS),
            date_of_birth=self.birthday(group),
            sex=sex,
            year_group=year_group,
        )

    def make_contacts(self) -> None:
        """One or two contacts each; some pupils are siblings sharing parents and a home."""
        rng = self.rng
        families: list[tuple[list[ContactRecord], set[str]]] = []  # contacts, year groups
        for pupil in self.pupils:
            record = pupil.record
            others = [f for f in families if record.year_group not in f[1]]
            if others and not record.looked_after and rng.random() < 0.15:
                # a brother or sister in another year: the same parents, home and surname
                family, years = rng.choice(others)
                years.add(record.year_group)
                surname = family[0].name.split(" ", 1)[1]
                pupil.record = replace(record, surname=surname)
                self.contacts.extend(replace(contact, upn=record.upn) for contact in family)
                continue
            family = self.family(record)
            if not record.looked_after:
                families.append((family, {record.year_group}))
            self.contacts.extend(family)

    def family(self, record: PupilRecord) -> list[ContactRecord]:
        rng = self.rng
        address = (
            f"{rng.randint(1, 140)} {rng.choice(STREETS)}, {TOWN} "
            f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
        )

        def contact(
            name: str, relationship: str, pr: bool, home: bool, priority: int
        ) -> ContactRecord:
            handle = name.lower().replace(" ", ".").replace("'", "")
            return ContactRecord(
                upn=record.upn,
                name=name,
                relationship=relationship,
                parental_responsibility=pr,
                lives_with_pupil=home,
                priority=priority,
                phone=f"07700 900{rng.randint(0, 999):03d}",  # Ofcom's numbers for drama
                email=f"{handle}{rng.randint(1, 99)}@{rng.choice(('example.org', 'example.com'))}",
                address=address if home else _elsewhere(name),
            )

        surname = record.surname
        if record.looked_after:
            carer = self.person(True)
            return [
                contact(carer, "Foster carer", False, True, 1),
                contact(f"{rng.choice(WOMEN)} {surname}", "Mother", True, False, 2),
            ]
        first_women = rng.random() < 0.7
        first = f"{rng.choice(WOMEN if first_women else MEN)} {surname}"
        out = [contact(first, "Mother" if first_women else "Father", True, True, 1)]
        roll = rng.random()
        if roll < 0.55:
            second = f"{rng.choice(MEN if first_women else WOMEN)} {surname}"
            out.append(contact(second, "Father" if first_women else "Mother", True, True, 2))
        elif roll < 0.75:
            second = f"{rng.choice(MEN if first_women else WOMEN)} {rng.choice(SURNAMES)}"
            relation = "Father" if first_women else "Mother"
            out.append(contact(second, relation, True, False, 2))
        elif roll < 0.85:
            out.append(
                contact(
                    f"{rng.choice(WOMEN)} {rng.choice(SURNAMES)}", "Grandmother", False, False, 2
                )
            )
        if len(out) == 2 and out[0].name == out[1].name:
            out.pop()
        return out

    # -- attendance patterns ----------------------------------------------------------------

    def assign_profiles(self) -> None:
        """Most pupils attend well; some are often absent (more often with pupil premium or SEN)."""
        rng = self.rng

        def weight(p: _Pupil) -> float:
            r = p.record
            return 1.0 + 1.2 * r.pupil_premium + 0.8 * (r.send or r.ehcp) + 1.0 * r.social_worker

        # Weighted random order (larger weight, earlier on average).
        order = sorted(self.pupils, key=lambda p: rng.random() ** (1 / weight(p)), reverse=True)
        n = len(order)
        severe, persistent, middle = 3, round(0.085 * n), round(0.18 * n)
        for i, pupil in enumerate(order):
            if i < severe:
                pupil.profile, (pupil.lo, pupil.hi) = "severe", (0.52, 0.68)
            elif i < severe + persistent:
                tier = (i - severe) / persistent
                pupil.profile = "persistent"
                pupil.lo, pupil.hi = (
                    (0.105, 0.15) if tier < 0.6 else (0.155, 0.195) if tier < 0.85 else (0.205, 0.3)
                )
            elif i < severe + persistent + middle:
                pupil.profile, (pupil.lo, pupil.hi) = "middle", (0.05, 0.09)
            else:
                pupil.profile, (pupil.lo, pupil.hi) = "good", (0.0, 0.045)
            if pupil.profile == "good":
                pupil.target = rng.triangular(0.0, 0.045, 0.016)
            else:
                pupil.target = rng.uniform(pupil.lo, pupil.hi)
        # Lateness: a few pupils are late often, some now and then, most hardly ever.
        for pupil in self.pupils:
            roll = rng.random()
            if roll < 0.04 or (pupil.profile in ("persistent", "severe") and roll < 0.3):
                pupil.late_rate, pupil.unauthorised_late_share = rng.uniform(0.1, 0.25), 0.25
            elif roll < 0.25:
                pupil.late_rate, pupil.unauthorised_late_share = rng.uniform(0.02, 0.05), 0.05

    def absences(self, pupil: _Pupil) -> None:
        """Episodes of illness, appointments and unauthorised days at the pupil's usual rate."""
        rng = self.rng
        weights = {
            "good": (0.72, 0.22, 0.06),
            "middle": (0.62, 0.18, 0.20),
            "persistent": (0.5, 0.12, 0.38),
            "severe": (0.35, 0.05, 0.60),
        }[pupil.profile]
        unauthorised_days = 3 if pupil.profile == "severe" else 1
        per_event = weights[0] * 4.0 + weights[1] * 1.0 + weights[2] * 1.8 * unauthorised_days
        chance = 2 * pupil.target / per_event
        day = pupil.first
        while day <= pupil.last:
            if rng.random() >= chance:
                day += 1
                continue
            kind = rng.choices(("ill", "medical", "unauthorised"), weights)[0]
            if kind == "ill":
                length = rng.choices((1, 2, 3, 4, 5), (45, 25, 15, 8, 7))[0]
                reason = "chickenpox" if length == 5 else rng.choice(ILLNESS)
                if length == 1 and rng.random() < 0.2:
                    pupil.set(day, 1, "I", f"sent home ill: {reason}")
                else:
                    for d in range(day, min(day + length, pupil.last + 1)):
                        pupil.set_day(d, "I", reason if d == day else "")
            elif kind == "medical":
                pupil.set(day, rng.randint(0, 1), "M", rng.choice(MEDICAL))
                length = 1
            else:
                length = rng.randint(1, unauthorised_days)
                for d in range(day, min(day + length, pupil.last + 1)):
                    if rng.random() < 0.3 and length == 1:
                        pupil.set(d, rng.randint(0, 1), "O", rng.choice(UNACCEPTED))
                    else:
                        pupil.set_day(d, "O", rng.choice(UNACCEPTED) if d == day else "")
            day += length + 1

    def activities(self) -> None:
        """Year-group trips (V), a sports team (P), a snow day (Y2), reception part time (X)."""
        rng = self.rng
        cal = self.calendar
        terms = [
            range(cal.index_on_or_after(t.start), cal.index_on_or_before(t.end) + 1)
            for t in self.terms[2:]
        ]
        previous_summer = terms[0]
        this_year = range(self.year_start, self.year_end + 1)
        for group, year_group in enumerate(YEAR_GROUPS):
            pupils = [p for p in self.pupils if p.record.year_group == year_group]
            # A trip each term (reception's first is in the autumn).
            for term, days in zip(self.terms[2:], terms, strict=True):
                if group == 0 and days is previous_summer:
                    continue
                day = rng.choice(days[1:-1])
                label = term.name.split()[0].lower()
                for pupil in pupils:
                    if pupil.first <= day <= pupil.last and pupil.fully_present(day):
                        pupil.set(day, 0, "V", f"Year {year_group} {label} trip to a museum")
                        pupil.set(day, 1, "V")
        team = rng.sample([p for p in self.pupils if p.record.year_group in ("5", "6")], 8)
        for day in sorted(rng.sample(list(this_year), 2)):
            for pupil in team:
                if pupil.first <= day <= pupil.last and pupil.get(day, 1) == "\\":
                    pupil.set(day, 1, "P", "football tournament")
        day = rng.choice(terms[2][3:-3])  # a snow day: the rural school bus did not run
        for pupil in rng.sample(self.pupils, 12):
            if pupil.first <= day <= pupil.last:
                pupil.set_day(day, "Y2", "snow: school bus cancelled")
        for pupil in self.pupils:  # reception starts part time: mornings only in the first week
            if pupil.record.year_group == "R" and pupil.first == self.year_start:
                for day in pupil.days(self.year_start, self.year_start + 4):
                    pupil.set(day, 1, "X", "part-time start")

    def lates(self, pupil: _Pupil) -> None:
        rng = self.rng
        for day in pupil.days():
            if pupil.get(day, 0) == "/" and rng.random() < pupil.late_rate:
                if rng.random() < pupil.unauthorised_late_share:
                    pupil.set(day, 0, "U", "arrived after the register closed", rng.randint(31, 55))
                else:
                    pupil.set(day, 0, "L", rng.choice(LATE_REASONS), rng.randint(3, 28))

    def calibrate(self, pupil: _Pupil) -> None:
        """Bring the pupil's absence this school year into the range of their profile."""
        rng = self.rng
        days = pupil.days(self.year_start, self.end)
        absent, possible = pupil.absence(days)
        if not possible:
            return
        if absent < pupil.lo * possible:
            free = [d for d in days if d not in pupil.locked and pupil.fully_present(d)]
            rng.shuffle(free)
            code = "O" if pupil.profile == "severe" else "I"
            while free and absent < pupil.lo * possible:
                day = free.pop()
                absent += 2
                pupil.set_day(day, code, rng.choice(UNACCEPTED if code == "O" else ILLNESS))
        elif absent > pupil.hi * possible:
            taken = [
                d
                for d in days
                if d not in pupil.locked and any(c in _ABSENT for c in pupil.codes[d - pupil.first])
            ]
            rng.shuffle(taken)
            while taken and absent > pupil.hi * possible:
                day = taken.pop()
                for session in (0, 1):
                    if pupil.get(day, session) in _ABSENT:
                        pupil.present(day, session)
                        absent -= 1

    def cut(self) -> None:
        """Keep what is known on as_of: pupils admitted by then, their marks up to then."""
        kept: list[_Pupil] = []
        for pupil in self.pupils:
            if pupil.first > self.end:
                continue
            if pupil.last > self.end:
                pupil.codes = pupil.codes[: self.end - pupil.first + 1]
                pupil.last = self.end
                pupil.record = replace(pupil.record, leaving_date=None)  # not left yet
                for notes in (pupil.minutes, pupil.comments):
                    for key in [k for k in notes if k[0] > self.end]:
                        del notes[key]
            kept.append(pupil)
        self.pupils = kept
        upns = {p.record.upn for p in kept}
        self.contacts = [c for c in self.contacts if c.upn in upns]

    # -- patterns placed for particular rules ----------------------------------------------

    def pick(self, name: str, profiles: Sequence[str] = ("good", "middle")) -> _Pupil | None:
        """A pupil on roll for the whole school year so far, not yet used for a pattern."""
        used = set(self.highlights.values())
        choices = [
            p
            for p in self.pupils
            if p.profile in profiles
            and p.record.year_group != "R"
            and p.first <= self.year_start
            and p.last == self.end
            and p.record.leaving_date is None
            and p.record.upn not in used
        ]
        if not choices:
            return None
        pupil = self.rng.choice(choices)
        self.highlights[name] = pupil.record.upn
        return pupil

    def no_reason_run(self, pupil: _Pupil, days: range, note: str) -> None:
        """Absent with no reason: O once the reason is overdue, N for the last five days."""
        for day in days:
            recent = self.end - day < 5
            pupil.set_day(day, "N" if recent else "O", note if day == days[0] else "")
            pupil.locked.add(day)

    def patterns(self) -> None:
        end, ytd = self.end, self.end - self.year_start + 1
        if ytd <= 0:
            return
        # Missing: 25 school days in a row with no reason (20 is the deletion ground).
        run = min(25, ytd)
        pupil = self.pick("child missing education", ("persistent",))
        if pupil:
            self.no_reason_run(pupil, range(end - run + 1, end + 1), "no contact from the family")
        # Agreed leave (C) for 5 days, then not back for 12 school days.
        after = min(12, ytd - 1)
        leave = min(5, ytd - after)
        pupil = self.pick("not back after leave")
        if pupil and leave > 0:
            for day in range(end - after - leave + 1, end - after + 1):
                pupil.set_day(day, "C", "leave granted: family funeral abroad, 5 days")
                pupil.locked.add(day)
            self.no_reason_run(pupil, range(end - after + 1, end + 1), "not back from leave")
        # Three days' agreed leave with an unexplained "illness" the day after.
        pupil = self.pick("absent after leave")
        if pupil and ytd > 8:
            first = self.year_start + ytd // 3
            for day in range(first, first + 3):
                pupil.set_day(day, "C", "leave granted: family wedding, 3 days")
            pupil.set_day(first + 3, "I", "reported ill on the day after leave; no evidence")
            pupil.locked.update(range(first, first + 4))
        # An unauthorised term-time holiday of a week (and the Friday afternoon before it)
        # inside the last 10 school weeks: the penalty threshold.
        pupil = self.pick("term-time holiday")
        week = self.holiday_week()
        if pupil and week:
            before = week[0] - 1
            pupil.set(before, 1, "G", "left early for a holiday; leave not requested")
            for day in week:
                pupil.set_day(day, "G", "family holiday in term time; leave not requested")
            pupil.locked.update((before, *week))
        # An N nobody followed up, 8 school days ago.
        pupil = self.pick("unresolved N")
        if pupil and ytd > 8:
            pupil.set_day(end - 7, "N", "message left; no reason given yet")
            pupil.locked.add(end - 7)
        # Off ill for the last five school days, and so 10 illness sessions this term.
        pupil = self.pick("off ill now")
        if pupil:
            for day in range(max(end - 4, self.year_start), end + 1):
                pupil.set_day(day, "I", "parent phoned: chickenpox" if day == end - 4 else "")
                pupil.locked.add(day)
        # No reason yet for today's or yesterday's absence (N, not yet overdue).
        for name, day in (
            ("no reason yet today", end),
            ("no reason yet today (2)", end),
            ("no reason yet yesterday", end - 1),
        ):
            pupil = self.pick(name)
            if pupil and day >= self.year_start:
                pupil.set_day(day, "N", "no call from home yet")
                pupil.locked.add(day)
        self.notification_patterns()
        self.late_patterns()
        # Arrived after the register closed (U) five times this school year.
        pupil = self.pick("often after the register closed", ("middle",))
        if pupil:
            free = [d for d in pupil.days(self.year_start, end) if pupil.get(d, 0) == "/"]
            for day in self.rng.sample(free, min(5, len(free))):
                pupil.set(
                    day, 0, "U", "arrived after the register closed", self.rng.randint(31, 50)
                )
                pupil.locked.add(day)
        self.unauthorised_patterns()
        self.amber_pattern()
        self.religious_observance()

    def religious_observance(self) -> None:
        """Days of religious observance (R): two in the year (the most Woodlands authorises),
        and three for another pupil (more than that)."""
        ytd = self.end - self.year_start + 1
        for name, events in (
            ("religious observance, two days", ("Eid al-Fitr", "Eid al-Adha")),
            ("religious observance, three days", ("Diwali", "Vaisakhi", "Guru Nanak Jayanti")),
        ):
            pupil = self.pick(name)
            if pupil is None or ytd < 3 * len(events):
                continue
            step = ytd // (len(events) + 1)
            for i, event in enumerate(events, start=1):
                day = self.year_start + i * step
                pupil.set_day(day, "R", f"day of religious observance: {event}")
                pupil.locked.add(day)

    def notification_patterns(self) -> None:
        """What the LA is told of besides a run of absence, and a gap in the register."""
        end, ytd = self.end, self.end - self.year_start + 1
        # Off ill for the first 15 school days of the year (30 sessions): the LA is told.
        pupil = self.pick("15 school days of illness")
        if pupil and ytd >= 20:
            for day in range(self.year_start, self.year_start + 15):
                pupil.set_day(
                    day, "I", "parent phoned: glandular fever" if day == self.year_start else ""
                )
                pupil.locked.add(day)
        # Yesterday afternoon's register was not taken for one pupil.
        pupil = self.pick("register not completed")
        if pupil and ytd >= 2:
            pupil.set(end - 1, 1, NO_MARK)
            pupil.locked.add(end - 1)

    def holiday_week(self) -> list[int] | None:
        """A whole school week in the last 10 school weeks (not this one), before a break if any."""
        cal = self.calendar
        weeks = cal.last_school_weeks(self.as_of, 10)[:-1]
        full: list[list[int]] = []
        for monday in reversed(weeks):
            days = [cal.day_index(d) for d in cal.school_days(monday, monday + timedelta(days=4))]
            if len(days) == 5 and days[0] > self.start and days[-1] < self.end:
                full.append(days)
        for days in full:
            nxt = days[-1] + 1
            if nxt < len(cal.days) and (cal.days[nxt] - cal.days[days[-1]]).days > 3:
                return days
        return full[0] if full else None

    def late_patterns(self) -> None:
        """Pupils late 3, 6 and 11 times this half term (4 of the 11 after the register closed)."""
        cal = self.calendar
        half = cal.latest_half_term(self.as_of)
        if half is None:
            return
        days = range(max(cal.index_on_or_after(half.start), self.year_start), self.end + 1)
        for name, count, unauthorised in (
            ("late 3 times this half term", 3, 0),
            ("late 6 times this half term", 6, 0),
            ("late 11 times this half term", 11, 4),
        ):
            pupil = self.pick(name, ("middle",))
            if pupil is None:
                continue
            for day in days:  # in school every day of the half term, late on some
                for session in (0, 1):
                    if pupil.get(day, session) in _ABSENT or pupil.get(day, session) == "L":
                        pupil.present(day, session)
            slots = [(d, 0) for d in days if pupil.fully_present(d)]
            slots += [(d, 1) for d in days if pupil.fully_present(d)]
            chosen = sorted(self.rng.sample(slots, min(count, len(slots))))
            for i, (day, session) in enumerate(chosen):
                if i < unauthorised:
                    pupil.set(
                        day,
                        session,
                        "U",
                        "arrived after the register closed",
                        self.rng.randint(31, 50),
                    )
                else:
                    pupil.set(
                        day, session, "L", self.rng.choice(LATE_REASONS), self.rng.randint(3, 25)
                    )
                pupil.locked.add(day)

    def unauthorised_patterns(self) -> None:
        """Exactly 4 unauthorised sessions in the last 12 school weeks, and 6."""
        cal = self.calendar
        window = cal.school_weeks_window(self.as_of, 12)
        if window is None:
            return
        days = range(max(cal.day_index(window[0]), self.start), self.end + 1)
        for name, count in (("4 unauthorised sessions", 2), ("6 unauthorised sessions", 3)):
            pupil = self.pick(name)
            if pupil is None:
                continue
            for day in days:
                for session in (0, 1):
                    if pupil.get(day, session) in UNAUTHORISED_CODES:
                        pupil.present(day, session)
            free = [d for d in days if pupil.fully_present(d)]
            for day in self.rng.sample(free, min(count, len(free))):
                pupil.set_day(day, "O", "reason not accepted: day out")
                pupil.locked.add(day)

    def amber_pattern(self) -> None:
        """Attendance this term between 90% and 96% (illness on about 7% of sessions)."""
        cal = self.calendar
        term = cal.latest_term(self.as_of)
        pupil = self.pick("attendance 90 to 96% this term")
        if term is None or pupil is None:
            return
        days = list(range(max(cal.index_on_or_after(term.start), self.year_start), self.end + 1))
        for day in days:
            for session in (0, 1):
                if pupil.get(day, session) in _ABSENT:
                    pupil.present(day, session)
        sessions = sum(1 for d in days for s in (0, 1) if pupil.get(d, s) in _POSSIBLE)
        need = round(0.07 * sessions)
        for day in self.rng.sample(days, min(len(days), need // 2)):
            pupil.set_day(day, "I", self.rng.choice(ILLNESS))
            pupil.locked.add(day)
        if need % 2 and days:
            free = [d for d in days if pupil.fully_present(d)]
            if free:
                pupil.set(self.rng.choice(free), 0, "M", self.rng.choice(MEDICAL))

    # -- output ---------------------------------------------------------------------------

    def marks(self) -> list[MarkRecord]:
        days = self.calendar.days
        out: list[MarkRecord] = []
        for pupil in self.pupils:
            upn_ = pupil.record.upn
            for offset, (am, pm) in enumerate(pupil.codes):
                day = pupil.first + offset
                for session, code in ((0, am), (1, pm)):
                    if code == NO_MARK:
                        continue  # a session whose register was not taken
                    key = (day, session)
                    out.append(
                        MarkRecord(
                            upn_,
                            days[day],
                            "AM" if session == 0 else "PM",
                            code,
                            pupil.minutes.get(key),
                            pupil.comments.get(key, ""),
                        )
                    )
        return out

    def build(self) -> DemoSchool:
        config = self.school()
        self.make_pupils()
        self.make_contacts()
        self.assign_profiles()
        for pupil in self.pupils:
            self.absences(pupil)
        self.activities()
        for pupil in self.pupils:
            self.lates(pupil)
        self.cut()
        self.rng = random.Random(f"casework demo {self.seed} {self.as_of.isoformat()}")
        for pupil in self.pupils:
            self.calibrate(pupil)
        self.patterns()
        demo = DemoSchool(
            config=config,
            pupils=[p.record for p in self.pupils],
            contacts=self.contacts,
            marks=self.marks(),
            as_of=self.as_of,
            seed=self.seed,
            highlights=dict(self.highlights),
        )
        extra = {**config.extra, "demo": demo.fingerprint()}
        return replace(demo, config=replace(config, extra=extra))


def generate(as_of: date, seed: int = DEFAULT_SEED, policy: str = DEFAULT_POLICY) -> DemoSchool:
    """The demo school as of a date: the same seed and date always give the same school.

    Every rule of every shipped policy finds something as of a date at least 20 school days
    into its school year and 5 into its half term. Earlier, a rule whose window is not yet
    that long cannot fire (20 days in a row absent this school year, 10 lates this half term);
    in August the new school year has no school day yet.
    """
    return _Generator(as_of, seed, policy).build()
