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

"""ecp-rdma-bench tor: the access switch's cost per frame as the servers
attached to it grow, one of them active."""

import datetime
import os
import shlex
import subprocess
import sys
import time

from .common import (
    Bench, BenchError, check_prerequisites, publish, spread)
from .switch import AlternatingRuns, EcpRdmaSwitch

PMD_CORE = 0
STATIONS_CPU = 1


class TorSwitch(EcpRdmaSwitch):
    """The ToR: br0 with a role=switch port per server (s0, s1, ...),
    each on a unix link, and a vsi port per VM of every server, with a
    flow per VM MAC."""

    def __init__(self, bench, tag, sessions):
        super().__init__(bench, tag)
        self.sessions = sessions
        self.ports = tuple("s%d" % s for s in range(sessions))

    def link(self, s):
        return os.path.join(self.dir, "s%d.link" % s)

    def add_ports(self):
        args = []
        for s, port in enumerate(self.ports):
            args += ["--", "add-port", "br0", port,
                     "--", "set", "Interface", port, "type=ecp-rdma",
                     "options:role=switch",
                     "options:link=punix:%s" % self.link(s),
                     "options:rte=7", "options:max-tries=7"]
        self.vsctl(*args)

    def start(self):
        self.start_daemons(self.bench.netns[self.name])
        self.vsctl("add-br", "br0", "--", "set", "Bridge", "br0",
                   "datapath_type=netdev")
        self.add_ports()
        self.ovs_cmd("ovs-ofctl", "del-flows", "br0")
        self.check_errors(self.ports)

    def add_vsis(self, vms):
        """Adds the vsi ports of the VSIs that ecp-rdma-stations exports,
        as ecp-rdma-agent would name them, and a flow per VM MAC."""
        args, flows = [], []
        for s in range(self.sessions):
            for v in range(vms):
                port = "s%d-5e%02x%02x00" % (s, s, v)
                args += ["--", "add-port", "br0", port,
                         "--", "set", "Interface", port, "type=ecp-rdma",
                         "options:role=vsi", "options:session=s%d" % s,
                         "options:vsi=5e%02x%02x00-0000-4000-8000-"
                         "000000000001" % (s, v)]
                flows.append("dl_dst=02:5e:00:%02x:%02x:00,"
                             "actions=output:\"%s\"" % (s, v, port))
        self.vsctl(*args)
        path = os.path.join(self.dir, "flows.txt")
        with open(path, "w") as f:
            f.write("\n".join(flows) + "\n")
        self.ovs_cmd("ovs-ofctl", "add-flows", "br0", path)

    def bound_vsis(self):
        return sum(1 for status in self.interface_column("status").values()
                   if ["vsi", "bound"] in status[1])

    def rx_packets(self):
        """What the vsi ports received: the switch ports are OpenFlow
        ports 1 to 'sessions', the vsi ports come after them."""
        return sum(p["rx_packets"] for ofport, p in self.dump_ports().items()
                   if ofport.isdigit() and int(ofport) > self.sessions)


