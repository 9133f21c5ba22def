# ecp-rdma-vm: the memif client that stands in for a VM in tests, the demo
# and benchmarks.  Plain C and libc, like the engine whose helpers it uses.
bin_PROGRAMS += utilities/ecp-rdma-vm
utilities_ecp_rdma_vm_SOURCES = \
	utilities/ecp-rdma-vm.c \
	utilities/ecp-rdma-vm-memif.c \
	utilities/ecp-rdma-vm-memif.h \
	utilities/ecp-rdma-vm-payload.c \
	utilities/ecp-rdma-vm-payload.h
utilities_ecp_rdma_vm_CFLAGS = $(AM_CFLAGS)
utilities_ecp_rdma_vm_LDADD = lib-netdev-ecprdma/libecprdma.la -lm
man1_MANS += utilities/ecp-rdma-vm.1
EXTRA_DIST += utilities/ecp-rdma-vm.1

# ecp-rdma-bench: benchmarks of the ecp-rdma class against OVS-DPDK
# (Documentation/performance.rst).  A python3 script, standard library only.
dist_bin_SCRIPTS = utilities/ecp-rdma-bench
