"""The offline default engine: answers by quoting the passage sentences that answer the question.

No generative model. For a question and numbered passages it

1. splits every passage into sentences (offsets kept) and drops the ones that can never be an
   answer: questions (quiz items, FAQ headings), headings/headlines, instructions aimed at an AI;
2. scores each sentence against the question (the usable sentences embedded in one batch):

   ``base = 0.40*cos(q, s) + 0.15*cos(q, window) + 0.30*lex(s) + 0.10*lex(window) + 0.05*rank prior``
   ``- 0.15`` for a line that does not end like a sentence (caption, headline, "..." snippet)
   ``- 0.15`` for a sentence naming only other years than the question's,
   ``score = base * (0.5 + 0.5*coverage)``, then ``+`` the answer-type bonus,

   where ``window`` is the sentence with a neighbour (coreference: "This package includes ..."
   also inherits 0.8 of the previous sentence's lexical evidence); ``lex`` is the weighted share
   of the question's content-word stems present -- weights are a prior (names and numbers 1.5,
   asking words like "happen" 0.3; with a preamble, "Walz and Vance debated. Where did ...?",
   the preamble's other words 0.25; words describing a named subject, "seven-time Super Bowl
   champion Tom Brady", "Michael Kealty, the former police detective", half) times a smoothed
   IDF over the candidate sentences, and the asking clause's own words count for half of
   ``lex``; ``coverage`` is the share of the question's terms found in the sentence's passage
   (and its title). ``- 0.1`` for a sentence naming another kind of a compound noun of the
   question and never the question's kind ("spring allergies" for "fall allergies", "soccer
   team" for "NFL team"; not for the asked-for noun itself: "which union workers" wants
   another kind of workers);
   for a question about a recent period ("this week"), ``+ 0.1`` for a sentence naming a date
   inside it ("on Oct. 14" in its article's year, or a recurring "second Monday of October"),
   which also counts as a fresh source in the votes below whatever its article's date;
   then what the question asks for, on the 20 best candidates:

   - an entity type (spaCy NER): who -> PERSON/ORG (NORP half), where -> GPE/LOC/FAC, how many
     -> CARDINAL/MONEY/QUANTITY/PERCENT, when -> DATE/TIME, how old -> CARDINAL (DATE half),
     which/what <noun> -> by the noun (found by parsing the question: "which type of plant" ->
     plant, "which country won" -> country). Entities the question names, a news dateline's
     ("WASHINGTON --"), a cited source's ("according to ESPN", "Reuters reported"), those that
     only qualify a name of the question ("Gov. Tim Walz of Minnesota") and a name labelled
     otherwise than most of the list it stands in ("supermodels, including Lima, Banks, ...") do
     not count. The candidates are the 20 best distinct sentences with their copies. A sentence
     naming such an entity gets ``0.2 * strength * vote``, strength ``= 0.2 + 0.8 * anchor``
     (anchor: the share of the sentence's ``lex`` evidence inside the entity's own clause, with
     its subject and the subject's relative clause, so "Trump held a debate in Philadelphia" says
     little about where Walz and Vance debated), halved for a loose label (NORP for who) and, for
     "where", for a place not in a locative phrase ("in", "from", "near" ...), and for "when"
     scaled by how much of a calendar date it states (``0.5 + 0.5 * share`` of day, month, year:
     "April 29, 2015" beats "April 29" and "2015"); vote: the summed
     votes of the documents naming the same entity, relative to the best-voted entity -- sources
     that agree win; each document votes once, with its best such sentence's score times the
     strength, and for a question about a recent period ("this week", "recently") times the
     source's freshness (halved for every 30 days it was published before the period). A
     candidate without such an entity gets ``-0.08``;
   - a noun without an entity type ("which union workers", "what is the primary threat"): a
     sentence naming a kind of it the question does not ("US port workers") or equating it with
     new words ("threats include sea level rise ...", "the main culprit is ragweed") gets
     ``0.15 * vote`` (votes as above, by document);
   - a cause ("why", "what was the main cause of / reason for", "what caused / led to ...", see
     ``causes``): a sentence whose causal connective (because, due to, after, amid, linked to ...)
     leads to words the question does not already say, or that equates a cause noun with new words
     ("X is the leading cause of Y"), gets ``0.2 * (0.2 + 0.8 * anchor)``, one without ``-0.08``
     ("It comes after the CDC issued a food safety alert" restates the question's event). Anchor:
     the share of the sentence's ``lex`` evidence (the asking words "main cause" left out) inside
     what the cause explains -- the clause the connective modifies, the cause left out, or the
     "of Y" of "cause of Y" -- and 1 when that clause is what the question's actor says or does
     ("The CDC announced that agencies are investigating an outbreak linked to ..."), so "illnesses
     were tied to onions" says little about why the CDC issued an alert (parsed for the 12 best
     distinct sentences; the others' connectives count fully);
3. answers with the best sentence, plus one more when the pair is better evidence (the best
   sentence leans on the one before it; the best does not name the asked-for thing and its
   neighbour, or a sentence of any passage scoring at least 0.7 of it, does; or the neighbour
   scores at least 0.6 of the best) while the answer, markers included, stays within 300 characters;
   Only sentences of passages that pass the coverage gates of step 4 are chosen, first or second,
   when there are any: a passage that never names what the question names is about something else;
4. abstains ("The indexed sources do not say ...") when the evidence is weak: under half of the
   question's names are in the chosen passage, or under half of its other content words are there
   and the meaning does not match either (window cosine < 0.55), or the score is under
   ``settings.abstain_threshold`` (scores of right answers on the dev data: >= 0.52).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant import nlp
from assistant.engines import causes
from assistant.engines.base import register
from index.dates import MONTH_NAMES, MONTHS, WEEKDAYS

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.types import Hit, Turn

ABSTAIN_PREFIX = "The indexed sources do not say"
DEBUG = bool(os.environ.get("BRIEFING_DEBUG_EXTRACTIVE"))

# Sentence starts that lean on the sentence before ("He said ...", "This package ...").
_LEANS_BACK = re.compile(
    r"^\W*(he|she|it|they|them|this|that|these|those|his|her|its|their|the (?:move|decision|statement|"
    r"package|deal|attack|report|plan|bill|law|company|group|agency|move)|however|but|also|meanwhile|"
    r"still|yet|instead)\b",
    re.IGNORECASE,
)
# Ends like a sentence; "..." / "…" mark a cut-off snippet, which does not count.
_TERMINATED = re.compile(r"(?<![.…])[.!]([\"'”’)\]])*$")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# A news dateline opening an article: "WASHINGTON –", "BIRMINGHAM, England (AP) —". Its place names
# say where the reporter was, not what happened.
_DATELINE = re.compile(
    r"^\W*[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+)*(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?\s*(?:\([^)]{1,30}\))?"
    r"\s*[–—-]+\s"
)


@dataclass
class _Sent:
    hit: int  # index into passages
    start: int  # offsets inside hit.text
    end: int
    text: str
    terms: frozenset[str]
    usable: bool  # may be an answer
    terminated: bool = True  # ends like a sentence (not a caption, list item or headline)
    pos: int = 0  # index among the passage's sentences
    cos: float = 0.0
    cos_win: float = 0.0
    lex: float = 0.0
    lex_win: float = 0.0
    typed: bool = False
    answer_vote: float = 0.0
    score: float = 0.0


@dataclass
class Draft:
    """What the engine decided, with the evidence (for tests, debugging and evaluation)."""

    text: str
    abstained: bool
    support: float = 0.0
    reason: str = ""
    sentences: list[tuple[int, int, int]] = field(default_factory=list)  # (passage n, start, end)


def abstention(question: str) -> str:
    """ "The indexed sources do not say <indirect question>." """
    return f"{ABSTAIN_PREFIX} {indirect_question(question)}."


_AUX_START = re.compile(
    r"^(is|are|was|were|do|does|did|can|could|will|would|should|has|have|had)\b\s*", re.IGNORECASE
)
_IMPERATIVE = re.compile(
    r"^(please\s+)?(tell me|give me|show me|brief me|summari[sz]e|explain|describe|list)\s*(about|on|the)?\s*",
    re.IGNORECASE,
)


def indirect_question(question: str) -> str:
    """ "How many civilians were killed?" -> "how many civilians were killed"."""
    q = nlp.question_clause(question).strip().rstrip("?.! ").strip()
    if not q:
        return "that"
    if _IMPERATIVE.match(q):
        rest = _IMPERATIVE.sub("", q)
        return f"anything about {rest}" if rest else "that"
    first = q.split()[0]
    if _AUX_START.match(q):
        return "whether " + _AUX_START.sub("", q)
    return _lower_first(q) if first.lower() in _WH or nlp.is_stop(first) else q


_WH = {"who", "whom", "whose", "what", "when", "where", "which", "why", "how"}


def _lower_first(s: str) -> str:
    w = s.split()[0] if s.split() else ""
    if w.isupper() and len(w) > 1:  # an acronym
        return s
    return s[:1].lower() + s[1:]


@register("extractive")
class ExtractiveEngine:
    """Quotes the best supporting sentences with ``[n]`` markers; see the module docstring."""

    name = "extractive"

    # Scoring weights; the abstention threshold comes from settings.
    W_COS, W_COS_WIN, W_LEX, W_LEX_WIN, W_RANK = 0.40, 0.15, 0.30, 0.10, 0.05
    TYPE_BONUS, TYPE_PENALTY = 0.2, 0.08
    FOCUS_BONUS = 0.15  # a sentence naming a kind of the asked-for noun ("which workers" -> "port workers")
    UNTERMINATED_PENALTY = 0.15
    YEAR_CONFLICT_PENALTY = 0.15
    OTHER_KIND_PENALTY = 0.1  # "spring allergies" for a question about "fall allergies"
    PREAMBLE_WEIGHT = 0.25
    DESCRIPTOR_WEIGHT = 0.5  # words that describe a named subject ("seven-time champion Tom Brady")
    CLAUSE_LEX = 0.5
    LEAN_CREDIT = 0.8  # share of the previous sentence's lexical evidence a leaning sentence inherits
    GATE_COS = 0.55  # missing question words are forgiven when the meaning matches this well
    NER_CANDIDATES = 20  # distinct sentences
    # "This week", "recently": a source published this long before the period asked about counts half
    # in the agreement of sources (RECENT_DAYS: periods ending this close to today count as recent).
    FRESH_HALF_LIFE_DAYS = 30.0
    RECENT_DAYS = 7
    IN_PERIOD_BONUS = 0.1  # a sentence dating its event inside the recent period asked about
    ANCHOR_CANDIDATES = 12  # the best sentences whose typed entities are parsed for their clause
    ANCHOR_FLOOR = 0.2  # an entity in a clause without the question's words keeps this share
    VOTE_SHARE = 1.0  # part of the type bonus that depends on how many good sentences name the same entity
    MIN_KEY_COVERAGE = 0.5  # share of the question's names/numbers the chosen passage must hold
    MIN_TERM_COVERAGE = 0.5  # share of the question's other content words (weighted)
    OTHER_TYPED_SHARE = 0.7  # a sentence elsewhere naming the asked-for thing joins an untyped best this good
    NEIGHBOUR_SHARE = 0.6  # a neighbour this good (relative to the best) joins it
    MAX_CHARS = 290  # a second sentence joins only while the answer, markers included, stays within 300 characters

    def __init__(self, settings: Settings, embedder: Any = None) -> None:
        self.settings = settings
        self._embedder = embedder

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from index.embeddings import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    # -- Engine protocol ----------------------------------------------------------------------

    def stream(
        self, question: str, passages: list[Hit], history: list[Turn], *, today: date | None = None
    ) -> Iterator[str]:
        yield self.answer(question, passages, today=today).text

    def condense(self, question: str, history: list[Turn]) -> str:
        return condense(question, history)

    # -- the work -------------------------------------------------------------------------------

    def answer(self, question: str, passages: list[Hit], *, today: date | None = None) -> Draft:
        """Choose the answer sentences (or abstain) and say why; ``today`` is the as-of date."""
        question = question.strip()
        if not passages or not question:
            return Draft(abstention(question), True, reason="no passages")
        sents = self._sentences(passages)
        usable = [s for s in sents if s.usable]
        if not usable:
            return Draft(abstention(question), True, reason="no usable sentences")

        q_terms = nlp.question_terms(question)
        clause = nlp.question_clause(question)
        clause_weights: dict[str, float] | None = None
        if clause != question:
            # A preamble ("Walz and Vance debated this week. Where did ...?") sets the scene; the
            # asking clause says what to find: its terms count fully, the preamble's much less.
            clause_terms = nlp.question_terms(clause)
            names = _key_terms(question, q_terms)
            q_terms = {
                t: (w if t in clause_terms or t in names else self.PREAMBLE_WEIGHT * w)
                for t, w in q_terms.items()
            }
        key_terms = _key_terms(question, q_terms)
        # "Seven-time Super Bowl champion Tom Brady became ...": the words describing a named
        # subject identify it (the name does that already); the rest of the question says what is asked.
        described = (
            nlp.question_descriptors(question) - nlp.question_terms(clause).keys()
            if clause != question
            else nlp.question_descriptors(question)
        )
        if described:
            q_terms = {t: (w * self.DESCRIPTOR_WEIGHT if t in described else w) for t, w in q_terms.items()}
        weights = self._term_weights(q_terms, sents)
        if clause != question:
            clause_weights = {t: w for t, w in weights.items() if t in clause_terms}
        passage_terms = [
            frozenset().union(*(s.terms for s in sents if s.hit == i))
            | frozenset(nlp.content_terms(h.title or ""))
            for i, h in enumerate(passages)
        ]
        coverage = [_coverage(q_terms, key_terms, pt) for pt in passage_terms]

        # Embeddings: the question and every sentence, one batch.
        # Sentences that can never be the answer need no vector (a zero one joins no window).
        embed_idx = [j for j, s in enumerate(sents) if s.usable]
        vecs = nlp.embed_cached(self.embedder, [question, clause] + [sents[j].text for j in embed_idx])
        qv = vecs[0]
        sv = np.zeros((len(sents), vecs.shape[1]), dtype=np.float32)
        sv[embed_idx] = vecs[2:]
        if clause != question:
            qv = nlp.normalize_rows(vecs[0] + vecs[1])
        by_passage: dict[int, list[int]] = {}
        for j, s in enumerate(sents):
            by_passage.setdefault(s.hit, []).append(j)
        for j, s in enumerate(sents):
            s.cos = float(sv[j] @ qv)
            s.lex = nlp.weighted_recall(weights, s.terms)
            if clause_weights:
                # The asking clause's own words decide between sentences about the same scene.
                s.lex = (1 - self.CLAUSE_LEX) * s.lex + self.CLAUSE_LEX * nlp.weighted_recall(
                    clause_weights, s.terms
                )
            idx = by_passage[s.hit]
            k = idx.index(j)
            wins = []
            if k > 0:
                wins.append(idx[k - 1])
            if k + 1 < len(idx):
                wins.append(idx[k + 1])
            s.cos_win = s.cos
            s.lex_win = s.lex
            if k > 0 and _LEANS_BACK.match(s.text):
                # "This package includes ...": the sentence before says what "this package" is.
                s.lex = max(
                    s.lex, self.LEAN_CREDIT * nlp.weighted_recall(weights, s.terms | sents[idx[k - 1]].terms)
                )
            for o in wins:
                v = sv[j] + sv[o]
                s.cos_win = max(s.cos_win, float(v @ qv) / max(float(np.linalg.norm(v)), 1e-9))
                s.lex_win = max(s.lex_win, nlp.weighted_recall(weights, s.terms | sents[o].terms))
        n = len(passages)
        q_years = set(_YEAR.findall(question))
        for s in usable:
            rank_prior = 1.0 - s.hit / max(n, 1)
            base = (
                self.W_COS * s.cos
                + self.W_COS_WIN * s.cos_win
                + self.W_LEX * s.lex
                + self.W_LEX_WIN * s.lex_win
                + self.W_RANK * rank_prior
            )
            if not s.terminated:
                base -= self.UNTERMINATED_PENALTY
            if q_years:
                # "Who won Wimbledon in 2021?": a sentence about another year is about another event.
                s_years = set(_YEAR.findall(s.text))
                if s_years and not (s_years & q_years):
                    base -= self.YEAR_CONFLICT_PENALTY
            s.score = base * (0.5 + 0.5 * coverage[s.hit][0])

        # "fall allergies" asked, "spring allergies" said: a sentence about another kind of the thing.
        # (Unless the kind is what is asked: "which union workers" -> "port workers".)
        compounds = nlp.question_compounds(question)
        if not nlp.answer_types(question):
            asked = nlp.stem(nlp.question_focus(question)[0] or "")
            compounds = tuple(c for c in compounds if c[1] != asked)
        if compounds:
            for s in sorted(usable, key=lambda s: -s.score)[: self.NER_CANDIDATES]:
                if _other_kind(s, compounds):
                    s.score -= self.OTHER_KIND_PENALTY

        # "Which country celebrated Thanksgiving this week?": a sentence dating its event inside
        # the period asked about ("on the second Monday of October", "on Oct. 14") is news of that
        # period whatever its article's date.
        period = self._recent_period(question, today)
        dated_in_period: set[int] = set()
        if period is not None:
            for s in usable:
                published = passages[s.hit].published
                if any(period[0] <= d <= period[1] for d in event_dates(s.text, published, period)):
                    dated_in_period.add(id(s))
                    s.score += self.IN_PERIOD_BONUS

        types = nlp.answer_types(question)
        cause = causes.asks_cause(question)
        focus = None if (types or cause) else nlp.question_focus(question)[0]
        if focus in _VAGUE_HEADS:
            focus = None
        ranked = sorted(usable, key=lambda s: -s.score)
        # The candidates: the best NER_CANDIDATES distinct sentences, with their copies (overlapping
        # passages of one document, syndicated articles), so repeats do not crowd out other sentences.
        top, distinct = self._candidates(ranked)
        docs = [passages[s.hit].doc_id for s in top]
        fresh = self._freshness(passages, period)
        if fresh:
            top_fresh = [1.0 if id(s) in dated_in_period else fresh[s.hit] for s in top]
        if types:
            ents = nlp.entities([s.text for s in top])
            q_low = question.lower()
            q_nums = nlp.numbers(question)
            asks_source = bool(_SOURCE_VERBS.search(q_low))
            # Labels that answer only loosely: "who" -> "Austrian" (NORP), "how old" -> a date.
            weak = {"NORP"} | ({"DATE"} if "CARDINAL" in types else set())
            found = [
                [
                    e
                    for e in es
                    if _new_entity(e, types, q_low, q_nums)
                    and e not in _mislabelled(s.text, es)
                    and not _in_dateline(s.text, e)
                    and (asks_source or not _is_source(s.text, e))
                ]
                for s, es in zip(top, ents)
            ]
            # An entity that only qualifies a name of the question ("Walz of Minnesota") is no answer;
            # one in a clause about other participants ("Trump held a debate in Philadelphia") is a
            # weak one: the clause around the entity should hold the question's words.
            q_names = {w.lower() for w in nlp.words(question) if w[:1].isupper()} - {
                w.lower() for w in nlp.words(clause)[:1]
            }
            # "Where did the show take place?" wants the place where it happened ("broadcast from New
            # York City"), not a place named otherwise ("supermodels, including Lima").
            where = bool(re.search(r"\bwhere\b", clause, re.IGNORECASE))
            anchors: list[list[float]] = []
            loose: set[tuple[int, nlp.Entity]] = set()
            for i, (s, es) in enumerate(zip(top, found)):
                row = []
                if es and distinct[i] < self.ANCHOR_CANDIDATES:
                    doc = nlp.parse(s.text)
                    keep = []
                    for e in es:
                        a = _anchor(doc, e, weights, q_names, s.terms)
                        if a is not None:
                            keep.append(e)
                            row.append(a)
                            if where and not _locative(doc, e):
                                loose.add((i, e))
                    found[i] = keep
                else:
                    row = [1.0] * len(es)
                anchors.append(row)
            # What a sentence's entity is worth as an answer: its label's fit and its clause's evidence.
            # "When ...?": a date that states more of itself answers better ("April 29, 2015" over
            # "April 29" or "2015").
            when = bool(types & {"DATE"}) and "CARDINAL" not in types
            strengths = [
                [
                    (0.5 if e[1] in weak or (i, e) in loose else 1.0)
                    * (self.ANCHOR_FLOOR + (1 - self.ANCHOR_FLOOR) * a)
                    * (0.5 + 0.5 * date_detail(e[0]) if when and e[1] == "DATE" else 1.0)
                    for e, a in zip(es, an)
                ]
                for i, (es, an) in enumerate(zip(found, anchors))
            ]
            votes = _entity_votes(
                top, [[e[0] for e in es] for es in found], docs, strengths, top_fresh if fresh else None
            )
            if DEBUG:
                print("  votes", sorted(votes.items(), key=lambda kv: -kv[1])[:8])
                for s, es, st in [x for x in zip(top, found, strengths) if x[1]][:8]:
                    print("   ", [(e[0], round(a, 2)) for e, a in zip(es, st)], s.text[:60])
            for s, es, st in zip(top, found, strengths):
                s.typed = bool(es)
                if es:
                    strength = max(st)
                    s.answer_vote = max(votes[_ent_key(e[0])] for e in es)
                    share = 1 - self.VOTE_SHARE + self.VOTE_SHARE * s.answer_vote
                    s.score += self.TYPE_BONUS * strength * share
                else:
                    s.score -= self.TYPE_PENALTY
        elif focus:
            # "Which union workers ...?": a phrase naming a kind of the asked noun that the question
            # does not ("port workers") is the answer's shape; sources that agree on it win.
            phrases = [_focus_phrases(s.text, focus, q_terms) for s in top]
            votes = _entity_votes(top, phrases, docs, None, top_fresh if fresh else None)
            for s, ps in zip(top, phrases):
                if ps:
                    s.typed = True
                    s.answer_vote = max(votes[_ent_key(p)] for p in ps)
                    share = 1 - self.VOTE_SHARE + self.VOTE_SHARE * s.answer_vote
                    s.score += self.FOCUS_BONUS * share
        elif cause:
            # A cause counts fully where it explains the asked-about event: "illnesses were tied to
            # onions" says little about why the agency issued an alert.
            asking = causes.asking_terms(question)
            event = {t: w for t, w in weights.items() if t not in asking}
            actor = causes.question_actor(question)
            for i, s in enumerate(top):
                a = causes.cause_anchor(
                    s.text, q_terms, event, actor, s.terms, parse=distinct[i] < self.ANCHOR_CANDIDATES
                )
                if a is not None:
                    s.typed = True
                    s.score += self.TYPE_BONUS * (self.ANCHOR_FLOOR + (1 - self.ANCHOR_FLOOR) * a)
                else:
                    s.score -= self.TYPE_PENALTY
        ranked = sorted(usable, key=lambda s: -s.score)

        # The best sentence of a passage that holds the question's names and terms: one from a
        # passage about something else (another tournament, another company) is no answer however
        # well it scores (nor as a second sentence), but it does not make the better-covered
        # passages' answers void.
        covered = [s for s in ranked if not self._uncovered(coverage[s.hit], s)] or ranked
        best = covered[0]
        if DEBUG:
            self.last_ranked = [(s, coverage[s.hit]) for s in ranked]
        _cov, key_cov, cov = coverage[best.hit]
        if DEBUG:
            for s in ranked[:6]:
                print(
                    f"  {s.score:.3f} p{s.hit + 1} cos {s.cos:.2f}/{s.cos_win:.2f} lex {s.lex:.2f}/{s.lex_win:.2f} "
                    f"typed {s.typed} cov {coverage[s.hit][0]:.2f}/{coverage[s.hit][1]:.2f}/{coverage[s.hit][2]:.2f}"
                    f" | {s.text[:110]}"
                )
        support = best.score
        reason = ""
        if key_terms and key_cov < self.MIN_KEY_COVERAGE:
            reason = f"names of the question missing from the passage (coverage {key_cov:.2f})"
        elif cov < self.MIN_TERM_COVERAGE and best.cos_win < self.GATE_COS:
            reason = f"question terms missing from the passage (coverage {cov:.2f})"
        elif support < self.settings.abstain_threshold:
            reason = f"support {support:.2f} under threshold {self.settings.abstain_threshold:.2f}"
        if reason:
            return Draft(abstention(question), True, support=support, reason=reason)

        chosen = self._compose(best, sents, by_passage, types, covered if (types or focus or cause) else [])
        text = " ".join(f"{s.text} [{s.hit + 1}]" for s in chosen)
        return Draft(
            text,
            False,
            support=support,
            reason="",
            sentences=[(s.hit + 1, s.start, s.end) for s in chosen],
        )

    # -- helpers --------------------------------------------------------------------------------

    def _uncovered(self, cov: tuple[float, float, float], s: _Sent) -> bool:
        """Whether the passage of ``s`` misses the question's names, or its terms while ``s`` and
        its neighbours do not match the question's meaning either (the abstention gates)."""
        _all, key_cov, term_cov = cov
        return key_cov < self.MIN_KEY_COVERAGE or (
            term_cov < self.MIN_TERM_COVERAGE and s.cos_win < self.GATE_COS
        )

    def _recent_period(self, question: str, today: date | None) -> tuple[date, date] | None:
        """The recent period ("this week", "recently") the question asks about, if any: one
        ending within ``RECENT_DAYS`` of ``today``."""
        from assistant.timeframe import resolve_timeframe

        frame = resolve_timeframe(question, today) if today else None
        if frame is None or frame.until < today - timedelta(days=self.RECENT_DAYS):
            return None
        return frame.since, frame.until

    def _freshness(self, passages: list[Hit], period: tuple[date, date] | None) -> list[float] | None:
        """Per passage, how much its source counts for a question about a recent ``period``
        (``_recent_period``): 1 when published in the period or undated, halving every
        ``FRESH_HALF_LIFE_DAYS`` before it. None without such a period."""
        if period is None:
            return None
        out = []
        for h in passages:
            late = (period[0] - h.published).days if h.published else 0
            out.append(0.5 ** (max(0, late) / self.FRESH_HALF_LIFE_DAYS))
        return out

    def _candidates(self, ranked: list[_Sent]) -> tuple[list[_Sent], list[int]]:
        """The best ``NER_CANDIDATES`` distinct sentence texts with all their copies, in rank order,
        and each one's rank among the distinct texts."""
        order: dict[str, int] = {}
        top, distinct = [], []
        for s in ranked:
            key = " ".join(s.text.split())
            if key not in order:
                if len(order) >= self.NER_CANDIDATES:
                    continue
                order[key] = len(order)
            top.append(s)
            distinct.append(order[key])
        return top, distinct

    def _sentences(self, passages: list[Hit]) -> list[_Sent]:
        out: list[_Sent] = []
        for i, h in enumerate(passages):
            for pos, (a, b) in enumerate(nlp.split_sentences(h.text)):
                t = h.text[a:b]
                nw = len(nlp.words(t))
                usable = (
                    nw >= 4 and not nlp.is_question(t) and not nlp.is_instruction(t) and not nlp.is_heading(t)
                )
                terminated = bool(_TERMINATED.search(t))
                out.append(_Sent(i, a, b, t, frozenset(nlp.content_terms(t)), usable, terminated, pos))
        return out

    @staticmethod
    def _term_weights(q_terms: dict[str, float], sents: list[_Sent]) -> dict[str, float]:
        """Prior weight times rarity among the candidate sentences (a smoothed IDF)."""
        n = len(sents)
        out = {}
        for t, w in q_terms.items():
            df = sum(1 for s in sents if nlp.term_in(t, s.terms))
            out[t] = w * (1.0 + math.log((n + 1) / (df + 1)))
        return out

    def _compose(
        self,
        best: _Sent,
        sents: list[_Sent],
        by_passage: dict[int, list[int]],
        types: frozenset[str] | None,
        ranked: list[_Sent],
    ) -> list[_Sent]:
        chosen = [best]
        if self.settings.max_answer_sentences < 2:
            return chosen
        idx = by_passage[best.hit]
        k = next(i for i, j in enumerate(idx) if sents[j] is best)
        prev = sents[idx[k - 1]] if k > 0 else None
        nxt = sents[idx[k + 1]] if k + 1 < len(idx) else None
        room = self.MAX_CHARS - len(best.text)
        # The best sentence leans on the one before it ("He said ...", "This package ...").
        if prev is not None and prev.usable and _LEANS_BACK.match(best.text) and len(prev.text) <= room:
            return [prev, best]
        # The asked-for entity is only in the neighbour.
        if types and not best.typed:
            for o in (nxt, prev):
                if o is not None and o.usable and len(o.text) <= room and o.score > 0.8 * best.score:
                    ents = nlp.entities([o.text])[0]
                    if any(e[1] in types for e in ents):
                        return [best, o] if o is nxt else [o, best]
        # ... or in a sentence elsewhere nearly as good: the best one sets the scene, that one answers.
        if ranked and not best.typed:
            for o in ranked[1 : self.NER_CANDIDATES]:
                if o.typed and len(o.text) <= room and o.score >= self.OTHER_TYPED_SHARE * best.score:
                    return [best, o]
        # The evidence continues in a neighbour that is good evidence itself.
        options = [o for o in (nxt, prev) if o is not None and o.usable and len(o.text) <= room]
        options = [
            o for o in options if o.score >= self.NEIGHBOUR_SHARE * best.score and (o.terms - best.terms)
        ]
        if options:
            o = max(options, key=lambda o: o.score)
            return [best, o] if o is nxt else [o, best]
        return chosen


