/*
 * Copyright (c) 2026 The ovs-ecp-rdma Authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef NETDEV_ECPRDMA_PRIVATE_H
#define NETDEV_ECPRDMA_PRIVATE_H 1

/* The netdev class "ecp-rdma", inside: the port that every role shares and
 * the state of each role, in a struct of its own.
 *
 *   netdev-ecprdma.c          the class: the common port (options,
 *                             reconfigure glue), dispatch by role
 *   netdev-ecprdma-status.c   what ports report: statistics, status,
 *                             ecp-rdma/show
 *   netdev-ecprdma-packets.c  received packets, recycled; packet sinks
 *   netdev-ecprdma-vm.c       role "vm": memif server, local switching,
 *                             hand-over of the rings to the switch
 *   netdev-ecprdma-session.c  roles "uplink" and "switch": link and session
 *   netdev-ecprdma-uplink.c   role "uplink": exported VMs, own rings
 *   netdev-ecprdma-switch.c   role "switch": remote VSIs, ingress mirror
 *   netdev-ecprdma-vsi.c      role "vsi": one remote VM on the switch
 *
 * A role's file changes its role's struct, and reaches another role's
 * through the functions declared here, but where two roles meet: the
 * uplink reads the memif connection of each vm port that it exports and
 * sets the port's 'uplink_error'; a switch and its vsi ports share the
 * binding of VSIs to ports ('sinks' of struct switch_port, 'sink' of
 * struct vsi_port). */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "dp-packet.h"
#include "dpif-netdev.h"
#include "ecp.h"
#include "frame-ring.h"
#include "link.h"
#include "netdev-provider.h"
#include "openvswitch/list.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "port-options.h"
#include "ptr-queue.h"
#include "roe-session.h"
#include "util.h"
#include "vdp.h"

/* One log module, "netdev_ecprdma", for every file of the class: defined
 * in netdev-ecprdma.c, used by the others through VLM_netdev_ecprdma. */
struct vlog_module;
extern struct vlog_module *VLM_netdev_ecprdma;
#ifndef NETDEV_ECPRDMA_DEFINES_LOG_MODULE
#define this_module (*VLM_netdev_ecprdma)
#endif

struct ds;
struct memif_connection;
struct memif_queue;
struct memif_server;
struct memif_tx_pkt;
struct remote_vsi;
struct roe_vsi_spec;
struct smap;
struct vsi_sink;

/* The common port (netdev-ecprdma.c). */

/* Protects 'ecprdma_list' and the options of every ecp-rdma netdev.  Taken
 * only by the main thread (configuration, status, ovs-appctl), never on the
 * fast path. */
extern struct ovs_mutex ecprdma_mutex;

/* Received packets (netdev-ecprdma-packets.c). */

/* The longest frame that a received packet holds: the length of a
 * packet's buffer, DP_NETDEV_HEADROOM included, has 16 bits (in a build
 * with DPDK, it is that of an rte_mbuf).  A longer frame is dropped and
 * counted in rx_errors. */
#define RX_MAX_FRAME (UINT16_MAX - DP_NETDEV_HEADROOM)

enum { PACKET_CACHE_SIZE = 1024 };

/* Blocks of packets that came back to send() in one thread, for the next
 * receive in the same thread. */
struct packet_cache {
    size_t n;
    struct dp_packet *packets[PACKET_CACHE_SIZE];
};

void packet_cache_init(void);
struct packet_cache *packet_cache_get(void);
struct dp_packet *new_rx_packet_alloc(size_t room);
void recycle_batch(struct dp_packet_batch *);
void release_packet(void *packet);

/* The functions below run for every frame: they are inline. */

/* A block that new_rx_packet() makes: the packet's struct, then its
 * buffer from the next cache line on, so that the frame's data, after
 * DP_NETDEV_HEADROOM, starts on a cache line as in the clients' rings and
 * copies into and out of it run aligned. */
#define RX_BLOCK_BUFFER ROUND_UP(sizeof(struct dp_packet), CACHE_LINE_SIZE)

static inline void *
rx_block_buffer(const struct dp_packet *packet)
{
    return (char *) packet + RX_BLOCK_BUFFER;
}

