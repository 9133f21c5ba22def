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

"""The switches that ecp-rdma-bench measures, and testpmd, their memif
client."""

import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

from ecp_rdma_bench.common import (
    BenchError, Critical, kill_and_wait, machine_info, pid_alive,
    pids_naming, read_file, run, say, warn, warn_disturbances)

# CPU placement, the same for both setups (the machine has 2 vCPUs).
PMD_CPU_MASK = "0x1"            # the one PMD thread on core 0
TESTPMD_LCORES = "0,1"          # testpmd: main lcore 0 (mostly asleep) ...
TESTPMD_MAIN_LCORE = "0"        # ... forwarding lcore 1
N_QUEUES = 2                    # queue pairs per memif port, both setups

# OVS-DPDK memory: without a limit, it takes about 1 GB.
DPDK_SOCKET_MEM = "256"
DPDK_SOCKET_LIMIT = "400"


# ---------------------------------------------------------------------------
# Parsing of OVS outputs.

PORT_RX_RE = re.compile(r"port\s+(\S+):\s*rx pkts=(\S+), bytes=(\S+), "
                        r"drop=(\S+), errs=(\S+)")
PORT_TX_RE = re.compile(r"^\s*tx pkts=(\S+), bytes=(\S+), drop=(\S+), "
                        r"errs=(\S+)")


def counter(value):
    return int(value) if value.isdigit() else 0


def parse_dump_ports(text):
    """Returns {port: {rx_packets, rx_bytes, ..., tx_errors}}."""
    ports = {}
    current = None
    for line in text.splitlines():
        m = PORT_RX_RE.search(line)
        if m:
            current = m.group(1).strip('"')
            ports[current] = {
                "rx_packets": counter(m.group(2)),
                "rx_bytes": counter(m.group(3)),
                "rx_dropped": counter(m.group(4)),
                "rx_errors": counter(m.group(5)),
            }
            continue
        m = PORT_TX_RE.search(line)
        if m and current is not None:
            ports[current].update({
                "tx_packets": counter(m.group(1)),
                "tx_bytes": counter(m.group(2)),
                "tx_dropped": counter(m.group(3)),
                "tx_errors": counter(m.group(4)),
            })
    return ports


def parse_show_kicks(text):
    """Returns {tx_kicks, tx_kicks_suppressed}: the sums over the transmit
    rings that "ovs-appctl ecp-rdma/show PORT" prints in 'text'."""
    total = {"tx_kicks": 0, "tx_kicks_suppressed": 0}
    for line in text.splitlines():
        if not line.strip().startswith("tx ring "):
            continue
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        total["tx_kicks"] += int(fields["kicks"])
        total["tx_kicks_suppressed"] += int(fields["kicks-suppressed"])
    return total


def parse_pmd_stats(text, core):
    """Returns the counters of the PMD thread on 'core' in the output of
    dpif-netdev/pmd-stats-show, or None if there is no such thread."""
    section = None
    for block in re.split(r"\n(?=\S)", text):
        if re.match(r"pmd thread numa_id \d+ core_id %d:" % core, block):
            section = block
            break
    if section is None:
        return None

    def number(pattern):
        m = re.search(pattern, section)
        return float(m.group(1)) if m else None

    return {
        "packets_received": number(r"packets received: (\d+)"),
        "emc_hits": number(r"emc hits: (\d+)"),
        "simple_match_hits": number(r"simple match hits: (\d+)"),
        "megaflow_hits": number(r"megaflow hits: (\d+)"),
        "upcalls": number(r"miss with success upcall: (\d+)"),
        "packets_per_output_batch":
            number(r"avg\. packets per output batch: ([\d.]+)"),
        "idle_cycles": number(r"idle cycles: (\d+)"),
        "processing_cycles": number(r"processing cycles: (\d+)"),
        "avg_cycles_per_packet": number(r"avg cycles per packet: ([\d.]+)"),
        "avg_processing_cycles_per_packet":
            number(r"avg processing cycles per packet: ([\d.]+)"),
    }


# ---------------------------------------------------------------------------
# One ovs-vswitchd with a bridge br0 and two memif ports.

