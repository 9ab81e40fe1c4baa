"""`blina staff`, `blina audit` and `blina purge`: staff accounts, the audit log and retention, from a terminal."""
import argparse
import getpass
import sys
from datetime import datetime
from pathlib import Path

from assistant.paths import TRACKER_DB, staff_db_path
from knowledge.clinic import clinic_settings


def add_arguments(commands) -> None:
    staff = commands.add_parser("staff", help="staff accounts of the console: add, disable, unlock, list")
    actions = staff.add_subparsers(dest="staff_command", required=True)
    add = actions.add_parser("add", help="add an account; asks for the password twice (stdin when not a terminal)")
    add.add_argument("username")
    add.add_argument("--name", default="", help="the name the console shows (default: the user name)")
    actions.add_parser("disable", help="no more logins for this account; its sessions end").add_argument("username")
    actions.add_parser("unlock", help="end an account's login lockout early").add_argument("username")
    actions.add_parser("list", help="the accounts, with their state")

    audit = commands.add_parser("audit", help="print the audit log, oldest first")
    audit.add_argument("--since", type=_date, help="only entries from this day on (YYYY-MM-DD, UTC)")
    audit.add_argument("--user", help="only this user's entries")

    purge = commands.add_parser("purge", help="delete conversations and triage summaries past the retention period")
    purge.add_argument("--tracker-db", type=Path, default=TRACKER_DB, help="the tracker store (SQLite)")
    purge.add_argument("--triage-db", type=Path, default=None, help="the triage store (default: $BLINA_TRIAGE_DB)")


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def _read_password(stream=sys.stdin) -> str:
    """The new password, typed twice; from standard input (two lines) when that is not a terminal."""
    if stream.isatty():
        first, second = getpass.getpass("Password: "), getpass.getpass("Password again: ")
    else:
        first, second = stream.readline().rstrip("\r\n"), stream.readline().rstrip("\r\n")
    if first != second:
        raise ValueError("the two passwords differ")
    return first


def run(args) -> int:
    from assistant.web.audit import AuditLog

    db = staff_db_path()
    audit = AuditLog(db)
    try:
        if args.command == "audit":
            return _print_audit(audit, args)
        if args.command == "purge":
            return _purge(audit, args)
        return _staff(db, audit, args)
    except ValueError as error:  # AccountError and bad settings: one line, no traceback
        print(f"blina {args.command}: error: {error}", file=sys.stderr)
        return 2


def _staff(db: Path, audit, args) -> int:
    from assistant.web.auth import AccountStore, ConsolePolicy, LoginThrottle
    from assistant.web.sessions import SessionStore

    accounts, policy = AccountStore(db), ConsolePolicy.from_settings(clinic_settings())
    operator = getpass.getuser()
    if args.staff_command == "list":
        for account in accounts.accounts():
            print(f"{account.username}\t{account.name}\t{'disabled' if account.disabled else 'active'}\t"
                  f"since {account.created}")
        return 0
    if args.staff_command == "add":
        account = accounts.add(args.username, args.name, _read_password(), policy.password_min_length)
        audit.record("account-added", user=operator, target=account.username)
        print(f"Added {account.username} ({account.name}).")
        return 0
    if args.staff_command == "disable":
        accounts.disable(args.username)
        ended = SessionStore(db, policy.session_idle_minutes, policy.session_absolute_hours).end_all(args.username)
        audit.record("account-disabled", user=operator, target=args.username, detail=f"{ended} sessions ended")
        print(f"Disabled {args.username}; {ended} open sessions ended.")
        return 0
    unlocked = LoginThrottle(db, policy, audit).unlock(args.username, by=operator)
    print(f"Unlocked {args.username}." if unlocked else f"{args.username} was not locked.")
    return 0


def _print_audit(audit, args) -> int:
    for entry in reversed(audit.entries(since=args.since, user=args.user)):
        print("\t".join([entry.at, entry.user, entry.action, entry.address or "-", entry.target or "-",
                         entry.detail or ""]))
    return 0


def _purge(audit, args) -> int:
    from assistant.retention import purge, retention_days

    days = retention_days()
    done = purge(args.tracker_db, args.triage_db, audit, days, by=getpass.getuser())
    print(f"Deleted what was older than {days} days (before {done.before:%Y-%m-%d %H:%M} UTC): "
          f"{done.events} conversation events, {done.summaries} triage summaries, {done.requests} requests.")
    return 0
