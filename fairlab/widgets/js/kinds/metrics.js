// "metrics": MetricExplorer (lesson 05). Four drop-down lists: dataset, model, group by,
// metric. Python computed every available choice once (bootstrap intervals included) and
// sent it as a frame keyed "dataset | model | group by | metric". The model and grouping
// lists follow the dataset (reset to its first entries, as Python's drop-downs do), so
// the page never asks for a combination that does not exist. A change picks a frame and
// redraws (no kernel); the values are synced back so explorer.state is current.
// Lesson: 05-fairness-metrics

export const metricsKey = (v) => [v.dataset, v.model, v.group_by, v.metric].join(" | ");

// One bar per group, drawn horizontally (long group names read on the left):
// data [[y, estimate, low, high, colour, small, text], ...]. A small or uncertain group is
// pale with a dashed outline (the static figure's pale hatched bar).
LAYERS["metric-bars"] = (g, data, L, ax) => {
  g.replaceChildren();
  for (const [y, est, lo, hi, color, small, text] of data) {
    const x0 = ax.X(0), x1 = ax.X(est), h = Math.abs(ax.Y(y + 0.35) - ax.Y(y - 0.35));
    const bar = s("rect", { x: Math.min(x0, x1), y: ax.Y(y) - h / 2, width: Math.abs(x1 - x0),
                            height: h, fill: color, opacity: small ? 0.35 : 0.9 });
    if (small) { bar.setAttribute("stroke", "#333"); bar.setAttribute("stroke-dasharray", "3 2"); }
    bar.dataset.v = est;
    const err = s("line", { x1: ax.X(lo), x2: ax.X(hi), y1: ax.Y(y), y2: ax.Y(y),
                            stroke: "black", "stroke-width": 1.2 });
    const label = s("text", { x: ax.X(Math.max(est, hi)) + 4, y: ax.Y(y) + 4, class: "note" });
    label.textContent = text;
    g.append(bar, err, label);
  }
};

KINDS["metrics"] = ({ model, el }) => {
  const spec = model.get("spec");
  let v = { ...model.get("values") };
  const root = h("div", { class: "fairlab-view fairlab-metrics" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const controls = h("div", { class: "fairlab-controls" });
  const names = [["dataset", "dataset"], ["model", "model"], ["group_by", "group by"],
                 ["metric", "metric"]];
  const sel = {};
  for (const [name, label] of names) {
    const id = `${model.model_id || "v"}-${name}`;
    sel[name] = h("select", { id, "aria-label": label, class: `fairlab-control-${name}` });
    // label, list, and an empty cell where a slider shows its value (the controls' grid)
    controls.append(h("label", { for: id, text: label }), sel[name], h("span"));
  }
  root.append(controls);
  const body = h("div", { class: "fairlab-body" });
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(body, readout, tableEl);
  el.append(root);

  const dataset = () => spec.datasets.find((d) => d.name === v.dataset) || spec.datasets[0];
  const fill = (select, pairs, value) => {
    select.replaceChildren(...pairs.map(([val, text]) => h("option", { value: val, text })));
    select.value = value;
  };
  function fillAll() {
    const d = dataset();
    fill(sel.dataset, spec.datasets.map((x) => [x.name, x.name]), d.name);
    fill(sel.model, d.models.map((m) => [m, m]), v.model);
    fill(sel.group_by, d.group_by.map((x) => [x, x]), v.group_by);
    fill(sel.metric, spec.metrics, v.metric);
  }

  function draw(event) {
    const fr = spec.frames[metricsKey(v)];
    readout.textContent = fr ? fr.readout : `no frame for ${metricsKey(v)}`;
    tableEl.innerHTML = fr ? fr.table : "";
    const bars = fr ? fr.bars : [];
    const n = bars.length;
    const left = Math.min(280, 16 + 6.4 * Math.max(4, ...bars.map((b) => b[0].length)));
    const layers = [{ id: "bars", type: "metric-bars",
                      data: bars.map((b, i) => [n - 1 - i, ...b.slice(1)]) }];
    if (fr && fr.overall !== null) {
      layers.push({ id: "overall", type: "vline", color: "#808080", dash: "5 3", data: fr.overall });
    }
    const c = chart({ title: fr ? fr.title : "", xlim: [0, 1.15],
                      xlabel: fr ? `${fr.xlabel} (dashed: all groups)` : "",
                      ylim: [-0.6, Math.max(n, 1) - 0.4], width: 420 + left, height: 70 + 26 * Math.max(n, 2),
                      left,
                      yticks: bars.map((b, i) => [n - 1 - i, b[0]]),
                      xticks: [0, 0.2, 0.4, 0.6, 0.8, 1].map((x) => [x, String(x)]),
                      alt: "each group's rate with its 95% bootstrap interval, and the rate " +
                           "over all groups", layers });
    body.replaceChildren(c.svg);
    root.dataset.state = JSON.stringify({ values: v, readout: readout.textContent });
    stamp(event);
  }
  function sync() {
    model.set("values", { ...v });
    model.save_changes();
  }
  sel.dataset.addEventListener("change", (e) => {
    v.dataset = sel.dataset.value;
    const d = dataset();
    v.model = d.models[0]; // as Python's drop-downs: new options, first entry chosen
    v.group_by = d.group_by[0];
    fillAll(); draw(e); sync();
  });
  for (const name of ["model", "group_by", "metric"]) {
    sel[name].addEventListener("change", (e) => { v[name] = sel[name].value; draw(e); sync(); });
  }
  model.on("change:values", () => { // Python moved a control
    const nv = model.get("values");
    if (names.every(([k]) => nv[k] === v[k])) return;
    v = { ...v, ...nv };
    fillAll(); draw();
  });
  fillAll();
  draw();
};
