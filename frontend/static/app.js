// The little JavaScript Doolae has: service worker registration, the "add to home screen" button, Web Push, and the
// offline queue that the visit and incident forms save into. The service worker loads this file too (for the
// queue): what needs a page is inside `if (typeof document …)`.
"use strict";
if (typeof document !== "undefined") {
  // htmx runs after the first paint: on a slow phone its start-up (parsing 52 KB, then walking the page for links
  // to boost) came before the page appeared. The <head> preloads it, so it is fetched as early as before; inserted
  // here, before the load event, it still runs before that event. Until it runs, links and forms work as plain ones.
  const htmxFile = document.querySelector('link[rel="preload"][as="script"]');
  if (htmxFile && !window.htmx) {
    requestAnimationFrame(() => {
      const script = document.createElement("script");
      script.src = htmxFile.href;
      document.head.append(script);
    });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" });
    // Signing out, or handing the phone to a student, empties the pages kept for offline use (they list
    // students); unsent visits stay queued.
    document.addEventListener("submit", (event) => {
      // getAttribute, not .action: a form with a button named "action" hides the property behind it
      const path = new URL(event.target.getAttribute("action") || location.href, location.href).pathname;
      if (path === "/signout" || /\/hand-(over|back)$/.test(path || "")) {
        navigator.serviceWorker.controller?.postMessage("signed-out");
        sessionStorage.removeItem("htmx-history-cache");
      }
    });
  }

  let installPrompt = null;
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault(); // show our own button instead of the browser's banner
    installPrompt = event;
    showInstall();
  });

  function showInstall() {
    const holder = document.getElementById("install");
    if (holder && installPrompt) holder.hidden = false;
  }

  // The button lives in server-rendered pages that htmx swaps in, so listen on the document.
  document.addEventListener("click", async (event) => {
    if (!event.target.closest("[data-install]") || !installPrompt) return;
    installPrompt.prompt();
    await installPrompt.userChoice;
    installPrompt = null;
    document.getElementById("install").hidden = true;
  });
  document.addEventListener("htmx:afterSettle", showInstall);

  // Alerts by Web Push: offered on the parent's attendance page, asked only after a tap (browsers require it).
  function base64UrlToBytes(text) {
    const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  async function currentSubscription() {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return undefined;
    const registration = await navigator.serviceWorker.ready;
    return registration.pushManager.getSubscription();
  }

  async function offerPush() {
    const holder = document.getElementById("push");
    if (!holder || !("Notification" in window) || Notification.permission === "denied") return;
    const existing = await currentSubscription();
    if (existing === undefined) return;
    holder.hidden = existing !== null && Notification.permission === "granted";
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? match[1] : "";
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-push]");
    if (!button) return;
    button.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") return;
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: base64UrlToBytes(document.getElementById("push").dataset.key),
      });
      const keys = subscription.toJSON().keys;
      const response = await fetch("/notify/push/subscribe", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrftoken": csrfToken() },
        body: JSON.stringify({ endpoint: subscription.endpoint, p256dh: keys.p256dh, auth: keys.auth }),
      });
      if (response.ok) document.getElementById("push").hidden = true;
    } finally {
      button.disabled = false;
    }
  });
  document.addEventListener("DOMContentLoaded", offerPush);
  document.addEventListener("htmx:afterSettle", offerPush);

  // A phone's date field shows mm/dd/yyyy in the Christian era: the line under it (data-day-of) says the chosen day
  // in the page's language, in Thai with the Buddhist-era year (the server writes the first one).
  function showDay(input) {
    const shown = input.form?.querySelector(`[data-day-of="${input.name}"]`);
    if (!shown) return;
    const day = input.value ? new Date(`${input.value}T12:00:00`) : null;
    if (!day || isNaN(day)) { shown.textContent = ""; return; }
    const thai = (document.documentElement.lang || "th").startsWith("th");
    const parts = new Intl.DateTimeFormat(thai ? "th-TH-u-ca-buddhist" : "en-GB",
      { weekday: "long", day: "numeric", month: "long", year: "numeric" }).formatToParts(day);
    // "วันศุกร์ที่ 4 ธันวาคม 2569", as the server writes it: without the era's "พ.ศ.".
    shown.textContent = parts.filter((p) => p.type !== "era").map((p) => p.value).join("").replace(/\s+/g, " ").trim();
  }
  document.addEventListener("input", (event) => {
    if (event.target.matches?.('input[type="date"]')) showDay(event.target);
  });
  function showDays() { document.querySelectorAll('input[type="date"]').forEach(showDay); }
  document.addEventListener("DOMContentLoaded", showDays);
  document.addEventListener("htmx:afterSettle", showDays);
}

