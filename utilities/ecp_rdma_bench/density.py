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

"""ecp-rdma-bench density: one active VM pair through br0 beside K idle VM
ports whose clients are connected."""

import datetime
import glob
import os
import re
import shlex
import sys
import time

from ecp_rdma_bench.common import (
    Bench, BenchError, check_prerequisites, publish, read_file, spread)
from ecp_rdma_bench.remote import VmClient
from ecp_rdma_bench.switch import (
    PMD_CPU_MASK, SWITCHES, AlternatingRuns, TestPmd)

DENSITY_SETUPS = ("ecp-rdma", "ovs-dpdk", "debian-dpdk")

# The idle VMs share core 1 with testpmd's forwarding lcore.
IDLE_VM_CPU = 1

# How often an idle VM looks at its ring: it polls (its rings say so, the
# switch never signals it) but not all the time, since 254 processes
# spinning on 2 CPUs would measure the CPUs, not the switch.
IDLE_LOOK_SECONDS = 0.1


def dpdk_max_ethports():
    """RTE_MAX_ETHPORTS of the DPDK installed (the number of ethdev ports
    one DPDK process can have), or None if its headers are not found."""
    for path in glob.glob("/usr/include/*/dpdk/rte_build_config.h") + \
            glob.glob("/usr/include/dpdk/rte_build_config.h"):
        m = re.search(r"^#define RTE_MAX_ETHPORTS (\d+)$",
                      read_file(path, ""), re.M)
        if m:
            return int(m.group(1))
    return None


class ActivePair:
    """The two ports of a switch that testpmd forwards between, as
    TestPmd sees a switch."""

    def __init__(self, switch):
        self.name = switch.name
        self.ports = switch.ports[:2]
        self.socket = switch.socket


def process_memory(pid):
    """The resident memory, in KiB, and the open file descriptors of
    process 'pid'."""
    m = re.search(r"^VmRSS:\s+(\d+) kB$",
                  read_file("/proc/%d/status" % pid, ""), re.M)
    try:
        fds = len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        fds = None
    return (int(m.group(1)) if m else None), fds


