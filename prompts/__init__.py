"""Prompt templates live as Markdown files beside this module; this is their tiny loader.

A file may hold a ``## system`` and a ``## user`` section; variables are ``{name}``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from langchain_core.prompts import ChatPromptTemplate, PromptTemplate


@cache
def read(name: str) -> str:
    """The raw text of ``prompts/<name>.md``."""
    return resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def sections(name: str) -> dict[str, str]:
    """Split a prompt file into its ``## role`` sections."""
    out: dict[str, str] = {}
    role = None
    lines: list[str] = []
    for line in read(name).splitlines():
        if line.startswith("## ") and line[3:].strip().lower() in ("system", "user"):
            if role:
                out[role] = "\n".join(lines).strip()
            role, lines = line[3:].strip().lower(), []
        elif role:
            lines.append(line)
    if role:
        out[role] = "\n".join(lines).strip()
    return out


def chat_template(name: str) -> ChatPromptTemplate:
    """A LangChain chat prompt built from the file's system and user sections."""
    parts = sections(name)
    return ChatPromptTemplate.from_messages([("system", parts["system"]), ("user", parts["user"])])


def text_template(name: str) -> PromptTemplate:
    return PromptTemplate.from_template(read(name))
