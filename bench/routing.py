"""Routing benchmarks: decisions/s with a 200-rule set; simulation over stored items on PostgreSQL.

    .venv/bin/python bench/routing.py [--items 100000] [--decisions 20000]

The simulation part creates its own PostgreSQL database (127.0.0.1:5432, trust auth), fills it
with generated routed items and drops it afterwards. Figures are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import yaml

# Run as a script, bench/ would be first on sys.path, where bench/email.py hides the stdlib's email.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from routing import Router, RoutingConfig, RoutingInput, default_rules_text  # noqa: E402

QUEUES = ["jobcenter", "sozialamt", "wohngeld", "eingliederungshilfe", "schuldnerberatung", "suchtberatung"]
INTENTS = ["antrag", "weiterbewilligung", "aenderung", "unterlagen", "widerspruch", "termin", "auskunft"]
WORDS = ["lastenzuschuss", "mietzuschuss", "pfändung", "schulbegleitung", "heimkosten", "minijob",
         "umzug", "nebenkosten", "kontoauszug", "bestattung", "inkasso", "werkstatt", "kita"]
CONFIG = RoutingConfig(postcodes=frozenset(["26121", "26122", "26123", "26125", "26127", "26129", "26131", "26133", "26135"]))


def big_rule_set(n: int = 200, seed: int = 1) -> str:
    """``n`` rules: ``n`` - len(default) generated admin rules in front of the default chain."""
    rnd = random.Random(seed)
    doc = yaml.safe_load(default_rules_text())
    generated = []
    kinds = [
        lambda: {"words": rnd.sample(WORDS, 2), "classifier_queue": rnd.choice(QUEUES)},
        lambda: {"regex": rf"\b{rnd.choice(WORDS)}\w*\b", "intent": rnd.choice(INTENTS)},
        lambda: {"mailbox": f"*@{rnd.choice(QUEUES)}.stadt.example", "channel": "email"},
        lambda: {"age": {"min": rnd.randint(18, 80)}, "classifier_queue": rnd.choice(QUEUES)},
        lambda: {"any": [{"sender": f"*@{rnd.choice(WORDS)}.example"}, {"words": {"any": [rnd.choice(WORDS)], "in": "subject"}}]},
        lambda: {"confidence": {"below": round(rnd.random(), 2)}, "postcode": "inside"},
        lambda: {"has_fact": ["bg_nummer"], "not": {"intent": rnd.choice(INTENTS)}},
    ]
    for i in range(n - len(doc["rules"])):
        generated.append({
            "name": f"regel_{i:03d}",
            "when": rnd.choice(kinds)(),
            "then": {"tag": f"t{i % 17}", "priority": rnd.randint(0, 1)},
        })
    doc["rules"] = generated + doc["rules"]
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def sample_input(rnd: random.Random) -> RoutingInput:
    queue = rnd.choice(QUEUES)
    words = " ".join(rnd.sample(WORDS, 3))
    text = f"Sehr geehrte Damen und Herren, ich bin {rnd.randint(20, 85)} Jahre alt. {words}. " * 4
    c = {
        "queue": queue, "confidence": rnd.random(), "intent": rnd.choice(INTENTS),
        "urgent": rnd.random() < 0.1, "urgent_reasons": [], "referral_to": None,
        "facts": {"postcode": [rnd.choice(["26121", "26160"])], "bg_nummer": ["26102BG0041877"]} if rnd.random() < 0.5 else {},
        "reasons": [], "abstained": False,
    }
    return RoutingInput("email", f"Betreff {words}", text, c, mailbox=f"post@{queue}.stadt.example", sender="a@b.example")


def bench_decisions(n: int) -> None:
    router = Router.from_yaml(big_rule_set(200), CONFIG)
    rnd = random.Random(7)
    inputs = [sample_input(rnd) for _ in range(1000)]
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        router.route(inputs[i % len(inputs)])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    # CPU time beside wall clock: the machine is shared, wall clock alone says little.
    print(f"decisions: {len(router.rule_set.rules)} rules, {n} decisions in {elapsed:.2f} s wall "
          f"({n / elapsed:,.0f}/s), {cpu:.2f} s CPU ({n / cpu:,.0f} decisions/s per core)")


def bench_simulation(n_items: int) -> None:
    from sqlalchemy import create_engine, insert

    from store.db import upgrade_schema
    from store.models import Item, utcnow
    from store.settings import get_settings
    from tests.services import postgres_database

    rnd = random.Random(3)
    with postgres_database() as url:
        os.environ["EINGANG_DATABASE_URL"] = url
        get_settings.cache_clear()
        upgrade_schema(get_settings())
        engine = create_engine(url)
        default = Router.default(CONFIG)
        start = time.perf_counter()
        now = utcnow()
        with engine.begin() as conn:
            batch = []
            for i in range(n_items):
                inp = sample_input(rnd)
                d = default.route(inp)
                batch.append({
                    "channel": inp.channel, "received_at": now - timedelta(minutes=i % 40000),
                    "subject": inp.subject, "text": inp.text, "classification": inp.classification,
                    "mailbox": inp.mailbox, "sender": inp.sender, "queue": d.queue, "action": d.action,
                    "status": "routed", "decision": {}, "problems": [], "contact": {}, "facts": {},
                    "urgent_reasons": [],
                })
                if len(batch) == 5000:
                    conn.execute(insert(Item), batch)
                    batch = []
            if batch:
                conn.execute(insert(Item), batch)
        print(f"simulation: filled {n_items} items in {time.perf_counter() - start:.1f} s")

        from eingang.commands.rules import simulate_stored

        draft_doc = yaml.safe_load(default_rules_text())
        draft_doc["rules"].insert(2, {
            "name": "lastenzuschuss_pruefen", "when": {"classifier_queue": "wohngeld", "words": ["lastenzuschuss"]},
            "then": {"queue": "clearing", "follow_up": "clearing", "stop": True},
        })
        draft = Router.from_yaml(yaml.safe_dump(draft_doc, allow_unicode=True), CONFIG)
        start, cpu = time.perf_counter(), time.process_time()
        report = simulate_stored(get_settings(), default, draft, since=None)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"simulation: {report.total} stored items, {len(report.changes)} changed, "
              f"{elapsed:.1f} s wall on PostgreSQL ({report.total / elapsed:,.0f} items/s), "
              f"{cpu:.1f} s CPU in this process")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=20000)
    parser.add_argument("--items", type=int, default=100000)
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()
    bench_decisions(args.decisions)
    if not args.skip_simulation:
        bench_simulation(args.items)


if __name__ == "__main__":
    main()
