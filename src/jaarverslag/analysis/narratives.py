"""The narratives' numbers and direction words, checked against the data.

Analysts write each chapter's text in data/narratives/<year>/<region>/<theme>.md. Every
number in it must be a figure of that year and region, and every direction word must
agree with the change of the figure it is about. `jaarverslag validate` reports each that
does not, naming file, line, sentence and figure (see data/README.md, *Narratives*).

- **Numbers** as Dutch writes them: 95.782, 82,3%, € 14.232.000, 1,2 miljoen, 9,5 fte,
  the words twee to twintig, the tens, honderd and duizend, and tientallen, honderden and
  duizenden (10–100, 100–1.000, 1.000–10.000, of millions when 'miljoenen' follows). They
  are read as claims are (`claims.stated`): exactly at the decimals written; circa (also
  ca., ongeveer, zo'n, rond de) 5% either side, ruim up to 5% above, meer dan anything above;
  and here also bijna up to 5% below, minder dan anything below.
- **Not figures**: a year (four digits from 1990 to 2100 with no qualifier or unit), a day
  before a month's name, a number joined to a word by a hyphen or slash ('prio 2-meldingen', '24/7'), list
  numbers, and anything in a link address or an HTML comment.
- **Figures** of (year, region): each indicator's observations of the year and the year
  before, their change (% for counts and amounts, procentpunt for percentages) and its
  target; each goal's target and result; and the numbers in an indicator's or goal's own
  label (norms such as 'binnen 15 minuten'). A number without a unit is a count (or a
  number of districts); %, procent, procentpunt, €/euro, fte and kg/kilo name the others.
- **Which figure**: a sentence names the indicators and goals whose label or subject words
  it uses. A number must agree with a figure of its unit of a named one when there is
  such a figure, otherwise with any figure of its unit.
- **Direction words** (nam toe, steeg, groeide, liep op, daalde, nam af, steeds meer/minder,
  meer/minder/hoger/lager … dan een jaar eerder, …) are about the indicators or goals the
  sentence's numbers agreed with, else those its clause names best, else those its sentence
  names best. Each needs a figure for the year and the year before that changed that way.
- **The marker** `<!-- vrij -->` (a reason may follow: `<!-- vrij: datum -->`) right after a
  number or direction word says it is deliberately not from the data. It is an HTML
  comment: the narrative's renderer drops it, so no reader sees it.
- A line longer than 10.000 characters is a data error; such a file is not read further.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import formatting
from ..errors import DataContractError
from ..files import write_atomic
from ..inputs import Dataset, catalog
from ..inputs.cache import CACHE
from ..inputs.catalog import narratives
from .claims import MARGIN, Range, recorded, stated
from .targets import realisation

MAX_LINE = 10_000
MARKER = "<!-- vrij -->"
_FREE = re.compile(r"\s*<!--\s*vrij\b.*?-->", re.S | re.I)

# -- how a number is written -----------------------------------------------------------

_WORDS = {
    "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11,
    "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18,
    "negentien": 19, "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70,
    "tachtig": 80, "negentig": 90, "honderd": 100, "duizend": 1000,
}
_MAGNITUDES = {"tientallen": ("1", "tientallen"), "honderden": ("1", "honderden"), "duizenden": ("10", "honderden")}
_QUALIFIERS = {"circa": "circa", "ca.": "circa", "ongeveer": "circa", "zo'n": "circa", "zo’n": "circa", "rond de": "circa",
               "ruim": "ruim", "meer dan": "meer dan", "bijna": "bijna", "minder dan": "minder dan"}
_MULTIPLIERS = {"miljoen": 1e6, "miljoenen": 1e6, "miljard": 1e9, "miljarden": 1e9}
_UNITS = {"%": "percentage", "procent": "percentage", "procentpunt": "procentpunt", "procentpunten": "procentpunt",
          "euro": "euro", "euro's": "euro", "fte": "fte", "kg": "kilogram", "kilo": "kilogram", "kilogram": "kilogram"}
_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUMBER = re.compile(
    rf"(?<![\w.,€/-])(?:(?P<qualifier>{_alternatives(_QUALIFIERS)})\s+)?(?P<euro>€\s*)?"
    rf"(?P<number>\d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?|\d+(?:,\d+)?|(?:{_alternatives([*_WORDS, *_MAGNITUDES])})(?!\w))"
    rf"(?:\s+(?P<multiplier>{_alternatives(_MULTIPLIERS)})(?!\w))?"
    rf"(?:\s*(?P<unit>%)|\s+(?P<unit_word>{_alternatives(k for k in _UNITS if k != '%')})(?!\w))?"
    rf"(?P<glued>[-/\w]\w*)?(?P<date>\s+(?:{_MONTHS})\b)?",  # glued: part of a name ('prio 2-meldingen', 'C2000')
    re.I,
)


@dataclass(frozen=True)
class _Stated:
    """A number as the text writes it: its words, where it is, its unit and the values it allows."""

    text: str
    start: int
    end: int
    unit: str | None  # None: a count or a number of districts
    allows: Range


def _numbers(text: str, start: int = 0, end: int | None = None) -> Iterator[_Stated]:
    """The figures a text states, years, dates and names left out."""
    for m in _NUMBER.finditer(text, start, len(text) if end is None else end):
        number = m["number"].lower()
        unit = _UNITS.get((m["unit"] or m["unit_word"] or "").lower()) or ("euro" if m["euro"] else None)
        plain = number.replace(".", "").replace(",", ".")
        is_year = number.isdigit() and len(number) == 4 and 1990 <= int(plain) <= 2100 and not (m["qualifier"] or unit or m["multiplier"])
        if m["glued"] or m["date"] or is_year:
            continue
        qualifier = _QUALIFIERS.get((m["qualifier"] or "").lower())
        if number in _MAGNITUDES:
            value, qualifier = _MAGNITUDES[number]
        else:
            value = str(_WORDS.get(number, plain))
        allows = _allows(value, qualifier)
        scale = _MULTIPLIERS.get((m["multiplier"] or "").lower(), 1)
        yield _Stated(" ".join(m.group().split()), m.start(), m.end(), unit, Range(allows.low * scale, allows.high * scale))


def _allows(value: str, qualifier: str | None) -> Range:
    """claims.stated, and the two qualifiers claims.csv does not use: bijna (up to 5% below) and minder dan."""
    x = float(value)
    if qualifier == "bijna":
        return Range(x * (1 - MARGIN), x)
    if qualifier == "minder dan":
        return Range(-math.inf, math.nextafter(x, -math.inf))
    return stated(value, qualifier)


def _span(allows: Range) -> str:
    def shown(x: float) -> str:
        return formatting.number(x, 0 if abs(x - round(x)) < 1e-6 else 1 if abs(x * 10 - round(x * 10)) < 1e-6 else 2)

    if allows.low == -math.inf:
        return f"less than {shown(math.nextafter(allows.high, math.inf))}"
    if allows.high == math.inf:
        return f"more than {shown(math.nextafter(allows.low, -math.inf))}"
    return f"{shown(allows.low)} to {shown(allows.high)}"


# -- direction words ----------------------------------------------------------------------

# The words between a separable verb's parts ('namen in 2019 opnieuw af', 'nam met 4,8% toe'): not past a clause.
_BETWEEN = r"(?:[^.,;:!?]|(?<=\d)[.,](?=\d)|(?<=\bca)\.){0,60}?"


def _directions(previous: int) -> list[tuple[re.Pattern[str], int]]:
    """Each direction word's pattern and its sign, for a report whose previous year is `previous`."""
    since = (rf"(?:[^.;!?]|(?<=\d)\.(?=\d)|(?<=\bca)\.){{0,80}}?"
             rf"\bdan (?:een jaar eerder|het jaar (?:ervoor|daarvoor)|vorig jaar|in {previous})\b")
    up = [rf"\b(?:nam|namen|neemt|nemen)\b{_BETWEEN}\btoe\b", rf"\b(?:liep|liepen|loopt|lopen)\b{_BETWEEN}\bop\b",
          r"\b(?:toegenomen|opgelopen|steeg|stegen|stijgt|stijgen|gestegen|groeide|groeiden|groeit|groeien|gegroeid)\b",
          r"\b(?:stijgende?|groeiende?|toenemende?)\b", r"\bsteeds meer\b", rf"\b(?:meer|hoger)\b{since}"]
    down = [rf"\b(?:nam|namen|neemt|nemen)\b{_BETWEEN}\baf\b", r"\b(?:afgenomen|daalde|daalden|daalt|dalen|gedaald)\b",
            r"\b(?:dalende?|afnemende?)\b", r"\bsteeds minder\b", rf"\b(?:minder|lager)\b{since}"]
    return [(re.compile(p, re.I), 1) for p in up] + [(re.compile(p, re.I), -1) for p in down]


