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
import os
import re
import shlex
import statistics
import sys
import time

from ecp_rdma_bench.common import (
    Bench, BenchError, check_prerequisites, publish, read_file, spread)
from ecp_rdma_bench.local import IDLE_MAXSLEEP_US
from ecp_rdma_bench.remote import VmClient
from ecp_rdma_bench.switch import (
    PMD_CPU_MASK, SWITCHES, AlternatingRuns, TestPmd, dpdk_max_ethports)

DENSITY_SETUPS = ("ecp-rdma", "ovs-dpdk", "debian-dpdk")

# The idle VMs share core 1 with testpmd's forwarding lcore.
IDLE_VM_CPU = 1

# How often an idle VM looks at its ring: it polls (its rings say so, the
# switch never signals it) but not all the time, since 254 processes
# spinning on 2 CPUs would measure the CPUs, not the switch.
IDLE_LOOK_SECONDS = 0.1


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


def make_switch(bench, setup, idle, tag):
    """A switch of 'setup' with the active pair and 'idle' idle ports."""
    args = bench.args
    switch = SWITCHES[setup](bench, tag)
    prefix = switch.ports[0][:-1]
    switch.ports = tuple("%s%d" % (prefix, i) for i in range(1, idle + 3))
    switch.port_queues = {port: 1 for port in switch.ports[2:]}
    if setup == "ecp-rdma" and args.rx_park_after is not None:
        switch.port_options = ("options:rx-park-after=%d"
                               % args.rx_park_after,)
    return switch


def start_idle_clients(bench, switch, clients):
    """Connects an idle VM to each idle port of 'switch', adding them to
    'clients'; returns the seconds until all were connected."""
    mine = {}
    for i, port in enumerate(switch.ports[2:]):
        mine[port] = VmClient(bench, switch, "recv", "--queues=1",
                              "--mode=poll",
                              "--rx-pause=%g" % IDLE_LOOK_SECONDS,
                              port=port, cpu=IDLE_VM_CPU, name="idle-%d" % i)
    clients.extend(mine.values())
    t0 = time.monotonic()
    for client in mine.values():
        client.start()
    wait_all_connected(switch, mine, 30 + len(mine) / 4)
    return time.monotonic() - t0


def window(bench, tp, switches, measured, portlist):
    """Has testpmd forward through the active pair of 'measured', one of
    'switches', the others asleep, and returns its rate (Mpps) and PMD
    cycles per packet over a window after a warm-up."""
    args = bench.args
    for switch in switches:
        switch.set_maxsleep(0 if switch is measured else IDLE_MAXSLEEP_US)
    tp.command_line("stop")
    tp.command_line("set portlist %s" % portlist)
    tp.command_line("start tx_first %d" % args.bursts)
    time.sleep(args.warmup)
    if not tp.alive():
        raise BenchError("testpmd exited: %s" % tp.tail())
    measured.pmd_stats_clear()
    t0 = time.monotonic()
    before = measured.dump_ports(2)
    time.sleep(args.seconds)
    after = measured.dump_ports(2)
    t1 = time.monotonic()
    pmd = measured.pmd_stats()
    packets = sum(after[p]["tx_packets"] - before[p]["tx_packets"]
                  for p in ("1", "2"))
    if packets <= 0:
        raise BenchError("%s: no packet went through br0 (see %s)"
                         % (measured.name, tp.logpath))
    return (packets / (t1 - t0) / 1e6,
            pmd.get("avg_processing_cycles_per_packet") if pmd else None)


def per_port(alone, crowd, idle):
    if alone is None or crowd is None:
        return None
    return (crowd - alone) / idle


