"""Event extraction: conferences, alliances and formal proposals an article reports as news.

Rules, not a model, driven by the ``events`` section of ``taxonomy.yaml``:

* **conference / alliance**: a capitalised name whose head noun is a trigger ("... Development
  Conference", "... Training Alliance", "Forum on Bashu Culture & Tourism ..."). A trigger that is
  a modifier ("Expo Center"), follows an excluded word ("press conference") or sits in an
  institution's name ("Political Consultative Conference") is not an event. The event must be the
  news: a conference has to be reported as held / opened / announced (a reporting cue, the title,
  the lead or repeated mentions), not only named as the source of a quote or a figure, nor be a
  past edition; an alliance needs a launch / founding / joining / expansion cue and no sports
  context.
* **proposal**: "proposal / motion / suggestion on <subject>" in a formal context (NPC deputies,
  CPPCC members, the two sessions, an official body), named in the labels' style
  ("proposal on elderly care"), with the proposers found around it.

Mentions of the same event are merged by :func:`event_key` (case, articles, years, ordinals,
punctuation), and a shorter name contained in a longer one is the same event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from pipelines.classify import ArticleDoc, split_paragraphs
from pipelines.taxonomy import (
    EventKindSpec,
    EventsSpec,
    Taxonomy,
    load_taxonomy,
    normalise_token,
)

__all__ = ["ExtractedEvent", "event_key", "extract_events", "names_match", "split_sentences"]


@dataclass(frozen=True)
class ExtractedEvent:
    """One event an article reports."""

    kind: str  # conference | alliance | proposal
    name: str  # as written in the article
    key: str  # normalised identity, to merge the same event across articles
    date_text: str | None  # as written, e.g. "November 23-24"
    start_date: date | None  # the year, when missing, comes from the publication date
    end_date: date | None
    place: str | None  # e.g. "Chongqing's Liangjiang New Area"
    organisers: tuple[str, ...]
    proposers: tuple[str, ...]
    summary: str  # the sentence that introduced it
    evidence: str  # why it fired, and the sentence


# --------------------------------------------------------------------------------------------
# Keys and name matching

_ORDINAL_WORDS = {
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "annual",
    "inaugural",
}
_YEAR_OR_ORDINAL = re.compile(r"^(?:(?:19|20)\d\d|\d+(?:st|nd|rd|th))$")


def event_key(name: str) -> str:
    """Normalised identity of an event name.

    Lower case, "&" as "and", no possessive "'s", no punctuation, no leading article, no years or
    ordinals ("2020", "5th", "first", "annual"): "the 2020 Chongqing Talents Conference" and
    "Chongqing Talents Conference" have the same key.
    """
    s = name.lower().replace("&", " and ").replace("’", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    # Plurals folded too: "Talents Conference" and "Talent Conference" are one event.
    toks = [
        normalise_token(t)
        for t in s.split()
        if not _YEAR_OR_ORDINAL.match(t) and t not in _ORDINAL_WORDS
    ]
    while toks and toks[0] in ("the", "a", "an"):
        toks.pop(0)
    return " ".join(toks)


def _contains(longer: str, shorter: str) -> bool:
    return bool(shorter) and f" {shorter} " in f" {longer} "


def names_match(a: str, b: str, min_overlap: float = 0.6) -> bool:
    """Whether two event names denote the same event: equal keys, one key contained in the
    other (on word boundaries), or a token overlap of at least ``min_overlap`` (Jaccard)."""
    ka, kb = event_key(a), event_key(b)
    if not ka or not kb:
        return False
    if ka == kb or _contains(ka, kb) or _contains(kb, ka):
        return True
    sa, sb = set(ka.split()), set(kb.split())
    return len(sa & sb) / len(sa | sb) >= min_overlap


# --------------------------------------------------------------------------------------------
# Sentences

_ABBREV = re.compile(
    r"(?:\b(?:Co|Ltd|Inc|Corp|No|Mr|Mrs|Ms|Dr|Prof|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct"
    r"|Nov|Dec|vs|etc|approx|Gov|Dept)|\b[A-Z]|\b(?:[A-Z]\.)+[A-Z])\.$"
)
_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")
_DATELINE = re.compile(r"^\s*[A-Z][A-Za-z' ]{1,40}\s+[-–—]\s+")


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, not after common abbreviations ("Co., Ltd.")."""
    parts = _SENT_SPLIT.split(paragraph)
    out: list[str] = []
    for part in parts:
        # Only the tail can end in an abbreviation: searching it alone is much faster.
        if out and _ABBREV.search(out[-1][-14:]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [s.strip() for s in out if s.strip()]


# --------------------------------------------------------------------------------------------
# Dates, places, organisers, proposers

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DATE_RE = re.compile(
    rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY})"
    rf"(?:\s*(?:-|–|to|through|until|and)\s*(?:(?P<m2>{_MONTH})\s+)?(?P<d2>{_DAY})\b)?"
    rf"(?:,?\s+(?P<y>(?:19|20)\d\d))?"
)
_PLACE_RE = re.compile(
    r"\b(?:in|at)\s+(?:the\s+)?(?P<p>(?:[A-Z][\w'’\-]*)(?:\s+(?:(?:of|and|&)\s+)?[A-Z][\w'’\-]*)*)"
)
_ORGANISER_RE = re.compile(
    r"\b(?:co-)?(?:hosted|organized|organised|sponsored|initiated|convened|launched|led|"
    r"jointly\s+(?:held|hosted|organized|organised|launched|initiated)|held|founded|"
    r"established|set\s+up)\s+by\s+(?P<o>[^.;:]+)"
)
_PERSON = r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2}"
_PERSON_RE = re.compile(rf"\b{_PERSON}\b")
_NOT_PERSON = {
    "chongqing",
    "china",
    "chinese",
    "the",
    "this",
    "vice",
    "president",
    "director",
    "general",
    "manager",
    "deputy",
    "member",
    "members",
    "chief",
    "national",
    "municipal",
    "people",
    "science",
    "city",
    "district",
    "new",
    "area",
    "committee",
    "two",
    "sessions",
    "group",
    "university",
    "institute",
    "center",
    "centre",
    "company",
    "western",
    "sichuan",
    "beijing",
    "shanghai",
    "in",
    "at",
    "on",
    "for",
    "during",
    "his",
    "her",
    "their",
    "according",
    "meanwhile",
    "chairman",
    "secretary",
    "mayor",
    "professor",
    "dr",
    "mr",
    "ms",
}


