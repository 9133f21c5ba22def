# The engine: plain C, libc and libcrypto (for HMAC-SHA256), no Open vSwitch
# headers.  The netdev class that binds it to OVS is compiled into the
# plugin.
noinst_LTLIBRARIES += lib-netdev-ecprdma/libecprdma.la
ECPRDMA_ENGINE_SOURCES = \
	lib-netdev-ecprdma/byte-order.h \
	lib-netdev-ecprdma/crc32c.c \
	lib-netdev-ecprdma/crc32c.h \
	lib-netdev-ecprdma/ecp.c \
	lib-netdev-ecprdma/ecp.h \
	lib-netdev-ecprdma/ecp-stopwait.c \
	lib-netdev-ecprdma/ecp-stopwait.h \
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
	lib-netdev-ecprdma/remote-vsi.c \
	lib-netdev-ecprdma/remote-vsi.h \
	lib-netdev-ecprdma/roe.c \
	lib-netdev-ecprdma/roe.h \
	lib-netdev-ecprdma/roe-qp.c \
	lib-netdev-ecprdma/roe-qp.h \
	lib-netdev-ecprdma/roe-session.c \
	lib-netdev-ecprdma/roe-session.h \
	lib-netdev-ecprdma/vdp.c \
	lib-netdev-ecprdma/vdp.h \
	lib-netdev-ecprdma/vdp-auth.c \
	lib-netdev-ecprdma/vdp-auth.h \
	lib-netdev-ecprdma/xalloc.c \
	lib-netdev-ecprdma/xalloc.h
lib_netdev_ecprdma_libecprdma_la_SOURCES = $(ECPRDMA_ENGINE_SOURCES)
lib_netdev_ecprdma_libecprdma_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
lib_netdev_ecprdma_libecprdma_la_LIBADD = $(CRYPTO_LIBS)
