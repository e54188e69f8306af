// Schedule forms (a patient's page, a schedule's own page): a new schedule's message follows its
// kind's default until the volunteer writes their own, and under it the message as each who gets
// it will read it, rendered by the server exactly as it is sent (ReminderScheduleAdmin.preview_view).
// An appointment's own date and reminders show for appointments only; its date hides the days.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const settings = document.getElementById("schedule-form");
  if (!settings) return;
  const {defaults, preview_url: previewUrl} = JSON.parse(settings.textContent);
  const knownDefaults = new Set(Object.values(defaults));
  const timers = new WeakMap();

  function scheduleOf(element) {
    return element.closest(".inline-related") || element.closest("#reminderschedule_form");
  }
  function field(schedule, name) {
    return schedule.querySelector(`[name$="${name}"]`);
  }
  function caregiverName() {
    const named = [...document.querySelectorAll('input[name^="caregivers-"][name$="-name"]')]
      .filter((input) => !input.name.includes("__prefix__") && input.value.trim());
    return named.length ? named[0].value.trim() : "";
  }
  function rowOf(schedule, name) {
    const input = field(schedule, name);
    return input ? input.closest(".form-row") : null;
  }
  function arrange(schedule) {
    const kind = field(schedule, "kind");
    if (!kind) return;
    const appointment = kind.value === "APPOINTMENT";
    const dated = appointment && (field(schedule, "appointment_date") || {}).value;
    const rows = [[rowOf(schedule, "appointment_date"), appointment],
                  [rowOf(schedule, "weekdays"), !dated], [rowOf(schedule, "start_date"), !dated]];
    rows.forEach(([row, shown]) => { if (row) row.hidden = !shown; });
  }
  function patientName() {
    const typed = document.querySelector('form input[name="name"]');
    if (typed) return typed.value;
    const chosen = document.querySelector('select[name="patient"] option:checked');
    return chosen ? chosen.textContent : "";
  }
  function show(schedule) {
    const message = field(schedule, "message_template");
    const place = schedule.querySelector(".field-message_preview .readonly");
    if (!message || !place) return;
    const value = (name) => (field(schedule, name) || {}).value || "";
    const query = new URLSearchParams({template: message.value, name: patientName(), time: value("time_of_day"),
                                       kind: value("kind"), date: value("appointment_date"),
                                       recipients: value("recipients"), caregiver: caregiverName()});
    fetch(`${previewUrl}?${query}`, {credentials: "same-origin"})
      .then((response) => response.json())
      .then((answer) => {
        place.textContent = answer.problems.length ? answer.problems.join(" ") : answer.text;
        place.classList.toggle("errornote", answer.problems.length > 0);
      });
  }
  function later(schedule) {
    clearTimeout(timers.get(schedule));
    timers.set(schedule, setTimeout(() => show(schedule), 300));
  }
  function everySchedule() {
    return document.querySelectorAll(".inline-related:not(.empty-form), #reminderschedule_form");
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    const schedule = scheduleOf(target);
    if (target.name === "patient") everySchedule().forEach(later);
    if (!schedule) return;
    arrange(schedule);
    if (target.name.endsWith("kind")) {
      const message = field(schedule, "message_template");
      if (message && (message.value === "" || knownDefaults.has(message.value))) {
        message.value = defaults[target.value] || "";
      }
    }
    later(schedule);
  });
  document.addEventListener("input", (event) => {
    const schedule = scheduleOf(event.target);
    const name = event.target.name || "";
    if (name === "name" || (name.startsWith("caregivers-") && name.endsWith("-name"))) everySchedule().forEach(later);
    else if (schedule) later(schedule);
  });
  document.addEventListener("formset:added", (event) => { arrange(event.target); show(event.target); });
  everySchedule().forEach((schedule) => { arrange(schedule); show(schedule); });
});
