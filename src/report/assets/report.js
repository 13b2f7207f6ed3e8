// @ts-check
// faultline report page. Plain browser JS, inlined into report.html at build time (no network, no
// build step). Every string from the run is rendered with textContent or canvas fillText, never as
// markup; element attributes are only ever set to values this script computes.
// Type-checked by `tsc -p .` against the report data types (src/report/data.ts) and uPlot's types.
/** @typedef {import('../data.ts').ReportData} ReportData */
/** @typedef {import('uplot')} UPlot */
/** @typedef {import('uplot').Options} UPlotOptions */
/** A drawn fault window: `startS`/`endS` seconds since the start, `x0`/`x1` CSS pixels. @typedef {{ label: string, startS: number, endS: number, x0: number, x1: number }} Band */
(() => {
  /** @type {Record<string, number>} */
  const timings = { start: Math.round(performance.now()) };
  let mark = performance.now();
  /** Where the load time goes (exposed on the debug hook). @param {string} name */
  const lap = (name) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  /** @type {ReportData} */
  const data = JSON.parse(document.getElementById('faultline-data')?.textContent ?? 'null');
  lap('parse');
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  /** @type {string[]} */
  const errors = [];
  window.addEventListener('error', (e) => errors.push(String(e.message)));

  // ---------- helpers ----------
  /** @type {Record<string, string>} */
  const COLOR = { ok: '#2f9e5a', fail: '#d64541', info: '#e6a700', pending: '#8a8f98' };
  const OUTCOMES = ['ok', 'fail', 'info', 'pending'];
  /** '#rrggbb' → [r, g, b]. @param {string} hex @returns {number[]} */
  const hexRgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  // Colours come with the nemesis's declared faults (test.json `faults`); undeclared families are grey.
  const FAULT_RGB = new Map(data.kinds.map((k) => [k.family, hexRgb(k.color)]));
  /** @typedef {{ kind: ReportData['kinds'][number], role: 'start' | 'stop' | 'event' }} FaultRole */
  /** A nemesis `f` → its declared kind and role (start, stop, event). @type {Map<string, FaultRole>} */
  const FAULT_ROLE = new Map();
  // The first declaration of an f wins, as in faultRoles (src/core/nemesis.ts).
  for (const kind of data.kinds)
    for (const [role, fs] of /** @type {const} */ ([
      ['start', kind.start],
      ['stop', kind.stop],
      ['event', kind.events],
    ]))
      for (const f of fs) if (!FAULT_ROLE.has(f)) FAULT_ROLE.set(f, { kind, role });
  /** @param {string} family */
  const faultRgb = (family) => FAULT_RGB.get(family) || [120, 120, 120];
  /** @param {number[]} c @param {number} a */
  const rgba = (c, a) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;
  /** @type {Record<string, [string, string]> & { unknown: [string, string] }} */
  const VERDICT = {
    true: ['valid', 'VALID'],
    false: ['invalid', 'INVALID'],
    unknown: ['unknown', 'UNKNOWN'],
  };
  /** @param {unknown} v @returns {[string, string]} */
  const verdictOf = (v) => VERDICT[String(v)] || VERDICT.unknown;

  /** @typedef {Node | string | number | null | undefined | false | Child[]} Child */
  /**
   * el('div', {class: 'x'}, 'text', child): strings become text nodes, never HTML.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {Record<string, any> | null} attrs
   * @param {Child[]} children
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v);
      }
    }
    for (const c of /** @type {(Node | string | number | null | undefined | false)[]} */ (children.flat(9))) {
      if (c === undefined || c === null || c === false) continue;
      e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  /** A value as one line of JSON (a {$truncated} placeholder as its text). @param {any} v @returns {string} */
  function json(v) {
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof v.$truncated === 'string' &&
      Object.keys(v).length === 1
    ) {
      return v.$truncated;
    }
    try {
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s;
    } catch {
      return String(v);
    }
  }
  /** @param {string} s @param {number} n */
  const short = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  /** @param {number} s */
  const fmtS = (s) => (Math.abs(s) >= 100 ? s.toFixed(0) : Math.abs(s) >= 10 ? s.toFixed(1) : s.toFixed(2));
  /** A clock offset in seconds, signed, with its unit: '-58 s', '+0.25 s', '0 s'. @param {number} s */
  const fmtOffsetS = (s) => (s === 0 ? '0 s' : `${s > 0 ? '+' : '-'}${+Math.abs(s).toFixed(3)} s`);
  /** 'n1 -58 s, n2 strobe 0 s ↔ -58 s': a clock op's settings (seconds) in words. @param {Record<string, unknown>} v */
  const clockText = (v) =>
    Object.entries(v)
      .map(([node, s]) => {
        if (typeof s === 'number') return `${node} ${fmtOffsetS(s)}`;
        const strobe =
          s && typeof s === 'object' ? /** @type {{ strobe?: unknown }} */ (s).strobe : undefined;
        return Array.isArray(strobe)
          ? `${node} strobe ${fmtOffsetS(Number(strobe[0]))} ↔ ${fmtOffsetS(Number(strobe[1]))}`
          : `${node} ${json(s)}`;
      })
      .join(', ');
  /** @param {number} ms */
  const fmtMs = (ms) =>
    ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;

  /** @param {string} id @param {string} title @param {Child[]} children */
  function section(id, title, ...children) {
    return el('section', { id, class: 'card' }, el('h2', null, title), ...children);
  }

  // ---------- ops (columns → typed arrays) ----------
  const O = data.ops;
  const N = O.startUs.length;
  // Start times and op indices arrive delta-encoded (smaller file); undo that once.
  /** @param {number[]} xs */
  const undelta = (xs) => {
    const out = new Float64Array(xs.length);
    let acc = 0;
    let k = 0;
    for (const x of xs) out[k++] = acc += x;
    return out;
  };
  /**
   * A dense column's element as a number: every index below a column's length is set, which tsc's
   * noUncheckedIndexedAccess cannot know (and JS has no `!`). An identity function the JIT inlines; the
   * indexing stays at each call site, so each keeps its own fast element access.
   * @param {number | undefined} x @returns {number}
   */
  const num = (x) => /** @type {number} */ (x);
  const S = undelta(O.startUs); // µs
  O.i = Array.from(undelta(O.i));
  const E = new Float64Array(N);
  for (let r = 0; r < N; r++) E[r] = num(S[r]) + num(O.durationUs[r]);
  const hasNemesis = O.l.some((l) => l < 0);
  const laneBase = hasNemesis ? 1 : 0;
  const laneCount = data.threads + laneBase;
  /** @param {number} r */
  const laneOfRow = (r) => (num(O.l[r]) < 0 ? 0 : num(O.l[r]) + laneBase);
  /** @type {Map<number, number> | undefined} */
  let byIndex;
  /** Row of an op by its history index (invocation or completion). @param {number} index */
  function rowOf(index) {
    if (!byIndex) {
      byIndex = new Map();
      for (let r = 0; r < N; r++) {
        byIndex.set(num(O.i[r]), r);
        if (O.c[r]) byIndex.set(num(O.i[r]) + num(O.c[r]), r);
      }
    }
    return byIndex.get(index);
  }
  /** @param {number} r */
  function describeRow(r) {
    const lines = [];
    const done = O.c[r] ? `#${num(O.i[r]) + num(O.c[r])}` : 'never completed';
    lines.push(`op #${O.i[r]} → ${done}`);
    lines.push(
      `${num(O.l[r]) < 0 ? 'nemesis' : `process ${O.p[r]} (thread ${O.l[r]})`}  ${O.fs[num(O.f[r])]}  ${OUTCOMES[num(O.o[r])]}`,
    );
    lines.push(`value: ${short(json(O.v[r]), 400)}`);
    // A completion value that differs from the invocation's comes wrapped: [value] (0 = same or none).
    const result = O.r[r];
    if (result) lines.push(`result: ${short(json(result[0]), 400)}`);
    const fault = num(O.l[r]) < 0 ? FAULT_ROLE.get(O.fs[num(O.f[r])] ?? '') : undefined;
    if (fault) {
      lines.push(`fault: ${fault.kind.family} ${fault.role}`);
      // Clock offsets with their unit: the completion's settings (absolute), else the invocation's.
      const settings = result ? result[0] : O.v[r];
      if (fault.kind.value.kind === 'clock-offsets' && settings && typeof settings === 'object')
        lines.push(`offsets: ${clockText(/** @type {Record<string, unknown>} */ (settings))}`);
    }
    if (O.e[r]) lines.push(`error: ${O.errs[num(O.e[r])]}`);
    if (O.n[r]) lines.push(`node: ${O.nodes[num(O.n[r])]}`);
    lines.push(
      `invoked at ${fmtS(num(S[r]) / 1e6)} s, ${O.o[r] === 3 ? 'open' : `took ${fmtMs(num(O.durationUs[r]) / 1000)}`}`,
    );
    return lines.join('\n');
  }

  // ---------- header, verdicts, test info ----------
  function header() {
    const [cls, word] = verdictOf(data.verdict.valid);
    const banner = el(
      'div',
      { class: `banner ${cls}`, id: 'verdict', 'data-verdict': String(data.verdict.valid) },
      el('div', { class: 'word' }, word),
      el(
        'div',
        { class: 'what' },
        el('h1', null, data.title),
        el('div', { class: 'summary' }, data.verdict.summary || ''),
      ),
    );
    const out = [banner];
    if (data.verdict.runError)
      out.push(el('div', { class: 'run-error' }, `The run itself failed: ${data.verdict.runError}`));
    const problems = data.verdict.historyProblems || [];
    if (problems.length)
      out.push(
        el(
          'div',
          { class: 'run-error', id: 'history-problems' },
          `The history is malformed (${problems.length} problem${problems.length === 1 ? '' : 's'} shown; all in results.json):`,
          el('ul', null, ...problems.map((p) => el('li', null, p))),
        ),
      );
    const cards = data.checkers.map((c) => {
      const [ccls, cword] = verdictOf(c.valid);
      return el(
        'a',
        {
          class: `checker ${ccls}`,
          href: `#checker-${encodeURIComponent(c.name)}`,
          'data-checker': c.name,
          'data-verdict': String(c.valid),
        },
        el('div', { class: 'name' }, c.name),
        el('div', { class: 'chip' }, cword),
        el(
          'div',
          { class: 'text' },
          c.reason ? `${c.summary ? `${c.summary} — ` : ''}${c.reason}` : c.summary || '',
        ),
      );
    });
    if (cards.length) out.push(el('div', { class: 'checkers' }, cards));
    // The key facts at a glance; the full table and the re-run command are in the Test section.
    const info = new Map(data.info);
    const facts = ['system', 'workload', 'faults', 'nodes', 'seed', 'ops', 'duration', 'faultline']
      .filter((k) => info.get(k))
      .map((k) => el('span', { class: 'fact' }, el('span', { class: 'k' }, k), ' ', info.get(k)));
    out.push(
      el(
        'div',
        { class: 'facts' },
        facts,
        el('code', { class: 'rerun-short', title: 're-run this test' }, data.rerun),
      ),
    );
    return el('header', null, out);
  }

  function testInfo() {
    const rows = data.info.map(([k, v]) => el('tr', null, el('th', null, k), el('td', null, v)));
    const cmd = el('code', null, data.rerun);
    const copy = el(
      'button',
      {
        type: 'button',
        class: 'copy',
        onclick: () => {
          const done = () => {
            copy.textContent = 'copied';
            setTimeout(() => (copy.textContent = 'copy'), 1500);
          };
          if (navigator.clipboard)
            navigator.clipboard.writeText(data.rerun).then(done, () => selectText(cmd));
          else selectText(cmd);
        },
      },
      'copy',
    );
    return section(
      'test',
      'Test',
      el('table', { class: 'info' }, el('tbody', null, rows)),
      el('div', { class: 'rerun' }, el('span', { class: 'label' }, 're-run'), el('pre', null, cmd), copy),
    );
  }
  /** @param {Node} node */
  function selectText(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const sel = window.getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
  }

  // ---------- the timeline ----------
  const timeline = (() => {
    const GUTTER = 78;
    const AXIS = 22;
    const BAND = 16;
    /** @type {number[][]} */
    const lanes = [];
    for (let k = 0; k < laneCount; k++) lanes.push([]);
    for (let r = 0; r < N; r++) lanes[laneOfRow(r)]?.push(r);
    // Per lane: rows by start, and the running maximum of their ends, so the first row that can reach
    // into the view is a binary search away even when intervals overlap.
    const laneRows = lanes.map((rs) => {
      rs.sort((a, b) => num(S[a]) - num(S[b]));
      return Int32Array.from(rs);
    });
    const laneMaxEnd = laneRows.map((rs) => {
      const m = new Float64Array(rs.length);
      let x = -Infinity;
      let k = 0;
      for (const r of rs) m[k++] = x = Math.max(x, num(E[r]));
      return m;
    });
    const endUs = data.endUs > 0 ? data.endUs : 1e6; // an empty history still gets a 1 s axis
    const full = { t0: -endUs * 0.01, t1: endUs * 1.01 };
    const view = { t0: full.t0, t1: full.t1 };
    const stats = { drawnOps: 0, totalOps: N, frames: 0, bands: /** @type {Band[]} */ ([]), lastFrameMs: 0 };
    let selected = -1;
    // Set by build(), before anything draws.
    let canvas = /** @type {HTMLCanvasElement} */ (/** @type {unknown} */ (undefined));
    let ctx = /** @type {CanvasRenderingContext2D} */ (/** @type {unknown} */ (undefined));
    let tip = /** @type {HTMLDivElement} */ (/** @type {unknown} */ (undefined));
    let detail = /** @type {HTMLPreElement} */ (/** @type {unknown} */ (undefined));
    let width = 800;
    let height = 200;
    let laneH = 14;
    let pending = false;

    const plotW = () => Math.max(10, width - GUTTER - 8);
    /** @param {number} us */
    const x = (us) => GUTTER + ((us - view.t0) / (view.t1 - view.t0)) * plotW();
    /** @param {number} px */
    const tAt = (px) => view.t0 + ((px - GUTTER) / plotW()) * (view.t1 - view.t0);
    /** @param {number} k */
    const laneY = (k) => AXIS + BAND + k * laneH;

    /** @param {Float64Array} arr @param {number} v */
    function lowerBound(arr, v) {
      let lo = 0;
      let hi = arr.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (num(arr[mid]) <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }

    /** @param {number} span @param {number} target */
    function niceStep(span, target) {
      const raw = span / target;
      const p = 10 ** Math.floor(Math.log10(raw));
      for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
      return 10 * p;
    }

    function draw() {
      pending = false;
      const t0 = performance.now();
      const dpr = window.devicePixelRatio || 1;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      const bottom = laneY(laneCount);
      // Lanes.
      for (let k = 0; k < laneCount; k++) {
        if (k % 2 === 1) {
          ctx.fillStyle = '#f6f7f9';
          ctx.fillRect(GUTTER, laneY(k), plotW(), laneH);
        }
      }
      // Fault windows behind the ops.
      stats.bands = [];
      ctx.save();
      ctx.beginPath();
      ctx.rect(GUTTER, 0, plotW(), height);
      ctx.clip();
      for (const w of data.faults) {
        const a = x(w.startS * 1e6);
        const b = x(w.endS * 1e6);
        if (b < GUTTER || a > width) continue;
        const c = faultRgb(w.key);
        ctx.fillStyle = rgba(c, 0.13);
        ctx.fillRect(a, AXIS, Math.max(1, b - a), bottom - AXIS);
        ctx.fillStyle = rgba(c, 0.85);
        ctx.fillRect(a, AXIS, Math.max(1, b - a), 3);
        ctx.fillStyle = rgba(c, 1);
        ctx.fillText(
          short(w.label, Math.max(4, Math.floor((b - a) / 6))),
          Math.max(a, GUTTER) + 3,
          AXIS + BAND / 2 + 1,
        );
        stats.bands.push({ label: w.label, startS: w.startS, endS: w.endS, x0: a, x1: b });
      }
      ctx.setLineDash([3, 3]);
      for (const ev of data.events) {
        const a = x(ev.tS * 1e6);
        if (a < GUTTER || a > width) continue;
        // A declared event in its family's colour; an undeclared f in grey.
        ctx.strokeStyle = ev.family ? rgba(faultRgb(ev.family), 0.8) : 'rgba(80,80,80,0.6)';
        ctx.beginPath();
        ctx.moveTo(a + 0.5, AXIS);
        ctx.lineTo(a + 0.5, bottom);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      // Ops: one Path2D per outcome; ops narrower than a pixel that land on the pixel already painted
      // in their colour are merged (counted as drawn, not repainted), so 100,000 ops stay cheap.
      const paths = OUTCOMES.map(() => new Path2D());
      const nemPath = new Path2D();
      let drawn = 0;
      const pad = laneH > 6 ? 2 : laneH > 3 ? 1 : 0;
      for (let k = 0; k < laneCount; k++) {
        const rs = /** @type {Int32Array} */ (laneRows[k]);
        const me = /** @type {Float64Array} */ (laneMaxEnd[k]);
        const y = laneY(k) + pad;
        const h = Math.max(1, laneH - 2 * pad);
        const lastPx = [-1, -1, -1, -1, -1];
        for (let j = lowerBound(me, view.t0); j < rs.length; j++) {
          const r = num(rs[j]);
          if (num(S[r]) > view.t1) break;
          if (num(E[r]) < view.t0) continue;
          drawn++;
          const a = x(num(S[r]));
          const b = x(num(E[r]));
          const o = num(O.l[r]) < 0 && O.o[r] === 0 ? 4 : num(O.o[r]);
          const path = /** @type {Path2D} */ (o === 4 ? nemPath : paths[o]);
          if (b - a < 1) {
            const px = Math.floor(a);
            if (px === lastPx[o]) continue;
            lastPx[o] = px;
            path.rect(px, y, 1, h);
          } else {
            lastPx[o] = Math.floor(b);
            path.rect(a, y, b - a, h);
          }
        }
      }
      OUTCOMES.forEach((name, o) => {
        ctx.fillStyle = COLOR[name] ?? '#000';
        ctx.fill(/** @type {Path2D} */ (paths[o]));
      });
      ctx.fillStyle = '#6c5ce7';
      ctx.fill(nemPath);
      if (selected >= 0) {
        const k = laneOfRow(selected);
        const a = x(num(S[selected]));
        const b = x(num(E[selected]));
        ctx.strokeStyle = '#111';
        ctx.lineWidth = 2;
        ctx.strokeRect(a - 2, laneY(k) - 1, Math.max(4, b - a + 4), laneH + 2);
        ctx.lineWidth = 1;
      }
      ctx.restore();
      // Axis.
      ctx.fillStyle = '#444';
      ctx.strokeStyle = '#ddd';
      const span = (view.t1 - view.t0) / 1e6;
      const step = niceStep(span, Math.max(2, plotW() / 90));
      const first = Math.ceil(view.t0 / 1e6 / step) * step;
      const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(step))));
      ctx.textAlign = 'center';
      for (let s = first; s <= view.t1 / 1e6; s += step) {
        const px = x(s * 1e6);
        ctx.beginPath();
        ctx.moveTo(px + 0.5, AXIS - 4);
        ctx.lineTo(px + 0.5, bottom);
        ctx.stroke();
        ctx.fillText(`${s.toFixed(decimals)} s`, px, AXIS / 2);
      }
      ctx.textAlign = 'left';
      // Lane labels (only when there is room for text).
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, AXIS, GUTTER - 2, bottom - AXIS);
      ctx.fillStyle = '#555';
      const every = Math.ceil(12 / laneH);
      for (let k = 0; k < laneCount; k++) {
        if (k % every !== 0) continue;
        const label = hasNemesis && k === 0 ? 'nemesis' : `thread ${k - laneBase}`;
        ctx.fillText(label, 6, laneY(k) + laneH / 2);
      }
      ctx.fillText('faults', 6, AXIS + BAND / 2);
      stats.drawnOps = drawn;
      stats.frames++;
      stats.lastFrameMs = performance.now() - t0;
    }

    function schedule() {
      if (!pending) {
        pending = true;
        requestAnimationFrame(draw);
      }
    }

    function resize() {
      const dpr = window.devicePixelRatio || 1;
      width = Math.max(300, canvas.parentElement?.clientWidth ?? 0);
      laneH = Math.max(3, Math.min(18, Math.floor(420 / Math.max(1, laneCount))));
      height = laneY(laneCount) + 6;
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      draw();
    }

    /** @param {number} t0 @param {number} t1 µs */
    function setView(t0, t1) {
      const minSpan = 5; // µs
      if (t1 - t0 < minSpan) {
        const mid = (t0 + t1) / 2;
        t0 = mid - minSpan / 2;
        t1 = mid + minSpan / 2;
      }
      const maxSpan = (full.t1 - full.t0) * 1.5;
      if (t1 - t0 > maxSpan) {
        t0 = full.t0;
        t1 = full.t1;
      }
      view.t0 = t0;
      view.t1 = t1;
      schedule();
    }

    /** The row drawn at (px, py), or -1. @param {number} px @param {number} py */
    function hit(px, py) {
      const k = Math.floor((py - laneY(0)) / laneH);
      if (k < 0 || k >= laneCount || px < GUTTER) return -1;
      const t = tAt(px);
      const tol = (4 / plotW()) * (view.t1 - view.t0);
      const rs = /** @type {Int32Array} */ (laneRows[k]);
      let best = -1;
      let bestD = Infinity;
      for (let j = lowerBound(/** @type {Float64Array} */ (laneMaxEnd[k]), t - tol); j < rs.length; j++) {
        const r = num(rs[j]);
        const s = num(S[r]);
        const e = num(E[r]);
        if (s > t + tol) break;
        const d = t < s ? s - t : t > e ? t - e : 0;
        if (d <= tol && d < bestD) {
          best = r;
          bestD = d;
        }
      }
      return best;
    }

    /** @param {number} r */
    function select(r) {
      selected = r;
      detail.textContent = r >= 0 ? describeRow(r) : 'Click an op to see it here.';
      schedule();
    }

    /** Centres the view on an op (by history index) and selects it. @param {number} index */
    function focusOp(index) {
      const r = rowOf(index);
      if (r === undefined) return false;
      const [s, e] = [num(S[r]), num(E[r])];
      const span = Math.max(Math.min(view.t1 - view.t0, (e - s) * 40), (e - s) * 3, 2000);
      const mid = (s + e) / 2;
      setView(mid - span / 2, mid + span / 2);
      select(r);
      canvas.scrollIntoView({ block: 'center', behavior: 'instant' });
      return true;
    }

    function build() {
      canvas = el('canvas', { class: 'timeline', tabindex: '0', 'aria-label': 'timeline of operations' });
      tip = el('div', { class: 'tip', hidden: 'hidden' });
      detail = el('pre', { class: 'detail' }, 'Click an op to see it here.');
      const wrap = el('div', { class: 'timeline-wrap' }, canvas, tip);
      const legend = el(
        'div',
        { class: 'legend' },
        OUTCOMES.map((o) =>
          el(
            'span',
            { class: 'key' },
            el('i', { class: `sw ${o}` }),
            o === 'pending' ? 'never completed' : o,
          ),
        ),
        el('span', { class: 'key' }, el('i', { class: 'sw nemesis' }), 'nemesis'),
        el('span', { class: 'hint' }, 'wheel: zoom · drag: pan · click: select · double-click: reset'),
        el('button', { type: 'button', onclick: () => setView(full.t0, full.t1) }, 'reset zoom'),
      );
      const sec = section('timeline', `Timeline (${N.toLocaleString('en-US')} ops)`, legend, wrap, detail);
      ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
      /** @type {{ x: number, t0: number, t1: number, moved: boolean } | undefined} */
      let drag;
      canvas.addEventListener(
        'wheel',
        (e) => {
          e.preventDefault();
          const rect = canvas.getBoundingClientRect();
          const t = tAt(e.clientX - rect.left);
          const k = Math.exp((e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY) * 0.0015);
          setView(t - (t - view.t0) * k, t + (view.t1 - t) * k);
        },
        { passive: false },
      );
      canvas.addEventListener('mousedown', (e) => {
        drag = { x: e.clientX, t0: view.t0, t1: view.t1, moved: false };
      });
      window.addEventListener('mousemove', (e) => {
        const rect = canvas.getBoundingClientRect();
        if (drag && e.buttons & 1) {
          const dx = e.clientX - drag.x;
          if (Math.abs(dx) > 2) drag.moved = true;
          const dt = (dx / plotW()) * (drag.t1 - drag.t0);
          setView(drag.t0 - dt, drag.t1 - dt);
          tip.hidden = true;
          return;
        }
        const px = e.clientX - rect.left;
        const py = e.clientY - rect.top;
        if (px < 0 || py < 0 || px > rect.width || py > rect.height) {
          tip.hidden = true;
          return;
        }
        const r = hit(px, py);
        if (r < 0) {
          tip.hidden = true;
          canvas.style.cursor = 'grab';
          return;
        }
        canvas.style.cursor = 'pointer';
        tip.textContent = describeRow(r);
        tip.hidden = false;
        const left = Math.min(px + 14, rect.width - tip.offsetWidth - 4);
        tip.style.left = `${Math.max(0, left)}px`;
        tip.style.top = `${py + 14}px`;
      });
      window.addEventListener('mouseup', (e) => {
        if (drag && !drag.moved) {
          const rect = canvas.getBoundingClientRect();
          select(hit(e.clientX - rect.left, e.clientY - rect.top));
        }
        drag = undefined;
      });
      canvas.addEventListener('dblclick', () => setView(full.t0, full.t1));
      canvas.addEventListener('keydown', (e) => {
        const span = view.t1 - view.t0;
        if (e.key === 'ArrowLeft') setView(view.t0 - span * 0.2, view.t1 - span * 0.2);
        else if (e.key === 'ArrowRight') setView(view.t0 + span * 0.2, view.t1 + span * 0.2);
        else if (e.key === '+' || e.key === '=') setView(view.t0 + span * 0.25, view.t1 - span * 0.25);
        else if (e.key === '-') setView(view.t0 - span * 0.5, view.t1 + span * 0.5);
        else return;
        e.preventDefault();
      });
      return sec;
    }

    return { build, resize, focusOp, stats, view, setView, draw: () => draw() };
  })();

  /** A button that centres the timeline on op #index. @param {number} index @param {string} [text] */
  function opLink(index, text) {
    const ok = rowOf(index) !== undefined;
    return el(
      'button',
      {
        type: 'button',
        class: 'oplink',
        'data-op': String(index),
        disabled: ok ? null : 'disabled',
        title: ok ? 'show in the timeline' : 'not in this history',
        onclick: () => timeline.focusOp(index),
      },
      text === undefined ? `#${index}` : text,
    );
  }

  // ---------- performance charts (uPlot) ----------
  // uPlot is inlined before this script as a global (the page loads no modules).
  const uPlot = /** @type {{ uPlot: typeof import('uplot') }} */ (/** @type {unknown} */ (globalThis)).uPlot;
  /** @type {Record<string, { u: UPlot, bands: Band[] }>} */
  const charts = {};
  /** Shades fault windows behind a chart's series and labels them along the top. @param {string} name */
  function faultPlugin(name) {
    return {
      hooks: {
        drawClear: [
          /** @param {UPlot} u */
          (u) => {
            const c = u.ctx;
            const { left, top, width, height } = u.bbox;
            /** @type {Band[]} */
            const bands = [];
            c.save();
            c.beginPath();
            c.rect(left, top, width, height);
            c.clip();
            for (const w of data.faults) {
              const a = u.valToPos(w.startS, 'x', true);
              const b = u.valToPos(w.endS, 'x', true);
              const rgb = faultRgb(w.key);
              c.fillStyle = rgba(rgb, 0.14);
              c.fillRect(a, top, Math.max(1, b - a), height);
              c.fillStyle = rgba(rgb, 0.8);
              c.fillRect(a, top, Math.max(1, b - a), 3 * (window.devicePixelRatio || 1));
              bands.push({ label: w.label, startS: w.startS, endS: w.endS, x0: a, x1: b });
            }
            c.restore();
            const entry = charts[name];
            if (entry) entry.bands = bands;
          },
        ],
        draw: [
          /** @param {UPlot} u */
          (u) => {
            const c = u.ctx;
            const dpr = window.devicePixelRatio || 1;
            const { left, top, width } = u.bbox;
            c.save();
            c.font = `${11 * dpr}px system-ui, sans-serif`;
            c.textBaseline = 'top';
            c.textAlign = 'left'; // uPlot leaves the axis alignment behind
            for (const w of data.faults) {
              const a = Math.max(left, u.valToPos(w.startS, 'x', true));
              const b = Math.min(left + width, u.valToPos(w.endS, 'x', true));
              if (b - a < 12 * dpr) continue;
              c.fillStyle = rgba(faultRgb(w.key), 1);
              c.fillText(short(w.label, Math.floor((b - a) / (6 * dpr))), a + 3 * dpr, top + 5 * dpr);
            }
            c.restore();
          },
        ],
      },
    };
  }

  /** @param {HTMLElement} node */
  function chartWidth(node) {
    return Math.max(300, (node.clientWidth || document.body.clientWidth - 64) - 4);
  }

  /**
   * A uPlot chart over the whole run, with the fault windows shaded; registered in `charts` as `name`.
   * @param {string} name @param {HTMLElement} target
   * @param {Omit<UPlotOptions, 'width' | 'height'> & { height?: number }} opts
   * @param {(ArrayLike<number | null | undefined>)[]} series
   */
  function makeChart(name, target, opts, series) {
    // uPlot cannot pick a range for a scale with no data at all (an empty or unchecked run): give one.
    /** @type {Record<string, import('uplot').Scale>} */
    const scales = { ...opts.scales };
    // Every chart spans the whole run, so fault bands and spikes line up from chart to chart.
    const end = data.endUs > 0 ? data.endUs / 1e6 : 1;
    scales.x = { ...scales.x, range: [0, end] };
    if (!series.slice(1).some((ys) => Array.prototype.some.call(ys, (v) => v != null))) {
      scales.y = { ...scales.y, range: scales.y && scales.y.distr === 3 ? [0.1, 100] : [0, 1] };
    }
    opts = { ...opts, scales };
    // Registered before construction: uPlot may draw (and record the bands) before it returns.
    const entry = {
      u: /** @type {UPlot} */ (/** @type {unknown} */ (undefined)),
      bands: /** @type {Band[]} */ ([]),
    };
    charts[name] = entry;
    entry.u = new uPlot(
      { width: chartWidth(target), height: 230, plugins: [faultPlugin(name)], ...opts },
      /** @type {import('uplot').AlignedData} */ (/** @type {unknown} */ (series)),
      target,
    );
    return entry.u;
  }

  /** @param {HTMLElement[]} boxes throughput, latency, quantiles */
  function perfCharts(boxes) {
    const p = data.perf;
    const [box0, box1, box2] = /** @type {[HTMLElement, HTMLElement, HTMLElement]} */ (boxes);
    const step = uPlot.paths?.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    /** @param {string} yLabel @param {boolean} [log] @returns {import('uplot').Axis[]} */
    const axes = (yLabel, log) => [
      { label: 'seconds since start', labelSize: 18, size: 36 },
      {
        label: yLabel,
        labelSize: 18,
        size: 64,
        ...(log
          ? {
              /** @param {UPlot} _u @param {number[]} vals */
              values: (_u, vals) => vals.map((v) => (v == null ? '' : fmtMs(v))),
            }
          : {}),
      },
    ];
    makeChart(
      'throughput',
      box0,
      {
        scales: { x: { time: false } },
        axes: axes('ops/s'),
        cursor: { sync: { key: 'perf' } },
        series: [
          { label: 't (s)' },
          ...['ok', 'fail', 'info'].map((o) => ({
            label: o,
            stroke: COLOR[o],
            width: 1.5,
            fill: o === 'ok' ? 'rgba(47,158,90,0.08)' : undefined,
            paths: step,
            points: { show: false },
          })),
        ],
      },
      [p.tS, p.throughput.ok, p.throughput.fail, p.throughput.info],
    );

    // Scatter: uPlot wants one shared, sorted x; each group gets its own y column, null elsewhere.
    const groups = p.scatter.map((g) => ({ ...g, rows: undelta(g.rows) }));
    let total = 0;
    for (const g of groups) total += g.rows.length;
    const order = new Uint32Array(total);
    const gid = new Uint16Array(total);
    const allT = new Float64Array(total);
    const allL = new Float64Array(total);
    let k = 0;
    groups.forEach((g, gi) => {
      for (const r of g.rows) {
        allT[k] = (num(S[r]) + num(O.durationUs[r])) / 1e6;
        allL[k] = Math.max(0.001, num(O.durationUs[r]) / 1000);
        gid[k] = gi;
        order[k] = k;
        k++;
      }
    });
    order.sort((a, b) => num(allT[a]) - num(allT[b]));
    /** @type {number[]} */
    const xs = new Array(total);
    /** @type {(number | null)[][]} */
    const ys = groups.map(() => new Array(total).fill(null));
    for (let j = 0; j < total; j++) {
      const q = num(order[j]);
      xs[j] = num(allT[q]);
      /** @type {(number | null)[]} */ (ys[num(gid[q])])[j] = num(allL[q]);
    }
    /** @type {Record<string, number[]>} */
    const BASE = { ok: [47, 158, 90], fail: [214, 69, 65], info: [230, 167, 0] };
    /** @param {string} o @param {number | undefined} fi */
    const shade = (o, fi) => {
      const base = /** @type {number[]} */ (BASE[o]);
      const f = 1 - Math.min(0.5, (fi ?? 0) * 0.22);
      return `rgba(${base.map((c) => Math.round(c * f)).join(',')},0.65)`;
    };
    /** @type {Map<string, number>} */
    const fIndex = new Map();
    for (const g of groups) if (!fIndex.has(g.f)) fIndex.set(g.f, fIndex.size);
    makeChart(
      'latency',
      box1,
      {
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: axes('latency', true),
        legend: { live: false },
        cursor: { sync: { key: 'perf' }, points: { show: false } },
        series: [
          { label: 't (s)' },
          ...groups.map((g) => ({
            label: `${g.f} ${g.outcome} (${g.rows.length})`,
            stroke: shade(g.outcome, fIndex.get(g.f)),
            fill: shade(g.outcome, fIndex.get(g.f)),
            paths: () => null,
            points: { show: true, size: 3, width: 0, fill: shade(g.outcome, fIndex.get(g.f)) },
          })),
        ],
      },
      [xs, ...ys],
    );
    makeChart(
      'quantiles',
      box2,
      {
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: axes('latency', true),
        cursor: { sync: { key: 'perf' } },
        series: [
          { label: 't (s)' },
          { label: 'p50', stroke: '#2f9e5a', width: 1.5, spanGaps: true, points: { show: false } },
          { label: 'p95', stroke: '#e6a700', width: 1.5, spanGaps: true, points: { show: false } },
          { label: 'p99', stroke: '#d64541', width: 1.5, spanGaps: true, points: { show: false } },
        ],
      },
      [
        p.tS,
        ...[p.quantiles.p50, p.quantiles.p95, p.quantiles.p99].map((q) =>
          q.map((v) => (v == null ? null : Math.max(0.001, v))),
        ),
      ],
    );
  }

  function clockSection() {
    const c = data.clock;
    if (!c)
      return {
        sec: section(
          'clock',
          'Clock offsets',
          el('p', { class: 'note' }, 'No clock offsets were recorded in this run.'),
        ),
      };
    const box = el('div', { class: 'chart', id: 'chart-clock' });
    const sec = section(
      'clock',
      'Clock offsets per node',
      el(
        'p',
        { class: 'note' },
        'Offsets (seconds) set by the clock nemesis, as it reported them; a strobe flips between two offsets (the line shows the one farther from 0).',
      ),
      box,
    );
    const palette = ['#2980b9', '#8e44ad', '#16a085', '#c0392b', '#d35400', '#2c3e50', '#27ae60', '#7f8c8d'];
    const later = () => {
      // Clocks start unperturbed (0) and keep their last offset to the end of the run.
      const endS = data.endUs / 1e6;
      const tS = [0, ...c.tS, Math.max(endS, c.tS[c.tS.length - 1] ?? 0)];
      // Points 1..n are the recorded steps; 0 is the start and n+1 repeats the last step.
      /** @param {string} node @param {number} i */
      const strobeAt = (node, i) => {
        const s = c.strobes[node] ?? [];
        return s[Math.min(Math.max(i - 1, 0), s.length - 1)] || null;
      };
      const step = uPlot.paths?.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
      makeChart(
        'clock',
        box,
        {
          height: 200,
          scales: { x: { time: false } },
          axes: [
            { label: 'seconds since start', labelSize: 18, size: 36 },
            {
              label: 'offset (s)',
              labelSize: 18,
              size: 64,
              /** @param {UPlot} _u @param {number[]} splits */
              values: (_u, splits) => splits.map((v) => fmtOffsetS(v)),
            },
          ],
          series: [
            { label: 't (s)' },
            ...c.nodes.map((n, i) => ({
              label: n,
              stroke: palette[i % palette.length],
              width: 2,
              paths: step,
              points: { show: false },
              /** @param {UPlot} _u @param {number | null} v @param {number} _si @param {number | null} di */
              value: (_u, v, _si, di) => {
                if (v == null) return '–';
                const s = di == null || di === 0 ? null : strobeAt(n, di);
                return s ? `strobe ${fmtOffsetS(s[0])} ↔ ${fmtOffsetS(s[1])}` : fmtOffsetS(v);
              },
            })),
          ],
        },
        [
          tS,
          ...c.nodes.map((n) => {
            const offs = c.offsetsS[n] ?? [];
            return [0, ...offs, offs[offs.length - 1] ?? 0];
          }),
        ],
      );
    };
    return { sec, later };
  }

  // ---------- anomalies ----------
  /** The anomaly type whose cases have a richer view: the linearizability counterexample (result.failure). */
  const NONLINEARIZABLE = 'nonlinearizable';
  const INDEX_KEY = /^(index|completionIndex|opIndex|invokeIndex|op-index)$/;

  /**
   * A collapsible JSON tree; numbers under index-like keys link into the timeline.
   * @param {unknown} value @param {string | number | undefined} key @param {number} depth @returns {HTMLElement}
   */
  function tree(value, key, depth) {
    if (value === null || typeof value !== 'object') {
      const text = typeof value === 'string' ? value : json(value);
      const leaf =
        typeof value === 'number' && INDEX_KEY.test(String(key))
          ? opLink(value)
          : el('span', { class: `v ${typeof value}` }, text);
      return el(
        'div',
        { class: 'leaf' },
        key !== undefined ? el('span', { class: 'k' }, `${key}: `) : null,
        leaf,
      );
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const shown = entries.slice(0, 200);
    const label = Array.isArray(value) ? `[${value.length}]` : `{${entries.length}}`;
    const d = el(
      'details',
      { class: 'tree' },
      el('summary', null, key !== undefined ? el('span', { class: 'k' }, `${key} `) : null, label),
    );
    if (depth < 1) d.open = true;
    // Children are built when first opened: big results stay cheap until someone looks.
    let built = false;
    const fill = () => {
      if (built) return;
      built = true;
      for (const [k, v] of shown) d.append(tree(v, k, depth + 1));
      if (entries.length > shown.length)
        d.append(el('div', { class: 'leaf more' }, `… ${entries.length - shown.length} more`));
    };
    if (d.open) fill();
    d.addEventListener('toggle', fill);
    return d;
  }

  /**
   * One anomaly type's cases: each its ops (linked into the timeline) and its explanation.
   * @param {import('../anomalies.ts').AnomalyGroup} g
   */
  function caseList(g) {
    const items = g.cases.map((c) => {
      const cy = asCycle(c.data);
      return el(
        'li',
        cy ? { class: 'cycle-case' } : null,
        ...c.ops.slice(0, 8).flatMap((/** @type {number} */ i) => [opLink(i), ' ']),
        c.ops.length > 8 ? `… ${c.ops.length - 8} more ops ` : null,
        el('span', { class: 'explanation' }, c.explanation),
        cy ? cycleView(cy) : null,
      );
    });
    if (g.count > items.length)
      items.push(el('li', { class: 'more' }, `… ${g.count - items.length} more (see results.json)`));
    return el('ul', { class: 'refs' }, items);
  }

  // ---------- cycles (the transactional checker's G0, G1c, G-single, G2-item… cases) ----------
  /** @typedef {import('../data.ts').EmbeddedCycle} EmbeddedCycle */
  /** A case's data when it is a cycle (data.ts embedCycle). @param {unknown} d @returns {EmbeddedCycle | undefined} */
  const asCycle = (d) =>
    d && typeof d === 'object' && /** @type {{ $cycle?: unknown }} */ (d).$cycle === 1
      ? /** @type {EmbeddedCycle} */ (d)
      : undefined;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  /** Cycles longer than this are listed, not drawn: a circle of more txns is unreadable. */
  const MAX_DRAWN_STEPS = 40;
  /** @type {Record<string, { label: string, color: string }>} */
  const EDGE_STYLE = {
    ww: { label: 'ww', color: '#2b6cb0' },
    wr: { label: 'wr', color: '#2f9e5a' },
    rw: { label: 'rw', color: '#d64541' },
    realtime: { label: 'rt', color: '#7b4bc4' },
    process: { label: 'process', color: '#6b7280' },
  };
  /** @param {string} kind */
  const edgeStyle = (kind) => EDGE_STYLE[kind] || { label: kind, color: '#6b7280' };
  /**
   * An SVG element; attribute values are numbers or strings this script computes, text goes in as
   * text nodes.
   * @param {string} tag @param {Record<string, string | number>} attrs @param {(Node | string)[]} children
   * @returns {SVGElement}
   */
  function svg(tag, attrs, ...children) {
    const e = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }
  /** 'p3 on n1' for a txn. @param {EmbeddedCycle['steps'][number]} st */
  const whereOf = (st) => `process ${st.process}${st.node ? ` on ${st.node}` : ''}`;
  /** @param {EmbeddedCycle['steps'][number]} st */
  const timesOf = (st) =>
    `${(st.invokeUs / 1e6).toFixed(3)} s → ${st.completeUs === null ? 'never completed' : `${(st.completeUs / 1e6).toFixed(3)} s`}`;

  /**
   * One cycle: the txns on a circle (nodes, each a button reaching its op in the timeline), each edge
   * an arrow to the next txn labelled with its kind (ww, wr, rw, rt, process) and, on hover, its reason;
   * beside it, each txn's ops and micro-ops and each edge's reason in words. A search that timed out
   * has no cycle: it says so, with the size of the strongly connected component.
   * @param {EmbeddedCycle} cy
   */
  function cycleView(cy) {
    if (cy.searchTimedOut || cy.steps.length === 0) {
      return el(
        'div',
        { class: 'cycle timed-out' },
        el(
          'p',
          null,
          `The search for a short cycle timed out: a cycle of this class exists in a strongly connected component of ${cy.sccSize ?? '?'} txns. Its txns: `,
          ...cy.scc.slice(0, 40).flatMap((i) => [opLink(i), ' ']),
          (cy.sccSize ?? 0) > 40 ? `… ${(cy.sccSize ?? 0) - 40} more (see results.json)` : null,
        ),
      );
    }
    const n = cy.steps.length;
    const txns = el(
      'ol',
      { class: 'cycle-txns' },
      cy.steps.map((st, k) => {
        const next = cy.steps[(k + 1) % n];
        const style = edgeStyle(st.edge.kind);
        return el(
          'li',
          { 'data-label': st.label },
          el('strong', null, st.label),
          ' ',
          opLink(st.invokeIndex),
          st.completeIndex !== null ? [' ', opLink(st.completeIndex)] : null,
          ` ${whereOf(st)}, ${timesOf(st)}`,
          el(
            'div',
            { class: 'mops' },
            st.mops.map((m) => el('code', null, m)),
            st.moreMops ? ` … ${st.moreMops} more` : null,
          ),
          el(
            'div',
            { class: 'edge-reason' },
            el(
              'span',
              { class: 'kind', style: `color:${style.color}` },
              `${st.label} → ${next?.label} ${style.label}`,
            ),
            ': ',
            st.edge.text,
          ),
        );
      }),
    );
    if (cy.moreSteps || n > MAX_DRAWN_STEPS) {
      return el(
        'div',
        { class: 'cycle' },
        el('p', { class: 'note' }, `A cycle of ${n + cy.moreSteps} txns: too long to draw, listed below.`),
        txns,
      );
    }
    return el('div', { class: 'cycle' }, cycleSvg(cy), txns);
  }

  /** The drawing: txns evenly on a circle, each edge a curved arrow. @param {EmbeddedCycle} cy */
  function cycleSvg(cy) {
    const n = cy.steps.length;
    const NODE_R = 22;
    const R = Math.max(n === 1 ? 0 : 70, (n * 110) / (2 * Math.PI));
    const PAD = 70;
    const c0 = R + PAD;
    const pos = cy.steps.map((_, k) => {
      // From the top, clockwise; two txns side by side.
      const a = (n === 2 ? Math.PI : -Math.PI / 2) + (2 * Math.PI * k) / n;
      return { x: c0 + R * Math.cos(a), y: c0 + R * Math.sin(a) };
    });
    // The drawing's box: the nodes' extent plus room for the bent edges and the labels.
    const ys = pos.map((p) => p.y);
    const top = Math.min(...ys) - PAD;
    const w = 2 * c0;
    const h = Math.max(...ys) + PAD - top;
    const root = svg('svg', {
      class: 'cycle-graph',
      viewBox: `0 ${top.toFixed(0)} ${w.toFixed(0)} ${h.toFixed(0)}`,
      width: w.toFixed(0),
      height: h.toFixed(0),
      role: 'img',
      'aria-label': `cycle of ${n} txns`,
    });
    const f1 = (/** @type {number} */ v) => v.toFixed(1);
    cy.steps.forEach((st, k) => {
      const a = /** @type {{ x: number, y: number }} */ (pos[k]);
      const b = /** @type {{ x: number, y: number }} */ (pos[(k + 1) % n]);
      const style = edgeStyle(st.edge.kind);
      const next = cy.steps[(k + 1) % n];
      const title = svg('title', {}, `${st.label} → ${next?.label} (${style.label}): ${st.edge.text}`);
      const g = svg(
        'g',
        { class: 'edge', 'data-kind': st.edge.kind, 'data-from': st.label, 'data-to': next?.label ?? '' },
        title,
      );
      if (n === 1) {
        // A txn depending on itself: a loop above the node.
        const d = `M ${f1(a.x - 10)} ${f1(a.y - NODE_R + 2)} C ${f1(a.x - 40)} ${f1(a.y - 80)} ${f1(a.x + 40)} ${f1(a.y - 80)} ${f1(a.x + 10)} ${f1(a.y - NODE_R + 2)}`;
        g.append(svg('path', { d, fill: 'none', stroke: style.color, 'stroke-width': 1.8 }));
        g.append(
          svg(
            'text',
            { x: f1(a.x), y: f1(a.y - 66), 'text-anchor': 'middle', fill: style.color, class: 'edge-label' },
            style.label,
          ),
        );
        root.append(g);
        return;
      }
      // Bend each edge to one side of its chord (outwards for a real circle), so the two edges of a
      // two-txn cycle do not overlap.
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy) || 1;
      let nx = dy / len;
      let ny = -dx / len;
      const mx = (a.x + b.x) / 2;
      const my = (a.y + b.y) / 2;
      if (n > 2 && nx * (mx - c0) + ny * (my - c0) < 0) {
        nx = -nx;
        ny = -ny;
      }
      const bend = n === 2 ? 0.35 * len : 0.18 * len;
      const cx = mx + nx * bend;
      const cyy = my + ny * bend;
      // Start and end on the node circles, along the curve's tangents there.
      const ux = (cx - a.x) / (Math.hypot(cx - a.x, cyy - a.y) || 1);
      const uy = (cyy - a.y) / (Math.hypot(cx - a.x, cyy - a.y) || 1);
      const vx = (b.x - cx) / (Math.hypot(b.x - cx, b.y - cyy) || 1);
      const vy = (b.y - cyy) / (Math.hypot(b.x - cx, b.y - cyy) || 1);
      const sx = a.x + ux * NODE_R;
      const sy = a.y + uy * NODE_R;
      const ex = b.x - vx * (NODE_R + 2);
      const ey = b.y - vy * (NODE_R + 2);
      g.append(
        svg('path', {
          d: `M ${f1(sx)} ${f1(sy)} Q ${f1(cx)} ${f1(cyy)} ${f1(ex)} ${f1(ey)}`,
          fill: 'none',
          stroke: style.color,
          'stroke-width': 1.8,
        }),
      );
      // The arrowhead, drawn (no <marker>: ids would clash between the page's many graphs).
      const H = 9;
      const W = 4.5;
      const bx = ex - vx * H;
      const by = ey - vy * H;
      g.append(
        svg('polygon', {
          points: `${f1(ex)},${f1(ey)} ${f1(bx - vy * W)},${f1(by + vx * W)} ${f1(bx + vy * W)},${f1(by - vx * W)}`,
          fill: style.color,
        }),
      );
      // The label at the curve's middle, pushed a little further out.
      const lx = 0.25 * a.x + 0.5 * cx + 0.25 * b.x + nx * 10;
      const ly = 0.25 * a.y + 0.5 * cyy + 0.25 * b.y + ny * 10;
      g.append(
        svg(
          'text',
          { x: f1(lx), y: f1(ly + 4), 'text-anchor': 'middle', fill: style.color, class: 'edge-label' },
          style.label,
        ),
      );
      root.append(g);
    });
    cy.steps.forEach((st, k) => {
      const p = /** @type {{ x: number, y: number }} */ (pos[k]);
      const title = svg(
        'title',
        {},
        [`${st.label}: op #${st.invokeIndex}, ${whereOf(st)}, ${timesOf(st)}`, ...st.mops].join('\n'),
      );
      const g = svg(
        'g',
        { class: 'txn', 'data-label': st.label, 'data-op': st.invokeIndex, tabindex: 0, role: 'button' },
        title,
        svg('circle', { cx: f1(p.x), cy: f1(p.y), r: NODE_R }),
        svg('text', { x: f1(p.x), y: f1(p.y + 4), 'text-anchor': 'middle', class: 'txn-label' }, st.label),
        svg(
          'text',
          { x: f1(p.x), y: f1(p.y + NODE_R + 13), 'text-anchor': 'middle', class: 'txn-where' },
          `p${st.process}${st.node ? ` ${st.node}` : ''}`,
        ),
      );
      const go = () => timeline.focusOp(st.invokeIndex);
      g.addEventListener('click', go);
      g.addEventListener('keydown', (e) => {
        const key = /** @type {KeyboardEvent} */ (e).key;
        if (key === 'Enter' || key === ' ') {
          e.preventDefault();
          go();
        }
      });
      root.append(g);
    });
    return root;
  }

  /** The minimal counterexample as a small timeline: one lane per process, the impossible op outlined. */
  /**
   * `refs` are drawn solid (the counterexample), `context` faded (ops around it, for orientation).
   * @typedef {{ index: number, process: unknown, node?: string, description?: string, outcome?: string }} OpRef
   * @param {OpRef[]} refs @param {number} blocked @param {OpRef[] | undefined} context
   */
  function miniTimeline(refs, blocked, context) {
    /** @type {{ r: number, ref: OpRef, faded: boolean }[]} */
    const rows = [];
    const seen = new Set();
    for (const [list, faded] of /** @type {[OpRef[], boolean][]} */ ([
      [refs, false],
      [context || [], true],
    ])) {
      for (const ref of list) {
        const r = rowOf(ref.index);
        if (r === undefined || seen.has(ref.index) || rows.length >= 40) continue;
        seen.add(ref.index);
        rows.push({ r, ref, faded });
      }
    }
    if (!rows.length) return null;
    const procs = [...new Set(rows.map((x) => String(x.ref.process)))];
    const t0 = Math.min(...rows.map((x) => num(S[x.r])));
    const t1 = Math.max(...rows.map((x) => num(E[x.r])));
    const span = Math.max(1, t1 - t0);
    const laneH = 26;
    const W = 860;
    const H = procs.length * laneH + 28;
    const canvas = el('canvas', { class: 'mini' });
    const dpr = window.devicePixelRatio || 1;
    canvas.width = W * dpr;
    canvas.height = H * dpr;
    canvas.style.width = `${W}px`;
    canvas.style.height = `${H}px`;
    const c = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    c.scale(dpr, dpr);
    c.font = '11px system-ui, sans-serif';
    c.textBaseline = 'middle';
    const L = 70;
    /** @param {number} us */
    const xx = (us) => L + ((us - t0) / span) * (W - L - 20);
    procs.forEach((p, k) => {
      c.fillStyle = '#555';
      c.fillText(`process ${p}`, 4, 14 + k * laneH + laneH / 2);
    });
    for (const { r, ref, faded } of rows) {
      const k = procs.indexOf(String(ref.process));
      const y = 14 + k * laneH + 4;
      const a = xx(num(S[r]));
      const b = Math.max(a + 3, xx(num(E[r])));
      const isBlocked = ref.index === blocked;
      c.fillStyle = isBlocked ? '#fbe3e2' : faded ? '#f1f2f4' : '#e3f1e8';
      c.fillRect(a, y, b - a, laneH - 8);
      c.strokeStyle = isBlocked ? '#d64541' : faded ? '#b8bdc6' : '#2f9e5a';
      c.lineWidth = isBlocked ? 2.5 : 1;
      c.strokeRect(a, y, b - a, laneH - 8);
      c.fillStyle = '#222';
      c.save();
      c.beginPath();
      c.rect(a, y, Math.max(b - a, 200), laneH - 8);
      c.clip();
      c.fillText(
        `${isBlocked ? '✗ ' : ''}#${ref.index} ${ref.description || ''}`,
        a + 4,
        y + (laneH - 8) / 2,
      );
      c.restore();
    }
    c.fillStyle = '#777';
    const digits = Math.min(6, Math.max(2, 2 - Math.floor(Math.log10(span / 1e6))));
    c.fillText(`${(t0 / 1e6).toFixed(digits)} s`, L, H - 7);
    c.textAlign = 'right';
    c.fillText(`${(t1 / 1e6).toFixed(digits)} s`, W - 20, H - 7);
    return canvas;
  }

  /** The linearizability checker's failure (checkers/linearizable: LinearizabilityResult). @param {any} f */
  function linearizability(f) {
    const out = [];
    if (f.op) {
      out.push(
        el(
          'p',
          { class: 'impossible' },
          'Cannot linearize ',
          opLink(f.op.index),
          ` (process ${f.op.process}${f.op.node ? ` on ${f.op.node}` : ''}): `,
          el('strong', null, f.op.description || ''),
        ),
      );
    }
    // Results written before counterexamples kept their writes had a separate `grounded` set: prefer it.
    const shown = f.minimal?.grounded?.ops?.length ? f.minimal.grounded : f.minimal;
    const refs = shown?.ops?.length ? shown.ops : [...(f.window || []), ...(f.op ? [f.op] : [])];
    // Context: the ops of the first order tried and those concurrent with the impossible op, faded.
    const context = [
      ...((f.finalPaths?.[0]?.path || []).map((/** @type {{ op: OpRef }} */ p) => p.op) || []),
      ...(f.window || []),
    ];
    const mini = miniTimeline(refs, f.op ? f.op.index : -1, context);
    if (mini) {
      const what = f.minimal
        ? `Minimal counterexample (${refs.length} op${refs.length === 1 ? '' : 's'}: the impossible op and the writes its reads saw${shown === f.minimal && !f.minimal.oneMinimal ? ', not fully minimized' : ''}; the ops around it faded)`
        : 'The impossible op and the ops concurrent with it';
      out.push(el('h4', null, what), el('div', { class: 'mini-wrap' }, mini));
      out.push(
        el(
          'ul',
          { class: 'refs' },
          refs.map((/** @type {OpRef} */ r) =>
            el(
              'li',
              null,
              opLink(r.index),
              ` p${r.process}${r.node ? ` on ${r.node}` : ''} ${r.outcome || ''} `,
              r.description || '',
            ),
          ),
        ),
      );
    }
    (f.finalPaths || []).slice(0, 3).forEach((/** @type {any} */ p, /** @type {number} */ k) => {
      out.push(
        el('h4', null, `Linearization ${k + 1} tried${p.elided ? ` (after ${p.elided} earlier ops)` : ''}`),
      );
      const ol = el('ol', { class: 'path' });
      for (const s of p.path || [])
        ol.append(
          el(
            'li',
            null,
            opLink(s.op.index),
            ` ${s.op.description || ''} ⇒ `,
            el('code', null, String(s.state)),
          ),
        );
      for (const t of p.tried || []) {
        ol.append(
          el(
            'li',
            { class: 'tried' },
            'then ',
            opLink(t.op.index),
            ` ${t.op.description || ''}: `,
            t.error || `legal (⇒ ${t.next}) but a dead end later`,
          ),
        );
      }
      out.push(ol);
    });
    return out;
  }

  function anomalies() {
    const items = data.checkers.map((c) => {
      const [cls, word] = verdictOf(c.valid);
      /** @type {Record<string, any>} */
      const r = c.result || {};
      const body = [];
      // Only the result's own anomaly data is shown as anomalies; a result without it (results.json
      // of an older run) keeps just its summary line and its details.
      for (const g of c.anomalies || []) {
        const rich = g.type === NONLINEARIZABLE && r.failure && typeof r.failure === 'object';
        body.push(
          el(
            'div',
            { class: 'elements cases', 'data-type': g.type },
            el('h4', null, `${g.type} (${g.count})`),
            rich ? linearizability(r.failure) : caseList(g),
          ),
        );
      }
      body.push(tree(r, 'details', c.valid === true ? 1 : 0));
      const d = el(
        'details',
        { class: `anomaly ${cls}`, id: `checker-${encodeURIComponent(c.name)}` },
        el(
          'summary',
          null,
          el('span', { class: 'chip' }, word),
          el('strong', null, c.name),
          ' ',
          el('span', { class: 'text' }, c.reason || c.summary || ''),
        ),
        body,
      );
      if (c.valid !== true) d.open = true;
      return d;
    });
    return section(
      'anomalies',
      'Checkers and anomalies',
      items.length ? items : el('p', { class: 'note' }, 'No checker results (results.json missing).'),
    );
  }

  function files() {
    /** @param {string} p */
    const enc = (p) => p.split('/').map(encodeURIComponent).join('/');
    /** @param {number} b */
    const size = (b) =>
      b < 0
        ? ''
        : b < 1024
          ? `${b} B`
          : b < 1 << 20
            ? `${(b / 1024).toFixed(1)} KB`
            : `${(b / (1 << 20)).toFixed(1)} MB`;
    const logs = data.files.filter((f) => f.path.startsWith('nodes/'));
    const other = data.files.filter((f) => !f.path.startsWith('nodes/'));
    /** @param {ReportData['files']} fs */
    const list = (fs) =>
      el(
        'ul',
        { class: 'files' },
        fs.map((f) =>
          el(
            'li',
            null,
            el('a', { href: enc(f.path) }, f.path),
            ' ',
            el('span', { class: 'size' }, size(f.bytes)),
          ),
        ),
      );
    return section(
      'files',
      'Node logs and files',
      el('h3', null, 'Node logs'),
      logs.length ? list(logs) : el('p', { class: 'note' }, 'No node logs were collected.'),
      el('h3', null, 'Run folder'),
      list(other),
    );
  }

  function warnings() {
    if (!data.warnings.length) return null;
    return section(
      'warnings',
      'Warnings',
      el(
        'ul',
        null,
        data.warnings.map((w) => el('li', null, w)),
      ),
    );
  }

  // ---------- assemble ----------
  const nav = el(
    'nav',
    null,
    [
      ['timeline', 'Timeline'],
      ['performance', 'Performance'],
      ['anomalies', 'Anomalies'],
      ['clock', 'Clocks'],
      ['files', 'Logs & files'],
      ['test', 'Test'],
    ].map(([id, t]) => el('a', { href: `#${id}` }, t)),
  );
  const perfParts = {
    boxes: [el('div', { class: 'chart' }), el('div', { class: 'chart' }), el('div', { class: 'chart' })],
  };
  const p = data.perf;
  const o = p.overall;
  const perfSec = section(
    'performance',
    'Throughput and latency',
    el(
      'p',
      { class: 'note' },
      o.count
        ? `ok latency: p50 ${fmtMs(o.p50 ?? 0)} · p95 ${fmtMs(o.p95 ?? 0)} · p99 ${fmtMs(o.p99 ?? 0)} · max ${fmtMs(o.max ?? 0)} — buckets of ${p.bucketS} s`
        : 'No completed ops.',
    ),
    el(
      'div',
      { class: 'legend' },
      [...new Set(data.faults.map((w) => w.key))].map((k) =>
        el(
          'span',
          { class: 'key' },
          el('i', { class: 'sw', style: `background:${rgba(faultRgb(k), 0.45)}` }),
          `${k} fault`,
        ),
      ),
    ),
    el('h3', null, 'Throughput (completions per second)'),
    perfParts.boxes[0],
    el('h3', null, 'Latency of every op, by function and outcome (log scale)'),
    perfParts.boxes[1],
    el('h3', null, 'Latency quantiles over time (log scale)'),
    perfParts.boxes[2],
  );
  perfParts.boxes.forEach((b, i) => {
    b.setAttribute('id', ['chart-throughput', 'chart-latency', 'chart-quantiles'][i] ?? '');
  });
  const clock = clockSection();
  lap('prepare');
  app.append(header(), nav, timeline.build(), perfSec, anomalies(), clock.sec, files(), testInfo());
  lap('dom');
  const w = warnings();
  if (w) app.append(w);
  timeline.resize();
  lap('timeline');
  try {
    perfCharts(perfParts.boxes);
    lap('charts');
    if (clock.later) clock.later();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    errors.push(message);
    perfSec.append(el('p', { class: 'run-error' }, `Charts could not be drawn: ${message}`));
  }
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      timeline.resize();
      for (const c of Object.values(charts))
        c.u.setSize({ width: chartWidth(c.u.root.parentElement ?? document.body), height: c.u.height });
    }, 100);
  });
  if (location.hash.startsWith('#op-')) timeline.focusOp(Number(location.hash.slice(4)));

  // Read-only hook for tests and for poking around in the console.
  /** @type {{ __faultline?: unknown }} */ (window).__faultline = Object.freeze({
    ready: true,
    errors,
    timings,
    verdict: data.verdict.valid,
    checkers: data.checkers.map((c) => ({ name: c.name, valid: c.valid })),
    faults: data.faults.map((f) => ({ key: f.key, label: f.label, startS: f.startS, endS: f.endS })),
    timeline: Object.freeze({
      get drawnOps() {
        return timeline.stats.drawnOps;
      },
      get totalOps() {
        return timeline.stats.totalOps;
      },
      get frames() {
        return timeline.stats.frames;
      },
      get lastFrameMs() {
        return timeline.stats.lastFrameMs;
      },
      get bands() {
        return timeline.stats.bands.slice();
      },
      get view() {
        return { t0: timeline.view.t0 / 1e6, t1: timeline.view.t1 / 1e6 };
      },
      /** @param {number} t0 @param {number} t1 seconds */
      setView: (t0, t1) => {
        timeline.setView(t0 * 1e6, t1 * 1e6);
        timeline.draw();
      },
      /** @param {number} i */
      focusOp: (i) => timeline.focusOp(i),
    }),
    charts: () =>
      Object.fromEntries(
        Object.entries(charts).map(([k, c]) => [
          k,
          {
            bands: c.bands.slice(),
            // Each axis's label and its tick labels as drawn (uPlot keeps the last drawn ones).
            axes: c.u.axes.map((a) => {
              const drawn = /** @type {{ _values?: unknown[] }} */ (/** @type {unknown} */ (a))._values;
              return { label: a.label, values: (drawn || []).map(String) };
            }),
          },
        ]),
      ),
  });
})();