def _resolve_year(month: int, day: int, published: datetime | None, year: int | None) -> date:
    if year is None:
        if published is None:
            year = date.today().year
        else:
            # The year putting the date nearest the publication (an article of late December
            # announcing a January event means next January).
            pub = published.date()
            best = None
            for y in (pub.year - 1, pub.year, pub.year + 1):
                try:
                    d = date(y, month, day)
                except ValueError:
                    continue
                if best is None or abs((d - pub).days) < abs((best - pub).days):
                    best = d
            if best is not None:
                return best
            year = pub.year
    return date(year, month, day)


def _find_date(
    sentences: list[str], published: datetime | None
) -> tuple[str | None, date | None, date | None]:
    for sent in sentences:
        m = _DATE_RE.search(sent)
        if not m:
            continue
        try:
            m1 = _MONTHS[m["m1"][:3].lower()]
            d1 = int(re.sub(r"\D", "", m["d1"]))
            year = int(m["y"]) if m["y"] else None
            start = _resolve_year(m1, d1, published, year)
            end = start
            if m["d2"]:
                m2 = _MONTHS[m["m2"][:3].lower()] if m["m2"] else m1
                d2 = int(re.sub(r"\D", "", m["d2"]))
                end_year = start.year + (1 if m2 < m1 else 0)
                end = date(end_year, m2, d2)
                if end < start:
                    continue
        except ValueError:
            continue
        return m.group(0).strip(), start, end
    return None, None, None


_MONTH_WORDS = {m.lower().rstrip(".") for m in re.findall(r"[A-Z][a-z]+\.?", _MONTH)}
# "the Congress on Monday": a date after a trigger is not the start of a "Forum on X" name.
_TIME_WORDS = _MONTH_WORDS | {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "tomorrow",
}


