// fairlab course site: math (KaTeX, served from this site) and a search box over search.json.
"use strict";

function typesetMath() {
  if (typeof renderMathInElement !== "function") return;
  for (const el of document.querySelectorAll(".jp-RenderedMarkdown, .site-prose")) {
    renderMathInElement(el, {
      delimiters: [
        { left: "$$", right: "$$", display: true },
        { left: "\\[", right: "\\]", display: true },
        { left: "$", right: "$", display: false },
        { left: "\\(", right: "\\)", display: false },
      ],
    });
  }
}

let index = null;
async function loadIndex() {
  if (index === null) {
    const res = await fetch("search.json");
    index = (await res.json()).map((e) => ({ ...e, hay: `${e.page} ${e.title} ${e.text}`.toLowerCase() }));
  }
  return index;
}

function search(entries, query, limit = 12) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const scored = [];
  for (const e of entries) {
    if (!words.every((w) => e.hay.includes(w))) continue;
    const title = e.title.toLowerCase();
    scored.push([words.filter((w) => title.includes(w)).length, e]);
  }
  scored.sort((a, b) => b[0] - a[0]);
  return scored.slice(0, limit).map((s) => s[1]);
}

function snippet(text, query) {
  const at = text.toLowerCase().indexOf(query.toLowerCase().split(/\s+/)[0] || "");
  const start = Math.max(0, at - 40);
  return (start > 0 ? "…" : "") + text.slice(start, start + 140) + "…";
}

function setUpSearch() {
  const input = document.getElementById("site-q");
  const list = document.getElementById("site-results");
  if (!input || !list) return;
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      list.replaceChildren();
      if (q.length < 2) return;
      const hits = search(await loadIndex(), q);
      if (!hits.length) {
        const li = document.createElement("li");
        li.textContent = `Nothing found for “${q}”.`;
        list.append(li);
      }
      for (const e of hits) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = e.url;
        a.textContent = e.title === e.page ? e.title : `${e.page}: ${e.title}`;
        const small = document.createElement("small");
        small.textContent = snippet(e.text, q);
        li.append(a, small);
        list.append(li);
      }
    }, 120);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") { input.value = ""; list.replaceChildren(); }
  });
}

// A region that scrolls (a wide formula or table) must take keyboard focus, or keyboard users
// cannot scroll it (WCAG 2.1.1; axe-core "scrollable-region-focusable").
function focusableScrollers() {
  const sel = ".jp-RenderedMarkdown, .jp-RenderedHTMLCommon, .jp-OutputArea-output, .katex-display";
  for (const el of document.querySelectorAll(sel)) {
    const style = getComputedStyle(el);
    const scrolls = /(auto|scroll)/.test(style.overflowX + style.overflowY)
      && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
    if (scrolls && !el.hasAttribute("tabindex")) el.tabIndex = 0;
  }
}

document.addEventListener("DOMContentLoaded", () => { typesetMath(); focusableScrollers(); setUpSearch(); });
