"""Citation parsing and verification with the real embedding model and spaCy (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.citations import parse_markers, split_answer, strip_markers
from assistant.config import Settings
from assistant.engines.base import ABSTAIN_SENTINEL as ABSTAIN_PREFIX
from assistant.types import Hit
from assistant.verification import claim_core, verify

DATA = Path(__file__).parent / "data"
TEXT = (DATA / "seed_article.txt").read_text(encoding="utf-8")


def seed_hits() -> list[Hit]:
    """Four passages of the seed article: [1] drones on Kyiv, [2] North Korean troops, [3] US aid
    and Zelenskyy, [4] Medvedev and the outlook."""
    spans, pos = [], 0
    for line in TEXT.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    spans = spans[:3] + [(spans[3][0], spans[-1][1])]
    return [
        Hit(
            chunk_id=f"seed:{i}",
            doc_id="seed",
            text=TEXT[a:b],
            start=a,
            end=b,
            score=1.0,
            title="Ukraine war",
        )
        for i, (a, b) in enumerate(spans)
    ]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    from index.embeddings import get_embedder

    return get_embedder(Settings(data_dir=tmp_path_factory.mktemp("citations"), model_cache_dir=model_cache))


@pytest.fixture(scope="module")
def hits() -> list[Hit]:
    return seed_hits()


# -- parsing ------------------------------------------------------------------------------------


def test_parse_markers_forms() -> None:
    assert [m[2] for m in parse_markers("A [1]. B [2][3]. C [1, 4]. D [ 2 ; 5 ].")] == [
        [1],
        [2],
        [3],
        [1, 4],
        [2, 5],
    ]
    assert strip_markers("Six districts were hit [1][2].") == "Six districts were hit."
    assert strip_markers("Six districts were hit. [1]") == "Six districts were hit."
    assert [m[2] for m in parse_markers("E [2-4]. F [1, 3–4].")] == [[2, 3, 4], [1, 3, 4]]


def test_split_answer_assigns_markers() -> None:
    s = split_answer(
        "Debris hit six districts. [1] The U.S. sent $425 million in aid [3][2]. Zelenskyy urged action [2, 4]."
    )
    assert [x.text for x in s] == [
        "Debris hit six districts.",
        "The U.S. sent $425 million in aid.",
        "Zelenskyy urged action.",
    ]
    assert [x.cited for x in s] == [[1], [3, 2], [2, 4]]
    assert split_answer("No markers here. None at all.")[1].cited == []
    assert claim_core("However, debris hit six districts.") == "Debris hit six districts."


# -- verification --------------------------------------------------------------------------------


def test_supported_sentences_kept(hits: list[Hit], embedder) -> None:
    answer = (
        "On November 2, debris from downed drones struck six districts of Kyiv [1]. "
        "The United States announced a new $425 million military aid package for Ukraine [3]."
    )
    v = verify(answer, hits, embedder)
    assert not v.abstained
    assert [vd.action for vd in v.verdicts] == ["kept", "kept"]
    assert all(vd.supported for vd in v.verdicts)
    assert v.text.count("[1]") == 1 and v.text.count("[2]") == 1  # renumbered 1, 2
    c1, c2 = v.citations
    assert (c1.n, c1.chunk_id, c2.n, c2.chunk_id) == (1, "seed:0", 2, "seed:2")
    for c in v.citations:
        assert TEXT[c.start : c.end] == c.quote
        assert c.evidence and TEXT[c.evidence_start : c.evidence_end] == c.evidence
    assert "six districts" in c1.evidence
    assert "$425 million" in c2.evidence


def test_paraphrase_supported(hits: list[Hit], embedder) -> None:
    """LLM answers paraphrase: other words, same facts."""
    answer = (
        "About 8,000 soldiers from North Korea, commanded by Kim Yong Bok, are expected to enter Ukraine soon [2]. "
        "Zelenskyy asked allies to strike North Korean training camps before the troops reach the front [3]. "
        "Medvedev warned that Russia is ready to use nuclear weapons if provoked [4]."
    )
    v = verify(answer, hits, embedder)
    assert [vd.action for vd in v.verdicts] == ["kept", "kept", "kept"], v.verdicts
    assert [c.chunk_id for c in v.citations] == ["seed:1", "seed:2", "seed:3"]


def test_wrong_citation_recited(hits: list[Hit], embedder) -> None:
    v = verify(
        "Ukrainian air defenses intercepted 39 of the 71 drones launched by Russia [3].", hits, embedder
    )
    assert v.verdicts[0].action == "recited"
    assert v.verdicts[0].supported
    assert v.text.endswith("[1]")
    assert v.citations[0].chunk_id == "seed:0"


def test_uncited_sentence_recited(hits: list[Hit], embedder) -> None:
    v = verify(
        "Dmitry Medvedev warned that Russia is prepared to use nuclear weapons if provoked.", hits, embedder
    )
    assert v.verdicts[0].action == "recited"
    assert v.citations[0].chunk_id == "seed:3"


def test_unsupported_removed(hits: list[Hit], embedder) -> None:
    answer = (
        "Debris from downed drones struck six districts of Kyiv [1]. "
        "Russia has announced a ceasefire with Ukraine [4]. "
        "The attack killed twelve civilians in Odesa [1]."
    )
    v = verify(answer, hits, embedder)
    assert [vd.action for vd in v.verdicts] == ["kept", "removed", "removed"], v.verdicts
    assert "ceasefire" not in v.text and "Odesa" not in v.text
    assert len(v.citations) == 1


def test_number_mismatch_removed(hits: list[Hit], embedder) -> None:
    v = verify(
        "Ukrainian air defenses intercepted 40 of the 71 drones launched by Russia [1].", hits, embedder
    )
    assert v.abstained
    assert v.verdicts[0].action == "removed"
    assert "40" in v.verdicts[0].reason
    assert v.text.startswith(ABSTAIN_PREFIX)
    assert not v.citations


def test_invalid_marker(hits: list[Hit], embedder) -> None:
    v = verify("The U.S. announced a $425 million military aid package for Ukraine [7].", hits, embedder)
    assert v.verdicts[0].action == "recited"
    assert "invalid" in v.verdicts[0].reason
    assert v.text.endswith("[1]") and v.citations[0].chunk_id == "seed:2"


def test_renumbering_first_appearance(hits: list[Hit], embedder) -> None:
    answer = (
        "Dmitry Medvedev warned that Russia is prepared to use nuclear weapons if provoked [4]. "
        "Debris from downed drones struck six districts of Kyiv [1]. "
        "Medvedev's comments reflect the increasingly desperate position Russia finds itself in [4]."
    )
    v = verify(answer, hits, embedder)
    assert [c.chunk_id for c in v.citations] == ["seed:3", "seed:0"]
    assert [c.n for c in v.citations] == [1, 2]
    parts = [s.cited for s in split_answer(v.text)]
    assert parts == [[1], [2], [1]]


def test_partial_citation_dropped(hits: list[Hit], embedder) -> None:
    v = verify("The package includes air-defense interceptors and anti-tank weapons [2][3].", hits, embedder)
    assert v.verdicts[0].action == "kept"
    assert "dropped" in v.verdicts[0].reason
    assert [c.chunk_id for c in v.citations] == ["seed:2"]


def test_abstention_kept(hits: list[Hit], embedder) -> None:
    v = verify("The indexed sources do not say how many civilians were killed in Odesa.", hits, embedder)
    assert v.abstained and v.text == "The indexed sources do not say how many civilians were killed in Odesa."
    mixed = verify(
        "The indexed sources do not say how many civilians died. However, debris struck six districts of Kyiv [2].",
        hits,
        embedder,
    )
    assert not mixed.abstained
    assert mixed.verdicts[0].reason == "abstention" and mixed.verdicts[1].action == "recited"
    assert mixed.text.startswith(ABSTAIN_PREFIX) and mixed.text.endswith("[1]")
    nothing = verify("Bananas are yellow [1].", hits, embedder, question="What colour are bananas?")
    assert nothing.abstained and nothing.text == "The indexed sources do not say what colour are bananas."


def test_doc_texts_fix_offsets(hits: list[Hit], embedder) -> None:
    shifted = [h.model_copy(update={"start": h.start + 5, "end": h.end + 5}) for h in hits]
    v = verify(
        "Debris from downed drones struck six districts of Kyiv [1].",
        shifted,
        embedder,
        doc_texts={"seed": TEXT},
    )
    c = v.citations[0]
    assert TEXT[c.start : c.end] == c.quote == hits[0].text
    assert TEXT[c.evidence_start : c.evidence_end] == c.evidence
