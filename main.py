"""Command line: serve (default), demo, create-user, import, db upgrade.

    python main.py                      # serve: web + scheduler + SMS dispatcher
    python main.py serve --workers 4    # 4 web processes on one port (PostgreSQL)
    python main.py --demo               # fill an empty database with a demo landlord, then serve
    python main.py demo                 # only fill the demo data and print the logins
    python main.py create-user --email E --password P --role admin [--agency NAME_OR_ID]
    python main.py import tenants FILE  # or: import surveys FILE
    python main.py db upgrade
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from crm.config import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="CRM HLM: courtesy calls and SMS")
    parser.add_argument("--demo", action="store_true",
                        help="fill an empty database with demo data before serving")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the web server, scheduler and SMS dispatcher")
    serve.add_argument("--demo", action="store_true", dest="serve_demo")
    serve.add_argument("--workers", type=_positive, metavar="N",
                       help="web processes on the port (PostgreSQL only; default CRM_WORKERS or 1)")
    sub.add_parser("demo", help="fill an empty database with a fictitious landlord")
    cu = sub.add_parser("create-user", help="create (or update) a user account")
    cu.add_argument("--email", required=True)
    cu.add_argument("--password", required=True)
    cu.add_argument("--role", required=True, choices=["admin", "manager", "adviser"])
    cu.add_argument("--agency", help="agency name or id (managers and advisers)")
    cu.add_argument("--name", help="full name")
    imp = sub.add_parser("import", help="import a CSV file")
    imp.add_argument("kind", choices=["tenants", "surveys"])
    imp.add_argument("file")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    return parser


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def _prepare_database(settings: Settings) -> None:
    from crm.migrate import upgrade

    upgrade(settings.database_url)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    command = args.command or "serve"

    if command == "db":
        _prepare_database(settings)
        print("Database is up to date.")
        return 0

    if command == "serve":
        from crm.serve import serve, workers_refusal

        if getattr(args, "workers", None):
            settings = settings.model_copy(update={"workers": args.workers})
        refusal = workers_refusal(settings)
        if refusal:
            print(f"Cannot serve: {refusal}", file=sys.stderr)
            return 2
        # Migrations run here, once, before any worker starts.
        if settings.is_sqlite:
            _prepare_database(settings)  # the embedded default upgrades itself
        demo = args.demo or getattr(args, "serve_demo", False)
        return serve(settings, demo=demo)

    if settings.is_sqlite:
        _prepare_database(settings)
    settings = settings.model_copy(update={"scheduler_enabled": False})

    if command == "demo":
        from crm.demo import run_demo_command

        return asyncio.run(run_demo_command(settings))
    if command == "create-user":
        from crm.users import create_user_command

        return asyncio.run(create_user_command(settings, args))
    if command == "import":
        if args.kind == "tenants":
            from crm.tenants.imports.command import import_tenants_command

            return asyncio.run(import_tenants_command(settings, args.file))
        from crm.surveys.imports import import_surveys_command

        return asyncio.run(import_surveys_command(settings, args.file))
    return 1


if __name__ == "__main__":
    sys.exit(main())
