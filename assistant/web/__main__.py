"""`python -m assistant.web serve`: serve the widget page and the staff console (`blina serve` runs it)."""
import argparse
import logging
import sys

from aiohttp import web

from assistant.web.app import make_app
from assistant.web.config import WebConfig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.web", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the widget page and the staff console")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(make_app(WebConfig(rasa_url=args.rasa_url)), host=args.host, port=args.port,
                print=lambda text: print(text, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
