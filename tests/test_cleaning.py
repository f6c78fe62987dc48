"""Furniture removal: repeated site lines and boilerplate patterns go, article prose stays."""

from __future__ import annotations

import random
import time

from index.cleaning import is_furniture_line, normalize_text, remove_furniture
from index.types import RawDocument

_rng = random.Random(7)
_VOCAB = [
    "".join(_rng.choice("bcdfghjklmnprstvz") + _rng.choice("aeiou") for _ in range(4)) for _ in range(6000)
]


def prose(seed: int, sentences: int = 6) -> str:
    """Distinct article paragraphs: every seed draws its own words, so articles are unrelated."""
    rng = random.Random(seed)
    paras = []
    for _ in range(sentences // 2):
        sent = [" ".join(rng.choice(_VOCAB) for _ in range(14)).capitalize() + "." for _ in range(2)]
        paras.append(" ".join(sent))
    return "\n\n".join(paras)


def doc(i: int, text: str, source: str = "daily.example") -> RawDocument:
    return RawDocument(doc_id=f"d{i}", text=normalize_text(text), source=source)


MENU = "Home\nWorld\nBusiness\nSport"
PROMO = "Bored at lunch? Try our weekly word puzzle."


def test_repeated_site_lines_are_removed_and_prose_kept() -> None:
    docs = [doc(i, f"{MENU}\n\n{prose(i)}\n\n{PROMO}\n\nCompiled by the newsroom staff") for i in range(4)]
    out = remove_furniture(docs)
    for before, after in zip(docs, out):
        assert after.doc_id == before.doc_id and after is not before
        assert after.text == prose(int(before.doc_id[1:]))
    assert docs[0].text.startswith("Home")


def test_repetition_is_counted_per_source() -> None:
    shared = "Sponsored by the Harbor Chamber of Commerce and friends of the port"
    a = [doc(i, f"{prose(i)}\n\n{shared}", source="a.example") for i in range(3)]
    b = [doc(10, f"{prose(10)}\n\n{shared}", source="b.example"), doc(11, prose(11), source="b.example")]
    b.append(doc(12, prose(12), source="b.example"))
    out = remove_furniture(a + b)
    assert all(shared not in d.text for d in out[:3])
    assert shared in out[3].text


def test_below_min_repeats_is_kept() -> None:
    line = "Sponsored by the Harbor Chamber of Commerce and friends of the port"
    docs = [doc(i, f"{prose(i)}\n\n{line}") for i in range(2)] + [doc(5, prose(5))]
    assert [d.text for d in remove_furniture(docs)] == [d.text for d in docs]
    assert all(line not in d.text for d in remove_furniture(docs, min_repeats=2)[:2])


def test_paragraph_shared_by_related_stories_is_kept() -> None:
    background = "The debate is scheduled to take place at the broadcast center in New York City."
    base = prose(100, sentences=8)
    updates = [doc(i, f"{prose(200 + i, 2)}\n\n{base}\n\n{background}") for i in range(3)]
    out = remove_furniture(updates + [doc(9, prose(9))])
    assert all(background in d.text and base in d.text for d in out[:3])


def test_short_headings_and_lists_are_kept_but_menus_go() -> None:
    docs = []
    for i in range(4):
        states = "\n\n".join(
            f"{s}\n\n{prose(i * 10 + k, 2)}" for k, s in enumerate(["Utah", "Iowa", "Texas"])
        )
        docs.append(doc(i, f"{MENU}\n\n{prose(50 + i, 2)}\n\n{states}"))
    docs.append(doc(9, f"{prose(90)}\n\nAffected states:\n\nUtah\n\nIowa\n\nTexas"))
    out = remove_furniture(docs)
    assert all(d.text.startswith(prose(50 + i, 2) + "\n\nUtah\n\n") for i, d in enumerate(out[:4]))
    assert all("\nIowa\n" in d.text and "\nTexas\n" in d.text for d in out[:4])
    assert out[4].text.endswith("Utah\n\nIowa\n\nTexas")


def test_boilerplate_patterns_anywhere() -> None:
    furniture = [
        "Advertisement",
        "ADVERTISEMENT",
        "Skip to content",
        "Sign up for our Morning Briefing newsletter.",
        "Subscribe to unlock unlimited access",
        "We use cookies to improve your experience.",
        "More: Port strike could snarl holiday shipping",
        "Read more: The big numbers behind the mission",
        "Related:Union rejects the latest offer",
        "READ MORE",
        "∎ Sign up for our free weekly newsletter here.",
    ]
    kept = [
        "More than 200 vehicles were working to save lives.",
        "Related parties must disclose the payments, the regulator said.",
        "Shoppers ate cookies at the fair.",
        "In his newsletter to subscribers, the forecaster said the storm had moved east.",
        "Sign up for the newsletter " + "and then read the long detailed analysis of the port economy " * 5,
    ]
    assert all(is_furniture_line(line) for line in furniture)
    assert not any(is_furniture_line(line) for line in kept)
    text = "\n\n".join([furniture[0], prose(1, 2), *furniture[1:], *kept])
    [out] = remove_furniture([doc(1, text)])
    assert out.text == normalize_text("\n\n".join([prose(1, 2), *kept]))


def test_never_returns_empty_text() -> None:
    [out] = remove_furniture([doc(1, "Advertisement\n\nSkip to content")])
    assert out.text == "Advertisement\n\nSkip to content"


def test_normalize_text() -> None:
    assert normalize_text("  A\u0301 \r\nb\t\r\n\r\n\r\n\r\nc  \n\n") == "Á\nb\n\nc"


def test_fast_on_a_realistic_batch() -> None:
    furniture = ["Get election alerts: text VOTE to the politics desk.", PROMO, "Compiled by the newsroom staff"]
    docs = []
    for i in range(600):
        body = "\n\n".join(prose(i * 7 + k, 8) for k in range(5))
        extra = "\n\n".join(furniture[: i % 4])
        docs.append(doc(i, f"{MENU}\n\n{body}\n\n{extra}", source=f"site{i % 3}.example"))
    size = sum(len(d.text) for d in docs)
    start = time.perf_counter()
    out = remove_furniture(docs)
    elapsed = time.perf_counter() - start
    assert size > 3_000_000
    assert elapsed < 5.0, f"{elapsed:.2f}s for {size / 1e6:.1f} MB"
    assert not any(line in d.text.split("\n") for d in out for line in furniture + ["Home"])