_MONTHS = MONTHS
_WEEKDAYS = {d: i for i, d in enumerate(WEEKDAYS)}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
# Month and weekday names are capitalised in English ("may" is a verb).
_MONTH_RE = MONTH_NAMES
_WEEKDAY_RE = "|".join(d.capitalize() for d in _WEEKDAYS)
# "the second Monday of October", "the last Thursday in November": a date that recurs every year
_NTH_WEEKDAY = re.compile(rf"\b((?i:{'|'.join(_ORDINALS)}))\s+({_WEEKDAY_RE})\s+(?:of|in)\s+({_MONTH_RE})\b")
# "Oct. 14", "October 14, 2024", "14 October"
_MONTH_DAY = re.compile(
    rf"\b(?:({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\b\.?(?:,?\s+(\d{{4}}))?)"
)


def date_detail(span: str) -> float:
    """How completely a date span states a calendar date: 1 with a day, a month and a year, 2/3
    with two of them ("April 29", "December 2015"), 1/3 with one ("2015"); 1 for other dates
    ("last week", "the 1990s"), which this does not judge."""
    has_year = bool(_YEAR.search(span))
    has_month = bool(re.search(rf"\b(?:{_MONTH_RE})\b", span))
    has_day = has_month and bool(re.search(r"\b\d{1,2}(?:st|nd|rd|th)?\b", _YEAR.sub("", span)))
    parts = has_year + has_month + has_day
    return parts / 3 if parts else 1.0