/* Returns true if 'packet' is a block that new_rx_packet() made, unchanged
 * since. */
static inline bool
is_rx_block(const struct dp_packet *packet)
{
    return packet->source == DPBUF_STUB
           && dp_packet_base(packet) == rx_block_buffer(packet);
}

/* Returns a packet with room for 'capacity' bytes, at most RX_MAX_FRAME,
 * after DP_NETDEV_HEADROOM of headroom.  If OVS needs to grow it, it moves
 * the data to a buffer of its own, as for any stub.  '*reused' counts
 * blocks taken from the cache.  Whoever frees the packet frees the block
 * with free(), as dp_packet_delete() does. */
static inline struct dp_packet *
new_rx_packet(struct packet_cache *cache, uint32_t capacity,
              uint64_t *reused)
{
    size_t room = DP_NETDEV_HEADROOM + capacity;

    while (cache->n) {
        struct dp_packet *packet = cache->packets[--cache->n];

        if (dp_packet_get_allocated(packet) == room) {
            /* Back from send() with its buffer: reset what the packet
             * carried, as dp_packet_use_stub() did (with DPDK, the
             * rte_mbuf's offload fields too).  Its metadata need not be:
             * the datapath initializes that of every packet it
             * receives. */
            dp_packet_set_data(packet, (char *) rx_block_buffer(packet)
                                       + DP_NETDEV_HEADROOM);
            dp_packet_set_size(packet, 0);
            dp_packet_reset_offsets(packet);
            dp_packet_reset_cutlen(packet);
            dp_packet_reset_offload(packet);
            dp_packet_init_specific(packet);
            packet->packet_type = htonl(PT_ETH);
            (*reused)++;
            return packet;
        }
        free(packet);
    }
    return new_rx_packet_alloc(room);
}

/* Frees 'packet', keeping it in 'cache' if new_rx_packet() made it. */
static inline void
recycle_packet(struct packet_cache *cache, struct dp_packet *packet)
{
    if (is_rx_block(packet) && cache->n < PACKET_CACHE_SIZE) {
        cache->packets[cache->n++] = packet;
    } else {
        dp_packet_delete(packet);
    }
}

/* Returns the EtherType of the frame of 'len' bytes at 'data', behind at
 * most one VLAN tag, and stores in '*l3' the offset of what it names; or
 * returns 0 if the frame is shorter than an Ethernet header. */
static inline uint16_t
frame_eth_type(const uint8_t *data, uint32_t len, uint32_t *l3)
{
    const size_t type_ofs = 2 * ETH_ADDR_LEN;
    uint16_t type;

    *l3 = ETH_HEADER_LEN;
    if (len < ETH_HEADER_LEN) {
        return 0;
    }
    type = data[type_ofs] << 8 | data[type_ofs + 1];
    if ((type == ETH_TYPE_VLAN_8021Q || type == ETH_TYPE_VLAN_8021AD)
        && len >= ETH_HEADER_LEN + VLAN_HEADER_LEN) {
        *l3 += VLAN_HEADER_LEN;
        type = (data[type_ofs + VLAN_HEADER_LEN] << 8
                | data[type_ofs + VLAN_HEADER_LEN + 1]);
    }
    return type;
}

/* Returns true if the frame of 'len' bytes at 'data' is an ECP frame
 * (EtherType 0x8940, behind at most one VLAN tag).  Only the server's
 * uplink speaks ECP: a VM must never be able to speak for it, so such
 * frames from a VM are dropped. */
static inline bool
is_ecp_frame(const uint8_t *data, uint32_t len)
{
    uint32_t l3;

    return frame_eth_type(data, len, &l3) == ECP_ETH_TYPE;
}
int frame_ring_push(struct frame_ring *, uint64_t *prod, uint64_t cons,
                    uint32_t tag, struct dp_packet_batch *,
                    uint64_t *bytes);

/* Frames that a switch reads for one of its ports, a vsi port or the
 * switch port itself (the frames of a server's bridge): packets, read
 * straight into their buffers in the thread that drives the switch's
 * session, queued for the port's receive queue.  At most
 * PACKET_SINK_SLOTS packets and about PACKET_SINK_BYTES octets wait: then
 * the switch stops reading, and frames wait in the server's rings. */