class Switch:
    """Base class: an ovsdb-server and an ovs-vswitchd in a private run
    directory, ovs-vswitchd in the bench's network namespace."""

    name = None
    ports = ("p1", "p2")
    # The name under which ovs-vswitchd writes its pidfile and control
    # socket (the program's name).
    vswitchd_name = "ovs-vswitchd"
    # Receive queues per port.
    n_queues = N_QUEUES
    # The PMD threads' cores.
    pmd_cpu_mask = PMD_CPU_MASK
    # Receive queues of the ports that do not have n_queues.
    port_queues = {}
    # The key of its network namespace in bench.netns, if not 'name'.
    netns_key = None

    def __init__(self, bench, tag):
        self.bench = bench
        self.builddir = bench.args.builddir
        self.ovs = bench.args.ovs_builddir
        self.dir = os.path.join(bench.rundir, "%s-%s" % (tag, self.name))
        os.mkdir(self.dir)
        os.chmod(self.dir, 0o755)
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_LOGDIR=self.dir,
                        OVS_DBDIR=self.dir, OVS_SYSCONFDIR=self.dir)
        self.pids = {}
        self.started = False
        self.maxsleep = 0

    def use_pairs(self, pairs):
        """Gives the switch 'pairs' pairs of VM ports instead of one: its
        ports' names, numbered from 1 up (ports 1 and 2 are the first pair,
        3 and 4 the next one, and so on)."""
        prefix = self.ports[0][:-1]
        self.ports = tuple("%s%d" % (prefix, i)
                           for i in range(1, 2 * pairs + 1))

    def tool(self, name):
        sub = {"ovsdb-tool": "ovsdb", "ovsdb-server": "ovsdb",
               "ovs-vswitchd": "vswitchd"}.get(name, "utilities")
        return os.path.join(self.ovs, sub, name)

    def ovs_cmd(self, name, *args, check=True, timeout=60):
        return run([self.tool(name)] + list(args), env=self.env, check=check,
                   timeout=timeout, log=self.bench.log)

    def vsctl(self, *args, check=True):
        return self.ovs_cmd("ovs-vsctl", "--timeout=60", *args, check=check,
                            timeout=70)

    def appctl(self, *args, check=True):
        return self.ovs_cmd("ovs-appctl", "--timeout=30",
                            "-t", self.vswitchd_name, *args, check=check,
                            timeout=40)

    def socket(self, port):
        return os.path.join(self.dir, "%s.sock" % port)

    def vswitchd_cmd(self):
        raise NotImplementedError

    def configure_db(self):
        """Sets other_config before ovs-vswitchd starts."""
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:pmd-cpu-mask=%s" % self.pmd_cpu_mask)

    def add_ports(self):
        raise NotImplementedError

    def port_connected(self, port):
        raise NotImplementedError

    def connected_ports(self):
        """The names of the ports whose client is connected, with one
        ovs-vsctl for all ports."""
        raise NotImplementedError

    def interface_column(self, column):
        """{name: value} of 'column' of every Interface, in the
        ovs-vsctl JSON format."""
        out = self.vsctl("--format=json", "--columns=name,%s" % column,
                         "list", "Interface")
        return {row[0]: row[1] for row in json.loads(out)["data"]}

    def read_pid(self, daemon):
        text = read_file(os.path.join(self.dir, "%s.pid" % daemon))
        if not text or not text.strip().isdigit():
            raise BenchError("%s: %s did not write its pidfile"
                             % (self.name, daemon))
        return int(text)

    def start(self):
        """Starts the daemons, in the network namespace of the setup
        ('netns_key' names another one of bench.netns: two switches of a
        setup cannot share one, both have a tap device br0)."""
        self.start_daemons(self.bench.netns[self.netns_key or self.name])
        self.vsctl("add-br", "br0", "--", "set", "Bridge", "br0",
                   "datapath_type=netdev")
        t0 = time.monotonic()
        self.add_ports()
        self.add_ports_seconds = time.monotonic() - t0
        self.ovs_cmd("ovs-ofctl", "del-flows", "br0")
        # Ports 1 and 2 are a pair, 3 and 4 the next one, and so on.
        for a in range(1, len(self.ports), 2):
            self.ovs_cmd("ovs-ofctl", "add-flow", "br0",
                         "in_port=%d,actions=output:%d" % (a, a + 1))
            self.ovs_cmd("ovs-ofctl", "add-flow", "br0",
                         "in_port=%d,actions=output:%d" % (a + 1, a))
        out = self.ovs_cmd("ovs-ofctl", "show", "br0")
        for ofport, port in enumerate(self.ports, 1):
            if not re.search(r"^\s*%d\(%s\)" % (ofport, port), out, re.M):
                raise BenchError("%s: port %s did not get OpenFlow port %d"
                                 % (self.name, port, ofport))
        self.check_errors(self.ports)

    def check_errors(self, ports):
        for port in ports:
            error = self.vsctl("--if-exists", "get", "Interface", port,
                               "error").strip()
            if error and error != "[]":
                raise BenchError("%s: port %s: %s" % (self.name, port, error))

    def start_daemons(self, netns):
        """Starts ovsdb-server and, in network namespace 'netns',
        ovs-vswitchd."""
        self.bench.at_exit("%s daemons" % self.name, self.stop)
        self.started = True
        db = os.path.join(self.dir, "conf.db")
        self.ovs_cmd("ovsdb-tool", "create", db,
                     os.path.join(self.bench.args.ovs_srcdir, "vswitchd",
                                  "vswitch.ovsschema"))
        self.ovs_cmd("ovsdb-server", "--detach", "--no-chdir", "--pidfile",
                     "--log-file", "--remote=punix:%s"
                     % os.path.join(self.dir, "db.sock"), db)
        self.pids["ovsdb-server"] = self.read_pid("ovsdb-server")
        self.vsctl("--no-wait", "init")
        self.configure_db()
        cmd = (["ip", "netns", "exec", netns]
               + self.vswitchd_cmd()
               + ["--detach", "--no-chdir", "--pidfile", "--log-file",
                  "-vconsole:off", "unix:%s" % os.path.join(self.dir,
                                                            "db.sock")])
        run(cmd, env=self.env, timeout=120, log=self.bench.log)
        self.pids[self.vswitchd_name] = self.read_pid(self.vswitchd_name)
        self.after_start()

    def after_start(self):
        pass

    def alive(self):
        pid = self.pids.get(self.vswitchd_name)
        return pid is not None and pid_alive(pid)

    def stop(self):
        if not self.started:
            return
        with Critical():
            self.stop__()
        self.started = False

    def stop__(self):
        for daemon in (self.vswitchd_name, "ovsdb-server"):
            pid = self.pids.get(daemon)
            if pid is None:
                try:
                    pid = self.read_pid(daemon)
                except BenchError:
                    continue
            if not pid_alive(pid):
                continue
            args = ["exit", "--cleanup"] if daemon == self.vswitchd_name \
                else ["exit"]
            self.ovs_cmd("ovs-appctl", "--timeout=10", "-t", daemon, *args,
                         check=False, timeout=15)
            kill_and_wait(pid)
        # Whatever else still runs from this run directory (a daemon that
        # did not write its pidfile): its command line names the directory.
        for pid in pids_naming(self.dir):
            kill_and_wait(pid)
        self.after_stop()

    def after_stop(self):
        pass

    def wait_connected(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.port_connected(p) for p in self.ports):
                return
            if not self.alive():
                raise BenchError("%s: ovs-vswitchd exited" % self.name)
            time.sleep(0.2)
        raise BenchError("%s: the memif clients did not connect within %d s"
                         % (self.name, timeout))

    def dump_ports(self, n_ports=None):
        """The counters of every port, of which the first 'n_ports' (by
        default all) must be there."""
        ports = parse_dump_ports(self.ovs_cmd("ovs-ofctl", "dump-ports",
                                              "br0"))
        for ofport in (str(i) for i in range(1, (n_ports or len(self.ports))
                                             + 1)):
            if ofport not in ports or "tx_packets" not in ports[ofport]:
                raise BenchError("%s: no counters for port %s in "
                                 "ovs-ofctl dump-ports" % (self.name, ofport))
        return ports

    def rxqs_disabled(self):
        """The number of receive queues that dpif-netdev/pmd-rxq-show
        says are disabled (for ecp-rdma ports: parked)."""
        return self.appctl("dpif-netdev/pmd-rxq-show").count("(disabled)")

    def pmd_stats_clear(self):
        self.appctl("dpif-netdev/pmd-stats-clear")

    def pmd_stats(self):
        text = self.appctl("dpif-netdev/pmd-stats-show")
        return parse_pmd_stats(text,
                               int(self.pmd_cpu_mask, 16).bit_length() - 1)

    def set_maxsleep(self, usecs):
        """Sets other_config:pmd-maxsleep, 0 for never sleeping (the
        default), and waits until ovs-vswitchd applied it."""
        if self.maxsleep != usecs:
            self.vsctl("set", "Open_vSwitch", ".",
                       "other_config:pmd-maxsleep=%d" % usecs)
            self.maxsleep = usecs

    def version(self):
        """The first line of 'ovs-vswitchd --version' and, if it was built
        with DPDK, DPDK's version, which follows."""
        out = run(self.vswitchd_cmd() + ["--version"], check=False,
                  log=self.bench.log)
        lines = [x.strip() for x in out.splitlines() if x.strip()]
        if not lines:
            return "unknown"
        dpdk = [x for x in lines[1:] if x.startswith("DPDK ")]
        return ", ".join(lines[:1] + dpdk[:1])