def event_dates(text: str, published: date | None, period: tuple[date, date]) -> list[date]:
    """The calendar dates ``text`` names: a recurring "second Monday of October" in the years of
    ``period``; "Oct. 14" in its stated year, else its article's (``published``), else the
    period's years. Impossible dates are skipped."""
    out: list[date] = []
    years = sorted({period[0].year, period[1].year})
    for m in _NTH_WEEKDAY.finditer(text):
        n, weekday, month = _ORDINALS[m[1].lower()], _WEEKDAYS[m[2].lower()], _MONTHS[m[3].lower()]
        for y in years:
            days = [
                date(y, month, d)
                for d in range(1, 32)
                if _valid(y, month, d) and date(y, month, d).weekday() == weekday
            ]
            if len(days) >= abs(n):
                out.append(days[n - 1] if n > 0 else days[-1])
    for m in _MONTH_DAY.finditer(text):
        month = _MONTHS[(m[1] or m[5]).lower()]
        day = int(m[2] or m[4])
        stated = m[3] or m[6]
        for y in [int(stated)] if stated else [published.year] if published else years:
            if _valid(y, month, day):
                out.append(date(y, month, day))
    return out


def _valid(y: int, month: int, day: int) -> bool:
    try:
        date(y, month, day)
    except ValueError:
        return False
    return True