struct packet_sink {
    struct ptr_queue queue;
    atomic_uint64_t too_long;   /* Frames refused, longer than
                                 * RX_MAX_FRAME. */
    atomic_uint64_t overflows;  /* Packets dropped, the queue full. */
    uint64_t n_reused;          /* The switch's thread's own... */
    atomic_uint64_t reused;     /* ...published with the packets:
                                 * received into recycled packets. */
};

enum { PACKET_SINK_SLOTS = 4096, PACKET_SINK_BYTES = 1 << 22 };

void packet_sink_init(struct packet_sink *);
void packet_sink_destroy(struct packet_sink *);
void packet_sink_run(struct packet_sink *, struct remote_vsi *,
                     long long now);
int packet_sink_recv(struct packet_sink *, struct dp_packet_batch *);

/* Role "vm" (netdev-ecprdma-vm.c). */
/* Counters of the rings of a vm port's memif connections. */
struct vm_memif_counters {
    uint64_t rx_oversize;       /* C2S frames larger than a packet. */
    uint64_t rx_bursts;         /* C2S receives that got frames. */
    uint64_t rx_sleeps;         /* PMD thread sleeps that a kick could
                                 * end. */
    uint64_t rx_sleep_wakeups;  /* Those that a kick ended. */
    uint64_t tx_no_room;        /* S2C frames dropped, the ring full. */
    uint64_t tx_retries;        /* S2C tries again on a full ring. */
    uint64_t tx_bursts;         /* S2C transmits that put frames. */
    uint64_t tx_kicks;          /* S2C eventfd notifications. */
    uint64_t tx_kicks_suppressed;   /* Not needed: the client polled. */
};

/* Why a vm port asks the client of a C2S ring to kick its eventfd. */
enum {
    VM_KICKS_FOR_PARK = 1 << 0,     /* The ring's queue is parked. */
    VM_KICKS_FOR_SLEEP = 1 << 1,    /* The queue's PMD thread sleeps. */
};

/* Parking of receive queue N of a "vm" port (netdev-ecprdma-vm-park.c),
 * in the main thread but for 'parked', and who asks the client of its
 * C2S ring for kicks: the main thread for parking, the PMD thread before
 * it sleeps (netdev-ecprdma-sleep.c), under 'kicks_lock'. */
struct vm_rx_park {
    atomic_bool parked;         /* Read by rxq_enabled() in PMD threads. */
    struct ovs_spin kicks_lock; /* Guards 'kicks_wanted' and the ring's
                                 * MASK_INT. */
    unsigned int kicks_wanted;  /* VM_KICKS_*: who wants the client to
                                 * kick the ring's eventfd. */
    uint16_t head;              /* The ring's head at 'since'. */
    long long int since;        /* When the ring was last seen to move or
                                 * to hold frames. */
};

struct vm_port {
    char *socket_path;          /* Effective memif socket. */

    /* The memif server, guarded by 'ecprdma_mutex', and the connection
     * that the data path uses, which changes only in reconfigure(). */
    struct memif_server *memif;
    char *memif_path;           /* Socket of 'memif' (or of the failure). */
    char *memif_error;          /* Why 'memif' could not be created. */
    struct memif_connection *conn;
    struct ovs_spin *s2c_locks; /* One per S2C ring of 'conn'. */
    struct vm_memif_counters closed;    /* Of the connections gone. */

    /* Who receives from the C2S rings.  'switching' counts the changes of
     * hands: even, the vm port; odd, the switch.  rxq N stores in
     * 'rxq_switching[N]' each odd value that it sees, at the start of a
     * receive call that then leaves the ring alone: from then on it does
     * not touch the ring until 'switching' changes, and the uplink lets
     * the switch access the ring (see uplink_release()). */
    atomic_uint32_t switching;
    atomic_uint32_t rxq_switching[VDP_MAX_RINGS];
    char *uplink_error;         /* Why the uplink does not export it. */
    atomic_uint64_t switch_rx_slots;    /* C2S slots that the switch
                                         * consumed. */