# -- the figures of a year and region -------------------------------------------------------

_STOP = {"aantal", "aandeel", "eenheid", "politie", "binnen", "minstens", "lager", "hoger", "tijdens", "waarin",
         "worden", "werden", "behoeve"}
_COMPATIBLE = {None: {"count", "districts"}, "percentage": {"percentage", "change %"}, "procentpunt": {"change pp"}}


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) >= 5 and w not in _STOP)


def _same(a: str, b: str) -> bool:
    """The same word, or one inflected: 'aangifte' and 'aangiften', not 'cybercrime' and 'cybercrimeverdachten'."""
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 6 and len(long) - len(short) <= 3 and long.startswith(short))


@dataclass(frozen=True)
class _Figure:
    value: float
    unit: str | None  # an indicator's unit, 'change %', 'change pp', or None: a number in a label, of any unit
    qualifier: str | None
    text: str
    what: str
    rank: int  # which figure a message names first: 0 the year's level, 1 a target, 2 the year before's, 3 a change
    topic: int

    def agrees(self, number: _Stated) -> bool:
        return number.allows.meets(recorded(self.value, self.qualifier))


@dataclass(frozen=True)
class _Topic:
    """An indicator or goal a sentence can be about, with its figures and its level in both years."""

    name: str
    words: frozenset[str]
    unit: str
    previous: float | None
    current: float | None
    shown: tuple[str | None, str | None]  # previous and current as the report writes them ('circa 500 fte')