def _key_terms(question: str, q_terms: dict[str, float]) -> set[str]:
    """Names and numbers of the question (entities, capitalised words inside a sentence, digits)."""
    keys: set[str] = set()
    for text, label, _a, _b in nlp.entities([question])[0]:
        if label in {"DATE", "TIME", "ORDINAL", "CARDINAL", "PERCENT", "QUANTITY", "MONEY"}:
            continue
        for w in nlp.words(text):
            if not nlp.is_stop(w):
                keys.add(nlp.stem(w))
    for t, w in q_terms.items():
        if w >= 1.5 and any(c.isalpha() for c in t):
            keys.add(t)
    return {k for k in keys if k in q_terms}


def _coverage(
    q_terms: dict[str, float], key_terms: set[str], terms: frozenset[str]
) -> tuple[float, float, float]:
    """Shares of the question's terms found in ``terms``: (all, weighted; key terms; other terms, weighted)."""
    total = sum(q_terms.values())
    got = sum(w for t, w in q_terms.items() if nlp.term_in(t, terms))
    key = sum(1 for t in key_terms if nlp.term_in(t, terms)) / len(key_terms) if key_terms else 1.0
    other = {t: w for t, w in q_terms.items() if t not in key_terms}
    o_total = sum(other.values())
    o_got = sum(w for t, w in other.items() if nlp.term_in(t, terms))
    return (got / total if total else 1.0), key, (o_got / o_total if o_total else 1.0)


