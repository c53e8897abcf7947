"""`make bench`, part 3: the figures of benches/pipeline.rs and
scripts/bench_plan.py as one table, each next to its target from issue 6
(met / not met; nothing fails on a figure), plus an SVG plot of plan time
against the number of pipelines.

  python bench_report.py PROVIDER_JSON PLAN_JSON --markdown OUT.md --svg OUT.svg
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile


def fmt_ms(v):
    return f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def stripped_size(binary):
    """Size after `strip`, to check the release profile's own stripping."""
    if not shutil.which("strip"):
        return None
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "stripped")
        if subprocess.run(["strip", "-o", out, binary], capture_output=True).returncode:
            return None
        return os.path.getsize(out)


def svg_plot(plan, path):
    """Plan wall time (and the provider's CPU time) against N, hand-drawn SVG."""
    counts = plan["counts"]
    if not counts:
        return
    lat = plan["latency_ms"]
    series = [
        (f"terraform plan, {lat} ms per AWS call", "#1f77b4", [(c["n"], c[f"latency_{lat}"]["wall_s"]) for c in counts]),
        ("terraform plan, no added latency", "#ff7f0e", [(c["n"], c["latency_0"]["wall_s"]) for c in counts]),
        (f"provider CPU time ({lat} ms)", "#2ca02c", [(c["n"], c[f"latency_{lat}"]["provider_cpu_s"]) for c in counts]),
    ]
    w, h, left, right, top, bottom = 640, 400, 60, 20, 40, 50
    max_n = max(c["n"] for c in counts)
    max_y = max(y for _, _, pts in series for _, y in pts) * 1.15 or 1
    sx = lambda n: left + (w - left - right) * n / max_n  # noqa: E731
    sy = lambda y: h - bottom - (h - top - bottom) * y / max_y  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="20" text-anchor="middle" font-size="14">terraform plan (refresh) of N pipelines in one state</text>']
    # Axes, ticks, grid.
    out.append(f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>')
    step = max(1, int(max_n / 5 / 10) * 10) if max_n >= 50 else max(1, max_n // 5)
    for n in range(0, max_n + 1, step):
        out.append(f'<line x1="{sx(n):.1f}" y1="{h - bottom}" x2="{sx(n):.1f}" y2="{h - bottom + 5}" stroke="black"/>')
        out.append(f'<text x="{sx(n):.1f}" y="{h - bottom + 18}" text-anchor="middle">{n}</text>')
    ystep = [s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if max_y / s <= 8][0]
    y = 0.0
    while y <= max_y:
        out.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{w - right}" y2="{sy(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
        y += ystep
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">pipelines in the state (N)</text>')
    out.append(f'<text x="16" y="{(top + h - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {(top + h - bottom) / 2})">seconds</text>')
    for i, (label, colour, pts) in enumerate(series):
        d = " ".join(f"{'M' if j == 0 else 'L'}{sx(n):.1f},{sy(v):.1f}" for j, (n, v) in enumerate(pts))
        out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for n, v in pts:
            out.append(f'<circle cx="{sx(n):.1f}" cy="{sy(v):.1f}" r="3.5" fill="{colour}"><title>N={n}: {v:.2f} s</title></circle>')
        # Only the last point is labelled: the small-N points sit on top of each other.
        n, v = pts[-1]
        out.append(f'<text x="{sx(n) - 6:.1f}" y="{sy(v) - 8 - 12 * (i == 1):.1f}" text-anchor="end" fill="{colour}">{v:.2f} s</text>')
        ly = top + 8 + 16 * i
        out.append(f'<line x1="{left + 12}" y1="{ly}" x2="{left + 36}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{left + 42}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def chain_of(timeline):
    """The critical path of a run's calls ([op, start, end], ...), as
    benches/pipeline.rs computes it: longest chain of calls each starting
    after the previous ended; ties go to the predecessor that ended last."""
    calls = sorted(timeline, key=lambda c: c[1])
    depth, prev = [1] * len(calls), [None] * len(calls)
    for i, c in enumerate(calls):
        for j in range(i):
            if calls[j][2] > c[1]:
                continue
            later = prev[i] is not None and calls[j][2] > calls[prev[i]][2]
            if depth[j] + 1 > depth[i] or (depth[j] + 1 == depth[i] and later):
                depth[i], prev[i] = depth[j] + 1, j
    if not calls:
        return []
    k = max(range(len(calls)), key=lambda i: (depth[i], calls[i][2]))
    out = []
    while k is not None:
        out.append(calls[k][0])
        k = prev[k]
    return out[::-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("provider_json")
    parser.add_argument("plan_json")
    parser.add_argument("--markdown")
    parser.add_argument("--svg")
    args = parser.parse_args()
    prov = json.load(open(args.provider_json))
    plan = json.load(open(args.plan_json)) if os.path.exists(args.plan_json) else {"counts": []}
    lat = prov["latency_ms"]
    conc = prov["modes"]["concurrent"]
    calls, steps = prov["modes"]["one_call_at_a_time"], prov["modes"]["one_step_at_a_time"]
    rows = []  # (measure, figure, target, verdict)

    def row(measure, figure, target="", ok=None):
        verdict = "" if ok is None else ("met" if ok else "NOT MET")
        rows.append((measure, figure, target, verdict))

    runs = conc["create"]["runs"]
    for op in ("create", "refresh", "update", "destroy"):
        c = conc[op]
        fig = (f"{fmt_ms(c['wall_ms'])}, {c['calls']:.0f} calls, depth {c['depth']:.0f}, "
               f"wall/(depth x latency) {c['wall_over_depth_latency']:.2f}")
        if op == "create":
            row(f"{op} (concurrent engine)", fig, "wall <= 1.3 x depth x latency", c["wall_over_depth_latency"] <= 1.3)
        elif op == "refresh":
            row(f"{op} (concurrent engine)", fig, f"wall <= 3 x latency = {3 * lat} ms", c["wall_ms"] <= 3 * lat)
        else:
            row(f"{op} (concurrent engine)", fig)
        for label, slow in (("one call at a time", calls[op]), ("one step at a time", steps[op])):
            ratio = slow["wall_ms"] / c["wall_ms"]
            fig = (f"{fmt_ms(slow['wall_ms'])}, depth {slow['depth']:.0f}; "
                   f"{ratio:.2f}x the concurrent engine's wall time")
            if op == "create" and label == "one call at a time":
                row(f"{op}, {label}", fig, ">= 3x slower than concurrent", ratio >= 3)
            else:
                row(f"{op}, {label}", fig)

    scale = prov.get("scale", {})
    for op in ("plan", "create", "refresh", "destroy"):
        if op not in scale:
            continue
        c = scale[op]
        fig = f"{fmt_ms(c['wall_ms'])}, {c['calls']:.0f} AWS calls, depth {c['depth']:.0f}"
        if op == "plan":
            row("plan of a new 500-principal x 200-scope pipeline (the layout, offline)", fig, "no AWS call", c["calls"] == 0)
        elif op == "refresh":
            row("refresh of a 500-principal x 200-scope pipeline", fig,
                "about 1-2 round trips: list, don't get one by one", c["depth"] <= 3)
        else:
            row(f"{op} of a 500-principal x 200-scope pipeline", fig)

    st = prov["startup"]
    row("provider start to handshake line", f"{fmt_ms(st['handshake_ms'])} (median; min {fmt_ms(st['handshake_ms_min'])})",
        "<= 20 ms", st["handshake_ms"] <= 20)
    row("provider start to GetProviderSchema answered", f"{fmt_ms(st['schema_ms'])} (median; mTLS up after {fmt_ms(st['connected_ms'])})")
    row("GetProviderSchema on an open connection",
        f"{fmt_ms(st['schema_round_trip_ms'])} Terraform-like client; {fmt_ms(st['schema_round_trip_tests_client_ms'])} tests' client (Nagle on)")

    counts = {c["n"]: c for c in plan["counts"]}
    peak_plan_kb = None
    if 1 in counts:
        peak_plan_kb = counts[1][f"latency_{lat}"]["provider_peak_rss_kb"]
    elif prov.get("plan_memory", {}).get("vm_hwm_kb"):
        peak_plan_kb = prov["plan_memory"]["vm_hwm_kb"]
    if peak_plan_kb:
        row("peak RSS of the provider during `terraform plan` of 1 pipeline", f"{peak_plan_kb / 1024:.1f} MB", "<= 40 MB",
            peak_plan_kb / 1024 <= 40)
    if prov.get("plan_memory", {}).get("vm_hwm_kb"):
        row("peak RSS (VmHWM) after Read + Plan over gRPC", f"{prov['plan_memory']['vm_hwm_kb'] / 1024:.1f} MB")
    if counts:
        big = max(counts)
        kb = counts[big][f"latency_{lat}"]["provider_peak_rss_kb"]
        row(f"peak RSS of the provider during `terraform plan` of {big} pipelines", f"{kb / 1024:.1f} MB")

    size = prov["binary_bytes"]
    stripped = stripped_size(prov["binary"])
    extra = f" (strip(1) finds nothing left to remove: {stripped / 2**20:.1f} MB)" if stripped and stripped >= size * 0.99 else (
        f" (after strip(1): {stripped / 2**20:.1f} MB)" if stripped else "")
    row("release binary size", f"{size / 2**20:.1f} MB{extra}", "<= 25 MB", (stripped or size) / 2**20 <= 25)

    if counts:
        for n in sorted(counts):
            c = counts[n]
            a, z = c[f"latency_{lat}"], c["latency_0"]
            share = a["provider_cpu_s"] / a["wall_s"]
            row(f"`terraform plan` of {n} pipeline(s), {lat} ms latency",
                f"{a['wall_s']:.2f} s wall, provider CPU {a['provider_cpu_s']:.2f} s ({share:.1%} of wall), "
                f"Terraform CPU {a['terraform_cpu_s']:.2f} s, {a['aws_calls']:.0f} AWS calls; "
                f"no added latency: {z['wall_s']:.2f} s",
                "provider CPU < 10% of wall" if n == max(counts) else "",
                share < 0.10 if n == max(counts) else None)
        ns = sorted(counts)
        if len(ns) >= 3:
            w = lambda n: counts[n][f"latency_{lat}"]["wall_s"]  # noqa: E731
            small = (w(ns[1]) - w(ns[0])) / (ns[1] - ns[0])
            large = (w(ns[2]) - w(ns[1])) / (ns[2] - ns[1])
            linear = large <= 1.5 * small + 0.005
            row(f"plan cost per added pipeline ({ns[0]}->{ns[1]} vs {ns[1]}->{ns[2]})",
                f"{small * 1000:.0f} ms vs {large * 1000:.0f} ms", "linear (not growing with N)", linear)
        for s in plan.get("setup", []):
            row(f"set-up: create pipelines {s['from']}..{s['to'] - 1} (terraform apply, no added latency)", f"{s['wall_s']:.1f} s")
        if "destroy" in plan:
            row(f"tear-down: destroy {plan['destroy']['n']} pipelines (no added latency)", f"{plan['destroy']['wall_s']:.1f} s")

    header = f"| measure ({lat} ms injected per AWS call unless said; medians of {runs} lifecycles) | figure | target | |"
    lines = [header, "|---|---|---|---|"] + [f"| {m} | {f} | {t} | {v} |" for m, f, t, v in rows]
    table = "\n".join(lines)
    print(table)
    print()
    print("critical paths (concurrent engine, run nearest the median):")
    for op in ("create", "update", "destroy", "refresh"):
        print(f"  {op:8} " + " -> ".join(chain_of(conc[op]["typical"]["timeline"])))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n\n")
            for op in ("create", "update", "destroy", "refresh"):
                f.write(f"- {op}: " + " → ".join(f"`{c}`" for c in chain_of(conc[op]["typical"]["timeline"])) + "\n")
    if args.svg:
        svg_plot(plan, args.svg)
        print(f"plot: {args.svg}")


if __name__ == "__main__":
    main()
