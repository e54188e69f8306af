"""`make screenshots`: the README's pictures (docs/screenshots/), from the browser test's visit.

Deliberately not named test_*.py, so `make test` never collects it and a test run never
rewrites tracked files; pytest runs it only when named on the command line.
"""
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import LAPTOP, PHONE, volunteers_day

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=lambda screen: screen.name)
def test_readme_screenshots(admin_browser, volunteer_with_a_day, screen):
    assert volunteers_day(admin_browser, volunteer_with_a_day.username, screen, SCREENSHOTS) == []
