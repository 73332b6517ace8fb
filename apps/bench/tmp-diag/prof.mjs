// Summarize a .cpuprofile: self time per function (and per file) over samples in the last WINDOW s before the last LOADEND s.
import { readFileSync } from "node:fs";
const [file, windowS = "5", tailS = "0.5"] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
let t = p.startTime; const times = p.timeDeltas.map((d) => (t += d));
const end = p.endTime;
const lo = end - (Number(windowS) + Number(tailS)) * 1e6, hi = end - Number(tailS) * 1e6;
const self = new Map(); const files = new Map(); let total = 0;
p.samples.forEach((id, i) => {
  const ts = times[i]; if (ts < lo || ts > hi) return;
  const dt = (times[i + 1] ?? end) - ts; const n = byId.get(id); const cf = n.callFrame;
  const k = `${cf.functionName || "(anon)"} ${cf.url.replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace("file:///work/main/", "")}:${cf.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + dt); total += dt;
  const f = cf.url.replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace("file:///work/main/", "").split("/").slice(0, 3).join("/") || cf.functionName;
  files.set(f, (files.get(f) ?? 0) + dt);
});
console.log(`total ${(total / 1e6).toFixed(2)} s`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}% ${k}`);
console.log("-- by file prefix");
for (const [k, v] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}% ${k}`);