class EcpRdmaSwitch(Switch):
    name = "ecp-rdma"
    ports = ("vm1", "vm2")
    # More "options:k=v" of every port.
    port_options = ()

    def vswitchd_cmd(self):
        # The copy that the bench made at its start, so that every run
        # loads the same plugin even if the build tree changes meanwhile.
        return [self.tool("ovs-vswitchd"),
                "--plugin=%s" % self.bench.plugin]

    def add_ports(self):
        args = []
        for ofport, port in enumerate(self.ports, 1):
            args += ["--", "add-port", "br0", port,
                     "--", "set", "Interface", port, "type=ecp-rdma",
                     "ofport_request=%d" % ofport,
                     "options:socket=%s" % self.socket(port),
                     "options:n-rxq=%d"
                     % self.port_queues.get(port, self.n_queues)]
            args += self.port_options
        self.vsctl(*args)

    def port_connected(self, port):
        status = self.vsctl("--if-exists", "get", "Interface", port,
                            "status:memif", check=False)
        return status.strip().strip('"') == "connected"

    def connected_ports(self):
        return {name for name, status in
                self.interface_column("status").items()
                if ["memif", "connected"] in status[1]}

    def kick_counters(self):
        """The eventfd counters of the ports' transmit rings, summed, as
        they are now: from "ecp-rdma/show", since Interface:statistics
        are refreshed only every 5 s."""
        total = {"tx_kicks": 0, "tx_kicks_suppressed": 0}
        for port in self.ports:
            kicks = parse_show_kicks(self.appctl("ecp-rdma/show", port))
            for key in total:
                total[key] += kicks[key]
        return total


