// Plain-SVG charts: events over time stacked by type, and rate-limit use per tenant bucket.
import { colorFor, compact, esc, num, title } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

// Chart windows: [seconds, buckets].
export const WINDOWS = { "5m": [300, 60], "15m": [900, 45], "1h": [3600, 60], "24h": [86400, 96] };

// The smallest window that holds the whole history, so a young job's events are not one thin bar.
export function windowFor(startedIso) {
  const age = startedIso ? (Date.now() - new Date(startedIso).getTime()) / 1000 : Infinity;
  return Object.keys(WINDOWS).find((k) => age <= WINDOWS[k][0]) || "24h";
}

function niceMax(value) {
  // Four grid steps of a "nice" whole size, so axis labels are round numbers.
  const raw = Math.max(1, value / 4);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((m) => m * power >= raw) * power;
  return 4 * step;
}

function timeLabel(date, spanSeconds) {
  const opts = spanSeconds > 2 * 86400 ? { month: "short", day: "numeric" } : { hour: "2-digit", minute: "2-digit", hour12: false };
  return date.toLocaleString([], opts);
}

// buckets: [{start: iso, counts: {type: n}}]; types: busiest first.
export function stackedBars(host, { buckets, types, bucketSeconds, height = 190 }) {
  const width = Math.max(280, host.clientWidth || 600);
  const totals = buckets.map((b) => Object.values(b.counts).reduce((a, n) => a + n, 0));
  const grand = totals.reduce((a, n) => a + n, 0);
  if (!grand) {
    host.innerHTML = `<div class="chart-empty">No events in this window yet.</div>`;
    return;
  }
  const pad = { top: 8, right: 6, bottom: 22, left: 36 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = niceMax(Math.max(...totals));
  const slot = plotW / buckets.length;
  const barW = Math.max(1, slot - Math.min(3, slot * 0.25));
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const y = pad.top + plotH - (plotH * i) / 4;
    parts.push(`<line class="grid-line" x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${y + 4}" text-anchor="end">${compact((max * i) / 4)}</text>`);
  }
  const span = bucketSeconds * buckets.length;
  buckets.forEach((bucket, i) => {
    let y = pad.top + plotH;
    const x = pad.left + i * slot + (slot - barW) / 2;
    const start = new Date(bucket.start);
    const lines = [`${timeLabel(start, span)} — ${num(totals[i])} events`];
    for (const type of types) {
      const n = bucket.counts[type] || 0;
      if (!n) continue;
      const h = (plotH * n) / max;
      y -= h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(h, 0.5).toFixed(1)}" fill="${colorFor(type)}"></rect>`);
      lines.push(`${title(type)}: ${num(n)}`);
    }
    if (totals[i]) {
      parts.push(`<rect x="${(pad.left + i * slot).toFixed(1)}" y="${pad.top}" width="${slot.toFixed(1)}" height="${plotH}" fill="transparent"><title>${esc(lines.join("\n"))}</title></rect>`);
    }
  });
  const ticks = Math.min(6, buckets.length);
  for (let t = 0; t < ticks; t++) {
    const i = Math.round((t * (buckets.length - 1)) / Math.max(1, ticks - 1));
    const x = pad.left + i * slot + slot / 2;
    const anchor = t === 0 ? "start" : t === ticks - 1 ? "end" : "middle";
    parts.push(`<text x="${x.toFixed(1)}" y="${height - 6}" text-anchor="${anchor}">${esc(timeLabel(new Date(buckets[i].start), span))}</text>`);
  }
  const legend = types.slice(0, 12).map((t) => `<span style="--c:${colorFor(t)}"><i></i>${esc(title(t))}</span>`).join("");
  host.innerHTML = `<svg class="chart" xmlns="${SVG}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Events over time by type">${parts.join("")}</svg><div class="legend">${legend}</div>`;
}

function sparkline(points, width = 92, height = 22) {
  if (!points || points.length < 2) return `<svg width="${width}" height="${height}"></svg>`;
  const t0 = points[0][0];
  const t1 = points[points.length - 1][0];
  const span = Math.max(1, t1 - t0);
  const coords = points.map(([t, v]) => `${(((t - t0) / span) * (width - 2) + 1).toFixed(1)},${(height - 1 - v * (height - 2)).toFixed(1)}`);
  const last = points[points.length - 1][1];
  const color = last > 0.85 ? "var(--danger)" : last > 0.6 ? "var(--warn)" : "var(--ok)";
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-hidden="true"><polyline points="${coords.join(" ")}" fill="none" stroke="${color}" stroke-width="1.5" stroke-linejoin="round"/></svg>`;
}

// rows: [{tenant, bucket, platform, limit, remaining, used_share, calls_last_window, history}],
// grouped by tenant: one heading per tenant, one bar per rate-limit bucket.
export function rateLimitList(host, rows, windowSeconds) {
  if (!rows.length) {
    host.innerHTML = `<div class="chart-empty">No platform calls yet. Rate-limit use appears once a job talks to its tenant.</div>`;
    return;
  }
  const tenants = new Map();
  for (const row of rows) {
    if (!tenants.has(row.tenant)) tenants.set(row.tenant, []);
    tenants.get(row.tenant).push(row);
  }
  host.innerHTML = [...tenants.entries()].map(([tenant, buckets]) => {
    const label = String(tenant).replace(/^[a-z]+:/, "").replace(/^https?:\/\//, "");
    const platformName = buckets[0].platform ? title(buckets[0].platform) : "";
    return `<div class="rl-tenant"><div class="rl-tenant-head" title="${esc(tenant)}"><b>${esc(label)}</b>${platformName ? `<small>${esc(platformName)}</small>` : ""}</div>
      ${buckets.map((row) => {
        const share = Math.max(0, Math.min(1, row.used_share || 0));
        const cls = share > 0.85 ? "bad" : share > 0.6 ? "warn" : "";
        return `<div class="rl-row" title="${esc(`${row.bucket}: ${num(row.calls_last_window)} calls in the last ${Math.round(windowSeconds)}s; limit ${num(row.limit)} per window; ${row.remaining ?? "?"} remaining`)}">
          <div class="rl-name">${esc(row.bucket)}</div>
          <div><div class="rl-bar ${cls}"><i style="width:${(share * 100).toFixed(1)}%"></i></div></div>
          <div class="rl-figs">${Math.round(share * 100)}%</div>
          <div class="rl-spark">${sparkline(row.history)}</div>
        </div>`;
      }).join("")}</div>`;
  }).join("");
}