    /* Idle receive queues that the PMD threads do not poll. */
    struct vm_rx_park park[PORT_N_RXQ_MAX];
    int park_epfd;              /* Eventfds of the parked rings, or -1. */
    uint32_t park_kicks;        /* Parked rings whose client wrote its
                                 * eventfd, not yet woken up. */
    uint64_t rx_parks;          /* Receive queues parked. */
    uint64_t rx_wakeups;        /* Parked receive queues woken up. */
};

/* Wakes up a PMD thread that sleeps on a receive queue when another
 * thread gives the queue work (netdev-ecprdma-sleep.c). */
struct sleep_waker {
    int fd;                     /* An eventfd, or -1: made by the queue's
                                 * PMD thread before it first arms it. */
    bool failed;                /* 'fd' could not be made. */
    atomic_bool armed;          /* The queue's PMD thread may sleep. */
};

void sleep_waker_init(struct sleep_waker *);
void sleep_waker_destroy(struct sleep_waker *);
void sleep_waker_kick(struct sleep_waker *);

/* Roles "uplink" and "switch": the link and the RoE session on it
 * (netdev-ecprdma-session.c), driven by the thread that polls the port's
 * only rxq. */
struct session_port {
    struct link *link;
    struct roe_session *roe;
    char *error;
    struct ovs_spin faults_lock;
    struct link_faults faults;  /* For the link, under 'faults_lock'. */
    atomic_bool faults_changed;
    uint64_t lapses_seen;           /* Session thread. */
    uint64_t refusals_seen;         /* Session thread. */
    uint64_t rx_sleeps;             /* PMD thread sleeps that the link
                                     * could end (session thread). */
    uint64_t rx_sleep_wakeups;      /* Those that it did. */
};

/* A "vm" port that an uplink exports. */
struct uplink_vm {
    struct netdev_ecprdma *port;
    struct memif_connection *conn;
    int handle;
    uint32_t qpn;
    bool held;                  /* The VSI's QP waits for the vm port's
                                 * receive queues to see 'switching'. */
    uint32_t switching;         /* The vm port's, when it associated. */
    uint32_t prev_qpn;          /* Of the previous association, 0 if none:
                                 * the switch may still write frames tagged
                                 * with it. */
    bool switch_has_rings;      /* The switch may move the C2S tails. */
    uint16_t tails[VDP_MAX_RINGS];  /* C2S tails, as last counted. */
};

/* Role "uplink" (netdev-ecprdma-uplink.c). */
struct uplink_port {
    /* The session thread holds 'vms_mutex' while it runs, taking it with a
     * trylock (it skips a poll rather than wait).  The main thread holds
     * it while it changes 'vms' or a VM connection that 'vms' names,
     * because the uplink's rxq is not quiesced when a vm port
     * reconfigures. */
    struct ovs_mutex vms_mutex;
    struct uplink_vm vms[ROE_SESSION_MAX_VSIS];     /* See 'vms_mutex'. */
    size_t n_vms;

    /* Test hook (ecp-rdma/test-check-quiesced): while a vm port that the
     * uplink exports reconfigures, the main thread sets 'watching', and
     * the session thread sets 'intruded' if it delivers to a VM
     * meanwhile. */
    bool watch_request;         /* Under 'ecprdma_mutex'. */
    atomic_bool watching;
    atomic_bool intruded;

    /* The switch may write anything into the rings' headers, so the
     * uplink keeps the indexes it owns to itself: it only ever writes them
     * there. */
    struct frame_ring ingress;
    uint64_t ingress_cons;      /* Session thread. */
    struct frame_ring egress;
    struct ovs_spin egress_lock;    /* Guards the next three. */
    uint64_t egress_prod OVS_GUARDED;
    uint64_t egress_cons OVS_GUARDED;   /* Last good one. */
    bool egress_bad OVS_GUARDED;
    atomic_bool rings_bad;      /* The switch wrote a bad index. */
    int own_vsi;                /* Handle of the uplink's own VSI. */

    atomic_uint64_t ring_errors;    /* Bad indexes from the peer. */
    atomic_uint64_t unknown_tag;    /* Ingress records for no VM. */
};

/* What a switch knows of one VSI, published by the thread that drives the
 * session for the main thread. */