class BaselineSwitch(EcpRdmaSwitch):
    name = "baseline"

    def vswitchd_cmd(self):
        return [self.tool("ovs-vswitchd"),
                "--plugin=%s" % self.bench.baseline_plugin]


class OvsDpdkSwitch(Switch):
    """OVS-DPDK memif ports in the build's own ovs-vswitchd (built with
    DPDK), the very binary of the ecp-rdma setup, with the same plugin
    loaded: only the ports differ."""

    name = "ovs-dpdk"
    ports = ("dpdk1", "dpdk2")

    def __init__(self, bench, tag):
        super().__init__(bench, tag)
        self.file_prefix = "ecp-rdma-bench-%s-%d-%s" % (self.name,
                                                        os.getpid(), tag)

    def vswitchd_cmd(self):
        return [self.tool("ovs-vswitchd"),
                "--plugin=%s" % self.bench.plugin]

    def configure_db(self):
        super().configure_db()
        extra = ("--no-pci --huge-dir=%s --file-prefix=%s --huge-unlink"
                 % (self.bench.hugedir, self.file_prefix))
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true",
                   "other_config:dpdk-extra=\"%s\"" % extra,
                   "other_config:dpdk-socket-mem=%s" % DPDK_SOCKET_MEM,
                   "other_config:dpdk-socket-limit=%s" % DPDK_SOCKET_LIMIT)

    def after_start(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.vsctl("get", "Open_vSwitch", ".",
                          "dpdk_initialized").strip() == "true":
                return
            if not self.alive():
                break
            time.sleep(0.5)
        raise BenchError("%s: DPDK did not initialize (see %s)"
                         % (self.name, os.path.join(self.dir, "%s.log"
                                                    % self.vswitchd_name)))

    def after_stop(self):
        shutil.rmtree("/var/run/dpdk/%s" % self.file_prefix,
                      ignore_errors=True)

    def add_ports(self):
        args = []
        for ofport, port in enumerate(self.ports, 1):
            devargs = ("net_memif%d,role=server,socket=%s,socket-abstract=no"
                       % (ofport - 1, self.socket(port)))
            args += ["--", "add-port", "br0", port,
                     "--", "set", "Interface", port, "type=dpdk",
                     "ofport_request=%d" % ofport,
                     "options:dpdk-devargs=\"%s\"" % devargs,
                     "options:n_rxq=%d"
                     % self.port_queues.get(port, self.n_queues)]
        self.vsctl(*args)

    def port_connected(self, port):
        state = self.vsctl("--if-exists", "get", "Interface", port,
                           "link_state", check=False)
        return state.strip().strip('"') == "up"

    def connected_ports(self):
        return {name for name, state in
                self.interface_column("link_state").items()
                if state == "up"}


class DebianDpdkSwitch(OvsDpdkSwitch):
    """The same, in Debian's OVS-DPDK (openvswitch-switch-dpdk)."""

    name = "debian-dpdk"

    def __init__(self, bench, tag):
        super().__init__(bench, tag)
        self.vswitchd_name = os.path.basename(
            bench.args.debian_dpdk_vswitchd)

    def vswitchd_cmd(self):
        return [self.bench.args.debian_dpdk_vswitchd]


# ---------------------------------------------------------------------------
# testpmd, the memif client of the ports of every switch.

class TestPmd:
    """One testpmd, the client of every port of 'switches', that forwards
    between the ports of one switch at a time: the first and the second,
    the third and the fourth, and so on (testpmd's paired topology)."""

    def __init__(self, bench, switches, size, tag=None):
        self.bench = bench
        self.size = size
        self.file_prefix = "ecp-rdma-bench-tp-%d" % os.getpid()
        self.logpath = os.path.join(bench.rundir, "testpmd-%s.log"
                                    % (tag or size))
        self.proc = None
        # testpmd's port numbers of each switch's ports.
        self.portlist = {}
        ports = []
        for switch in switches:
            first = len(ports)
            ports += [switch.socket(port) for port in switch.ports]
            self.portlist[switch.name] = ",".join(
                str(i) for i in range(first, len(ports)))
        self.sockets = ports

    def command(self):
        cmd = [self.bench.testpmd, "-l", TESTPMD_LCORES,
               "--main-lcore", TESTPMD_MAIN_LCORE,
               "--no-huge", "-m", "512", "--no-pci",
               "--file-prefix=%s" % self.file_prefix]
        for i, sock in enumerate(self.sockets):
            cmd.append("--vdev=net_memif%d,role=client,socket=%s,"
                       "socket-abstract=no" % (i, sock))
        cmd += ["--", "-i", "--nb-cores=1", "--forward-mode=io",
                "--rxq=%d" % N_QUEUES, "--txq=%d" % N_QUEUES,
                "--total-num-mbufs=16384", "--txpkts=%d" % self.size]
        return cmd

    def forward(self, switch):
        """Stops forwarding, then forwards between the ports of 'switch',
        pair by pair, starting with fresh bursts."""
        self.command_line("stop")
        self.command_line("set portlist %s" % self.portlist[switch.name])
        self.command_line("start tx_first %d" % self.bench.args.bursts)

    def start(self):
        self.bench.at_exit("testpmd", self.stop)
        cmd = self.command()
        self.bench.log.write(
            "+ %s\n" % " ".join(shlex.quote(c) for c in cmd))
        self.logfile = open(self.logpath, "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=self.logfile,
                                     stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def command_line(self, line):
        if not self.alive():
            raise BenchError("testpmd exited (status %s); see %s"
                             % (self.proc.returncode, self.logpath))
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def stop(self):
        if self.proc is None:
            return
        with Critical():
            self.stop__(self.proc)
        self.proc = None

    def stop__(self, proc):
        if proc.poll() is None:
            try:
                proc.stdin.write(b"stop\nquit\n")
                proc.stdin.flush()
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        if not self.logfile.closed:
            self.logfile.close()
        shutil.rmtree("/var/run/dpdk/%s" % self.file_prefix,
                      ignore_errors=True)

    def tail(self, n=5):
        text = read_file(self.logpath, "")
        return " | ".join(text.strip().splitlines()[-n:])


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


# The switch of each setup.
SWITCHES = {"ecp-rdma": EcpRdmaSwitch, "ovs-dpdk": OvsDpdkSwitch,
            "debian-dpdk": DebianDpdkSwitch, "baseline": BaselineSwitch}


def prepare_switches(bench, setups, dpdk_switches=1):
    """Finds out which of 'setups' cannot run on this machine, reserves
    hugepages for 'dpdk_switches' OVS-DPDK switches at a time if another
    can, and makes every setup's network namespace.  Returns {setup: why}
    for those that cannot run."""
    args = bench.args
    unavailable = {}
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
            if s in ("ovs-dpdk", "debian-dpdk") and s not in unavailable]
    if dpdk:
        reason = bench.reserve_hugepages(dpdk_switches)
        if reason:
            for setup in dpdk:
                unavailable[setup] = reason
    for setup in setups:
        if setup in unavailable:
            warn("%s unavailable: %s" % (setup, unavailable[setup]))
    bench.netns = {setup: bench.make_netns(setup) for setup in setups}
    return unavailable


class AlternatingRuns:
    """--runs rounds of measurements of every configuration in 'configs'
    with each of 'setups', the setups of a configuration back to back, in
    alternating order from one round to the next.  measure(setup, config,
    run) starts what it measures and returns a dict of figures, or raises
    BenchError: a failure of that setup and configuration, kept in
    'failures'.  label(config) names a configuration in messages and
    describe(figures) says what a run measured."""

    def __init__(self, bench, setups, configs):
        self.bench = bench
        self.setups = setups
        self.configs = configs
        self.runs = {(s, c): [] for s in setups for c in configs}
        self.failures = {(s, c): [] for s in setups for c in configs}
        self.versions = {}
        self.unavailable = {}
        self.info = machine_info()
        self.plugin = None
        # OVS-DPDK switches that one measurement runs at once.
        self.dpdk_switches = 1

    def run(self, measure, label, describe):
        bench = self.bench
        n_runs = bench.args.runs
        with bench.running():
            self.plugin = bench.start()
            warn_disturbances(self.info)
            self.unavailable = prepare_switches(bench, self.setups,
                                                self.dpdk_switches)
            for r in range(n_runs):
                order = self.setups if r % 2 == 0 else self.setups[::-1]
                for config in self.configs:
                    for setup in order:
                        if setup not in self.unavailable:
                            self.measure_one(measure, label, describe,
                                             setup, config, r + 1)

    def measure_one(self, measure, label, describe, setup, config, run):
        bench = self.bench
        if setup not in self.versions:
            self.versions[setup] = SWITCHES[setup](
                bench, "version-%s" % setup).version()
        try:
            res = measure(setup, config, run)
        except BenchError as e:
            warn("run %d, %s, %s: %s" % (run, setup, label(config), e))
            self.failures[(setup, config)].append(str(e))
            bench.keep_rundir = True
            return
        res["run"] = run
        self.runs[(setup, config)].append(res)
        say("run %d/%d: %11s %s: %s"
            % (run, bench.args.runs, setup, label(config), describe(res)))

    def complete(self):
        """Whether every setup that could run measured every
        configuration at least once."""
        return all(self.runs[(s, c)] for s in self.setups
                   for c in self.configs if s not in self.unavailable)


def wait_port_connected(switch, port, client, timeout=30):
    """Waits until the memif client 'client' is connected to 'port'."""
    deadline = time.monotonic() + timeout
    while not switch.port_connected(port):
        if time.monotonic() > deadline or not client.alive():
            raise BenchError("%s: %s did not connect to %s: %s"
                             % (switch.name, client.command, port,
                                client.tail()))
        if not switch.alive():
            raise BenchError("%s: ovs-vswitchd exited" % switch.name)
        time.sleep(0.1)


def wait_summary(client, switch, timeout):
    """Waits until the memif client 'client' printed its JSON summary and
    returns it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        summary = client.summary()
        if summary is not None:
            return summary
        if not client.alive():
            raise BenchError("ecp-rdma-vm %s exited: %s"
                             % (client.command, client.tail()))
        if not switch.alive():
            raise BenchError("%s: ovs-vswitchd exited" % switch.name)
        time.sleep(0.1)
    raise BenchError("ecp-rdma-vm %s: no result within %d s"
                     % (client.command, timeout))
