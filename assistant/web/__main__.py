"""`python -m assistant.web`: serve the widget page and the staff console, or make a password hash."""
import argparse
import getpass
import logging
import sys

from aiohttp import web

from assistant.web.app import make_app
from assistant.web.auth import hash_password
from assistant.web.config import WebConfig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.web", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the widget page and the staff console")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    commands.add_parser("hash-password", help="print a password hash for staff_accounts.yml")
    args = parser.parse_args(argv)
    if args.command == "hash-password":
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("The two passwords differ.", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(make_app(WebConfig(rasa_url=args.rasa_url)), host=args.host, port=args.port,
                print=lambda text: print(text, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
