"""`make screenshots`: the README's pictures (docs/screenshots/), from the browser test's visit.

Deliberately not named test_*.py, so `make test` never collects it and a test run never
rewrites tracked files; pytest runs it only when named on the command line.
"""
from pathlib import Path

from django.conf import settings

from tests.browser import volunteer_afternoon

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_readme_screenshots(admin_browser, coordinator_with_history):
    volunteer_afternoon(admin_browser, coordinator_with_history, SCREENSHOTS)
