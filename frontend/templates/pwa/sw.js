// Doolae service worker, version {{ version }}: keeps the app shell for bad networks and shows
// the offline page when a page cannot be fetched. Pages themselves are never served stale.
const CACHE = "doolae-{{ version }}";
// Pages a teacher must open with no signal (the visit form), kept from their last online visit. Not versioned:
// a new app version must not throw away a form someone is about to use offline. Emptied at sign-out.
const PAGES = "doolae-pages";
const OFFLINE_PAGES = ["/visits/form", "/visits", "/behaviour/new"];
// app.js first: it holds the offline queue that the visit and incident queues are made with.
importScripts("{{ static('app.js') }}", "{{ static('visits.js') }}", "{{ static('incidents.js') }}");
const SHELL = [
  "/offline",
  "{{ static('app.js') }}",
  "{{ static('vendor/htmx-2.0.11.min.js') }}",
  "{{ static('visits.js') }}",
  "{{ static('incidents.js') }}",
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
      // Navigation preload: the browser asks for the page while this worker starts up (on a slow phone that
      // start-up is a visible delay before every page), and the worker answers with that response.
      .then(() => self.registration.navigationPreload && self.registration.navigationPreload.enable())
      .then(() => self.clients.claim())
  );
});

// The network's answer to a request: the preloaded one for a page opened by navigation, else a fetch.
function network(event) {
  return Promise.resolve(event.preloadResponse).then((preloaded) => preloaded || fetch(event.request));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  const path = new URL(request.url).pathname;
  if (OFFLINE_PAGES.includes(path)) {
    // Network first, keeping the newest copy; offline, the kept copy (the boosted body or the whole page).
    const key = request.headers.get("HX-Request") === "true" ? `${path}?boosted` : path;
    // The incident form asked for a good deed or with students ticked is a variant: the plain form is the one kept.
    const variant = path === "/behaviour/new" && new URL(request.url).search;
    event.respondWith(network(event).then((response) => {
      if (response.ok && !variant) {
        const copy = response.clone();
        event.waitUntil(caches.open(PAGES).then(async (cache) => {
          await cache.put(key, copy);
          // Reached by a boosted link, the form comes as a body only; a reload or an app start offline needs the
          // whole page, so keep that too (else the teacher gets the offline page instead of the form).
          if (key !== path) {
            const whole = await fetch(path, { credentials: "same-origin" });
            if (whole.ok && !whole.redirected) await cache.put(path, whole);
          }
        }).catch(() => {}));
      }
      return response;
    }).catch(() => caches.open(PAGES).then((cache) => cache.match(key).then((hit) => hit || cache.match(path)))
      .then((hit) => hit || caches.match("/offline"))));  // htmx takes the body of a whole page just as well
    return;
  }
  if (request.mode === "navigate" || request.headers.get("HX-Request") === "true") {
    // Network first: school data must be fresh. Offline, a page gets the offline page.
    event.respondWith(network(event).catch(() => caches.match("/offline")));
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
    }).catch(() => caches.match(request, { ignoreSearch: true }).then((same) => same || Promise.reject(new Error("offline"))))));
    // ^ Offline, a kept page may name an older ?v= than this version's cache holds (the form was kept before a
    // deploy; activate dropped the old cache): the current copy of the same file beats a form without its script.
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

// Background Sync (Chrome on Android): send waiting visits and incidents even after the page was closed.
const SYNCED_QUEUES = { "visit-queue": VisitQueue, "incident-queue": IncidentQueue };
self.addEventListener("sync", (event) => {
  const queue = SYNCED_QUEUES[event.tag];
  if (!queue) return;
  event.waitUntil(queue.flush().then(async (outcome) => {
    for (const client of await self.clients.matchAll()) client.postMessage(`${event.tag}-changed`);
    // Resolving would tell the browser all is sent; rejecting makes it try again later (Chrome: ~5 and 15 min).
    if (outcome === "wait") throw new Error("records still waiting to be sent");
  }));
});

self.addEventListener("message", (event) => {
  if (event.data === "signed-out") event.waitUntil(caches.delete(PAGES));  // the cached form lists students
});
