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

"""ecp-rdma-bench latency: ping-pong between two VMs through br0."""

import datetime
import shlex
import statistics
import sys

from ecp_rdma_bench.common import (
    Bench, BenchError, check_prerequisites, publish, spread)
from ecp_rdma_bench.remote import VmClient
from ecp_rdma_bench.switch import (
    PMD_CPU_MASK, SWITCHES, AlternatingRuns, wait_port_connected,
    wait_summary)

# The setups that latency measures.
LATENCY_SETUPS = ("ecp-rdma", "ovs-dpdk", "debian-dpdk")

# Both VMs run on core 1, the PMD thread has core 0 (PMD_CPU_MASK).
VM_CPU = 1

# The VMs' addresses: the ping sends to the echo, which answers.
PING_MAC = "02:00:00:00:00:01"
ECHO_MAC = "02:00:00:00:00:02"


def latency_setups(args):
    """ecp-rdma and OVS-DPDK memif ports in the build's own ovs-vswitchd,
    or in Debian's OVS-DPDK if the build has no DPDK."""
    if args.setups:
        return list(args.setups)
    return ["ecp-rdma", "ovs-dpdk" if args.build_dpdk else "debian-dpdk"]


def measure_latency(bench, setup, mode, maxsleep, tag):
    """Starts a switch of 'setup' with two memif ports, an echoing VM on
    the second and a pinging one on the first, both in 'mode' (poll
    or interrupt) on core 1, the PMD thread with pmd-maxsleep 'maxsleep',
    and returns the figures of --count exchanges.  The clients hold their
    connections until the switch has exited (see LocalRig)."""
    args = bench.args
    switch = SWITCHES[setup](bench, tag)
    if setup == "ecp-rdma":
        switch.n_queues = args.ecp_rdma_queues
    echo = ping = None
    try:
        switch.start()
        switch.set_maxsleep(maxsleep)
        common = ["--queues=%d" % switch.n_queues, "--mode=%s" % mode,
                  "--hold", "--json"]
        echo = VmClient(bench, switch, "echo", "--src-mac=%s" % ECHO_MAC,
                        "--count=%d" % args.count, *common,
                        port=switch.ports[1], cpu=VM_CPU)
        echo.start()
        wait_port_connected(switch, switch.ports[1], echo)
        ping = VmClient(bench, switch, "ping", "--src-mac=%s" % PING_MAC,
                        "--dst-mac=%s" % ECHO_MAC, "--size=%d" % args.size,
                        "--count=%d" % args.count, "--interval=0", *common,
                        port=switch.ports[0], cpu=VM_CPU)
        ping.start()
        pinged = wait_summary(ping, switch, args.count * 1e-3 + 60)
        echoed = wait_summary(echo, switch, 10)
        kicks = None
        if setup == "ecp-rdma":
            kicks = switch.kick_counters()
    finally:
        switch.stop()
        for client in (ping, echo):
            if client:
                client.stop()
    if pinged["lost"] or pinged["corrupted"] or not pinged["received"]:
        raise BenchError("%s: %d of %d exchanges lost, %d corrupted"
                         % (setup, pinged["lost"], pinged["sent"],
                            pinged["corrupted"]))
    packets = pinged["received"] + echoed["received"]
    res = {
        "exchanges": pinged["received"],
        "rtt_p50_us": pinged["rtt_median_us"],
        "rtt_p99_us": pinged["rtt_p99_us"],
        "rtt_p999_us": pinged["rtt_p999_us"],
        "rtt_max_us": pinged["rtt_max_us"],
        "kicks_per_packet": (pinged["events"] + echoed["events"]) / packets,
        "vm_kicks_per_packet": (pinged["kicks"] + echoed["kicks"]) / packets,
        # The pinging VM's CPU time per second of its run (the echoing
        # VM's run starts earlier, while it waits).
        "ping_cpu": (pinged["cpu_seconds"] / pinged["seconds"]
                     if pinged["seconds"] else None),
        "sleeps": pinged["sleeps"] + echoed["sleeps"],
        "rechecks": pinged["rechecks"] + echoed["rechecks"],
    }
    if kicks:
        res["switch_kicks_per_packet"] = kicks["tx_kicks"] / packets
        res["switch_kicks_suppressed_per_packet"] = (
            kicks["tx_kicks_suppressed"] / packets)
    return res


def bench_latency(args):
    check_prerequisites(args, dpdk=False)
    bench = Bench(args)
    setups = latency_setups(args)
    configs = [(mode, maxsleep) for mode in args.modes
               for maxsleep in args.maxsleeps]
    rounds = AlternatingRuns(bench, setups, configs)

    def measure(setup, config, run):
        mode, maxsleep = config
        return measure_latency(bench, setup, mode, maxsleep,
                               "%d-%s-%d" % (run, mode, maxsleep))

    rounds.run(measure,
               lambda config: "%9s maxsleep %3d" % config,
               lambda res: ("rtt p50 %.1f p99 %.1f p99.9 %.1f us, %.3f "
                            "kicks/packet"
                            % (res["rtt_p50_us"], res["rtt_p99_us"],
                               res["rtt_p999_us"],
                               res["kicks_per_packet"])))
    if bench.status:
        return bench.status

    publish(args, latency_report(args, rounds), print_latency_table)
    return 0 if rounds.complete() else 1


