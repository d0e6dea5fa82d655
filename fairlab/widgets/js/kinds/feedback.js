// Kind "feedback" (lesson 09's FeedbackExplorer): precomputed frames, as "frames" draws
// them, plus the scatter of learned against true reward. Each candidate's x (its true
// quality) is sent once in the layer spec (L.x); a frame sends only the y of each
// candidate (its learned reward), in the same order.
// Lesson: 09-reward-hacking-and-human-feedback
KINDS["feedback"] = renderFrames;

LAYERS["feedback-scatter"] = (g, ys, L, ax) => {
  while (g.childNodes.length > ys.length) g.lastChild.remove();
  while (g.childNodes.length < ys.length) {
    g.append(s("circle", { r: L.size || 2.6, fill: L.color, "fill-opacity": 0.7 }));
  }
  ys.forEach((y, i) => {
    const c = g.childNodes[i];
    c.setAttribute("cx", ax.X(L.x[i]).toFixed(2));
    c.setAttribute("cy", Number.isFinite(y) ? ax.Y(y).toFixed(2) : -99);
    c.dataset.x = L.x[i]; c.dataset.y = y;
  });
};