struct switch_vsi_info {
    bool up;
    bool vm;                    /* A VM's, not the uplink's own. */
    uint8_t vsiid[VDP_VSIID_LEN];
    uint8_t mac[6];
    uint16_t vlan_tci;
    uint32_t qpn;               /* The server's. */
    char iface_id[VDP_NAME_MAX + 1];    /* As the server told it, or "". */
    char vm_id[VDP_NAME_MAX + 1];       /* The same. */
};

/* Role "switch" (netdev-ecprdma-switch.c). */
struct switch_port {
    uint32_t max_xfer;          /* Longest READ or WRITE of a VSI. */
    struct remote_vsi *rvs[ROE_SESSION_MAX_VSIS];   /* Session thread. */
    struct remote_vsi *old_uplink;  /* The server uplink's previous
                                     * association, for its ingress
                                     * records. */
    struct packet_sink rx_sink; /* The server's egress, for rxq 0. */
    bool has_rx_sink;
    struct ovs_spin ingress_lock;
    struct frame_ring *ingress_mirror;      /* Under 'ingress_lock'. */

    struct ovs_mutex info_mutex;
    struct switch_vsi_info info[ROE_SESSION_MAX_VSIS];  /* 'info_mutex'. */
    bool info_dirty;            /* Session thread: 'info' needs updating. */
    struct switch_vsi_info info_local[ROE_SESSION_MAX_VSIS];
    struct seq *info_seq;       /* Changes with 'info'. */
    uint64_t info_seq_seen;     /* Main thread. */
    OVSRCU_TYPE(struct vsi_sink *) sinks[ROE_SESSION_MAX_VSIS];

    atomic_uint64_t stale_ring;     /* Held for a server ring that the
                                     * server replaced. */
    atomic_uint64_t vm_unacked; /* Frames read from VM rings whose tail
                                 * WRITE was not acknowledged when the
                                 * association ended. */

    /* Session thread: when to run the session next (see
     * switch_port_next_run()). */
    long long next_run;
    int idle_us;
    long long quiet_us;
    long long quiet_until;      /* While the session is idle, its next
                                 * timer or ring poll; else LLONG_MIN. */
    uint64_t frames_seen;       /* roe_session_frames() after that run. */
    atomic_bool kick;           /* Run at the next poll: a vsi port
                                 * appended to the ingress mirror, or the
                                 * main thread bound a vsi port. */
    bool rx_sink_pending;       /* The last receive may have left frames
                                 * in 'rx_sink'. */
    struct sleep_waker waker;   /* Kicked with 'kick'. */
};

/* Where a switch puts the frames that it reads from one VM: the sink of
 * the "vsi" port bound to the VM's VSI.
 *
 * 'tag' is what the port tags the frames that it sends with.  It outlives
 * the association: while the VSI's association is down or being replaced,
 * the port goes on appending frames for the VM to the server's ingress
 * mirror, which the session's next association writes, and the server
 * knows the VM by the tag of its previous association too. */
struct vsi_sink {
    struct packet_sink packets;
    atomic_uint32_t tag;        /* Server's QP number of the VSI's last
                                 * association, 0 if never bound. */
    atomic_bool bound;          /* The VSI is associated now. */

    /* Parking (see netdev-ecprdma-vsi.c). */
    atomic_bool parked;         /* Written by the main thread. */
    atomic_bool wake;           /* Set by the switch's thread. */
    atomic_llong last_rx;       /* time_msec() of the last frames that the
                                 * port's receive queue took. */
    struct sleep_waker waker;   /* Kicked by the switch's thread when it
                                 * delivers. */
};

/* Role "vsi" (netdev-ecprdma-vsi.c). */
struct vsi_port {
    struct vsi_sink *sink;
    struct netdev_ecprdma *switch_dev;      /* With a reference. */
    int runs_to_bind;           /* Runs of the class before the switch may
                                 * read the VSI's VM for the port (see
                                 * vsi_port_run()). */
    long long next_park_check;  /* time_msec(). */
    uint64_t rx_parks;          /* The receive queue parked... */
    uint64_t rx_wakeups;        /* ...and woken up. */
    uint64_t rx_sleeps;         /* PMD thread sleeps that the switch's
                                 * thread could end... */
    uint64_t rx_sleep_wakeups;  /* ...and those that it did. */
};

