// Turns one bench session's measurements into docs/BENCHMARKS.md, docs/benchmarks.svg (drawn by hand:
// no chart dependency) and docs/benchmarks.json (everything measured, for anyone who wants to check a
// figure or draw another chart). Every figure in the report is computed here from that data.

import * as fs from "node:fs";
import * as path from "node:path";
import type { MemoryPeaks, Role } from "./harness";
import { median } from "./harness";
import type { LoadResult } from "./load";
import type { ResourceType } from "./programs";

export type Operation = "create" | "read" | "update" | "delete";

export interface OpCount {
  /** Resources in the stack. */
  n: number;
  total: number;
  /** Requests made once per provider process (logins, tokens, version documents). */
  setup: number;
  /** The other requests, per resource. */
  perResource: number;
  status429: number;
  /** The least any client needs for n resources. */
  minimum: number;
  setupPaths: string[];
}

export interface BytesFigure {
  label: string;
  token: string;
  resources: number;
  /** One copy of `__provider`, UTF-8 bytes. */
  providerBytes: number;
  /** Copies per resource in state (inputs and outputs). */
  providerCopies: number;
  /** The resource's whole entry in `pulumi stack export`, as compact JSON, mean over resources. */
  stateBytesPerResource: number;
  /** The line of `__provider` that names what it loads. */
  providerHead: string;
}

export type Side = "ours" | "engine" | "shaped" | "http" | "direct";

export interface TimeRun {
  type: ResourceType;
  size: number;
  run: number;
  side: Side;
  /** ms: `pulumi up` wall time; for "http" and "direct", the create phase. */
  up: number;
  /** ms: `pulumi destroy` wall time; for "http" and "direct", the delete phase. */
  destroy: number;
  upMemory?: MemoryPeaks;
  destroyMemory?: MemoryPeaks;
  /** "direct" only: loading the package's providers, ms. */
  loadMs?: number;
}

export interface RateRun {
  run: number;
  side: "ours" | "engine";
  n: number;
  up: number;
  destroy: number;
  upCode: number;
  destroyCode: number;
  created: number;
  answered429Up: number;
  answered429Destroy: number;
  /** Failed commands plus mentions of 429 / rate limits in the CLI's output. */
  surfaced429: number;
  /** Keys left after destroy. */
  left: number;
}

export interface BenchData {
  meta: {
    date: string;
    command: string;
    options: Record<string, unknown>;
    node: string;
    pulumi: string;
    cpu: string;
    cpus: number;
    memoryGiB: number;
    loadavgStart: number[];
    loadavgEnd: number[];
    durationS: number;
  };
  requests: Partial<Record<ResourceType, Record<Operation, OpCount> & { updateChange: string }>>;
  bytes: BytesFigure[];
  time: TimeRun[];
  rate: RateRun[];
  /** Loading the package in a process that has @pulumi/pulumi loaded, part by part (bench/load.ts). */
  load: (LoadResult & { program: number; pulumi: number; type: ResourceType; run: number })[];
}

/** The goals of issue 8. */
export const GOALS = {
  /** (ours - engine floor) at the largest N, at most this times the HTTP floor. */
  overheadVsHttp: 1.5,
  /** Log-log slope of (ours - engine floor) against N, at most this (1 is linear; the margin is for noise). */
  growthSlope: 1.1,
  /** (ours - engine floor) for the rate-limited up, at most this times N / 30 s. */
  rateVsLimit: 1.25,
  rateLimit: 30,
  /** A program's `require("pulumi-access-keys")`, at most this share of @pulumi/pulumi's own load time. */
  programLoadShare: 0.05,
};

