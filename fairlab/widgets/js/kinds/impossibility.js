// "impossibility": ImpossibilityExplorer (lesson 05) computed in the page.
//
// Four sliders (two base rates, the classifier's AUC, group A's TPR). Every input event
// recomputes fairlab.calibration.impossibility_calculator's closed forms here and redraws:
// the binormal ROC curve TPR = Φ(Φ⁻¹(FPR) + d'), d' = √2·Φ⁻¹(AUC); each group's rates at
// the shared operating point; Chouldechova's (2017) identity
// FPR = p/(1 − p) · (1 − PPV)/PPV · (1 − FNR) for the point that matches group A's PPV and
// FNR, and whether the ROC curve reaches it. Sent once by Python, as exact numbers: the
// shared point's FPR for every (AUC, TPR) stop and Kleinberg et al.'s balance means for
// every (AUC, base rate) stop (a 4001-point integral). Every printed number is therefore
// the same IEEE arithmetic as Python's, in the same order, and prints the same (fmt).
// Lesson: 05-fairness-metrics

// ---------------------------------------------------------------- the normal distribution
// Φ: W. J. Cody, "Rational Chebyshev approximations for the error function",
// Math. Comp. 23 (1969) 631–637, as in his ANORM (ACM TOMS Algorithm 715, 1993):
// three rational approximations (|x| ≤ 0.67, ≤ √32, beyond), about 1e-16 relative error;
// exp(−x²/2) is split as exp(−xs²/2)·exp(−(x − xs)(x + xs)/2) to keep its accuracy.
const CODY_A = [2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582,
  18154.981253343561249, 0.065682337918207449113];
const CODY_B = [47.20258190468824187, 976.09855173777669322, 10260.932208618978205,
  45507.789335026729956];
const CODY_C = [0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979,
  597.27027639480026226, 2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124,
  9842.7148383839780218, 1.0765576773720192317e-8];
const CODY_D = [22.266688044328115691, 235.38790178262499861, 1519.377599407554805,
  6485.558298266760755, 18615.571640885098091, 34900.952721145977266, 38912.003286093271411,
  19685.429676859990727];
const CODY_P = [0.21589853405795699, 0.1274011611602473639, 0.022235277870649807,
  0.001421619193227893466, 2.9112874951168792e-5, 0.02307344176494017303];
const CODY_Q = [1.28426009614491121, 0.468238212480865118, 0.0659881378689285515,
  0.00378239633202758244, 7.29751555083966205e-5];
const INV_SQRT_2PI = 0.398942280401432677939946059934;

export function normCdf(x) {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  const y = Math.abs(x);
  if (y <= 0.66291) {
    const xsq = y > 1.11e-16 ? x * x : 0;
    let num = CODY_A[4] * xsq, den = xsq;
    for (let i = 0; i < 3; i++) { num = (num + CODY_A[i]) * xsq; den = (den + CODY_B[i]) * xsq; }
    return 0.5 + (x * (num + CODY_A[3])) / (den + CODY_B[3]);
  }
  let tail; // the upper tail Q(|x|) = 1 − Φ(|x|)
  if (y <= Math.sqrt(32)) {
    let num = CODY_C[8] * y, den = y;
    for (let i = 0; i < 7; i++) { num = (num + CODY_C[i]) * y; den = (den + CODY_D[i]) * y; }
    tail = (num + CODY_C[7]) / (den + CODY_D[7]);
  } else {
    if (y > 38.5) return x > 0 ? 1 : 0;
    const xsq = 1 / (x * x);
    let num = CODY_P[5] * xsq, den = xsq;
    for (let i = 0; i < 4; i++) { num = (num + CODY_P[i]) * xsq; den = (den + CODY_Q[i]) * xsq; }
    tail = (INV_SQRT_2PI - (xsq * (num + CODY_P[4])) / (den + CODY_Q[4])) / y;
  }
  const xs = Math.trunc(y * 16) / 16;
  tail *= Math.exp(-xs * xs * 0.5) * Math.exp(-(y - xs) * (y + xs) * 0.5);
  return x > 0 ? 1 - tail : tail;
}

// Φ⁻¹: M. J. Wichura, "Algorithm AS 241: The percentage points of the normal
// distribution", Applied Statistics 37 (1988) 477–484 (PPND16, about 1e-16 relative error).
const AS241_A = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427,
  13731.693765509461125, 45921.953931549871457, 67265.770927008700853,
  33430.575583588128105, 2509.0809287301226727];