def _ent_key(name: str) -> str:
    ws = [w.lower() for w in nlp.words(name) if not nlp.is_stop(w)]
    return " ".join(ws) or name.lower()


def _entity_votes(
    top: list[_Sent],
    found: list[list[str]],
    docs: list[str],
    strengths: list[list[float]] | None = None,
    fresh: list[float] | None = None,
) -> dict[str, float]:
    """For each candidate answer entity, the summed votes of the documents naming it, scaled to 0..1.

    Sources that agree are evidence: "New York City" named by three documents beats a
    "Philadelphia" named by one. A document votes once, with its best sentence naming the entity
    (one article repeated in overlapping passages is one source): that sentence's score times the
    entity's strength there (how well it answers in that sentence; 1 when not given) and its
    source's freshness for the period asked about (1 when not given). Names match when one's
    words contain the other's.
    """
    keys = {_ent_key(n) for names in found for n in names}
    words = {k: set(k.split()) for k in keys}
    raw = {}
    for k in keys:
        by_doc: dict[str, float] = {}
        for i, (s, names, d) in enumerate(zip(top, found, docs)):
            for j, n in enumerate(names):
                if words[k] <= words[_ent_key(n)] or words[_ent_key(n)] <= words[k]:
                    v = s.score * (strengths[i][j] if strengths else 1.0) * (fresh[i] if fresh else 1.0)
                    by_doc[d] = max(by_doc.get(d, 0.0), v)
        raw[k] = sum(max(v, 0.0) for v in by_doc.values())
    best = max(raw.values(), default=0.0)
    return {k: (v / best if best > 0 else 0.0) for k, v in raw.items()}


