"""The offline default engine: answers by quoting the passage sentences that answer the question.

No generative model. Its phases, one module each:

1. ``candidates``: passages split into sentences (offsets kept); questions, headings, fragments and
   text addressed to an AI assistant are never answers; the question's terms weighted (names and
   numbers above asking words, a preamble's words below the asking clause's);
2. ``features``: per sentence, cosine and weighted term recall to the question (alone and with a
   neighbour), the passage's coverage of the question's names and words, position, the source's
   age against the as-of date, a date inside the period asked about, ...; ``evidence``: whether it
   names the kind of thing asked for (spaCy entities of the asked-for type, ``answer_types``), how
   strongly and how many documents agree on it;
3. ``ranking``: a logistic model learned on the 2023 news quizzes (``bench/train_reader.py``)
   turns the features into the probability that the sentence holds the answer;
4. ``compose``: the best sentence, with a neighbour when the pair is better evidence, or an
   abstention when the best is under the model's threshold (chosen on train) or states an amount
   about another named thing than the question's.
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
