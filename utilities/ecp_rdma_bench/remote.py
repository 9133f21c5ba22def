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

"""ecp-rdma-bench remote: VM on server A -> ToR -> VM on server B."""

import datetime
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from ecp_rdma_bench.common import (
    CLK_TCK, Bench, BenchError, Critical, check_prerequisites, cpu_snapshot,
    machine_info, publish, read_file, run, say, spread, warn,
    warn_disturbances)
from ecp_rdma_bench.roe import RoeBench
from ecp_rdma_bench.switch import EcpRdmaSwitch, parse_dump_ports

# One network namespace per ovs-vswitchd (the userspace datapath's bridge
# is a tap device named after it, so two cannot share one), joined by veth
# pairs: server A's uplink to the ToR's port "sa", server B's to "sb".
REMOTE_NS = {"a": "ecp-rdma-rm-a", "tor": "ecp-rdma-rm-tor",
             "b": "ecp-rdma-rm-b"}
REMOTE_IF = {"a": "ecprm-a", "sa": "ecprm-sa", "b": "ecprm-b",
             "sb": "ecprm-sb"}
REMOTE_VETHS = (((REMOTE_NS["a"], REMOTE_IF["a"]),
                 (REMOTE_NS["tor"], REMOTE_IF["sa"])),
                ((REMOTE_NS["b"], REMOTE_IF["b"]),
                 (REMOTE_NS["tor"], REMOTE_IF["sb"])))

# CPU placement (the machine has 2 vCPUs): the ToR's PMD thread, which
# drives both RoE sessions (READs from A, WRITEs into B), alone on core 1;
# the servers, their PMD threads and their VMs, on core 0.  The raw
# AF_PACKET measurement uses the two cores as 'roe' does: sink on CPU 0,
# source on CPU 1.
REMOTE_PMD_MASK = {"a": "0x1", "tor": "0x2", "b": "0x1"}
REMOTE_VM_CPU = 0
RAW_SINK_CPU, RAW_SOURCE_CPU = 0, 1

ETH_HEADER_LEN = 14             # the ECP frames of raw-source: no VLAN tag

# OpenFlow ports, by ofport_request.
TOR_PORTS = {"sa": 1, "sb": 2, "sa-vm1": 3, "sb-vm1": 4}
SERVER_PORTS = {"up0": 1, "vm1": 2}


def veth_counters(netns):
    """What the kernel counted on the links of namespace 'netns': 'ip -s
    link' and, for each veth, 'ethtool -S' (its XDP and peer drops)."""
    out = run(["ip", "-n", netns, "-s", "link"], check=False)
    for line in out.splitlines():
        m = re.match(r"\d+: ([^:@]+)@", line)
        if m and shutil.which("ethtool"):
            out += run(["ip", "netns", "exec", netns, "ethtool", "-S",
                        m.group(1)], check=False)
    return out