const AS241_B = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
  21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925];
const AS241_C = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055,
  3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177,
  0.0227238449892691845833, 7.7454501427834140764e-4];
const AS241_D = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
  0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
  1.05075007164441684324e-9];
const AS241_E = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358,
  0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386,
  2.71155556874348757815e-5, 2.01033439929228813265e-7];
const AS241_F = [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
  7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
  2.04426310338993978564e-15];

const impPoly = (c, x) => c.reduceRight((acc, k) => acc * x + k, 0); // Horner: c[0] + c[1]·x + …

export function normPpf(p) {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * impPoly(AS241_A, r)) / impPoly(AS241_B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let v;
  if (r <= 5) { r -= 1.6; v = impPoly(AS241_C, r) / impPoly(AS241_D, r); }
  else { r -= 5; v = impPoly(AS241_E, r) / impPoly(AS241_F, r); }
  return q < 0 ? -v : v;
}

// fairlab.calibration.binormal_roc: TPR at false-positive rate f; d = null stands for ∞ (AUC 1).
export function binormalRoc(f, d) {
  if (f === 0) return d === null ? 1 : 0;
  if (f === 1) return 1;
  return d === null ? 1 : normCdf(normPpf(f) + d);
}

// ---------------------------------------------------------------- the calculator's state
const impNearest = (stops, v) => stops.reduce((best, x, i) =>
  (Math.abs(x - v) < Math.abs(stops[best] - v) ? i : best), 0);

function impRatesAt(p, fpr, tpr) { // fairlab.calibration._rates_at, one group
  const sel = p * tpr + (1 - p) * fpr;
  return { base_rate: p, selection_rate: sel, tpr, fpr, fnr: 1 - tpr,
           ppv: sel > 0 ? (p * tpr) / sel : NaN };
}

const impSpread = (xs) => Math.max(...xs) - Math.min(...xs);
const impClip = (x) => (Number.isNaN(x) ? 0 : Math.min(1, Math.max(0, x)));

// The state for control values v = {base_rate_a, base_rate_b, auc, tpr} (snapped to stops).
export function impossibilityState(spec, v) {
  const [cA, cB, cAuc, cTpr] = spec.controls;
  const ia = impNearest(cA.values, v.base_rate_a), ib = impNearest(cB.values, v.base_rate_b);
  const iu = impNearest(cAuc.values, v.auc), it = impNearest(cTpr.values, v.tpr);
  const p = [cA.values[ia], cB.values[ib]], auc = cAuc.values[iu], tpr = cTpr.values[it];
  const d = spec.dprime[iu], fpr = spec.fpr[iu][it], tol = spec.tol;
  const same = p.map((pi) => impRatesAt(pi, fpr, tpr));
  const ppv0 = same[0].ppv;
  const need = p.map((pi) => pi / (1 - pi) * (1 - ppv0) / ppv0 * tpr);
  const par = p.map((pi, i) => impRatesAt(pi, need[i], tpr));
  const feasible = need.map((n) => n <= 1 && tpr <= binormalRoc(Math.min(n, 1), d) + 1e-12);
  const bal = [ia, ib].map((i) => spec.balance[iu][i]); // both base rates share the stops
  const ppvGap = impSpread(same.map((r) => r.ppv)), selGap = impSpread(same.map((r) => r.selection_rate));
  const fprGap = impSpread(need);
  const balGap = Math.max(impSpread(bal.map((b) => b[0])), impSpread(bal.map((b) => b[1])));
  const allFeasible = feasible.every(Boolean);
  const criteria = [
    ["equal FPR and FNR (equalized odds)", true, `every group at FPR ${fmt(fpr)}, TPR ${fmt(tpr)}`],
    ["equal FPR and FNR + predictive parity", ppvGap < tol,
     `PPV gap ${fmt(ppvGap)} at a shared operating point`],
    ["predictive parity + equal FNR + equal FPR", fprGap < tol && allFeasible,
     `equal PPV and FNR force an FPR gap of ${fmt(fprGap)}` +
     (allFeasible ? "" : "; some group would need a better classifier than exists")],
    ["calibration within groups + balance for both classes", balGap < tol,
     `mean calibrated score of positives (or negatives) differs by ${fmt(balGap)}`],
    ["demographic parity + equal FPR and FNR", selGap < tol,
     `selection-rate gap ${fmt(selGap)} at a shared operating point`],
  ];
  const [A, B] = spec.groups;
  const readout = `base rates ${A} ${fmt(p[0], 2)} / ${B} ${fmt(p[1], 2)} · AUC ${fmt(auc, 2)} · ` +
    `same error rates → PPV ${fmt(same[0].ppv)} vs ${fmt(same[1].ppv)} · ` +
    `same PPV & FNR → FPR ${fmt(need[0])} vs ${fmt(need[1])} ` +
    `(${feasible[1] ? "reachable" : "not reachable"})`;
  // the same HTML as Python's criteria_html
  const table = "<table class='fairlab-table'><thead><tr><th>criteria together</th><th></th>" +
    "<th>why</th></tr></thead><tbody>" + criteria.map(([name, ok, why]) =>
      `<tr><td>${esc(name)}</td><td style='white-space: nowrap'>` +
      `${ok ? "✓ can hold" : "✗ cannot"}</td><td>${esc(why)}</td></tr>`).join("") +
    "</tbody></table>";
  // ImpossibilityState.bars: per group FPR, FNR, PPV at the shared point, then with A's PPV, FNR
  const bars = [0, 1].map((i) => [same[i].fpr, same[i].fnr, same[i].ppv,
                                  par[i].fpr, par[i].fnr, par[i].ppv].map(impClip));
  const roc = spec.roc_fpr.map((f) => [f, binormalRoc(f, d)]);
  return { index: [ia, ib, iu, it], values: { base_rate_a: p[0], base_rate_b: p[1], auc, tpr },
           fpr, tpr, same, par, need, feasible, criteria, readout, table, bars, roc };
}

