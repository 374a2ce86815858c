// Incidents and good deeds recorded with no signal, through the phone's queue (OfflineQueue in app.js, loaded
// before this file), like home visits: the record goes to POST /behaviour/incidents as JSON with the id made here,
// then its photo. The incident form's own part: several students ticked, one optional photo, "when" taken from the phone.
"use strict";

// Run again on every boosted page that includes it: keep the first queue (see OfflineQueue in app.js).
var IncidentQueue = self.IncidentQueue || OfflineQueue.make({
  db: "doolae-incidents",
  recordUrl: "/behaviour/incidents",
  photoUrl: (record, photo) => `/behaviour/uploads/${record.client_id}/${photo.client_id}`,
  photoField: () => "photo",
});

if (typeof document !== "undefined") {
  function localNow() {
    // datetime-local wants the phone's wall clock, to the minute
    return new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }

  function fresh(target) {
    target.elements.namedItem("client_id").value = IncidentQueue.uuid();
    // A page kept for offline use was made hours ago: "when" and its latest allowed value are the phone's now.
    const when = target.elements.namedItem("happened_at");
    if (when) {
      when.max = localNow();
      when.value = when.max;
    }
    // Students ticked for the record just saved are not the next one's.
    target.querySelectorAll("#chosen li").forEach((item) => { if (target.dataset.touched) item.remove(); });
    target.dataset.touched = "yes";
  }

  function ticked(target) {
    return [...target.querySelectorAll("input[name=students]:checked")];
  }

  function load(target, record) {
    // Back into the form, with the same id: saving again replaces it on the phone (the server has none yet).
    for (const [name, value] of Object.entries(record.fields)) {
      if (name === "students") continue;
      const input = target.elements.namedItem(name);
      if (input instanceof RadioNodeList) {
        for (const option of input) option.checked = option.value === value;
      } else if (input && input.type !== "file") input.value = value;
    }
    const wanted = new Set(record.fields.students || []);
    target.querySelectorAll("input[name=students]").forEach((box) => { box.checked = wanted.has(box.value); });
    target.dataset.keepPhoto = record.client_id;
  }

  async function keep(target) {
    const fields = { students: ticked(target).map((box) => box.value) };
    for (const [name, value] of new FormData(target).entries()) {
      if (typeof value === "string" && !["_csrf_token", "students", "q"].includes(name)) fields[name] = value;
    }
    const id = fields.client_id;
    const names = [...new Set(ticked(target).map((box) => box.closest("label").textContent.trim()))];
    const category = target.elements.namedItem("category");
    const label = `${names.join(", ")} · ${category.options[category.selectedIndex]?.text || ""}`;
    const earlier = (await IncidentQueue.all()).find((r) => r.client_id === id);
    let photos = earlier && target.dataset.keepPhoto === id ? earlier.photos : [];
    const file = target.elements.namedItem("photo");
    if (file && file.files.length) {
      try {
        photos = [{ client_id: IncidentQueue.uuid(), blob: await OfflineQueue.shrink(file.files[0]), sent: false }];
      } catch (error) {
        OfflineQueue.showErrors(target, { photo: file.dataset.unreadable || String(error) });
        return null;
      }
    }
    await IncidentQueue.put({
      client_id: id, fields, photos, csrf: OfflineQueue.csrf(target), errors: null, sent: false, label,
      saved_at: Date.now(),
    });
    delete target.dataset.keepPhoto;
    return { client_id: id, label };
  }

  function bound(target) {
    target.querySelector("[data-photo]")?.removeAttribute("hidden"); // the queue carries a photo; a plain post would not
    target.addEventListener("submit", (event) => {
      // "Find" with no signal would open the offline page and lose what is typed: the class lists are on the page.
      if (event.submitter?.hasAttribute("formaction") && !navigator.onLine) {
        event.preventDefault();
        OfflineQueue.showErrors(target, { students: target.dataset.noSignal });
      }
    });
  }

  OfflineQueue.bind({
    queue: IncidentQueue, selector: "[data-incident-form]", syncTag: "incident-queue", keep, load, fresh, bound,
    describe: (record) => record.label || "",
  });
}
