#! /usr/bin/env python3
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

"""bench-counters.py BENCH DUMP-PORTS PMD-STATS SHOW

Prints what ecp-rdma-bench (the script BENCH) reads from the files
DUMP-PORTS, an output of "ovs-ofctl dump-ports", PMD-STATS, one of
"ovs-appctl dpif-netdev/pmd-stats-show", and SHOW, one of "ovs-appctl
ecp-rdma/show PORT": the counters of OpenFlow ports 1 and 2, the packets
received by the first PMD thread and whether its cycles per packet were
found, and the port's notifications of its client."""

import importlib.machinery
import importlib.util
import re
import sys


def load(path):
    loader = importlib.machinery.SourceFileLoader("bench", path)
    spec = importlib.util.spec_from_loader("bench", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def main():
    bench = load(sys.argv[1])
    with open(sys.argv[2]) as f:
        ports = bench.parse_dump_ports(f.read())
    for port in ("1", "2"):
        c = ports[port]
        print("port %s: rx %d packets %d bytes, tx %d packets %d bytes"
              % (port, c["rx_packets"], c["rx_bytes"], c["tx_packets"],
                 c["tx_bytes"]))
    with open(sys.argv[3]) as f:
        text = f.read()
    core = int(re.search(r"core_id (\d+):", text).group(1))
    pmd = bench.parse_pmd_stats(text, core)
    print("pmd: received %d packets, cycles per packet %s"
          % (pmd["packets_received"],
             "found" if pmd["avg_processing_cycles_per_packet"]
             else "missing"))
    with open(sys.argv[4]) as f:
        kicks = bench.parse_show_kicks(f.read())
    print("kicks %d suppressed %d"
          % (kicks["tx_kicks"], kicks["tx_kicks_suppressed"]))


if __name__ == "__main__":
    main()
