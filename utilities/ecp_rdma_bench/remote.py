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
    CLK_TCK, Bench, BenchError, Critical, by_pairs, check_prerequisites,
    cpu_snapshot, machine_info, pair_counts, publish, read_file, run, say,
    spread, warn, warn_disturbances)
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

# OpenFlow ports, by ofport_request: on the ToR, the links to the servers,
# then the vsi ports of each VM pair, A's VM and B's; on a server, the
# uplink, then the VMs.
TOR_LINK_PORTS = {"sa": 1, "sb": 2}
SERVER_UPLINK_PORT = 1


def vm_name(vm):
    """The name of VM port 'vm' (1, 2, ...) of a server."""
    return "vm%d" % vm


def server_vm_port(vm):
    """The OpenFlow port of VM port 'vm' of a server."""
    return SERVER_UPLINK_PORT + vm


def tor_vsi_name(server, vm):
    """The name of the ToR's vsi port for VM 'vm' of 'server' ("a" or
    "b")."""
    return "s%s-%s" % (server, vm_name(vm))


def tor_vsi_port(server, vm):
    """The OpenFlow port of the ToR's vsi port for VM 'vm' of 'server':
    3 and 4 for the first pair, 5 and 6 for the next one, and so on."""
    return len(TOR_LINK_PORTS) + 2 * (vm - 1) + (1 if server == "a" else 2)


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
    """dpdk-testpmd as the VMs of one server: the memif client of its vm
    ports 'ports' ('send': txonly on each, frames of one size; 'recv':
    rxonly), its forwarding lcore on the VMs' CPU and its main lcore,
    asleep in read(), on the other.  Without -i, it forwards until a line
    arrives on its stdin."""

    label = "testpmd"
    stdin = subprocess.PIPE
    stop_signals = (signal.SIGINT, signal.SIGKILL)

    def __init__(self, bench, node, command, ports, size, buffer_size,
                 ring_size):
        self.bench = bench
        self.node = node
        self.command = command
        self.outpath = os.path.join(node.dir, "testpmd-%s.out" % command)
        main = 1 - REMOTE_VM_CPU
        self.cmd = [bench.testpmd, "-l", "%d,%d" % (REMOTE_VM_CPU, main),
                    "--main-lcore", str(main), "--no-huge", "-m", "512",
                    "--no-pci", "--file-prefix=ecp-rdma-bench-%s-%d"
                    % (command, os.getpid())]
        for i, port in enumerate(ports):
            self.cmd.append("--vdev=net_memif%d,role=client,socket=%s,"
                            "socket-abstract=no,bsize=%d,rsize=%d"
                            % (i, node.socket(port), buffer_size,
                               ring_size.bit_length() - 1))
        self.cmd += ["--", "--nb-cores=1", "--total-num-mbufs=16384",
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


def start_vm_clients(bench, a, b, size, pairs):
    """Starts the clients of the VMs of 'pairs' pairs, and returns them:
    the receivers, on B, first.  With testpmd, one testpmd is all VMs of
    a server."""
    args = bench.args
    buffer_size = vm_buffer_size(args, size)
    vms = [vm_name(vm) for vm in range(1, pairs + 1)]
    if args.clients == "testpmd":
        clients = [TestPmdClient(bench, b, "recv", vms, size, buffer_size,
                                 args.ring_size),
                   TestPmdClient(bench, a, "send", vms, size, buffer_size,
                                 args.ring_size)]
    else:
        # They stop by themselves if the bench cannot stop them.
        timeout = "--timeout=%d" % (120 + args.warmup + args.seconds)
        geometry = ["--ring-size=%d" % args.ring_size,
                    "--buffer-size=%d" % buffer_size]
        clients = [VmClient(bench, b, "recv", timeout, "--json", *geometry,
                            port=vm, name="recv-%s" % vm) for vm in vms]
        clients += [VmClient(bench, a, "send", timeout, "--json", *geometry,
                             "--size=%d" % size, "--stream=%d" % i,
                             port=vm, name="send-%s" % vm)
                    for i, vm in enumerate(vms)]
    for client in clients:
        client.start()
    return clients


def sum_summaries(summaries):
    """The summaries of several clients of one kind (send or recv) as one:
    counts and rates added up, the longest run's seconds; None if a client
    has none."""
    if not summaries or None in summaries:
        return None
    total = {}
    for s in summaries:
        for key, value in s.items():
            if not isinstance(value, (int, float)):
                continue
            if key == "seconds":
                total[key] = max(total.get(key, 0), value)
            else:
                total[key] = total.get(key, 0) + value
    return total


def vm_buffer_size(args, size):
    """The memif buffer size of the VM clients for frames of 'size' bytes:
    --buffer-size, or with 'fit' the frame size rounded up to a cache line,
    as a VM that sizes its buffers for its traffic would use."""
    if args.buffer_size != "fit":
        return args.buffer_size
    return max(64, (size + 63) // 64 * 64)


def add_vm_ports(node, server, pairs):
    """Adds the uplink and 'pairs' VM ports to 'node', server 'server'
    ("a" or "b")."""
    args = node.bench.args
    rte = ["options:rte=%d" % args.rte] if args.rte is not None else []
    node.add_port("up0", SERVER_UPLINK_PORT, "options:role=uplink",
                  "options:link=%s:%s" % (args.link, REMOTE_IF[server]),
                  *rte)
    for vm in range(1, pairs + 1):
        port = vm_name(vm)
        node.add_port(port, server_vm_port(vm),
                      "options:socket=%s" % node.socket(port),
                      "options:uplink=up0", "options:switching=remote",
                      "options:ring-size=%d" % args.ring_size)


def bind_vsis(tor, servers, pairs):
    """What the ToR's agent would do once the servers' VMs associated: a
    role=vsi port for each, and the pipeline, each VM of A to the VM of B
    of its pair.  The flows first, then B's ports before A's: every frame
    that the ToR reads goes to a VM of B."""
    vsis = {}
    for s, node in servers.items():
        for vm in range(1, pairs + 1):
            vsi = node.wait_status(vm_name(vm), "vsi", lambda v: bool(v),
                                   "server %s's %s got no VSI"
                                   % (s, vm_name(vm)))
            tor.wait_status("s" + s, "vsis", lambda v: vsi in v.split(),
                            "server %s's %s did not associate"
                            % (s, vm_name(vm)))
            vsis[(s, vm)] = vsi
    tor.ovs_cmd("ovs-ofctl", "del-flows", "br0")
    for vm in range(1, pairs + 1):
        tor.ovs_cmd("ovs-ofctl", "add-flow", "br0",
                    "in_port=%d,actions=output:%d"
                    % (tor_vsi_port("a", vm), tor_vsi_port("b", vm)))
    for s in ("b", "a"):
        for vm in range(1, pairs + 1):
            tor.add_port(tor_vsi_name(s, vm), tor_vsi_port(s, vm),
                         "options:role=vsi", "options:session=s" + s,
                         "options:vsi=%s" % vsis[(s, vm)])
    for s in ("a", "b"):
        for vm in range(1, pairs + 1):
            tor.wait_status(tor_vsi_name(s, vm), "vsi",
                            lambda v: v == "bound", "port %s did not bind"
                            % tor_vsi_name(s, vm))


def measure_remote(bench, size, pairs, tag, versions):
    """Starts the ToR and servers A and B, has each of the 'pairs' VMs of
    A send frames of 'size' bytes to its VM of B as fast as it can, and
    returns the figures of one measurement window."""
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
            tor.add_port("s" + s, TOR_LINK_PORTS["s" + s],
                         "options:role=switch",
                         "options:link=%s:%s" % (args.link,
                                                 REMOTE_IF["s" + s]), *rte)
            add_vm_ports(node, s, pairs)

        clients += start_vm_clients(bench, a, b, size, pairs)
        bind_vsis(tor, {"a": a, "b": b}, pairs)
        time.sleep(args.warmup)
        for client in clients:
            if not client.alive():
                raise BenchError("VM client %s exited: %s"
                                 % (client.command, client.tail()))

        procs = [n.pids.get(n.vswitchd_name) for n in nodes.values()]
        ours = [p for p in procs if p] + [c.proc.pid for c in clients]
        vms = range(1, pairs + 1)
        vm_b = [str(server_vm_port(vm)) for vm in vms]
        sa_vms = [str(tor_vsi_port("a", vm)) for vm in vms]
        sb_vms = [str(tor_vsi_port("b", vm)) for vm in vms]
        for node in nodes.values():
            node.appctl("dpif-netdev/pmd-stats-clear")
        t0 = time.monotonic()
        before_b = b.counters(vm_b)
        before_tor = tor.counters(sa_vms + sb_vms)
        t1 = time.monotonic()
        cpu0 = cpu_snapshot(ours)
        time.sleep(args.seconds)
        cpu1 = cpu_snapshot(ours)
        t2 = time.monotonic()
        after_b = b.counters(vm_b)
        after_tor = tor.counters(sa_vms + sb_vms)
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
            summaries.setdefault(client.command, []).append(client.stop())
        for node in (a, b, tor):
            node.stop()

    elapsed = ((t2 + t3) - (t0 + t1)) / 2

    def delta(after, before, ports, key):
        return sum(after[port][key] - before[port][key] for port in ports)

    result = {"seconds": round(elapsed, 4), "pairs": pairs}
    ticks = CLK_TCK * (t2 - t1)
    result["other_cpus"] = max(0, round(((cpu1[0] - cpu0[0])
                                         - (cpu1[2] - cpu0[2])) / ticks, 3))
    result["steal_cpus"] = round((cpu1[1] - cpu0[1]) / ticks, 3)
    result["own_cpus"] = round((cpu1[2] - cpu0[2]) / ticks, 3)
    # Frames delivered into the receive rings of B's VMs...
    for key in ("tx_packets", "tx_bytes", "tx_dropped"):
        result["vm_b_" + key] = delta(after_b, before_b, vm_b, key)
    # ... and where the others went: the frames that the ToR READ from the
    # rings of A's VMs, and those that it could not WRITE into server B's
    # ingress rings.
    result["tor_read_packets"] = delta(after_tor, before_tor, sa_vms,
                                       "rx_packets")
    for key in ("tx_packets", "tx_dropped"):
        result["tor_write_" + key[3:]] = delta(after_tor, before_tor,
                                               sb_vms, key)
    if result["vm_b_tx_packets"] <= 0:
        raise BenchError("no frame reached VM B (see %s)" % bench.rundir)
    result["mpps"] = result["vm_b_tx_packets"] / elapsed / 1e6
    result["mpps_per_pair"] = result["mpps"] / pairs
    result["gbps"] = result["vm_b_tx_bytes"] * 8 / elapsed / 1e9
    result["tor_read_mpps"] = result["tor_read_packets"] / elapsed / 1e6
    result["avg_frame_bytes"] = (result["vm_b_tx_bytes"]
                                 / result["vm_b_tx_packets"])
    # The clients' own summaries, over their whole lives (warm-up, window
    # and the stop included), those of all pairs added up.
    keep = ("sent", "received", "valid", "unique", "lost", "duplicated",
            "reordered", "corrupted", "seconds", "pps", "bps")
    result["clients"] = {}
    for command, ss in summaries.items():
        s = sum_summaries(ss)
        result["clients"][command] = {k: v for k, v in s.items()
                                      if k in keep} if s else None
    # What B's VMs made of it: duplicates and reordering (the rates above
    # count every frame delivered, duplicates included), and the rate of
    # the frames they received once, over their whole lives (the longest
    # one's, with several pairs).
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
    runs = {p: {size: [] for size in sizes} for p in args.pairs}
    raws = {size: [] for size in sizes}
    raw_mtu = []
    failures = {p: {size: [] for size in sizes} for p in args.pairs}
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
                pair_order = args.pairs if r % 2 == 0 else args.pairs[::-1]
                for pairs in pair_order:
                    measure_pairs(bench, size, pairs, r, versions,
                                  runs[pairs][size], failures[pairs][size])
    if bench.status:
        return bench.status

    report = remote_report(args, info, versions, plugin, runs, failures,
                           raws, raw_mtu)
    publish(args, report, print_remote_table)
    for pairs in args.pairs:
        for size in sizes:
            if not runs[pairs][size]:
                return 1
    return 0


def measure_pairs(bench, size, pairs, r, versions, runs, failures):
    """Measures run 'r' of 'pairs' VM pairs at frame size 'size', adding
    its figures to the list 'runs' or its error to 'failures'."""
    args = bench.args
    tag = "run%d-%d-%dp" % (r + 1, size, pairs)
    try:
        res = measure_remote(bench, size, pairs, tag, versions)
    except BenchError as e:
        warn("run %d, %d B, %d pair(s): %s" % (r + 1, size, pairs, e))
        failures.append(str(e))
        bench.keep_rundir = True
        return
    res["run"] = r + 1
    runs.append(res)
    say("run %d/%d: VM A -> ToR -> VM B %4d B %2d pair(s): %7.3f Mpps "
        "%7.2f Gbit/s (ToR read %.3f Mpps, could not write %d, "
        "VM B ring full %d), CPUs: own %.2f other %.2f"
        % (r + 1, args.runs, size, pairs, res["mpps"], res["gbps"],
           res["tor_read_mpps"], res["tor_write_dropped"],
           res["vm_b_tx_dropped"], res["own_cpus"], res["other_cpus"]))


def remote_report(args, info, versions, plugin, runs, failures, raws,
                  raw_mtu):
    """The report of 'remote': for each pair count, in "results_by_pairs"
    and "ratio_by_pairs", or with one pair count in "results" and "ratio",
    as in reports before --pairs took a list (see by_pairs())."""
    sizes = args.sizes
    report = {
        "tool": "ecp-rdma-bench remote",
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": info,
        "settings": {
            "runs": args.runs, "seconds": args.seconds,
            "warmup_seconds": args.warmup, "sizes": sizes, "mtu": args.mtu,
            "pairs": args.pairs, "link": args.link,
            "clients": args.clients,
            "topology": "three ovs-vswitchd (servers A and B, the ToR), "
                        "each in its own network namespace with a "
                        "userspace bridge; veth pairs of MTU %d from A's "
                        "and B's uplink (role=uplink, link=%s) to the "
                        "ToR's ports sa and sb (role=switch, "
                        "link=%s); VM ports vm1, vm2, ... (one per VM "
                        "pair on each server) switching=remote; on "
                        "the ToR, role=vsi ports sa-vmN and sb-vmN and the "
                        "flows in_port=sa-vmN,actions=output:sb-vmN"
                        % (args.mtu, args.link, args.link),
            "traffic": (
                "dpdk-testpmd txonly on A's VM ports (one queue "
                "pair each), dpdk-testpmd rxonly on B's: one testpmd per "
                "server, the client of all its VM ports"
                if args.clients == "testpmd" else
                "per VM pair, ecp-rdma-vm send on A's vmN, as fast as it "
                "can, one queue pair; ecp-rdma-vm recv on B's vmN"),
            "frame_size": "Ethernet frame length, headers and payload, no "
                          "FCS; Gbit/s counts these bytes only",
            "rate": "frames that server B delivered into the receive "
                    "rings of its VMs (ovs-ofctl dump-ports tx of B's VM "
                    "ports, summed over the pairs) per second "
                    "of a window that starts %g s after the ToR's vsi "
                    "ports are bound; duplicates, if any, included "
                    "(recv_* figures: the receivers' own count over "
                    "their whole lives); mpps_per_pair: that divided by "
                    "the number of pairs" % args.warmup,
            "raw": "ecp-rdma-perf raw-source in A's namespace -> raw-sink "
                   "in the ToR's, on the veth that carries A's traffic, "
                   "over %s links, while no ovs-vswitchd runs; frames of "
                   "each size and of the largest size the MTU allows "
                   "(%d B), counted with their Ethernet header like the VM "
                   "frames" % (args.link, args.mtu + ETH_HEADER_LEN),
            "placement": "PMD threads: ToR pmd-cpu-mask=%s, servers A and "
                         "B pmd-cpu-mask=%s, the servers' pmd-maxsleep=%d "
                         "us (the ToR's 0); all VM "
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
        "results_by_pairs": {},
        "raw_mtu": {
            "frame_bytes": args.mtu + ETH_HEADER_LEN,
            "mfps": spread([x["mfps"] for x in raw_mtu]),
            "gbps": spread([x["gbps"] for x in raw_mtu]),
            "per_run": raw_mtu,
        },
        "ratio_by_pairs": {},
    }
    for pairs in args.pairs:
        results, ratios = {}, {}
        for size in sizes:
            results[str(size)] = remote_result(args, runs[pairs][size],
                                               failures[pairs][size],
                                               raws[size])
            ratios[str(size)] = remote_ratio(runs[pairs][size], raws[size],
                                             raw_mtu)
        report["results_by_pairs"][str(pairs)] = results
        report["ratio_by_pairs"][str(pairs)] = ratios
    if len(args.pairs) == 1:
        # As in reports before --pairs took a list.
        report["results"] = report.pop("results_by_pairs").popitem()[1]
        report["ratio"] = report.pop("ratio_by_pairs").popitem()[1]
    return report


def remote_result(args, rs, failures, raws):
    """The figures of the runs 'rs' of one pair count and frame size, and
    the raw rates 'raws' of that size."""
    return {
        "runs": args.runs,
        "runs_ok": len(rs),
        "failures": failures,
        "mpps": spread([x["mpps"] for x in rs]),
        "mpps_per_pair": spread([x["mpps_per_pair"] for x in rs]),
        "gbps": spread([x["gbps"] for x in rs]),
        "tor_read_mpps": spread([x["tor_read_mpps"] for x in rs]),
        "recv_unique_mpps": spread([x["recv_unique_mpps"] for x in rs]),
        "recv_duplicated_fraction":
            spread([x["recv_duplicated_fraction"] for x in rs]),
        "per_run": rs,
        "raw": {
            "mfps": spread([x["mfps"] for x in raws]),
            "gbps": spread([x["gbps"] for x in raws]),
            "per_run": raws,
        },
    }


def remote_ratio(rs, raws, raw_mtu):
    """Each VM-to-VM run of 'rs' against the raw rates of the same run:
    packet rates against frame rates, goodput against byte rates; at one
    frame size the two are the same."""
    raw_by_run = {x["run"]: x for x in raws}
    mtu_by_run = {x["run"]: x for x in raw_mtu}
    same = [x["mpps"] / raw_by_run[x["run"]]["mfps"] for x in rs
            if raw_by_run.get(x["run"], {}).get("mfps")]
    mtu_pkts = [x["mpps"] / mtu_by_run[x["run"]]["mfps"] for x in rs
                if mtu_by_run.get(x["run"], {}).get("mfps")]
    mtu_bytes = [x["gbps"] / mtu_by_run[x["run"]]["gbps"] for x in rs
                 if mtu_by_run.get(x["run"], {}).get("gbps")]
    return {
        "of_raw_same_size": spread(same),
        "packets_of_raw_mtu_frames": spread(mtu_pkts),
        "bytes_of_raw_mtu_bytes": spread(mtu_bytes),
        "per_run": {"of_raw_same_size": same,
                    "packets_of_raw_mtu_frames": mtu_pkts,
                    "bytes_of_raw_mtu_bytes": mtu_bytes},
    }


def fmt_spread(s, digits):
    """'median [min-max]' of spread 's', or '-'."""
    if not s:
        return "-"
    return "%.*f [%.*f-%.*f]" % (digits, s["median"], digits, s["min"],
                                 digits, s["max"])


def fmt_median(s, digits):
    return "%.*f" % (digits, s["median"]) if s else "-"


def print_remote_table(report):
    settings = report["settings"]
    results = by_pairs(report, "results")
    ratios = by_pairs(report, "ratio")
    pair_list = pair_counts(report)
    rows = [("frame", "pairs", "runs", "VM A->B Mpps med [min-max]",
             "Mpps/pair", "Gbit/s med [min-max]", "raw Mfps med [min-max]",
             "raw Gbit/s med", "VM/raw")]
    for size in settings["sizes"]:
        for pairs in pair_list:
            r = results[pairs][str(size)]
            ratio = ratios[pairs][str(size)]["of_raw_same_size"]
            rows.append(("%d B" % size, "%d" % pairs,
                         "%d/%d" % (r["runs_ok"], r["runs"]),
                         fmt_spread(r["mpps"], 3),
                         fmt_median(r["mpps_per_pair"], 3),
                         fmt_spread(r["gbps"], 2),
                         fmt_spread(r["raw"]["mfps"], 3),
                         fmt_median(r["raw"]["gbps"], 2),
                         fmt_median(ratio, 3)))
    m = report["raw_mtu"]
    rows.append(("%d B" % m["frame_bytes"], "", "raw", "", "", "",
                 fmt_spread(m["mfps"], 3), fmt_median(m["gbps"], 2), ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print()
    for pairs in pair_list:
        what = "" if pair_list == [1] else ", %d pair(s)" % pairs
        for size in settings["sizes"]:
            print_remote_ratio(ratios[pairs][str(size)], size, m, what)
    print("(ratios: medians of the runs' ratios, each run's VM-to-VM "
          "figure against the same run's raw rate)")
    for size in settings["sizes"]:
        for pairs in pair_list:
            what = "%d B" % size + ("" if pair_list == [1]
                                    else ", %d pair(s)" % pairs)
            print_remote_losses(results[pairs][str(size)], what)
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


def print_remote_ratio(ratio, size, raw_mtu, what):
    """Prints the VM-to-VM rates of frame size 'size' against the raw
    rates."""
    same = ratio["of_raw_same_size"]
    if not same:
        print("%d B%s: no ratio (no VM-to-VM measurement)" % (size, what))
        return
    pkts = ratio["packets_of_raw_mtu_frames"]
    byts = ratio["bytes_of_raw_mtu_bytes"]
    # At one frame size, the ratio of packet rates is that of bytes.
    print("%d B%s: packet rate / raw frame rate: %.3f (raw %d B frames), "
          "%s (raw %d B frames)"
          % (size, what, same["median"], size, fmt_median(pkts, 3),
             raw_mtu["frame_bytes"]))
    print("%d B%s: goodput / raw byte rate:      %.3f (raw %d B frames), "
          "%s (raw %d B frames)"
          % (size, what, same["median"], size, fmt_median(byts, 3),
             raw_mtu["frame_bytes"]))


def print_remote_losses(r, what):
    """Prints the failures, duplicates and drops of the runs of 'r', one
    pair count and frame size, which 'what' names."""
    if r["failures"]:
        print("%s: %d failed run(s): %s"
              % (what, len(r["failures"]), "; ".join(r["failures"])))
    rs = r["per_run"]
    if not rs:
        return
    read = sum(x["tor_read_packets"] for x in rs)
    lost = sum(x["tor_write_dropped"] for x in rs)
    full = sum(x["vm_b_tx_dropped"] for x in rs)
    dups = r["recv_duplicated_fraction"]
    if dups and dups["max"]:
        print("%s: VM B received duplicates: %.1f%% of its frames "
              "(median; up to %.1f%%), %d reordered; the rates "
              "above count them; frames it received once: %s Mpps "
              "(median, over its whole run)"
              % (what, 100 * dups["median"], 100 * dups["max"],
                 sum(x["recv_reordered"] or 0 for x in rs),
                 fmt_median(r["recv_unique_mpps"], 3)))
    print("%s: frames the ToR read from VM A: %.3f Mpps "
          "(median); of those, %.1f%% dropped by the ToR's sb-vm "
          "ports (not written into server B's ingress rings), %.1f%% "
          "dropped by B's VM ports (VM B's ring full)"
          % (what, r["tor_read_mpps"]["median"],
             100.0 * lost / read if read else 0,
             100.0 * full / read if read else 0))
