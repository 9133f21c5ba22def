# The engine: plain C, libc and libcrypto (for HMAC-SHA256), no Open vSwitch
# headers.  The netdev class that binds it to OVS is compiled into the
# plugin.
noinst_LTLIBRARIES += lib-netdev-ecprdma/libecprdma.la
ECPRDMA_ENGINE_SOURCES = \
	lib-netdev-ecprdma/ecp.c \
	lib-netdev-ecprdma/ecp.h \
	lib-netdev-ecprdma/ecp-stopwait.c \
	lib-netdev-ecprdma/ecp-stopwait.h \
	lib-netdev-ecprdma/ecprdma-byte-order.h \
	lib-netdev-ecprdma/ecprdma-clock.h \
	lib-netdev-ecprdma/ecprdma-crc32c.c \
	lib-netdev-ecprdma/ecprdma-crc32c.h \
	lib-netdev-ecprdma/frame-copy.c \
	lib-netdev-ecprdma/frame-copy.h \
	lib-netdev-ecprdma/frame-ring.c \
	lib-netdev-ecprdma/frame-ring.h \
	lib-netdev-ecprdma/link-afpacket.c \
	lib-netdev-ecprdma/link-pair.c \
	lib-netdev-ecprdma/link-provider.h \
	lib-netdev-ecprdma/link-unix.c \
	lib-netdev-ecprdma/link.c \
	lib-netdev-ecprdma/link.h \
	lib-netdev-ecprdma/memif-handshake.c \
	lib-netdev-ecprdma/memif-handshake.h \
	lib-netdev-ecprdma/memif-proto.h \
	lib-netdev-ecprdma/memif-ring.c \
	lib-netdev-ecprdma/memif-ring.h \
	lib-netdev-ecprdma/memif-server.c \
	lib-netdev-ecprdma/memif-server.h \
	lib-netdev-ecprdma/mr-table.c \
	lib-netdev-ecprdma/mr-table.h \
	lib-netdev-ecprdma/port-options.c \
	lib-netdev-ecprdma/port-options.h \
	lib-netdev-ecprdma/ptr-queue.c \
	lib-netdev-ecprdma/ptr-queue.h \
	lib-netdev-ecprdma/remote-vsi.c \
	lib-netdev-ecprdma/remote-vsi.h \
	lib-netdev-ecprdma/remote-vsi-batch.c \
	lib-netdev-ecprdma/remote-vsi-batch.h \
	lib-netdev-ecprdma/remote-vsi-private.h \
	lib-netdev-ecprdma/remote-vsi-uplink.c \
	lib-netdev-ecprdma/roe.c \
	lib-netdev-ecprdma/roe.h \
	lib-netdev-ecprdma/roe-qp.c \
	lib-netdev-ecprdma/roe-qp.h \
	lib-netdev-ecprdma/roe-qp-check.c \
	lib-netdev-ecprdma/roe-qp-check.h \
	lib-netdev-ecprdma/roe-qp-private.h \
	lib-netdev-ecprdma/roe-session.c \
	lib-netdev-ecprdma/roe-session.h \
	lib-netdev-ecprdma/unix-socket.c \
	lib-netdev-ecprdma/unix-socket.h \
	lib-netdev-ecprdma/vdp.c \
	lib-netdev-ecprdma/vdp.h \
	lib-netdev-ecprdma/vdp-auth.c \
	lib-netdev-ecprdma/vdp-auth.h \
	lib-netdev-ecprdma/xalloc.c \
	lib-netdev-ecprdma/xalloc.h

# afxdp links: link-afxdp.c, and its XDP program, compiled for the BPF
# target and embedded as an array of bytes.
EXTRA_DIST += \
	build-aux/embed-file \
	lib-netdev-ecprdma/link-afxdp.bpf.c \
	lib-netdev-ecprdma/link-afxdp.c
# ECPRDMA_AFXDP_* are for every program that compiles the engine's sources.
ECPRDMA_AFXDP_CPPFLAGS =
ECPRDMA_AFXDP_SOURCES =
ECPRDMA_AFXDP_NODIST_SOURCES =
if HAVE_AF_XDP
ECPRDMA_AFXDP_CPPFLAGS += -DHAVE_AF_XDP
ECPRDMA_AFXDP_SOURCES += lib-netdev-ecprdma/link-afxdp.c
ECPRDMA_AFXDP_NODIST_SOURCES += lib-netdev-ecprdma/link-afxdp-obj.c
BUILT_SOURCES += lib-netdev-ecprdma/link-afxdp-obj.c
CLEANFILES += \
	lib-netdev-ecprdma/link-afxdp.bpf.o \
	lib-netdev-ecprdma/link-afxdp-obj.c
lib-netdev-ecprdma/link-afxdp.bpf.o: lib-netdev-ecprdma/link-afxdp.bpf.c
	$(AM_V_CC)$(MKDIR_P) lib-netdev-ecprdma && \
	$(BPF_CLANG) -O2 -g -Wall -target bpf \
	  -I/usr/include/$(shell $(CC) -print-multiarch) \
	  -c $(srcdir)/lib-netdev-ecprdma/link-afxdp.bpf.c -o $@
lib-netdev-ecprdma/link-afxdp-obj.c: lib-netdev-ecprdma/link-afxdp.bpf.o \
		$(srcdir)/build-aux/embed-file
	$(AM_V_GEN)$(PYTHON3) $(srcdir)/build-aux/embed-file \
	  lib-netdev-ecprdma/link-afxdp.bpf.o link_afxdp_obj > $@.tmp && \
	mv $@.tmp $@
endif

lib_netdev_ecprdma_libecprdma_la_SOURCES = \
	$(ECPRDMA_ENGINE_SOURCES) $(ECPRDMA_AFXDP_SOURCES)
nodist_lib_netdev_ecprdma_libecprdma_la_SOURCES = \
	$(ECPRDMA_AFXDP_NODIST_SOURCES)
lib_netdev_ecprdma_libecprdma_la_CPPFLAGS = \
	$(AM_CPPFLAGS) $(ECPRDMA_AFXDP_CPPFLAGS)
lib_netdev_ecprdma_libecprdma_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
lib_netdev_ecprdma_libecprdma_la_LIBADD = $(CRYPTO_LIBS) $(XDP_LIBS)
