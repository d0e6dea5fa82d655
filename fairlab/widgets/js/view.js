// fairlab explorers drawn in the browser: Python sends a spec once, every input event is
// handled here (lookup or binary search → readout, table, SVG), and the control values
// are synced back to Python when a control is released. No dependencies, no network.
//
// Two kinds of view share this module:
//   "thresholds": each group's distinct scores (descending) with cumulative true/false
//                 positive counts; a slider move is a binary search per group.
//   "frames":     stepped controls over a precomputed grid; a move picks one frame.

const SVGNS = "http://www.w3.org/2000/svg";

// Registries that the explorer-specific files in js/kinds/ fill (the package concatenates
// them after this file into one ES module, so they share its scope and its helpers):
//   KINDS[name]  = ({ model, el }) => { ... }   a view kind of its own;
//   LAYERS[type] = (g, data, L, ax) => { ... }  a chart layer type, where ax holds the
//                  panel's scales and box: { X, Y, m, W, H, xlim, ylim }.
export const KINDS = {};
export const LAYERS = {};

// --------------------------------------------------------------------------- formatting
// Python's f"{x:.{d}f}" rounds exact binary ties to even; toFixed rounds them up.
export function fmt(x, d = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Object.is(x, -0)) return "-" + (0).toFixed(d); // Python keeps the sign of -0.0
  // toFixed(d + 30) shows the exact binary value's digits: an exact tie is "5" then zeros.
  const exact = Math.abs(x).toFixed(Math.min(100, d + 30));
  const tail = exact.slice(exact.indexOf(".") + 1 + d);
  if (/^50*$/.test(tail)) {
    const f = Math.floor(Math.abs(x) * 10 ** d + 0.25); // the integer below the tie
    const even = f % 2 === 0 ? f : f + 1;
    return (x < 0 ? "-" : "") + (even / 10 ** d).toFixed(d);
  }
  return x.toFixed(d);
}

export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function s(tag, attrs = {}) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