// ---------------------------------------------------------------- drawing
// A text layer: data [[x, y, text, anchor?], ...].
LAYERS["impossibility-text"] = (g, data, L, ax) => {
  while (g.childNodes.length > data.length) g.lastChild.remove();
  while (g.childNodes.length < data.length) g.append(s("text", { class: "note", "font-size": 11 }));
  data.forEach(([x, y, text, anchor], i) => {
    const t = g.childNodes[i];
    t.setAttribute("x", ax.X(x)); t.setAttribute("y", ax.Y(y));
    t.setAttribute("text-anchor", anchor || "middle");
    t.textContent = text;
  });
};

// The point group B needs: [x, y, reachable] — a ring in B's colour, or a black cross when
// no classifier of this AUC reaches it.
LAYERS["impossibility-need"] = (g, [x, y, ok], L, ax) => {
  if (!g.firstChild) {
    g.append(s("circle", { r: 6, fill: "white", stroke: L.color, "stroke-width": 2.5 }),
             s("path", { stroke: "black", "stroke-width": 2.5, fill: "none" }));
  }
  const [ring, cross] = g.childNodes;
  const cx = ax.X(x), cy = ax.Y(y);
  ring.setAttribute("cx", cx); ring.setAttribute("cy", cy);
  ring.setAttribute("visibility", ok ? "visible" : "hidden");
  cross.setAttribute("d", `M${cx - 5},${cy - 5}L${cx + 5},${cy + 5}M${cx - 5},${cy + 5}L${cx + 5},${cy - 5}`);
  cross.setAttribute("visibility", ok ? "hidden" : "visible");
  g.dataset.x = x; g.dataset.y = y; g.dataset.reachable = ok;
};

const IMP_BAR_X = [0, 1, 2, 3.6, 4.6, 5.6]; // matplotlib's positions: arange(6) + [0, 0, 0, .6, .6, .6]
const IMP_BAR_W = 0.38;