def wait_for(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise BenchError("%s within %d s" % (what, timeout))
        time.sleep(0.2)


def lapses(tor):
    log = os.path.join(tor.dir, "ovs-vswitchd.log")
    with open(log, errors="replace") as f:
        return sum(1 for line in f if "lapsed" in line)


def cpu_seconds(pid, tid=None):
    """The CPU time that process 'pid' (its thread 'tid') used so far."""
    path = ("/proc/%d/task/%d/stat" % (pid, tid) if tid
            else "/proc/%d/stat" % pid)
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_tor(bench, sessions, tag):
    args = bench.args
    tor = TorSwitch(bench, tag, sessions)
    go = os.path.join(tor.dir, "go")
    stop = os.path.join(tor.dir, "stop")
    out = os.path.join(tor.dir, "stations.out")
    procs = []
    try:
        tor.start()
        # The active station alone in one process, so that the idle ones
        # do not slow it down; the idle ones in another.
        for first, n in ((0, 1), (1, sessions - 1)):
            if not n:
                continue
            # The idle servers would be machines of their own: their
            # process runs at the lowest priority, so that it does not
            # delay the active server's answers to the ToR.
            nice = [] if first == 0 else ["nice", "-n", "19"]
            cmd = (nice
                   + ["taskset", "-c", str(STATIONS_CPU), args.stations,
                      "--vms=%d" % args.vms, "--first=%d" % first,
                      "--active=%d" % (first == 0), "--count=0",
                      "--seconds=100000", "--size=%d" % args.size,
                      "--rte=7", "--max-tries=7", "--timeout=60",
                      "--start-file=%s" % go, "--stop-file=%s" % stop]
                   + ["unix:%s" % tor.link(s)
                      for s in range(first, first + n)])
            bench.log.write("$ %s\n" % " ".join(cmd))
            procs.append(subprocess.Popen(
                cmd, stdout=open("%s.%d" % (out, first), "w"),
                stderr=subprocess.STDOUT))
            bench.at_exit("ecp-rdma-stations", procs[-1].kill)
        for i, p in enumerate(procs):
            path = "%s.%d" % (out, 0 if i == 0 else 1)
            wait_for("the stations did not associate",
                     lambda: "associated" in open(path).read()
                     or p.poll() is not None, 90)
            if p.poll() is not None:
                raise BenchError("ecp-rdma-stations: %s" % open(path).read())
        tor.add_vsis(args.vms)
        wait_for("the vsi ports did not bind",
                 lambda: tor.bound_vsis() == sessions * args.vms, 60)
        lapses_before = lapses(tor)
        open(go, "w").close()
        time.sleep(args.warmup)
        tor.pmd_stats_clear()
        rx0, t0 = tor.rx_packets(), time.monotonic()
        cpu0 = [cpu_seconds(p.pid) for p in procs]
        main = tor.pids[tor.vswitchd_name]
        main0 = cpu_seconds(main, main)
        time.sleep(args.seconds)
        stats = tor.pmd_stats()
        rx1, t1 = tor.rx_packets(), time.monotonic()
        cpu = [(cpu_seconds(p.pid) - c) / (t1 - t0)
               for p, c in zip(procs, cpu0)]
        main_cpu = (cpu_seconds(main, main) - main0) / (t1 - t0)
        if any(p.poll() is not None for p in procs):
            raise BenchError("ecp-rdma-stations ended")
        if not stats or not stats["packets_received"]:
            raise BenchError("the ToR forwarded nothing")
        return {
            "sessions": sessions,
            "mpps": (rx1 - rx0) / (t1 - t0) / 1e6,
            "cycles_per_packet": stats["avg_processing_cycles_per_packet"],
            "idle_cycles_share": stats["idle_cycles"]
            / max(1, stats["idle_cycles"] + stats["processing_cycles"]),
            "lapses": lapses(tor) - lapses_before,
            "active_station_cpu": cpu[0],
            "idle_stations_cpu": cpu[1] if len(cpu) > 1 else 0.0,
            "tor_main_thread_cpu": main_cpu,
        }
    finally:
        open(stop, "w").close()
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        tor.stop()


def bench_tor(args):
    check_prerequisites(args, dpdk=False)
    args.stations = os.path.join(args.builddir, "utilities",
                                 "ecp-rdma-stations")
    if not os.path.exists(args.stations):
        raise BenchError("%s: not built" % args.stations)
    args.sessions = sorted(set([1] + args.sessions))
    bench = Bench(args)
    rounds = AlternatingRuns(bench, ["ecp-rdma"], args.sessions)

    def measure(setup, sessions, run):
        return measure_tor(bench, sessions, "%d-%d" % (run, sessions))

    rounds.run(measure, lambda k: "%3d sessions" % k,
               lambda res: ("%6.3f Mpps, %5.0f cycles/pkt, %.0f%% idle, "
                            "%d lapses; CPU: ToR main thread %.2f, "
                            "stations active %.2f, idle %.2f"
                            % (res["mpps"], res["cycles_per_packet"],
                               100 * res["idle_cycles_share"],
                               res["lapses"], res["tor_main_thread_cpu"],
                               res["active_station_cpu"],
                               res["idle_stations_cpu"])))
    if bench.status:
        return bench.status
    publish(args, tor_report(args, rounds), print_tor_table)
    return 0 if rounds.complete() else 1


def tor_report(args, rounds):
    runs = {k: {r["run"]: r for r in rounds.runs[("ecp-rdma", k)]}
            for k in args.sessions}
    results = []
    for k in args.sessions:
        ratios = [runs[k][r]["cycles_per_packet"]
                  / runs[1][r]["cycles_per_packet"]
                  for r in runs[k] if r in runs[1]]
        results.append({
            "sessions": k,
            "mpps": spread([r["mpps"] for r in runs[k].values()]),
            "cycles_per_packet": spread([r["cycles_per_packet"]
                                         for r in runs[k].values()]),
            "cycles_ratio": spread(ratios),
            "lapses": sum(r["lapses"] for r in runs[k].values()),
            "runs": list(runs[k].values()),
            "failures": rounds.failures[("ecp-rdma", k)],
        })
    return {
        "tool": "ecp-rdma-bench tor",
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": rounds.info,
        "plugin": rounds.plugin,
        "settings": {
            "runs": args.runs, "seconds": args.seconds,
            "warmup_seconds": args.warmup, "size": args.size,
            "vms_per_session": args.vms, "sessions": args.sessions,
            "method": "per run and session count, a ToR ovs-vswitchd (one "
                      "PMD thread, core %d) with a role=switch port per "
                      "station on a unix link and a vsi port per VM, a "
                      "flow per VM MAC; ecp-rdma-stations (core %d) plays "
                      "the stations: the VMs of the first send to VMs of "
                      "the same station picked at random, as fast as their "
                      "rings (1024 slots, 2048-octet buffers) take frames; "
                      "the others are idle, their VSIs associated"
                      % (PMD_CORE, STATIONS_CPU),
            "cycles_per_packet": "dpif-netdev/pmd-stats-show 'avg "
                                 "processing cycles per packet' of the "
                                 "ToR over the window",
            "cycles_ratio": "per run, cycles per packet with K sessions "
                            "over those with 1",
        },
        "results": results,
    }


def print_tor_table(report):
    print()
    print("ToR: cycles per frame with K stations, one active "
          "(medians [min-max] over %d runs)" % report["settings"]["runs"])
    print("%9s %22s %26s %22s %7s"
          % ("sessions", "Mpps", "cycles/pkt", "ratio to 1 session",
             "lapses"))
    for e in report["results"]:
        print("%9d %22s %26s %22s %7d"
              % (e["sessions"], fmt_spread(e["mpps"], "%.3f"),
                 fmt_spread(e["cycles_per_packet"], "%.0f"),
                 fmt_spread(e["cycles_ratio"], "%.3f"), e["lapses"]))


def fmt_spread(s, spec):
    if not s:
        return "-"
    return ("%s [%s-%s]" % (spec, spec, spec)) % (s["median"], s["min"],
                                                  s["max"])