// --------------------------------------------------------------------------- charts
function ticks(lo, hi, n = 5) {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((k) => span / k <= n) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

// A panel: axes, static layers drawn once, dynamic layers updated per frame.
export function chart(spec, colors) {
  const W = spec.width || 380, H = spec.height || 280;
  const m = { l: spec.left || 46, r: 12, t: spec.title ? 24 : 10, b: 38 };
  const [x0, x1] = spec.xlim, [y0, y1] = spec.ylim;
  const X = (v) => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
                         "aria-label": spec.alt || spec.title || "chart" });
  svg.classList.add("fairlab-chart");
  const axes = s("g", { class: "axes" });
  // spec.xticks: optional [[x, label], ...] (e.g. categories drawn at 0, 1, 2, ...)
  for (const [t, text] of spec.xticks || ticks(x0, x1).map((v) => [v, +v.toFixed(6)])) {
    axes.append(s("line", { x1: X(t), x2: X(t), y1: m.t, y2: H - m.b, class: "grid" }));
    const lab = s("text", { x: X(t), y: H - m.b + 14, "text-anchor": "middle" });
    lab.textContent = text;
    axes.append(lab);
  }
  // yticks: [[value, label], ...] names categories (e.g. horizontal bars); else numbers.
  for (const [t, name] of spec.yticks || ticks(y0, y1).map((v) => [v, +v.toFixed(6)])) {
    if (!spec.yticks) axes.append(s("line", { x1: m.l, x2: W - m.r, y1: Y(t), y2: Y(t), class: "grid" }));
    const lab = s("text", { x: m.l - 5, y: Y(t) + 4, "text-anchor": "end" });
    lab.textContent = name;
    axes.append(lab);
  }
  axes.append(s("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, class: "frame" }));
  const texts = [[spec.xlabel, W / 2 + m.l / 2, H - 6, 0], [spec.ylabel, 12, (H - m.b + m.t) / 2, -90],
                 [spec.title, W / 2 + m.l / 2, 15, 0]];
  for (const [t, x, y, rot] of texts) {
    if (!t) continue;
    const node = s("text", { x, y, "text-anchor": "middle", class: rot ? "ylabel" : "label",
                             transform: rot ? `rotate(${rot} ${x} ${y})` : "" });
    node.textContent = t;
    axes.append(node);
  }
  svg.append(axes);
  const layers = {};
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const draw = {
    line(g, data, L) {
      const pts = data.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))
                      .map((p) => `${X(p[0]).toFixed(2)},${Y(p[1]).toFixed(2)}`).join(" ");
      let el = g.firstChild;
      if (!el) { el = s("polyline", { fill: "none", stroke: L.color, "stroke-width": L.width || 1.5,
                                      "stroke-dasharray": L.dash || "" }); g.append(el); }
      el.setAttribute("points", pts);
    },
    points(g, data, L) {
      while (g.childNodes.length > data.length) g.lastChild.remove();
      while (g.childNodes.length < data.length) {
        g.append(s("circle", { r: L.size || 5, fill: L.color, stroke: "white", "stroke-width": 1.5 }));
      }
      data.forEach((p, i) => {
        const c = g.childNodes[i];
        const ok = Number.isFinite(p[0]) && Number.isFinite(p[1]);
        c.setAttribute("cx", ok ? X(p[0]).toFixed(2) : -99);
        c.setAttribute("cy", ok ? Y(p[1]).toFixed(2) : -99);
        c.dataset.x = p[0]; c.dataset.y = p[1];
      });
    },
    bars(g, data, L) { // [x0, x1, height]
      while (g.childNodes.length > data.length) g.lastChild.remove();
      while (g.childNodes.length < data.length) g.append(s("rect", { fill: L.color, opacity: L.opacity || 0.55 }));
      data.forEach(([a, b, v], i) => {
        const r = g.childNodes[i];
        const top = Y(clamp(v, y0, y1)), base = Y(clamp(0, y0, y1));
        r.setAttribute("x", X(a)); r.setAttribute("width", Math.max(0, X(b) - X(a) - 1));
        r.setAttribute("y", Math.min(top, base)); r.setAttribute("height", Math.abs(base - top));
        r.dataset.v = v;
      });
    },
    hbars(g, data, L) { // [y0, y1, value, note]: from 0 to value; the note on the other side of 0
      while (g.childNodes.length > 2 * data.length) g.lastChild.remove();
      while (g.childNodes.length < 2 * data.length) {
        g.append(s("rect", { fill: L.color, opacity: L.opacity || 1 }), s("text", { class: "note" }));
      }
      data.forEach(([a, b, v, note], i) => {
        const r = g.childNodes[2 * i], t = g.childNodes[2 * i + 1];
        const end = X(clamp(v, x0, x1)), base = X(clamp(0, x0, x1));
        r.setAttribute("x", Math.min(end, base)); r.setAttribute("width", Math.abs(end - base));
        r.setAttribute("y", Math.min(Y(a), Y(b))); r.setAttribute("height", Math.abs(Y(b) - Y(a)));
        r.dataset.v = v;
        t.setAttribute("x", X((v > 0 ? -0.05 : 0.05) * x1));
        t.setAttribute("y", Y((a + b) / 2) + 4);
        t.setAttribute("text-anchor", v > 0 ? "end" : "start");
        t.textContent = note ?? "";
      });
    },
    vline(g, x, L) {
      let el = g.firstChild;
      if (!el) { el = s("line", { stroke: L.color, "stroke-dasharray": L.dash || "4 3" }); g.append(el); }
      el.setAttribute("x1", X(x)); el.setAttribute("x2", X(x));
      el.setAttribute("y1", m.t); el.setAttribute("y2", H - m.b);
    },
  };
  const legend = s("g", { class: "legend" });
  let row = 0;
  for (const L of spec.layers) {
    const g = s("g", { class: `layer layer-${L.id}` });
    g.dataset.layer = L.id;
    svg.append(g);
    const ax = { X, Y, m, W, H, xlim: spec.xlim, ylim: spec.ylim };
    const fn = draw[L.type] || ((gg, data, LL) => LAYERS[L.type](gg, data, LL, ax));
    if (!draw[L.type] && !LAYERS[L.type]) throw new Error(`fairlab: unknown layer type ${L.type}`);
    layers[L.id] = (data) => fn(g, data, L);
    if (L.data !== undefined) layers[L.id](L.data);
    if (L.label) { // spec.legend: "lower right" (default), "lower left", "upper left", "upper right"
      const where = spec.legend || "lower right", n = spec.layers.filter((q) => q.label).length;
      const y = where.startsWith("upper") ? m.t + 14 + 14 * row++ : H - m.b - 10 - 14 * (n - 1 - row++);
      const x = where.endsWith("left") ? m.l + 8 : W - m.r - (spec.legendWidth || 110);
      legend.append(L.type === "line"  // a line's sample shows its dash
        ? s("line", { x1: x, x2: x + 12, y1: y - 2, y2: y - 2, stroke: L.color, "stroke-width": 2,
                      "stroke-dasharray": L.dash || "" })
        : s("rect", { x, y: y - 7, width: 10, height: 10, fill: L.color }));
      const t = s("text", { x: x + 16, y: y + 2 });
      t.textContent = L.label;
      legend.append(t);
    }
  }
  svg.append(legend);
  return { svg, layers };
}

