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

"""ecp-rdma-bench local: VM -> br0 -> VM through one PMD thread."""

import datetime
import os
import shlex
import shutil
import statistics
import sys
import time

from ecp_rdma_bench.common import (
    CLK_TCK, Bench, BenchError, by_pairs, check_prerequisites, cpu_snapshot,
    machine_info, plugin_info, publish, say, spread, warn,
    warn_disturbances)
from ecp_rdma_bench.switch import (
    N_QUEUES, PMD_CPU_MASK, TESTPMD_LCORES, TESTPMD_MAIN_LCORE,
    BaselineSwitch, DebianDpdkSwitch, EcpRdmaSwitch, OvsDpdkSwitch, TestPmd,
    dpdk_max_ethports)

# "ovs-dpdk" is OVS-DPDK memif ports in the build's own ovs-vswitchd (built
# with DPDK), "debian-dpdk" the same in Debian's; "baseline" is ecp-rdma with
# another build of the plugin (--baseline-plugin), to measure a change.
SETUPS = ("ecp-rdma", "ovs-dpdk", "debian-dpdk", "baseline")
DPDK_SETUPS = ("ovs-dpdk", "debian-dpdk")


class SwitchStartError(BenchError):
    def __init__(self, setup, error):
        super().__init__("%s: %s" % (setup, error))
        self.setup = setup


# other_config:pmd-maxsleep of the switch that does not forward while the
# other one does: its PMD thread wakes up every 10 ms at most.
IDLE_MAXSLEEP_US = 10000


class LocalRig:
    """The switches of 'setups', each with br0 and 'pairs' pairs of memif
    ports, and one testpmd, the client of all their ports, that forwards
    through one switch at a time, between the ports of each pair.

    All run for every window of a frame size and pair count: the setups'
    windows
    alternate a few seconds apart, so that all see the machine in the
    same state.  The switches that do not forward sleep (pmd-maxsleep),
    the one that does polls as by default.  No client ever disconnects from a
    running switch: OVS-DPDK's memif server (DPDK 22.11) can crash
    ovs-vswitchd with SIGSEGV when one does while the PMD thread polls the
    port.  So the teardown order is: testpmd stops forwarding, then the
    switches exit, then testpmd quits."""

    def __init__(self, bench, setups, size, pairs, tag):
        self.bench = bench
        self.size = size
        self.pairs = pairs
        self.tag = tag
        self.switches = {}
        self.testpmd = None
        for setup in setups:
            cls = {"ecp-rdma": EcpRdmaSwitch, "ovs-dpdk": OvsDpdkSwitch,
                   "debian-dpdk": DebianDpdkSwitch,
                   "baseline": BaselineSwitch}[setup]
            self.switches[setup] = cls(bench, tag)
            self.switches[setup].use_pairs(pairs)

    def start(self, versions):
        for setup, switch in self.switches.items():
            if setup not in versions:
                versions[setup] = switch.version()
            try:
                switch.start()
            except BenchError as e:
                raise SwitchStartError(setup, e)
            switch.set_maxsleep(IDLE_MAXSLEEP_US)
        self.testpmd = TestPmd(self.bench, list(self.switches.values()),
                               self.size, self.tag)
        self.testpmd.start()
        for switch in self.switches.values():
            switch.wait_connected()
        # The client's side of the handshake completes after the server's.
        time.sleep(1)

    def stop(self):
        tp = self.testpmd
        if tp and tp.alive():
            try:
                tp.command_line("stop")
                time.sleep(0.5)
            except (BenchError, OSError):
                pass
        for switch in self.switches.values():
            switch.stop()
        if tp:
            tp.stop()


