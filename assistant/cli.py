"""The `blina` command: build the knowledge base and NLP pipeline, plan a course, serve the assistant, and
manage the staff console's accounts, audit log and retention of patients' data."""
import argparse
import sys


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one clear line on stderr and exit 2, never a usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv=None) -> int:
    parser = OneLineParser(prog="blina", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    commands.add_parser("build", help="build knowledge.db and the spaCy pipeline from knowledge/")

    from assistant import plan_command  # imports only the scheduling core, so `plan` starts fast

    plan_command.add_arguments(commands.add_parser("plan", help="a patient's day-by-day plan"))

    serve = commands.add_parser("serve", help="start the action server, Rasa and the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--rasa-port", type=int, default=5005)
    serve.add_argument("--actions-port", type=int, default=5055)
    serve.add_argument("--web-port", type=int, default=8000)
    serve.add_argument("--socketio-port", type=int, default=5006,
                       help="the socket.io channel's Rasa server (when credentials.yml lists the channel)")

    from assistant import staff_command

    staff_command.add_arguments(commands)

    args = parser.parse_args(argv)
    if args.command == "build":
        from assistant.build import build_all

        return build_all()
    if args.command == "plan":
        return plan_command.run(args)
    if args.command in ("staff", "audit", "purge"):
        return staff_command.run(args)
    from assistant.serve import serve_forever

    return serve_forever(args)


if __name__ == "__main__":
    sys.exit(main())
