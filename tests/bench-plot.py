#! /usr/bin/env python3
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

"""bench-plot.py BENCH [--without-matplotlib]

Feeds results of every shape that ecp-rdma-bench (the script BENCH) writes
with --json, made up here, to its --plot code, and for each prints whether
it wrote a PNG file (NAME.png, beside NAME.json, the same results as
--json writes them, in the current directory).  No benchmark runs.

With --without-matplotlib, as if matplotlib were not installed: prints the
error that --plot gives and whether a file was written."""

import importlib.machinery
import importlib.util
import json
import os
import sys

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load(path):
    loader = importlib.machinery.SourceFileLoader("bench", path)
    spec = importlib.util.spec_from_loader("bench", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def spread(median):
    """A spread, as ecp-rdma-bench computes it, around 'median'."""
    return {"median": median, "min": median * 0.9, "max": median * 1.2,
            "n": 3}


def machine():
    return {"cpu_model": "test", "cpus": 2, "cpu_mhz": 2600.0,
            "kernel": "test", "loadavg_at_start": [0.0, 0.0, 0.0]}


def local_results(pairs, setups, sizes):
    """'local' results of every setup and size with 'pairs' pairs."""
    return {setup: {str(size): {
        "pairs": pairs, "runs": 3, "runs_ok": 3, "failures": [],
        "mpps": spread(4.0 / (1 + i) - size / 1000),
        "mpps_per_pair": spread((4.0 / (1 + i) - size / 1000) / pairs),
        "gbps": spread(size * 8 * 2e-3),
        "cycles_per_packet": spread(300.0 + 10 * pairs + 100 * i),
        "disturbed_runs_kept": 0, "per_run": [], "discarded": []}
        for size in sizes} for i, setup in enumerate(setups)}


def local_report(pairs):
    """A report of 'local' with pair counts 'pairs', as --json writes it
    (with one pair count, in the shape of reports before --pairs took a
    list)."""
    setups, sizes = ["ecp-rdma", "ovs-dpdk"], [64, 1500]
    by_pairs = {str(p): local_results(p, setups, sizes) for p in pairs}
    report = {"tool": "ecp-rdma-bench local", "date": "2026-01-01T00:00:00Z",
              "machine": machine(),
              "settings": {"runs": 3, "sizes": sizes, "pairs": pairs,
                           "setups": setups},
              "unavailable": {}, "baseline": "ovs-dpdk"}
    if len(pairs) == 1:
        report["results"] = by_pairs[str(pairs[0])]
    else:
        report["results_by_pairs"] = by_pairs
    return report


def local_vms_report(pairs):
    results = []
    for p in pairs:
        for pmds in (1, 2):
            results.append({"pmds": pmds, "size": 64, "pairs": p,
                            "setups": {s: {"runs_ok": 3, "failures": [],
                                           "mpps": spread(2.0 * pmds - i),
                                           "mpps_per_pair": spread(2.0 / p),
                                           "kicks_per_packet": spread(0.03),
                                           "cycles_per_packet": None,
                                           "per_run": []}
                                       for i, s in enumerate(("ecp-rdma",
                                                              "ovs-dpdk"))},
                            "ratios": {}})
    return {"tool": "ecp-rdma-bench local --clients interrupt",
            "date": "2026-01-01T00:00:00Z", "machine": machine(),
            "settings": {"runs": 3, "sizes": [64], "pmds": [1, 2],
                         "pairs": pairs, "setups": ["ecp-rdma", "ovs-dpdk"],
                         "clients": "interrupt"},
            "unavailable": {}, "results": results}


def remote_report(pairs):
    sizes = [64, 1500]
    by_pairs = {str(p): {str(size): {
        "runs": 3, "runs_ok": 3, "failures": [],
        "mpps": spread(0.5 + 0.1 * p - size / 5000),
        "mpps_per_pair": spread(0.5 / p),
        "gbps": spread(1.0), "tor_read_mpps": spread(0.6),
        "recv_unique_mpps": spread(0.5), "recv_duplicated_fraction": None,
        "per_run": [],
        "raw": {"mfps": spread(1.5 if size == 64 else 1.0),
                "gbps": spread(2.0), "per_run": []}}
        for size in sizes} for p in pairs}
    report = {"tool": "ecp-rdma-bench remote", "date": "2026-01-01T00:00:00Z",
              "machine": machine(),
              "settings": {"runs": 3, "sizes": sizes, "pairs": pairs,
                           "mtu": 9000, "link": "afpacket"},
              "raw_mtu": {"frame_bytes": 9014, "mfps": spread(0.4),
                          "gbps": spread(28.0), "per_run": []}}
    if len(pairs) == 1:
        report["results"] = by_pairs[str(pairs[0])]
    else:
        report["results_by_pairs"] = by_pairs
    return report


def latency_report():
    results = []
    for mode in ("poll", "interrupt"):
        for maxsleep in (0, 50):
            results.append({
                "clients": mode, "pmd_maxsleep_us": maxsleep, "ratios": {},
                "setups": {s: {"runs_ok": 3, "failures": [],
                               "rtt_p50_us": spread(10.0 + maxsleep / 5),
                               "rtt_p99_us": spread(30.0 + maxsleep),
                               "rtt_p999_us": spread(80.0 + maxsleep),
                               "kicks_per_packet": spread(0.5),
                               "ping_cpu": spread(0.4), "per_run": []}
                           for s in ("ecp-rdma", "ovs-dpdk")}})
    return {"tool": "ecp-rdma-bench latency", "date": "2026-01-01T00:00:00Z",
            "machine": machine(),
            "settings": {"runs": 3, "exchanges": 1000, "frame_size": 64,
                         "setups": ["ecp-rdma", "ovs-dpdk"]},
            "unavailable": {}, "results": results}


def density_report():
    results = []
    for k in (16, 30, 254):
        setups = {"ecp-rdma": {"runs_ok": 3, "failures": [],
                               "rate_ratio": spread(1.0 - k / 2000)},
                  # No measurement above DPDK's port limit.
                  "ovs-dpdk": {"runs_ok": 0, "failures": [],
                               "rate_ratio": None}}
        if k <= 30:
            setups["ovs-dpdk"].update(runs_ok=3, rate_ratio=spread(0.9))
        results.append({"idle_ports": k, "setups": setups})
    return {"tool": "ecp-rdma-bench density", "date": "2026-01-01T00:00:00Z",
            "machine": machine(),
            "settings": {"runs": 3, "size": 64, "idle_ports": [16, 30, 254],
                         "setups": ["ecp-rdma", "ovs-dpdk"]},
            "unavailable": {}, "results": results}


def tor_report():
    results = [{"sessions": k, "mpps": spread(1.5), "lapses": 0,
                "cycles_per_packet": spread(1500 + 10 * k),
                "cycles_ratio": spread(1 + k / 1000), "runs": [],
                "failures": []} for k in (1, 8, 32)]
    return {"tool": "ecp-rdma-bench tor", "date": "2026-01-01T00:00:00Z",
            "machine": machine(),
            "settings": {"runs": 3, "size": 64, "vms_per_session": 8,
                         "sessions": [1, 8, 32]},
            "results": results}


def roe_report(tool=True):
    report = {"command": "ecp-rdma-bench roe", "date": "2026-01-01",
              "machine": machine(),
              "setup": {"runs": 3, "seconds": 5, "size": 65536, "mtu": 9000},
              "results": {t: {"gbit_per_s": spread(g), "per_s": spread(1e4),
                              "per_run": []}
                          for t, g in (("raw", 26.0), ("read", 22.0),
                                       ("write", 21.0))},
              "ratio": {}}
    if tool:
        report["tool"] = "ecp-rdma-bench roe"
    else:
        # As 'roe' wrote its results before they named their tool.
        del report["setup"]["size"], report["setup"]["mtu"]
    return report


def reports():
    """Every shape of results that --plot draws, by name."""
    old_local = local_report([1])
    del old_local["settings"]["pairs"]
    old_vms = local_vms_report([2])
    old_vms["settings"]["pairs"] = 2
    for entry in old_vms["results"]:
        del entry["pairs"]
    return {
        "local-pairs": local_report([1, 2, 4, 8]),
        "local-one-count": local_report([2]),
        "local-before-pairs": old_local,
        "local-vms-pairs": local_vms_report([1, 2, 4]),
        "local-vms-before-lists": old_vms,
        "remote-pairs": remote_report([1, 2, 4, 8]),
        "remote-one-count": remote_report([1]),
        "latency": latency_report(),
        "density": density_report(),
        "roe": roe_report(),
        "roe-before-tool": roe_report(tool=False),
        "tor": tor_report(),
    }


def is_png(path):
    if not os.path.exists(path) or os.path.getsize(path) <= len(
            PNG_SIGNATURE):
        return False
    with open(path, "rb") as f:
        return f.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE


def main():
    bench = load(sys.argv[1])
    if sys.argv[2:] == ["--without-matplotlib"]:
        # What 'import matplotlib' does where it is not installed.
        sys.modules["matplotlib"] = None
        try:
            bench.plot_report(latency_report(), "none.png")
            print("no error")
        except bench.BenchError as e:
            print("error: %s" % e)
        print("none.png %s" % ("written" if os.path.exists("none.png")
                               else "not written"))
        return 0
    for name, report in reports().items():
        with open(name + ".json", "w") as f:
            json.dump(report, f, indent=2)
        # What --json wrote, read back, as 'ecp-rdma-bench plot' reads it.
        with open(name + ".json") as f:
            report = json.load(f)
        bench.plot_report(report, name + ".png")
        print("%s: %s" % (name, "PNG" if is_png(name + ".png")
                          else "no PNG"))
    try:
        bench.plot_report({"tool": "ecp-rdma-bench other"}, "other.png")
    except bench.BenchError as e:
        print("other: %s" % e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
