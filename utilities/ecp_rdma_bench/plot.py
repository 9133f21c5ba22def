# Copyright (c) 2026 The ovs-ecp-rdma Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""ecp-rdma-bench --plot: a PNG of the results of a subcommand.

plot_report() takes the very dict that --json writes (or an older one,
read back from its file), so that figures can be drawn again, and tested,
without measuring anything.  matplotlib is imported only here, and only
when a figure is asked for, with its Agg backend (no display needed).
Every point or bar is a median over the runs, with the runs' minimum and
maximum as its error bar."""

import math
import os
import sys

from ecp_rdma_bench.common import BenchError, by_pairs, pair_counts

MATPLOTLIB_MISSING = ("--plot needs matplotlib, which %s cannot import (%s): "
                      "apt-get install python3-matplotlib")

FIG_SIZE = (8, 5)               # inches
FIG_DPI = 100


def load_pyplot():
    """Imports matplotlib's pyplot with the Agg backend and returns it, or
    raises BenchError that says how to install matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except ImportError as e:
        raise BenchError(MATPLOTLIB_MISSING % (sys.executable, e))
    return pyplot


def check_plot(path):
    """Fails early, before a benchmark runs, if no PNG can be written to
    'path': matplotlib missing or the directory not writable."""
    load_pyplot()
    directory = os.path.dirname(os.path.abspath(path))
    if not os.access(directory, os.W_OK):
        raise BenchError("--plot: cannot write into %s" % directory)


# ---------------------------------------------------------------------------
# What the reports hold.

def report_kind(report):
    """'local', 'local-vms', 'remote', 'latency', 'density' or 'roe': the
    subcommand whose results 'report' holds."""
    tool = report.get("tool", "")
    if tool.startswith("ecp-rdma-bench local --clients"):
        return "local-vms"
    for kind in ("local", "remote", "latency", "density", "roe", "tor"):
        if tool == "ecp-rdma-bench %s" % kind:
            return kind
    # 'roe' reports before they named their tool.
    if set(report.get("results", {})) == {"raw", "read", "write"}:
        return "roe"
    raise BenchError("not results of ecp-rdma-bench local, remote, latency, "
                     "density, roe or tor (tool %r)" % tool)


def median(s):
    """The median of spread 's' (see common.spread), NaN if none."""
    return s["median"] if s else math.nan


def error_bar(s):
    """(below, above) the median of spread 's': to its min and max."""
    if not s:
        return (0, 0)
    return (s["median"] - s["min"], s["max"] - s["median"])


# ---------------------------------------------------------------------------
# Drawing.

def draw_lines(ax, series, xlabel, ylabel, xs_log2=False):
    """Draws 'series', [(label, [(x, spread)])], as lines with error bars
    on 'ax'."""
    for label, points in series:
        points = sorted(points)
        xs = [x for x, _ in points]
        ys = [median(s) for _, s in points]
        err = list(zip(*[error_bar(s) for _, s in points])) or None
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=label)
    if xs_log2:
        ax.set_xscale("log", base=2)
        ticks = sorted({x for _, points in series for x, _ in points})
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(x) for x in ticks])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)


def draw_bars(ax, groups, labels, values, ylabel):
    """Draws grouped bars on 'ax': for each group of 'groups' (names on the
    x axis), one bar per label of 'labels', of spread values[group][label]
    (missing ones are left out)."""
    n = max(1, len(labels))
    width = 0.8 / n
    for i, label in enumerate(labels):
        xs, ys, errs = [], [], []
        for g, group in enumerate(groups):
            s = values.get(group, {}).get(label)
            if not s:
                continue
            xs.append(g - 0.4 + width * (i + 0.5))
            ys.append(s["median"])
            errs.append(error_bar(s))
        if xs:
            ax.bar(xs, ys, width, yerr=list(zip(*errs)), capsize=3,
                   label=label)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", alpha=0.3)


def footnote(fig, report, what):
    """Says on 'fig' when, where and how the figures were measured."""
    machine = report.get("machine", {})
    runs = report.get("settings", report.get("setup", {})).get("runs")
    text = "%s; %s%s%s; medians, bars from min to max" % (
        what, report.get("date", "date unknown"),
        ", %s CPUs" % machine["cpus"] if machine.get("cpus") else "",
        ", %s runs" % runs if runs else "")
    fig.text(0.01, 0.01, text, fontsize=7, color="0.4")


def legend(ax):
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


# ---------------------------------------------------------------------------
# One figure per subcommand.