KINDS["impossibility"] = ({ model, el }) => {
  const spec = model.get("spec");
  const [A, B] = spec.groups;
  const [colA, colB] = spec.colors;
  let values = { ...model.get("values") };
  const root = h("div", { class: "fairlab-view fairlab-impossibility" });
  if (spec.title) root.append(h("div", { class: "fairlab-title", text: spec.title }));
  const controls = h("div", { class: "fairlab-controls" });
  const inputs = spec.controls.map((c) => {
    const id = `${model.model_id || "v"}-${c.name}`;
    const i = impNearest(c.values, values[c.name]);
    const input = h("input", { type: "range", min: 0, max: c.values.length - 1, step: 1, value: i,
                               id, "aria-label": c.label, "aria-valuetext": fmt(c.values[i], 2),
                               class: `fairlab-control-${c.name}` });
    const out = h("output", { for: id, text: fmt(c.values[i], 2) });
    controls.append(h("label", { for: id, text: c.label }), input, out);
    return [c, input, out];
  });
  root.append(controls);
  const rocChart = chart({
    title: "What the classifier can reach", xlabel: "false-positive rate",
    ylabel: "true-positive rate", xlim: [0, 1], ylim: [0, 1.02], width: 360, height: 300,
    legendWidth: 215, alt: "the classifier's ROC curve, the operating point both groups share, " +
      `and the point ${B} would need to match ${A}'s PPV and FNR`,
    layers: [
      { id: "diag", type: "line", color: "#808080", dash: "2 3", width: 1, data: [[0, 0], [1, 1]] },
      { id: "roc", type: "line", color: "#000000", label: "ROC curve" },
      { id: "link", type: "line", color: "#808080", dash: "5 3", width: 1 },
      { id: "shared", type: "points", color: colA, size: 5, label: "same error rates (both)" },
      { id: "need", type: "impossibility-need", color: colB, label: `${B}: same PPV & FNR as ${A}` },
      { id: "note", type: "impossibility-text" },
    ],
  });
  const barChart = chart({
    title: "", ylabel: "rate", xlim: [-0.6, 6.2], ylim: [0, 1.3], width: 440, height: 300,
    legend: "upper right", legendWidth: 70,
    xticks: IMP_BAR_X.map((x, i) => [x, ["FPR", "FNR", "PPV"][i % 3]]),
    alt: "FPR, FNR and PPV of both groups at one shared operating point, and when " +
      `${B} matches ${A}'s PPV and FNR`,
    layers: [
      { id: "bars-a", type: "bars", color: colA, opacity: 1, label: A },
      { id: "bars-b", type: "bars", color: colB, opacity: 1, label: B },
      { id: "split", type: "vline", color: "#808080", dash: "none", data: 2.8 },
      { id: "heads", type: "impossibility-text",
        data: [[1, 1.03, "same error rates"], [4.6, 1.03, `same PPV and FNR as ${A}`]] },
      { id: "mark", type: "impossibility-text" },
    ],
  });
  root.append(h("div", { class: "fairlab-body" }, [rocChart.svg, barChart.svg]));
  const readout = h("div", { class: "fairlab-readout", "aria-live": "polite", role: "status" });
  const tableEl = h("div", { class: "fairlab-table" });
  root.append(readout, tableEl);
  el.append(root);

  function draw(event) {
    const st = impossibilityState(spec, values);
    values = { ...st.values };
    inputs.forEach(([c, input, out], j) => {
      input.value = String(st.index[j]);
      out.textContent = fmt(c.values[st.index[j]], 2);
      input.setAttribute("aria-valuetext", out.textContent);
    });
    const shown = Math.min(st.need[1], 1);
    const ok = st.feasible[1];
    rocChart.layers.roc(st.roc);
    rocChart.layers.shared([[st.fpr, st.tpr]]);
    rocChart.layers.need([shown, st.tpr, ok]);
    rocChart.layers.link([[st.fpr, st.tpr], [shown, st.tpr]]);
    rocChart.layers.note([[shown, Math.min(st.tpr + 0.04, 0.99), ok ? "reachable" : "out of reach"]]);
    const bar = (i) => st.bars[i].map((v, k) => [IMP_BAR_X[k] + (i - 0.5) * IMP_BAR_W - IMP_BAR_W / 2,
                                                IMP_BAR_X[k] + (i - 0.5) * IMP_BAR_W + IMP_BAR_W / 2, v]);
    barChart.layers["bars-a"](bar(0));
    barChart.layers["bars-b"](bar(1));
    // B's FPR bar when no classifier of this AUC reaches it: a cross above it
    barChart.layers.mark(ok ? [] : [[IMP_BAR_X[3] + IMP_BAR_W / 2, st.bars[1][3] + 0.03, "✗"]]);
    readout.textContent = st.readout;
    tableEl.innerHTML = st.table;
    root.dataset.state = JSON.stringify({ values, readout: st.readout });
    stamp(event);
  }
  function sync() {
    model.set("values", { ...values });
    model.save_changes();
  }
  inputs.forEach(([c, input]) => {
    input.addEventListener("input", (e) => { values[c.name] = c.values[+input.value]; draw(e); });
    input.addEventListener("change", sync);
  });
  model.on("change:values", () => { // Python moved a control (e.g. set_values)
    const v = model.get("values");
    if (spec.controls.every((c) => v[c.name] === values[c.name])) return;
    values = { ...values, ...v };
    draw();
  });
  draw();
};
