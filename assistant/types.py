"""Typed results returned everywhere: one call (``model_dump``/``to_json``) serialises them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from index.types import DocumentInfo, DocumentRef, Hit, IngestItem, IngestReport, SearchFilters

__all__ = [
    "Actor",
    "Answer",
    "Brief",
    "BriefDiff",
    "BriefInfo",
    "BriefPoint",
    "BriefScope",
    "BriefSection",
    "BriefSource",
    "Citation",
    "Conflict",
    "DocumentInfo",
    "DocumentRef",
    "FigureChange",
    "Hit",
    "IngestItem",
    "IngestReport",
    "KeyFigure",
    "Retrieved",
    "SearchFilters",
    "SentenceVerdict",
    "Status",
    "Turn",
    "WatchItem",
]


class Turn(BaseModel):
    """One message of a conversation."""

    role: Literal["user", "assistant"]
    content: str


class Citation(DocumentRef):
    """A numbered source an answer cites: a passage a person can open and read."""

    n: int
    start: int = Field(description="Offset of the cited passage in the stored document text.")
    end: int
    quote: str = Field(description="The cited passage: exactly document.text[start:end].")
    evidence: str = Field(default="", description="The sentence(s) of the passage that support the claim.")
    evidence_start: int | None = None
    evidence_end: int | None = None
    chunk_id: str = ""
    flags: list[str] = Field(
        default_factory=list,
        description='Warnings about the source: "instructions" when it holds text addressed to an AI assistant.',
    )


class Conflict(BaseModel):
    """Another source giving a different value for what was asked, and which value the answer prefers."""

    value: str = Field(description="The other value, as the source writes it.")
    n: int = Field(description="The citation number of the source that gives it.")
    doc_id: str
    preferred: str = Field(description="The value the answer gives first.")
    reason: Literal["draft", "fresher", "more"] = Field(
        description="Why: the engine's choice kept (draft), or the other value from a fresher source or more sources."
    )


class SentenceVerdict(BaseModel):
    """Whether one sentence of a draft answer is supported by the passages it cites."""

    sentence: str
    cited: list[int] = Field(default_factory=list)
    supported: bool
    score: float = 0.0
    action: Literal["kept", "recited", "removed"] = "kept"
    reason: str = ""


class Answer(BaseModel):
    """A grounded answer: text with inline ``[n]`` markers and the citations they point to."""

    question: str
    standalone_question: str = ""
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    engine: str
    verdicts: list[SentenceVerdict] = Field(default_factory=list)
    passages: list[Hit] = Field(default_factory=list, description="What retrieval handed to the engine.")
    notes: list[str] = Field(
        default_factory=list, description="Caveats, e.g. a source older than the period asked about."
    )
    conflicts: list[Conflict] = Field(default_factory=list, description="Sources that disagree on the asked value.")
    as_of: date | None = None
    since: date | None = None
    until: date | None = None
    latency_ms: float = 0.0

    def public_json(self) -> dict:
        """The stable JSON shape of ``briefing ask --json``."""
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [
                {
                    "n": c.n,
                    "doc_id": c.doc_id,
                    "title": c.title,
                    "source": c.source,
                    "published": c.published.isoformat() if c.published else None,
                    "start": c.start,
                    "end": c.end,
                    "quote": c.quote,
                    "evidence": c.evidence,
                    "evidence_start": c.evidence_start,
                    "evidence_end": c.evidence_end,
                    "flags": c.flags,
                }
                for c in self.citations
            ],
            "abstained": self.abstained,
            "engine": self.engine,
            "notes": self.notes,
            "conflicts": [c.model_dump() for c in self.conflicts],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "verdicts": [v.model_dump() for v in self.verdicts],
        }


class AnswerDelta(BaseModel):
    """A piece of a draft answer while it streams; the final ``Answer`` follows and replaces it."""

    text: str

    def __add__(self, other: AnswerDelta | Answer) -> AnswerDelta | Answer:
        # Lets LangChain aggregate a stream: deltas concatenate, the final Answer wins.
        if isinstance(other, AnswerDelta):
            return AnswerDelta(text=self.text + other.text)
        return other


class Retrieved(BaseModel):
    """The search step of a stream (only with ``steps=True``): the passages the engine is handed."""

    standalone_question: str
    passages: list[Hit] = Field(default_factory=list)

    def __add__(self, other: AnswerDelta | Answer) -> AnswerDelta | Answer:
        # Aggregating a stream keeps what the answer step produced; the passages are in the Answer.
        return other


class DocumentText(BaseModel):
    """A stored document with its full normalised text (what citations point into)."""

    info: DocumentInfo
    text: str


class Status(BaseModel):
    """What is answering and where the index lives (``Briefing.status``)."""

    engine: str
    model: str | None = None
    embedding_model: str
    index: str
    documents: int
    chunks: int
# ---------------------------------------------------------------------------------------------
# Briefs: a cited draft of what happened in a period (assistant.briefs)

PointStatus = Literal["new", "continuing", "updated"]


class BriefPoint(BaseModel):
    """One cited statement of a brief: a source's sentence (extractive) or a verified rewrite."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    status: PointStatus | None = Field(default=None, description="Against the previous brief of the scope.")


