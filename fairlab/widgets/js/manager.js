// A small widget manager for pages exported without a kernel (make html, the course site).
// It draws fairlab's browser views (anywidget models) from the saved widget state, with
// their own ES module; layout boxes and HTML widgets are drawn too. Nothing is fetched:
// the ipywidgets HTML manager would load its code from a CDN, this needs no network.
// Controls drawn by Python (ipywidgets sliders) cannot work without a kernel: they are
// replaced by the static picture saved beside them, with a note.

function shim(id, state) {
  const listeners = {};
  return {
    model_id: id,
    get: (k) => state[k],
    set(k, v) { state[k] = v; (listeners[`change:${k}`] || []).forEach((cb) => cb()); },
    on(evt, cb) { (listeners[evt] = listeners[evt] || []).push(cb); },
    off(evt, cb) { listeners[evt] = (listeners[evt] || []).filter((f) => f !== cb); },
    save_changes() {},
    send() {},
    widget_manager: null,
  };
}

const modules = new Map();
async function esmOf(code) {
  if (!modules.has(code)) {
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    modules.set(code, import(url));
  }
  return modules.get(code);
}

async function draw(id, models, el) {
  const m = models[id];
  if (!m) return false;
  const st = m.state;
  const name = m.model_name;
  if (name === "AnyModel") {
    if (st._css && !document.querySelector(`style[data-anywidget="${st._anywidget_id}"]`)) {
      const style = document.createElement("style");
      style.dataset.anywidget = st._anywidget_id;
      style.textContent = st._css;
      document.head.append(style);
    }
    const mod = await esmOf(st._esm);
    const widget = mod.default || mod;
    const model = shim(id, { ...st });
    const r = typeof widget === "function" ? await widget() : widget;
    await (r.render || mod.render)({ model, el });
    return true;
  }
  if (name === "VBoxModel" || name === "HBoxModel" || name === "BoxModel") {
    const box = document.createElement("div");
    box.style.display = "flex";
    box.style.flexDirection = name === "HBoxModel" ? "row" : "column";
    box.style.flexWrap = "wrap";
    el.append(box);
    let any = false;
    for (const child of st.children || []) {
      const cid = String(child).replace(/^IPY_MODEL_/, "");
      const c = document.createElement("div");
      box.append(c);
      any = (await draw(cid, models, c)) || any;
    }
    return any;
  }
  if (name === "HTMLModel" || name === "HTMLMathModel" || name === "LabelModel") {
    const div = document.createElement("div");
    if (name === "LabelModel") div.textContent = st.value || "";
    else div.innerHTML = st.value || "";
    el.append(div);
    return false;
  }
  return false; // a Python-drawn control: dead without a kernel
}

export async function renderAll() {
  const tag = document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]');
  if (!tag) return;
  const models = JSON.parse(tag.textContent).state || {};
  for (const view of document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')) {
    const { model_id: id } = JSON.parse(view.textContent);
    const el = document.createElement("div");
    el.className = "fairlab-embedded";
    view.after(el);
    let live = false;
    try { live = await draw(id, models, el); } catch (err) {
      el.textContent = `fairlab: could not draw this explorer (${err})`;
    }
    const area = view.closest(".jp-OutputArea") || view.parentElement;
    const fallback = area && area.querySelector(".fairlab-static");
    if (live && fallback) fallback.remove();
    if (!live) {
      el.remove();
      if (fallback) fallback.hidden = false;
    }
  }
}

renderAll();
