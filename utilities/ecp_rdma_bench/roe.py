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

"""ecp-rdma-bench roe: RoE goodput against the raw AF_PACKET rate."""

import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys

from ecp_rdma_bench.common import (
    BenchError, machine_info, publish, run, say, spread)

ROE_NS = ("ecp-rdma-roe-a", "ecp-rdma-roe-b")
ROE_IF = ("ecproe-a", "ecproe-b")
ROE_TESTS = ("raw", "read", "write")


def roe_perf(args):
    """Returns the path of ecp-rdma-perf in the build tree."""
    if args.builddir is None:
        here = args.scriptdir
        cands = (os.path.join(here, "..", "_build"), os.path.join(here, ".."),
                 os.getcwd())
    else:
        cands = (args.builddir,)
    for cand in cands:
        path = os.path.join(cand, "utilities", "ecp-rdma-perf")
        if os.access(path, os.X_OK):
            return os.path.realpath(path)
    raise BenchError("build not found: utilities/ecp-rdma-perf is missing "
                     "(build the project or pass --builddir)")


class RoeBench:
    """Network namespaces joined by veth pairs, undone on exit.  By
    default, the two namespaces of ROE_NS and one pair between them."""

    def __init__(self, args, namespaces=ROE_NS,
                 veths=(tuple(zip(ROE_NS, ROE_IF)),), log=None):
        self.args = args
        self.perf = roe_perf(args)
        self.namespaces = namespaces
        self.veths = veths
        self.log = log or open(os.devnull, "w")
        self.made = []
        self.procs = []

    def setup(self):
        for ns in self.namespaces:
            run(["ip", "netns", "delete", ns], check=False, log=self.log)
        for ns in self.namespaces:
            run(["ip", "netns", "add", ns], log=self.log)
            self.made.append(ns)
        mtu = str(self.args.mtu)
        for (ns0, if0), (ns1, if1) in self.veths:
            run(["ip", "link", "add", if0, "netns", ns0, "mtu", mtu,
                 "type", "veth", "peer", "name", if1, "netns", ns1,
                 "mtu", mtu], log=self.log)
            for ns, ifname in ((ns0, if0), (ns1, if1)):
                run(["ip", "-n", ns, "link", "set", ifname, "up"],
                    log=self.log)

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.procs = []
        for ns in reversed(self.made):
            run(["ip", "netns", "delete", ns], check=False, log=self.log)
        self.made = []

    def endpoint_cmd(self, ns, ifname, cpu, *args):
        return (["ip", "netns", "exec", ns, "taskset", "-c", str(cpu),
                 self.perf, args[0], "%s:%s" % (self.args.link, ifname)]
                + list(args[1:]))

    def cmd(self, side, cpu, *args):
        return self.endpoint_cmd(ROE_NS[side], ROE_IF[side], cpu, *args)

    def start(self, cmd):
        self.log.write("+ %s\n" % " ".join(shlex.quote(c) for c in cmd))
        self.log.flush()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True)
        self.procs.append(p)
        return p

    def finish(self, p, timeout):
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise BenchError("%s timed out" % " ".join(p.args))
        self.procs.remove(p)
        self.log.write(out)
        self.log.write(err)
        self.log.flush()
        if p.returncode:
            raise BenchError("%s failed: %s" % (" ".join(p.args),
                                                err.strip()))
        return out

    def raw(self, source, sink, size, seconds):
        """Sends ECP frames of 'size' octets of Ethernet payload as fast as
        possible for 'seconds' from 'source' to 'sink', each a (namespace,
        interface, CPU) triple, and returns the sink's figures."""
        sink_p = self.start(self.endpoint_cmd(*sink, "raw-sink", "--json",
                                              "--seconds",
                                              str(seconds + 3)))
        if sink_p.stdout.readline().strip() != "ready":
            raise BenchError("raw-sink did not start: %s"
                             % sink_p.stderr.read().strip())
        self.finish(self.start(self.endpoint_cmd(*source, "raw-source",
                                                 "--json", "--size",
                                                 str(size), "--seconds",
                                                 str(seconds))),
                    seconds + 10)
        return json.loads(self.finish(sink_p, seconds + 10))

    def measure(self, test):
        a = self.args
        secs = str(a.seconds)
        if test == "raw":
            # Same direction and frame size as READ responses: B -> A.
            return self.raw((ROE_NS[1], ROE_IF[1], 1),
                            (ROE_NS[0], ROE_IF[0], 0), a.mtu, a.seconds)
        responder = self.start(self.cmd(1, 1, "responder", "--seconds",
                                        str(a.seconds + 20)))
        line = responder.stdout.readline().split()
        if len(line) < 2 or line[0] != "rkey":
            responder.kill()
            raise BenchError("responder did not start: %s"
                             % responder.stderr.read().strip())
        out = self.finish(self.start(self.cmd(0, 0, test, "--json", "--rkey",
                                              line[1], "--size",
                                              str(a.size), "--seconds",
                                              secs)),
                          a.seconds + 20)
        responder.terminate()
        self.finish(responder, 10)
        return json.loads(out)


