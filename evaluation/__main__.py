"""`make eval`: the blind evaluation sets sent to the real servers over REST, with a figure per category.

The development sets (tests/eval/dev_*.yml) are the ones tuned on; `--details` writes their misses.
The final set (FINAL_SETS in evaluation/scoring.py) is reported as figures only, never message by message.
"""
import argparse
import asyncio
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import List, Optional

from evaluation.scoring import (CATEGORIES, DEV_SETS, FINAL_SETS, Reply, judge, judge_followup_turn,
                                load_cases, messages_of, tally)

CONCURRENCY = 4
CONFIRM = "yes"


async def _say(session, url: str, sender: str, message: str, metadata: dict) -> Reply:
    body = {"sender": sender, "message": message, "metadata": metadata}
    async with session.post(url, json=body) as response:
        return Reply.from_rest(await response.json() if response.status == 200 else [])


async def _run_case(session, url: str, case: dict) -> dict:
    sender = f"eval-{uuid.uuid4().hex[:12]}"
    metadata = {"audience": "staff"} if case.get("voice") == "staff" else {}
    if case.get("today"):
        metadata["today"] = str(case["today"])
    replies: List[Reply] = []
    for message in messages_of(case):
        replies.append(await _say(session, url, sender, message, metadata))
    if case["category"] == "plan" and replies[-1].asks_confirmation:
        replies.append(await _say(session, url, sender, CONFIRM, metadata))
    if case["category"] == "followup":
        oks = [judge_followup_turn(turn, reply) for turn, reply in zip(case["turns"], replies)]
        return {"case": case, "replies": replies, "turn_oks": oks, "ok": all(oks)}
    return {"case": case, "replies": replies, "ok": judge(case, replies)}


async def run_cases(rasa_url: str, cases: List[dict]) -> List[dict]:
    import aiohttp

    url = f"{rasa_url}/webhooks/rest/webhook"
    gate = asyncio.Semaphore(CONCURRENCY)

    async def bounded(session, case):
        async with gate:
            return await _run_case(session, url, case)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        return await asyncio.gather(*(bounded(session, case) for case in cases))


def report(title: str, results: List[dict]) -> str:
    rows = tally(results)
    lines = [f"{title}", f"  {'category':34} {'right':>16}"]
    for category in CATEGORIES:
        if category not in rows:
            continue
        lines.append(f"  {category:34} {str(rows[category]):>16}")
        for key in sorted(k for k in rows if k.startswith(category + "/")):
            lines.append(f"    {key:32} {str(rows[key]):>16}")
    return "\n".join(lines)


def misses(results: List[dict]) -> List[dict]:
    out = []
    for result in results:
        if result["ok"]:
            continue
        case = result["case"]
        out.append({"id": case["id"], "category": case["category"], "voice": case.get("voice"),
                    "messages": messages_of(case),
                    "expect": case.get("expect") or case.get("expect_date") or case.get("tier"),
                    "turn_oks": result.get("turn_oks"),
                    "replies": [{"text": r.text, "urgency": r.urgency} for r in result["replies"]]})
    return out


def evaluate(rasa_url: str, which: str, details: Optional[Path]) -> str:
    sections = []
    if which in ("dev", "all"):
        dev = asyncio.run(run_cases(rasa_url, load_cases(DEV_SETS)))
        sections.append(report("Development set (tuned on): " + ", ".join(DEV_SETS), dev))
        if details:
            details.write_text(json.dumps(misses(dev), indent=1, ensure_ascii=False, default=str))
    if which in ("final", "all"):
        for name in FINAL_SETS:  # each final set by itself: written by different hands, at different times
            final = asyncio.run(run_cases(rasa_url, load_cases([name])))
            sections.append(report(f"Final set (never tuned on): {name}", final))
    return "\n\n".join(sections)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("dev", "final", "all"), default="all")
    parser.add_argument("--url", help="a running Rasa server (default: start the servers on free ports)")
    parser.add_argument("--details", type=Path, help="write the development set's misses here (JSON)")
    args = parser.parse_args(argv)
    if args.url:
        print(evaluate(args.url.rstrip("/"), args.sets, args.details))
        return 0
    from assistant.serve import Servers, free_port

    with tempfile.TemporaryDirectory(prefix="blina-eval-") as work:
        work = Path(work)
        # The plan cases carry their own "today"; only these servers read it from the message.
        servers = Servers(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                          tracker_db=work / "trackers.db", log_dir=work / "logs",
                          extra_env={"BLINA_TODAY_FROM_METADATA": "1"})
        print("Starting the servers...", file=sys.stderr, flush=True)
        with servers:
            print(evaluate(servers.rasa_url, args.sets, args.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