class RemoteNode(EcpRdmaSwitch):
    """An ovs-vswitchd with the plugin, in network namespace 'netns', with
    a userspace bridge br0 in fail-mode secure and no ports yet."""

    ports = ()

    def __init__(self, bench, tag, name, netns, pmd_mask):
        self.name = name
        self.netns = netns
        self.pmd_mask = pmd_mask
        super().__init__(bench, tag)

    def configure_db(self):
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:pmd-cpu-mask=%s" % self.pmd_mask,
                   "other_config:pmd-maxsleep=%d"
                   % (0 if self.name == "tor"
                      else self.bench.args.pmd_maxsleep))

    def start(self):
        self.start_daemons(self.netns)
        self.vsctl("add-br", "br0", "--", "set", "Bridge", "br0",
                   "datapath_type=netdev", "fail-mode=secure")

    def add_port(self, port, ofport, *options):
        self.vsctl("add-port", "br0", port, "--", "set", "Interface", port,
                   "type=ecp-rdma", "ofport_request=%d" % ofport, *options)
        self.check_errors([port])

    def status(self, port, key):
        out = self.vsctl("--if-exists", "get", "Interface", port,
                         "status:%s" % key, check=False)
        return out.strip().strip('"')

    def wait_status(self, port, key, pred, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.status(port, key)
            if pred(value):
                return value
            if not self.alive():
                raise BenchError("%s: ovs-vswitchd exited (see %s)"
                                 % (self.name, self.dir))
            time.sleep(0.2)
        raise BenchError("%s: %s within %d s (%s status: %s)"
                         % (self.name, what, timeout, port,
                            self.vsctl("--if-exists", "get", "Interface",
                                       port, "status",
                                       check=False).strip()))

    def counters(self, ofports):
        ports = parse_dump_ports(self.ovs_cmd("ovs-ofctl", "dump-ports",
                                              "br0"))
        for ofport in ofports:
            if "tx_packets" not in ports.get(str(ofport), {}):
                raise BenchError("%s: no counters for port %d in "
                                 "ovs-ofctl dump-ports" % (self.name, ofport))
        return ports


class VmClient:
    """ecp-rdma-vm, the memif client standing in for a VM."""

    label = "ecp-rdma-vm"
    stdin = subprocess.DEVNULL
    # What stop() sends, in turn, until the client is gone.
    stop_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)

    def __init__(self, bench, node, command, *options, port="vm1",
                 cpu=REMOTE_VM_CPU, name=None):
        self.bench = bench
        self.node = node
        self.command = command
        self.outpath = os.path.join(node.dir, "%s.out" % (name or command))
        self.cmd = ["taskset", "-c", str(cpu), bench.args.vm,
                    command, "--socket=%s" % node.socket(port)]
        self.cmd += list(options)
        self.proc = None
        self.out = None

    def start(self):
        self.bench.at_exit("%s %s" % (self.label, self.command), self.stop)
        self.bench.log.write(
            "+ %s\n" % " ".join(shlex.quote(c) for c in self.cmd))
        self.bench.log.flush()
        self.out = open(self.outpath, "w")
        self.proc = subprocess.Popen(self.cmd, stdin=self.stdin,
                                     stdout=self.out,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Interrupts the client (it prints its summary) and waits for it;
        returns its summary, or None."""
        if self.proc is None:
            return None
        with Critical():
            proc, self.proc = self.proc, None
            self.ask_to_stop(proc)
            for sig in self.stop_signals:
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            proc.wait()
            self.out.close()
        return self.summary()

    def ask_to_stop(self, proc):
        """ecp-rdma-vm stops on the first of 'stop_signals'."""

    def summary(self):
        for line in reversed(read_file(self.outpath, "").splitlines()):
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    break
        return None

    def tail(self, n=3):
        text = read_file(self.outpath, "")
        return " | ".join(text.strip().splitlines()[-n:])


class TestPmdClient(VmClient):
    """dpdk-testpmd as a VM: the memif client of one vm port ('send':
    txonly, frames of one size; 'recv': rxonly), its forwarding lcore on
    the VMs' CPU and its main lcore, asleep in read(), on the other.
    Without -i, it forwards until a line arrives on its stdin."""

    label = "testpmd"
    stdin = subprocess.PIPE
    stop_signals = (signal.SIGINT, signal.SIGKILL)

    def __init__(self, bench, node, command, size, buffer_size, ring_size):
        self.bench = bench
        self.node = node
        self.command = command
        self.outpath = os.path.join(node.dir, "testpmd-%s.out" % command)
        main = 1 - REMOTE_VM_CPU
        self.cmd = [bench.testpmd, "-l", "%d,%d" % (REMOTE_VM_CPU, main),
                    "--main-lcore", str(main), "--no-huge", "-m", "512",
                    "--no-pci", "--file-prefix=ecp-rdma-bench-%s-%d"
                    % (command, os.getpid()),
                    "--vdev=net_memif0,role=client,socket=%s,"
                    "socket-abstract=no,bsize=%d,rsize=%d"
                    % (node.socket("vm1"), buffer_size,
                       ring_size.bit_length() - 1),
                    "--", "--nb-cores=1", "--total-num-mbufs=16384",
                    "--forward-mode=%s" % ("txonly" if command == "send"
                                           else "rxonly"),
                    "--txpkts=%d" % size]
        self.proc = None
        self.out = None

    def ask_to_stop(self, proc):
        """Has testpmd stop, print its statistics and quit."""
        try:
            proc.stdin.write(b"\n")
            proc.stdin.close()
            proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            pass

    def summary(self):
        """What testpmd sent or received, from its statistics."""
        text = read_file(self.outpath, "")
        key = "TX-packets" if self.command == "send" else "RX-packets"
        counts = re.findall(r"%s:\s*(\d+)" % key, text)
        if not counts:
            return None
        # The last figure is the total over all ports.
        return {"sent" if self.command == "send" else "received":
                int(counts[-1])}


def start_vm_clients(bench, a, b, size):
    """Starts the two VMs' clients, returns them: VM B's first."""
    args = bench.args
    buffer_size = vm_buffer_size(args, size)
    if args.clients == "testpmd":
        clients = [TestPmdClient(bench, b, "recv", size, buffer_size,
                                 args.ring_size),
                   TestPmdClient(bench, a, "send", size, buffer_size,
                                 args.ring_size)]
    else:
        # They stop by themselves if the bench cannot stop them.
        timeout = "--timeout=%d" % (120 + args.warmup + args.seconds)
        geometry = ["--ring-size=%d" % args.ring_size,
                    "--buffer-size=%d" % buffer_size]
        clients = [VmClient(bench, b, "recv", timeout, "--json", *geometry),
                   VmClient(bench, a, "send", timeout, "--json", *geometry,
                            "--size=%d" % size)]
    for client in clients:
        client.start()
    return clients


def vm_buffer_size(args, size):
    """The memif buffer size of the VM clients for frames of 'size' bytes:
    --buffer-size, or with 'fit' the frame size rounded up to a cache line,
    as a VM that sizes its buffers for its traffic would use."""
    if args.buffer_size != "fit":
        return args.buffer_size
    return max(64, (size + 63) // 64 * 64)


def measure_remote(bench, size, tag, versions):
    """Starts the ToR and servers A and B, has VM A send frames of 'size'
    bytes to VM B as fast as it can, and returns the figures of one
    measurement window."""
    args = bench.args
    nodes = {name: RemoteNode(bench, tag, name, REMOTE_NS[name],
                              REMOTE_PMD_MASK[name])
             for name in ("tor", "a", "b")}
    tor, a, b = nodes["tor"], nodes["a"], nodes["b"]
    if "ecp-rdma" not in versions:
        versions["ecp-rdma"] = tor.version()
    clients = []
    try:
        for node in (tor, a, b):
            node.start()
        rte = ["options:rte=%d" % args.rte] if args.rte is not None else []
        for s, node in (("a", a), ("b", b)):
            tor.add_port("s" + s, TOR_PORTS["s" + s],
                         "options:role=switch",
                         "options:link=%s:%s" % (args.link,
                                                 REMOTE_IF["s" + s]), *rte)
            node.add_port("up0", SERVER_PORTS["up0"], "options:role=uplink",
                          "options:link=%s:%s" % (args.link, REMOTE_IF[s]),
                          *rte)
            node.add_port("vm1", SERVER_PORTS["vm1"],
                          "options:socket=%s" % node.socket("vm1"),
                          "options:uplink=up0", "options:switching=remote",
                          "options:ring-size=%d" % args.ring_size)

        clients += start_vm_clients(bench, a, b, size)

        # What the ToR's agent will do: a role=vsi port for each VSI that
        # the servers associate, and the pipeline: VM A -> VM B.
        vsis = {}
        for s in ("a", "b"):
            vsis[s] = tor.wait_status(
                "s" + s, "vsis", lambda v: bool(v),
                "server %s's VM did not associate" % s).split()[0]
        # The flow first, then B's port before A's: every frame that the
        # ToR reads goes to VM B.
        tor.ovs_cmd("ovs-ofctl", "del-flows", "br0")
        tor.ovs_cmd("ovs-ofctl", "add-flow", "br0",
                    "in_port=%d,actions=output:%d"
                    % (TOR_PORTS["sa-vm1"], TOR_PORTS["sb-vm1"]))
        for s in ("b", "a"):
            tor.add_port("s%s-vm1" % s, TOR_PORTS["s%s-vm1" % s],
                         "options:role=vsi", "options:session=s" + s,
                         "options:vsi=%s" % vsis[s])
        for s in ("a", "b"):
            tor.wait_status("s%s-vm1" % s, "vsi", lambda v: v == "bound",
                            "port s%s-vm1 did not bind" % s)
        time.sleep(args.warmup)
        for client in clients:
            if not client.alive():
                raise BenchError("VM client %s exited: %s"
                                 % (client.command, client.tail()))

        procs = [n.pids.get(n.vswitchd_name) for n in nodes.values()]
        ours = [p for p in procs if p] + [c.proc.pid for c in clients]
        vm_b, sa_vm1, sb_vm1 = (str(SERVER_PORTS["vm1"]),
                                str(TOR_PORTS["sa-vm1"]),
                                str(TOR_PORTS["sb-vm1"]))
        for node in nodes.values():
            node.appctl("dpif-netdev/pmd-stats-clear")
        t0 = time.monotonic()
        before_b = b.counters([vm_b])
        before_tor = tor.counters([sa_vm1, sb_vm1])
        t1 = time.monotonic()
        cpu0 = cpu_snapshot(ours)
        time.sleep(args.seconds)
        cpu1 = cpu_snapshot(ours)
        t2 = time.monotonic()
        after_b = b.counters([vm_b])
        after_tor = tor.counters([sa_vm1, sb_vm1])
        t3 = time.monotonic()
        # The sessions' RoE counters, and the veths' own (drops in the
        # kernel), for whoever wants to know why.
        for node in nodes.values():
            with open(os.path.join(node.dir, "ecp-rdma-show.txt"), "w") as f:
                f.write(node.appctl("ecp-rdma/show"))
                f.write(node.appctl("dpif-netdev/pmd-stats-show"))
                f.write(node.vsctl("--columns=name,statistics", "list",
                                   "Interface"))
            with open(os.path.join(node.dir, "veths.txt"), "w") as f:
                f.write(veth_counters(node.netns))

        for client in clients:
            if not client.alive():
                raise BenchError("VM client %s exited during the window: "
                                 "%s" % (client.command, client.tail()))
        for node in nodes.values():
            if not node.alive():
                raise BenchError("%s: ovs-vswitchd exited during the window "
                                 "(see %s)" % (node.name, node.dir))
    finally:
        summaries = {}
        for client in reversed(clients):
            summaries[client.command] = client.stop()
        for node in (a, b, tor):
            node.stop()

    elapsed = ((t2 + t3) - (t0 + t1)) / 2

    def delta(after, before, port, key):
        return after[port][key] - before[port][key]

    result = {"seconds": round(elapsed, 4)}
    ticks = CLK_TCK * (t2 - t1)
    result["other_cpus"] = max(0, round(((cpu1[0] - cpu0[0])
                                         - (cpu1[2] - cpu0[2])) / ticks, 3))
    result["steal_cpus"] = round((cpu1[1] - cpu0[1]) / ticks, 3)
    result["own_cpus"] = round((cpu1[2] - cpu0[2]) / ticks, 3)
    # Frames delivered into VM B's receive ring...
    for key in ("tx_packets", "tx_bytes", "tx_dropped"):
        result["vm_b_" + key] = delta(after_b, before_b, vm_b, key)
    # ... and where the others went: the frames that the ToR READ from VM
    # A's ring, and those that it could not WRITE into server B's ingress
    # ring.
    result["tor_read_packets"] = delta(after_tor, before_tor, sa_vm1,
                                       "rx_packets")
    for key in ("tx_packets", "tx_dropped"):
        result["tor_write_" + key[3:]] = delta(after_tor, before_tor,
                                               sb_vm1, key)
    if result["vm_b_tx_packets"] <= 0:
        raise BenchError("no frame reached VM B (see %s)" % bench.rundir)
    result["mpps"] = result["vm_b_tx_packets"] / elapsed / 1e6
    result["gbps"] = result["vm_b_tx_bytes"] * 8 / elapsed / 1e9
    result["tor_read_mpps"] = result["tor_read_packets"] / elapsed / 1e6
    result["avg_frame_bytes"] = (result["vm_b_tx_bytes"]
                                 / result["vm_b_tx_packets"])
    # The clients' own summaries, over their whole lives (warm-up, window
    # and the stop included).
    keep = ("sent", "received", "valid", "unique", "lost", "duplicated",
            "reordered", "corrupted", "seconds", "pps", "bps")
    result["clients"] = {
        command: {k: v for k, v in s.items() if k in keep}
        if s else None for command, s in summaries.items()}
    # What VM B made of it: duplicates and reordering (the rates above
    # count every frame delivered, duplicates included), and the rate of
    # the frames it received once, over its whole life.
    recv_s = result["clients"].get("recv")
    if recv_s and recv_s.get("received") and "duplicated" in recv_s:
        result["recv_duplicated_fraction"] = (recv_s["duplicated"]
                                              / recv_s["received"])
        result["recv_reordered"] = recv_s["reordered"]
        result["recv_unique_mpps"] = (recv_s["unique"] / recv_s["seconds"]
                                      / 1e6 if recv_s["seconds"] else None)
    else:
        result["recv_duplicated_fraction"] = None
        result["recv_reordered"] = None
        result["recv_unique_mpps"] = None
    return result


def measure_raw(roe, size, seconds):
    """Returns the raw AF_PACKET rate of frames of 'size' bytes (Ethernet
    header included) from server A's end of its veth to the ToR's."""
    r = roe.raw((REMOTE_NS["a"], REMOTE_IF["a"], RAW_SOURCE_CPU),
                (REMOTE_NS["tor"], REMOTE_IF["sa"], RAW_SINK_CPU),
                size - ETH_HEADER_LEN, seconds)
    return {"frame_bytes": size, "frames": r["operations"],
            "seconds": r["seconds"], "mfps": r["per_s"] / 1e6,
            "gbps": r["per_s"] * size * 8 / 1e9,
            "payload_gbps": r["gbit_per_s"]}


def bench_remote(args):
    check_prerequisites(args, dpdk=False)
    testpmd = None
    if args.clients == "testpmd":
        testpmd = shutil.which("dpdk-testpmd")
        if not testpmd:
            raise BenchError("--clients testpmd: dpdk-testpmd not found "
                             "(apt-get install dpdk)")
    bench = Bench(args)
    bench.testpmd = testpmd

    sizes = args.sizes
    runs = {size: [] for size in sizes}
    raws = {size: [] for size in sizes}
    raw_mtu = []
    failures = {size: [] for size in sizes}
    info = machine_info()
    versions = {}
    plugin = None
    with bench.running():
        plugin = bench.start()
        warn_disturbances(info)
        roe = RoeBench(args, tuple(REMOTE_NS.values()), REMOTE_VETHS,
                       log=bench.log)
        bench.at_exit("network namespaces", roe.cleanup)
        roe.setup()

        for r in range(args.runs):
            # The raw rates of the veth, measured while no ovs-vswitchd
            # runs, at the largest frame the MTU allows and at each size.
            res = measure_raw(roe, args.mtu + ETH_HEADER_LEN, args.seconds)
            res["run"] = r + 1
            raw_mtu.append(res)
            say("run %d/%d: raw AF_PACKET %5d B: %7.3f Mfps %7.2f Gbit/s"
                % (r + 1, args.runs, res["frame_bytes"], res["mfps"],
                   res["gbps"]))
            order = sizes if r % 2 == 0 else sizes[::-1]
            for size in order:
                res = measure_raw(roe, size, args.seconds)
                res["run"] = r + 1
                raws[size].append(res)
                say("run %d/%d: raw AF_PACKET %5d B: %7.3f Mfps %7.2f "
                    "Gbit/s" % (r + 1, args.runs, size, res["mfps"],
                                res["gbps"]))
                tag = "run%d-%d" % (r + 1, size)
                try:
                    res = measure_remote(bench, size, tag, versions)
                except BenchError as e:
                    warn("run %d, %d B: %s" % (r + 1, size, e))
                    failures[size].append(str(e))
                    bench.keep_rundir = True
                    continue
                res["run"] = r + 1
                runs[size].append(res)
                say("run %d/%d: VM A -> ToR -> VM B %4d B: %7.3f Mpps "
                    "%7.2f Gbit/s (ToR read %.3f Mpps, could not write %d, "
                    "VM B ring full %d), CPUs: own %.2f other %.2f"
                    % (r + 1, args.runs, size, res["mpps"], res["gbps"],
                       res["tor_read_mpps"], res["tor_write_dropped"],
                       res["vm_b_tx_dropped"], res["own_cpus"],
                       res["other_cpus"]))
    if bench.status:
        return bench.status

    report = {
        "tool": "ecp-rdma-bench remote",
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": info,
        "settings": {
            "runs": args.runs, "seconds": args.seconds,
            "warmup_seconds": args.warmup, "sizes": sizes, "mtu": args.mtu,
            "topology": "three ovs-vswitchd (servers A and B, the ToR), "
                        "each in its own network namespace with a "
                        "userspace bridge; veth pairs of MTU %d from A's "
                        "and B's uplink (role=uplink, link=%s) to the "
                        "ToR's ports sa and sb (role=switch, "
                        "link=%s); VM ports vm1 switching=remote; on "
                        "the ToR, role=vsi ports sa-vm1 and sb-vm1 and the "
                        "flow in_port=sa-vm1,actions=output:sb-vm1"
                        % (args.mtu, args.link, args.link),
            "traffic": (
                "dpdk-testpmd txonly on A's vm1 (one queue "
                "pair), dpdk-testpmd rxonly on B's vm1"
                if args.clients == "testpmd" else
                "ecp-rdma-vm send on A's vm1, as fast as it can, "
                "one queue pair; ecp-rdma-vm recv on B's vm1"),
            "frame_size": "Ethernet frame length, headers and payload, no "
                          "FCS; Gbit/s counts these bytes only",
            "rate": "frames that server B delivered into VM B's receive "
                    "ring (ovs-ofctl dump-ports tx of B's vm1) per second "
                    "of a window that starts %g s after the ToR's vsi "
                    "ports are bound; duplicates, if any, included "
                    "(recv_* figures: ecp-rdma-vm recv's own count over "
                    "its whole life)" % args.warmup,
            "raw": "ecp-rdma-perf raw-source in A's namespace -> raw-sink "
                   "in the ToR's, on the veth that carries A's traffic, "
                   "over %s links, while no ovs-vswitchd runs; frames of "
                   "each size and of the largest size the MTU allows "
                   "(%d B), counted with their Ethernet header like the VM "
                   "frames" % (args.link, args.mtu + ETH_HEADER_LEN),
            "placement": "PMD threads: ToR pmd-cpu-mask=%s, servers A and "
                         "B pmd-cpu-mask=%s, the servers' pmd-maxsleep=%d "
                         "us (the ToR's 0); VM "
                         "clients on CPU %d, memif rings of %d slots, "
                         "buffers of %s; raw: sink on CPU %d, source on "
                         "CPU %d"
                         % (REMOTE_PMD_MASK["tor"], REMOTE_PMD_MASK["a"],
                            args.pmd_maxsleep, REMOTE_VM_CPU, args.ring_size,
                            ", ".join("%d B for %d B frames"
                                      % (vm_buffer_size(args, size), size)
                                      for size in args.sizes),
                            RAW_SINK_CPU, RAW_SOURCE_CPU),
            "vswitchd": versions,
            "plugin": plugin,
        },
        "results": {},
        "raw_mtu": {
            "frame_bytes": args.mtu + ETH_HEADER_LEN,
            "mfps": spread([x["mfps"] for x in raw_mtu]),
            "gbps": spread([x["gbps"] for x in raw_mtu]),
            "per_run": raw_mtu,
        },
        "ratio": {},
    }
    mtu_by_run = {x["run"]: x for x in raw_mtu}
    for size in sizes:
        rs = runs[size]
        raw_by_run = {x["run"]: x for x in raws[size]}
        report["results"][str(size)] = {
            "runs": args.runs,
            "runs_ok": len(rs),
            "failures": failures[size],
            "mpps": spread([x["mpps"] for x in rs]),
            "gbps": spread([x["gbps"] for x in rs]),
            "tor_read_mpps": spread([x["tor_read_mpps"] for x in rs]),
            "recv_unique_mpps": spread([x["recv_unique_mpps"] for x in rs]),
            "recv_duplicated_fraction":
                spread([x["recv_duplicated_fraction"] for x in rs]),
            "per_run": rs,
            "raw": {
                "mfps": spread([x["mfps"] for x in raws[size]]),
                "gbps": spread([x["gbps"] for x in raws[size]]),
                "per_run": raws[size],
            },
        }
        # Each VM-to-VM run against the raw rates of the same run.
        # Packet rates against frame rates, goodput against byte rates;
        # at one frame size the two are the same.
        same = [x["mpps"] / raw_by_run[x["run"]]["mfps"] for x in rs
                if raw_by_run.get(x["run"], {}).get("mfps")]
        mtu_pkts = [x["mpps"] / mtu_by_run[x["run"]]["mfps"] for x in rs
                    if mtu_by_run.get(x["run"], {}).get("mfps")]
        mtu_bytes = [x["gbps"] / mtu_by_run[x["run"]]["gbps"] for x in rs
                     if mtu_by_run.get(x["run"], {}).get("gbps")]
        report["ratio"][str(size)] = {
            "of_raw_same_size": spread(same),
            "packets_of_raw_mtu_frames": spread(mtu_pkts),
            "bytes_of_raw_mtu_bytes": spread(mtu_bytes),
            "per_run": {"of_raw_same_size": same,
                        "packets_of_raw_mtu_frames": mtu_pkts,
                        "bytes_of_raw_mtu_bytes": mtu_bytes},
        }

    publish(args, report, print_remote_table)
    for size in sizes:
        if not runs[size]:
            return 1
    return 0


def print_remote_table(report):
    settings = report["settings"]
    rows = [("frame", "runs", "VM A->B Mpps med [min-max]",
             "Gbit/s med [min-max]", "raw Mfps med [min-max]",
             "raw Gbit/s med", "VM/raw")]

    def fmt(s, digits):
        if not s:
            return "-"
        return "%.*f [%.*f-%.*f]" % (digits, s["median"], digits, s["min"],
                                     digits, s["max"])

    def med(s, digits):
        return "%.*f" % (digits, s["median"]) if s else "-"

    for size in settings["sizes"]:
        r = report["results"][str(size)]
        ratio = report["ratio"][str(size)]["of_raw_same_size"]
        rows.append(("%d B" % size, "%d/%d" % (r["runs_ok"], r["runs"]),
                     fmt(r["mpps"], 3), fmt(r["gbps"], 2),
                     fmt(r["raw"]["mfps"], 3), med(r["raw"]["gbps"], 2),
                     med(ratio, 3)))
    m = report["raw_mtu"]
    rows.append(("%d B" % m["frame_bytes"], "raw", "", "",
                 fmt(m["mfps"], 3), med(m["gbps"], 2), ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print()
    for size in settings["sizes"]:
        ratio = report["ratio"][str(size)]
        same = ratio["of_raw_same_size"]
        if not same:
            print("%d B: no ratio (no VM-to-VM measurement)" % size)
            continue
        pkts = ratio["packets_of_raw_mtu_frames"]
        byts = ratio["bytes_of_raw_mtu_bytes"]
        # At one frame size, the ratio of packet rates is that of bytes.
        print("%d B: packet rate / raw frame rate: %.3f (raw %d B frames), "
              "%s (raw %d B frames)"
              % (size, same["median"], size, med(pkts, 3), m["frame_bytes"]))
        print("%d B: goodput / raw byte rate:      %.3f (raw %d B frames), "
              "%s (raw %d B frames)"
              % (size, same["median"], size, med(byts, 3), m["frame_bytes"]))
    print("(ratios: medians of the runs' ratios, each run's VM-to-VM "
          "figure against the same run's raw rate)")
    for size in settings["sizes"]:
        r = report["results"][str(size)]
        if r["failures"]:
            print("%d B: %d failed run(s): %s"
                  % (size, len(r["failures"]), "; ".join(r["failures"])))
        rs = r["per_run"]
        if rs:
            read = sum(x["tor_read_packets"] for x in rs)
            lost = sum(x["tor_write_dropped"] for x in rs)
            full = sum(x["vm_b_tx_dropped"] for x in rs)
            dups = r["recv_duplicated_fraction"]
            if dups and dups["max"]:
                print("%d B: VM B received duplicates: %.1f%% of its frames "
                      "(median; up to %.1f%%), %d reordered; the rates "
                      "above count them; frames it received once: %s Mpps "
                      "(median, over its whole run)"
                      % (size, 100 * dups["median"], 100 * dups["max"],
                         sum(x["recv_reordered"] or 0 for x in rs),
                         med(r["recv_unique_mpps"], 3)))
            print("%d B: frames the ToR read from VM A: %.3f Mpps "
                  "(median); of those, %.1f%% dropped by the ToR's sb-vm1 "
                  "(not written into server B's ingress ring), %.1f%% "
                  "dropped by B's vm1 (VM B's ring full)"
                  % (size, r["tor_read_mpps"]["median"],
                     100.0 * lost / read if read else 0,
                     100.0 * full / read if read else 0))
    print("frames: %s" % settings["frame_size"])
    print("rate: %s" % settings["rate"])
    print("raw: %s" % settings["raw"])
    print("placement: %s" % settings["placement"])
    plugin = settings["plugin"]
    print("plugin: %s (sha256 %s%s)"
          % (plugin["path"], plugin["sha256"][:16],
             ", " + plugin["source"] if plugin["source"] else ""))
    for setup, version in sorted(settings["vswitchd"].items()):
        print("%s: %s" % (setup, version))
    print()
