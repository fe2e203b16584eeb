"""Who submitted a proposal, and in what role: "Luo Jing, a deputy to the NPC, submitted ...",
"CPPCC member Chu Wenbo has put forward ...", co-proposers listed after "jointly submitted".

A person is a two- or three-word capitalised name that holds no title or place word; the role is
read from the words around the name ("a deputy to the National People's Congress" = NPC deputy,
"a member of the CPPCC National Committee" = CPPCC member), empty where the text gives none.
"""

from __future__ import annotations

import re

from pipelines.events.records import Mention
from pipelines.events.sentences import word_set

__all__ = ["find_proposers", "mention_proposer", "proposer_role", "proposer_roles", "submitter"]

_PERSON = r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2}"
_PERSON_RE = re.compile(rf"\b{_PERSON}\b")
# Capitalised words that make a two- or three-word span not a person's name.
_NOT_PERSON = word_set(
    "chongqing china chinese the this vice president director general manager deputy member"
    " members chief national municipal people science city district new area committee two"
    " sessions group university institute center centre company western sichuan beijing"
    " shanghai in at on for during his her their according meanwhile chairman secretary mayor"
    " professor dr mr ms"
)


def _person_names(text: str) -> list[str]:
    out = []
    for m in _PERSON_RE.finditer(text):
        words = m.group(0).replace("-", " ").split()
        if any(w.lower() in _NOT_PERSON for w in words):
            continue
        out.append(m.group(0))
    return out


_ROLE = (
    r"(?:member|deputy|adviser|advisor|lawmaker|legislator|delegate|chairman|chairwoman|"
    r"president|director|head|dean|professor|principal|secretary|doctor|engineer|teacher|founder)"
)
# "Luo Jing, a deputy to ...", "Ming, who ...": a person named with a role.
_APPOSITIVE = re.compile(rf"\b({_PERSON}),\s+(?:a|an|the|who)\b[^,;]{{0,80}}?\b{_ROLE}")
_SUBJECT = re.compile(rf"^(?:Chongqing\s*-\s*)?({_PERSON})$")
_ROLE_NAME = re.compile(rf"\b{_ROLE}\s+({_PERSON})\b")


def submitter(sentence: str) -> str | None:
    """The person submitting in ``sentence``: "member/deputy NAME" or "NAME, a deputy ..."
    before the submitting verb (a capitalised phrase alone may be a title, not a person)."""
    head = re.split(
        r"\b(?:has|have|had)?\s*(?:submitted|tabled|filed|put forward|proposed)", sentence
    )[0]
    for pattern in (_ROLE_NAME, _APPOSITIVE):
        for m in pattern.finditer(head):
            if _person_names(m.group(1)):
                return m.group(1)
    # The subject right before the verb: "Chu Wenbo has submitted ...".
    m = _SUBJECT.match(head.strip())
    return m.group(1) if m and _person_names(m.group(1)) else None


_POSSESSIVE = re.compile(r"\b(?:his|her|their)\s+(?:\w+\s+)?$", re.IGNORECASE)


def mention_proposer(m: Mention) -> str | None:
    """Who submits the proposal of mention ``m``: the person of its sentence, or, for "his /
    her proposal", the person of the sentence before."""
    who = submitter(m.sentence.text)
    prev = m.sentence.previous
    if who is None and prev is not None and _POSSESSIVE.search(m.sentence.text[: m.start]):
        who = submitter(prev.text)
    return who


def find_proposers(
    sentences: list[str], all_sentences: list[str], first: tuple[str | None, ...] = ()
) -> tuple[str, ...]:
    """Who submitted a proposal: the subject of its sentences, then co-proposers listed in
    sentences saying "jointly proposed / submitted" or "together with"."""
    out: list[str] = [p for p in first if p]
    for sent in sentences:
        who = submitter(sent)
        if who and who not in out:
            out.append(who)
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


# The bodies a proposer belongs to, as news stories write them, and the role each gives.
_ROLES = (
    (re.compile(r"\bCPPCC\b|Political Consultative|political advisor|political adviser"), "CPPCC"),
    (re.compile(r"\bNPC\b|National People's Congress|People['’]s Congress|lawmaker"), "NPC"),
)
_ROLE_NOUN = re.compile(r"\b(member|deputy|delegate|lawmaker|adviser|advisor)s?\b", re.I)


def _role_of(text: str) -> str:
    for pattern, body in _ROLES:
        if pattern.search(text):
            noun = _ROLE_NOUN.search(text)
            if body == "CPPCC":
                return "CPPCC member"
            word = noun.group(1).lower() if noun else "deputy"
            return f"NPC {'deputy' if word in ('delegate', 'lawmaker', 'member') else word}"
    return ""


_APPOSED = re.compile(
    r",?\s*(?:\d+,\s*)?([^;.]{0,160}?)(?:,\s*(?:has|have|had|who|said)\b|\s+(?:has|have|had|"
    r"submitted|put|brought|proposed|tabled|filed)\b|[;.]|$)"
)


def _apposed_role(after: str) -> str:
    m = _APPOSED.match(after)
    return _role_of(m.group(1)) if m else ""


def proposer_role(name: str, sentences: list[str]) -> str:
    """The role the text gives ``name``: the words between the name and the next comma or verb
    ("Zhu Huarong, a deputy to the NPC, ..."), or before it ("CPPCC member Zhu Huarong"), or
    after the surname alone in a later sentence ("Zhu, 55, a deputy to the NPC, ...")."""
    surname = re.escape(name.split()[0])
    for sent in sentences:
        for m in re.finditer(re.escape(name), sent):
            role = _apposed_role(sent[m.end() :]) or _role_of(
                sent[max(0, m.start() - 60) : m.start()].split(",")[-1]
            )
            if role:
                return role
    for sent in sentences:
        for m in re.finditer(rf"\b{surname}(?=,)", sent):
            role = _apposed_role(sent[m.end() :])
            if role:
                return role
    return ""


def proposer_roles(names: tuple[str, ...], sentences: list[str]) -> tuple[str, ...]:
    """One role per proposer (empty where the text gives none)."""
    return tuple(proposer_role(n, sentences) for n in names)
