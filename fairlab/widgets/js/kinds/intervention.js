// "intervention": rank interventions for one decision, in the page (lesson 11).
// Python sends each comparison's summary once (fold means, 95% intervals, fold ranges,
// the Pareto flags of every gap); a move of the dataset, groups, gap or accuracy budget
// is arithmetic here: the floor, who qualifies, a stable sort, the table with its
// intervals, the recommendation and the plot. It mirrors InterventionExplorer.compute and
// render, and the tests compare the two.
// Lesson: 11-choosing-an-intervention

// Python's html.escape (quote=True): & < > " '
const pyEsc = (t) => String(t).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]);
// pandas' to_html (escape=True): & < > only, and a cell's outer spaces dropped
const pdEsc = (t) => String(t).trim().replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
const nums = (xs) => xs.map((v) => (v === null ? NaN : v)); // JSON has no NaN
const ivFmt = (v, lo, hi) => `${fmt(v)}\u00a0[${fmt(lo)},\u00a0${fmt(hi)}]`;

// Compare two numbers for a sort with NaN last (pandas' na_position="last").
function order(a, b, ascending) {
  const na = Number.isNaN(a), nb = Number.isNaN(b);
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;
  return ascending ? a - b : b - a;
}

// The state for one (dataset, group_by, gap, max_loss): InterventionExplorer.compute.
export function interventionState(spec, { dataset, group_by, gap, max_loss }) {
  const c = spec.comparisons.find((k) => k.dataset === dataset && k.group_by === group_by);
  if (!c) throw new Error(`fairlab: no comparison for ${dataset}, ${group_by}`);
  const G = spec.gaps[gap];
  const acc = nums(c.accuracy.mean), g = nums(c[gap].mean);
  const n = acc.length, b = c.base;
  const floor = acc[b] - max_loss;
  const eligible = acc.map((a) => a >= floor - 1e-12);
  const ranked = [...Array(n).keys()].sort((i, j) =>
    (eligible[j] - eligible[i]) || order(g[i], g[j], true) || order(acc[i], acc[j], false));
  const best = eligible[ranked[0]] ? ranked[0] : null;
  const at = (m, q, i) => nums(c[m][q])[i];
  const gl = (i) => at(gap, "low", i), gh = (i) => at(gap, "high", i);
  // the table, as render() writes it (pandas to_html of the ranked frame)
  const cols = ["intervention", "setting", "accuracy [95% CI]", `${G.short} [95% CI]`, "Pareto",
                "within budget", "uses group at decision"];
  const rows = ranked.map((i, r) => [String(r + 1), [c.name[i], c.setting[i],
    ivFmt(acc[i], at("accuracy", "low", i), at("accuracy", "high", i)), ivFmt(g[i], gl(i), gh(i)),
    c.pareto[gap][i] ? "✓" : "", eligible[i] ? "✓" : "", c.uses[i] ? "yes" : ""]]);
  // pandas' layout, byte for byte: one tag a line, the index name ("rank") in a second row
  const tr = (cells, style = "") => `    <tr${style}>\n` +
    cells.map(([t, x]) => `      <${t}>${pdEsc(x)}</${t}>\n`).join("") + "    </tr>\n";
  const th = (xs) => xs.map((x) => ["th", x]);
  const table = '<table class="dataframe fairlab-table">\n  <thead>\n' +
    tr(th(["", ...cols]), ' style="text-align: right;"') + tr(th(["rank", ...cols.map(() => "")])) +
    "  </thead>\n  <tbody>\n" +
    rows.map(([r, cells]) => tr([["th", r], ...cells.map((x) => ["td", x])])).join("") +
    "  </tbody>\n</table>";
  // the recommendation in plain words (InterventionExplorer._recommend)
  const loss = fmt(max_loss);
  let rec = `On ${dataset} with groups by ${group_by}, if the ${G.what} is what matters and ` +
    `you accept losing at most ${loss} of accuracy`;
  const ok = ranked.filter((i) => eligible[i]);
  if (!ok.length) rec += ", no setting qualifies: widen the budget.";
  else if (c.name[ok[0]] === "none") {
    rec += `, no intervention lowers the mean gap below the untouched model's ${fmt(g[ok[0]])}: keep it, or widen the budget.`;
  } else {
    const i = ok[0];
    rec += `, the smallest mean gap is <b>${pyEsc(c.name[i])} (${pyEsc(c.setting[i])})</b>: ` +
      `${fmt(g[i])} [${fmt(gl(i))}, ${fmt(gh(i))}] at accuracy ${fmt(acc[i])}, against ` +
      `${fmt(g[b])} at ${fmt(acc[b])} with no intervention.`;
    if (ok.length > 1 && gl(ok[1]) <= gh(i)) {
      rec += ` Its interval overlaps the runner-up's, ${pyEsc(c.name[ok[1]])} (${pyEsc(c.setting[ok[1]])}) ` +
        `at ${fmt(g[ok[1]])}: these folds cannot tell them apart.`;
    }
    if (c.uses[i]) rec += " It reads each person's group at decision time: check that this is lawful for this decision before you use it.";
  }
  const readout = best === null
    ? `${dataset} · ${group_by} · ${G.short} · budget ${loss} · no setting qualifies`
    : `${dataset} · ${group_by} · ${G.short} · budget ${loss} · best ${c.name[best]}: ` +
      `${c.setting[best]} · accuracy ${fmt(acc[best])} · ${G.short} ${fmt(g[best])}`;
  // the plot's limits, as render() sets them
  const finite = (xs) => xs.filter((v) => !Number.isNaN(v));
  const gmin = nums(c[gap].min), gmax = nums(c[gap].max);
  const amin = nums(c.accuracy.min), amax = nums(c.accuracy.max);
  const loX = Math.min(...finite(gmin)), hiX = Math.max(...finite(gmax));
  const loY = Math.min(Math.min(...finite(amin)), floor), hiY = Math.max(...finite(amax));
  const padX = 0.06 * (hiX - loX) + 1e-3, padY = 0.08 * (hiY - loY) + 1e-3;
  const points = [...Array(n).keys()].map((i) => ({
    x: g[i], y: acc[i], xlo: gmin[i], xhi: gmax[i], ylo: amin[i], yhi: amax[i],
    color: spec.colors[c.name[i]] || "#777777", eligible: eligible[i], pareto: !!c.pareto[gap][i] }));
  return {
    floor, eligible, ranked, best, readout, recommendation: rec, points,
    table: `<p class="fairlab-recommendation">${rec}</p>` + table,
    bestLabel: best === null ? "" : `${c.name[best]}: ${c.setting[best]}`,
    xlim: [Math.min(loX - padX, 0.0 - padX), hiX + padX], ylim: [loY - padY, hiY + padY],
    xlabel: `${G.title} (mean; bars: fold range)`, title: `${dataset} · groups: ${group_by}`,
  };
}

