"""Light language tools shared by the extractive engine and citation verification.

- ``split_sentences``: rule-based sentence spans with character offsets (fast, no model);
- ``content_terms`` / ``term_weight`` / ``term_in``: stemmed content words (irregular verb forms
  meet their verb: "won"/"win") and fuzzy matching;
- ``numbers``: the numbers a text states, normalised ("six" == "6", "8,000" == "8000");
- ``entities``: spaCy NER, the model loaded lazily once per process, only the ``ner`` pipe;
- ``parse``: spaCy tagger + parser (no NER), loaded lazily once, for questions and the few
  candidate sentences whose structure matters; docs memoised;
- ``clause_tokens`` / ``equated``: a verb's own clause in a parse, and the phrases a noun is
  equated with ("the main culprit is ragweed");
- ``answer_types``: which entity labels answer a question ("who" -> PERSON/ORG/NORP ...);
- ``question_focus`` / ``question_descriptors`` / ``question_compounds``: what a question asks
  for ("which union workers" -> workers), the words describing its named subject ("seven-time
  champion Tom Brady"), its noun compounds ("fall allergies");
- ``is_question`` / ``is_instruction`` / ``is_heading``: sentences that are never answers;
- ``embed_cached``: embeddings memoised by text, so the engine and verification share them.

The tools live in ``terms``, ``numerals``, ``ner``, ``syntax``, ``sentence_kinds`` and
``embedding_cache``; this package re-exports their public names, so ``nlp.stem(...)`` works
everywhere. Module state (caches, their limits, the loaded spaCy models) lives in the submodule
that reads it: set it there (``nlp.ner._ENT_CACHE_MAX = ...``), not on this package.
"""

from __future__ import annotations

from assistant.nlp.embedding_cache import EMBED_BATCH, embed_cached, normalize_rows
from assistant.nlp.ner import SPACY_MODEL, Entity, entities, get_nlp, get_parser
from assistant.nlp.numerals import claim_numbers, number_supported, numbers
from assistant.nlp.sentence_kinds import is_heading, is_instruction, is_question
from assistant.nlp.syntax import (
    CLAUSE_DEPS,
    EQUATING,
    NUMERIC,
    PERSONISH,
    PLACE,
    TEMPORAL,
    answer_types,
    clause_tokens,
    equated,
    parse,
    question_clause,
    question_compounds,
    question_descriptors,
    question_focus,
)
from assistant.nlp.terms import (
    acronyms,
    content_terms,
    is_stop,
    question_terms,
    stem,
    term_in,
    term_weight,
    weighted_recall,
    words,
)
from index.sentences import split_sentences  # the one sentence splitter, re-exported here

__all__ = [
    "CLAUSE_DEPS",
    "EMBED_BATCH",
    "EQUATING",
    "NUMERIC",
    "PERSONISH",
    "PLACE",
    "SPACY_MODEL",
    "TEMPORAL",
    "Entity",
    "acronyms",
    "answer_types",
    "claim_numbers",
    "clause_tokens",
    "content_terms",
    "embed_cached",
    "entities",
    "equated",
    "get_nlp",
    "get_parser",
    "is_heading",
    "is_instruction",
    "is_question",
    "is_stop",
    "normalize_rows",
    "number_supported",
    "numbers",
    "parse",
    "question_clause",
    "question_compounds",
    "question_descriptors",
    "question_focus",
    "question_terms",
    "split_sentences",
    "stem",
    "term_in",
    "term_weight",
    "weighted_recall",
    "words",
]
