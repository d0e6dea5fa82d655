// Kind "embedding": occupations on the gender direction (lesson 10), drawn in the page.
// Python sends every option's projection in both spaces once; picking words or the
// space is a sort, a mean and a table, computed here as EmbeddingExplorer.compute does.
// Lesson: 10-bias-in-word-embeddings

// numpy's float sum (pairwise, eight accumulators per block of <= 128), so that a mean
// computed here rounds exactly as numpy's does.
export function npSum(a, lo = 0, n = a.length) {
  if (n < 8) {
    let r = -0;
    for (let i = lo; i < lo + n; i++) r += a[i];
    return r;
  }
  if (n <= 128) {
    const r = a.slice(lo, lo + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return npSum(a, lo, n2) + npSum(a, lo + n2, n - n2);
}

// Python's f"{x:+.{d}f}".
const signed = (x, d = 3) => (x < 0 || Object.is(x, -0) ? "" : "+") + fmt(x, d);

export function embeddingState(spec, v) {
  const at = new Map(spec.options.map((w, i) => [w, i]));
  const selected = [...new Set(v.words)].filter((w) => at.has(w));
  const kept = selected.slice(0, spec.max_words);
  const rows = kept.map((w) => {
    const i = at.get(w);
    return { word: w, original: spec.original[i], debiased: spec.debiased[i] };
  });
  rows.sort((a, b) => -a.original - -b.original); // stable, most female-leaning first
  for (const r of rows) { r.change = r.debiased - r.original; r.shown = r[v.space]; }
  let readout;
  if (!rows.length) {
    readout = `${v.space} vectors · no words picked: select occupations in the list`;
  } else {
    let hi = 0, lo = 0;
    rows.forEach((r, k) => { if (r.shown > rows[hi].shown) hi = k; if (r.shown < rows[lo].shown) lo = k; });
    const female = rows[hi].shown >= 0.0005
      ? `most female-leaning ${rows[hi].word} ${signed(rows[hi].shown)}` : "none leans female";
    const male = rows[lo].shown <= -0.0005
      ? `most male-leaning ${rows[lo].word} ${signed(rows[lo].shown)}` : "none leans male";
    const mean = npSum(rows.map((r) => Math.abs(r.shown))) / rows.length;
    readout = `${v.space} vectors · ${rows.length} words · mean |projection| ${fmt(mean)} · ${female} · ${male}`;
    if (selected.length > kept.length) readout += ` · showing the first ${kept.length} of ${selected.length}`;
  }
  const cols = ["original", "debiased", "debiased − original"];
  const td = (t, x) => `      <${t}>${esc(x)}</${t}>\n`;
  const table = '<table class="dataframe fairlab-table">\n  <thead>\n    <tr style="text-align: right;">\n' +
    td("th", "") + cols.map((c) => td("th", c)).join("") + "    </tr>\n    <tr>\n" + td("th", "word") +
    cols.map(() => td("th", "")).join("") + "    </tr>\n  </thead>\n  <tbody>\n" +
    rows.map((r) => "    <tr>\n" + td("th", r.word) + [r.original, r.debiased, r.change]
      .map((x) => td("td", Number.isFinite(x) ? fmt(x) : "–")).join("") + "    </tr>\n").join("") +
    "  </tbody>\n</table>";
  return { rows, readout, table, selected };
}

// Bars from 0 to each shown projection: [slot y, shown, original, word]; the word sits on
// the other side of zero from the original projection (as the static figure puts it).
LAYERS["embedding-bars"] = (g, data, L, ax) => {
  g.replaceChildren();
  const top = ax.xlim[1];
  for (const [y, v, orig, word] of data) {
    const a = ax.X(0), b = ax.X(v);
    g.append(s("rect", { x: Math.min(a, b), width: Math.abs(b - a), y: ax.Y(y + 0.35),
                         height: Math.abs(ax.Y(y - 0.35) - ax.Y(y + 0.35)),
                         fill: v > 0 ? L.female : L.male, "data-v": v }));
    const left = orig > 0;
    const t = s("text", { x: ax.X(left ? -0.02 * top : 0.02 * top), y: ax.Y(y) + 4,
                          "text-anchor": left ? "end" : "start", class: "note" });
    t.textContent = `${word}  ${Math.abs(v) >= 0.005 ? signed(v, 2) : "0.00"}`;
    g.append(t);
  }
};

KINDS["embedding"] = ({ model, el }) => {
  const spec = model.get("spec");
  const v = { words: [...model.get("values").words], space: model.get("values").space };
  const root = h("div", { class: "fairlab-view fairlab-embedding" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const id = (k) => `${model.model_id || "v"}-${k}`;
  const words = h("select", { id: id("words"), multiple: "", size: 10, class: "fairlab-control-words",
                              "aria-label": "occupations (ctrl- or shift-click to pick several)" },
                  spec.options.map((w) => h("option", { value: w, text: w })));
  const space = h("select", { id: id("space"), class: "fairlab-control-space", "aria-label": "vectors" },
                  spec.spaces.map((sp) => h("option", { value: sp, text: sp })));
  const controls = h("div", { class: "fairlab-controls" }, [
    h("label", { for: id("words"), text: "occupations" }), words, h("output"),
    h("label", { for: id("space"), text: "vectors" }), space, h("output")]);
  const body = h("div", { class: "fairlab-body" });
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(controls, body, readout, tableEl);
  el.append(root);
  const n = spec.max_words;
  let panel = null, builtFor = "";
  function draw(event) {
    const st = embeddingState(spec, v);
    if (builtFor !== v.space) {
      builtFor = v.space;
      panel = chart({ title: `Projection on the gender direction — ${v.space} vectors`,
        xlabel: spec.xlabel, xlim: spec.xlim, ylim: [-0.7, n - 0.3], width: 640, height: 22 * n + 70,
        left: 20, yticks: [], legend: "lower right", legendWidth: 130,
        alt: "a bar per picked occupation: its projection on the gender direction in the chosen " +
             "vectors; circles mark the original projection",
        layers: [{ id: "zero", type: "vline", color: "#000000", dash: "none", data: 0 },
                 { id: "bars", type: "embedding-bars", female: spec.female, male: spec.male },
                 { id: "marks", type: "points", color: "#000000", size: 4, label: "original projection" }] });
      body.replaceChildren(panel.svg);
    }
    const slot = (k) => n - 1 - k; // slot 0 at the top
    panel.layers.bars(st.rows.map((r, k) => [slot(k), r.shown, r.original, r.word]));
    panel.layers.marks(st.rows.map((r, k) => [r.original, slot(k)]));
    panel.svg.querySelectorAll(".layer-marks circle").forEach((c) => {
      c.setAttribute("stroke", "#000000"); c.setAttribute("stroke-width", 1); c.setAttribute("fill", "none");
    });
    const picked = new Set(v.words);
    for (const o of words.options) o.selected = picked.has(o.value);
    space.value = v.space;
    readout.textContent = st.readout;
    tableEl.innerHTML = st.table;
    root.dataset.state = JSON.stringify({ values: v, readout: st.readout });
    stamp(event);
  }
  function sync() {
    model.set("values", { words: [...v.words], space: v.space });
    model.save_changes();
  }
  words.addEventListener("change", (e) => {
    v.words = [...words.selectedOptions].map((o) => o.value); draw(e); sync();
  });
  space.addEventListener("change", (e) => { v.space = space.value; draw(e); sync(); });
  model.on("change:values", () => { // Python moved the controls
    const nv = model.get("values");
    if (JSON.stringify(nv.words) === JSON.stringify(v.words) && nv.space === v.space) return;
    v.words = [...nv.words]; v.space = nv.space; draw();
  });
  draw();
};
