"""The admin shows usage per key now, read-only."""
import re

import pytest
from django.urls import reverse

from ratelimit.models import RateLimitEvent
from ratelimit.services import check, hit
from tests.ratelimit.test_services import record_hits_ago

pytestmark = pytest.mark.django_db

USAGE_URL = reverse("admin:ratelimit_ratelimitevent_changelist")


@pytest.fixture(autouse=True)
def named_limits(settings):
    settings.RATE_LIMITS = {
        "whatsapp_send": {"limit": 2, "window": 60.0},
        "patient_response": {"limit": 5, "window": 30.0},
    }


def test_it_lists_each_key_with_its_limit_use_and_retry_after(admin_client):
    record_hits_ago("whatsapp_send:+6281111111111", 45, 5)
    hit("patient_response:7", 5, 30)
    record_hits_ago("patient_response:7", 40)  # outside its 30 s window: a recent hit, not in use
    hit("adhoc", 10, 60)

    response = admin_client.get(USAGE_URL)

    assert response.status_code == 200
    rows = {row.key: row for row in response.context["usage"]}
    assert list(rows) == ["adhoc", "patient_response:7", "whatsapp_send:+6281111111111"]
    full = rows["whatsapp_send:+6281111111111"]
    assert (full.in_use, full.decision.allowed) == (2, False)
    assert full.decision.retry_after == pytest.approx(15, abs=1)
    assert (rows["patient_response:7"].in_use, rows["patient_response:7"].recent_hits) == (1, 2)
    assert (rows["adhoc"].limit, rows["adhoc"].in_use) == (None, None)
    content = response.content.decode()
    assert "2 of 2" in content
    assert re.search(r"<td data-label=\"Retry after\">1[45]\.\d s</td>", content)


def test_it_leaves_out_keys_not_hit_within_the_longest_window(admin_client):
    record_hits_ago("whatsapp_send:+6281111111111", 61)
    response = admin_client.get(USAGE_URL)
    assert response.context["usage"] == []
    assert "No key was hit in the last 60 seconds" in response.content.decode()


def test_it_searches_keys(admin_client):
    hit("whatsapp_send:+6281111111111", 2, 60)
    hit("patient_response:7", 5, 30)
    response = admin_client.get(USAGE_URL, {"q": "6281111"})
    assert [row.key for row in response.context["usage"]] == ["whatsapp_send:+6281111111111"]


def test_it_allows_no_add_change_or_delete(admin_client):
    hit("k", 1, 60)
    event = RateLimitEvent.objects.get()
    assert admin_client.get(reverse("admin:ratelimit_ratelimitevent_add")).status_code == 403
    delete_url = reverse("admin:ratelimit_ratelimitevent_delete", args=[event.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    admin_client.post(reverse("admin:ratelimit_ratelimitevent_change", args=[event.pk]), {"key": "changed"})
    assert RateLimitEvent.objects.get().key == "k"


def test_it_refuses_staff_without_view_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("volunteer", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(USAGE_URL).status_code == 403


def test_a_key_is_shown_in_the_projects_words_with_the_key_in_its_title(admin_client, settings):
    settings.RATE_LIMIT_KEY_WORDS = "tests.ratelimit.test_admin.shouted"
    check("whatsapp_send", "+6281111111111")
    page = admin_client.get(USAGE_URL).content.decode()
    assert '<th scope="row" title="whatsapp_send:+6281111111111">WHATSAPP_SEND:+6281111111111</th>' in page
    settings.RATE_LIMIT_KEY_WORDS = ""
    assert ">whatsapp_send:+6281111111111</th>" in admin_client.get(USAGE_URL).content.decode()


def shouted(key: str) -> str:
    return key.upper()
