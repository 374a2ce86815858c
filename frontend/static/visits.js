// Home visits that survive no signal, through the phone's queue (OfflineQueue in app.js, loaded before this
// file): the visit form's own part is the student's label, its four photo slots and the house's GPS position.
"use strict";

// Run again on every boosted page that includes it: keep the first queue (see OfflineQueue in app.js).
var VisitQueue = self.VisitQueue || OfflineQueue.make({
  db: "doolae-visits",
  recordUrl: "/visits/sync",
  photoUrl: (record, photo) => `/visits/${record.client_id}/photos/${photo.client_id}?kind=${photo.kind}`,
  photoField: (photo) => `photo-${photo.kind}`,
});

if (typeof document !== "undefined") {
  const visitForm = () => document.querySelector("[data-visit-form]");

  function locate() {
    const gps = document.getElementById("gps");
    const target = visitForm();
    if (!gps || !target || !navigator.geolocation) return;
    gps.textContent = gps.dataset.waiting;
    const id = target.elements.namedItem("client_id").value;
    navigator.geolocation.getCurrentPosition((position) => {
      if (target.elements.namedItem("client_id").value !== id) return; // a fix for a visit since saved or reopened
      target.elements.namedItem("latitude").value = position.coords.latitude.toFixed(6);
      target.elements.namedItem("longitude").value = position.coords.longitude.toFixed(6);
      target.elements.namedItem("accuracy").value = Math.round(position.coords.accuracy);
      gps.textContent = gps.dataset.found.replace("{m}", Math.round(position.coords.accuracy));
    }, () => { gps.textContent = gps.dataset.none; }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  function fresh(target) {
    target.elements.namedItem("client_id").value = VisitQueue.uuid();
    delete target.dataset.keepPhotos;
    // Each visit gets the position of its own house, taken when the teacher starts on it (not when the last one
    // was saved, nor once per page: hidden inputs survive reset(), so every visit carried the first house's).
    for (const name of ["latitude", "longitude", "accuracy"]) target.elements.namedItem(name).value = "";
    const gps = document.getElementById("gps");
    if (gps) gps.textContent = "";
    target.dataset.locate = "on-first-input";
    const day = target.elements.namedItem("visited_on");
    if (!day.value) day.value = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }

  function load(target, record) {
    // Back into the form, with the same id: saving again replaces it on the phone and on the server.
    delete target.dataset.locate; // keep the position taken at the house, not where the visit is fixed
    for (const [name, value] of Object.entries(record.fields)) {
      const input = target.elements.namedItem(name);
      if (input && input.type !== "file") input.value = value;
    }
    target.dataset.keepPhotos = record.client_id;
  }

  async function keep(target) {
    const fields = {};
    for (const [name, value] of new FormData(target).entries()) {
      if (typeof value === "string" && name !== "_csrf_token") fields[name] = value;
    }
    const id = fields.client_id;
    const earlier = (await VisitQueue.all()).find((r) => r.client_id === id);
    const photos = earlier ? earlier.photos.filter((p) => !p.sent || target.dataset.keepPhotos === id) : [];
    for (const input of target.querySelectorAll("input[type=file]")) {
      if (!input.files.length) continue;
      const replaced = photos.findIndex((p) => p.kind === input.dataset.kind);
      if (replaced >= 0) photos.splice(replaced, 1);
      try {
        photos.push({ client_id: VisitQueue.uuid(), kind: input.dataset.kind, blob: await OfflineQueue.shrink(input.files[0]), sent: false });
      } catch (error) {
        OfflineQueue.showErrors(target, { [`photo-${input.dataset.kind}`]: input.dataset.unreadable || String(error) });
        return null;
      }
    }
    const select = target.elements.namedItem("student");
    const label = select.options[select.selectedIndex]?.text || "";
    await VisitQueue.put({
      client_id: id, fields, photos: photos.slice(-4), csrf: OfflineQueue.csrf(target), errors: null, sent: false,
      label, saved_at: Date.now(),
    });
    return { client_id: id, label };
  }

  OfflineQueue.bind({
    queue: VisitQueue, selector: "[data-visit-form]", syncTag: "visit-queue", keep, load, fresh,
    describe: (record) => `${record.label || ""} ${record.fields.visited_on || ""}`,
    bound: (target) => target.addEventListener("input", () => {
      if (target.dataset.locate) { delete target.dataset.locate; locate(); }
    }),
  });
}