export function table(columns, rows) { // cells separated by white space, as pandas writes them
  const head = "<thead><tr><th></th>\n" + columns.map((c) => `<th>${esc(c)}</th>`).join("\n") + "</tr></thead>";
  const body = rows.map(([name, cells]) => `<tr><th>${esc(name)}</th>\n` +
    cells.map((c) => `<td>${esc(c)}</td>`).join("\n") + "</tr>").join("\n");
  return `<table class="dataframe fairlab-table">${head}\n<tbody>${body}</tbody></table>`;
}

export const cell = (x) => (Number.isNaN(x) ? "–" : fmt(x)); // pandas tables show NaN as a dash

// Time from the input event to the frame that shows its result (for the benchmark).
export function stamp(event) {
  const t0 = event && event.timeStamp;
  if (!t0) return;
  requestAnimationFrame((t1) => {
    (window.__fairlabLatency = window.__fairlabLatency || []).push(performance.now() - t0);
  });
}

// --------------------------------------------------------------------------- thresholds
// Group g at threshold t: k = number of distinct scores >= t (scores descending).
export function countsAt(group, t) {
  const sc = group.scores;
  let lo = 0, hi = sc.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sc[mid] >= t) lo = mid + 1; else hi = mid; }
  const tp = group.tp[lo], fp = group.fp[lo];
  return [group.n_neg - fp, fp, group.n_pos - tp, tp];
}

export function ratesOf([tn, fp, fn, tp], cost) {
  const n = tn + fp + fn + tp;
  const div = (a, b) => (b > 0 ? a / b : NaN);
  return { selection_rate: div(tp + fp, n), tpr: div(tp, tp + fn), fpr: div(fp, fp + tn),
           ppv: div(tp, tp + fp), accuracy: div(tp + tn, n),
           profit: -(cost[0] * tn + cost[1] * fp + cost[2] * fn + cost[3] * tp) / n, count: n };
}

const spread = (xs) => {
  const v = xs.filter((x) => !Number.isNaN(x));
  return v.length ? Math.max(...v) - Math.min(...v) : NaN;
};

export function thresholdState(spec, t) {
  const counts = spec.groups.map((g, i) => countsAt(g, t[i]));
  const rates = counts.map((c) => ratesOf(c, spec.cost));
  const tot = counts.reduce((a, c) => a.map((v, j) => v + c[j]), [0, 0, 0, 0]);
  const n = tot[0] + tot[1] + tot[2] + tot[3];
  const c = spec.cost;
  const overall = {
    accuracy: (tot[0] + tot[3]) / n,
    profit: -(c[0] * tot[0] + c[1] * tot[1] + c[2] * tot[2] + c[3] * tot[3]) / n,
    dp_gap: spread(rates.map((r) => r.selection_rate)),
    tpr_gap: spread(rates.map((r) => r.tpr)),
    fpr_gap: spread(rates.map((r) => r.fpr)),
  };
  const ts = spec.groups.map((g, i) => `${g.label} ${fmt(t[i])}`).join(" · ");
  const readout = `thresholds ${ts} · accuracy ${fmt(overall.accuracy)} · profit ${fmt(overall.profit)}` +
    ` · DP gap ${fmt(overall.dp_gap)} · TPR gap ${fmt(overall.tpr_gap)} · FPR gap ${fmt(overall.fpr_gap)}`;
  return { t, counts, rates, overall, readout };
}

