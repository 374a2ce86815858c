// Home visits that survive no signal. A saved visit waits in the phone's IndexedDB until it is sent; each visit
// and each photo carries an id made here, so a send that is repeated after a dropped connection is stored once.
// The sending part has no DOM: the service worker runs it too (Background Sync), the page runs it on load and
// when the network returns (iOS has no Background Sync).
"use strict";

// htmx runs this file again on every boosted page that includes it, and a second top-level `const` would be a
// SyntaxError that leaves the form unbound (an offline save would then be a plain POST, and lost): keep the first.
var VisitQueue = self.VisitQueue || (() => {
  const DB = "doolae-visits";
  const STORE = "queue";
  const MAX_PHOTO = 200 * 1024;
  let running = null;
  let again = false;
  let signedOut = false; // the session ended: visits wait on the phone until the teacher signs in again

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "client_id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function tx(mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    });
  }

  const all = () => tx("readonly", (store) => store.getAll());
  const put = (record) => tx("readwrite", (store) => store.put(record));
  const remove = (id) => tx("readwrite", (store) => store.delete(id));

  function uuid() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // A stalled connection (one bar on a country road) must not hold the queue forever; a retry is harmless.
  const patience = () => (self.AbortSignal && AbortSignal.timeout ? { signal: AbortSignal.timeout(120000) } : {});

  async function currentToken() {
    // The CSRF cookie as it is now. The token saved with a visit is stale once the browser was closed (the cookie
    // lasts a browser session) and the server would refuse the visit; then any GET brings a new cookie. null: no
    // cookie and no server to give one, so nothing can be sent yet. undefined: cookies unreadable here.
    if (!self.document && !self.cookieStore) return undefined;
    const read = async () => (self.document ? (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1]
      : (await cookieStore.get("csrftoken"))?.value) || null;
    return (await read()) || fetch("/healthz", { credentials: "same-origin" }).then(read, () => null);
  }

  async function send(record, token) {
    // Returns "done", "wait" (no network, or signed out: try later) or "fix" (the server named fields to fix).
    const csrf = token || record.csrf;
    if (!record.sent) {
      let response;
      try {
        response = await fetch("/visits/sync", {
          method: "POST", credentials: "same-origin", ...patience(),
          headers: { "content-type": "application/json", "x-csrftoken": csrf },
          body: JSON.stringify({ ...record.fields, client_id: record.client_id }),
        });
      } catch (error) {
        return "wait";
      }
      if (response.status === 401) { signedOut = true; return "wait"; }
      if (response.status >= 500) return "wait";
      signedOut = false;
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        record.errors = { ...(body.errors || {}), _message: body.message || body.detail || String(response.status) };
        await put(record);
        return "fix";
      }
      record.sent = true;
      record.errors = null;
      await put(record);
    }
    for (const photo of record.photos) {
      if (photo.sent) continue;
      let response;
      try {
        response = await fetch(`/visits/${record.client_id}/photos/${photo.client_id}?kind=${photo.kind}`, {
          method: "PUT", credentials: "same-origin", ...patience(),
          headers: { "content-type": photo.blob.type || "image/jpeg", "x-csrftoken": csrf },
          body: photo.blob,
        });
      } catch (error) {
        return "wait";
      }
      if (response.status === 401) { signedOut = true; return "wait"; }
      if (response.status >= 500) return "wait";
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        const message = body.message || body.detail || String(response.status);
        record.errors = { [`photo-${photo.kind}`]: message, _message: message };
        record.sent = false; // the visit is stored; resending it is harmless and keeps the record together
        await put(record);
        return "fix";
      }
      photo.sent = true;
      await put(record);
    }
    await remove(record.client_id);
    return "done";
  }

  async function sendAll() {
    const records = (await all()).filter((record) => !record.errors); // the others wait for the teacher's fix
    const token = records.length ? await currentToken() : undefined;
    if (token === null) return "wait";
    for (const record of records) {
      if ((await send(record, token)) === "wait") return "wait";
    }
    return "done";
  }

  function flush() {
    // Resolves "wait" when something is left to send later (so Background Sync tries again), else "done".
    // One run at a time, even across the page and the service worker (both start runs, and Chrome fires a sync as
    // soon as the page registers one): two runs holding copies of one record would each write it back, and one
    // could bring back a visit the other had just sent and removed. A call during a run gets one more run after
    // it, so a visit saved or a network come back meanwhile does not wait for the next reconnect.
    if (running) { again = true; return running; }
    const locks = self.navigator && navigator.locks;
    running = (async () => {
      let outcome;
      do {
        again = false;
        outcome = locks ? await locks.request(DB, sendAll) : await sendAll();
      } while (again); // asked again meanwhile (saved, or back online): a run that waited may succeed now
      return outcome;
    })().finally(() => { running = null; });
    return running;
  }

  return { all, put, remove, uuid, flush, MAX_PHOTO, signedOut: () => signedOut };
})();