def measure(bench, rig, setup):
    """Has 'rig''s testpmd forward through the switch of 'setup' and
    returns the figures of one measurement window."""
    args = bench.args
    switch = rig.switches[setup]
    tp = rig.testpmd
    for other in rig.switches.values():
        if other is not switch:
            other.set_maxsleep(IDLE_MAXSLEEP_US)
    switch.set_maxsleep(0)
    tp.forward(switch)
    time.sleep(args.warmup)
    if not tp.alive():
        raise BenchError("testpmd exited: %s" % tp.tail())

    ours = [os.getpid(), tp.proc.pid]
    for sw in rig.switches.values():
        ours += list(sw.pids.values())
    switch.pmd_stats_clear()
    t0 = time.monotonic()
    before = switch.dump_ports()
    t1 = time.monotonic()
    cpu0 = cpu_snapshot(ours)
    time.sleep(args.seconds)
    cpu1 = cpu_snapshot(ours)
    t2 = time.monotonic()
    after = switch.dump_ports()
    t3 = time.monotonic()
    pmd = switch.pmd_stats()

    if not tp.alive():
        raise BenchError("testpmd exited during the window: %s" % tp.tail())
    for sw in rig.switches.values():
        if not sw.alive():
            raise BenchError("%s exited during the window (see %s)"
                             % (sw.vswitchd_name, sw.dir))

    elapsed = ((t2 + t3) - (t0 + t1)) / 2
    ports = [str(i) for i in range(1, len(switch.ports) + 1)]

    def delta(port, key):
        return after[port][key] - before[port][key]

    result = {"seconds": round(elapsed, 4), "pairs": rig.pairs}
    # CPU time that other processes (and the kernel) used during the
    # window, and time stolen by the hypervisor, in CPUs.
    ticks = CLK_TCK * (t2 - t1)
    result["other_cpus"] = max(0, round(((cpu1[0] - cpu0[0])
                                         - (cpu1[2] - cpu0[2])) / ticks, 3))
    result["steal_cpus"] = round((cpu1[1] - cpu0[1]) / ticks, 3)
    # The bench's own processes: about 2 (the PMD and testpmd's forwarding
    # lcore, both busy polling).
    result["own_cpus"] = round((cpu1[2] - cpu0[2]) / ticks, 3)
    for key in ("rx_packets", "rx_bytes", "rx_dropped", "rx_errors",
                "tx_packets", "tx_bytes", "tx_dropped", "tx_errors"):
        result[key] = sum(delta(port, key) for port in ports)
    result["per_port"] = {
        port: {k: delta(port, k) for k in ("rx_packets", "tx_packets",
                                           "tx_dropped")}
        for port in ports}
    if result["tx_packets"] <= 0:
        raise BenchError("%s: no packet went through br0 (see %s)"
                         % (switch.name, tp.logpath))
    result["mpps"] = result["tx_packets"] / elapsed / 1e6
    result["mpps_per_pair"] = result["mpps"] / rig.pairs
    result["gbps"] = result["tx_bytes"] * 8 / elapsed / 1e9
    result["avg_frame_bytes"] = result["tx_bytes"] / result["tx_packets"]
    result["pmd"] = pmd
    if pmd and pmd.get("avg_processing_cycles_per_packet") is not None:
        result["cycles_per_packet"] = pmd["avg_processing_cycles_per_packet"]
        result["total_cycles_per_packet"] = pmd["avg_cycles_per_packet"]
    elif pmd and pmd["packets_received"]:
        result["cycles_per_packet"] = (pmd["processing_cycles"]
                                       / pmd["packets_received"])
        result["total_cycles_per_packet"] = None
    else:
        result["cycles_per_packet"] = None
        result["total_cycles_per_packet"] = None
    return result


def fmt_spread(s, digits):
    """'median [min-max]' of spread 's', or '-'."""
    if not s:
        return "-"
    return "%.*f [%.*f-%.*f]" % (digits, s["median"], digits, s["min"],
                                 digits, s["max"])