class BriefSection(BaseModel):
    """One development: documents grouped by their embeddings, with its key points."""

    title: str
    points: list[BriefPoint] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)
    n_sources: int = Field(default=0, description="Independent sources (distinct source names).")
    latest: date | None = None
    status: Literal["new", "continuing"] | None = None


class KeyFigure(BaseModel):
    """A number a source states, what it counts, and where it says so."""

    value: str
    counts: str
    key: str = Field(default="", description="What it counts, normalised: one key in two briefs is one figure.")
    citation: Citation
    status: PointStatus | None = None


class Actor(BaseModel):
    """A person, organisation or place the period's sources name, with how many name it (by its
    fullest name or any of its ``aliases``: "Biden" for "Joe Biden", "U.S." for "United States")."""

    name: str
    kind: Literal["person", "organisation", "place"]
    n_sources: int
    n_documents: int
    citation: Citation
    aliases: list[str] = Field(default_factory=list)


class WatchItem(BaseModel):
    """An expectation, deadline or scheduled event, with its date as the source states it and,
    where the source names the day ("Wednesday", "Feb. 12"), the day it falls on."""

    text: str
    when: str = ""
    on: date | None = None
    citations: list[Citation] = Field(default_factory=list)


class BriefSource(DocumentRef):
    """An entry of a brief's source list; citations carry its number ``n``."""

    n: int


class FigureChange(BaseModel):
    """A figure that changed since the previous brief: old -> new, both cited."""

    counts: str
    old: KeyFigure
    new: KeyFigure


class BriefDiff(BaseModel):
    """What changed since the previous brief of the same scope."""

    previous_id: str
    previous_since: date
    previous_until: date
    new_points: int = 0
    updated: list[FigureChange] = Field(default_factory=list)
    dropped: list[BriefPoint] = Field(
        default_factory=list, description="Lead points of earlier developments this brief no longer covers."
    )


class BriefScope(BaseModel):
    """What a brief covers besides its period: the same scope makes briefs comparable."""

    sources: list[str] | None = None
    topic: str | None = None


class BriefInfo(BaseModel):
    """A stored brief in a listing."""

    id: str
    since: date
    until: date
    scope: BriefScope
    engine: str
    created: datetime
    words: int
    n_sections: int
    n_documents: int


class Brief(BaseModel):
    """A cited draft of what happened in a period; ``model_dump(mode="json")`` serialises it."""

    id: str
    since: date
    until: date
    as_of: date
    scope: BriefScope = Field(default_factory=BriefScope)
    engine: str
    created: datetime
    bottom_line: list[BriefPoint] = Field(default_factory=list)
    sections: list[BriefSection] = Field(default_factory=list)
    key_figures: list[KeyFigure] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    watch: list[WatchItem] = Field(default_factory=list)
    sources: list[BriefSource] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    diff: BriefDiff | None = None
    words: int = Field(default=0, description="Words of the rendered brief, the source list aside.")
    max_words: int = 800
    seconds: float = 0.0

    def cited_points(self) -> list[tuple[str, list[Citation]]]:
        """Every cited statement as (text, citations): points, figures, actors and watch items."""
        out = [(p.text, p.citations) for p in self.bottom_line]
        out += [(p.text, p.citations) for s in self.sections for p in s.points]
        out += [(f"{f.value} {f.counts}", [f.citation]) for f in self.key_figures]
        out += [(a.name, [a.citation]) for a in self.actors]
        out += [(w.text, w.citations) for w in self.watch]
        return out

    def info(self) -> BriefInfo:
        return BriefInfo(
            id=self.id,
            since=self.since,
            until=self.until,
            scope=self.scope,
            engine=self.engine,
            created=self.created,
            words=self.words,
            n_sections=len(self.sections),
            n_documents=len(self.sources),
        )