def measure_density(bench, setup, idle, tag):
    """Starts two switches of 'setup', one with the active pair alone and
    one with the active pair and 'idle' idle ports whose VMs are
    connected, and testpmd, the client of both active pairs; then
    measures --windows windows of each, alternating a few seconds apart
    so that both see the machine in the same state (its speed changes by
    a factor of two from one minute to the next).  The switches exit
    before any client does (see LocalRig)."""
    args = bench.args
    alone = make_switch(bench, setup, 0, tag + "-alone")
    crowd = make_switch(bench, setup, idle, tag + "-crowd")
    crowd.netns_key = setup + "-crowd"
    if crowd.netns_key not in bench.netns:
        bench.netns[crowd.netns_key] = bench.make_netns(crowd.netns_key)
    switches = (alone, crowd)
    clients = []
    tp = None
    try:
        alone.start()
        crowd.start()
        for switch in switches:
            switch.set_maxsleep(IDLE_MAXSLEEP_US)
        crowd_pid = crowd.pids[crowd.vswitchd_name]
        # Both bridges set up, no client connected: the one with the pair
        # alone is the reference of the memory that the idle ports cost.
        rss_alone, fds_alone = process_memory(alone.pids[alone.vswitchd_name])
        rss0, fds0 = process_memory(crowd_pid)
        connect_seconds = start_idle_clients(bench, crowd, clients)
        rss1, fds1 = process_memory(crowd_pid)

        tp = TestPmd(bench, [ActivePair(alone), ActivePair(crowd)],
                     args.size)
        tp.logpath = os.path.join(crowd.dir, "testpmd.log")
        tp.start()
        for switch in switches:
            wait_all_connected(switch, {p: tp for p in switch.ports[:2]}, 30)
        # The client's side of the handshake completes after the server's.
        time.sleep(1)
        if setup == "ecp-rdma" and args.rx_park_after != 0:
            # The idle ports' queues are parked once their rings have been
            # empty for options:rx-park-after (default 1 s).
            wait_parked(crowd, idle, 30)
        rates = {switch: [] for switch in switches}
        cycles = {switch: [] for switch in switches}
        for w in range(args.windows):
            order = switches if w % 2 == 0 else switches[::-1]
            for switch in order:
                mpps, cyc = window(bench, tp, switches, switch,
                                   "0,1" if switch is alone else "2,3")
                rates[switch].append(mpps)
                cycles[switch].append(cyc)
        parked = crowd.rxqs_disabled()
        rss2, fds2 = process_memory(crowd_pid)
        if len(crowd.connected_ports()) != len(crowd.ports):
            raise BenchError("%s: a port lost its client" % crowd.name)
    finally:
        if tp and tp.alive():
            try:
                tp.command_line("stop")
            except (BenchError, OSError):
                pass
        for switch in switches:
            switch.stop()
        for client in clients:
            client.stop()
        if tp:
            tp.stop()

    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    return {
        "idle_ports": idle,
        "mpps": med(rates[crowd]),
        "mpps_alone": med(rates[alone]),
        "ratio": statistics.median(c / a for c, a in zip(rates[crowd],
                                                         rates[alone])),
        "windows": {"crowd": rates[crowd], "alone": rates[alone]},
        "cycles_per_packet": med(cycles[crowd]),
        "cycles_per_packet_alone": med(cycles[alone]),
        "parked_rxqs": parked,
        "connect_seconds": round(connect_seconds, 3),
        "add_ports_seconds": round(crowd.add_ports_seconds, 3),
        "rss_kib": {"alone": rss_alone, "bridge": rss0, "connected": rss1,
                    "forwarding": rss2},
        "fds": {"alone": fds_alone, "bridge": fds0, "connected": fds1,
                "forwarding": fds2},
        # What an idle port and its connected client add to ovs-vswitchd,
        # against the switch with the pair alone.
        "rss_kib_per_idle_port": per_port(rss_alone, rss1, idle),
        "fds_per_idle_port": per_port(fds_alone, fds1, idle),
    }


def bench_density(args):
    testpmd = check_prerequisites(args)
    bench = Bench(args)
    bench.testpmd = testpmd
    setups = args.setups or [
        "ecp-rdma", "ovs-dpdk" if args.build_dpdk else "debian-dpdk"]
    configs = [k for k in args.idle if k > 0]
    if not configs:
        raise BenchError("--idle-ports: give at least one number above 0")
    rounds = AlternatingRuns(bench, setups, configs)
    rounds.dpdk_switches = 2
    max_ports = dpdk_max_ethports()

    def measure(setup, idle, run):
        if (setup != "ecp-rdma" and max_ports is not None
                and idle + 2 > max_ports):
            raise BenchError("unavailable: DPDK's RTE_MAX_ETHPORTS is %d, "
                             "so one OVS-DPDK process has at most %d memif "
                             "ports beside the active pair"
                             % (max_ports, max_ports - 2))
        return measure_density(bench, setup, idle, "%d-%d" % (run, idle))

    rounds.run(measure, lambda idle: "%3d idle ports" % idle,
               lambda res: ("%7.3f Mpps, alone %7.3f: ratio %.3f; %s "
                            "cycles/pkt (alone %s), %d rxqs parked, %.1f s "
                            "to connect, %s KiB and %s fds per idle port"
                            % (res["mpps"], res["mpps_alone"], res["ratio"],
                               fmt(res["cycles_per_packet"], "%.0f"),
                               fmt(res["cycles_per_packet_alone"], "%.0f"),
                               res["parked_rxqs"], res["connect_seconds"],
                               fmt(res["rss_kib_per_idle_port"], "%.0f"),
                               fmt(res["fds_per_idle_port"], "%.1f"))))
    if bench.status:
        return bench.status
    publish(args, density_report(args, rounds), print_density_table)
    return 0 if all(rounds.runs[("ecp-rdma", c)] for c in configs) else 1


def fmt(value, spec):
    return spec % value if value is not None else "?"