_SOURCE_VERBS = re.compile(
    r"\b(said|says|say|told|tells|reported|reports|report|announced|announces|according|wrote|writes|stated|"
    r"claimed|claims|quoted|cited)\b",
    re.IGNORECASE,
)
_SOURCE_BEFORE = re.compile(
    r"\b(according to|said|says|told|reported by|reports|per|via|cited by)\s+(the\s+)?$", re.IGNORECASE
)
_SOURCE_AFTER = re.compile(
    r"^\W{0,3}(said|says|reported|reports|told|wrote|writes|stated|announced)\b", re.IGNORECASE
)


def _is_source(text: str, ent: nlp.Entity) -> bool:
    """An entity named as the source of the sentence ("according to ESPN", "Reuters reported"):
    it says who tells, not what the question asks (unless the question asks who said it)."""
    return bool(
        _SOURCE_BEFORE.search(text[max(0, ent[2] - 20) : ent[2]])
        or _SOURCE_AFTER.match(text[ent[3] : ent[3] + 14])
    )


def _anchor(
    doc: Any, ent: nlp.Entity, weights: dict[str, float], q_names: set[str], s_terms: frozenset[str]
) -> float | None:
    """How much of the sentence's evidence for the question lies in the entity's own clause (0..1);
    None when the entity only qualifies a name the question already has ("Gov. Tim Walz of Minnesota")."""
    span = doc.char_span(ent[2], ent[3], alignment_mode="expand")
    if span is None or len(span) == 0:
        return 1.0
    t = span.root
    for _ in range(4):
        if t.head.i == t.i or t.pos_ in {"VERB", "AUX"}:
            break
        if t.dep_ not in {"compound", "pobj", "prep", "appos", "nmod", "poss", "amod"}:
            break
        t = t.head
        if t.pos_ == "PROPN" and t.lower_ in q_names and not (span.start <= t.i < span.end):
            return None
    # The clause: up to the governing verb, without its other sub-clauses.
    v = span.root
    # A verb form standing as a preposition or adjective ("supermodels, including Lima") heads no clause.
    while v.head.i != v.i and (v.pos_ not in {"VERB", "AUX"} or v.dep_ in {"prep", "amod"}):
        v = v.head
    inside = nlp.clause_tokens(v, span.start, span.end - 1)
    clause_terms = frozenset(nlp.content_terms(" ".join(doc[i].text for i in sorted(inside))))
    whole = nlp.weighted_recall(weights, s_terms)
    if whole <= 0:
        return 1.0
    return min(1.0, nlp.weighted_recall(weights, clause_terms) / whole)


