"""The brief's learned scorers and candidate sentences: the shipped weights fit the features, score
every candidate of a real period, and a wire dateline is cut from a lead without breaking offsets."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import numpy as np

from assistant import Briefing
from assistant.briefs import scorer
from assistant.briefs.facts import actors
from assistant.briefs.grouping import group
from assistant.briefs.material import Doc, candidate_sentences, gather
from index.types import DocumentInfo


def test_weights_file_names_the_features_the_code_computes() -> None:
    m = json.loads(scorer.WEIGHTS_FILE.read_text())
    for kind, feats in (("sentence", scorer.FEATURES), ("name", scorer.NAME_FEATURES)):
        assert tuple(m[kind]["features"]) == feats
        assert len(m[kind]["coef"]) == len(m[kind]["mean"]) == len(m[kind]["scale"]) == len(feats)


def test_every_candidate_of_a_period_gets_a_probability(seeded: Briefing) -> None:
    day = next(d.published for d in seeded.documents() if d.published)
    m = gather(seeded.store, seeded.embedder, day, day)
    groups = group(m, set())
    sents, x = scorer.features(m, groups)
    assert len(sents) == len(m.sentences) and x.shape == (len(sents), len(scorer.FEATURES))
    probs = scorer.score(m, groups)
    assert set(probs) == {id(s) for s in sents}
    assert all(0.0 < p < 1.0 for p in probs.values())
    assert len(set(np.round(list(probs.values()), 6))) > 1  # the features tell sentences apart
    names = scorer.score_names(m, groups)
    assert "kyiv" in names and all(0.0 < p < 1.0 for p in names.values())


def test_actors_the_points_already_name_come_last(seeded: Briefing) -> None:
    day = next(d.published for d in seeded.documents() if d.published)
    m = gather(seeded.store, seeded.embedder, day, day)
    found = actors(m, m.sentences, 50)
    first = found[0].name
    again = actors(m, m.sentences, 50, stated=f"A point about {first}.")
    assert again[-1].name == first and {a.name for a in again} == {a.name for a in found}


def _doc(text: str, doc_id: str = "d1") -> Doc:
    info = DocumentInfo(
        doc_id=doc_id,
        title="Ministers meet",
        published=date(2024, 11, 2),
        ingested_at=datetime.now(timezone.utc),
        content_hash="x",
        n_chunks=1,
        n_chars=len(text),
    )
    return Doc(info=info, text=text, vec=np.zeros(3, dtype=np.float32), chunks=[("c1", 0, len(text))])


def test_a_wire_dateline_is_cut_from_the_lead_and_offsets_still_resolve() -> None:
    text = (
        "BRUSSELS (Wirefeed) — Ministers of twelve countries agreed on Tuesday to share grain reserves. "
        "The US-EU talks resume next week in Geneva, officials of both sides said."
    )
    doc = _doc(text)
    sents = candidate_sentences(doc)
    assert sents[0].text.startswith("Ministers of twelve countries")
    assert sents[1].text.startswith("The US-EU talks")  # only a lead's dateline; hyphens inside stay
    assert all(text[s.start : s.end] == s.text for s in sents)
    # a lead after a headline and a byline line, too
    text = (
        "Ministers agree to share grain reserves\n\nWirefeed\n\n"
        "BRUSSELS — Ministers of twelve countries agreed on Tuesday to share grain reserves.\n\n"
        "HARWICK, Eastland (Wirefeed) — Farmers in Harwick welcomed the plan of the 12 ministers."
    )
    sents = candidate_sentences(_doc(text))
    assert [s.text for s in sents if not s.headline] == [
        "Ministers of twelve countries agreed on Tuesday to share grain reserves.",
        "HARWICK, Eastland (Wirefeed) — Farmers in Harwick welcomed the plan of the 12 ministers.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sents)


def test_an_actor_takes_the_kind_most_mentions_give_and_a_common_word_is_no_actor(monkeypatch) -> None:
    """The recogniser's labels are scripted (its errors are what this guards against): "Jets" is
    once a place and twice an organisation, so an organisation; "Notice", capitalised only at a
    sentence's start and written "notice" twice, is a common word, not an actor."""
    from assistant.briefs import facts
    from assistant.briefs.material import Material

    text = (
        "Notice was served on the Jets before Sunday. The notice said the Jets owed the city rent. "
        "The Jets paid the whole sum to the city on Monday morning. Mira Olsen, the city treasurer, confirmed the notice was lifted."
    )
    labels = {"Notice": "ORG", "Mira Olsen": "PERSON"}
    jets = iter(["GPE", "ORG", "ORG"])

    def entities(texts: list[str]) -> list[list[tuple[str, str, int, int]]]:
        out = []
        for t in texts:
            es = [(n, lab, t.index(n), t.index(n) + len(n)) for n, lab in labels.items() if n in t]
            if "Jets" in t:
                es.append(("Jets", next(jets), t.index("Jets"), t.index("Jets") + 4))
            out.append(es)
        return out

    monkeypatch.setattr(facts.nlp, "entities", entities)
    doc = _doc(text)
    sents = candidate_sentences(doc)
    m = Material(since=date(2024, 11, 2), until=date(2024, 11, 2), docs={"d1": doc}, sentences=sents, fact_docs={})
    assert {(a.name, a.kind) for a in actors(m, sents, 10)} == {("Jets", "organisation"), ("Mira Olsen", "person")}