def plot_local(pyplot, report):
    """Aggregate Mpps against VM pairs, a line per setup and frame size,
    and the PMD's cycles per packet beside it; with one pair count, bars
    per size and setup."""
    results = by_pairs(report)
    setups = report["settings"]["setups"]
    sizes = report["settings"]["sizes"]
    pairs = sorted(results)
    if len(pairs) == 1:
        fig, ax = pyplot.subplots(figsize=FIG_SIZE)
        only = results[pairs[0]]
        values = {"%d B" % size: {setup: only.get(setup, {})
                                  .get(str(size), {}).get("mpps")
                                  for setup in setups}
                  for size in sizes}
        draw_bars(ax, list(values), setups, values,
                  "Mpps, all pairs (median)")
        ax.set_title("VM -> br0 -> VM, %d pair(s): ecp-rdma-bench local"
                     % pairs[0])
        legend(ax)
        footnote(fig, report, "one PMD thread")
        return fig
    fig, (rate, cost) = pyplot.subplots(1, 2, figsize=(FIG_SIZE[0] * 1.5,
                                                       FIG_SIZE[1]))
    for key, ax, ylabel in (("mpps", rate, "Mpps, all pairs (median)"),
                            ("cycles_per_packet", cost,
                             "PMD cycles per packet (median)")):
        series = []
        for setup in setups:
            for size in sizes:
                points = [(p, results[p].get(setup, {}).get(str(size), {})
                           .get(key)) for p in pairs]
                points = [(p, s) for p, s in points if s]
                if points:
                    series.append(("%s %d B" % (setup, size), points))
        draw_lines(ax, series, "active VM pairs", ylabel, xs_log2=True)
        legend(ax)
    rate.set_title("VM -> br0 -> VM: ecp-rdma-bench local")
    cost.set_title("per-packet cost")
    footnote(fig, report, "one PMD thread")
    return fig


def plot_local_vms(pyplot, report):
    """The same for 'local --clients interrupt|poll': a line per setup,
    frame size and number of PMD threads."""
    default = pair_counts(report)[0]
    entries = report["results"]
    pairs = sorted({e.get("pairs", default) for e in entries})
    fig, ax = pyplot.subplots(figsize=FIG_SIZE)
    clients = report["settings"].get("clients", "")
    if len(pairs) == 1:
        values = {}
        for e in entries:
            group = "%d B, %d PMD" % (e["size"], e["pmds"])
            values[group] = {setup: r["mpps"]
                             for setup, r in e["setups"].items()}
        draw_bars(ax, list(values), report["settings"]["setups"], values,
                  "Mpps, all pairs (median)")
        ax.set_title("VM -> br0 -> VM, %s clients, %d pair(s)"
                     % (clients, pairs[0]))
    else:
        lines = {}
        for e in entries:
            for setup, r in e["setups"].items():
                if r["mpps"]:
                    label = "%s %d B %d PMD" % (setup, e["size"], e["pmds"])
                    lines.setdefault(label, []).append(
                        (e.get("pairs", default), r["mpps"]))
        draw_lines(ax, list(lines.items()), "active VM pairs",
                   "Mpps, all pairs (median)", xs_log2=True)
        ax.set_title("VM -> br0 -> VM, %s clients: ecp-rdma-bench local"
                     % clients)
    legend(ax)
    footnote(fig, report, "%s clients" % clients)
    return fig


def plot_remote(pyplot, report):
    """VM-to-VM Mpps through the ToR against VM pairs, a line per frame
    size, with the raw AF_PACKET rate of the same frames dashed; with one
    pair count, bars per size: VM to VM and raw."""
    results = by_pairs(report)
    sizes = report["settings"]["sizes"]
    pairs = sorted(results)
    fig, ax = pyplot.subplots(figsize=FIG_SIZE)
    first = results[pairs[0]]
    if len(pairs) == 1:
        values = {"%d B" % size: {
            "VM A -> ToR -> VM B": first.get(str(size), {}).get("mpps"),
            "raw AF_PACKET": first.get(str(size), {}).get("raw", {})
            .get("mfps")} for size in sizes}
        draw_bars(ax, list(values), ["VM A -> ToR -> VM B", "raw AF_PACKET"],
                  values, "Mpps (median)")
        ax.set_title("VM to VM through the ToR, %d pair(s): "
                     "ecp-rdma-bench remote" % pairs[0])
    else:
        series = []
        for size in sizes:
            points = [(p, results[p].get(str(size), {}).get("mpps"))
                      for p in pairs]
            points = [(p, s) for p, s in points if s]
            if points:
                series.append(("ecp-rdma %d B" % size, points))
        draw_lines(ax, series, "active VM pairs", "Mpps, all pairs (median)",
                   xs_log2=True)
        for size in sizes:
            raw = first.get(str(size), {}).get("raw", {}).get("mfps")
            if raw:
                ax.axhline(raw["median"], linestyle="--", linewidth=1,
                           color="0.5")
                ax.annotate("raw AF_PACKET %d B" % size,
                            (pairs[0], raw["median"]), fontsize=7,
                            color="0.4", va="bottom")
        ax.set_title("VM to VM through the ToR: ecp-rdma-bench remote")
    legend(ax)
    link = report["settings"].get("link", "afpacket")
    footnote(fig, report, "%s links" % link)
    return fig


