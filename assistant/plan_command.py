"""The `blina plan` subcommand: a patient's day-by-day plan as text, JSON or iCalendar."""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date

from knowledge.clinic import clinic_settings
from knowledge.regimens import indications, load_regimen
from scheduling import Interruption, PlanError, PlanRequest, Reminders, make_plan, to_ics, to_json_dict, to_text

_INTERRUPT = re.compile(r"(\d{4}-\d{2}-\d{2}):(\d+)(?::(toxicity))?", re.IGNORECASE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of design.md's CLI contract, plus --start-cycle (default 1)."""
    parser.add_argument("--indication", required=True, choices=indications())
    parser.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="day 1 of the first planned cycle")
    parser.add_argument(
        "--start-cycle", type=int, default=1, metavar="N", help="the cycle that --start begins (default 1)"
    )
    parser.add_argument("--cycles", type=int, metavar="N", help="number of the last cycle (default: the regimen's)")
    parser.add_argument("--weight-kg", type=float, metavar="W")
    parser.add_argument("--height-cm", type=float, metavar="H", help="needed below the weight at which dosing goes by body surface area")
    parser.add_argument("--country", metavar="CC", help="public holidays that close the clinic (default: clinic settings)")
    parser.add_argument(
        "--interrupt",
        action="append",
        default=[],
        metavar="YYYY-MM-DD:DAYS[:toxicity]",
        help="first day without infusion and the number of days without it; repeatable",
    )
    parser.add_argument("--format", choices=("text", "json", "ics"), default="text")
    parser.add_argument("--no-reminders", action="store_true",
                        help="with --format ics: leave out the alarms (their times are clinic settings)")


def parse_date(text: str, what: str) -> date:
    """A strict YYYY-MM-DD date, or PlanError naming what it was for."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise PlanError(f"{what} must be a date written YYYY-MM-DD, not {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PlanError(f"{what} {text!r} is not a real calendar date") from None


def parse_interruption(text: str) -> Interruption:
    """YYYY-MM-DD:DAYS[:toxicity] -> Interruption, or PlanError."""
    match = _INTERRUPT.fullmatch(text.strip())
    if match is None:
        raise PlanError(f"--interrupt must look like YYYY-MM-DD:DAYS or YYYY-MM-DD:DAYS:toxicity, not {text!r}")
    days = int(match.group(2))
    if days < 1:
        raise PlanError(f"--interrupt {text!r}: the number of days without infusion must be at least 1")
    return Interruption(parse_date(match.group(1), "the interruption date"), days, match.group(3) is not None)


def build_request(args: argparse.Namespace) -> PlanRequest:
    """The core's request from parsed arguments (PlanError for bad values)."""
    country = args.country or clinic_settings()["country"]
    return PlanRequest(
        indication=args.indication,
        start=parse_date(args.start, "--start"),
        start_cycle=args.start_cycle,
        cycles=args.cycles,
        weight_kg=args.weight_kg,
        height_cm=args.height_cm,
        country=country,
        interruptions=tuple(parse_interruption(text) for text in args.interrupt),
    )


def run(args: argparse.Namespace) -> int:
    """Print the plan in the chosen format; bad input: one line on stderr and exit status 2."""
    try:
        request = build_request(args)
        plan = make_plan(load_regimen(request.indication), request)
    except PlanError as error:
        print(f"blina plan: error: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(to_json_dict(plan), ensure_ascii=False, indent=2))
    elif args.format == "ics":
        reminders = None if args.no_reminders else Reminders.from_settings(clinic_settings())
        sys.stdout.write(to_ics(plan, reminders).decode("utf-8"))  # CRLF line ends pass through unchanged on POSIX
    else:
        sys.stdout.write(to_text(plan))
    return 0