/* An ecp-rdma port (netdev-ecprdma.c). */
struct netdev_ecprdma {
    struct netdev up;

    /* In 'ecprdma_list'. */
    struct ovs_list list_node OVS_GUARDED_BY(ecprdma_mutex);

    /* Configuration, guarded by 'ecprdma_mutex'.  'requested' is what
     * set_config() accepted, 'options' what reconfigure() applied. */
    struct port_options requested;
    struct port_options options;
    bool configured;            /* True once reconfigure() applied it. */
    int requested_n_txq;

    struct ovs_mutex mutex;
    struct eth_addr hwaddr OVS_GUARDED;
    int mtu OVS_GUARDED;
    enum netdev_flags flags OVS_GUARDED;

    atomic_bool status_changed; /* See netdev_ecprdma_status_changed(). */

    /* Each role's state.  A port's role may change: what its previous
     * role needed goes in reconfigure(). */
    struct vm_port vm;
    struct session_port session;
    struct uplink_port uplink;
    struct switch_port sw;
    struct vsi_port vsi;

    /* Counters updated on the fast path. */
    atomic_uint64_t rx_packets;
    atomic_uint64_t rx_bytes;
    atomic_uint64_t tx_packets;
    atomic_uint64_t tx_bytes;
    atomic_uint64_t tx_dropped;
    atomic_uint64_t tx_unbound;     /* Roles "switch", "vsi": no ring yet. */
    atomic_uint64_t tx_ring_full;   /* Roles "switch", "vsi": ring full. */
    atomic_uint64_t rx_errors;
    atomic_uint64_t rx_dropped; /* ECP frames from a (remote) VM. */
    atomic_uint64_t rx_reused;  /* Received into recycled packets. */
};

struct netdev_rxq_ecprdma {
    struct netdev_rxq up;
    uint32_t switching;         /* Role "vm": the 'switching' of the port
                                 * that this queue saw last. */
    int sleep_epfd;             /* Roles "vm" and "switch": what wakes up
                                 * the PMD thread while it sleeps, or -1. */
    int sleep_timerfd;          /* Role "switch": its next run, or -1. */
    bool sleep_failed;          /* 'sleep_epfd' could not be set up. */
};

static inline struct netdev_rxq_ecprdma *
netdev_rxq_ecprdma_cast(const struct netdev_rxq *rx)
{
    return CONTAINER_OF(rx, struct netdev_rxq_ecprdma, up);
}

/* Counters for Interface:statistics, besides the standard ones. */
struct custom_stats {
    struct netdev_custom_counter *counters;
    size_t n, allocated;
};

void custom_stat(struct custom_stats *, const char *name, uint64_t value);

/* The common port, continued. */

/* Every ecp-rdma netdev, in order of creation. */
extern struct ovs_list ecprdma_list OVS_GUARDED_BY(ecprdma_mutex);

struct netdev_ecprdma *netdev_ecprdma_cast(const struct netdev *);
struct netdev_ecprdma *netdev_ecprdma_find(const char *name)
    OVS_REQUIRES(ecprdma_mutex);
void netdev_ecprdma_status_changed(struct netdev_ecprdma *);
void netdev_ecprdma_make_vsiid(const char *name, const char *what,
                               uint8_t id[VDP_VSIID_LEN]);
struct eth_addr netdev_ecprdma_get_hwaddr(const struct netdev_ecprdma *);
int netdev_ecprdma_set_etheraddr(struct netdev *, const struct eth_addr);

/* References to netdev_close() once 'ecprdma_mutex' is released. */
struct closing {
    struct netdev *netdevs[2 * ROE_SESSION_MAX_VSIS + 1];
    size_t n;
};

static inline void
closing_add(struct closing *c, struct netdev_ecprdma *dev)
{
    c->netdevs[c->n++] = &dev->up;
}

bool closing_has(const struct closing *, const struct netdev_ecprdma *);

void netdev_ecprdma_get_config__(const struct netdev_ecprdma *,
                                 struct smap *)
    OVS_REQUIRES(ecprdma_mutex);