// Every mark of the comparison plot in one layer: fold-range bars, dots (faded below the
// floor), rings on the Pareto front and its staircase, the floor, and the star.
LAYERS.intervention = (g, st, L, ax) => {
  const { X, Y, m, W } = ax;
  const ok = (v) => Number.isFinite(v);
  const add = (tag, attrs, text) => { const e = s(tag, attrs); if (text) e.textContent = text; g.append(e); return e; };
  const front = st.points.filter((p) => p.pareto && ok(p.x) && ok(p.y)).sort((a, b) => a.x - b.x);
  const stairs = front.flatMap((p, i) => (i ? [[p.x, front[i - 1].y], [p.x, p.y]] : [[p.x, p.y]]));
  if (stairs.length) {
    add("polyline", { points: stairs.map(([x, y]) => `${X(x).toFixed(2)},${Y(y).toFixed(2)}`).join(" "),
                      fill: "none", stroke: "#555555", "stroke-dasharray": "5 3" });
  }
  const fy = Y(st.floor);
  add("line", { x1: m.l, x2: W - m.r, y1: fy, y2: fy, stroke: "#666666", "stroke-dasharray": "2 3" });
  add("text", { x: W - m.r - 4, y: fy + 12, "text-anchor": "end", class: "note" }, `accuracy floor ${fmt(st.floor)}`);
  for (const p of st.points) {
    if (!ok(p.x) || !ok(p.y)) continue;
    const o = p.eligible ? 1 : 0.35;
    if (ok(p.xlo)) add("line", { x1: X(p.xlo), x2: X(p.xhi), y1: Y(p.y), y2: Y(p.y), stroke: p.color, opacity: o });
    if (ok(p.ylo)) add("line", { x1: X(p.x), x2: X(p.x), y1: Y(p.ylo), y2: Y(p.yhi), stroke: p.color, opacity: o });
    const dot = add("circle", { cx: X(p.x).toFixed(2), cy: Y(p.y).toFixed(2), r: 4.5, fill: p.color,
                                "fill-opacity": o, stroke: "white", "stroke-width": 0.8, class: "dot" });
    dot.dataset.x = p.x; dot.dataset.y = p.y; dot.dataset.eligible = p.eligible;
  }
  for (const p of front) add("circle", { cx: X(p.x), cy: Y(p.y), r: 8, fill: "none", stroke: "#222222", "stroke-width": 1.3, class: "ring" });
  if (st.best !== null) {
    const p = st.points[st.best], cx = X(p.x), cy = Y(p.y);
    const star = [...Array(10).keys()].map((k) => {
      const r = k % 2 ? 4 : 10, a = -Math.PI / 2 + (k * Math.PI) / 5;
      return `${(cx + r * Math.cos(a)).toFixed(2)},${(cy + r * Math.sin(a)).toFixed(2)}`;
    }).join(" ");
    const e = add("polygon", { points: star, fill: "#F0E442", stroke: "#000000", "stroke-width": 0.9, class: "star" });
    e.dataset.x = p.x; e.dataset.y = p.y;
    add("text", { x: cx + 10, y: cy - 10, class: "best" }, st.bestLabel);
  }
};

