// Opens the signing dialog for buttons with data-sign="<dialog id>".
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-sign]");
  if (opener) {
    event.preventDefault();
    const dialog = document.getElementById(opener.dataset.sign);
    if (dialog) {
      dialog.showModal();
      const first = dialog.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    }
    return;
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) closer.closest("dialog").close();
});
