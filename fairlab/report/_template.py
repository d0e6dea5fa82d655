"""The HTML page of a fairness audit report: one file, inline CSS, no script, no request.

Kept as Python strings so that it ships inside the package without package-data
configuration. ``PAGE.format(title=..., css=CSS, body=...)``.
"""

__all__ = ["CSS", "PAGE"]

CSS = """
:root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #1f4e8c;
        --band: #f3f5f8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; margin: 0 auto; max-width: 1100px;
       padding: 24px 28px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 28px 0 8px; border-bottom: 2px solid var(--accent);
     padding-bottom: 2px; }
p.lede { color: var(--muted); margin: 0 0 12px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dt { font-weight: 600; }
dd { margin: 0; }
.table-wrap { overflow-x: auto; margin: 12px 0 20px; }
table { border-collapse: collapse; font-size: 0.86rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left;
         vertical-align: top; }
thead th { background: var(--band); }
tbody th { font-weight: normal; }
td:last-child { min-width: 13rem; }
td .ci { display: block; color: var(--muted); font-size: 0.82em; white-space: nowrap; }
.figures { display: flex; flex-wrap: wrap; gap: 12px 28px; }
figure { margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; font-size: 0.95rem; }
svg.figure { max-width: 100%; height: auto; }
svg .grid { stroke: #e2e2e2; stroke-width: 1; }
svg .ref { stroke: #b3261e; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .label { font-size: 12px; text-anchor: end; fill: var(--ink); }
svg .tick { font-size: 11px; text-anchor: middle; fill: var(--muted); }
svg .tick-left { font-size: 11px; fill: var(--muted); }
svg .whisker { stroke: var(--accent); stroke-width: 2; }
svg .dot { fill: var(--accent); stroke: var(--accent); stroke-width: 1.5; }
svg .dot.hollow { fill: #fff; }
pre { background: var(--band); padding: 10px; font-size: 0.8rem; white-space: pre-wrap;
      overflow-wrap: anywhere; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  section { break-inside: auto; }
  table { font-size: 7pt; width: 100%; }
  th, td { padding: 2px 3px; }
  td:last-child { min-width: 0; }
  td .ci { white-space: normal; font-size: 0.9em; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  pre { white-space: pre-wrap; }
}
@page { margin: 14mm; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fairlab.report">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><h1>{title}</h1>
<p class="lede">A fairness audit made with fairlab.report: every rate with its bootstrap
interval, the impact ratios of a NYC Local Law 144 bias audit, and the caveats. Sections
follow the model cards of Mitchell et al. (2019).</p></header>
<main>{body}</main>
</body>
</html>
"""
