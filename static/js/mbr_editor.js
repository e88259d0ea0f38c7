// The master batch record editor: a draft's header, steps (add, reorder, remove; typed fields
// with limits; second-person verification), parameter specs and LIMS tests, saved through the
// API (PATCH, with a reason). The server checks every rule and names each problem by its path
// (`steps[2].fields[0].low`): the editor marks that input. The preview shows the steps as the
// operator will see them.
(function () {
  const box = document.getElementById("mbr-editor");
  const record = JSON.parse(document.getElementById("mbr-data").textContent);
  const tagNames = JSON.parse(document.getElementById("mbr-tags").textContent);
  const editPane = box.querySelector("[data-pane=edit]");
  const previewPane = box.querySelector("[data-pane=preview]");
  const errorBox = box.querySelector("[data-error]");
  const savedBox = box.querySelector("[data-saved]");
  const TYPES = ["number", "int", "text", "bool", "choice", "timestamp", "lot", "equipment"];
  const LIMITS = ["low", "alert_low", "alert_high", "high"];
  const state = {
    product: record.product, title: record.title, batch_definition: record.batch_definition,
    late_after: record.late_after, steps: record.steps, parameter_specs: record.parameter_specs,
    lims_tests: record.lims_tests,
  };
  window.ledgerlineEditor = state;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k in node && k !== "list") node[k] = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  };
  // Each input names its place in the state: "steps.2.fields.0.low".
  function input(path, value, attrs = {}) {
    const node = el("input", { value: value ?? "", ...attrs, dataset: { ...(attrs.dataset || {}), path } });
    if (attrs.type === "checkbox") node.checked = Boolean(value);
    return node;
  }
  function set(path, raw, kind) {
    const keys = path.split(".");
    let target = state;
    for (const k of keys.slice(0, -1)) target = target[k];
    const last = keys[keys.length - 1];
    if (kind === "checkbox") target[last] = raw;
    else if (kind === "number") target[last] = raw === "" ? null : Number(raw);
    else if (kind === "list") target[last] = raw.split(",").map((s) => s.trim()).filter(Boolean);
    else target[last] = raw;
  }
  editPane.addEventListener("input", (event) => {
    const path = event.target.dataset.path;
    if (!path) return;
    const kind = event.target.type === "checkbox" ? "checkbox"
      : event.target.type === "number" ? "number" : event.target.dataset.kind || "text";
    set(path, kind === "checkbox" ? event.target.checked : event.target.value, kind);
    event.target.classList.remove("ed-invalid");
  });
  editPane.addEventListener("change", (event) => {
    // A field's type decides which of its inputs show: draw it again.
    if (event.target.dataset.rerender) render();
  });

  function button(label, action, attrs = {}) {
    return el("button", { type: "button", className: "btn btn-sm btn-ghost", textContent: label, ...attrs,
      onclick: () => { action(); render(); } });
  }
  const move = (list, i, by) => {
    const j = i + by;
    if (j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j], list[i]];
  };

  function fieldRow(step, s, field, f) {
    const p = `steps.${s}.fields.${f}`;
    const numeric = field.type === "number" || field.type === "int";
    const type = el("select", { dataset: { path: `${p}.type`, rerender: "1" }, "aria-label": "Type" },
      ...TYPES.map((t) => el("option", { value: t, textContent: t, selected: t === field.type })));
    return el("tr", { dataset: { field: field.name || "" } },
      el("td", {}, input(`${p}.name`, field.name, { placeholder: "name", "aria-label": "Field name", size: 14 })),
      el("td", {}, type),
      el("td", {}, numeric ? input(`${p}.unit`, field.unit, { placeholder: "unit", size: 6, "aria-label": "Unit" }) : ""),
      ...LIMITS.map((k) => el("td", {}, numeric ? input(`${p}.${k}`, field[k], { type: "number", step: "any", placeholder: k.replace("_", " "), "aria-label": k.replace("_", " ") }) : "")),
      el("td", {}, field.type === "choice"
        ? input(`${p}.choices`, (field.choices || []).join(", "), { placeholder: "A, B, C", dataset: { path: `${p}.choices`, kind: "list" }, "aria-label": "Choices" })
        : ""),
      el("td", {}, el("label", {}, input(`${p}.required`, field.required !== false, { type: "checkbox" }), " required")),
      el("td", {}, button("✕", () => step.fields.splice(f, 1), { title: "Remove the field", "aria-label": "Remove field" })),
    );
  }

  function stepCard(step, s) {
    const p = `steps.${s}`;
    const earlier = state.steps.slice(0, s).map((x) => x.code).filter(Boolean);
    const verified = (step.required_signatures || []).includes("verified");
    const verify = input(`${p}.verified`, verified, { type: "checkbox" });
    verify.removeAttribute("data-path");
    verify.addEventListener("change", () => {
      step.required_signatures = verify.checked ? ["performed", "verified"] : ["performed"];
    });
    const after = el("span", { className: "muted" }, earlier.length ? "after: " : "");
    for (const code of earlier) {
      const box = el("input", { type: "checkbox", checked: (step.after || []).includes(code) });
      box.addEventListener("change", () => {
        step.after = earlier.filter((c) => c === code ? box.checked : (step.after || []).includes(c));
      });
      after.append(el("label", {}, box, ` ${code} `));
    }
    const fields = el("table", { className: "ed-table" },
      el("thead", {}, el("tr", {}, ...["Field", "Type", "Unit", "Low", "Alert low", "Alert high", "High", "Choices", "", ""].map((h) => el("th", { textContent: h })))),
      el("tbody", {}, ...(step.fields || []).map((field, f) => fieldRow(step, s, field, f))));
    return el("div", { className: "ed-step", dataset: { step: s } },
      el("div", { className: "ed-step-head" },
        el("strong", { textContent: `${s + 1}.` }),
        input(`${p}.code`, step.code, { placeholder: "S10", size: 6, "aria-label": "Step code" }),
        input(`${p}.title`, step.title, { placeholder: "title", size: 30, "aria-label": "Step title" }),
        input(`${p}.operation`, step.operation, { placeholder: "operation (group)", size: 16, "aria-label": "Operation" }),
        el("label", {}, input(`${p}.repeatable`, step.repeatable, { type: "checkbox" }), " repeatable"),
        el("label", {}, verify, " second-person verification"),
        button("↑", () => move(state.steps, s, -1), { title: "Move up", "aria-label": "Move step up" }),
        button("↓", () => move(state.steps, s, 1), { title: "Move down", "aria-label": "Move step down" }),
        button("✕", () => state.steps.splice(s, 1), { title: "Remove the step", "aria-label": "Remove step" })),
      el("textarea", { value: step.instruction || "", placeholder: "Instruction to the operator", dataset: { path: `${p}.instruction` }, "aria-label": "Instruction" }),
      after,
      fields,
      button("+ Add field", () => { step.fields = step.fields || []; step.fields.push({ name: "", type: "number", required: true }); }, { dataset: { testid: "add-field" } }));
  }

  function table(title, key, columns, blank) {
    const rows = state[key].map((item, i) => el("tr", {},
      ...columns.map(([name, type]) => el("td", {}, input(`${key}.${i}.${name}`, item[name], type === "number" ? { type: "number", step: "any", "aria-label": name } : { list: name === "tag" ? "mbr-tag-names" : "", "aria-label": name }))),
      el("td", {}, button("✕", () => state[key].splice(i, 1), { "aria-label": `Remove from ${title}` }))));
    return el("div", {}, el("h3", { textContent: title }),
      el("table", { className: "ed-table" },
        el("thead", {}, el("tr", {}, ...columns.map(([name]) => el("th", { textContent: name.replace("_", " ") })), el("th"))),
        el("tbody", {}, ...rows)),
      button(`+ Add`, () => state[key].push({ ...blank })));
  }

  function render() {
    editPane.innerHTML = "";
    const definition = el("select", { dataset: { path: "batch_definition" }, "aria-label": "Batch defined by" },
      ...["time", "quantity"].map((v) => el("option", { value: v, textContent: v, selected: v === state.batch_definition })));
    editPane.append(
      el("div", { className: "ed-step-head" },
        el("label", {}, "Product ", input("product", state.product, { size: 24 })),
        el("label", {}, "Title ", input("title", state.title, { size: 36 })),
        el("label", {}, "Batch defined by ", definition),
        el("label", {}, "Entries late after ", input("late_after", state.late_after, { size: 5 }))),
      el("h3", { textContent: `Steps (${state.steps.length})` }),
      ...state.steps.map(stepCard),
      button("+ Add step", () => {
        const n = (state.steps.length + 1) * 10;
        state.steps.push({ code: `S${n}`, title: "", instruction: "", fields: [], after: [], repeatable: false, required_signatures: ["performed"] });
      }, { className: "btn btn-sm", dataset: { testid: "add-step" } }),
      table("Parameter specifications (watched over each batch window)", "parameter_specs",
        [["tag"], ["low", "number"], ["alert_low", "number"], ["alert_high", "number"], ["high", "number"]], { tag: "" }),
      table("LIMS tests a batch needs", "lims_tests", [["test"], ["unit"], ["low", "number"], ["high", "number"]], { test: "", unit: "" }),
      el("datalist", { id: "mbr-tag-names" }, ...tagNames.map((t) => el("option", { value: t }))));
    preview();
  }

  // The steps as the operator will see them: the instruction and an input per field.
  function preview() {
    previewPane.innerHTML = "";
    for (const [s, step] of state.steps.entries()) {
      const fields = (step.fields || []).map((f) => {
        const limits = [f.low, f.high].some((v) => v !== null && v !== undefined)
          ? ` (${f.low ?? "…"} – ${f.high ?? "…"}${f.unit ? " " + f.unit : ""})` : (f.unit ? ` (${f.unit})` : "");
        const control = f.type === "bool" ? el("input", { type: "checkbox", disabled: true })
          : f.type === "choice" ? el("select", { disabled: true }, ...(f.choices || []).map((c) => el("option", { textContent: c })))
          : el("input", { disabled: true, type: { number: "number", int: "number", timestamp: "datetime-local" }[f.type] || "text",
            placeholder: { lot: "material/lot (released)", equipment: "equipment path" }[f.type] || "" });
        return el("div", { className: "field" }, el("label", { textContent: `${f.label || f.name}${limits}${f.required === false ? "" : " *"}` }), control);
      });
      previewPane.append(el("div", { className: "mbr-step", dataset: { preview: step.code } },
        el("div", { className: "mbr-step-head" }, el("span", { className: "mono", textContent: step.code }),
          el("strong", { textContent: step.title || "(no title)" }),
          el("span", { className: "muted", textContent: `signed ${(step.required_signatures || ["performed"]).join(" + ")}` })),
        el("p", { className: "mbr-instruction", textContent: step.instruction || "" }),
        el("div", { className: "form" }, ...fields),
        el("button", { className: "btn btn-sm btn-primary", disabled: true, textContent: "Sign as performed" })));
    }
  }

  box.querySelectorAll("[data-tab]").forEach((tab) => tab.addEventListener("click", () => {
    preview();
    for (const pane of box.querySelectorAll("[data-pane]")) pane.hidden = pane.dataset.pane !== tab.dataset.tab;
    box.querySelectorAll("[data-tab]").forEach((t) => t.setAttribute("aria-pressed", String(t === tab)));
  }));

  // Save: the server answers each problem by its path; the matching inputs are marked.
  box.querySelector("[data-save]").addEventListener("click", async () => {
    const reason = box.querySelector("input[name=reason]").value.trim() || "draft edited";
    errorBox.textContent = "";
    savedBox.textContent = "saving…";
    editPane.querySelectorAll(".ed-invalid").forEach((n) => n.classList.remove("ed-invalid"));
    const response = await fetch(box.dataset.url, {
      method: "PATCH", credentials: "same-origin",
      headers: window.ledgerlineHeaders({ "Content-Type": "application/json",
        "X-CSRFToken": box.querySelector("input[name=csrfmiddlewaretoken]").value }),
      body: JSON.stringify({ ...state, reason }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      savedBox.textContent = "";
      const problems = Object.entries(body.fields || {});
      for (const [where] of problems) {
        const path = where.replace(/\[(\d+)\]/g, ".$1");
        const node = editPane.querySelector(`[data-path="${path}"]`) || editPane.querySelector(`[data-path^="${path}."]`);
        if (node) node.classList.add("ed-invalid");
      }
      errorBox.textContent = `Not saved: ${problems.map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ") || body.detail || response.status}. Correct the marked inputs and save again.`;
      return;
    }
    Object.assign(state, { steps: body.steps, parameter_specs: body.parameter_specs, lims_tests: body.lims_tests,
      product: body.product, title: body.title, batch_definition: body.batch_definition, late_after: body.late_after });
    render();
    savedBox.textContent = `Saved ${new Date().toLocaleTimeString()}: ${state.steps.length} steps.`;
    savedBox.dataset.saved = String(Number(savedBox.dataset.saved || 0) + 1);
  });

  render();
})();
