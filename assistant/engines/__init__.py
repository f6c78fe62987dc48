"""Answering engines: ``extractive`` (no model), ``openai`` (any OpenAI-compatible server), ``local`` (llama.cpp).

Build one with ``create_engine(name, settings)``; see ``base.Engine`` for the interface.
"""

from assistant.engines.base import Engine, create_engine, engine_names, register

__all__ = ["Engine", "create_engine", "engine_names", "register"]