def bench_roe(args):
    if os.geteuid() != 0:
        raise BenchError("must run as root (network namespaces, AF_PACKET)")
    for prog in ("ip", "taskset"):
        if not shutil.which(prog):
            raise BenchError("%s not found" % prog)
    bench = RoeBench(args)
    results = {t: [] for t in ROE_TESTS}
    try:
        bench.setup()
        for i in range(args.runs):
            # Alternate the order so that drifts hit every test alike.
            order = ROE_TESTS if i % 2 == 0 else tuple(reversed(ROE_TESTS))
            for test in order:
                r = bench.measure(test)
                results[test].append(r)
                say("run %d %s: %.3f Gbit/s, %.0f/s"
                    % (i + 1, test, r["gbit_per_s"], r["per_s"]))
    finally:
        bench.cleanup()

    report = {
        "tool": "ecp-rdma-bench roe",
        "command": " ".join(sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "machine": machine_info(),
        "setup": {
            "link": "veth pair between two network namespaces, MTU %d, "
                    "AF_PACKET (TPACKET_V3 rx ring) on both ends"
                    % args.mtu,
            "cpus": "side A (requester, raw sink) on CPU 0, side B "
                    "(responder, raw source) on CPU 1",
            "raw": "frames of %d octets of Ethernet payload, B -> A, as "
                   "fast as the source can send; rate at the sink"
                   % args.mtu,
            "roe": "%d-octet RDMA READs (data B -> A) and WRITEs (A -> B), "
                   "posted back to back" % args.size,
            "runs": args.runs,
            "seconds": args.seconds,
            "size": args.size,
            "mtu": args.mtu,
        },
        "results": {},
        "ratio": {},
    }
    for test in ROE_TESTS:
        rs = results[test]
        report["results"][test] = {
            "gbit_per_s": spread([r["gbit_per_s"] for r in rs]),
            "per_s": spread([r["per_s"] for r in rs]),
            "per_run": rs,
        }
    raw = report["results"]["raw"]["gbit_per_s"]["median"]
    for test in ("read", "write"):
        per_run = [r["gbit_per_s"] / w["gbit_per_s"]
                   for r, w in zip(results[test], results["raw"])
                   if w["gbit_per_s"]]
        report["ratio"][test] = {
            "of_raw_bytes": (report["results"][test]["gbit_per_s"]["median"]
                             / raw if raw else None),
            "per_run": per_run,
        }
    publish(args, report, print_roe_table)
    return 0


def print_roe_table(report):
    print()
    print("%-6s %28s %26s" % ("test", "Gbit/s median (min..max)",
                              "per second median"))
    for test in ROE_TESTS:
        g = report["results"][test]["gbit_per_s"]
        n = report["results"][test]["per_s"]
        print("%-6s %10.3f (%.3f..%.3f) %26.0f"
              % (test, g["median"], g["min"], g["max"], n["median"]))
    for test in ("read", "write"):
        r = report["ratio"][test]["of_raw_bytes"]
        print("%s / raw AF_PACKET bytes: %s"
              % (test, "%.2f" % r if r else "n/a"))