/* What ports report (netdev-ecprdma-status.c). */
int netdev_ecprdma_get_stats(const struct netdev *, struct netdev_stats *)
    OVS_EXCLUDED(ecprdma_mutex);
int netdev_ecprdma_get_custom_stats(const struct netdev *,
                                    struct netdev_custom_stats *);
int netdev_ecprdma_get_status(const struct netdev *, struct smap *);
void netdev_ecprdma_register_show(void);

/* Role "vm". */
void vm_port_init(struct netdev_ecprdma *);
void vm_port_destroy(struct netdev_ecprdma *) OVS_REQUIRES(ecprdma_mutex);
char *vm_port_socket_path(const char *name, const struct port_options *);
void vm_port_detach(struct netdev_ecprdma *, const struct port_options *new)
    OVS_REQUIRES(ecprdma_mutex);
void vm_port_reconfigure(struct netdev_ecprdma *, struct closing *)
    OVS_REQUIRES(ecprdma_mutex);
int vm_port_send(struct netdev_ecprdma *, int qid,
                 struct dp_packet_batch *);
int vm_port_rxq_recv(struct netdev_rxq *, struct dp_packet_batch *,
                     int *qfill);
void vm_port_get_custom_stats(const struct netdev_ecprdma *,
                              struct custom_stats *)
    OVS_REQUIRES(ecprdma_mutex);
void vm_port_get_status(const struct netdev_ecprdma *, struct smap *)
    OVS_REQUIRES(ecprdma_mutex);
void vm_port_show(struct ds *, const struct netdev_ecprdma *);
bool vm_port_run(struct netdev_ecprdma *) OVS_REQUIRES(ecprdma_mutex);
void vm_port_wait(const struct netdev_ecprdma *) OVS_REQUIRES(ecprdma_mutex);

/* What the uplink needs of a vm port that it exports. */
char *vm_port_vsi_spec(const struct netdev_ecprdma *,
                       const struct memif_connection *,
                       struct roe_vsi_spec *);
uint32_t vm_port_set_remote(struct netdev_ecprdma *, bool associated);
bool vm_port_rxqs_saw(const struct netdev_ecprdma *, uint32_t switching,
                      int n_rings);
void vm_port_count_switch_rx(struct netdev_ecprdma *, uint64_t slots);
int vm_port_tx_burst(struct netdev_ecprdma *, struct memif_connection *,
                     struct memif_tx_pkt *, int n);
void vm_port_kick(struct netdev_ecprdma *, struct memif_connection *);
bool vm_port_rxq_enabled(const struct netdev_ecprdma *, int qid);
bool vm_port_park_run(struct netdev_ecprdma *) OVS_REQUIRES(ecprdma_mutex);
void vm_port_park_wait(const struct netdev_ecprdma *)
    OVS_REQUIRES(ecprdma_mutex);
void vm_port_park_start(struct netdev_ecprdma *);
void vm_port_park_stop(struct netdev_ecprdma *);
uint16_t vm_ring_want_kicks(struct netdev_ecprdma *, int ring,
                            unsigned int who, bool want);

/* A sleeping PMD thread woken up by a port's input
 * (netdev-ecprdma-sleep.c). */
int netdev_ecprdma_rxq_sleep_prepare(struct netdev_rxq *, int *fd);
void netdev_ecprdma_rxq_sleep_end(struct netdev_rxq *);
void rxq_sleep_destroy(struct netdev_rxq_ecprdma *);

/* Roles "uplink" and "switch": the session. */
void session_port_init(struct netdev_ecprdma *);
void session_port_destroy(struct netdev_ecprdma *, struct closing *)
    OVS_REQUIRES(ecprdma_mutex);
bool session_port_options_differ(const struct port_options *,
                                 const struct port_options *);
void session_port_create(struct netdev_ecprdma *);
void session_port_run(struct netdev_ecprdma *, long long now);
int session_port_poll_link(struct netdev_ecprdma *, long long now);
void session_port_get_custom_stats(const struct netdev_ecprdma *,
                                   struct custom_stats *);
void session_port_get_status(struct netdev_ecprdma *, struct smap *)
    OVS_REQUIRES(ecprdma_mutex);
