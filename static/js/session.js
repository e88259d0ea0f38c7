// Idle timeout indicator: warns a minute before the server ends an idle session,
// then returns to the sign-in page when it has ended.
(function () {
  const seconds = parseInt(document.body.dataset.idleTimeout || "0", 10);
  if (!seconds) return;
  const started = Date.now();
  const banner = document.createElement("div");
  banner.className = "idle-banner";
  banner.hidden = true;
  document.body.appendChild(banner);
  const tick = () => {
    const left = seconds - Math.floor((Date.now() - started) / 1000);
    if (left <= 0) { window.location.reload(); return; }
    if (left <= 60) {
      banner.hidden = false;
      banner.textContent = `Idle: you will be signed out in ${left} s. Any click keeps you signed in.`;
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();