def test_an_actor_is_listed_once_under_its_fullest_name_with_the_documents_of_all_its_names(monkeypatch) -> None:
    """"Harwick" (labelled an organisation) is the family name of the person "Lena Harwick", and
    "E.R." the initials of "Eastport Railways": one actor each, counted in every document naming
    it by either name. "Olsen" of both "Mira Olsen" and "Tom Olsen" is neither's; "Westbury" (a
    place) is not the person "Carl Westbury"; "Tom Olsen and" ends on a name."""
    from assistant.briefs import facts
    from assistant.briefs.material import Material

    texts = {
        "d1": "Lena Harwick opened the new Eastport Railways depot on Tuesday. Carl Westbury and Tom Olsen and Mira Olsen came.",
        "d2": "Harwick said the E.R. depot would take 40 new trains from Westbury. Olsen said it cost 12 million euros.",
        "d3": "The E.R. board met in Westbury on Monday.",
    }
    labels = {"Lena Harwick": "PERSON", "Eastport Railways": "ORG", "Carl Westbury": "PERSON", "Mira Olsen": "PERSON",
              "Tom Olsen and": "PERSON", "Harwick": "ORG", "E.R.": "ORG", "Westbury": "GPE", "Olsen": "PERSON"}

    def entities(batch: list[str]) -> list[list[tuple[str, str, int, int]]]:
        out = []
        for t in batch:
            es = []
            for n, lab in labels.items():
                i = re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])", t)
                if i and not any(n != m and n in m and m in t for m in labels):
                    es.append((n, lab, i.start(), i.end()))
            out.append(es)
        return out

    monkeypatch.setattr(facts.nlp, "entities", entities)
    docs = {d: _doc(t, doc_id=d) for d, t in texts.items()}
    sents = [s for d in docs.values() for s in candidate_sentences(d)]
    m = Material(since=date(2024, 11, 2), until=date(2024, 11, 2), docs=docs, sentences=sents, fact_docs={})
    listed = actors(m, sents, 20)
    assert {a.name: a.aliases for a in listed if a.aliases} == {"Lena Harwick": ["Harwick"], "Eastport Railways": ["E.R."]}
    found = {a.name: (a.kind, a.n_documents) for a in listed}
    assert found == {
        "Lena Harwick": ("person", 2),
        "Eastport Railways": ("organisation", 3),
        "Carl Westbury": ("person", 1),
        "Tom Olsen": ("person", 1),
        "Mira Olsen": ("person", 1),
        "Westbury": ("place", 3),
    }



def test_initials_are_another_name_but_not_a_part_of_the_name() -> None:
    from assistant.briefs.facts import ActorFound, same_actor

    def actor(name: str, kind: str) -> ActorFound:
        return ActorFound(name, kind, 0, 0, sentence=None)  # type: ignore[arg-type]

    assert same_actor(actor("U.S.", "place"), actor("United States", "place"))
    assert same_actor(actor("UN", "organisation"), actor("United Nations", "organisation"))
    assert not same_actor(actor("U.S.", "place"), actor("U.S. Steel", "organisation"))  # a part, not initials
    assert not same_actor(actor("Washington", "place"), actor("George Washington", "person"))


_TIE_SCRIPT = """
from datetime import date, datetime, timezone
import numpy as np
from assistant.briefs import scorer
from assistant.briefs.grouping import Group
from assistant.briefs.material import Doc, Material, candidate_sentences
from index.types import DocumentInfo
docs = {}
for i, title in enumerate(["Harwick talks resume", "Ferry strike ends"]):
    text = "Ministers met in Harwick on Tuesday to talk about the grain reserves of the region."
    info = DocumentInfo(doc_id=f"d{i}", title=title, published=date(2024, 11, 2),
                        ingested_at=datetime.now(timezone.utc), content_hash="x", n_chunks=1, n_chars=len(text))
    docs[f"d{i}"] = Doc(info=info, text=text, vec=np.zeros(3, dtype=np.float32), chunks=[("c", 0, len(text))])
sents = [s for d in docs.values() for s in candidate_sentences(d)]
m = Material(since=date(2024, 11, 2), until=date(2024, 11, 2), docs=docs, sentences=sents, fact_docs={})
groups = [Group([f"d{i}"], 1, None, 0.0, 1.0, t) for i, t in enumerate(["Harwick talks", "Ferry strike"])]
found, x = scorer.name_features(m, groups)
print(x[found.index("harwick"), scorer.NAME_FEATURES.index("in_title")])
"""


def test_a_names_development_on_a_tie_does_not_depend_on_the_hash_seed() -> None:
    """"Harwick" is named by both developments (one document each): the heavier one (first) is
    its development, whatever order a set of document ids iterates in, so the same period gives
    the same brief in every process."""
    import os
    import subprocess
    import sys

    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _TIE_SCRIPT],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in range(8)  # one seed in two orders the two ids the other way
    ]
    outs = [(r.communicate()[0].strip(), r.returncode) for r in runs]
    assert set(outs) == {("1.0", 0)}  # in the first development's title
