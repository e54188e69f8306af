#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prima.settings")
    from prima.cli import execute_or_explain

    execute_or_explain(sys.argv)


if __name__ == "__main__":
    main()
