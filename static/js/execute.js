// The execution screen: a value outside its limits is said before signing (it is accepted,
// flagged, and raises a deviation).
document.addEventListener("input", (event) => {
  const input = event.target.closest("input[data-limited]");
  if (!input) return;
  const field = input.closest("[data-field]");
  const warning = field.querySelector("[data-warning]");
  const value = input.value === "" ? null : Number(input.value);
  const low = field.dataset.low === undefined ? null : Number(field.dataset.low);
  const high = field.dataset.high === undefined ? null : Number(field.dataset.high);
  const outside = value !== null && ((low !== null && value < low) || (high !== null && value > high));
  field.classList.toggle("outside", outside);
  warning.textContent = outside
    ? `Outside its limits (${low ?? "…"} – ${high ?? "…"}): it will be recorded, flagged and raise a deviation.`
    : "";
});