def _qualifier(x: object) -> str | None:
    return x if isinstance(x, str) and x else None


class _Facts:
    """Every figure of (year, region) a narrative may state."""

    def __init__(self, data: Dataset, year: int, region: str) -> None:
        self.year, self.region = year, region
        self.topics: list[_Topic] = []
        self.figures: list[_Figure] = []
        self.directions = _directions(year - 1)
        self._indicators(data)
        self._goals(data)

    def _add(self, name: str, label: str, unit: str, levels: tuple[tuple[float, str | None] | None, ...],
             figures: list[tuple[float, str | None, str | None, str, str, int]]) -> None:
        """A topic: its label, its level (value, qualifier) in the year before and the year, and its figures."""
        topic = len(self.topics)
        previous, current = (level[0] if level else None for level in levels)
        previous_text, current_text = (formatting.value(level[0], unit, level[1]) if level else None for level in levels)
        self.topics.append(_Topic(name, _words(label), unit, previous, current, (previous_text, current_text)))
        self.figures += [_Figure(*f, topic) for f in figures]
        self.figures += [_Figure((n.allows.low + n.allows.high) / 2, None, None, n.text, f"the label of {name}", 4, topic)
                         for n in _numbers(label) if math.isfinite(n.allows.high)]

    def _indicators(self, data: Dataset) -> None:
        year, region = self.year, self.region
        obs = data.observations[(data.observations["region"] == region) & data.observations["year"].isin([year - 1, year])]
        targets = data.targets[(data.targets["region"] == region) & (data.targets["year"] == year)]
        for indicator in data.indicators.itertuples():
            rows = obs[obs["indicator"] == indicator.id]
            target = targets.loc[targets["indicator"] == indicator.id, "value"].dropna()
            if rows.empty and target.empty:
                continue
            level = {int(r.year): (float(r.value), _qualifier(r.qualifier)) for r in rows.itertuples()}
            unit = indicator.unit
            figures = [(v, unit, q, formatting.value(v, unit, q), f"observation {indicator.id}, {y}, {region}", 2 * (year - y))
                       for y, (v, q) in sorted(level.items())]
            figures += [(float(v), unit, None, formatting.value(float(v), unit), f"target {indicator.id}, {year}, {region}", 1)
                        for v in target]
            if year - 1 in level and year in level:
                previous, current = level[year - 1][0], level[year][0]
                change = float(realisation([current], [previous], [unit]).iloc[0])
                if math.isfinite(change):
                    kind = "change pp" if unit == "percentage" else "change %"
                    figures.append((abs(change), kind, None, formatting.change(change, unit),
                                    f"change of {indicator.id}, {year - 1} to {year}, {region}", 3))
            levels = (level.get(year - 1), level.get(year))
            self._add(f"indicator {indicator.id}", f"{indicator.label} {indicator.subject}", unit, levels, figures)

    def _goals(self, data: Dataset) -> None:
        year, region = self.year, self.region
        goals = data.goals[(data.goals["region"] == region) & data.goals["year"].isin([year - 1, year])]
        before = goals[goals["year"] == year - 1].set_index("goal_id")["result_value"]
        for goal in goals[goals["year"] == year].itertuples():
            numbers = [(role, float(v)) for role, v in (("target", goal.target_value), ("result", goal.result_value)) if pd.notna(v)]
            if not numbers:
                continue
            figures = [(v, goal.unit, None, formatting.value(v, goal.unit), f"goal {goal.goal_id} {role}, {year}, {region}",
                        int(role == "target")) for role, v in numbers]
            previous = before.get(goal.goal_id)
            levels = tuple((float(v), None) if v is not None and pd.notna(v) else None for v in (previous, goal.result_value))
            self._add(f"goal {goal.goal_id}", goal.label, goal.unit, levels, figures)

    def named(self, text: str) -> dict[int, int]:
        """How many of each topic's words the text uses, for the topics it names."""
        words = _words(text)
        scores = {i: sum(any(_same(w, s) for s in words) for w in t.words) for i, t in enumerate(self.topics)}
        return {i: n for i, n in scores.items() if n}

    def candidates(self, number: _Stated, named: dict[int, int]) -> list[_Figure]:
        """The figures a number may be: of its unit, of the named topics when they have such figures; best named first."""
        units = _COMPATIBLE.get(number.unit, {number.unit})
        fitting = [f for f in self.figures if f.unit is None or f.unit in units]
        of_named = [f for f in fitting if f.topic in named]
        return sorted(of_named, key=lambda f: -named[f.topic]) if of_named else fitting


