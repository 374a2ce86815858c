// The little JavaScript Doolae has: service worker registration and the "add to home screen" button.
"use strict";
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" });
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
