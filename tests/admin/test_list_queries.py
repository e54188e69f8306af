"""The list pages stay cheap on a year of data: 5,000 patients, 200,000 reminders."""
import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db

PATIENTS, REMINDERS = 5_000, 200_000

# Rows are built in SQL: the ORM would take minutes for this many.
FIXTURE_SQL = f"""
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO reminders_patient (name, phone, time_zone, verification_status, verification_attempts, opt_out_method,
                               opt_in_method, is_active, notes, created_at, volunteer_id)
SELECT 'Pasien ' || n, '+62812' || lpad(n::text, 8, '0'), 'Asia/Jakarta', 'VERIFIED', 0, '', '', true, '', now(), %s
FROM generate_series(1, {PATIENTS}) AS n;

INSERT INTO reminders_reminderschedule (patient_id, kind, message_template, time_of_day, weekdays, start_date,
                                        is_active, created_at)
SELECT id, 'MEDICATION', 'Halo {{nama}}', '08:00', '{{0,1,2,3,4,5,6}}', current_date - 60, true, now()
FROM reminders_patient;

INSERT INTO reminders_reminder (schedule_id, patient_id, local_date, due_at, sent_at, confirmation_status,
                                confirmation_method, appointment_answer, reply_deadline, patient_condition,
                                follow_up_needed, created_at)
SELECT s.id, s.patient_id, (now() - make_interval(days => d))::date, now() - make_interval(days => d),
       now() - make_interval(days => d), (ARRAY['CONFIRMED', 'MISSED', 'PENDING'])[1 + d %% 3],
       '', '', now() - make_interval(days => d) + interval '2 hours', '', false, now()
FROM reminders_reminderschedule s, generate_series(1, {REMINDERS // PATIENTS}) AS d;

INSERT INTO reminders_message (patient_id, reminder_id, phone, body, kind, status, send_after, attempts, max_attempts,
                               last_error, end_reason, provider_message_id, sent_at, created_at, updated_at)
SELECT r.patient_id, r.id, '+6281200000000', 'Halo', 'REMINDER', 'SENT', r.due_at, 1, 5, '', '', '', r.due_at, now(),
       now()
FROM reminders_reminder r;
ANALYZE reminders_patient, reminders_reminder, reminders_message;
"""


@pytest.fixture
def year_of_data(ani):
    with connection.cursor() as cursor:
        cursor.execute(FIXTURE_SQL, [ani.pk])


PAGES = [
    ("admin:reminders_patient_changelist", {}, 100),
    ("admin:reminders_patient_changelist", {"q": "0812-0000-4321"}, 1),
    ("admin:reminders_reminder_changelist", {"q": "0812-0000-4321"}, REMINDERS // PATIENTS),
    ("admin:reminders_message_changelist", {"q": "0000-4321"}, REMINDERS // PATIENTS),
    ("admin:reminders_reminder_changelist", {}, 100),
    ("admin:reminders_reminder_changelist", {"needs_update": "yes", "delivery": "SENT"}, 100),
    ("admin:reminders_message_changelist", {}, 100),
]


def test_it_lists_a_year_of_data_in_few_queries(ani_client, year_of_data, django_assert_max_num_queries):
    """One test for all pages, so the fixture is built once (about 10 s)."""
    for url_name, query, rows in PAGES:
        with django_assert_max_num_queries(50):
            response = ani_client.get(reverse(url_name), query)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == rows, (url_name, query)