# -- reading a narrative -------------------------------------------------------------------

_HIDDEN = re.compile(r"<!--.*?-->|\]\([^)]*\)|<[^>\n]*>|[*_`]", re.S)  # comments, link addresses, tags, emphasis
_LIST_MARK = re.compile(r"^[ \t]*(?:#+|[-*+>]|\d+[.)])(?=[ \t])", re.M)
_ABBREVIATIONS = r"(?<!\bca)(?<!\bnr)(?<!\bo\.a)(?<!\bt\.o\.v)(?<!\bm\.b\.v)(?<!\bi\.p\.v)"  # 'ca. 500' ends no sentence
_SENTENCE_END = re.compile(_ABBREVIATIONS + r"[.!?](?=\s+[^\sa-zà-ÿ]|\s*$)|\n[ \t]*\n|\n(?=[ \t]*(?:#|[-*+>][ \t]|\d+[.)][ \t]))")
_CLAUSE_END = re.compile(r"[,;:](?=\s)|\s(?:en|maar|terwijl|want|omdat|doordat)\s", re.I)


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


@dataclass(frozen=True)
class Finding:
    """A statement of a narrative that does not follow from the data."""

    path: Path
    line: int
    sentence: str
    problem: str

    def __str__(self) -> str:
        quoted = f' "{self.sentence}":' if self.sentence else ""
        return f"{self.path}, line {self.line}:{quoted} {self.problem}"


