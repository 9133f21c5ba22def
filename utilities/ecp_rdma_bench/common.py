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

"""What the subcommands of ecp-rdma-bench share: processes, resources undone
on exit, signals, measurements and reports."""

import contextlib
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

PROG = "ecp-rdma-bench"

# OVS-DPDK's hugepages.
HUGEPAGE_SYSFS = "/sys/kernel/mm/hugepages/hugepages-2048kB"
HUGEPAGES_PER_SWITCH = 224      # 2 MB pages: dpdk-socket-limit and a margin

# The signals that interrupt a benchmark.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class BenchError(Exception):
    pass


class Interrupted(Exception):
    pass


# A signal that arrives while something is being stopped or undone is
# raised (as Interrupted) only once that is done, so that nothing is left
# half stopped.
_critical = 0
_pending_signal = None


def on_signal(signum, frame):
    global _pending_signal
    name = signal.Signals(signum).name
    if _critical:
        _pending_signal = name
    else:
        raise Interrupted(name)


class Critical:
    def __enter__(self):
        global _critical
        _critical += 1

    def __exit__(self, *exc):
        global _critical, _pending_signal
        _critical -= 1
        if not _critical and _pending_signal and exc[0] is None:
            name, _pending_signal = _pending_signal, None
            raise Interrupted(name)


def say(msg):
    print("%s: %s" % (PROG, msg), flush=True)


def warn(msg):
    print("%s: warning: %s" % (PROG, msg), file=sys.stderr, flush=True)


def read_file(path, default=None):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


def run(cmd, env=None, check=True, timeout=60, log=None):
    """Runs 'cmd' (a list), returns its standard output."""
    if log:
        log.write("+ %s\n" % " ".join(shlex.quote(c) for c in cmd))
        log.flush()
    try:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("timed out after %d s: %s" % (timeout, " ".join(cmd)))
    except OSError as e:
        raise BenchError("cannot run %s: %s" % (cmd[0], e))
    if log:
        log.write(p.stdout)
        log.write(p.stderr)
        log.flush()
    if check and p.returncode != 0:
        raise BenchError("%s failed (status %d): %s"
                         % (" ".join(cmd), p.returncode,
                            (p.stderr or p.stdout).strip()))
    return p.stdout


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    stat = read_file("/proc/%d/stat" % pid, "")
    return not re.match(r"\d+ \(.*\) Z", stat)


def wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    return not pid_alive(pid)


