import pytest
from django.urls import reverse

from locks.models import Lock
from locks.services import acquire_lock
from tests.locks.helpers import expire_now

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:locks_lock_changelist")


@pytest.fixture
def locks():
    acquire_lock("send_reminders:tick", ttl=60)
    acquire_lock("patient:7", ttl=60)
    expire_now("patient:7")


def listed(response) -> list[str]:
    return [lock.key for lock in response.context["cl"].result_list]


def test_it_lists_locks_with_their_state(admin_client, locks):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert listed(response) == ["patient:7", "send_reminders:tick"]
    assert response.content.count(b'alt="True"') == 1  # the held one
    assert response.content.count(b'alt="False"') == 1


@pytest.mark.parametrize("state, keys", [("held", ["send_reminders:tick"]), ("expired", ["patient:7"])])
def test_it_filters_by_state(admin_client, locks, state, keys):
    assert listed(admin_client.get(CHANGELIST, {"state": state})) == keys


def test_it_searches_by_key(admin_client, locks):
    assert listed(admin_client.get(CHANGELIST, {"q": "patient"})) == ["patient:7"]


def test_it_force_releases_the_selected_locks(admin_client, locks):
    response = admin_client.post(
        CHANGELIST, {"action": "force_release", "_selected_action": ["send_reminders:tick"]}, follow=True
    )
    assert "Released 1 lock(s)" in response.content.decode()
    assert list(Lock.objects.values_list("key", flat=True)) == ["patient:7"]


def test_it_offers_no_stock_delete_action(admin_client, locks):
    actions = admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    assert [name for name, _label in actions if name] == ["force_release"]


def test_it_is_read_only(admin_client, locks):
    assert admin_client.get(reverse("admin:locks_lock_add")).status_code == 403
    change_url = reverse("admin:locks_lock_change", args=["patient:7"])
    response = admin_client.post(change_url, {"holder": "someone else"})
    assert response.status_code == 403
    assert Lock.objects.get(key="patient:7").holder != "someone else"


def test_a_key_is_shown_in_the_projects_words_with_the_key_in_its_title(admin_client, locks, settings):
    settings.LOCK_KEY_WORDS = "tests.ratelimit.test_admin.shouted"
    assert '<span title="patient:7">PATIENT:7</span>' in admin_client.get(CHANGELIST).content.decode()
    settings.LOCK_KEY_WORDS = ""
    assert '<span title="patient:7">patient:7</span>' in admin_client.get(CHANGELIST).content.decode()
