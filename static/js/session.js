// Idle timeout: the server ends a session after IDLE_TIMEOUT_SECONDS without a request a
// person caused. A person's clicks, keys and wheel turns keep the session: requests a page
// sends right after one carry the activity header (ledgerlineHeaders()), and an interaction
// that sends nothing tells the server itself (GET /accounts/session/alive/, at most every
// 30 s). Polls and refreshes a page makes by itself do neither. The countdown runs from the
// last time the server heard from the person, so it agrees with the server's; the warning's
// button keeps the session; at the end the page reloads its own address, which the server
// answers with the sign-in page and then returns to (the URL keeps the view).
(function () {
  const ACTIVITY = "X-Ledgerline-Activity";
  const TELL_EVERY_MS = 30000;
  let lastInteraction = 0;
  let lastTold = Date.now(); // this page's own load was a person's request
  const seconds = parseInt(document.body.dataset.idleTimeout || "0", 10);

  function tellServer() {
    lastTold = Date.now();
    fetch("/accounts/session/alive/", {
      headers: { [ACTIVITY]: "1" }, credentials: "same-origin", cache: "no-store",
    }).then((response) => {
      if (response.status === 401 || response.redirected) window.location.reload();
    }).catch(() => {});
  }
  function interacted() {
    lastInteraction = Date.now();
    if (seconds && Date.now() - lastTold > TELL_EVERY_MS) tellServer();
  }
  for (const type of ["pointerdown", "keydown", "wheel"]) {
    window.addEventListener(type, interacted, { capture: true, passive: true });
  }
  // Headers for a fetch: marked as a person's request when one caused it (within 2 s).
  window.ledgerlineHeaders = function (extra) {
    const headers = Object.assign({ Accept: "application/json" }, extra || {});
    if (Date.now() - lastInteraction < 2000) {
      headers[ACTIVITY] = "1";
      lastTold = Date.now();
    }
    return headers;
  };
  if (!seconds) return;
  const banner = document.createElement("div");
  banner.className = "idle-banner";
  banner.hidden = true;
  banner.setAttribute("role", "alert");
  banner.dataset.testid = "idle-banner";
  const text = document.createElement("span");
  const stay = document.createElement("button");
  stay.type = "button";
  stay.className = "btn btn-sm btn-primary";
  stay.textContent = "Stay signed in";
  stay.addEventListener("click", () => { tellServer(); banner.hidden = true; });
  banner.append(text, " ", stay);
  document.body.appendChild(banner);
  const tick = () => {
    const left = seconds - Math.floor((Date.now() - lastTold) / 1000);
    if (left < 0) { window.location.reload(); return; } // a second after the server's end
    banner.hidden = left > 60;
    if (left <= 60) text.textContent = `Idle: you will be signed out in ${left} s.`;
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();