function renderThresholds({ model, el }) {
  const spec = model.get("spec");
  const values = { ...model.get("values") };
  const names = spec.groups.map((g) => g.name);
  let t = names.map((k) => values[k]);
  let link = !!values.link;
  let note = "";

  const root = h("div", { class: "fairlab-view fairlab-thresholds" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const controls = h("div", { class: "fairlab-controls" });
  const inputs = spec.groups.map((g, i) => {
    const id = `${model.model_id || "v"}-${g.name}`;
    const input = h("input", { type: "range", min: 0, max: 1, step: spec.step, value: t[i], id,
                               "aria-label": `threshold for group ${g.label}`,
                               class: `fairlab-control-${g.name}` });
    const out = h("output", { for: id, text: fmt(t[i]) });
    // dark text beside a colour swatch: coloured text would fail contrast (WCAG AA)
    const swatch = h("span", { class: "fairlab-swatch", style: `background:${g.color}`, "aria-hidden": "true" });
    controls.append(h("label", { for: id }, [swatch, g.label]), input, out);
    return [input, out];
  });
  const linkBox = h("input", { type: "checkbox", id: `${model.model_id || "v"}-link`, class: "fairlab-control-link" });
  linkBox.checked = link;
  controls.append(h("label", { class: "fairlab-check" }, [linkBox, " link all (one threshold)"]));
  root.append(controls);
  const snaps = h("div", { class: "fairlab-snaps" }, [h("span", { text: "snap to: " })]);
  for (const [key, sn] of Object.entries(spec.snaps || {})) {
    const b = h("button", { type: "button", class: `fairlab-snap-${key}`, text: sn.label,
                            title: `snap the sliders to ${sn.label}` });
    b.addEventListener("click", (e) => {
      t = sn.thresholds.slice(); link = key === "single_threshold"; linkBox.checked = link;
      note = sn.note; draw(e); sync();
    });
    snaps.append(b);
  }
  root.append(snaps);

  const roc = chart({ title: "ROC per group", xlabel: "false-positive rate", ylabel: "true-positive rate",
                      xlim: [0, 1], ylim: [0, 1.01], width: 380, height: 300,
                      alt: "ROC curve of each group with its current operating point",
                      layers: [{ id: "diag", type: "line", color: "#999", dash: "2 3", width: 0.8, data: [[0, 0], [1, 1]] },
                               ...spec.groups.map((g) => ({ id: `roc-${g.name}`, type: "line", color: g.color, label: g.label, data: g.roc })),
                               ...spec.groups.map((g) => ({ id: `pt-${g.name}`, type: "points", color: g.color, size: 6 }))] });
  const confusion = h("div", { class: "fairlab-confusion" });
  const body = h("div", { class: "fairlab-body" }, [roc.svg, confusion]);
  root.append(body);
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(readout, tableEl);
  el.append(root);

  function draw(event) {
    const st = thresholdState(spec, t);
    inputs.forEach(([input, out], i) => { input.value = t[i]; out.textContent = fmt(t[i]); });
    spec.groups.forEach((g, i) => roc.layers[`pt-${g.name}`]([[st.rates[i].fpr, st.rates[i].tpr]]));
    readout.textContent = note ? `${st.readout} · ${note}` : st.readout;
    const cols = ["threshold", "selection rate", "tpr", "fpr", "ppv", "accuracy", "profit", "count"];
    tableEl.innerHTML = table(cols, spec.groups.map((g, i) => {
      const r = st.rates[i];
      return [g.label, [cell(t[i]), cell(r.selection_rate), cell(r.tpr), cell(r.fpr), cell(r.ppv),
                        cell(r.accuracy), cell(r.profit), r.count.toLocaleString("en-US")]];
    }));
    confusion.innerHTML = spec.groups.map((g, i) => {
      const [tn, fp, fn, tp] = st.counts[i];
      const f = (v) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });
      return `<table class="fairlab-cm" aria-label="confusion matrix of ${esc(g.label)}">` +
        `<caption><span class="fairlab-swatch" style="background:${g.color}" aria-hidden="true"></span>${esc(g.label)}</caption>` +
        `<tr><th></th><th>pred 0</th><th>pred 1</th></tr>` +
        `<tr><th>true 0</th><td>${f(tn)}</td><td>${f(fp)}</td></tr>` +
        `<tr><th>true 1</th><td>${f(fn)}</td><td>${f(tp)}</td></tr></table>`;
    }).join("");
    root.dataset.state = JSON.stringify({ t, readout: readout.textContent });
    stamp(event);
  }
  function sync() {
    const v = { link };
    names.forEach((k, i) => { v[k] = t[i]; });
    model.set("values", v);
    model.save_changes();
  }
  inputs.forEach(([input], i) => {
    input.addEventListener("input", (e) => {
      const v = +input.value;
      if (link) t = t.map(() => v); else t[i] = v;
      note = ""; draw(e);
    });
    input.addEventListener("change", sync);
  });
  linkBox.addEventListener("change", (e) => {
    link = linkBox.checked; if (link) t = t.map(() => t[0]); note = ""; draw(e); sync();
  });
  model.on("change:values", () => { // Python moved the controls (e.g. set_values, snap)
    const v = model.get("values");
    const nt = names.map((k) => v[k]);
    if (nt.every((x, i) => x === t[i]) && !!v.link === link) return;
    t = nt; link = !!v.link; linkBox.checked = link; note = ""; draw();
  });
  draw();
}