const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : "n/a");
const ms0 = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)}` : "n/a");
const mib = (bytes: number | undefined) => (bytes === undefined || !Number.isFinite(bytes) ? "n/a" : (bytes / 2 ** 20).toFixed(0));
const ratio = (r: number) => (Number.isFinite(r) ? r.toFixed(2) : "n/a");
const yes = (ok: boolean) => (ok ? "**met**" : "**missed**");

function medianOf(runs: readonly TimeRun[], type: ResourceType, size: number, side: Side, op: "up" | "destroy"): number {
  return median(runs.filter((r) => r.type === type && r.size === size && r.side === side).map((r) => r[op]));
}

/**
 * ours − engine floor: the median over runs of each run's difference. The two sides of a run go back
 * to back, so pairing them cancels slow drifts in the machine's load that the difference of two
 * medians would keep.
 */
function pairedOverhead(runs: readonly { run: number; side: string; up: number; destroy: number }[], op: "up" | "destroy", a = "ours", b = "engine"): number {
  const ours = runs.filter((r) => r.side === a);
  const engine = runs.filter((r) => r.side === b);
  const diffs = ours.flatMap((o) => {
    const e = engine.find((x) => x.run === o.run);
    return e ? [o[op] - e[op]] : [];
  });
  return median(diffs);
}

function spread(runs: readonly TimeRun[], type: ResourceType, size: number, side: Side, op: "up" | "destroy"): string {
  const v = runs.filter((r) => r.type === type && r.size === size && r.side === side).map((r) => r[op]);
  return v.length > 1 ? `${s(Math.min(...v))}–${s(Math.max(...v))}` : "";
}

/** Everything the report says about one type and operation at every size. */
interface Series {
  type: ResourceType;
  op: "up" | "destroy";
  sizes: number[];
  ours: number[];
  engine: number[];
  http: number[];
  direct: number[];
  /** Paired ours − engine floor (see pairedOverhead). */
  overhead: number[];
  /** Paired shaped − engine floor: what declaring our properties costs through the SDK (largest N only). */
  shapeCost: number[];
}

function series(data: BenchData, type: ResourceType, op: "up" | "destroy"): Series {
  const sizes = [...new Set(data.time.filter((r) => r.type === type).map((r) => r.size))].sort((a, b) => a - b);
  const of = (side: Side) => sizes.map((n) => medianOf(data.time, type, n, side, op));
  const overhead = sizes.map((n) => pairedOverhead(data.time.filter((r) => r.type === type && r.size === n), op));
  const shapeCost = sizes.map((n) => pairedOverhead(data.time.filter((r) => r.type === type && r.size === n), op, "shaped", "engine"));
  return { type, op, sizes, ours: of("ours"), engine: of("engine"), http: of("http"), direct: of("direct"), overhead, shapeCost };
}

/** Log-log slope of the overhead from the smallest N >= 10 with a positive overhead to the largest N. */
function growth(x: Series): { slope: number; from: number; to: number } | undefined {
  const overhead = x.overhead;
  const last = x.sizes.length - 1;
  const from = x.sizes.findIndex((n, i) => n >= 10 && i < last && overhead[i]! > 0);
  if (from < 0 || !(overhead[last]! > 0)) return undefined;
  return { slope: Math.log(overhead[last]! / overhead[from]!) / Math.log(x.sizes[last]! / x.sizes[from]!), from: x.sizes[from]!, to: x.sizes[last]! };
}

// --- the chart ----------------------------------------------------------------------------------

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** One small panel per type and operation: ours, the engine floor, and the goal line (engine + 1.5 x HTTP). */
export function chart(data: BenchData, types: readonly ResourceType[]): string {
  const pw = 350;
  const ph = 190;
  const margin = { left: 46, right: 22, top: 26, bottom: 34 };
  const cols = 2;
  const panels = types.flatMap((t) => [series(data, t, "up"), series(data, t, "destroy")]);
  const rows = Math.ceil(panels.length / cols);
  const width = cols * pw + 20;
  const legendH = 56;
  const height = rows * ph + legendH + 44;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">Wall time of pulumi up and destroy (s) against resources in the stack</text>`);
  out.push(`<text x="${width / 2}" y="34" text-anchor="middle" fill="#555">service latency ${String(data.meta.options.latencyMs)} ms, --parallel ${String(data.meta.options.parallel)}, medians of ${String(data.meta.options.runs)} runs, ${esc(data.meta.date.slice(0, 10))}</text>`);
  const colors = { ours: "#1f77b4", engine: "#7f7f7f", goal: "#2ca02c", shaped: "#ff7f0e" };
  panels.forEach((x, k) => {
    const ox = 10 + (k % cols) * pw;
    const oy = 44 + Math.floor(k / cols) * ph;
    const iw = pw - margin.left - margin.right;
    const ih = ph - margin.top - margin.bottom;
    const goal = x.sizes.map((_, i) => x.engine[i]! + GOALS.overheadVsHttp * x.http[i]!);
    const maxN = Math.max(...x.sizes, 1);
    const shapedAtEnd = medianOf(data.time, x.type, x.sizes[x.sizes.length - 1]!, "shaped", x.op);
    const maxY = Math.max(...x.ours, ...x.engine, ...goal, ...(Number.isFinite(shapedAtEnd) ? [shapedAtEnd] : []), 1) / 1000;
    const step = niceStep(maxY / 4);
    const top = Math.ceil(maxY / step) * step;
    const px = (n: number) => ox + margin.left + (n / maxN) * iw;
    const py = (ms: number) => oy + margin.top + ih - (ms / 1000 / top) * ih;
    out.push(`<text x="${ox + margin.left}" y="${oy + 16}" font-weight="bold">${esc(`${x.type}: ${x.op === "up" ? "pulumi up" : "pulumi destroy"}`)}</text>`);
    for (let v = 0; v <= top + 1e-9; v += step) {
      const y = oy + margin.top + ih - (v / top) * ih;
      out.push(`<line x1="${ox + margin.left}" y1="${y.toFixed(1)}" x2="${ox + margin.left + iw}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${ox + margin.left - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end">${Number(v.toFixed(2))}</text>`);
    }
    out.push(`<line x1="${ox + margin.left}" y1="${oy + margin.top + ih}" x2="${ox + margin.left + iw}" y2="${oy + margin.top + ih}" stroke="#333"/>`);
    out.push(`<line x1="${ox + margin.left}" y1="${oy + margin.top}" x2="${ox + margin.left}" y2="${oy + margin.top + ih}" stroke="#333"/>`);
    for (const n of x.sizes) out.push(`<text x="${px(n).toFixed(1)}" y="${oy + margin.top + ih + 14}" text-anchor="middle">${n}</text>`);
    out.push(`<text x="${ox + margin.left + iw / 2}" y="${oy + margin.top + ih + 28}" text-anchor="middle" fill="#555">resources</text>`);
    const line = (values: number[], color: string, dash = "") => {
      const pts = x.sizes.map((n, i) => `${px(n).toFixed(1)},${py(values[i]!).toFixed(1)}`).join(" ");
      out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
      for (const [i, n] of x.sizes.entries()) out.push(`<circle cx="${px(n).toFixed(1)}" cy="${py(values[i]!).toFixed(1)}" r="2.5" fill="${color}"/>`);
    };
    line(goal, colors.goal, "5,4");
    line(x.engine, colors.engine);
    line(x.ours, colors.ours);
    const last = x.sizes.length - 1;
    const shaped = medianOf(data.time, x.type, x.sizes[last]!, "shaped", x.op);
    if (Number.isFinite(shaped)) {
      const cx = px(x.sizes[last]!);
      const cy = py(shaped);
      out.push(`<path d="M${(cx - 5).toFixed(1)},${cy.toFixed(1)} L${cx.toFixed(1)},${(cy - 5).toFixed(1)} L${(cx + 5).toFixed(1)},${cy.toFixed(1)} L${cx.toFixed(1)},${(cy + 5).toFixed(1)} Z" fill="${colors.shaped}"/>`);
    }
  });
  let ly = height - legendH + 10;
  const items: [string, string, string][] = [
    ["pulumi-access-keys", colors.ours, ""],
    ["engine floor (null provider)", colors.engine, ""],
    [`goal: engine floor + ${GOALS.overheadVsHttp} x HTTP floor`, colors.goal, "5,4"],
  ];
  let x0 = 20;
  if (panels.some((x) => Number.isFinite(medianOf(data.time, x.type, x.sizes[x.sizes.length - 1]!, "shaped", x.op)))) items.push(["engine floor with our declared properties", colors.shaped, "diamond"]);
  items.forEach(([label, color, dash]) => {
    const itemWidth = 30 + label.length * 6.2 + 20; // about 6 px a character at 11 px
    if (x0 > 20 && x0 + itemWidth > width - 10) {
      x0 = 20;
      ly += 20;
    }
    if (dash === "diamond") out.push(`<path d="M${x0 + 7},${ly} L${x0 + 12},${ly - 5} L${x0 + 17},${ly} L${x0 + 12},${ly + 5} Z" fill="${color}"/>`);
    else out.push(`<line x1="${x0}" y1="${ly}" x2="${x0 + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
    out.push(`<text x="${x0 + 30}" y="${ly + 4}">${esc(label)}</text>`);
    x0 += itemWidth;
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

// --- the report ---------------------------------------------------------------------------------

export function renderMarkdown(data: BenchData, notes: string | undefined): string {
  const o = data.meta.options as { runs: number; sizes: number[]; latencyMs: number; types: ResourceType[]; parallel: number; countN: number; rateN: number };
  const L: string[] = [];
  const types = o.types;
  const maxN = Math.max(...o.sizes);
  L.push("# Benchmarks");
  L.push("");
  L.push("<!-- Generated by `npm run bench` (bench/report.ts) from docs/benchmarks.json. Edit bench/NOTES.md, not this file. -->");
  L.push("");
  L.push(
    `Measured on ${data.meta.date.slice(0, 10)} by \`npm run bench\` in one session of ${Math.round(data.meta.durationS / 60)} minutes: ${data.meta.cpus} × ${data.meta.cpu}, ` +
      `${data.meta.memoryGiB} GiB, Node.js ${data.meta.node}, Pulumi CLI ${data.meta.pulumi}, load average ${data.meta.loadavgStart.map((v) => v.toFixed(1)).join(" / ")} at the start and ` +
      `${data.meta.loadavgEnd.map((v) => v.toFixed(1)).join(" / ")} at the end (a shared machine: other work ran alongside). Every emulator answered after a fixed ` +
      `${o.latencyMs} ms. Times are medians of ${o.runs} runs; \`pulumi up\` and \`pulumi destroy\` ran with \`--parallel ${o.parallel}\`, the CLI's default here (4 per CPU).`,
  );
  L.push("");
  L.push("Reproduce it all with `npm run bench` (it builds first). Settings: `BENCH_RUNS`, `BENCH_SIZES`, `BENCH_LATENCY_MS`, `BENCH_TYPES`, `BENCH_PARALLEL`, `BENCH_COUNT_N`, `BENCH_RATE_N`, `BENCH_PHASES` (`requests,naive,time,rate`) and `BENCH_OUT`, as environment variables or `--runs=3`-style arguments; a smoke run: `BENCH_RUNS=1 BENCH_SIZES=1,10 BENCH_TYPES=TfcSshKey BENCH_RATE_N=30 BENCH_OUT=/tmp/bench npm run bench`. Everything measured is in [benchmarks.json](benchmarks.json).");
  L.push("");
  L.push("Two floors frame every time: the **engine floor**, the same program (same resources, same inputs) with a null dynamic provider that answers at once and sends nothing, which is what Pulumi itself costs; and the **HTTP floor**, the same requests sent by a plain Node script with undici and the same parallelism, which is what the services cost. A third line, **our code without Pulumi**, runs this package's providers (check + create, then delete) in a bare Node process with the same parallelism, to tell which side a gap comes from.");
  L.push("");

  // Goals.
  L.push("## Goals");
  L.push("");
  L.push("| goal | figure | result |");
  L.push("|---|---|---|");
  for (const t of types) {
    const r = data.requests[t];
    if (!r) continue;
    const extra = (["create", "read", "update", "delete"] as Operation[]).filter((op) => r[op].total > r[op].minimum);
    L.push(`| ${t}: requests at the minimum for every operation | ${extra.length ? extra.map((op) => `${op} ${r[op].total} vs ${r[op].minimum}`).join(", ") : "every operation at its minimum"} (${r.create.n} resources) | ${extra.length ? "**above the minimum**" : "**met**"} |`);
  }
  for (const t of types) {
    for (const op of ["up", "destroy"] as const) {
      const x = series(data, t, op);
      const i = x.sizes.indexOf(maxN);
      if (i < 0) continue;
      const over = x.overhead[i]!;
      const limit = GOALS.overheadVsHttp * x.http[i]!;
      L.push(`| ${t} \`pulumi ${op}\` at N = ${maxN}: ours − engine floor ≤ ${GOALS.overheadVsHttp} × HTTP floor | ${s(over)} s vs ${s(limit)} s (${ratio(over / x.http[i]!)} × HTTP floor) | ${yes(over <= limit)} |`);
      const g = growth(x);
      L.push(`| ${t} \`pulumi ${op}\`: ours − engine floor grows no faster than N | ${g ? `slope ${g.slope.toFixed(2)} from N = ${g.from} to ${g.to} (log-log; 1 is linear, ≤ ${GOALS.growthSlope} allowed for noise)` : "no positive overhead to fit"} | ${g ? yes(g.slope <= GOALS.growthSlope) : "**n/a**"} |`);
    }
  }
  if (data.load.length) {
    const pulumiLoad = median(data.load.map((r) => r.pulumi));
    const programLoad = median(data.load.map((r) => r.program));
    L.push(`| a program's \`require("pulumi-access-keys")\` ≤ ${GOALS.programLoadShare * 100}% of @pulumi/pulumi's load time | ${ms0(programLoad)} ms vs ${ms0(pulumiLoad)} ms (${((100 * programLoad) / pulumiLoad).toFixed(1)}%) | ${yes(programLoad <= GOALS.programLoadShare * pulumiLoad)} |`);
  }
  const rate = rateSummary(data);
  if (rate) {
    L.push(`| ${rate.n} TfcSshKeys at ${GOALS.rateLimit} req/s: no 429 surfaced | ${rate.surfaced} surfaced, ${rate.answered} answered 429 by the emulator and waited out, ${rate.failed} failed commands | ${yes(rate.surfaced === 0 && rate.failed === 0 && rate.allCreated)} |`);
    L.push(`| ${rate.n} TfcSshKeys at ${GOALS.rateLimit} req/s: ours − engine floor ≤ ${GOALS.rateVsLimit} × ${rate.n}/${GOALS.rateLimit} s | ${s(rate.over)} s vs ${s(rate.limit)} s | ${yes(rate.over <= rate.limit)} |`);
  }
  L.push("");

  // 1. Requests.
  if (Object.keys(data.requests).length) {
    L.push("## 1. Requests per operation");
    L.push("");
    L.push(`Command: \`BENCH_PHASES=requests npm run bench\` (part of \`npm run bench\`). One stack of ${o.countN} resources of each type: \`pulumi up\` (create), \`pulumi refresh\` (read), \`pulumi up\` with the cheapest in-place change (update), \`pulumi destroy\` (delete). Counted from the emulators' request logs: every request that reached a service, retries included. *Per process* are the requests a provider process makes once (logins, tokens, a create's one listing of the names in its scope); each command runs one provider process. The minimum is one request per resource (none for an update that only changes \`connection\`) plus one login or token per process where the API needs one, plus, for a create of a named object, one listing of the scope's names per process: the proof of what existed before, without which a create whose answer was lost cannot tell its own object from a stranger's (DESIGN.md, "Ownership").`);
    L.push("");
    L.push("| resource | operation | requests | per resource | per process | minimum | ratio | 429s |");
    L.push("|---|---|---|---|---|---|---|---|");
    for (const t of types) {
      const r = data.requests[t];
      if (!r) continue;
      for (const op of ["create", "read", "update", "delete"] as Operation[]) {
        const c = r[op];
        const label = op === "update" ? `update: ${r.updateChange}` : op === "read" ? "read (refresh)" : op;
        L.push(`| ${t} | ${label} | ${c.total} | ${Number(c.perResource.toFixed(2))} | ${c.setup}${c.setupPaths.length ? ` (${c.setupPaths.map((p) => `\`${p}\``).join(", ")})` : ""} | ${c.minimum} | ${c.minimum ? ratio(c.total / c.minimum) : c.total === 0 ? "—" : "∞"} | ${c.status429} |`);
      }
    }
    L.push("");
  }

  // 2. Bytes.
  if (data.bytes.length) {
    L.push("## 2. Bytes in state");
    L.push("");
    L.push(`Command: \`BENCH_PHASES=requests,naive npm run bench\`. From \`pulumi stack export\` after an up of ${o.countN} resources of each type: one copy of the serialized provider (\`__provider\`, which Pulumi stores in both the inputs and the outputs of every resource) and the whole resource entry as compact JSON (secrets encrypted, as stored). The package is installed in the program's \`node_modules\` (a copy, as npm lays it out), so Pulumi stores our providers as a \`require\` of the package. The naive providers in [bench/naive](../bench/naive) are written the common way: a helpers module of the program imported at module level (sshpk for keys, an undici client class), and each method building its client; Pulumi serializes what they capture by value.`);
    L.push("");
    L.push("| provider | serialized provider (bytes per copy) | copies per resource | state bytes per resource | what `__provider` loads |");
    L.push("|---|---|---|---|---|");
    for (const b of data.bytes) L.push(`| ${b.label} | ${b.providerBytes} | ${b.providerCopies} | ${Math.round(b.stateBytesPerResource)} | \`${esc(b.providerHead.trim().slice(0, 90)).replace(/\|/g, "\\|")}\` |`);
    L.push("");
    for (const t of ["OctopusSshAccount", "TfcSshKey"] as const) {
      const ours = data.bytes.find((b) => b.label === t);
      const naive = data.bytes.find((b) => b.label === `naive ${t}`);
      if (ours && naive) L.push(`- ${t}: the naive provider is ${ratio(naive.providerBytes / ours.providerBytes)} × ours per copy (${naive.providerBytes} vs ${ours.providerBytes} bytes), and its state ${ratio(naive.stateBytesPerResource / ours.stateBytesPerResource)} × ours per resource.`);
    }
    L.push("");
  }

  // 3. Time.
  if (data.time.length) {
    L.push("## 3. Time");
    L.push("");
    L.push(`Command: \`BENCH_PHASES=time npm run bench\`. For each type and N, ${o.runs} runs, rotating which side goes first: \`pulumi up\` then \`pulumi destroy\` of N resources with this package, the same with the null provider (engine floor), at the largest N the same again with the null provider and our resources' declared properties (the *shaped* engine floor, see below), the HTTP floor script (create phase, then delete phase in a fresh client with its own login), and our code without Pulumi (check + create in one process, delete in another). Pulumi times are wall times of the CLI command, start to exit; the two floors and \"our code\" are timed inside their process, from the first request to the last answer (Node's start-up excluded; \"our code\" also excludes loading the package, shown apart). Seconds: medians (min–max of the runs in brackets for ours); *ours − engine* is the median of each run's difference, as the two sides of a run go back to back.`);
    L.push("");
    L.push("![pulumi up and destroy times against N](benchmarks.svg)");
    L.push("");
    for (const t of types) {
      const up = series(data, t, "up");
      const down = series(data, t, "destroy");
      if (!up.sizes.length) continue;
      L.push(`### ${t}`);
      L.push("");
      L.push("| N | up: ours | engine floor | ours − engine | HTTP floor | (ours − engine) / HTTP | our code without Pulumi | destroy: ours | engine floor | ours − engine | HTTP floor | (ours − engine) / HTTP | our code without Pulumi |");
      L.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
      up.sizes.forEach((n, i) => {
        const cells = (x: Series) => {
          const over = x.overhead[i]!;
          return `${s(x.ours[i]!)} (${spread(data.time, t, n, "ours", x.op)}) | ${s(x.engine[i]!)} | ${s(over)} | ${s(x.http[i]!)} | ${ratio(over / x.http[i]!)} | ${s(x.direct[i]!)}`;
        };
        L.push(`| ${n} | ${cells(up)} | ${cells(down)} |`);
      });
      L.push("");
      const per = up.sizes.map((n, i) => `N = ${n}: ${ms0(up.overhead[i]! / n)} ms`).join(", ");
      L.push(`Overhead per resource of \`pulumi up\` (ours − engine floor, / N): ${per}.`);
      const last = up.sizes.length - 1;
      const shapedUp = medianOf(data.time, t, up.sizes[last]!, "shaped", "up");
      if (Number.isFinite(shapedUp)) {
        L.push(`Engine floor with our declared properties (shaped) at N = ${up.sizes[last]}: up ${s(shapedUp)} s, destroy ${s(medianOf(data.time, t, up.sizes[last]!, "shaped", "destroy"))} s; shaped − engine floor (paired): up ${s(up.shapeCost[last]!)} s, destroy ${s(down.shapeCost[last]!)} s.`);
      }
      const load = median(data.time.filter((r) => r.type === t && r.side === "direct" && r.loadMs !== undefined).map((r) => r.loadMs!));
      L.push(`Loading the package's providers in a fresh process (once per provider process): ${ms0(load)} ms (median over every run of this type).`);
      L.push("");
    }
  }

  // What the overhead is made of.
  if (data.time.length && data.load.length) {
    L.push(`### What ours − engine floor is made of, at N = ${maxN}`);
    L.push("");
    L.push("Four parts, each measured on its own. *Declared properties*: the engine floor run again with the null provider but every property our class declares (arguments and outputs, seeded with `undefined`) and the same `additionalSecretOutputs` (the *shaped* engine floor, largest N only), minus the engine floor: what the Pulumi SDK and engine charge for the shape of our resources, whoever serves them. *Loading the package*: the program loads it to declare the resources (`up` only), and the provider process once more to serve them; both measured in a fresh process that has already loaded `@pulumi/pulumi`, as a program and the provider host have (bench/load.ts). *Our code without Pulumi*: the provider's work for every resource (checks, key parsing, requests) at the same parallelism. The *remainder* is what none of these explains: the parts overlapping in time (they are not strictly additive), and noise. Seconds, medians.");
    L.push("");
    L.push("| resource | operation | ours − engine | declared properties (shaped − engine) | loading the package: program | provider host | our code without Pulumi | of which the HTTP floor | remainder |");
    L.push("|---|---|---|---|---|---|---|---|---|");
    const programLoad = median(data.load.map((r) => r.program));
    for (const t of types) {
      const load = median(data.load.filter((r) => r.type === t).map((r) => r.total));
      for (const op of ["up", "destroy"] as const) {
        const x = series(data, t, op);
        const i = x.sizes.indexOf(maxN);
        if (i < 0) continue;
        const inProgram = op === "up" ? programLoad : 0;
        const shape = Number.isFinite(x.shapeCost[i]!) ? x.shapeCost[i]! : 0;
        L.push(`| ${t} | ${op} | ${s(x.overhead[i]!)} | ${s(x.shapeCost[i]!)} | ${op === "up" ? s(programLoad) : "—"} | ${s(load)} | ${s(x.direct[i]!)} | ${s(x.http[i]!)} | ${s(x.overhead[i]! - shape - inProgram - load - x.direct[i]!)} |`);
      }
    }
    L.push("");
    const kinds = types
      .map((t) => {
        const runs = data.load.filter((r) => r.type === t);
        if (!runs.length) return "";
        const part = (k: "dispatcher" | "implementation" | "total") => ms0(median(runs.map((r) => r[k] ?? NaN)));
        return `${t} ${part("total")} ms (the dispatcher ${part("dispatcher")}, the implementation with ${(runs[0]!.dependencies ?? []).join(", ") || "no dependency"} ${part("implementation")})`;
      })
      .filter(Boolean);
    L.push(`Loading the package in the provider host, which loads only the implementation of each kind it serves, once per command (\`up\`, \`refresh\`, \`destroy\`) whatever N, medians: ${kinds.join("; ")}. In a program, \`require("pulumi-access-keys")\` loads the resource classes only (no implementation, undici, zod or sshpk; test/load.spec.ts): ${ms0(programLoad)} ms after @pulumi/pulumi's own ${ms0(median(data.load.map((r) => r.pulumi)))} ms, each in a fresh process.`);
    L.push("");
  }

  // 4. Rate limits.
  if (rate) {
    L.push("## 4. Rate limits");
    L.push("");
    L.push(`Command: \`BENCH_PHASES=rate npm run bench\`. ${rate.n} TfcSshKeys in one \`pulumi up\` against the HCP Terraform emulator enforcing ${GOALS.rateLimit} requests per second per user (fixed one-second windows; a 429 carries \`X-RateLimit-Reset\`), then \`pulumi destroy\`, ${o.runs} runs, beside the null provider's up of the same ${rate.n} resources. *Answered 429* is counted in the emulator's log (the provider waited and retried); *surfaced* counts failed commands and any mention of 429 or a rate limit in the CLI's output.`);
    L.push("");
    L.push("| run | side | up (s) | destroy (s) | created | answered 429 (up / destroy) | surfaced | left after destroy |");
    L.push("|---|---|---|---|---|---|---|---|");
    for (const r of data.rate) L.push(`| ${r.run + 1} | ${r.side === "ours" ? "ours" : "engine floor"} | ${s(r.up)} | ${s(r.destroy)} | ${r.side === "ours" ? r.created : "—"} | ${r.side === "ours" ? `${r.answered429Up} / ${r.answered429Destroy}` : "—"} | ${r.surfaced429} | ${r.side === "ours" ? r.left : "—"} |`);
    L.push("");
    const windows = Math.ceil(rate.n / GOALS.rateLimit) - 1;
    L.push(`Median up: ours ${s(rate.oursUp)} s, engine floor ${s(rate.engineUp)} s; ours − engine floor (median of the paired runs) = ${s(rate.over)} s, against the service's own floor of ${rate.n}/${GOALS.rateLimit} = ${s((rate.n / GOALS.rateLimit) * 1000)} s (goal ≤ ${s(rate.limit)} s).${windows > 0 ? ` With the emulator's one-second windows, the last of ${rate.n} requests can be answered at the earliest ${windows} s after the first, plus a round trip.` : ""}`);
    L.push("");
  }

  // 5. Memory.
  const memRuns = data.time.filter((r) => r.size === maxN && (r.side === "ours" || r.side === "engine" || r.side === "shaped"));
  if (memRuns.length) {
    L.push("## 5. Memory (and CPU time)");
    L.push("");
    L.push(`Command: part of \`BENCH_PHASES=time npm run bench\`. While each \`pulumi up\` and \`pulumi destroy\` runs, the bench reads \`/proc\` every 100 ms, finds the processes descended from the CLI, tells them apart by command line (the dynamic provider host runs \`@pulumi/pulumi/cmd/dynamic-provider\`; the program runs under \`@pulumi/pulumi/cmd/run\`) and records each one's \`VmHWM\`: the kernel's own high-water mark of its resident set, so a peak between two samples is not missed. Peak RSS in MiB at N = ${maxN}, medians of ${o.runs} runs.`);
    L.push("");
    L.push("| resource | provider host, up: ours | engine floor | provider host, destroy: ours | engine floor | program (up): ours | engine floor | CLI (up): ours | engine floor |");
    L.push("|---|---|---|---|---|---|---|---|---|");
    for (const t of types) {
      const m = (side: Side, which: "upMemory" | "destroyMemory", role: Role) => median(memRuns.filter((r) => r.type === t && r.side === side && r[which]?.[role] !== undefined).map((r) => r[which]![role]!));
      L.push(`| ${t} | ${mib(m("ours", "upMemory", "providerHost"))} | ${mib(m("engine", "upMemory", "providerHost"))} | ${mib(m("ours", "destroyMemory", "providerHost"))} | ${mib(m("engine", "destroyMemory", "providerHost"))} | ${mib(m("ours", "upMemory", "program"))} | ${mib(m("engine", "upMemory", "program"))} | ${mib(m("ours", "upMemory", "cli"))} | ${mib(m("engine", "upMemory", "cli"))} |`);
    }
    L.push("");
    L.push(`CPU time (user + system) of the same processes, in seconds: less disturbed by other work on the machine than wall time, and so the steadier measure of what each side costs. Read from \`/proc/<pid>/stat\` at the same samples (the last sample before a process ends, so up to 100 ms of its work can be missed). At N = ${maxN}, medians of ${o.runs} runs.`);
    L.push("");
    L.push("| resource | provider host, up: ours | engine floor | provider host, destroy: ours | engine floor | program (up): ours | shaped engine floor | engine floor | CLI (up): ours | shaped engine floor | engine floor |");
    L.push("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const t of types) {
      const c = (side: Side, which: "upMemory" | "destroyMemory", role: Role) => median(memRuns.filter((r) => r.type === t && r.side === side && r[which]?.cpuMs?.[role] !== undefined).map((r) => r[which]!.cpuMs![role]!));
      L.push(`| ${t} | ${s(c("ours", "upMemory", "providerHost"))} | ${s(c("engine", "upMemory", "providerHost"))} | ${s(c("ours", "destroyMemory", "providerHost"))} | ${s(c("engine", "destroyMemory", "providerHost"))} | ${s(c("ours", "upMemory", "program"))} | ${s(c("shaped", "upMemory", "program"))} | ${s(c("engine", "upMemory", "program"))} | ${s(c("ours", "upMemory", "cli"))} | ${s(c("shaped", "upMemory", "cli"))} | ${s(c("engine", "upMemory", "cli"))} |`);
    }
    L.push("");
  }

  // CPU over the engine floor, by N: the steadier view of how the overhead grows.
  const cpuRuns = data.time.filter((r) => r.side === "ours" || r.side === "engine");
  if (cpuRuns.some((r) => r.upMemory?.cpuMs)) {
    L.push(`CPU time over the engine floor by N (ours − engine floor, the median of each run's difference, seconds): what our resources cost the machine, less disturbed by other work than wall time. ${o.sizes.length > 1 ? "Growing no faster than N means the figure at the largest N is at most that many times the figure at a smaller N." : ""}`);
    L.push("");
    L.push(`| resource | process | ${o.sizes.map((n) => `N = ${n}`).join(" | ")} |`);
    L.push(`|---|---|${o.sizes.map(() => "---").join("|")}|`);
    const cpuDiff = (t: ResourceType, n: number, which: "upMemory" | "destroyMemory", role: Role) => {
      const runs = cpuRuns.filter((r) => r.type === t && r.size === n && r[which]?.cpuMs?.[role] !== undefined);
      return pairedOverhead(
        runs.map((r) => ({ run: r.run, side: r.side, up: r[which]!.cpuMs![role]!, destroy: 0 })),
        "up",
      );
    };
    for (const t of types) {
      for (const [label, which, role] of [
        ["provider host, up", "upMemory", "providerHost"],
        ["program, up", "upMemory", "program"],
        ["provider host, destroy", "destroyMemory", "providerHost"],
      ] as const) {
        L.push(`| ${t} | ${label} | ${o.sizes.map((n) => s(cpuDiff(t, n, which, role))).join(" | ")} |`);
      }
    }
    L.push("");
  }

  L.push("## Method notes");
  L.push("");
  L.push("- The bench makes a throwaway workspace: this package copied into its `node_modules` (package.json and `dist/src`, as npm installs it), a copy of `@pulumi/pulumi`, a `bench-null-provider` package, links to every other dependency, and a file backend with a random passphrase. Programs are plain JavaScript (TypeScript would add the same ts-node start-up to both sides and only make differences noisier); the naive comparison is TypeScript, as such code usually is.");
  L.push("- The engine floor's provider is a package too, so Pulumi serializes both sides the same way (a short `require`), and only what the providers do differs. Its resources take the same inputs (the same secret key) and return them as outputs. The shaped engine floor also declares every property our class declares, seeded with `undefined`, and the same `additionalSecretOutputs` (`DECLARED` in bench/programs.ts).");
  L.push("- The HTTP floor sends what a client must: for Octopus the same account and API-key bodies, `GET /api/users/me` once to create API keys; for HCP Terraform the same JSON:API documents; for Nova one Keystone token per process and the compute endpoint from its catalog. Without the rate limit (it is measured on its own in section 4).");
  L.push("- Emulators run in the bench's own Node process; everything shares the machine's CPUs, which is why only figures measured side by side in one session are compared.");
  L.push("");
  if (notes?.trim()) {
    L.push(notes.trim());
    L.push("");
  }
  return `${L.join("\n")}\n`;
}

interface RateSummary {
  n: number;
  oursUp: number;
  engineUp: number;
  over: number;
  limit: number;
  surfaced: number;
  answered: number;
  failed: number;
  allCreated: boolean;
}

function rateSummary(data: BenchData): RateSummary | undefined {
  const ours = data.rate.filter((r) => r.side === "ours");
  const engine = data.rate.filter((r) => r.side === "engine");
  if (!ours.length || !engine.length) return undefined;
  const n = ours[0]!.n;
  const oursUp = median(ours.map((r) => r.up));
  const engineUp = median(engine.map((r) => r.up));
  return {
    n,
    oursUp,
    engineUp,
    over: pairedOverhead(data.rate, "up"),
    limit: GOALS.rateVsLimit * (n / GOALS.rateLimit) * 1000,
    surfaced: ours.reduce((a, r) => a + r.surfaced429, 0),
    answered: ours.reduce((a, r) => a + r.answered429Up + r.answered429Destroy, 0),
    failed: [...ours, ...engine].filter((r) => r.upCode !== 0 || r.destroyCode !== 0).length,
    allCreated: ours.every((r) => r.created === n && r.left === 0),
  };
}

/** Writes BENCHMARKS.md, benchmarks.svg and benchmarks.json into `dir`. */
export function writeReport(data: BenchData, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const notesFile = path.join(__dirname, "..", "..", "bench", "NOTES.md");
  const notes = fs.existsSync(notesFile) ? fs.readFileSync(notesFile, "utf8") : undefined;
  fs.writeFileSync(path.join(dir, "benchmarks.json"), `${JSON.stringify(data, null, 1)}\n`);
  const types = (data.meta.options as { types: ResourceType[] }).types.filter((t) => data.time.some((r) => r.type === t));
  if (types.length) fs.writeFileSync(path.join(dir, "benchmarks.svg"), chart(data, types));
  fs.writeFileSync(path.join(dir, "BENCHMARKS.md"), renderMarkdown(data, notes));
}

/** `node dist/bench/report.js [dir]`: rewrites the report from dir/benchmarks.json (after editing bench/NOTES.md). */
if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join(__dirname, "..", "..", "docs"));
  writeReport(JSON.parse(fs.readFileSync(path.join(dir, "benchmarks.json"), "utf8")) as BenchData, dir);
}