// The offline queue --------------------------------------------------------------------------------------------------
// Records saved with no signal (home visits, incidents): each waits in the phone's IndexedDB until it is sent, and
// it and its photos carry ids made here, so a send repeated after a dropped connection is stored once.
// OfflineQueue.make() is the sending part. It has no DOM: the service worker runs it too (Background Sync), the
// page runs it on load and when the network returns (iOS has no Background Sync). OfflineQueue.bind() is the page's
// part: a form saved into the queue, the "waiting to send (n)" notice, what became of the last record saved.
// It lives here, in the file every page already has, so that a form's own script (visits.js, incidents.js) finds it
// loaded, also after a boosted navigation (htmx runs swapped-in scripts in no set order), at no extra round trip.

// htmx runs a page's scripts again on every boosted page that includes them, and a second top-level `const` would be
// a SyntaxError that leaves the form unbound (an offline save would then be a plain POST, and lost): keep the first.
var OfflineQueue = self.OfflineQueue || (() => {
  const STORE = "queue";
  const MAX_PHOTO = 200 * 1024;

  function uuid() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // A stalled connection (one bar on a country road) must not hold the queue forever; a retry is harmless.
  const patience = () => (self.AbortSignal && AbortSignal.timeout ? { signal: AbortSignal.timeout(120000) } : {});

  async function currentToken() {
    // The CSRF cookie as it is now. The token saved with a record is stale once the browser was closed (the cookie
    // lasts a browser session) and the server would refuse the record; then any GET brings a new cookie. null: no
    // cookie and no server to give one, so nothing can be sent yet. undefined: cookies unreadable here.
    if (!self.document && !self.cookieStore) return undefined;
    const read = async () => (self.document ? (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1]
      : (await cookieStore.get("csrftoken"))?.value) || null;
    return (await read()) || fetch("/healthz", { credentials: "same-origin" }).then(read, () => null);
  }

  // db: the IndexedDB name; recordUrl: where the record is POSTed as JSON; photoUrl(record, photo): where a photo
  // is PUT; photoField(photo): the form field a refused photo is shown at.
  function make({ db: DB, recordUrl, photoUrl, photoField }) {
    let running = null;
    let again = false;
    let signedOut = false; // the session ended: records wait on the phone until the teacher signs in again

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

    async function send(record, token) {
      // Returns "done", "wait" (no network, or signed out: try later) or "fix" (the server named fields to fix).
      const csrf = token || record.csrf;
      if (!record.sent) {
        let response;
        try {
          response = await fetch(recordUrl, {
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
          response = await fetch(photoUrl(record, photo), {
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
          record.errors = { [photoField(photo)]: message, _message: message };
          record.sent = false; // the record is stored; resending it is harmless and keeps the record together
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
      // could bring back a record the other had just sent and removed. A call during a run gets one more run after
      // it, so a record saved or a network come back meanwhile does not wait for the next reconnect.
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
  }

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
      if (blob.size <= MAX_PHOTO) return blob;
      side = Math.round(side * 0.8);
      quality = Math.max(0.4, quality - 0.08);
    }
    throw new Error("photo too large");
  }

  function csrf(form) {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? match[1] : form?.querySelector("[name=_csrf_token]")?.value || "";
  }

  function showErrors(form, errors) {
    if (!form) return;
    form.querySelectorAll("[data-error-for]").forEach((node) => { node.textContent = ""; });
    form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    for (const [name, message] of Object.entries(errors || {})) {
      const slot = form.querySelector(`[data-error-for="${name}"]`);
      if (slot) { slot.textContent = message; slot.closest(".field")?.classList.add("invalid"); }
    }
  }

  // The page's part, for one queue and its form. The page holds #queue (the notice, with its words in data-*),
  // #queue-text, #queue-problems and #saved. The form's own code says how a record is kept (keep: the form →
  // {client_id, label} once stored, or null if it must stay as typed), loaded back for a fix (load), begun afresh
  // (fresh), and described in the list of records the school refused (describe). syncTag names the Background
  // Sync; the service worker posts `${syncTag}-changed` when its run has sent records.
  function bind({ queue, selector, syncTag, keep, load, fresh, describe, bound }) {
    const form = () => document.querySelector(selector);

    async function sayWhereTheRecordIs(records) {
      // Kept on the phone, then sent later by itself: the note follows it.
      const note = document.getElementById("saved");
      if (!note || !note.dataset.record) return;
      const waiting = records.find((r) => r.client_id === note.dataset.record);
      const outcome = !waiting ? "sent" : waiting.errors ? "refused" : queue.signedOut() ? "signin" : "kept";
      note.textContent = note.dataset[outcome].replace("{name}", note.dataset.name);
    }

    async function render() {
      const box = document.getElementById("queue");
      if (!box) return;
      const records = await queue.all();
      await sayWhereTheRecordIs(records);
      const problems = document.getElementById("queue-problems");
      problems.replaceChildren();
      box.hidden = records.length === 0 && navigator.onLine;
      document.getElementById("queue-text").textContent = records.length
        ? box.dataset.label.replace("{n}", records.length) + (navigator.onLine ? "" : " · " + box.dataset.offline)
          + (navigator.onLine && queue.signedOut() ? " · " + box.dataset.signin : "")
        : (navigator.onLine ? box.dataset.sent : box.dataset.offline);
      for (const record of records.filter((r) => r.errors)) {
        const item = document.createElement("li");
        item.textContent = `${describe(record)}: ${record.errors._message || ""} `;
        if (form()) {
          const fix = document.createElement("button");
          fix.className = "small";
          fix.type = "button";
          fix.textContent = box.dataset.fix;
          fix.addEventListener("click", () => {
            const target = form();
            target.reset(); // nothing half-typed from another record stays in fields this one leaves empty
            load(target, record);
            target.elements.namedItem("client_id").value = record.client_id;
            showErrors(target, record.errors);
            target.scrollIntoView();
          });
          item.append(fix);
        }
        problems.append(item);
      }
    }

    async function confirm(kept) {
      // The form empties on saving, so say what became of the record, where the teacher's eyes go next.
      const note = document.getElementById("saved");
      if (!note) return;
      note.dataset.record = kept.client_id;
      note.dataset.name = kept.label;
      await sayWhereTheRecordIs(await queue.all());
      note.hidden = false;
      note.scrollIntoView({ block: "center" });
    }

    async function save(event) {
      // A button that sends the form elsewhere (the incident form's "Find", by GET) is not a save.
      if (event.submitter?.hasAttribute("formaction")) return;
      event.preventDefault();
      const target = event.target;
      // Shrinking photos takes a moment; a second tap meanwhile would save the record again with other photo ids.
      if (target.dataset.saving) return;
      target.dataset.saving = "yes";
      let kept;
      try {
        kept = await keep(target);
        if (!kept) return; // a photo could not be read: the form stays as typed
      } finally {
        delete target.dataset.saving;
      }
      target.reset();
      showErrors(target, {});
      fresh(target);
      await render();
      // Said at once: on one bar of signal sending can take minutes, and the form has already emptied.
      await confirm(kept);
      // Background Sync sends it even if the page is closed. Not awaited: `ready` never settles without a worker.
      if ("serviceWorker" in navigator) {
        navigator.serviceWorker.ready.then((registration) => registration.sync?.register(syncTag)).catch(() => {});
      }
      await queue.flush();
      await render(); // the note follows: sent, or still kept
    }

    async function start() {
      const target = form();
      if (target && !target.dataset.bound) {
        target.dataset.bound = "yes";
        target.addEventListener("submit", save);
        if (bound) bound(target);
        fresh(target);
      }
      await render();
      await queue.flush();
      await render();
    }

    // htmx runs the form's script again on each page it swaps in; the window listeners are needed once per queue.
    const listening = `${syncTag}-listening`;
    if (!window[listening]) {
      window[listening] = true;
      window.addEventListener("online", async () => { await queue.flush(); await render(); });
      window.addEventListener("offline", render);
      // The service worker says when its Background Sync run has sent records, so the notice does not lag.
      navigator.serviceWorker?.addEventListener("message", (event) => {
        if (event.data === `${syncTag}-changed`) render();
      });
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
    return { render, form };
  }

  return { make, bind, shrink, csrf, showErrors, uuid, MAX_PHOTO };
})();
