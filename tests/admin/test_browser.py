"""A volunteer's afternoon in a real browser: log in, enrol a patient typed as 0812…, add a
schedule, open the compliance page (tests/browser.py).

The screenshots go to a temporary folder: a test never rewrites tracked files. The README's
pictures come from the same visit, on purpose, with `make screenshots`.
"""
from reminders.models import Patient
from tests.browser import NEW_PATIENT, volunteer_afternoon

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_it_enrols_a_patient_and_shows_compliance_in_a_browser(admin_browser, coordinator_with_history, tmp_path):
    volunteer_afternoon(admin_browser, coordinator_with_history, tmp_path)

    patient = Patient.objects.get(name=NEW_PATIENT)
    assert patient.phone == "+6281234567890"
    assert patient.schedules.get().time_of_day.hour == 8
    assert "Compliance" in admin_browser.driver.title
    for name in ["patients.png", "compliance.png"]:
        assert (tmp_path / name).read_bytes().startswith(PNG_SIGNATURE)
