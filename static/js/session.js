// Idle timeout: the server ends a session after IDLE_TIMEOUT_SECONDS without a request a
// person caused. Requests a page sends after a click, a key or a wheel turn carry the
// activity header (ledgerlineHeaders()); polls and refreshes a page makes by itself do not.
// The banner warns a minute before the end, then returns to the sign-in page.
(function () {
  const ACTIVITY = "X-Ledgerline-Activity";
  let lastInteraction = 0;
  let lastActive = Date.now();
  for (const type of ["pointerdown", "keydown", "wheel"]) {
    window.addEventListener(type, () => { lastInteraction = Date.now(); }, { capture: true, passive: true });
  }
  // Headers for a fetch: marked as a person's request when one caused it (within 2 s).
  window.ledgerlineHeaders = function (extra) {
    const headers = Object.assign({ Accept: "application/json" }, extra || {});
    if (Date.now() - lastInteraction < 2000) {
      headers[ACTIVITY] = "1";
      lastActive = Date.now();
    }
    return headers;
  };
  const seconds = parseInt(document.body.dataset.idleTimeout || "0", 10);
  if (!seconds) return;
  const banner = document.createElement("div");
  banner.className = "idle-banner";
  banner.hidden = true;
  document.body.appendChild(banner);
  const tick = () => {
    const left = seconds - Math.floor((Date.now() - lastActive) / 1000);
    if (left <= 0) { window.location.reload(); return; }
    banner.hidden = left > 60;
    if (left <= 60) {
      banner.textContent = `Idle: you will be signed out in ${left} s. Any click keeps you signed in.`;
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();