def plot_latency(pyplot, report):
    """Round-trip p50, p99 and p99.9, one panel each: bars per client mode
    and pmd-maxsleep, one per setup."""
    setups = report["settings"]["setups"]
    keys = (("rtt_p50_us", "p50"), ("rtt_p99_us", "p99"),
            ("rtt_p999_us", "p99.9"))
    fig, axes = pyplot.subplots(1, 3, figsize=(FIG_SIZE[0] * 1.5,
                                               FIG_SIZE[1]))
    for ax, (key, name) in zip(axes, keys):
        values = {}
        for e in report["results"]:
            group = "%s\nmaxsleep %d" % (e["clients"], e["pmd_maxsleep_us"])
            values[group] = {setup: r.get(key)
                             for setup, r in e["setups"].items()}
        draw_bars(ax, list(values), setups, values,
                  "round trip %s, us (median)" % name)
        ax.set_title(name)
        ax.tick_params(axis="x", labelsize=8)
    legend(axes[0])
    fig.suptitle("VM <-> br0 <-> VM round trips: ecp-rdma-bench latency, "
                 "%d B" % report["settings"].get("frame_size", 64))
    footnote(fig, report, "one frame in flight")
    return fig


def plot_density(pyplot, report):
    """The rate with K idle ports over the rate of the pair alone, against
    K, a line per setup."""
    fig, ax = pyplot.subplots(figsize=FIG_SIZE)
    series = []
    for setup in report["settings"]["setups"]:
        points = [(e["idle_ports"], e["setups"].get(setup, {})
                   .get("rate_ratio")) for e in report["results"]]
        points = [(k, s) for k, s in points if s]
        if points:
            series.append((setup, points))
    draw_lines(ax, series, "idle VM ports",
               "rate with the idle ports / rate of the pair alone")
    ax.axhline(1.0, linestyle="--", linewidth=1, color="0.5")
    ax.set_title("One active VM pair beside idle ports: "
                 "ecp-rdma-bench density")
    legend(ax)
    footnote(fig, report, "%d B frames" % report["settings"].get("size", 64))
    return fig


def plot_tor(pyplot, report):
    """The ToR's cycles per frame against the number of stations, and the
    ratio to those with one."""
    size = (FIG_SIZE[0] * 1.6, FIG_SIZE[1])
    fig, (ax1, ax2) = pyplot.subplots(1, 2, figsize=size)
    results = report["results"]
    draw_lines(ax1, [("cycles per frame",
                      [(e["sessions"], e["cycles_per_packet"])
                       for e in results])],
               "stations (one active)", "ToR PMD cycles per frame",
               xs_log2=True)
    draw_lines(ax2, [("ratio to 1 station",
                      [(e["sessions"], e["cycles_ratio"])
                       for e in results])],
               "stations (one active)", "cycles per frame / with 1 station",
               xs_log2=True)
    ax2.axhline(1.0, linestyle="--", linewidth=1, color="0.5")
    fig.suptitle("One ToR, one active station among K: ecp-rdma-bench tor")
    footnote(fig, report, "%d B frames, %d VMs per station"
             % (report["settings"]["size"],
                report["settings"]["vms_per_session"]))
    return fig


def plot_roe(pyplot, report):
    """Goodput of RDMA READ and WRITE, and the raw AF_PACKET byte rate."""
    fig, ax = pyplot.subplots(figsize=FIG_SIZE)
    setup = report.get("setup", {})
    names = {"raw": "raw AF_PACKET", "read": "READ", "write": "WRITE"}
    if setup.get("mtu"):
        names["raw"] += "\n%d B frames" % setup["mtu"]
    for test in ("read", "write"):
        if setup.get("size"):
            names[test] += "\n%d B each" % setup["size"]
    groups = [names[t] for t in ("raw", "read", "write")
              if t in report["results"]]
    values = {names[t]: {"Gbit/s": r.get("gbit_per_s")}
              for t, r in report["results"].items() if t in names}
    draw_bars(ax, groups, ["Gbit/s"], values, "Gbit/s (median)")
    ax.set_title("RDMA over ECP against raw AF_PACKET: ecp-rdma-bench roe")
    footnote(fig, report, "veth pair")
    return fig


PLOTTERS = {"local": plot_local, "local-vms": plot_local_vms,
            "remote": plot_remote, "latency": plot_latency,
            "density": plot_density, "roe": plot_roe, "tor": plot_tor}


def plot_report(report, path):
    """Draws the results in 'report', a dict as --json writes it, into
    the PNG file 'path'."""
    plotter = PLOTTERS[report_kind(report)]
    pyplot = load_pyplot()
    fig = plotter(pyplot, report)
    # Room for the footnote at the bottom and a title above the panels.
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    try:
        fig.savefig(path, format="png", dpi=FIG_DPI)
    except OSError as e:
        raise BenchError("--plot: cannot write %s: %s" % (path, e))
    finally:
        pyplot.close(fig)