def _find_place(sentences: list[str], names: list[str]) -> str | None:
    for sent in sentences:
        text = sent
        for name in names:
            text = text.replace(name, " " * len(name))  # not the event's own name
        for m in _PLACE_RE.finditer(text):
            place = m["p"].strip()
            first = place.split()[0].lower().rstrip(".")
            if first in _MONTH_WORDS or first in {"the", "this", "that", "a"}:
                continue
            if re.search(
                r"\b(?:Conference|Forum|Summit|Expo|Symposium|Seminar|Congress|Convention"
                r"|Alliance|Association|Consortium|Session|Sessions)$",
                place,
            ):
                continue  # another event, not a place ("... Expo Center" is a place)
            return place
    return None


def _split_parties(text: str) -> list[str]:
    text = re.split(r"\s+(?:on|in|at|to|with|from|during|which|who|that)\s+", text)[0]
    parties = []
    for part in re.split(r",\s*(?:and\s+)?|\s+and\s+", text):
        part = re.sub(r"^(?:the|a|an)\s+", "", part.strip(), flags=re.IGNORECASE)
        if part and part[0].isupper():
            parties.append(part)
    return parties


def _find_organisers(sentences: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for sent in sentences:
        for m in _ORGANISER_RE.finditer(sent):
            for p in _split_parties(m["o"]):
                if p not in out:
                    out.append(p)
    return tuple(out)


def _person_names(text: str) -> list[str]:
    out = []
    for m in _PERSON_RE.finditer(text):
        words = m.group(0).replace("-", " ").split()
        if any(w.lower() in _NOT_PERSON for w in words):
            continue
        out.append(m.group(0))
    return out


def _find_proposers(sentences: list[str], all_sentences: list[str]) -> tuple[str, ...]:
    """Who submitted the proposal: the subject of the proposal sentence, then co-proposers
    listed in sentences saying "jointly proposed / submitted" or "together with"."""
    out: list[str] = []
    for sent in sentences:
        # The subject: a person name before the submitting verb, or "member/deputy NAME".
        head = re.split(
            r"\b(?:has|have|had)?\s*(?:submitted|tabled|filed|put forward|proposed)", sent
        )[0]
        m = re.search(
            rf"(?:member|deputy|adviser|advisor|lawmaker|legislator)\s+({_PERSON})\b", head
        )
        cands = [m.group(1)] if m else _person_names(head)[:1]
        for c in cands:
            if c not in out:
                out.append(c)
    surnames = {n.split()[0] for n in out}
    for sent in all_sentences:
        if not re.search(r"\b(?:jointly|together with|co-?propos|co-?submit|along with)", sent):
            continue
        if not re.search(r"propos|submit|suggest|motion", sent, re.IGNORECASE):
            continue
        first_word = sent.split()[0] if sent.split() else ""
        if out and first_word not in surnames and not any(n in sent for n in out):
            continue  # a joint proposal by someone else
        for m in re.finditer(rf"(?:including|:|;|,|\band)\s+({_PERSON}),", sent):
            name = m.group(1)
            if name not in out and _person_names(name):
                out.append(name)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Capitalised names with a trigger head

_NAME_TOKEN = re.compile(r"\([^()]{1,80}\)|[A-Za-z0-9](?:[A-Za-z0-9'’\-]*[A-Za-z0-9])?|&|[^\s\w]")


def _is_cap(tok: str) -> bool:
    if tok.startswith("("):
        return any(c.isupper() for c in tok)
    c = tok[0]
    return c.isupper() or c.isdigit()


def _names_in(sentence: str, spec: EventKindSpec, ev: EventsSpec) -> list[tuple[str, str, int]]:
    """(name, trigger, start offset) of each capitalised event name in ``sentence``."""
    toks = [(m.group(0), m.start(), m.end()) for m in _NAME_TOKEN.finditer(sentence)]
    out: list[tuple[str, str, int]] = []
    conns = ev.name_connectors
    n = len(toks)
    for i, (tok, _s, _e) in enumerate(toks):
        low = tok.lower()
        if low not in spec.triggers or not tok[0].isupper():
            continue
        if i > 0 and toks[i - 1][0].lower() in spec.excluded_modifiers:
            continue
        # Forward: "Forum on Bashu Culture & Tourism ...", a trailing year, or not the head.
        j = i + 1
        end = i
        if j < n:
            nxt = toks[j][0]
            if re.fullmatch(r"(?:19|20)\d\d", nxt):
                end = j
            elif (
                nxt.lower() in ("on", "of", "for")
                and j + 1 < n
                and _is_cap(toks[j + 1][0])
                and toks[j + 1][0].lower() not in ev.venue_words
                and toks[j + 1][0].lower().rstrip(".") not in _TIME_WORDS
            ):
                k = j + 1
                end = k
                while k + 1 < n:
                    t = toks[k + 1][0]
                    if _is_cap(t) and t.lower() not in spec.triggers:
                        k += 1
                        end = k
                    elif (
                        t.lower() in conns
                        and t.lower() != "in"
                        and k + 2 < n
                        and _is_cap(toks[k + 2][0])
                    ):
                        k += 2
                        end = k
                    else:
                        break
            elif nxt[0].isupper() and nxt.isalpha() and nxt.lower() not in spec.triggers:
                continue  # "Expo Center", "Union Hospital": the trigger is a modifier
        # Backward over capitalised words and single connectors between them.
        start = i
        k = i - 1
        while k >= 0:
            t = toks[k][0]
            if _is_cap(t):  # a trigger may be inside a name ("... Summit Forum")
                start = k
                k -= 1
            elif t.lower() in conns and k - 1 >= 0 and _is_cap(toks[k - 1][0]):
                start = k - 1
                k -= 2
            else:
                break
        # Trim sentence openers and connectors that are not part of the name.
        while start < i and (
            toks[start][0].lower() in ev.leading_stopwords or toks[start][0].lower() in conns
        ):
            start += 1
        # A name starting the sentence with a connector inside ("Organizers of the X Forum"):
        # the first capitalised word is an ordinary sentence opener.
        words = [t[0] for t in toks[start:i]]
        if start == 0 and any(w.lower() in conns for w in words):
            while start < i and toks[start][0].lower() not in conns:
                start += 1
            while start < i and toks[start][0].lower() in conns:
                start += 1
        core = [t[0] for t in toks[start:i]] + [t[0] for t in toks[i + 1 : end + 1]]
        if not any(
            w[0].isupper() and not _YEAR_OR_ORDINAL.match(w) and w.lower() not in conns
            for w in core
        ):
            continue  # "the Forum", "2024 Expo": no proper name
        name = sentence[toks[start][1] : toks[end][2]]
        # Typographic apostrophes ("People’s Congress") must match the taxonomy's plain ones.
        name_low = name.lower().replace("\u2019", "'").replace("\u2018", "'")
        if any(x in name_low for x in spec.excluded_names):
            continue
        out.append((name, low, toks[start][1]))
    return out


# --------------------------------------------------------------------------------------------
# Proposals

_PROPOSAL_NOUN = re.compile(r"\b(proposal|motion|suggestion)(s?)\b", re.IGNORECASE)


def _proposal_names(sentence: str, spec: EventKindSpec) -> list[tuple[str, int]]:
    """('proposal on <subject>', offset) for each proposal noun with a subject."""
    out: list[tuple[str, int]] = []
    intro = "|".join(re.escape(x) for x in sorted(spec.subject_introducers, key=len, reverse=True))
    for m in _PROPOSAL_NOUN.finditer(sentence):
        noun = m.group(1).lower()
        rest = sentence[m.end() :]
        # "submitted two proposals: one on X, another on Y"
        if m.group(2):
            multi = re.findall(
                r"\b(?:one|another|the other|the first|the second|the third)\s+(on|about)\s+"
                r"([^,;.]+)",
                rest,
            )
            if len(multi) > 1:
                for prep, subj in multi:
                    subj = _cut_subject(subj, spec)
                    if subj:
                        out.append((f"{noun} {prep} {subj}", m.start()))
                continue
        q = re.match(r"\s*(?:titled|entitled|named|called)\s+[\"“]([^\"”]{3,150})[\"”]", rest)
        if q:
            out.append((f"{noun} {q.group(1).strip()}", m.start()))
            continue
        im = re.match(rf"\s+({intro})\s+", rest) if intro else None
        if not im:
            continue
        prep = im.group(1)
        subj = _cut_subject(rest[im.end() :], spec)
        if prep == "to" and subj and not re.match(r"[a-z]+\b", subj):
            continue  # "a proposal to the session": a destination, not a subject
        if subj and len(subj.split()) >= 1:
            out.append((f"{noun} {prep} {subj}", m.start()))
    return out


def _cut_subject(text: str, spec: EventKindSpec) -> str:
    cut = len(text)
    padded = f"{text} "
    for stop in spec.subject_stops:
        pos = padded.find(stop)
        if 0 <= pos < cut:
            cut = pos
    subj = text[:cut].strip()
    words = subj.split()
    if len(words) > 18:  # an unbounded clause is not a name
        subj = " ".join(words[:18])
    return subj.strip(" \"'“”")


# --------------------------------------------------------------------------------------------
# Extraction


@dataclass
class _Mention:
    kind: str
    name: str
    trigger: str
    sentence: str
    index: int  # sentence number in the article
    paragraph: int
    offset: int


@dataclass
class _Group:
    kind: str
    key: str
    mentions: list[_Mention]
    backrefs: list[str]

    @property
    def name(self) -> str:
        # The fullest form as written: most words, then first seen.
        return max(self.mentions, key=lambda m: (len(m.name.split()), -m.index)).name


def _group(mentions: list[_Mention]) -> list[_Group]:
    groups: list[_Group] = []
    for m in sorted(mentions, key=lambda m: -len(event_key(m.name))):
        key = event_key(m.name)
        for g in groups:
            if g.kind == m.kind and (g.key == key or _contains(g.key, key)):
                g.mentions.append(m)
                break
        else:
            groups.append(_Group(m.kind, key, [m], []))
    for g in groups:
        g.mentions.sort(key=lambda m: (m.index, m.offset))
    groups.sort(key=lambda g: (g.mentions[0].index, g.mentions[0].offset))
    return groups


def _is_source_mention(m: _Mention, ev: EventsSpec) -> bool:
    """Named only as where a quote or a figure came from ("according to the X Association")."""
    before = m.sentence[: m.offset]
    if re.search(
        r"(?:according to|data from|figures from|statistics from|cited by|released by|"
        r"report(?:ed)? by|published by|compiled by|a survey by|said|says|quoted by)\s+"
        r"(?:the\s+)?(?:[\w'’-]+\s+){0,3}$",
        before,
        re.IGNORECASE,
    ):
        return True
    # A configured cue counts only right before the name ("said at the 2022 X Forum"): the same
    # cue elsewhere in the sentence ("officials said at a press conference that the X Expo will
    # open") is where the news came from, not what the event is.
    if ev.source_cues:
        for cue in ev.source_cues.finditer(before):
            if len(before[cue.end() :].split()) <= 4:
                return True
    return False


def _past_edition(name: str, published: datetime | None) -> bool:
    if published is None:
        return False
    years = [int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", name)]
    # An article of January may still report the previous December's event.
    return bool(years) and max(years) < published.year and published.month > 2


def _accept_conference(
    g: _Group, ev: EventsSpec, spec: EventKindSpec, title: str, published: datetime | None
) -> str | None:
    """Why the conference is news (a short reason), or None when it is not."""
    if _past_edition(g.name, published):
        return None
    sources = [_is_source_mention(m, ev) for m in g.mentions]
    title_low = title.lower()
    key_words = [w for w in g.key.split() if w not in ("of", "on", "and", "for", "the", "in")]
    trigger = g.mentions[0].trigger
    if re.search(rf"\b{trigger}", title_low) or (
        len(key_words) >= 2 and sum(w in title_low for w in key_words) >= 2
    ):
        return "named in the title"
    for m, src in zip(g.mentions, sources, strict=True):
        rest = m.sentence.replace(m.name, " ")
        cue = spec.report_cues.search(rest) if spec.report_cues else None
        if cue and not src:
            return f'reported ("{cue.group(0)}")'
    if all(sources):
        return None
    if len(g.mentions) + len(g.backrefs) >= 2:
        return f"mentioned {len(g.mentions) + len(g.backrefs)} times"
    if g.mentions[0].paragraph == 0:
        return "in the lead"
    return None


def _accept_alliance(g: _Group, ev: EventsSpec, spec: EventKindSpec, title: str) -> str | None:
    for m in g.mentions:
        if _is_source_mention(m, ev) and not re.search(
            r"\blaunch|\bfound|\bestablish|\bunveil|\binaugurat", m.sentence, re.IGNORECASE
        ):
            continue
        if spec.excluded_context and spec.excluded_context.search(m.sentence):
            continue
        cue = spec.report_cues.search(m.sentence) if spec.report_cues else None
        if cue:
            return f'reported ("{cue.group(0)}")'
    tl = title.lower()
    if (
        g.mentions[0].trigger in tl
        and spec.report_cues
        and spec.report_cues.search(title)
        and not (spec.excluded_context and spec.excluded_context.search(title))
    ):
        return "launch in the title"
    return None


def _backrefs(groups: list[_Group], sentences: list[tuple[int, str]]) -> None:
    """Attach "the conference" / "the forum" back-references to the latest event before them."""
    for idx, sent in sentences:
        low = sent.lower()
        for g in groups:
            if g.kind != "conference" or g.mentions[0].index >= idx:
                continue
            trig = g.mentions[0].trigger
            if re.search(rf"\b(?:the|this|this year's)\s+{trig}\b", low) and not any(
                m.index == idx for m in g.mentions
            ):
                later = [
                    h
                    for h in groups
                    if h is not g
                    and h.kind == "conference"
                    and h.mentions[0].trigger == trig
                    and g.mentions[0].index < h.mentions[0].index < idx
                ]
                if not later:
                    g.backrefs.append(sent)


def _followers(groups: list[_Group], sentences: list[tuple[int, str]]) -> None:
    """A sentence right after a mention that continues about it ("It was hosted by ...")."""
    by_index = dict(sentences)
    for g in groups:
        for m in g.mentions:
            nxt = by_index.get(m.index + 1)
            if (
                nxt
                and nxt not in g.backrefs
                and re.match(
                    rf"(?:It|The event|The {m.trigger}|This year's {m.trigger})\b",
                    nxt,
                    re.IGNORECASE,
                )
            ):
                g.backrefs.append(nxt)


def _proposal_formal(
    sentence: str, spec: EventKindSpec, context: str, everyday: re.Pattern[str] | None
) -> bool:
    if spec.excluded_context and spec.excluded_context.search(sentence):
        return False
    fc = spec.formal_context
    if fc and fc.search(sentence):
        return True
    if everyday and everyday.search(sentence):
        return False
    return bool(fc and fc.search(context))


_EVERYDAY = re.compile(
    r"\b(?:residents?|households?|neighbou?rs?|homeowners?|elevators?|tenants?|landlords?|"
    r"villagers|parents)\b",
    re.IGNORECASE,
)


def extract_events(doc: ArticleDoc, taxonomy: Taxonomy | None = None) -> list[ExtractedEvent]:
    """The conferences, alliances and proposals ``doc`` reports, each once, in order of
    first mention."""
    tax = taxonomy or load_taxonomy()
    ev = tax.events
    paragraphs = split_paragraphs(doc.body_text)
    if paragraphs:
        paragraphs[0] = _DATELINE.sub("", paragraphs[0], count=1)
    sentences: list[tuple[int, int, str]] = []  # (sentence index, paragraph, text)
    for pi, para in enumerate(paragraphs):
        # A short line without final punctuation is a subheading in title case: no names there.
        if len(para.split()) < 9 and not para.rstrip().endswith((".", "!", "?", '"', "”")):
            continue
        for sent in split_sentences(para):
            sentences.append((len(sentences), pi, sent))

    kinds = ev.kinds
    mentions: list[_Mention] = []
    filters = ev.trigger_filters
    for idx, pi, sent in sentences:
        low = sent.lower()
        for kind in ("conference", "alliance"):
            if not filters[kind].search(low):
                continue
            spec = kinds[kind]
            for name, trig, off in _names_in(sent, spec, ev):
                mentions.append(_Mention(kind, name, trig, sent, idx, pi, off))

    groups = _group(mentions)
    indexed = [(i, s) for i, _p, s in sentences]
    _backrefs(groups, indexed)
    _followers(groups, indexed)
    all_sents = [s for _i, _p, s in sentences]
    results: list[ExtractedEvent] = []
    for g in groups:
        spec = kinds[g.kind]
        if g.kind == "conference":
            reason = _accept_conference(g, ev, spec, doc.title, doc.published_at)
        else:
            reason = _accept_alliance(g, ev, spec, doc.title)
        if reason is None:
            continue
        sents = [m.sentence for m in g.mentions]
        # Dates and places are looked for in the mentions, then in the back-references.
        date_text, start, end = _find_date(sents + g.backrefs, doc.published_at)
        names = [m.name for m in g.mentions]
        results.append(
            ExtractedEvent(
                kind=g.kind,
                name=g.name,
                key=g.key,
                date_text=date_text,
                start_date=start,
                end_date=end,
                place=_find_place(sents + g.backrefs[:2], names),
                organisers=_find_organisers(sents + g.backrefs[:2]),
                proposers=(),
                summary=g.mentions[0].sentence,
                evidence=f"{g.kind} {reason}: {g.mentions[0].sentence}",
            )
        )

    results.extend(_extract_proposals(doc, tax, sentences, all_sents))
    return results


def _extract_proposals(
    doc: ArticleDoc,
    tax: Taxonomy,
    sentences: list[tuple[int, int, str]],
    all_sents: list[str],
) -> list[ExtractedEvent]:
    spec = tax.events.kinds["proposal"]
    lead = next((s for _i, p, s in sentences if p == 0), "")
    context = f"{doc.title} {' '.join(s for _i, p, s in sentences if p == 0)} {lead}"
    found: dict[str, tuple[str, str, list[str]]] = {}  # key -> (name, first sentence, sentences)
    bare: list[str] = []
    for _idx, _pi, sent in sentences:
        low = sent.lower()
        if "propos" not in low and "motion" not in low and "suggestion" not in low:
            continue
        if not _PROPOSAL_NOUN.search(sent):
            continue
        if not _proposal_formal(sent, spec, context, _EVERYDAY):
            continue
        named = _proposal_names(sent, spec)
        for name, _off in named:
            key = event_key(name)
            for k in found:
                if k == key or _contains(k, key) or _contains(key, k):
                    found[k][2].append(sent)
                    break
            else:
                found[key] = (name, sent, [sent])
        if not named and spec.submit_cues and spec.submit_cues.search(sent):
            bare.append(sent)
    out: list[ExtractedEvent] = []
    for key, (name, first, sents) in found.items():
        proposers = _find_proposers(sents, all_sents)
        out.append(
            ExtractedEvent(
                kind="proposal",
                name=name,
                key=key,
                date_text=None,
                start_date=None,
                end_date=None,
                place=None,
                organisers=(),
                proposers=proposers,
                summary=first,
                evidence=f"proposal in a formal context: {first}",
            )
        )
    if not out and bare:
        # A formal proposal whose subject is not spelled out after the noun.
        proposers = _find_proposers(bare[:1], all_sents)
        name = f"proposal by {proposers[0]}" if proposers else "proposal"
        out.append(
            ExtractedEvent(
                kind="proposal",
                name=name,
                key=event_key(name),
                date_text=None,
                start_date=None,
                end_date=None,
                place=None,
                organisers=(),
                proposers=proposers,
                summary=bare[0],
                evidence=f"proposal submitted in a formal context: {bare[0]}",
            )
        )
    return out