def wait_all_connected(switch, clients, timeout):
    """Waits until every port of 'switch' that 'clients' (port -> client)
    names is connected; returns the seconds it took."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    waiting = set(clients)
    while waiting:
        waiting -= switch.connected_ports()
        if not waiting:
            break
        for port in waiting:
            if not clients[port].alive():
                raise BenchError("%s: the client of %s exited: %s"
                                 % (switch.name, port,
                                    clients[port].tail()))
        if not switch.alive():
            raise BenchError("%s: ovs-vswitchd exited" % switch.name)
        if time.monotonic() > deadline:
            raise BenchError("%s: %d of %d clients not connected after "
                             "%d s (%s, ...)"
                             % (switch.name, len(waiting), len(clients),
                                timeout, sorted(waiting)[0]))
        time.sleep(0.1)
    return time.monotonic() - t0


def wait_parked(switch, n, timeout):
    """Waits until 'n' receive queues of 'switch' are parked."""
    deadline = time.monotonic() + timeout
    while switch.rxqs_disabled() < n:
        if time.monotonic() > deadline:
            raise BenchError("%s: fewer than %d receive queues parked "
                             "after %d s" % (switch.name, n, timeout))
        time.sleep(0.2)


def measure_density(bench, setup, idle, tag):
    """Starts a switch of 'setup' with the active pair and 'idle' idle
    ports, connects an idle VM to each idle port and testpmd to the active
    pair, and returns the figures of a window of testpmd forwarding
    through the pair.  The switch exits before any client does (see
    LocalRig)."""
    args = bench.args
    switch = SWITCHES[setup](bench, tag)
    prefix = switch.ports[0][:-1]
    switch.ports = tuple("%s%d" % (prefix, i) for i in range(1, idle + 3))
    switch.port_queues = {port: 1 for port in switch.ports[2:]}
    if setup == "ecp-rdma" and args.rx_park_after is not None:
        switch.port_options = ("options:rx-park-after=%d"
                               % args.rx_park_after,)
    clients = {}
    tp = None
    try:
        switch.start()
        rss0, fds0 = process_memory(switch.pids[switch.vswitchd_name])
        for i, port in enumerate(switch.ports[2:]):
            client = VmClient(bench, switch, "recv", "--queues=1",
                              "--mode=poll",
                              "--rx-pause=%g" % IDLE_LOOK_SECONDS,
                              port=port, cpu=IDLE_VM_CPU,
                              name="idle-%d" % i)
            clients[port] = client
        t0 = time.monotonic()
        for client in clients.values():
            client.start()
        wait_all_connected(switch, clients, 30 + idle / 4)
        connect_seconds = time.monotonic() - t0
        rss1, fds1 = process_memory(switch.pids[switch.vswitchd_name])

        tp = TestPmd(bench, [ActivePair(switch)], args.size)
        tp.logpath = os.path.join(switch.dir, "testpmd.log")
        tp.start()
        wait_all_connected(switch, {p: tp for p in switch.ports[:2]}, 30)
        # The client's side of the handshake completes after the server's.
        time.sleep(1)
        tp.forward(switch)
        time.sleep(args.warmup)
        if setup == "ecp-rdma" and args.rx_park_after != 0:
            # The idle ports' queues are parked once their rings have been
            # empty for options:rx-park-after (default 1 s).
            wait_parked(switch, idle, 30)
        if not tp.alive():
            raise BenchError("testpmd exited: %s" % tp.tail())
        switch.pmd_stats_clear()
        t0 = time.monotonic()
        before = switch.dump_ports(2)
        time.sleep(args.seconds)
        after = switch.dump_ports(2)
        t1 = time.monotonic()
        pmd = switch.pmd_stats()
        rss2, fds2 = process_memory(switch.pids[switch.vswitchd_name])
        parked = switch.rxqs_disabled()
        if not tp.alive():
            raise BenchError("testpmd exited during the window: %s"
                             % tp.tail())
        if len(switch.connected_ports()) != len(switch.ports):
            raise BenchError("%s: a port lost its client during the window"
                             % switch.name)
    finally:
        if tp and tp.alive():
            try:
                tp.command_line("stop")
            except (BenchError, OSError):
                pass
        switch.stop()
        for client in clients.values():
            client.stop()
        if tp:
            tp.stop()

    def delta(key):
        return sum(after[p][key] - before[p][key] for p in ("1", "2"))

    packets = delta("tx_packets")
    if packets <= 0:
        raise BenchError("%s: no packet went through br0 (see %s)"
                         % (setup, tp.logpath))
    cycles = pmd.get("avg_processing_cycles_per_packet") if pmd else None
    return {
        "idle_ports": idle,
        "seconds": round(t1 - t0, 4),
        "mpps": packets / (t1 - t0) / 1e6,
        "tx_dropped": delta("tx_dropped"),
        "cycles_per_packet": cycles,
        "pmd": pmd,
        "parked_rxqs": parked,
        "connect_seconds": round(connect_seconds, 3),
        "add_ports_seconds": round(switch.add_ports_seconds, 3),
        "rss_kib": {"bridge": rss0, "connected": rss1, "forwarding": rss2},
        "fds": {"bridge": fds0, "connected": fds1, "forwarding": fds2},
    }


def bench_density(args):
    testpmd = check_prerequisites(args)
    bench = Bench(args)
    bench.testpmd = testpmd
    setups = args.setups or [
        "ecp-rdma", "ovs-dpdk" if args.build_dpdk else "debian-dpdk"]
    configs = list(args.idle)
    rounds = AlternatingRuns(bench, setups, configs)
    max_ports = dpdk_max_ethports()

    def measure(setup, idle, run):
        if (setup != "ecp-rdma" and max_ports is not None
                and idle + 2 > max_ports):
            raise BenchError("unavailable: DPDK's RTE_MAX_ETHPORTS is %d, "
                             "so one OVS-DPDK process has at most %d memif "
                             "ports beside the active pair"
                             % (max_ports, max_ports - 2))
        return measure_density(bench, setup, idle,
                               "%d-%d" % (run, idle))

    rounds.run(measure, lambda idle: "%3d idle ports" % idle,
               lambda res: ("%7.3f Mpps, %s cycles/pkt, %d rxqs parked, "
                            "%.1f s to connect, RSS %s KiB, %s fds"
                            % (res["mpps"],
                               "%.0f" % res["cycles_per_packet"]
                               if res["cycles_per_packet"] else "?",
                               res["parked_rxqs"], res["connect_seconds"],
                               res["rss_kib"]["connected"],
                               res["fds"]["connected"])))
    if bench.status:
        return bench.status
    publish(args, density_report(args, rounds), print_density_table)
    return 0 if rounds.runs[("ecp-rdma", configs[0])] else 1


def density_report(args, rounds):
    setups, configs, runs = rounds.setups, rounds.configs, rounds.runs
    report = {
        "tool": "ecp-rdma-bench density",
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": rounds.info,
        "settings": {
            "runs": args.runs, "seconds": args.seconds,
            "warmup_seconds": args.warmup, "size": args.size,
            "idle_ports": configs, "setups": setups,
            "traffic": "testpmd io forwarding between the active pair's "
                       "two ports (2 queue pairs each, start tx_first "
                       "%d), as in 'local'" % args.bursts,
            "idle": "every idle port has one queue pair and a connected "
                    "ecp-rdma-vm recv --mode=poll (its rings ask not to "
                    "be signalled) that looks at its ring every %g s, on "
                    "core %d with testpmd's forwarding lcore"
                    % (IDLE_LOOK_SECONDS, IDLE_VM_CPU),
            "rx_park_after": args.rx_park_after,
            "rate": "packets br0 transmitted on the active pair's two "
                    "ports per second of the window",
            "cycles_per_packet": "dpif-netdev/pmd-stats-show 'avg "
                                 "processing cycles per packet' over the "
                                 "window: the polling of every receive "
                                 "queue in iterations that received "
                                 "packets is in it",
            "memory": "VmRSS and open descriptors of ovs-vswitchd with the "
                      "bridge and all ports added, after every idle client "
                      "connected, and at the end of the window",
            "placement": "one PMD thread, pmd-cpu-mask=%s, pmd-maxsleep 0"
                         % PMD_CPU_MASK,
            "vswitchd": rounds.versions,
            "plugin": rounds.plugin,
        },
        "unavailable": rounds.unavailable,
        "results": [],
    }
    base = configs[0]
    for idle in configs:
        entry = {"idle_ports": idle, "setups": {}}
        for setup in setups:
            rs = runs[(setup, idle)]
            zero = {x["run"]: x for x in runs[(setup, base)]}
            # Each run's rate against the same run's rate with the fewest
            # idle ports: the runs of one round are minutes apart at most.
            ratios = [x["mpps"] / zero[x["run"]]["mpps"] for x in rs
                      if x["run"] in zero]
            per_port = [(x["rss_kib"]["connected"]
                         - zero[x["run"]]["rss_kib"]["connected"])
                        / (idle - base) for x in rs
                        if x["run"] in zero and idle > base]
            fds = [(x["fds"]["connected"] - zero[x["run"]]["fds"]["connected"])
                   / (idle - base) for x in rs
                   if x["run"] in zero and idle > base]
            entry["setups"][setup] = {
                "runs_ok": len(rs),
                "failures": rounds.failures[(setup, idle)],
                "mpps": spread([x["mpps"] for x in rs]),
                "cycles_per_packet": spread([x["cycles_per_packet"]
                                             for x in rs]),
                "rate_ratio": spread(ratios),
                "parked_rxqs": spread([x["parked_rxqs"] for x in rs]),
                "rss_kib_per_idle_port": spread(per_port),
                "fds_per_idle_port": spread(fds),
                "connect_seconds": spread([x["connect_seconds"]
                                           for x in rs]),
                "add_ports_seconds": spread([x["add_ports_seconds"]
                                             for x in rs]),
                "per_run": rs,
            }
        report["results"].append(entry)
    return report


def print_density_table(report):
    s = report["settings"]
    base = s["idle_ports"][0]
    print()
    print("ecp-rdma-bench density, %d B: medians of %d runs; rate ratio = "
          "rate / rate with %d idle ports in the same run"
          % (s["size"], s["runs"], base))
    print("%5s %-12s %-22s %7s %8s %6s %9s %8s %8s %8s"
          % ("idle", "setup", "Mpps median [min-max]", "ratio", "cyc/pkt",
             "parked", "KiB/port", "fds/port", "add s", "conn s"))

    def med(x, fmt):
        return fmt % x["median"] if x else "-"

    for entry in report["results"]:
        for setup, r in entry["setups"].items():
            m = r["mpps"]
            if not m:
                why = "; ".join(sorted(set(r["failures"]))) or \
                    report["unavailable"].get(setup, "no measurement")
                print("%5d %-12s %s" % (entry["idle_ports"], setup, why))
                continue
            print("%5d %-12s %-22s %7s %8s %6s %9s %8s %8s %8s"
                  % (entry["idle_ports"], setup,
                     "%.3f [%.3f-%.3f]" % (m["median"], m["min"], m["max"]),
                     med(r["rate_ratio"], "%.3f"),
                     med(r["cycles_per_packet"], "%.0f"),
                     med(r["parked_rxqs"], "%.0f"),
                     med(r["rss_kib_per_idle_port"], "%.0f"),
                     med(r["fds_per_idle_port"], "%.1f"),
                     med(r["add_ports_seconds"], "%.2f"),
                     med(r["connect_seconds"], "%.2f")))
    for setup, reason in report["unavailable"].items():
        print("%s unavailable: %s" % (setup, reason))
    print()
