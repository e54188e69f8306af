"""Issue 27, item 8: "Verifikasi manual" and "Tolak manual" from the patient LIST, as a
coordinator and a superuser do it (the list joins the volunteer, who may be nobody), not only
as a volunteer or from the patient's page. Each action is found by what the list calls it."""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.urls import reverse

from reminders.models import Patient
from tests.factories import make_patient

pytestmark = pytest.mark.django_db
PATIENTS = reverse("admin:reminders_patient_changelist")
INDONESIAN = {"Accept-Language": "id"}


def action_called(client, description: str) -> str:
    """The list action whose description (as the Indonesian list shows it) starts with `description`."""
    choices = client.get(PATIENTS, headers=INDONESIAN).context["action_form"].fields["action"].choices
    found = [name for name, label in choices if str(label).startswith(description)]
    assert len(found) == 1, choices
    return found[0]


def from_the_list(client, description: str, patients: list[Patient], **extra):
    data = {"action": action_called(client, description), ACTION_CHECKBOX_NAME: [p.pk for p in patients], **extra}
    return client.post(PATIENTS, data, headers=INDONESIAN, follow=True)


@pytest.fixture(params=["coordinator", "superuser"])
def sees_everyone(request, client, coordinator):
    user = coordinator if request.param == "coordinator" else get_user_model().objects.create_superuser(
        "root", "", "x")
    client.force_login(user)
    return client


def test_verify_by_hand_from_the_list_asks_for_a_note_then_verifies(sees_everyone, ani):
    anis = make_patient(name="Ibu Sari", volunteer=ani, verification_status=Patient.Verification.PENDING)
    nobodys = make_patient(name="Bapak Agus", verification_status=Patient.Verification.EXPIRED)  # no volunteer yet
    page = from_the_list(sees_everyone, "Verifikasi manual", [anis, nobodys])
    assert page.status_code == 200 and "note" in page.context["form"].fields
    done = from_the_list(sees_everyone, "Verifikasi manual", [anis, nobodys], apply="1", note="setuju di rumah")
    assert done.status_code == 200
    assert [str(message) for message in done.context["messages"]] == ["Verifikasi manual: 2 pasien."]
    for patient in (anis, nobodys):
        patient.refresh_from_db()
        assert patient.verification_status == Patient.Verification.VERIFIED
        assert patient.notes.endswith("] Diverifikasi manual: setuju di rumah")  # who and when, before it


def test_decline_by_hand_from_the_list(sees_everyone, ani):
    anis = make_patient(name="Ibu Sari", volunteer=ani, verification_status=Patient.Verification.PENDING)
    done = from_the_list(sees_everyone, "Tolak manual", [anis], apply="1", note="")
    assert done.status_code == 200
    assert [str(message) for message in done.context["messages"]] == ["Tolak manual: 1 pasien."]
    anis.refresh_from_db()
    assert anis.verification_status == Patient.Verification.DECLINED
    assert anis.notes.endswith("] Ditolak manual")