def density_report(args, rounds):
    setups, configs, runs = rounds.setups, rounds.configs, rounds.runs
    report = {
        "tool": "ecp-rdma-bench density",
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": rounds.info,
        "settings": {
            "runs": args.runs, "windows": args.windows,
            "seconds": args.seconds, "warmup_seconds": args.warmup,
            "size": args.size, "idle_ports": configs, "setups": setups,
            "rx_park_after": args.rx_park_after,
            "method": "per run, two switches of the setup run together, "
                      "one with the active pair alone, one with the "
                      "active pair and the idle ports; testpmd, the client "
                      "of both pairs, forwards through one at a time "
                      "(the other's PMD thread sleeps, pmd-maxsleep=%d), "
                      "their windows alternating; the ratio is the median "
                      "of the back-to-back windows' rate ratios"
                      % IDLE_MAXSLEEP_US,
            "traffic": "testpmd io forwarding between an active pair's "
                       "two ports (2 queue pairs each, start tx_first "
                       "%d), as in 'local'" % args.bursts,
            "idle": "every idle port has one queue pair and a connected "
                    "ecp-rdma-vm recv --mode=poll (its rings ask not to "
                    "be signalled) that looks at its ring every %g s, on "
                    "core %d with testpmd's forwarding lcore"
                    % (IDLE_LOOK_SECONDS, IDLE_VM_CPU),
            "rate": "packets br0 transmitted on the active pair's two "
                    "ports per second of the window",
            "cycles_per_packet": "dpif-netdev/pmd-stats-show 'avg "
                                 "processing cycles per packet' over the "
                                 "window: the polling of every receive "
                                 "queue in iterations that received "
                                 "packets is in it",
            "memory": "VmRSS and open descriptors of the switch with the "
                      "idle ports once their clients connected, minus "
                      "those of the switch with the pair alone (neither "
                      "pair connected yet), per idle port",
            "placement": "one PMD thread per switch, pmd-cpu-mask=%s"
                         % PMD_CPU_MASK,
            "vswitchd": rounds.versions,
            "plugin": rounds.plugin,
        },
        "unavailable": rounds.unavailable,
        "results": [],
    }
    for idle in configs:
        entry = {"idle_ports": idle, "setups": {}}
        for setup in setups:
            rs = runs[(setup, idle)]
            entry["setups"][setup] = {
                "runs_ok": len(rs),
                "failures": rounds.failures[(setup, idle)],
                "mpps": spread([x["mpps"] for x in rs]),
                "mpps_alone": spread([x["mpps_alone"] for x in rs]),
                "rate_ratio": spread([x["ratio"] for x in rs]),
                "cycles_per_packet": spread([x["cycles_per_packet"]
                                             for x in rs]),
                "cycles_per_packet_alone": spread(
                    [x["cycles_per_packet_alone"] for x in rs]),
                "parked_rxqs": spread([x["parked_rxqs"] for x in rs]),
                "rss_kib_per_idle_port": spread(
                    [x["rss_kib_per_idle_port"] for x in rs]),
                "fds_per_idle_port": spread([x["fds_per_idle_port"]
                                             for x in rs]),
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
    print()
    print("ecp-rdma-bench density, %d B: medians of %d runs; ratio = rate "
          "with the idle ports / rate of the pair alone, in the same run"
          % (s["size"], s["runs"]))
    print("%5s %-10s %-22s %-22s %7s %9s %6s %8s %8s %6s %6s"
          % ("idle", "setup", "Mpps [min-max]", "alone Mpps", "ratio",
             "cyc/pkt", "parked", "KiB/port", "fds/port", "add s",
             "conn s"))

    def med(x, spec):
        return spec % x["median"] if x else "-"

    def rng(x):
        return ("%.3f [%.3f-%.3f]" % (x["median"], x["min"], x["max"])
                if x else "-")

    for entry in report["results"]:
        for setup, r in entry["setups"].items():
            if not r["mpps"]:
                why = "; ".join(sorted(set(r["failures"]))) or \
                    report["unavailable"].get(setup, "no measurement")
                print("%5d %-10s %s" % (entry["idle_ports"], setup, why))
                continue
            print("%5d %-10s %-22s %-22s %7s %4s/%-4s %6s %8s %8s %6s %6s"
                  % (entry["idle_ports"], setup, rng(r["mpps"]),
                     rng(r["mpps_alone"]), rng(r["rate_ratio"])[:5],
                     med(r["cycles_per_packet"], "%.0f"),
                     med(r["cycles_per_packet_alone"], "%.0f"),
                     med(r["parked_rxqs"], "%.0f"),
                     med(r["rss_kib_per_idle_port"], "%.0f"),
                     med(r["fds_per_idle_port"], "%.1f"),
                     med(r["add_ports_seconds"], "%.2f"),
                     med(r["connect_seconds"], "%.2f")))
    for setup, reason in report["unavailable"].items():
        print("%s unavailable: %s" % (setup, reason))
    print()
