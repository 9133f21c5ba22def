# The engine: plain C and libc, no Open vSwitch headers.  The netdev class
# that binds it to OVS is compiled into the plugin.
noinst_LTLIBRARIES += lib-netdev-ecprdma/libecprdma.la
ECPRDMA_ENGINE_SOURCES = \
	lib-netdev-ecprdma/memif-handshake.c \
	lib-netdev-ecprdma/memif-handshake.h \
	lib-netdev-ecprdma/memif-proto.h \
	lib-netdev-ecprdma/memif-ring.c \
	lib-netdev-ecprdma/memif-ring.h \
	lib-netdev-ecprdma/memif-server.c \
	lib-netdev-ecprdma/memif-server.h \
	lib-netdev-ecprdma/port-options.c \
	lib-netdev-ecprdma/port-options.h \
	lib-netdev-ecprdma/xalloc.c \
	lib-netdev-ecprdma/xalloc.h
lib_netdev_ecprdma_libecprdma_la_SOURCES = $(ECPRDMA_ENGINE_SOURCES)
lib_netdev_ecprdma_libecprdma_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