// --------------------------------------------------------------------------- frames
export function renderFrames({ model, el }) {
  const spec = model.get("spec");
  const idx = spec.controls.map((c) => c.index);
  const root = h("div", { class: "fairlab-view fairlab-frames" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const controls = h("div", { class: "fairlab-controls" });
  // A control is a slider over its stops, or (c.widget === "select") a drop-down list of
  // choices; both are reached with Tab and moved with the arrow keys.
  const inputs = spec.controls.map((c, j) => {
    const id = `${model.model_id || "v"}-${c.name}`;
    let input;
    if (c.widget === "select") {
      input = h("select", { id, "aria-label": c.label, class: `fairlab-control-${c.name}` },
                c.labels.map((lab, i) => h("option", { value: i, text: lab })));
      input.value = String(idx[j]);
    } else {
      input = h("input", { type: "range", min: 0, max: c.labels.length - 1, step: 1, value: idx[j], id,
                           "aria-label": c.label, "aria-valuetext": c.labels[idx[j]],
                           class: `fairlab-control-${c.name}` });
    }
    const out = h("output", { for: id, text: c.widget === "select" ? "" : c.labels[idx[j]] });
    controls.append(h("label", { for: id, text: c.label }), input, out);
    return [input, out];
  });
  root.append(controls);
  const charts = (spec.panels || []).map((p) => chart(p));
  root.append(h("div", { class: "fairlab-body" }, charts.map((c) => c.svg)));
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(readout, tableEl);
  el.append(root);
  const strides = spec.controls.map((_, j) =>
    spec.controls.slice(j + 1).reduce((a, c) => a * c.labels.length, 1));
  function draw(event) {
    const k = idx.reduce((a, v, j) => a + v * strides[j], 0);
    const fr = spec.frames[k];
    inputs.forEach(([input, out], j) => {
      input.value = String(idx[j]);
      if (spec.controls[j].widget === "select") return;
      out.textContent = spec.controls[j].labels[idx[j]];
      input.setAttribute("aria-valuetext", spec.controls[j].labels[idx[j]]);
    });
    readout.textContent = fr.readout;
    tableEl.innerHTML = fr.table || "";
    charts.forEach((c, p) => {
      for (const [id, data] of Object.entries((fr.layers || {})[p] || {})) c.layers[id](data);
    });
    root.dataset.state = JSON.stringify({ index: idx, readout: fr.readout });
    stamp(event);
  }
  function sync() {
    const v = {};
    spec.controls.forEach((c, j) => { v[c.name] = c.values[idx[j]]; });
    model.set("values", v);
    model.save_changes();
  }
  inputs.forEach(([input], j) => {
    if (spec.controls[j].widget === "select") {
      input.addEventListener("change", (e) => { idx[j] = +input.value; draw(e); sync(); });
      return;
    }
    input.addEventListener("input", (e) => { idx[j] = +input.value; draw(e); });
    input.addEventListener("change", sync);
  });
  model.on("change:values", () => {
    const v = model.get("values");
    spec.controls.forEach((c, j) => {
      const at = c.values.findIndex((x) => JSON.stringify(x) === JSON.stringify(v[c.name]));
      if (at >= 0) idx[j] = at;
    });
    draw();
  });
  draw();
}

// The spec travels as one JSON string (compact in saved notebooks); every view reads it as
// model.get("spec"), parsed once here. Other calls go to the model itself.
export function withSpec(model) {
  const raw = model.get("spec_json");
  if (typeof raw !== "string") return model;
  const spec = JSON.parse(raw);
  return new Proxy(model, {
    get(target, key) {
      if (key === "get") return (name) => (name === "spec" ? spec : target.get(name));
      const v = target[key];
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

function render(ctx) {
  ctx = { ...ctx, model: withSpec(ctx.model) };
  // Keys typed into our controls are theirs: JupyterLab's shortcuts must not take them.
  ctx.el.addEventListener("keydown", (e) => e.stopPropagation());
  const kind = ctx.model.get("kind");
  if (kind === "thresholds") return renderThresholds(ctx);
  if (kind === "frames") return renderFrames(ctx);
  if (KINDS[kind]) return KINDS[kind](ctx);
  ctx.el.textContent = `fairlab: unknown view kind ${kind}`;
}

export default { render };
