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

"""ecp-rdma-bench local --clients interrupt|poll: ecp-rdma-vm send on
port 1, ecp-rdma-vm recv on port 2, through one PMD thread."""

import datetime
import shlex
import statistics
import sys
import time

from ecp_rdma_bench.common import (
    Bench, BenchError, check_prerequisites, publish, spread)
from ecp_rdma_bench.remote import VmClient
from ecp_rdma_bench.switch import (
    SWITCHES, AlternatingRuns, wait_port_connected)

# The VMs run on core 1; the PMD threads take core 0, or both cores.
VM_CPU = 1


def pmd_mask(pmds):
    """The cores of 'pmds' PMD threads, from core 0 up."""
    return "0x%x" % ((1 << pmds) - 1)


def measure_vms(bench, setup, size, pmds, pairs, tag):
    """Starts a switch of 'setup' with 'pairs' pairs of memif
    ports and 'pmds' PMD threads; on each pair, ecp-rdma-vm recv on the
    second port and send, as fast as it can, on the first, all in the mode
    of --clients on core 1.  Returns the figures of a window after a
    warm-up.  The clients hold their connections until the switch has
    exited (see LocalRig)."""
    args = bench.args
    switch = SWITCHES[setup](bench, tag)
    switch.pmd_cpu_mask = pmd_mask(pmds)
    switch.use_pairs(pairs)
    senders = switch.ports[0::2]
    receivers = switch.ports[1::2]
    clients = []
    try:
        switch.start()
        switch.set_maxsleep(0)
        common = ["--queues=%d" % switch.n_queues,
                  "--mode=%s" % args.clients, "--hold", "--json"]
        for i, port in enumerate(receivers):
            recv = VmClient(bench, switch, "recv", *common, port=port,
                            cpu=VM_CPU, name="recv-%d" % i)
            clients.append(recv)
            recv.start()
            wait_port_connected(switch, port, recv)
        for i, port in enumerate(senders):
            send = VmClient(bench, switch, "send", "--size=%d" % size,
                            "--stream=%d" % i,
                            "--timeout=%g" % (args.warmup + args.seconds
                                              + 5 * pairs),
                            *common, port=port, cpu=VM_CPU,
                            name="send-%d" % i)
            clients.append(send)
            send.start()
            wait_port_connected(switch, port, send)
        time.sleep(args.warmup)
        switch.pmd_stats_clear()
        kicks0 = switch.kick_counters() if setup == "ecp-rdma" else None
        t0 = time.monotonic()
        before = switch.dump_ports()
        time.sleep(args.seconds)
        after = switch.dump_ports()
        t1 = time.monotonic()
        pmd = switch.pmd_stats() if pmds == 1 else None
        kicks1 = switch.kick_counters() if setup == "ecp-rdma" else None
        for client in clients:
            if not client.alive():
                raise BenchError("ecp-rdma-vm %s exited: %s"
                                 % (client.command, client.tail()))
    finally:
        switch.stop()
        for client in clients:
            client.stop()
    summaries = [c.summary() for c in clients[:pairs]]
    if not all(s and s["received"] for s in summaries):
        raise BenchError("%s: a receiving VM received nothing" % setup)

    def delta(key):
        return sum(after[str(i)][key] - before[str(i)][key]
                   for i in range(2, 2 * pairs + 1, 2))

    delivered = delta("tx_packets")
    received = sum(s["received"] for s in summaries)
    res = {
        "seconds": round(t1 - t0, 4),
        "mpps": delivered / (t1 - t0) / 1e6,
        "mpps_per_pair": delivered / (t1 - t0) / 1e6 / pairs,
        "gbps": delta("tx_bytes") * 8 / (t1 - t0) / 1e9,
        "tx_dropped": delta("tx_dropped"),
        "kicks_per_packet": sum(s["events"] for s in summaries) / received,
        "vm_sleeps_per_packet": sum(s["sleeps"] for s in summaries)
        / received,
        "cycles_per_packet": pmd.get("avg_processing_cycles_per_packet")
        if pmd else None,
    }
    if kicks0:
        window = {k: kicks1[k] - kicks0[k] for k in kicks0}
        res["switch_kicks_per_packet"] = (window["tx_kicks"] / delivered
                                          if delivered else None)
        res["switch_kicks_suppressed_per_packet"] = (
            window["tx_kicks_suppressed"] / delivered if delivered else None)
    return res


def bench_local_vms(args):
    check_prerequisites(args, dpdk=False)
    bench = Bench(args)
    setups = args.setups or [
        "ecp-rdma", "ovs-dpdk" if args.build_dpdk else "debian-dpdk"]
    if "baseline" in setups:
        raise BenchError("--clients %s: setup 'baseline' is not supported"
                         % args.clients)
    configs = [(pmds, size, pairs) for size in args.sizes
               for pmds in args.pmds for pairs in args.pairs]
    rounds = AlternatingRuns(bench, setups, configs)

    def measure(setup, config, run):
        pmds, size, pairs = config
        return measure_vms(bench, setup, size, pmds, pairs,
                           "%d-%d-%d-%dp" % (run, pmds, size, pairs))

    rounds.run(measure,
               lambda config: "%d PMD %4d B %2d pair(s)" % config,
               lambda res: ("%7.3f Mpps, %.4f kicks/packet, tx drops %d"
                            % (res["mpps"], res["kicks_per_packet"],
                               res["tx_dropped"])))
    if bench.status:
        return bench.status

    publish(args, vms_report(args, rounds), print_vms_table)
    return 0 if rounds.complete() else 1