class _Narrative:
    def __init__(self, path: Path, raw: str, facts: _Facts) -> None:
        self.path, self.raw, self.facts = path, raw, facts
        self.plain = _LIST_MARK.sub(_blank, _HIDDEN.sub(_blank, raw))  # same length as raw: offsets stay valid
        self.free = [m.start() for m in re.finditer(r"<!--\s*vrij\b", raw, re.I)]

    def line(self, offset: int) -> int:
        return self.raw.count("\n", 0, offset) + 1

    def marked(self, start: int, end: int) -> bool:
        """Whether the marker follows what is at start:end (or sits inside it)."""
        return any(start < p < end for p in self.free) or bool(_FREE.match(self.raw, end))

    def sentences(self) -> Iterator[tuple[int, int]]:
        start = 0
        for m in _SENTENCE_END.finditer(self.plain):
            yield start, m.end()
            start = m.end()
        yield start, len(self.plain)

    def findings(self) -> Iterator[Finding]:
        for start, end in self.sentences():
            if self.plain[start:end].strip():
                yield from self.sentence(start, end)

    def finding(self, offset: int, start: int, end: int, problem: str) -> Finding:
        sentence = " ".join(self.plain[start:end].split())
        if len(sentence) > 200:
            sentence = sentence[:199] + "…"
        return Finding(self.path, self.line(offset), sentence, problem)

    def sentence(self, start: int, end: int) -> Iterator[Finding]:
        facts, text = self.facts, self.plain[start:end]
        named = facts.named(text)
        resolved: list[tuple[int, set[int]]] = []  # where a number is, and the topics of the figures it agrees with
        for number in _numbers(self.plain, start, end):
            if self.marked(number.start, number.end):
                continue
            candidates = facts.candidates(number, named)
            agreeing = [f for f in candidates if f.agrees(number)]
            resolved.append((number.start, {f.topic for f in agreeing if f.unit is not None}))
            if not agreeing:
                yield self.finding(number.start, start, end, self.unresolved(number, candidates, named))
        taken: list[tuple[int, int]] = []
        for pattern, sign in facts.directions:
            for m in pattern.finditer(self.plain, start, end):
                if any(m.start() < e and s < m.end() for s, e in taken) or self.marked(m.start(), m.end()):
                    continue
                taken.append(m.span())
                spans = (m.span(), self.clause(m.start(), m.end(), start, end), (start, end))
                problem = self.direction(" ".join(m.group().split()), sign, self.about(spans, resolved))
                if problem:
                    yield self.finding(m.start(), start, end, problem)

    def clause(self, at: int, until: int, start: int, end: int) -> tuple[int, int]:
        begins = [m.end() for m in _CLAUSE_END.finditer(self.plain, start, at)]
        ends = [m.start() for m in _CLAUSE_END.finditer(self.plain, until, end)]
        return begins[-1] if begins else start, ends[0] if ends else end

    def about(self, spans: tuple[tuple[int, int], ...], resolved: list[tuple[int, set[int]]]) -> list[int]:
        """What a direction word is about: in the word itself, then its clause, then its sentence, the topics of the
        figures its numbers agree with, else the topics it names best."""
        for start, end in spans:
            topics = set().union(*(t for at, t in resolved if start <= at < end))
            if topics or (topics := set(_best(self.facts.named(self.plain[start:end]), self.facts))):
                return sorted(topics)
        return []

    def unresolved(self, number: _Stated, candidates: list[_Figure], named: dict[int, int]) -> str:
        """Why a number agrees with no figure: the nearest figure of the indicator or goal the sentence names best."""
        facts = self.facts
        allows = f"{number.text} allows {_span(number.allows)}"
        of_named = [f for f in candidates if f.topic in named and f.unit is not None]  # not a number in a label
        if of_named:
            top = max(named[f.topic] for f in of_named)
            best = [f for f in of_named if named[f.topic] == top]
            middle = number.allows.low if math.isinf(number.allows.high) else number.allows.high if math.isinf(number.allows.low) \
                else (number.allows.low + number.allows.high) / 2
            nearest = min(best, key=lambda f: (f.rank, abs(f.value - middle)))
            return f"{number.text} — the data has {nearest.text} ({nearest.what}); {allows}."
        return (f"{number.text} — no figure of {facts.region} for {facts.year - 1} or {facts.year} agrees ({allows}); "
                f"mark a number that is deliberately not from the data: {number.text}{MARKER}")

    def direction(self, word: str, sign: int, topics: list[int]) -> str | None:
        facts = self.facts
        if not topics:
            return (f'"{word}" — no indicator or goal of the data is named here to compare {facts.year - 1} and {facts.year}; '
                    f"use its words from data/indicators.csv, or mark a change that is deliberately not from the data: "
                    f"{word}{MARKER}")
        problems = []
        for topic in (facts.topics[i] for i in topics):
            if topic.previous is None or topic.current is None:
                missing, known = (facts.year - 1, 1) if topic.previous is None else (facts.year, 0)
                has = f": {topic.shown[known]} in {facts.year - 1 + known}" if topic.shown[known] else ""
                problems.append(f"no figure for {missing} to compare with ({topic.name}, {facts.region}{has})")
            elif (topic.current > topic.previous) - (topic.current < topic.previous) != sign:
                change = "no change" if topic.current == topic.previous else "a rise" if topic.current > topic.previous else "a fall"
                problems.append(f"the data has {topic.shown[0]} in {facts.year - 1} and {topic.shown[1]} in {facts.year} "
                                f"({topic.name}, {facts.region}): {change}")
        return f'"{word}" — ' + "; ".join(problems) + "." if problems else None


