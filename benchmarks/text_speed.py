"""Throughput of the full text analysis on one core: language, sentiment, topics, emotions, effort, PII.

Generates ``--docs`` realistic, varied customer comments with the demo brand's text generator
(complaints, survey verbatims, questions, agent notes, in Italian and English, with names, e-mails
and phone numbers mixed in), then runs ``cxhub.text.analyze`` over them in batches, in this one
process (so on one core). Prints docs/s and the peak resident memory; the last line is JSON.

    python benchmarks/text_speed.py --docs 100000
Target (issue 4): >= 2,000 docs/s per core.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from cxhub.demo import texts as demo  # noqa: E402
from cxhub.text import analyze  # noqa: E402

REASONS = tuple(demo.TOPICS)
TONES = ("neg", "neg", "mixed", "pos")


def comments(count: int, seed: int = 7) -> list[str]:
    """``count`` comments; about one in ten carries personal data, one in twenty is odd (HTML, emoji, caps)."""
    rng = random.Random(seed)
    out = []
    for number in range(count):
        english = rng.random() < 0.25
        first = rng.choice(demo.FIRST_EN_F if english else demo.FIRST_IT_F)
        last = rng.choice(demo.LAST_EN if english else demo.LAST_IT)
        ctx = {"nome": first, "o": "a", "prodotto": rng.choice(("iPhone 15", "modem", "Galaxy S24")), "citta": "Milano"}
        reason, tone = rng.choice(REASONS), rng.choice(TONES)
        kind = rng.random()
        if kind < 0.45:
            text = demo.survey_comment(rng, english, reason, tone, ctx)
        elif kind < 0.8:
            text = demo.customer_text(rng, english, reason, tone, ctx, long=rng.random() < 0.2)
        elif kind < 0.9:
            text = demo.question_text(rng, english, ctx)
        else:
            text = demo.agent_note(rng, reason, ctx, resolved=rng.random() < 0.5)
        extra = rng.random()
        if extra < 0.04:
            text += f" Mi chiamo {first} {last}, il mio numero è 333 {rng.randrange(1000000, 9999999)}."
        elif extra < 0.08:
            text += f" Scrivetemi a {first.lower()}.{last.lower().replace(' ', '')}{number % 97}@gmail.com"
        elif extra < 0.10:
            text = f"<p>{text}</p>"
        elif extra < 0.12:
            text = text.upper()
        out.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    docs = comments(args.docs)
    distinct = len(set(docs))
    average_chars = sum(map(len, docs)) / len(docs)
    analyze(docs[:200])  # load the lexicons, the taxonomy and the language models once
    started = time.perf_counter()
    cpu_started = time.process_time()
    positive = with_topics = with_pii = 0
    for begin in range(0, len(docs), args.batch):
        for result in analyze(docs[begin : begin + args.batch]):
            positive += result.sentiment.label == "positive"
            with_topics += bool(result.topics)
            with_pii += bool(result.pii)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "docs": len(docs),
        "distinct_docs": distinct,
        "average_chars": round(average_chars, 1),
        "seconds": round(elapsed, 2),
        "docs_per_s": round(len(docs) / elapsed),
        "docs_per_cpu_s": round(len(docs) / cpu),
        "peak_rss_mib": round(peak_mib, 1),
        "share_positive": round(positive / len(docs), 3),
        "share_with_topics": round(with_topics / len(docs), 3),
        "share_with_pii": round(with_pii / len(docs), 3),
        "target_docs_per_s": 2000,
    }
    print(
        f"{len(docs):,} comments ({distinct:,} distinct, {average_chars:.0f} chars on average) in {elapsed:.1f} s: "
        f"{figures['docs_per_s']:,} docs/s ({figures['docs_per_cpu_s']:,} per CPU second), "
        f"peak RSS {peak_mib:.0f} MiB"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
