import json
import time

import pytest
from django.db import connection

from tests.factories import make_patient
from tests.webhooks.conftest import incoming, url
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_with_the_database_unreachable_a_delivery_is_503_and_its_redelivery_is_processed_once(client):
    patient = make_patient()
    body = json.dumps(incoming(patient, "halo", inboxid="down-1"))
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        started = time.monotonic()
        response = client.post(url(), data=body, content_type="application/json")
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503 and elapsed < 5
    for expected in ("processed", "duplicate"):
        assert client.post(url(), data=body, content_type="application/json").json() == {"status": expected}
    assert WebhookEvent.objects.count() == 1
    assert patient.replies.count() == 1
