// Kind "monitor": the fairness monitor's dashboard (lesson 08), drawn in the page.
// Python sends, once, every per-day array of each (metric, window) choice; the page
// applies the day (one row) and the alert limit (a comparison and a run length over
// the days, as FairnessMonitor.evaluate does) on every input event.
// Lesson: 08-monitoring-after-deployment

// A line that breaks where y is null (matplotlib leaves NaN undrawn).
LAYERS["monitor-path"] = (g, data, L, ax) => {
  let d = "", pen = false;
  for (const [x, y] of data) {
    if (y === null || !Number.isFinite(y)) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${ax.X(x).toFixed(2)},${ax.Y(y).toFixed(2)}`;
    pen = true;
  }
  let el = g.firstChild;
  if (!el) {
    el = s("path", { fill: "none", stroke: L.color, "stroke-width": L.width || 1.6,
                     "stroke-dasharray": L.dash || "", "stroke-linecap": "butt" });
    g.append(el);
  }
  el.setAttribute("d", d);
};

// A band between [x, low, high] rows: one polygon per run of defined days.
LAYERS["monitor-band"] = (g, data, L, ax) => {
  const runs = [];
  let run = [];
  for (const p of data) {
    if (p[1] === null || p[2] === null) { if (run.length) runs.push(run); run = []; } else run.push(p);
  }
  if (run.length) runs.push(run);
  const d = runs.map((r) => "M" + r.map((p) => `${ax.X(p[0]).toFixed(2)},${ax.Y(p[2]).toFixed(2)}`).join("L") +
    "L" + r.slice().reverse().map((p) => `${ax.X(p[0]).toFixed(2)},${ax.Y(p[1]).toFixed(2)}`).join("L") + "Z").join("");
  let el = g.firstChild;
  if (!el) { el = s("path", { fill: L.color, opacity: L.opacity || 0.2, stroke: "none" }); g.append(el); }
  el.setAttribute("d", d);
};

// A horizontal line at y across the panel.
LAYERS["monitor-hline"] = (g, y, L, ax) => {
  let el = g.firstChild;
  if (!el) { el = s("line", { stroke: L.color, "stroke-width": L.width || 1.2, "stroke-dasharray": L.dash || "5 3" }); g.append(el); }
  el.setAttribute("x1", ax.m.l); el.setAttribute("x2", ax.W - ax.m.r);
  el.setAttribute("y1", ax.Y(y)); el.setAttribute("y2", ax.Y(y));
  el.dataset.y = y;
};

// Short vertical ticks at [x, y] (complaints logged on a day).
LAYERS["monitor-ticks"] = (g, data, L, ax) => {
  const d = data.map(([x, y]) => `M${ax.X(x).toFixed(2)},${(ax.Y(y) - 4).toFixed(2)}v8`).join("");
  let el = g.firstChild;
  if (!el) { el = s("path", { stroke: L.color, "stroke-width": 1.5, fill: "none" }); g.append(el); }
  el.setAttribute("d", d);
};

// Downward triangles at [x, y] (the days an alert was raised).
LAYERS["monitor-raised"] = (g, data, L, ax) => {
  const d = data.filter(([, y]) => y !== null && Number.isFinite(y))
    .map(([x, y]) => { const X = ax.X(x), Y = ax.Y(y); return `M${(X - 5).toFixed(2)},${(Y - 5).toFixed(2)}h10l-5,9Z`; }).join("");
  let el = g.firstChild;
  if (!el) { el = s("path", { fill: L.color, stroke: "none" }); g.append(el); }
  el.setAttribute("d", d);
  g.dataset.days = JSON.stringify(data.map((p) => p[0]));
};

const isNum = (x) => x !== null && x !== undefined && Number.isFinite(x);

// Python's f"{v:,.0f}" for a whole number.
const thousands = (v) => Math.round(v).toLocaleString("en-US");

// What the dashboard shows for one setting: Python's MonitorExplorer.compute + render.
export function monitorState(spec, v) {
  const ser = spec.series[`${v.metric}|${v.window}`];
  const met = spec.metrics.find((m) => m.name === v.metric);
  const n = spec.n_days, first = spec.first_day, limit = v.limit;
  const i = v.day - first;
  const signal = ser[spec.signal];
  const status = new Array(n), raised = [];
  let run = 0;
  for (let t = 0; t < n; t++) {
    const breach = ser.skip[t] === 0 && isNum(signal[t]) && signal[t] > limit;
    run = breach ? run + 1 : 0;
    status[t] = ser.skip[t] === 1 ? "warming up" : ser.skip[t] === 2 ? "too few rows"
      : run >= spec.consecutive ? "ALERT" : breach ? "over limit" : "ok";
    if (run === spec.consecutive) raised.push(first + t);
  }
  const earlier = raised.filter((d) => d <= v.day);
  const last = earlier.length ? earlier[earlier.length - 1] : null;
  const gap = ser.gap[i];
  const parts = [`day ${v.day}`, `window ${v.window} d`, `${met.label} ${fmt(gap)}`];
  if (isNum(ser.low[i])) parts[2] += ` [${fmt(ser.low[i])}, ${fmt(ser.high[i])}]`;
  parts.push(`limit ${fmt(limit, 2)}`, status[i]);
  if (last !== null) parts.push(`last alert raised day ${last}`);
  parts.push(`alerts so far ${earlier.length}`);
  const inWindow = ser.complaints.reduce((a, col) => a + col[i], 0);
  parts.push(`complaints in window ${inWindow}` + (ser.review[i] ? " · REVIEW" : ""));
  // the table: pandas' to_html of the day's per-group frame, as metrics_table_html writes it
  const cols = ["n", met.rate, "low", "high", "complaints"];
  const c = (x) => (isNum(x) ? fmt(x) : "–");
  const rows = spec.groups.map((g, j) => [g, [thousands(ser.n[j][i]), c(ser.rates[j][i]),
    c(ser.rate_low[j][i]), c(ser.rate_high[j][i]), String(ser.complaints[j][i])]]);
  const td = (t, x) => `      <${t}>${esc(x)}</${t}>\n`;
  const frame = '<table border="0" class="dataframe fairlab-table">\n  <thead>\n' +
    '    <tr style="text-align: right;">\n' + td("th", "") + cols.map((x) => td("th", x)).join("") +
    "    </tr>\n    <tr>\n" + td("th", "group") + cols.map(() => td("th", "")).join("") +
    "    </tr>\n  </thead>\n  <tbody>\n" +
    rows.map(([g, cells]) => "    <tr>\n" + td("th", g) + cells.map((x) => td("td", x)).join("") +
      "    </tr>\n").join("") + "  </tbody>\n</table>";
  const fb = spec.feedback;
  const recent = [];
  for (let k = 0; k < fb.day.length; k++) {
    if (fb.day[k] <= v.day && fb.day[k] > v.day - v.window) recent.push(k);
  }
  let notes = "";
  if (recent.length) {
    notes = "<b>Latest feedback in the window</b><ul>" + recent.slice(-3).map((k) =>
      `<li>day ${fb.day[k]} · group ${esc(fb.group[k])} · ${esc(fb.kind[k])}: ` +
      `${esc(fb.texts[fb.text[k]])}</li>`).join("") + "</ul>";
  }
  const table = `<b>Day ${v.day}: each group over the last ${v.window} days</b>` + frame + notes;
  // the gap panel's height, as update_dashboard sets it
  let top = Math.max(limit * 1.6, 0.05);
  for (let t = 0; t < n; t++) {
    if (ser.skip[t] === 1) continue;
    if (isNum(ser.gap[t])) top = Math.max(top, ser.gap[t] * 1.3);
    if (isNum(ser.high[t])) top = Math.max(top, ser.high[t] * 1.2);
  }
  return { i, status, raised, readout: parts.join(" · "), table, top, series: ser, metric: met };
}

KINDS["monitor"] = ({ model, el }) => {
  const spec = model.get("spec");
  const v0 = model.get("values");
  const lim = spec.limit;
  const nLim = Math.round((lim.max - lim.min) / lim.step);
  const limitAt = (k) => +(lim.min + k * lim.step).toFixed(10);
  const limitIndex = (x) => Math.max(0, Math.min(nLim, Math.round((x - lim.min) / lim.step)));
  const last = spec.first_day + spec.n_days - 1;
  const v = { day: v0.day, window: v0.window, limit: limitAt(limitIndex(v0.limit)), metric: v0.metric };

  const root = h("div", { class: "fairlab-view fairlab-monitor" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const controls = h("div", { class: "fairlab-controls" });
  const id = (k) => `${model.model_id || "v"}-${k}`;
  const range = (name, label, max, value) => {
    const input = h("input", { type: "range", min: 0, max, step: 1, value, id: id(name),
                               "aria-label": label, class: `fairlab-control-${name}` });
    const out = h("output", { for: id(name) });
    controls.append(h("label", { for: id(name), text: label }), input, out);
    return [input, out];
  };
  const [dayIn, dayOut] = range("day", "day", spec.n_days - 1, v.day - spec.first_day);
  dayIn.min = spec.first_day; dayIn.max = last; dayIn.value = v.day;
  const play = h("button", { type: "button", class: "fairlab-play", text: "▶ play",
                             "aria-label": "play the days", "aria-pressed": "false" });
  controls.append(h("span"), h("div", {}, [play]), h("span"));
  const [winIn, winOut] = range("window", "window (days)", spec.windows.length - 1,
                                spec.windows.indexOf(v.window));
  const [limIn, limOut] = range("limit", "alert limit", nLim, limitIndex(v.limit));
  const metIn = h("select", { id: id("metric"), "aria-label": "metric", class: "fairlab-control-metric" },
                  spec.metrics.map((m, k) => h("option", { value: k, text: m.label })));
  controls.append(h("label", { for: id("metric"), text: "metric" }), metIn, h("output"));
  root.append(controls);
  const body = h("div", { class: "fairlab-body" });
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(body, readout, tableEl);
  el.append(root);

  let built = "", charts = null;
  const x0 = spec.first_day - 0.5, x1 = last + 0.5;
  const days = Array.from({ length: spec.n_days }, (_, t) => spec.first_day + t);
  function build(st) { // axes, limits and labels change with the metric, the window and the top
    const key = `${v.metric}|${v.window}|${st.top}`;
    if (key === built) return;
    built = key;
    const ser = st.series, met = st.metric;
    const shown = (arr) => days.map((d, t) => [d, ser.skip[t] === 1 ? null : arr[t]]);
    const rate = chart({
      title: "each group's rate over the window", ylabel: `${met.rate_label} (${v.window}-day window)`,
      xlim: [x0, x1], ylim: [0, 1.1], width: 640, height: 250, legend: "lower left", legendWidth: 150,
      alt: "each group's rate over the rolling window, day by day, with its bootstrap band, " +
           "complaint ticks, review periods and the chosen day marked",
      layers: [
        ...spec.groups.map((g, j) => ({ id: `band${j}`, type: "monitor-band", color: spec.colors[j],
          data: days.map((d, t) => [d, ser.skip[t] === 1 ? null : ser.rate_low[j][t],
                                    ser.skip[t] === 1 ? null : ser.rate_high[j][t]]) })),
        ...spec.groups.map((g, j) => ({ id: `line${j}`, type: "monitor-path", color: spec.colors[j],
          label: `group ${g}`, data: shown(ser.rates[j]) })),
        ...spec.groups.map((g, j) => ({ id: `ticks${j}`, type: "monitor-ticks", color: spec.colors[j],
          data: spec.new_complaints[j].map((t) => [spec.first_day + t, 1.02 - 0.05 * j]) })),
        { id: "review", type: "monitor-path", color: spec.review_color, width: 5,
          label: "review (complaints)", data: days.map((d, t) => [d, ser.review[t] ? 1.08 : null]) },
        { id: "cursor", type: "vline", color: "#777777", dash: "1 2" },
        ...spec.groups.map((g, j) => ({ id: `dot${j}`, type: "points", color: spec.colors[j], size: 5 })),
      ] });
    const gap = chart({
      title: `${met.title}: the limit and the alerts`, xlabel: "day", ylabel: met.label,
      xlim: [x0, x1], ylim: [0, st.top], width: 640, height: 230, legend: "upper left", legendWidth: 150,
      alt: "the gap between the groups over the rolling window, its bootstrap band, the alert " +
           "limit, the days in ALERT and the days alerts were raised",
      layers: [
        { id: "gapband", type: "monitor-band", color: "#808080", opacity: 0.25,
          data: days.map((d, t) => [d, ser.skip[t] === 1 ? null : ser.low[t], ser.skip[t] === 1 ? null : ser.high[t]]) },
        { id: "gap", type: "monitor-path", color: "#000000", label: "gap", data: shown(ser.gap) },
        { id: "limit", type: "monitor-hline", color: spec.alert_color, label: "limit" },
        { id: "alert", type: "monitor-path", color: spec.alert_color, width: 5, label: "ALERT" },
        { id: "raised", type: "monitor-raised", color: spec.alert_color, label: "alert raised" },
        { id: "cursor", type: "vline", color: "#777777", dash: "1 2" },
        { id: "gapdot", type: "points", color: "#000000", size: 5 },
      ] });
    body.replaceChildren(rate.svg, gap.svg);
    charts = { rate, gap };
  }
  function draw(event) {
    const st = monitorState(spec, v);
    build(st);
    const ser = st.series, i = st.i;
    dayIn.value = v.day; dayOut.textContent = String(v.day);
    dayIn.setAttribute("aria-valuetext", `day ${v.day}`);
    winIn.value = spec.windows.indexOf(v.window); winOut.textContent = `${v.window} d`;
    winIn.setAttribute("aria-valuetext", `${v.window} days`);
    limIn.value = limitIndex(v.limit); limOut.textContent = fmt(v.limit, 2);
    limIn.setAttribute("aria-valuetext", fmt(v.limit, 2));
    metIn.value = String(spec.metrics.indexOf(st.metric));
    const { rate, gap } = charts;
    rate.layers.cursor(v.day);
    spec.groups.forEach((g, j) => rate.layers[`dot${j}`]([[v.day, ser.rates[j][i]]]));
    gap.layers.cursor(v.day);
    gap.layers.gapdot([[v.day, ser.gap[i]]]);
    gap.layers.limit(v.limit);
    gap.layers.alert(days.map((d, t) => [d, st.status[t] === "ALERT" ? st.top * 0.985 : null]));
    gap.layers.raised(st.raised.map((d) => [d, ser.gap[d - spec.first_day]]));
    readout.textContent = st.readout;
    tableEl.innerHTML = st.table;
    root.dataset.state = JSON.stringify({ values: v, readout: st.readout, raised: st.raised });
    stamp(event);
  }
  function sync() {
    model.set("values", { ...v });
    model.save_changes();
  }
  let timer = null;
  function stop() {
    if (timer === null) return;
    clearInterval(timer); timer = null;
    play.textContent = "▶ play"; play.setAttribute("aria-pressed", "false");
    sync();
  }
  play.addEventListener("click", () => {
    if (timer !== null) { stop(); return; }
    if (v.day >= last) v.day = spec.first_day;
    play.textContent = "❚❚ pause"; play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => { if (v.day >= last) { stop(); return; } v.day += 1; draw(); }, 80);
  });
  dayIn.addEventListener("input", (e) => { v.day = +dayIn.value; draw(e); });
  winIn.addEventListener("input", (e) => { v.window = spec.windows[+winIn.value]; draw(e); });
  limIn.addEventListener("input", (e) => { v.limit = limitAt(+limIn.value); draw(e); });
  for (const input of [dayIn, winIn, limIn]) input.addEventListener("change", () => { stop(); sync(); });
  metIn.addEventListener("change", (e) => { v.metric = spec.metrics[+metIn.value].name; draw(e); sync(); });
  model.on("change:values", () => { // Python moved the controls
    const nv = model.get("values");
    const same = nv.day === v.day && nv.window === v.window && nv.metric === v.metric &&
      limitAt(limitIndex(nv.limit)) === v.limit;
    if (same) return;
    Object.assign(v, { day: nv.day, window: nv.window, metric: nv.metric, limit: limitAt(limitIndex(nv.limit)) });
    draw();
  });
  draw();
};