def vms_report(args, rounds):
    setups, configs, runs = rounds.setups, rounds.configs, rounds.runs
    report = {
        "tool": "ecp-rdma-bench local --clients %s" % args.clients,
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": rounds.info,
        "settings": {
            "runs": args.runs, "seconds": args.seconds,
            "warmup_seconds": args.warmup, "sizes": args.sizes,
            "pmds": args.pmds, "pairs": args.pairs,
            "setups": setups, "clients": args.clients,
            "traffic": "per VM pair, ecp-rdma-vm send --mode=%s (as fast as "
                       "it can) on the first port and ecp-rdma-vm recv "
                       "--mode=%s on the second, 2 queue pairs per port and "
                       "client, "
                       "DPDK's default memif geometry (1024 slots of 2048 "
                       "bytes); flows from each pair's first port to its "
                       "second" % (args.clients, args.clients),
            "rate": "packets br0 transmitted into the receiving VMs' "
                    "rings, summed over the pairs, per second of the window",
            "kicks": "eventfd signals that the receiving VMs read (the sum "
                     "of the eventfd counters) per frame they received, "
                     "over their whole run",
            "placement": "PMD threads from core 0 up (pmd-cpu-mask 0x1 or "
                         "0x3), pmd-maxsleep=0; every VM on core %d"
                         % VM_CPU,
            "vswitchd": rounds.versions,
            "plugin": rounds.plugin,
        },
        "unavailable": rounds.unavailable,
        "results": [],
    }
    for config in configs:
        pmds, size, pairs = config
        entry = {"pmds": pmds, "size": size, "pairs": pairs, "setups": {},
                 "ratios": {}}
        for setup in setups:
            rs = runs[(setup, config)]
            entry["setups"][setup] = {
                "runs_ok": len(rs),
                "failures": rounds.failures[(setup, config)],
                "mpps": spread([x["mpps"] for x in rs]),
                "mpps_per_pair": spread([x["mpps_per_pair"] for x in rs]),
                "gbps": spread([x["gbps"] for x in rs]),
                "kicks_per_packet": spread([x["kicks_per_packet"]
                                            for x in rs]),
                "cycles_per_packet": spread([x["cycles_per_packet"]
                                             for x in rs]),
                "per_run": rs,
            }
        for base in [s for s in setups if s != "ecp-rdma"]:
            mine = {x["run"]: x for x in runs[("ecp-rdma", config)]}
            theirs = {x["run"]: x for x in runs[(base, config)]}
            per_run = [mine[r]["mpps"] / theirs[r]["mpps"]
                       for r in mine if r in theirs and theirs[r]["mpps"]]
            entry["ratios"][base] = {
                "mpps": statistics.median(per_run) if per_run else None,
                "per_run": per_run}
        report["results"].append(entry)
    return report


def print_vms_table(report):
    s = report["settings"]
    print()
    print("ecp-rdma-bench local --clients %s: medians of %d runs"
          % (s["clients"], s["runs"]))
    print("%-7s %4s %5s %-12s %-26s %9s %10s %8s"
          % ("frame", "PMDs", "pairs", "setup", "Mpps median [min-max]",
             "Mpps/pair", "kicks/pkt", "cyc/pkt"))
    for entry in report["results"]:
        for setup, r in entry["setups"].items():
            head = ("%d B" % entry["size"], entry["pmds"], entry["pairs"],
                    setup)
            m = r["mpps"]
            if not m:
                print("%-7s %4d %5d %-12s no measurement" % head)
                continue
            k = r["kicks_per_packet"]
            c = r["cycles_per_packet"]
            print("%-7s %4d %5d %-12s %-26s %9.3f %10s %8s"
                  % (head + ("%.3f [%.3f-%.3f]"
                             % (m["median"], m["min"], m["max"]),
                             r["mpps_per_pair"]["median"],
                             "%.4f" % k["median"] if k else "-",
                             "%.0f" % c["median"] if c else "-")))
        for base, ratio in entry["ratios"].items():
            if ratio["mpps"] is not None:
                print("ratio ecp-rdma / %s, %d pair(s): %.3f (median of "
                      "the runs' ratios); per run %s"
                      % (base, entry["pairs"], ratio["mpps"],
                         ", ".join("%.3f" % x for x in ratio["per_run"])))
    for setup, reason in report["unavailable"].items():
        print("%s unavailable: %s" % (setup, reason))
    print()