KINDS.intervention = ({ model, el }) => {
  const spec = model.get("spec");
  const v = { ...model.get("values") };
  const root = h("div", { class: "fairlab-view fairlab-intervention" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const controls = h("div", { class: "fairlab-controls" });
  const id = (name) => `${model.model_id || "v"}-${name}`;
  const select = (name, label, options) => {
    const e = h("select", { id: id(name), "aria-label": label, class: `fairlab-control-${name}` });
    controls.append(h("label", { for: id(name), text: label }), e, h("span")); // label, input, (no output)
    return e;
  };
  const fill = (e, options) => e.replaceChildren(...options.map(([val, lab]) => h("option", { value: val, text: lab })));
  const datasets = Object.keys(spec.options);
  const dataset = select("dataset", "dataset");
  fill(dataset, datasets.map((d) => [d, d]));
  const group_by = select("group_by", "groups");
  const gap = select("gap", "gap that matters");
  fill(gap, spec.gap_order.map((k) => [k, spec.gaps[k].title]));
  const L = spec.max_loss; // stops of the accuracy budget, as Python's slider has them
  const loss = h("input", { type: "range", min: 0, max: L.values.length - 1, step: 1, id: id("max_loss"),
                            "aria-label": "accuracy we may lose", class: "fairlab-control-max_loss" });
  const lossOut = h("output", { for: id("max_loss") });
  controls.append(h("label", { for: id("max_loss"), text: "accuracy we may lose" }), loss, lossOut);
  root.append(controls);
  const body = h("div", { class: "fairlab-body" });
  const legend = h("ul", { class: "fairlab-legend", "aria-label": "legend" });
  const swatch = (css) => h("span", { class: "fairlab-swatch", style: css, "aria-hidden": "true" });
  for (const [name, color] of Object.entries(spec.colors)) legend.append(h("li", {}, [swatch(`background:${color}`), name]));
  legend.append(h("li", {}, [swatch("border:1.5px solid #222;border-radius:50%;background:none"), "Pareto-optimal"]),
                h("li", {}, [swatch("background:#F0E442;border:1px solid #000"), "recommended"]),
                h("li", {}, [swatch("border-top:2px dotted #666;height:0;background:none"), "accuracy floor"]),
                h("li", {}, [swatch("background:#999999;opacity:0.35"), "below the floor"]));
  const figure = h("div", { class: "fairlab-figure" });
  body.append(figure, legend);
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(body, readout, tableEl);
  el.append(root);
  const nearest = (x) => L.values.reduce((b, y, i) => (Math.abs(y - x) < Math.abs(L.values[b] - x) ? i : b), 0);

  let offered = null; // the dataset whose groups the drop-down lists
  function draw(event) {
    if (offered !== v.dataset) { fill(group_by, spec.options[v.dataset].map((x) => [x, x])); offered = v.dataset; }
    dataset.value = v.dataset; group_by.value = v.group_by; gap.value = v.gap;
    loss.value = String(nearest(v.max_loss));
    lossOut.textContent = fmt(v.max_loss);
    loss.setAttribute("aria-valuetext", fmt(v.max_loss));
    const st = interventionState(spec, v);
    const panel = chart({ title: st.title, xlabel: st.xlabel, ylabel: "accuracy (mean; bars: fold range)",
                          xlim: st.xlim, ylim: st.ylim, width: 560, height: 340, left: 52,
                          alt: "accuracy against the chosen gap for every intervention and setting, " +
                               "with fold ranges, the Pareto front, the accuracy floor and the recommendation",
                          layers: [{ id: "marks", type: "intervention", data: st }] });
    figure.replaceChildren(panel.svg);
    readout.textContent = st.readout;
    tableEl.innerHTML = st.table;
    root.dataset.state = JSON.stringify({ values: v, readout: st.readout, best: st.best });
    stamp(event);
  }
  function sync() {
    model.set("values", { dataset: v.dataset, group_by: v.group_by, gap: v.gap, max_loss: v.max_loss });
    model.save_changes();
  }
  dataset.addEventListener("change", (e) => { // the groups follow the dataset, as in Python
    v.dataset = dataset.value; v.group_by = spec.options[v.dataset][0]; draw(e); sync();
  });
  group_by.addEventListener("change", (e) => { v.group_by = group_by.value; draw(e); sync(); });
  gap.addEventListener("change", (e) => { v.gap = gap.value; draw(e); sync(); });
  loss.addEventListener("input", (e) => { v.max_loss = L.values[+loss.value]; draw(e); });
  loss.addEventListener("change", sync);
  model.on("change:values", () => { Object.assign(v, model.get("values")); draw(); });
  draw();
};