void session_port_show(struct ds *, const struct netdev_ecprdma *);
void session_port_register_commands(void);

/* Role "uplink". */
void uplink_port_init(struct netdev_ecprdma *);
void uplink_port_destroy(struct netdev_ecprdma *);
char *uplink_port_start(struct netdev_ecprdma *);
void uplink_port_stop(struct netdev_ecprdma *, struct closing *)
    OVS_REQUIRES(ecprdma_mutex);
void uplink_port_reconcile(struct netdev_ecprdma *, struct closing *)
    OVS_REQUIRES(ecprdma_mutex);
bool uplink_vm_changed(struct netdev_ecprdma *vm, struct closing *)
    OVS_REQUIRES(ecprdma_mutex);
struct netdev_ecprdma *uplink_exporting(const struct netdev_ecprdma *vm)
    OVS_REQUIRES(ecprdma_mutex);
void uplink_check_quiesced(struct netdev_ecprdma *,
                           const struct netdev_ecprdma *vm)
    OVS_REQUIRES(ecprdma_mutex);
int uplink_port_send(struct netdev_ecprdma *, struct dp_packet_batch *,
                     uint64_t *bytes);
void uplink_port_recv(struct netdev_ecprdma *, struct dp_packet_batch *);
void uplink_port_get_custom_stats(const struct netdev_ecprdma *,
                                  struct custom_stats *);
void uplink_port_show(struct ds *, const struct netdev_ecprdma *);
void uplink_port_run(struct netdev_ecprdma *) OVS_REQUIRES(ecprdma_mutex);
void uplink_port_register_commands(void);

/* Role "switch". */
void switch_port_init(struct netdev_ecprdma *);
void switch_port_destroy(struct netdev_ecprdma *);
void switch_port_start(struct netdev_ecprdma *);
void switch_port_stop(struct netdev_ecprdma *);
void switch_port_bind(struct netdev_ecprdma *, bool force)
    OVS_REQUIRES(ecprdma_mutex);
int switch_port_push(struct netdev_ecprdma *, uint32_t tag,
                     struct dp_packet_batch *, uint64_t *bytes,
                     bool *has_ring);
void switch_port_recv(struct netdev_ecprdma *, struct dp_packet_batch *);
struct packet_sink *switch_port_sink(struct netdev_ecprdma *);
void switch_port_get_custom_stats(const struct netdev_ecprdma *,
                                  struct custom_stats *);
void switch_port_get_status(struct netdev_ecprdma *, struct smap *)
    OVS_REQUIRES(ecprdma_mutex);
void switch_port_show(struct ds *, const struct netdev_ecprdma *);
void switch_port_wait(const struct netdev_ecprdma *);

/* Role "vsi". */
void vsi_port_destroy(struct netdev_ecprdma *, struct closing *)
    OVS_REQUIRES(ecprdma_mutex);
void vsi_port_unbind(struct netdev_ecprdma *) OVS_REQUIRES(ecprdma_mutex);
void vsi_port_detach(struct netdev_ecprdma *, const struct port_options *new,
                     struct closing *, bool *rebind)
    OVS_REQUIRES(ecprdma_mutex);
void vsi_port_reconfigure(struct netdev_ecprdma *, bool rebind)
    OVS_REQUIRES(ecprdma_mutex);
int vsi_port_send(struct netdev_ecprdma *, struct dp_packet_batch *,
                  uint64_t *bytes, bool *has_ring);
void vsi_port_recv(struct netdev_ecprdma *, struct dp_packet_batch *);
void vsi_port_get_status(const struct netdev_ecprdma *, struct smap *);
void vsi_port_run(struct netdev_ecprdma *) OVS_REQUIRES(ecprdma_mutex);
void vsi_port_wait(const struct netdev_ecprdma *)
    OVS_REQUIRES(ecprdma_mutex);
void vsi_ports_poll_wake(void);
bool vsi_port_rxq_enabled(const struct netdev_ecprdma *);
void vsi_sink_check_wake(struct vsi_sink *);
void vsi_port_get_custom_stats(const struct netdev_ecprdma *,
                               struct custom_stats *)
    OVS_REQUIRES(ecprdma_mutex);

#endif /* netdev-ecprdma-private.h */
