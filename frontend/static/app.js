// The little JavaScript Doolae has: service worker registration and the "add to home screen" button.
"use strict";
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
