"""Typed results returned everywhere: one call (``model_dump``/``to_json``) serialises them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from index.types import DocumentInfo, Hit, IngestItem, IngestReport, SearchFilters

__all__ = [
    "Answer",
    "Citation",
    "DocumentInfo",
    "Hit",
    "IngestItem",
    "IngestReport",
    "SearchFilters",
    "SentenceVerdict",
    "Turn",
]


class Turn(BaseModel):
    """One message of a conversation."""

    role: Literal["user", "assistant"]
    content: str


class Citation(BaseModel):
    """A numbered source an answer cites: a passage a person can open and read."""

    n: int
    doc_id: str
    title: str = ""
    source: str = ""
    url: str | None = None
    published: date | None = None
    published_inferred: bool = False
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
    notes: list[str] = Field(default_factory=list, description="Caveats, e.g. a source older than the period asked about.")
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


class DocumentText(BaseModel):
    """A stored document with its full normalised text (what citations point into)."""

    info: DocumentInfo
    text: str