def kill_and_wait(pid):
    """Waits up to 10 s for 'pid' to exit, then terminates it."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
        if wait_gone(pid, 10 if sig is None else 5):
            return


def pids_naming(path):
    """Returns the pids of the processes whose command line names 'path',
    a directory this tool created (never another process's)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        cmdline = read_file("/proc/%s/cmdline" % entry, "")
        if path + "/" in cmdline or path + "\0" in cmdline:
            pids.append(int(entry))
    return [p for p in pids if pid_alive(p)]


# ---------------------------------------------------------------------------
# Resources, undone in reverse order by Bench.cleanup().

class Bench:
    def __init__(self, args):
        self.args = args
        self.undo = []
        self.rundir = None
        self.keep_rundir = args.keep
        self.log = None
        self.hugedir = None
        self.status = 0

    # Resources -------------------------------------------------------------

    def at_exit(self, what, fn):
        self.undo.append((what, fn))

    def setup(self, what, do, undo):
        """Does 'do' and registers 'undo', with signals held off."""
        with Critical():
            result = do()
            self.at_exit(what, undo)
        return result

    def cleanup(self):
        while self.undo:
            what, fn = self.undo.pop()
            try:
                fn()
            except Exception as e:      # Keep undoing the rest.
                warn("cleanup: %s: %s" % (what, e))
        if self.log:
            self.log.close()
            self.log = None
        if self.rundir:
            if self.keep_rundir:
                say("logs kept in %s" % self.rundir)
            else:
                shutil.rmtree(self.rundir, ignore_errors=True)

    @contextlib.contextmanager
    def running(self):
        """Runs the body of a 'with' statement with SIGINT, SIGTERM and
        SIGHUP raising Interrupted, and undoes everything after it, whatever
        happened.  An interruption or a BenchError ends the body and sets
        self.status to 130 or 1; otherwise it stays 0."""
        self.status = 0
        for sig in SIGNALS:
            signal.signal(sig, on_signal)
        try:
            yield
        except Interrupted as e:
            warn("interrupted (%s): cleaning up" % e)
            self.status = 130
        except BenchError as e:
            print("%s: error: %s" % (PROG, e), file=sys.stderr)
            self.keep_rundir = True
            self.status = 1
        finally:
            for sig in SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            self.cleanup()

    def start(self):
        """Makes the run directory, with a copy of the plugin, and returns
        the plugin's description."""
        self.make_rundir()
        return plugin_info(self.args.plugin, self.plugin, self.args.srcdir)

    def make_rundir(self):
        self.rundir = tempfile.mkdtemp(prefix="ecp-rdma-bench.")
        os.chmod(self.rundir, 0o755)
        self.log = open(os.path.join(self.rundir, "bench.log"), "w")
        self.plugin = os.path.join(self.rundir, "ecp-rdma.so")
        shutil.copy2(self.args.plugin, self.plugin)

    def make_netns(self, what):
        """Creates a network namespace for 'what' and returns its name."""
        name = "ecp-rdma-bench-%d-%s" % (os.getpid(), what)
        self.setup("network namespace %s" % name,
                   lambda: run(["ip", "netns", "add", name], log=self.log),
                   lambda: run(["ip", "netns", "delete", name],
                               check=False, log=self.log))
        return name

    def reserve_hugepages(self, switches):
        """Mounts a private hugetlbfs and makes sure that enough 2 MB pages
        are free for 'switches' OVS-DPDK switches; returns None or the
        reason why it could not."""
        if self.hugedir:
            return None
        needed = HUGEPAGES_PER_SWITCH * switches
        nr_path = os.path.join(HUGEPAGE_SYSFS, "nr_hugepages")
        free_path = os.path.join(HUGEPAGE_SYSFS, "free_hugepages")
        if not os.path.exists(nr_path):
            return "no 2 MB hugepage support (%s)" % HUGEPAGE_SYSFS
        orig = int(read_file(nr_path))
        free = int(read_file(free_path))
        if free < needed:
            want = orig + needed - free
            self.at_exit("nr_hugepages back to %d" % orig,
                         lambda: write_file(nr_path, "%d\n" % orig))
            try:
                write_file(nr_path, "%d\n" % want)
            except OSError as e:
                return "cannot set %s to %d: %s" % (nr_path, want, e)
            free = int(read_file(free_path))
            self.log.write("nr_hugepages %d -> %d, %d free\n"
                           % (orig, want, free))
            if free < needed:
                return ("only %d free 2 MB hugepages after asking for %d "
                        "(memory fragmented?)" % (free, want))
        hugedir = os.path.join(self.rundir, "huge")
        os.mkdir(hugedir)
        try:
            self.setup("unmount %s" % hugedir,
                       lambda: run(["mount", "-t", "hugetlbfs", "-o",
                                    "pagesize=2M", "nodev", hugedir],
                                   log=self.log),
                       lambda: self.umount(hugedir))
        except BenchError as e:
            return str(e)
        self.hugedir = hugedir
        return None

    def umount(self, path):
        run(["umount", path], check=False, log=self.log)
        if os.path.ismount(path):
            run(["umount", "-l", path], check=False, log=self.log)


# ---------------------------------------------------------------------------
# Measurements.

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids):
    """Returns (busy, steal, ours) in clock ticks: the busy and stolen time
    of all CPUs and the CPU time of the processes 'pids' (all threads)."""
    fields = [int(x) for x in read_file("/proc/stat").split("\n")[0]
              .split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    steal = fields[7] if len(fields) > 7 else 0
    ours = 0
    for pid in pids:
        stat = read_file("/proc/%d/stat" % pid, "")
        rest = stat.rpartition(")")[2].split()
        if len(rest) > 12:
            ours += int(rest[11]) + int(rest[12])     # utime, stime
    return busy, steal, ours


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


# ---------------------------------------------------------------------------

def machine_info():
    cpuinfo = read_file("/proc/cpuinfo", "")
    models = re.findall(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    mhz = re.findall(r"^cpu MHz\s*:\s*(.*)$", cpuinfo, re.M)
    load = read_file("/proc/loadavg", "").split()[:3]
    return {
        "cpu_model": models[0] if models else platform.processor(),
        "cpus": os.cpu_count(),
        "cpu_mhz": float(mhz[0]) if mhz else None,
        "kernel": platform.release(),
        "loadavg_at_start": [float(x) for x in load],
    }


def other_vswitchds():
    """Returns the pids and command lines of ovs-vswitchd and testpmd
    processes that this tool did not start."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        cmdline = read_file("/proc/%s/cmdline" % entry, "")
        argv0 = cmdline.split("\0")[0]
        if re.search(r"(ovs-vswitchd|testpmd)", os.path.basename(argv0)):
            found.append("%s %s" % (entry, cmdline.replace("\0", " ")[:100]))
    return found


def plugin_info(path, copy, srcdir):
    """Describes plugin 'path' by its copy 'copy' and, if 'srcdir' is a git
    tree it was built from, by the source's version."""
    with open(copy, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    info = {"path": path, "sha256": digest, "source": None}
    if srcdir and os.path.exists(os.path.join(srcdir, ".git")):
        out = run(["git", "-C", srcdir, "describe", "--always",
                   "--dirty"], check=False)
        info["source"] = "%s (git describe --always --dirty of %s)" % (
            out.strip(), srcdir) if out.strip() else None
    return info


def check_prerequisites(args, dpdk=True):
    if os.geteuid() != 0:
        raise BenchError("must run as root (network namespaces, hugepages, "
                         "DPDK)" if dpdk else "must run as root (network "
                         "namespaces, AF_PACKET)")
    if args.builddir is None:
        here = args.scriptdir
        for cand in (os.path.join(here, "..", "_build"),
                     os.path.join(here, ".."), os.getcwd()):
            if os.path.exists(os.path.join(cand, "vswitchd-plugin", ".libs",
                                           "ecp-rdma.so")):
                args.builddir = os.path.realpath(cand)
                break
        else:
            raise BenchError("build not found: build the project (see "
                             "README.rst, Quick start) or pass --builddir")
    args.builddir = os.path.realpath(args.builddir)
    # The Open vSwitch tree the build uses: ovs/ in the build tree unless
    # it was configured --with-ovs-source (then its Makefile says where).
    makefile = read_file(os.path.join(args.builddir, "Makefile"), "")
    m = re.search(r"^OVS_BUILDDIR = (.+)$", makefile, re.M)
    args.ovs_builddir = m.group(1).strip() if m else os.path.join(
        args.builddir, "ovs")
    m = re.search(r"^OVS_SRCDIR = (.+)$", makefile, re.M)
    args.ovs_srcdir = m.group(1).strip() if m else args.ovs_builddir
    m = re.search(r"^abs_top_srcdir = (.+)$", makefile, re.M)
    args.srcdir = m.group(1).strip() if m else None
    # Whether that Open vSwitch was built with DPDK (configure --with-dpdk).
    args.build_dpdk = bool(re.search(
        r"^#define DPDK_NETDEV 1$",
        read_file(os.path.join(args.ovs_builddir, "config.h"), ""), re.M))
    args.plugin = os.path.join(args.builddir, "vswitchd-plugin", ".libs",
                               "ecp-rdma.so")
    args.perf = os.path.join(args.builddir, "utilities", "ecp-rdma-perf")
    args.vm = os.path.join(args.builddir, "utilities", "ecp-rdma-vm")
    needed = [args.plugin, args.perf, args.vm,
              os.path.join(args.ovs_srcdir, "vswitchd", "vswitch.ovsschema")]
    needed += [os.path.join(args.ovs_builddir, d, t) for d, t in (
        ("vswitchd", "ovs-vswitchd"),
        ("ovsdb", "ovsdb-server"), ("ovsdb", "ovsdb-tool"),
        ("utilities", "ovs-vsctl"), ("utilities", "ovs-ofctl"),
        ("utilities", "ovs-appctl"))]
    for path in needed:
        if not os.path.exists(path):
            raise BenchError("build not found: %s is missing (build the "
                             "project or pass --builddir)" % path)
    if not dpdk:
        for prog in ("ip", "taskset"):
            if not shutil.which(prog):
                raise BenchError("%s not found (apt-get install iproute2 "
                                 "util-linux)" % prog)
        return None
    testpmd = shutil.which("dpdk-testpmd")
    if not testpmd:
        raise BenchError("no DPDK: dpdk-testpmd not found (apt-get install "
                         "dpdk-dev)")
    for prog in ("ip", "mount", "umount"):
        if not shutil.which(prog):
            raise BenchError("%s not found (apt-get install iproute2 "
                             "mount)" % prog)
    return testpmd


def warn_disturbances(info):
    """Warns about what else runs on the machine and may disturb the
    figures."""
    load = info["loadavg_at_start"][0]
    if load > 0.5:
        warn("load average %.2f: other work on this machine will "
             "disturb the figures" % load)
    for p in other_vswitchds():
        warn("already running, may disturb the figures: %s" % p)


def pair_counts(report):
    """The --pairs of a report of 'local' or 'remote', a list: reports
    before --pairs took a list had one number, or none (one pair)."""
    pairs = report["settings"].get("pairs", 1)
    return pairs if isinstance(pairs, list) else [pairs]


def by_pairs(report, key="results"):
    """{pairs: figures} of 'key' ("results" or "ratios", "ratio" for
    'remote') of a report of 'local' or 'remote': its KEY_by_pairs, by
    pair count, or if it measured only one, its KEY."""
    if key + "_by_pairs" in report:
        return {int(p): r for p, r in report[key + "_by_pairs"].items()}
    return {pair_counts(report)[0]: report[key]}


def publish(args, report, print_report):
    """Prints 'report' with 'print_report' and, with --json, writes it;
    with --plot, draws it."""
    print_report(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        say("wrote %s" % args.json)
    if getattr(args, "plot", None):
        # Imported here: matplotlib only when a figure is asked for.
        from ecp_rdma_bench.plot import plot_report
        plot_report(report, args.plot)
        say("wrote %s" % args.plot)
