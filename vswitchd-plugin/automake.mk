# The plugin that ovs-vswitchd loads.  It is a shared object linked against
# the OVS tree's shared libraries; only the plugin descriptor is exported.
ecprdmaplugindir = $(libdir)/openvswitch/plugins
ecprdmaplugin_LTLIBRARIES = vswitchd-plugin/ecp-rdma.la
vswitchd_plugin_ecp_rdma_la_SOURCES = \
	vswitchd-plugin/ecp-rdma-plugin.c \
	lib-netdev-ecprdma/netdev-ecprdma.c \
	lib-netdev-ecprdma/netdev-ecprdma-packets.c \
	lib-netdev-ecprdma/netdev-ecprdma-private.h \
	lib-netdev-ecprdma/netdev-ecprdma-session.c \
	lib-netdev-ecprdma/netdev-ecprdma-status.c \
	lib-netdev-ecprdma/netdev-ecprdma-switch.c \
	lib-netdev-ecprdma/netdev-ecprdma-uplink.c \
	lib-netdev-ecprdma/netdev-ecprdma-vm.c \
	lib-netdev-ecprdma/netdev-ecprdma-vm-park.c \
	lib-netdev-ecprdma/netdev-ecprdma-sleep.c \
	lib-netdev-ecprdma/netdev-ecprdma-vsi.c \
	lib-netdev-ecprdma/netdev-ecprdma.h
vswitchd_plugin_ecp_rdma_la_CPPFLAGS = $(OVS_CPPFLAGS) $(AM_CPPFLAGS)
vswitchd_plugin_ecp_rdma_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
vswitchd_plugin_ecp_rdma_la_LDFLAGS = \
	-module -avoid-version -shared -Wl,-z,defs
vswitchd_plugin_ecp_rdma_la_LIBADD = \
	lib-netdev-ecprdma/libecprdma.la \
	$(OVS_LIBOPENVSWITCH)
