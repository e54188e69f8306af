// A patient's page is on the patient's clock: the admin's "now" and "today" buttons fill the
// patient's time (they read the page's UTC offset, document.body.dataset.adminUtcOffset), and
// each time field names the zone (07.25 WITA). On a patient's own page the zone is the one chosen
// in the form: a new patient's starts on the first offered (WIB) and follows the choice.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const settings = document.getElementById("patient-clock");
  if (!settings) return;
  const {zone, zones} = JSON.parse(settings.textContent);
  const chosen = document.querySelector('select[name="time_zone"]');

  function clock() {
    return zones[chosen && zones[chosen.value] ? chosen.value : zone] || null;
  }
  function name(input) {
    if (input.name.includes("__prefix__") || input.dataset.clockNamed) return;
    const label = document.createElement("span");
    label.className = "patient-clock-name";
    input.dataset.clockNamed = "1";
    input.after(label);
  }
  function show() {
    const current = clock();
    if (!current) return;
    document.body.dataset.adminUtcOffset = current.offset;
    for (const label of document.querySelectorAll(".patient-clock-name")) label.textContent = current.name;
  }

  document.querySelectorAll("input.vTimeField").forEach(name);
  show();
  if (chosen) chosen.addEventListener("change", show);
  document.addEventListener("formset:added", (event) => {
    event.target.querySelectorAll("input.vTimeField").forEach(name);
    show();
  });
});