_LOCATIVE_PREPS = {
    "in", "at", "from", "near", "outside", "inside", "to", "into", "across", "throughout", "around", "on",
    "within", "toward", "towards", "between", "off", "along",
}  # fmt: skip


def _locative(doc: Any, ent: nlp.Entity) -> bool:
    """The entity says where: the object of a place preposition ("in New York City", "from
    Delaware County, Pennsylvania"), directly or as part of a place named there."""
    span = doc.char_span(ent[2], ent[3], alignment_mode="expand")
    if span is None or len(span) == 0:
        return True
    t = span.root
    for _ in range(4):
        if t.dep_ == "pobj":
            return t.head.lower_ in _LOCATIVE_PREPS
        if t.dep_ not in {"compound", "appos", "conj", "npadvmod", "nmod", "poss"} or t.head.i == t.i:
            return False
        t = t.head
    return False


def _other_kind(s: _Sent, compounds: tuple[tuple[str, str], ...]) -> bool:
    """The sentence names the question's noun with another noun modifier and never the question's."""
    for mod, noun in compounds:
        if mod in s.terms or not any(nlp.stem(w) == noun for w in nlp.words(s.text)):
            continue
        for t in nlp.parse(s.text):
            if nlp.stem(t.text) != noun:
                continue
            mods = [c for c in t.lefts if c.dep_ == "compound" and c.pos_ in {"NOUN", "PROPN"} and c.is_alpha]
            if mods and all(nlp.stem(c.text) != mod for c in mods):
                return True
    return False


_LIST_SEP = re.compile(r"^\s*(?:,|,?\s+(?:and|or|&))\s*$")


def _mislabelled(text: str, ents: tuple[nlp.Entity, ...]) -> set[nlp.Entity]:
    """Names whose label differs from most of the list they stand in ("supermodels, including
    Lima, Banks, Barbara Palvin, ..." with Lima a place): a list names one kind of thing."""
    out: set[nlp.Entity] = set()
    run: list[nlp.Entity] = []
    for e in [*ents, None]:
        if e is not None and run and _LIST_SEP.match(text[run[-1][3] : e[2]]):
            run.append(e)
            continue
        if len(run) >= 3:
            labels = [x[1] for x in run]
            top = max(set(labels), key=labels.count)
            if labels.count(top) * 2 > len(labels):
                out.update(x for x in run if x[1] != top)
        run = [e] if e is not None else []
    return out


