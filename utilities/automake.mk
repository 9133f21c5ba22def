# ecp-rdma-vm: the memif client that stands in for a VM in tests, the demo
# and benchmarks.  Plain C and libc, like the engine whose helpers it uses.
bin_PROGRAMS += utilities/ecp-rdma-vm
utilities_ecp_rdma_vm_SOURCES = \
	utilities/ecp-rdma-vm.c \
	utilities/ecp-rdma-vm-memif.c \
	utilities/ecp-rdma-vm-memif.h \
	utilities/ecp-rdma-vm-options.c \
	utilities/ecp-rdma-vm-options.h \
	utilities/ecp-rdma-vm-arp.c \
	utilities/ecp-rdma-vm-arp.h \
	utilities/ecp-rdma-vm-payload.c \
	utilities/ecp-rdma-vm-payload.h
utilities_ecp_rdma_vm_CFLAGS = $(AM_CFLAGS)
utilities_ecp_rdma_vm_LDADD = lib-netdev-ecprdma/libecprdma.la -lm
man1_MANS += utilities/ecp-rdma-vm.1
EXTRA_DIST += utilities/ecp-rdma-vm.1

# ecp-rdma-bench: benchmarks of the ecp-rdma class against OVS-DPDK
# (Documentation/performance.rst).  A python3 script, standard library only
# but for --plot, which imports matplotlib (python3-matplotlib) if given.
dist_bin_SCRIPTS = utilities/ecp-rdma-bench
# Its modules, one per subcommand and those they share: a package that the
# script imports from its own directory or, installed, from here.
ecprdmabenchdir = $(pkgdatadir)/python/ecp_rdma_bench
dist_ecprdmabench_DATA = \
	utilities/ecp_rdma_bench/__init__.py \
	utilities/ecp_rdma_bench/common.py \
	utilities/ecp_rdma_bench/density.py \
	utilities/ecp_rdma_bench/latency.py \
	utilities/ecp_rdma_bench/local.py \
	utilities/ecp_rdma_bench/local_vms.py \
	utilities/ecp_rdma_bench/plot.py \
	utilities/ecp_rdma_bench/remote.py \
	utilities/ecp_rdma_bench/roe.py \
	utilities/ecp_rdma_bench/tor.py \
	utilities/ecp_rdma_bench/switch.py

# ecp-rdma.lua: the Wireshark dissector of the RoE subtype of ECP
# (tshark -X lua_script:$(pkgdatadir)/ecp-rdma.lua).
dist_pkgdata_DATA = utilities/ecp-rdma.lua

# ecp-rdma-perf: RoE and raw frame rates between two endpoints on a link,
# for "ecp-rdma-bench roe".  Engine only.
bin_PROGRAMS += utilities/ecp-rdma-perf
utilities_ecp_rdma_perf_SOURCES = utilities/ecp-rdma-perf.c
utilities_ecp_rdma_perf_LDADD = lib-netdev-ecprdma/libecprdma.la -lpthread
man1_MANS += utilities/ecp-rdma-perf.1
EXTRA_DIST += utilities/ecp-rdma-perf.1

# ecp-rdma-agent: the access switch's agent, an OVSDB client of the local
# ovsdb-server that keeps one role=vsi port per VSI that a role=switch
# interface lists in its status.  An Open vSwitch program: OVS headers,
# libopenvswitch and the vswitch IDL (part of libopenvswitch).
sbin_PROGRAMS += utilities/ecp-rdma-agent
utilities_ecp_rdma_agent_SOURCES = utilities/ecp-rdma-agent.c
utilities_ecp_rdma_agent_CPPFLAGS = $(OVS_CPPFLAGS)
utilities_ecp_rdma_agent_LDADD = $(OVS_LIBOPENVSWITCH)
man8_MANS += utilities/ecp-rdma-agent.8
EXTRA_DIST += utilities/ecp-rdma-agent.8

# ecp-rdma-stations: plays many servers against an access switch, for the
# switch's scale tests and "ecp-rdma-bench tor".  Engine only.
bin_PROGRAMS += utilities/ecp-rdma-stations
utilities_ecp_rdma_stations_SOURCES = utilities/ecp-rdma-stations.c
utilities_ecp_rdma_stations_LDADD = lib-netdev-ecprdma/libecprdma.la
man1_MANS += utilities/ecp-rdma-stations.1
EXTRA_DIST += utilities/ecp-rdma-stations.1