def print_table(report):
    settings = report["settings"]
    sizes = settings["sizes"]
    results = by_pairs(report, "results")
    rows = [("frame", "pairs", "setup", "runs", "Mpps median [min-max]",
             "Mpps/pair", "Gbit/s median [min-max]", "cyc/pkt med")]
    for size in sizes:
        for pairs in settings["pairs"]:
            for setup in settings["setups"]:
                r = results[pairs][setup][str(size)]
                head = ("%d B" % size, "%d" % pairs, setup)
                if setup in report["unavailable"] and not r["runs_ok"]:
                    rows.append(head + ("-", "unavailable", "", "", ""))
                    continue
                cyc = r["cycles_per_packet"]
                per_pair = r["mpps_per_pair"]
                rows.append(head + (
                    "%d/%d" % (r["runs_ok"], r["runs"]),
                    fmt_spread(r["mpps"], 2),
                    "%.2f" % per_pair["median"] if per_pair else "-",
                    fmt_spread(r["gbps"], 2),
                    "%.0f" % cyc["median"] if cyc else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print()
    ratios = by_pairs(report, "ratios")
    for pairs in settings["pairs"]:
        print_ratios(ratios[pairs], sizes,
                     "" if settings["pairs"] == [1] else
                     ", %d pair(s)" % pairs)
    for size in sizes:
        for pairs in settings["pairs"]:
            for setup in settings["setups"]:
                r = results[pairs][setup][str(size)]
                what = "%s at %d B, %d pair(s)" % (setup, size, pairs)
                if r["disturbed_runs_kept"] or r["discarded"]:
                    print("%s: %d disturbed window(s) measured again, "
                          "%d kept although disturbed"
                          % (what, len(r["discarded"]),
                             r["disturbed_runs_kept"]))
                if r["failures"]:
                    print("%s: %d failed run(s): %s"
                          % (what, len(r["failures"]),
                             "; ".join(r["failures"])))
    print("frames: %s" % settings["frame_size"])
    print("rate: %s" % settings["rate"])
    print("placement: %s" % settings["placement"])
    plugin = settings["plugin"]
    print("plugin: %s (sha256 %s%s)"
          % (plugin["path"], plugin["sha256"][:16],
             ", " + plugin["source"] if plugin["source"] else ""))
    baseline = settings["baseline_plugin"]
    if baseline:
        print("baseline plugin: %s (sha256 %s)"
              % (baseline["path"], baseline["sha256"][:16]))
    for setup, version in sorted(settings["vswitchd"].items()):
        print("%s: %s" % (setup, version))
    print()


def print_ratios(ratios, sizes, what):
    """Prints ecp-rdma's ratios to each baseline in 'ratios' (those of one
    pair count, which 'what' names)."""
    for base, by_size in ratios.items():
        for size in sizes:
            ratio = by_size[str(size)]
            if ratio["mpps"] is None:
                print("ratio ecp-rdma / %s at %d B%s: unavailable (%s)"
                      % (base, size, what, ratio["reason"]))
            else:
                print("ratio ecp-rdma / %s at %d B%s: %.3f (median of the "
                      "runs' ratios; ratio of the medians %.3f); per run %s"
                      % (base, size, what, ratio["mpps"],
                         ratio["of_medians"],
                         ", ".join("%.3f" % x for x in ratio["per_run"])))


def start_rig(bench, setups, unavailable, size, pairs, tag, versions):
    """Starts the switches of the available 'setups', with 'pairs' pairs of
    ports each, and testpmd.  A setup other than ecp-rdma whose switch
    cannot start is marked unavailable and the rest start without it."""
    for attempt in range(len(setups)):
        avail = [s for s in setups if s not in unavailable]
        check_testpmd_ports(avail, pairs)
        rig = LocalRig(bench, avail, size, pairs, "%s-%d" % (tag, attempt))
        try:
            rig.start(versions)
            return rig
        except SwitchStartError as e:
            rig.stop()
            if e.setup == "ecp-rdma":
                raise BenchError(str(e))
            unavailable[e.setup] = str(e)
            warn("%s side unavailable: %s" % (e.setup, e))
        except BaseException:
            rig.stop()
            raise
    raise BenchError("no switch could start")


def check_testpmd_ports(setups, pairs):
    """Raises BenchError if one testpmd cannot be the client of 'pairs'
    pairs of ports of every switch of 'setups'."""
    max_ports = dpdk_max_ethports()
    needed = 2 * pairs * len(setups)
    if max_ports is not None and needed > max_ports:
        raise BenchError("%d VM pairs of %d setups need %d memif ports in "
                         "testpmd, but DPDK's RTE_MAX_ETHPORTS is %d: fewer "
                         "pairs (--pairs) or setups (--setups)"
                         % (pairs, len(setups), needed, max_ports))


def measure_retrying(bench, rig, setup, r, discarded):
    """Measures a window of 'setup' through 'rig', again, up to --retries
    times, if other processes disturbed it; the disturbed windows go to the
    list 'discarded'.  After a BenchError, 'rig' must be restarted."""
    args = bench.args
    size, pairs = rig.size, rig.pairs
    attempt = 0
    while True:
        res = measure(bench, rig, setup)
        res["disturbed"] = res["other_cpus"] > args.max_other_cpu
        cyc = res["cycles_per_packet"]
        say("run %d/%d: %11s %4d B %2d pair(s): %7.3f Mpps %7.2f Gbit/s %s "
            "cycles/pkt, tx drops %d, CPUs: own %.2f other %.2f steal %.2f"
            % (r + 1, args.runs, setup, size, pairs, res["mpps"],
               res["gbps"], "%.0f" % cyc if cyc else "?", res["tx_dropped"],
               res["own_cpus"], res["other_cpus"], res["steal_cpus"]))
        if not res["disturbed"]:
            return res
        if attempt >= args.retries:
            warn("run %d, %s, %d B, %d pair(s): kept although other "
                 "processes used %.2f CPUs"
                 % (r + 1, setup, size, pairs, res["other_cpus"]))
            return res
        warn("other processes used %.2f CPUs during the window: measuring "
             "again" % res["other_cpus"])
        discarded.append(res)
        time.sleep(args.retry_delay)
        attempt += 1


def local_setups(args):
    """Returns the setups that 'local' measures: those of --setups, or by
    default ecp-rdma and OVS-DPDK in the build's own ovs-vswitchd if it was
    built with DPDK, in Debian's if not.  --debian-dpdk adds Debian's;
    --baseline-plugin measures 'baseline' instead of the default OVS-DPDK
    setup."""
    if args.setups:
        setups = list(args.setups)
    elif args.baseline_plugin:
        setups = ["ecp-rdma"]
    else:
        setups = ["ecp-rdma",
                  "ovs-dpdk" if args.build_dpdk else "debian-dpdk"]
    if args.debian_dpdk and "debian-dpdk" not in setups:
        setups.append("debian-dpdk")
    if args.baseline_plugin:
        if "baseline" not in setups:
            setups.append("baseline")
    elif "baseline" in setups:
        raise BenchError("setup 'baseline' needs --baseline-plugin")
    return setups


def local_baselines(setups):
    """The setups that ecp-rdma's rate is divided by, the main one first."""
    return [s for s in ("baseline", "ovs-dpdk", "debian-dpdk")
            if s in setups]


class LocalRuns:
    """The windows of every setup, frame size and pair count: measured
    ones, failures and those measured again because other processes
    disturbed them, each a dict [setup][pairs][size] of lists."""

    def __init__(self, args):
        def table():
            return {s: {p: {size: [] for size in args.sizes}
                        for p in args.pairs} for s in SETUPS}
        self.runs = table()
        self.failures = table()
        self.discarded = table()


def run_blocks(bench, setups, unavailable, local, versions):
    """Measures every frame size and pair count --runs times.  For each
    size, the runs come in blocks of --runs-per-start; in each block, the
    pair counts follow each other (in alternating order from one block to
    the next), each with switches and testpmd started afresh, and within a
    pair count the setups' windows alternate."""
    args = bench.args
    per_start = args.runs_per_start
    for size in args.sizes:
        for block, first in enumerate(range(0, args.runs, per_start)):
            order = args.pairs if block % 2 == 0 else args.pairs[::-1]
            for pairs in order:
                run_block(bench, setups, unavailable, local, versions, size,
                          pairs, range(first, min(args.runs,
                                                  first + per_start)))


def run_block(bench, setups, unavailable, local, versions, size, pairs,
              runs):
    """Measures runs 'runs' of frame size 'size' with 'pairs' VM pairs,
    through one start of the switches and testpmd (or more, if a run
    fails)."""
    rig = None
    starts = 0
    try:
        for r in runs:
            order = setups if r % 2 == 0 else setups[::-1]
            for setup in order:
                if setup in unavailable:
                    continue
                if rig is None:
                    # A tag of its own for every start: after a failure,
                    # the next setup of the same run starts afresh.
                    starts += 1
                    rig = start_rig(bench, setups, unavailable, size, pairs,
                                    "%d-%dp-%d-%d" % (size, pairs, r + 1,
                                                      starts), versions)
                try:
                    res = measure_retrying(
                        bench, rig, setup, r,
                        local.discarded[setup][pairs][size])
                except BenchError as e:
                    warn("run %d, %s, %d B, %d pair(s): %s"
                         % (r + 1, setup, size, pairs, e))
                    local.failures[setup][pairs][size].append(str(e))
                    bench.keep_rundir = True
                    rig.stop()
                    rig = None
                    continue
                res["run"] = r + 1
                local.runs[setup][pairs][size].append(res)
    finally:
        if rig:
            rig.stop()


def bench_local(args):
    testpmd = check_prerequisites(args)
    bench = Bench(args)
    bench.testpmd = testpmd
    setups = local_setups(args)
    unavailable = {}

    local = LocalRuns(args)
    info = machine_info()
    versions = {}
    plugin = None
    baseline_plugin = None
    with bench.running():
        plugin = bench.start()
        if "baseline" in setups:
            bench.baseline_plugin = os.path.join(bench.rundir,
                                                 "baseline.so")
            try:
                shutil.copy2(args.baseline_plugin, bench.baseline_plugin)
            except OSError as e:
                raise BenchError("--baseline-plugin: %s" % e)
            baseline_plugin = plugin_info(args.baseline_plugin,
                                          bench.baseline_plugin, None)
        warn_disturbances(info)
        if "ovs-dpdk" in setups and not args.build_dpdk:
            unavailable["ovs-dpdk"] = (
                "the build's Open vSwitch has no DPDK (%s; configure "
                "--with-dpdk=yes, with libdpdk-dev installed)"
                % os.path.join(args.ovs_builddir, "config.h"))
        if ("debian-dpdk" in setups
                and not os.access(args.debian_dpdk_vswitchd, os.X_OK)):
            unavailable["debian-dpdk"] = (
                "%s not found (apt-get install openvswitch-switch-dpdk)"
                % args.debian_dpdk_vswitchd)
        dpdk = [s for s in setups
                if s in DPDK_SETUPS and s not in unavailable]
        if dpdk:
            reason = bench.reserve_hugepages(len(dpdk))
            if reason:
                for setup in dpdk:
                    unavailable[setup] = reason
        for setup in setups:
            if setup in unavailable:
                warn("%s side unavailable: %s"
                     % (setup, unavailable[setup]))
        check_testpmd_ports([s for s in setups if s not in unavailable],
                            max(args.pairs))
        bench.netns = {setup: bench.make_netns(setup) for setup in setups}
        run_blocks(bench, setups, unavailable, local, versions)
    if bench.status:
        return bench.status

    report = local_report(args, setups, unavailable, local, info, {
        "testpmd": testpmd, "vswitchd": versions, "plugin": plugin,
        "baseline_plugin": baseline_plugin})
    publish(args, report, print_table)
    for setup in setups:
        for pairs in args.pairs:
            for size in args.sizes:
                if (not local.runs[setup][pairs][size]
                        and setup not in unavailable):
                    return 1
    return 0


def local_report(args, setups, unavailable, local, info, programs):
    """The report of 'local': its settings, and for each pair count the
    results of every setup and size and the ratios of ecp-rdma's rates to
    the baselines', in "results_by_pairs" and "ratios_by_pairs" by pair
    count, or with one pair count in "results" and "ratios", as in reports
    before --pairs took a list (see by_pairs()).  'programs' are the
    settings that say which testpmd, ovs-vswitchd and plugins were
    measured."""
    report = {
        "tool": "ecp-rdma-bench local",
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": info,
        "settings": dict({
            "runs": args.runs, "runs_per_start": args.runs_per_start,
            "seconds": args.seconds,
            "warmup_seconds": args.warmup, "sizes": args.sizes,
            "pairs": args.pairs,
            "setups": setups,
            "frame_size": "Ethernet frame length as testpmd --txpkts "
                          "sets it and the OVS byte counters count it: "
                          "headers and payload, no FCS; Gbit/s counts "
                          "these bytes only (no FCS, preamble or gap)",
            "rate": "packets transmitted by br0 on all ports of the VM "
                    "pairs (ovs-ofctl dump-ports tx pkts, both directions "
                    "of every pair summed) per second of the window; "
                    "mpps_per_pair: that divided by the number of pairs",
            "cycles_per_packet": "dpif-netdev/pmd-stats-show 'avg "
                                 "processing cycles per packet' (TSC "
                                 "cycles) of the PMD over the window",
            "placement": "PMD: pmd-cpu-mask=%s (core 0); testpmd -l %s "
                         "--main-lcore %s (forwarding on core 1, for all "
                         "pairs)"
                         % (PMD_CPU_MASK, TESTPMD_LCORES,
                            TESTPMD_MAIN_LCORE),
            "alternation": "per frame size, blocks of %d runs; in a "
                           "block, each pair count in turn (alternating "
                           "order from block to block) starts every "
                           "setup's switch and one testpmd (the client of "
                           "all their ports), which run throughout the "
                           "block; testpmd forwards through one switch at "
                           "a time (stop, set portlist, start tx_first), "
                           "the setups' windows alternate; the switch "
                           "that does not forward has other_config:"
                           "pmd-maxsleep=%d, the measured one 0 (never "
                           "sleeps)" % (args.runs_per_start,
                                        IDLE_MAXSLEEP_US),
            "disturbance": "a window in which other processes used more "
                           "than %.2f CPUs (/proc/stat minus the bench's "
                           "own processes) is measured again, up to %d "
                           "times; the discarded windows are listed"
                           % (args.max_other_cpu, args.retries),
            "traffic": "per VM pair, testpmd io forwarding between its two "
                       "ports, %d queue pairs per memif port (copy mode), "
                       "start tx_first %d; flows in_port=1 -> 2, 2 -> 1, "
                       "3 -> 4, 4 -> 3, ..."
                       % (N_QUEUES, args.bursts),
        }, **programs),
        "unavailable": unavailable,
        "results_by_pairs": {},
        "ratios_by_pairs": {},
    }
    baselines = local_baselines(setups) or [
        "ovs-dpdk" if args.build_dpdk else "debian-dpdk"]
    for pairs in args.pairs:
        results = {setup: {str(size): local_result(
            args, local, setup, pairs, size) for size in args.sizes}
            for setup in setups}
        report["results_by_pairs"][str(pairs)] = results
        report["ratios_by_pairs"][str(pairs)] = {
            base: {str(size): local_ratio(
                results, local.runs, base, pairs, size, setups, unavailable)
                for size in args.sizes}
            for base in baselines}
    report["baseline"] = baselines[0]
    if len(args.pairs) == 1:
        # As in reports before --pairs took a list.
        report["results"] = report.pop("results_by_pairs").popitem()[1]
        report["ratios"] = report.pop("ratios_by_pairs").popitem()[1]
        # The main baseline's, as in reports before there were several.
        report["ratio"] = report["ratios"][baselines[0]]
    return report


def local_result(args, local, setup, pairs, size):
    """The figures of 'setup' with 'pairs' pairs at frame size 'size'."""
    rs = local.runs[setup][pairs][size]
    return {
        "pairs": pairs,
        "runs": args.runs,
        "runs_ok": len(rs),
        "failures": local.failures[setup][pairs][size],
        "mpps": spread([x["mpps"] for x in rs]),
        "mpps_per_pair": spread([x["mpps_per_pair"] for x in rs]),
        "gbps": spread([x["gbps"] for x in rs]),
        "cycles_per_packet": spread([x["cycles_per_packet"] for x in rs]),
        "disturbed_runs_kept": sum(1 for x in rs if x["disturbed"]),
        "per_run": rs,
        "discarded": local.discarded[setup][pairs][size],
    }


def local_ratio(results, runs, base, pairs, size, setups, unavailable):
    """ecp-rdma's rate over that of baseline 'base' with 'pairs' pairs at
    frame size 'size': the median of the back-to-back runs' ratios and
    the ratio of the medians, or the reason why there is none."""
    e = results.get("ecp-rdma", {}).get(str(size))
    d = results.get(base, {}).get(str(size))
    if not e or not e["mpps"]:
        reason = "no ecp-rdma measurement"
    elif base not in setups:
        reason = "%s not measured (--setups)" % base
    elif base in unavailable:
        reason = "%s unavailable: %s" % (base, unavailable[base])
    elif not d or not d["mpps"]:
        reason = "no %s measurement" % base
    else:
        reason = None
    entry = {"mpps": None, "of_medians": None, "per_run": [],
             "reason": reason}
    if reason is None:
        # Runs where both setups succeeded, paired run by run: the two runs
        # of a pair follow each other.
        other = {x["run"]: x for x in runs[base][pairs][size]}
        entry["per_run"] = [x["mpps"] / other[x["run"]]["mpps"]
                            for x in runs["ecp-rdma"][pairs][size]
                            if x["run"] in other]
        entry["mpps"] = (statistics.median(entry["per_run"])
                         if entry["per_run"] else None)
        entry["of_medians"] = e["mpps"]["median"] / d["mpps"]["median"]
    return entry
