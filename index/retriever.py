"""The hybrid search exposed as a LangChain ``BaseRetriever``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from index.types import Hit, SearchFilters


def hit_to_document(hit: Hit) -> Document:
    """A LangChain Document whose metadata holds every field of the hit except its text."""
    meta = hit.model_dump(exclude={"text"}, mode="json")
    return Document(page_content=hit.text, metadata=meta, id=hit.chunk_id)


class BriefingRetriever(BaseRetriever):
    """Hybrid (dense + BM25) search over the Briefing index."""

    searcher: Any
    k: int = 5
    filters: SearchFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit_to_document(h) for h in self.searcher.search(query, self.k, self.filters)]