def _in_dateline(text: str, ent: nlp.Entity) -> bool:
    m = _DATELINE.match(text)
    return bool(m) and ent[2] < m.end()


# Asked-for nouns too vague to recognise an answer by.
_VAGUE_HEADS = {"thing", "things", "one", "ones", "way", "ways", "part", "parts", "lot", "kind", "type", "sort"}  # fmt: skip


def _focus_phrases(text: str, focus: str, q_terms: dict[str, float]) -> list[str]:
    """Noun phrases of ``text`` whose head is the asked-for noun and whose modifiers the question lacks.

    "Update: US port workers and operators reach a deal" with focus "workers" -> ["US port workers"];
    "union workers" says nothing new when the question says "union". Parsed (tagger + parser),
    only sentences that hold the noun at all.
    """
    f_stem = nlp.stem(focus)
    if not any(nlp.stem(w) == f_stem for w in nlp.words(text)):
        return []
    out = []
    for t in nlp.parse(text):
        if nlp.stem(t.text) != f_stem or t.pos_ not in {"NOUN", "PROPN"}:
            continue
        keys = set(q_terms)
        mods = [c for c in t.lefts if c.dep_ in {"compound", "nmod"} and c.pos_ in {"NOUN", "PROPN"}]
        new = [c for c in mods if not c.is_stop and not nlp.term_in(nlp.stem(c.text), keys)]
        if new:
            out.append(" ".join([c.text for c in mods] + [t.text]))
            continue
        # "The main culprit is ragweed", "threats include sea level rise": equated with new words.
        for c in nlp.equated(t):
            phrase = " ".join(x.text for x in c.subtree)
            terms = [nlp.stem(w) for w in nlp.words(phrase) if not nlp.is_stop(w)]
            if sum(1 for x in terms if not nlp.term_in(x, keys)) >= 1:
                out.append(phrase)
    return out


def _new_entity(ent: nlp.Entity, types: frozenset[str], q_low: str, q_nums: set[str]) -> bool:
    """An entity of an asked-for type that the question does not already name."""
    text, label = ent[0], ent[1]
    if label not in types:
        return False
    if text.lower() in q_low:
        return False
    nums = nlp.numbers(text)
    if nums and nums <= q_nums:
        return False
    toks = [w.lower() for w in nlp.words(text) if not nlp.is_stop(w)]
    return not (toks and all(re.search(rf"\b{re.escape(t)}\b", q_low) for t in toks))


# ---------------------------------------------------------------------------------------------
# Follow-up questions without a model

_FOLLOW_PRONOUNS = re.compile(
    r"\b(it|its|they|them|their|theirs|that|those|these|this|there|he|him|his|she|her|hers)\b", re.IGNORECASE
)
_FOLLOW_START = re.compile(
    r"^\W*(and|also|what about|how about|and what about|but|so|then)\b[\s,]*", re.IGNORECASE
)
_TOPIC_STRIP = re.compile(
    r"^\W*(please\s+)?(tell me|give me|show me|brief me|what do (?:we|you) know|what is known|summari[sz]e|"
    r"explain|describe|update me|any news|what'?s new|what happened)\s*(more\s+)?(about|on|with|in|to|regarding)?\s*",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    q = question.strip()
    if _FOLLOW_START.match(q):
        return True
    content = [w for w in nlp.words(q) if not nlp.is_stop(w)]
    if len(content) <= 1:
        return True
    return bool(_FOLLOW_PRONOUNS.search(q)) and not any(w[:1].isupper() for w in nlp.words(q)[1:])


def _topic(turn: str) -> str:
    """What a previous user turn was about, as a phrase."""
    t = turn.strip().rstrip("?.! ")
    stripped = _TOPIC_STRIP.sub("", t)
    if stripped != t and stripped:
        return stripped
    # A question: keep its content words in order ("drones Russia launch Kyiv").
    ws = [w for w in nlp.words(t) if not nlp.is_stop(w)]
    return " ".join(ws)


def condense(question: str, history: list[Turn]) -> str:
    """A standalone version of a follow-up question, built from the previous user turns.

    "And how many of them were intercepted?" after "Tell me about the drone attack on Kyiv"
    -> "How many of them were intercepted, regarding the drone attack on Kyiv?". "What about
    Odesa?" after "What is the population of Kyiv?" -> "What is the population of Odesa?".
    Questions that stand alone come back unchanged.
    """
    q = question.strip()
    users = [t.content.strip() for t in history if t.role == "user" and t.content.strip()]
    if not q or not users or not is_follow_up(q):
        return question
    # The topic: the last user turn, plus the one before when that was a follow-up too.
    prev = users[-1]
    topics = [_topic(prev)]
    if is_follow_up(prev) and len(users) >= 2:
        topics.insert(0, _topic(users[-2]))
    topic = " ".join(t for t in topics if t).strip()

    m = re.match(r"^\W*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\W*$", q, re.IGNORECASE)
    if m:
        new = m.group(1).strip()
        prev_ents = nlp.entities([prev])[0]
        named = [(e[2], e[3]) for e in prev_ents if e[1] not in {"CARDINAL", "ORDINAL"}]
        if not named:  # NER missed it: the last run of capitalised words after the first word
            named = [
                (m.start(), m.end())
                for m in re.finditer(r"(?<=\s)[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", prev)
                if m.start() > 0
            ]
        if named and not _FOLLOW_PRONOUNS.fullmatch(new):
            a, b = named[-1]
            return prev[:a] + new + prev[b:]
        return f"{prev.rstrip('?.! ')}, regarding {new}?"
    body = _FOLLOW_START.sub("", q).strip().rstrip("?.! ")
    if not body:
        return prev
    body = body[:1].upper() + body[1:]
    return f"{body}, regarding {topic}?" if topic else question