if (typeof document !== "undefined") {
  const form = () => document.querySelector("[data-visit-form]");
  const queueBox = () => document.getElementById("queue");

  async function shrink(file) {
    // Phones take 3–5 MB photos; a school's server and a parent's data plan want about 200 KB.
    const bitmap = await createImageBitmap(file);
    let side = 1280;
    let quality = 0.72;
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
      if (blob.size <= VisitQueue.MAX_PHOTO) return blob;
      side = Math.round(side * 0.8);
      quality = Math.max(0.4, quality - 0.08);
    }
    throw new Error("photo too large");
  }

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? match[1] : form()?.querySelector("[name=_csrf_token]")?.value || "";
  }

  function showErrors(errors) {
    const target = form();
    if (!target) return;
    target.querySelectorAll("[data-error-for]").forEach((node) => { node.textContent = ""; });
    target.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    for (const [name, message] of Object.entries(errors || {})) {
      const slot = target.querySelector(`[data-error-for="${name}"]`);
      if (slot) { slot.textContent = message; slot.closest(".field")?.classList.add("invalid"); }
    }
  }

  async function render() {
    const box = queueBox();
    if (!box) return;
    const records = await VisitQueue.all();
    await sayWhereTheVisitIs(records);
    const problems = document.getElementById("queue-problems");
    problems.replaceChildren();
    box.hidden = records.length === 0 && navigator.onLine;
    document.getElementById("queue-text").textContent = records.length
      ? box.dataset.label.replace("{n}", records.length) + (navigator.onLine ? "" : " · " + box.dataset.offline)
        + (navigator.onLine && VisitQueue.signedOut() ? " · " + box.dataset.signin : "")
      : (navigator.onLine ? box.dataset.sent : box.dataset.offline);
    for (const record of records.filter((r) => r.errors)) {
      const item = document.createElement("li");
      item.textContent = `${record.label || ""} ${record.fields.visited_on || ""}: ${record.errors._message || ""} `;
      if (form()) {
        const fix = document.createElement("button");
        fix.className = "small";
        fix.type = "button";
        fix.textContent = box.dataset.fix;
        fix.addEventListener("click", () => load(record));
        item.append(fix);
      }
      problems.append(item);
    }
  }

  function load(record) {
    // Back into the form, with the same id: saving again replaces it on the phone and on the server.
    const target = form();
    target.reset(); // nothing half-typed from another visit stays in fields this record leaves empty
    delete target.dataset.locate; // keep the position taken at the house, not where the visit is fixed
    for (const [name, value] of Object.entries(record.fields)) {
      const input = target.elements.namedItem(name);
      if (input && input.type !== "file") input.value = value;
    }
    target.elements.namedItem("client_id").value = record.client_id;
    target.dataset.keepPhotos = record.client_id;
    showErrors(record.errors);
    target.scrollIntoView();
  }

  function locate() {
    const gps = document.getElementById("gps");
    const target = form();
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

  function fresh() {
    const target = form();
    if (!target) return;
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

  async function save(event) {
    event.preventDefault();
    const target = event.target;
    // Shrinking photos takes a moment; a second tap meanwhile would save the visit again with other photo ids.
    if (target.dataset.saving) return;
    target.dataset.saving = "yes";
    let kept;
    try {
      kept = await keep(target);
      if (!kept) return; // a photo could not be read: the form stays as typed
    } finally {
      delete target.dataset.saving;
    }
    // Said at once: on one bar of signal sending can take minutes, and the form has already emptied.
    await confirm(kept);
    // Background Sync sends it even if the page is closed. Not awaited: `ready` never settles without a worker.
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.ready.then((registration) => registration.sync?.register("visit-queue")).catch(() => {});
    }
    await VisitQueue.flush();
    await render(); // the note follows: sent, or still kept
  }

  async function confirm(kept) {
    // The form empties on saving, so say what became of the visit, where the teacher's eyes go next.
    const note = document.getElementById("saved");
    if (!note) return;
    note.dataset.visit = kept.client_id;
    note.dataset.name = kept.label;
    await sayWhereTheVisitIs(await VisitQueue.all());
    note.hidden = false;
    note.scrollIntoView({ block: "center" });
  }

  async function sayWhereTheVisitIs(records) {
    // Kept on the phone, then sent later by itself: the note follows it.
    const note = document.getElementById("saved");
    if (!note || !note.dataset.visit) return;
    const waiting = records.find((r) => r.client_id === note.dataset.visit);
    const outcome = !waiting ? "sent" : waiting.errors ? "refused" : VisitQueue.signedOut() ? "signin" : "kept";
    note.textContent = note.dataset[outcome].replace("{name}", note.dataset.name);
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
        photos.push({ client_id: VisitQueue.uuid(), kind: input.dataset.kind, blob: await shrink(input.files[0]), sent: false });
      } catch (error) {
        showErrors({ [`photo-${input.dataset.kind}`]: input.dataset.unreadable || String(error) });
        return false;
      }
    }
    const select = target.elements.namedItem("student");
    const label = select.options[select.selectedIndex]?.text || "";
    await VisitQueue.put({
      client_id: id, fields, photos: photos.slice(-4), csrf: csrf(), errors: null, sent: false, label,
      saved_at: Date.now(),
    });
    target.reset();
    showErrors({});
    fresh();
    await render();
    return { client_id: id, label };
  }

  async function start() {
    const target = form();
    if (target && !target.dataset.bound) {
      target.dataset.bound = "yes";
      target.addEventListener("submit", save);
      target.addEventListener("input", () => { if (target.dataset.locate) { delete target.dataset.locate; locate(); } });
      fresh();
    }
    await render();
    await VisitQueue.flush();
    await render();
  }

  // htmx runs this script again on each page it swaps in; the window listeners are needed once.
  if (!window.visitQueueListening) {
    window.visitQueueListening = true;
    window.addEventListener("online", async () => { await VisitQueue.flush(); await render(); });
    window.addEventListener("offline", render);
    // The service worker says when its Background Sync run has sent visits, so the badge does not lag.
    navigator.serviceWorker?.addEventListener("message", (event) => { if (event.data === "visits-changed") render(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