def latency_report(args, rounds):
    setups, configs, runs = rounds.setups, rounds.configs, rounds.runs
    report = {
        "tool": "ecp-rdma-bench latency",
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": rounds.info,
        "settings": {
            "runs": args.runs, "exchanges": args.count,
            "frame_size": args.size, "setups": setups,
            "placement": "PMD: pmd-cpu-mask=%s (core 0); both VMs "
                         "(ecp-rdma-vm ping and echo) on core %d"
                         % (PMD_CPU_MASK, VM_CPU),
            "traffic": "ecp-rdma-vm ping --interval=0 (one frame in flight) "
                       "on port 1, ecp-rdma-vm echo on port 2, 2 queue "
                       "pairs per port and client (OVS-DPDK drops what it "
                       "sends to a queue the client lacks), %d with "
                       "ecp-rdma, DPDK's default memif geometry (1024 "
                       "slots of 2048 bytes); flows in_port=1 -> 2 and "
                       "2 -> 1" % args.ecp_rdma_queues,
            "kicks": "eventfd signals that the VMs read (the sum of the "
                     "eventfd counters, whatever the server) per packet "
                     "that the switch delivered to a VM",
            "vm_kicks": "eventfd signals that the VMs wrote for the switch "
                        "(it cleared MASK_INT on their transmit rings) per "
                        "packet that the switch delivered to a VM",
            "alternation": "every measurement starts its own switch and "
                           "VMs; per run and configuration the setups "
                           "follow each other, in alternating order",
            "vswitchd": rounds.versions,
            "plugin": rounds.plugin,
        },
        "unavailable": rounds.unavailable,
        "results": [],
    }
    base = [s for s in setups if s != "ecp-rdma"]
    for config in configs:
        mode, maxsleep = config
        entry = {"clients": mode, "pmd_maxsleep_us": maxsleep,
                 "setups": {}, "ratios": {}}
        for setup in setups:
            rs = runs[(setup, config)]
            entry["setups"][setup] = {
                "runs_ok": len(rs),
                "failures": rounds.failures[(setup, config)],
                "rtt_p50_us": spread([x["rtt_p50_us"] for x in rs]),
                "rtt_p99_us": spread([x["rtt_p99_us"] for x in rs]),
                "rtt_p999_us": spread([x["rtt_p999_us"] for x in rs]),
                "kicks_per_packet":
                    spread([x["kicks_per_packet"] for x in rs]),
                "vm_kicks_per_packet":
                    spread([x.get("vm_kicks_per_packet") for x in rs]),
                "ping_cpu": spread([x["ping_cpu"] for x in rs]),
                "per_run": rs,
            }
        for other in base:
            mine = {x["run"]: x for x in runs[("ecp-rdma", config)]}
            theirs = {x["run"]: x for x in runs[(other, config)]}
            pairs = [(mine[r], theirs[r]) for r in mine if r in theirs]
            ratios = {}
            for key in ("rtt_p50_us", "rtt_p99_us", "rtt_p999_us"):
                per_run = [a[key] / b[key] for a, b in pairs if b[key]]
                ratios[key] = {
                    "median": statistics.median(per_run) if per_run
                    else None, "per_run": per_run}
            entry["ratios"][other] = ratios
        report["results"].append(entry)
    return report


def print_latency_table(report):
    s = report["settings"]
    print()
    print("ecp-rdma-bench latency: %d B ping-pong, %d exchanges per run, "
          "medians of %d runs" % (s["frame_size"], s["exchanges"],
                                  s["runs"]))
    print("%-10s %8s %-12s %9s %9s %9s %10s %10s %8s"
          % ("VMs", "maxsleep", "setup", "p50 us", "p99 us", "p99.9 us",
             "kicks/pkt", "VM kicks", "ping CPU"))

    def med(x, fmt):
        return fmt % x["median"] if x else "-"

    for entry in report["results"]:
        first = True
        for setup, x in entry["setups"].items():
            print("%-10s %8s %-12s %9s %9s %9s %10s %10s %8s"
                  % (entry["clients"] if first else "",
                     entry["pmd_maxsleep_us"] if first else "", setup,
                     med(x["rtt_p50_us"], "%.1f"),
                     med(x["rtt_p99_us"], "%.1f"),
                     med(x["rtt_p999_us"], "%.1f"),
                     med(x["kicks_per_packet"], "%.3f"),
                     med(x.get("vm_kicks_per_packet"), "%.3f"),
                     med(x["ping_cpu"], "%.2f")))
            first = False
        for other, ratios in entry["ratios"].items():
            print("%-10s %8s %-12s %9s %9s %9s   (ecp-rdma / %s, median "
                  "of the runs' ratios)"
                  % ("", "", "ratio",
                     *("%.3f" % ratios[k]["median"]
                       if ratios[k]["median"] else "-"
                       for k in ("rtt_p50_us", "rtt_p99_us",
                                 "rtt_p999_us")), other))
    for setup, reason in report["unavailable"].items():
        print("%s unavailable: %s" % (setup, reason))
