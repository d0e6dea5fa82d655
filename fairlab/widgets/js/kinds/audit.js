// "audit": AuditExplorer's view. Three drop-down lists whose choices depend on each other
// (a dataset's sensitive attributes; the attributes left to intersect with), and one
// precomputed frame per valid choice: readout, table and the three panels, redrawn (SVG)
// on every change with no kernel round trip. The choices follow AuditExplorer._sync_options.
// Lesson: 02-auditing-a-dataset

// The settled choices after a change: a dataset whose attribute list differs from the one
// on screen (`shown`) resets the attribute to its first; an intersection that is no longer
// offered falls back to none. Returns the values and the options of both attribute lists.
export function auditSettle(spec, v, shown) {
  const names = spec.datasets[v.dataset];
  const group_by = JSON.stringify(shown) === JSON.stringify(names) ? v.group_by : names[0];
  const others = [spec.none, ...names.filter((n) => n !== group_by)];
  const intersect = others.includes(v.intersect) ? v.intersect : spec.none;
  return { values: { dataset: v.dataset, group_by, intersect }, group_by: names, intersect: others };
}

export const auditKey = (v) => JSON.stringify([v.dataset, v.group_by, v.intersect]);

// Horizontal bars drawn from 0, each with its own colour and opacity and its value written
// past its end: data [[y0, y1, value, text, color, opacity], ...].
LAYERS["hbarl"] = (g, data, L, ax) => {
  g.replaceChildren();
  const x0 = ax.X(Math.max(0, ax.xlim[0]));
  for (const [a, b, v, text, color, opacity] of data) {
    const end = ax.X(Math.min(Math.max(v, ax.xlim[0]), ax.xlim[1]));
    const r = s("rect", { x: Math.min(x0, end), width: Math.abs(end - x0), fill: color || L.color,
                          opacity: opacity ?? 1, y: Math.min(ax.Y(a), ax.Y(b)),
                          height: Math.abs(ax.Y(b) - ax.Y(a)) });
    r.dataset.v = v;
    g.append(r);
    if (text) {
      const t = s("text", { x: end + 4, y: (ax.Y(a) + ax.Y(b)) / 2 + 4, class: "note" });
      t.textContent = text;
      g.append(t);
    }
  }
};

KINDS["audit"] = ({ model, el }) => {
  const spec = model.get("spec");
  let current = { ...model.get("values") };
  const root = h("div", { class: "fairlab-view fairlab-audit" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const controls = h("div", { class: "fairlab-controls" });
  const selects = {};
  for (const c of spec.controls) {
    const id = `${model.model_id || "v"}-${c.name}`;
    selects[c.name] = h("select", { id, "aria-label": c.label, class: `fairlab-control-${c.name}` });
    controls.append(h("label", { for: id, text: c.label }), selects[c.name], h("output", { for: id }));
  }
  const fill = (select, options, value) => {
    select.replaceChildren(...options.map((o) => h("option", { value: o, text: o })));
    select.value = value;
  };
  fill(selects.dataset, Object.keys(spec.datasets), current.dataset);
  root.append(controls);
  const body = h("div", { class: "fairlab-body" });
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(body, readout, tableEl);
  el.append(root);
  let shown = spec.datasets[current.dataset];

  function draw(v, event) {
    const st = auditSettle(spec, v, shown);
    current = st.values;
    shown = st.group_by;
    selects.dataset.value = current.dataset;
    fill(selects.group_by, st.group_by, current.group_by);
    fill(selects.intersect, st.intersect, current.intersect);
    const fr = spec.frames[auditKey(current)];
    readout.textContent = fr.readout;
    tableEl.innerHTML = fr.table;
    body.replaceChildren(...fr.panels.map((p) => chart(p).svg));
    root.dataset.state = JSON.stringify({ values: current, readout: fr.readout });
    stamp(event);
  }
  function sync() {
    model.set("values", { ...current });
    model.save_changes();
  }
  for (const [name, select] of Object.entries(selects)) {
    select.addEventListener("change", (e) => { draw({ ...current, [name]: select.value }, e); sync(); });
  }
  model.on("change:values", () => { // Python moved the controls (e.g. set_values)
    const v = model.get("values");
    if (auditKey(v) === auditKey(current)) return;
    shown = spec.datasets[v.dataset];
    draw(v);
  });
  draw(current);
};
