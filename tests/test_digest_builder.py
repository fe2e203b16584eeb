"""The pure digest builder: layout snapshot, escaping, splitting within Block Kit limits."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pipelines.digest import (
    MAX_BLOCKS,
    MAX_HEADER_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_SECTION_CHARS,
    DigestArticle,
    DigestContent,
    DigestEvent,
    DigestLink,
    DigestMessage,
    build_digest,
    content_items,
    escape,
    message_chars,
    slack_link,
)
from tests.slack_server import block_kit_errors

SNAPSHOT = Path(__file__).parent / "snapshots" / "digest_small.json"
START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
END = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def small_content() -> DigestContent:
    return DigestContent(
        window_start=START,
        window_end=END,
        events=(
            DigestEvent(
                kind="proposal",
                name="Proposal to build a Chongqing talent hub",
                key="chongqing-talent-hub",
                topics=("talent",),
                date_text=None,
                place=None,
                proposers=("Deputy Li Ming",),
                summary="Deputies proposed a talent hub for young engineers.",
                links=(
                    DigestLink(
                        "https://www.ichongqing.info/2026/11/20/talent-hub/",
                        "Deputies propose talent hub",
                    ),
                ),
            ),
            DigestEvent(
                kind="conference",
                name="2026 Smart China Expo",
                key="smart-china-expo-2026",
                topics=("nev_icv", "talent"),
                date_text="November 20-22",
                start_date="2026-11-20",
                end_date="2026-11-22",
                place="Chongqing International Expo Center",
                organisers=("Chongqing Municipal Government", "MIIT"),
                summary="The expo showcased intelligent connected vehicles & talent programs.",
                links=(
                    DigestLink(
                        "https://www.ichongqing.info/2026/11/20/expo-opens/",
                        "Smart China Expo opens",
                        START,
                    ),
                    DigestLink(
                        "https://www.ichongqing.info/2026/11/21/expo-day-two/",
                        "Expo day two: ICV deals",
                    ),
                ),
            ),
            DigestEvent(
                kind="alliance",
                name="Western China Satellite Internet Alliance",
                key="western-china-satellite-internet-alliance",
                topics=("aerospace_information",),
                start_date="2026-11-21",
                date_text="Saturday",
                organisers=("Chongqing Aerospace Information Industry Association",),
                summary="Twelve firms formed an alliance on satellite internet.",
                links=(
                    DigestLink(
                        "https://www.ichongqing.info/2026/11/21/satellite-alliance/",
                        "Satellite internet alliance set up",
                    ),
                ),
            ),
        ),
        other_articles=(
            DigestArticle(
                url="https://www.ichongqing.info/2026/11/22/ev-exports/",
                title="Chongqing EV exports rise",
                topics=("nev_icv",),
                summary="Exports of new energy vehicles rose 30 percent.",
            ),
        ),
        generated_at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC),
    )


def test_small_digest_matches_snapshot() -> None:
    messages = build_digest(small_content())
    rendered = [{"text": m.text, "blocks": m.blocks, "items": m.items} for m in messages]
    rendered = json.loads(json.dumps(rendered))
    if not SNAPSHOT.exists() or os.environ.get("CQMONITOR_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n")
    assert rendered == json.loads(SNAPSHOT.read_text())


def test_small_digest_layout() -> None:
    [message] = build_digest(small_content())
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    headings = [t for t in texts if t.startswith("*") and t.endswith(")") and "\n" not in t]
    # What is coming up first (by date), then the reported events grouped by kind in a fixed
    # order, whatever order the events came in.
    assert headings == [
        "*Coming up* (1)",
        "*Alliances* (1)",
        "*Proposals* (1)",
        "*Also on the topics* (1)",
    ]
    assert message.blocks[0]["text"]["text"] == "cqmonitor digest · 20–22 Nov 2026"
    expo = next(t for t in texts if "Smart China Expo*" in t)
    assert "Expo opens" in expo and "Expo day two" in expo
    assert "NEV/ICV, Talent" in expo and "*When:* Fri 20 - Sun 22 Nov 2026" in expo
    assert "*2 reports:*" in expo and "Expo opens> · Fri 20 Nov 2026" in expo
    alliance = next(t for t in texts if "Alliance*" in t)
    # Dates as dates, never the weekday as written.
    assert "*When:* Sat 21 Nov 2026" in alliance and "Saturday" not in alliance
    assert block_kit_errors(message.blocks) == []
    assert content_items(small_content()) == list(message.items)


def test_web_text_is_escaped_and_links_sanitised() -> None:
    evil = DigestEvent(
        kind="conference",
        name="Forum <!channel> & <!here>",
        key="forum",
        topics=("talent",),
        place="Hall <@U123>",
        organisers=("A & B <!everyone>",),
        summary="Click <http://evil.example|here> now.",
        links=(DigestLink("https://site.example/a?x=1&y=<2>|3", "Title <http://evil|click>"),),
    )
    art = DigestArticle(url="javascript:alert(1)", title="<!subteam^S1> news", topics=("nev_icv",))
    content = DigestContent(None, None, (evil,), (art,))
    for message in build_digest(content):
        everything = json.dumps(message.blocks) + message.text
        for bad in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<!subteam", "<http://evil"):
            assert bad not in everything
        links = re.findall(r"<([^<>|]+)\|", everything)
        assert links == ["https://site.example/a?x=1&amp;y=%3C2%3E%7C3"]
        assert "javascript:" not in "".join(links)
        assert "&lt;!channel&gt; &amp; &lt;!here&gt;" in everything
        assert "A &amp; B &lt;!everyone&gt;" in everything
    assert escape("a&b<c>") == "a&amp;b&lt;c&gt;"
    assert slack_link("https://x.example/p", "") == "<https://x.example/p|https://x.example/p>"


def many_events(n: int) -> DigestContent:
    kinds = ("conference", "alliance", "proposal")
    events = tuple(
        DigestEvent(
            kind=kinds[i % 3],
            name=f"Event number {i:03d} about intelligent connected vehicles",
            key=f"event-{i:03d}",
            topics=("nev_icv", "talent"),
            date_text="November 2026",
            place="Liangjiang New Area, Chongqing",
            organisers=("Chongqing Economic and Information Technology Commission",),
            summary="A sentence that summarises the event in some detail. " * 3,
            links=tuple(
                DigestLink(f"https://www.ichongqing.info/2026/11/21/e{i}-{j}/", f"Report {j}")
                for j in range(1 + i % 3)
            ),
        )
        for i in range(n)
    )
    articles = tuple(
        DigestArticle(f"https://www.ichongqing.info/a/{i}/", f"Article {i:03d}", ("talent",))
        for i in range(40)
    )
    return DigestContent(START, END, events, articles)


def assert_within_limits(messages: list[DigestMessage]) -> None:
    for m in messages:
        assert len(m.blocks) <= MAX_BLOCKS
        assert message_chars(m.blocks) <= MAX_MESSAGE_CHARS
        assert block_kit_errors(m.blocks) == []
        for b in m.blocks:
            if b["type"] == "section":
                assert 0 < len(b["text"]["text"]) <= MAX_SECTION_CHARS
            if b["type"] == "header":
                assert len(b["text"]["text"]) <= MAX_HEADER_CHARS


def test_two_hundred_events_split_within_limits_each_item_once() -> None:
    content = many_events(200)
    messages = build_digest(content)

    assert len(messages) > 1
    assert_within_limits(messages)
    n = len(messages)
    assert all(
        m.blocks[0]["text"]["text"].endswith(f"({i}/{n})") for i, m in enumerate(messages, 1)
    )
    assert all(m.part == i and m.parts == n for i, m in enumerate(messages, 1))
    # Each item exactly once, in digest order, across all messages.
    items = [item for m in messages for item in m.items]
    assert items == content_items(content)
    body = "\n".join(b["text"]["text"] for m in messages for b in m.blocks if "text" in b)
    counts = Counter(re.findall(r"\*(Event number \d{3}) about", body))
    assert counts == {f"Event number {i:03d}": 1 for i in range(200)}
    for i in range(40):
        assert body.count(f"|Article {i:03d}>") == 1
    # The fallback text alone names every event.
    text = "\n".join(m.text for m in messages)
    for i in range(200):
        assert text.count(f"Event number {i:03d} about") == 1


def test_an_item_too_long_for_a_section_is_split_not_cut() -> None:
    summary = " ".join(f"word{i}" for i in range(2500)) + " & the end."
    ev = DigestEvent(
        kind="conference",
        name="Huge event",
        key="huge",
        topics=("talent",),
        summary=summary,
        links=(DigestLink("https://x.example/huge", "Huge report"),),
    )
    messages = build_digest(DigestContent(START, END, (ev,)))
    assert_within_limits(messages)
    joined = " ".join(b["text"]["text"] for m in messages for b in m.blocks if "text" in b)
    assert all(f"word{i} " in joined for i in range(2500))
    assert "&amp; the end." in joined and "<https://x.example/huge|Huge report>" in joined
    assert [i for m in messages for i in m.items] == [("event", "conference:huge")]


def test_header_stays_within_150_characters() -> None:
    messages = build_digest(many_events(200), title="A very long digest title " * 10)
    for m in messages:
        header = m.blocks[0]
        assert header["type"] == "header" and len(header["text"]["text"]) <= MAX_HEADER_CHARS
        assert header["text"]["text"].endswith(f"({m.part}/{m.parts})")


def test_empty_content_is_one_nothing_new_line() -> None:
    [message] = build_digest(DigestContent(None, None, generated_at=END))
    assert "nothing new" in message.text and "\n" not in message.text
    assert len(message.blocks) == 1 and message.items == ()
