// Doolae service worker, version {{ version }}: keeps the app shell for bad networks and shows
// the offline page when a page cannot be fetched. Pages themselves are never served stale.
const CACHE = "doolae-{{ version }}";
// Pages a teacher must open with no signal (the visit form), kept from their last online visit. Not versioned:
// a new app version must not throw away a form someone is about to use offline. Emptied at sign-out.
const PAGES = "doolae-pages";
const OFFLINE_PAGES = ["/visits/form", "/visits"];
importScripts("{{ static('visits.js') }}");
const SHELL = [
  "/offline",
  "{{ static('app.css') }}",
  "{{ static('app.js') }}",
  "{{ static('vendor/htmx-2.0.11.min.js') }}",
  "{{ static('visits.js') }}",
  "{{ static('icons/icon.svg') }}",
  "{{ static('icons/icon-192.png') }}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  // Drop the caches of older versions so phones do not fill up.
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("doolae-") && key !== CACHE && key !== PAGES).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  const path = new URL(request.url).pathname;
  if (OFFLINE_PAGES.includes(path)) {
    // Network first, keeping the newest copy; offline, the kept copy (the boosted body or the whole page).
    const key = request.headers.get("HX-Request") === "true" ? `${path}?boosted` : path;
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(PAGES).then((cache) => cache.put(key, copy));
      }
      return response;
    }).catch(() => caches.open(PAGES).then((cache) => cache.match(key)).then((hit) => hit || caches.match("/offline"))));
    return;
  }
  if (request.mode === "navigate" || request.headers.get("HX-Request") === "true") {
    // Network first: school data must be fresh. Offline, a page gets the offline page.
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
    return;
  }
  if (new URL(request.url).pathname.startsWith("/static/")) {
    // Static files are versioned by their ?v= hash, so a cached copy is always right.
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    })));
  }
});

// An alert from the school. The text carries no sensitive detail; the app shows the rest after sign-in.
self.addEventListener("push", (event) => {
  const alert = event.data ? event.data.json() : { title: "ดูแล", body: "" };
  event.waitUntil(self.registration.showNotification(alert.title, {
    body: alert.body,
    tag: alert.tag,
    icon: "{{ static('icons/icon-192.png') }}",
    data: { url: alert.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});

// Background Sync (Chrome on Android): send waiting visits even after the page was closed.
self.addEventListener("sync", (event) => {
  if (event.tag === "visit-queue") event.waitUntil(VisitQueue.flush());
});

self.addEventListener("message", (event) => {
  if (event.data === "signed-out") event.waitUntil(caches.delete(PAGES));  // the cached form lists students
});
