"""The offline default engine: answers by quoting the passage sentences that answer the question.

No generative model by default. Its phases, one module each:

1. ``candidates``: passages split into sentences (offsets kept); questions, headings, fragments and
   text addressed to an AI assistant are never answers; the question's terms weighted (names and
   numbers above asking words, a preamble's words below the asking clause's);
2. ``features``: per sentence, cosine and weighted term recall to the question (alone and with a
   neighbour), the passage's coverage of the question's names and words, position, the source's
   age against the as-of date, a date inside the period asked about, ...; ``evidence``: whether it
   names the kind of thing asked for (spaCy entities of the labels ``index.answer_types`` gives,
   read by ``entities``), how strongly and how many documents agree on it;
3. ranking, chosen by ``settings.extractive_ranking``: ``rules`` (the default) combines the features
   with hand-set weights, coverage gates and a 0.35 threshold (chosen on train); ``learned`` (``ranking``) is a
   logistic model trained on the 2023 news quizzes (``bench/train_reader.py``) giving the probability
   that a sentence holds the answer, with a threshold chosen on train; ``hybrid`` is such a model over
   the ``rules`` ranking's candidates with its score among the features. bench/README.md has the
   rankings' figures on unseen news;
4. ``reader`` (optional, ``settings.extractive_reader``): a local language model reads the question
   and the ranking's five best sentences and answers in a few words; the candidate holding those
   words answers instead of the first (the model chooses, it writes nothing the user sees);
5. ``compose``: the best sentence, with a neighbour when the pair is better evidence, or an
   abstention (a typed ``Draft.abstained``) when the evidence is weak or the amount found is about
   another named thing than the question's.
"""

from assistant.engines.extractive.compose import abstention, indirect_question
from assistant.engines.extractive.dates import date_detail, event_dates
from assistant.engines.extractive.engine import ExtractiveEngine
from assistant.engines.extractive.followup import condense, is_follow_up

__all__ = [
    "ExtractiveEngine",
    "abstention",
    "condense",
    "date_detail",
    "event_dates",
    "indirect_question",
    "is_follow_up",
]