def _best(scores: dict[int, int], facts: _Facts) -> list[int]:
    """The named topics with a level figure that the text names best."""
    scores = {i: n for i, n in scores.items() if facts.topics[i].previous is not None or facts.topics[i].current is not None}
    return sorted(i for i, n in scores.items() if n == max(scores.values())) if scores else []


# -- every narrative -------------------------------------------------------------------------

def files(data: Dataset) -> list[Path]:
    """Every narrative of every region of the data."""
    return [p for region in data.regions["id"] for p in narratives(data.data_dir, region)]


def check_file(path: Path, facts: _Facts) -> list[Finding]:
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return [Finding(path, 1, "", f"not UTF-8 text (byte {exc.start}); save it as UTF-8")]
    long = [Finding(path, n, "", f"{formatting.number(len(line))} characters; a narrative line may have at most "
                                 f"{formatting.number(MAX_LINE)} (the file is not read further)")
            for n, line in enumerate(raw.split("\n"), 1) if len(line) > MAX_LINE]
    return long or list(_Narrative(path, raw, facts).findings())


def check(data: Dataset) -> list[Finding]:
    """Every number and direction word of every narrative that does not follow from the data, in file order."""
    themes = {*data.themes["id"], catalog.FOREWORD}
    facts: dict[tuple[int, str], _Facts] = {}
    findings: list[Finding] = []
    for path in files(data):
        year, region, theme = path.parent.parent.name, path.parent.name, path.stem
        if not year.isdigit() or theme not in themes:
            findings.append(Finding(path, 1, "", "not a narrative: the path must be narratives/<year>/<region>/<theme>.md "
                                                 f"with a theme of themes.csv, or {catalog.FOREWORD}.md"))
            continue
        key = (int(year), region)
        if key not in facts:
            facts[key] = _Facts(data, *key)
        findings += check_file(path, facts[key])
    return findings


def _verdict_key(data: Dataset) -> str | None:
    """What the verdict depends on: the tables, every narrative and this checker's code."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    try:
        for path in [*(catalog.path(data.data_dir, name) for name in catalog.TABLES), *files(data)]:
            digest.update(str(path).encode() + path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def require_consistent(data: Dataset) -> int:
    """Raise DataContractError listing every finding; return how many narratives were checked.

    A verdict of 'consistent' is remembered in the data cache, so a run with nothing changed
    does not read every narrative again.
    """
    key = _verdict_key(data)
    passed = CACHE / f"narratives-{key}.ok"
    if key and passed.is_file():
        return len(files(data))
    findings = check(data)
    if key and not findings:
        with contextlib.suppress(OSError):  # no cache: the next run checks again
            write_atomic(passed, "")
    if findings:
        n = len(findings)
        raise DataContractError(
            f"{n} {'statement in the narratives does' if n == 1 else 'statements in the narratives do'} not follow from the data "
            f"(mark a number that is deliberately not from the data with {MARKER} right after it):\n"
            + "\n".join(map(str, findings))
        )
    return len(files(data))
