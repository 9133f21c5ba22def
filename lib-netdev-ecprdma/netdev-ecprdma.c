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

/* The netdev class "ecp-rdma".
 *
 * One class serves every role: "vm" (a VM's memif port on a
 * server), "uplink" (the server's ECP endpoint), "switch" (the access
 * switch's end of a server link) and "vsi" (one remote VM on the switch).
 * The role and its options come from the Interface table's "options" column
 * and are validated by the engine's port-options module.
 *
 * Configuration follows the usual pattern: set_config() validates and stores
 * the requested configuration and asks for a reconfiguration, which the
 * datapath performs with the port quiesced by calling reconfigure().
 *
 * Role "vm" serves a memif socket (memif-server.c).  Its control channel
 * runs in the main thread, from the class's run() callback; when a client
 * connects or goes away, the port asks for a reconfiguration, and
 * reconfigure(), with the datapath quiesced, attaches the client's rings to
 * the port's queues or detaches them before the client's memory is
 * unmapped.  rxq N receives from the client's C2S ring N; send() transmits
 * into the S2C rings.
 *
 * Roles "uplink" and "switch" each run a RoE session (roe-session.h) on
 * their link.  The session is driven by the thread that polls the port's
 * only rxq; reconfigure() changes it only with that rxq quiesced.
 *
 * An uplink exports each "vm" port that names it and whose client is
 * connected (unless switching=local) as a VSI: the client's regions
 * READ-only, each C2S ring's tail writable.  It also exports a VSI of its
 * own with an ingress ring, which the switch fills and whose frames go
 * into a VM's S2C ring (a record tagged with the VM's QP number) or into
 * the bridge (untagged), and an egress ring, which takes what the bridge
 * sends to the uplink and which the switch reads.  While a VM's VSI is
 * associated (switching=auto) or always (switching=remote), the vm port
 * does not receive from its C2S rings: the switch does.  A vm port whose
 * VSI set changes asks for the uplink's reconfiguration too, so that both
 * are quiesced when regions come and go.
 *
 * A switch learns the server's VSIs.  It reads each VM's ring into the
 * frame ring of the "vsi" port bound to that VSI (by VSI ID, bound in the
 * main thread; the pointer is RCU-protected), reads the egress ring into
 * its own receive ring, and writes what it and its vsi ports send into
 * the ingress ring. */

#include <config.h>
#include "netdev-ecprdma.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "dirs.h"
#include "ecp.h"
#include "frame-ring.h"
#include "hash.h"
#include "link.h"
#include "memif-server.h"
#include "remote-vsi.h"
#include "roe-qp.h"
#include "roe-session.h"
#include "vdp.h"
#include "dp-packet.h"
#include "dpif-netdev.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "port-options.h"
#include "ptr-queue.h"
#include "seq.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_ecprdma);

/* Protects 'ecprdma_list' and the options of every ecp-rdma netdev.  Taken
 * only by the main thread (configuration, status, ovs-appctl), never on the
 * fast path. */
static struct ovs_mutex ecprdma_mutex = OVS_MUTEX_INITIALIZER;

/* Every ecp-rdma netdev, in order of creation. */
static struct ovs_list ecprdma_list OVS_GUARDED_BY(ecprdma_mutex)
    = OVS_LIST_INITIALIZER(&ecprdma_list);

/* References that destruct() dropped.  It runs with the netdev library's
 * mutex held and so cannot netdev_close(): run() does. */
static struct netdev **deferred_closes OVS_GUARDED_BY(ecprdma_mutex);
static size_t n_deferred_closes OVS_GUARDED_BY(ecprdma_mutex);

/* Changes when a data-path thread changed a port's Interface:status.  Only
 * the main thread calls netdev_change_seq_changed(): from another thread,
 * it may bump the connectivity seq before the port's change seq, and the
 * bridge would then miss the change. */
static struct seq *status_seq;
static uint64_t status_seq_seen;

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

static void packet_sink_init(struct packet_sink *);
static void packet_sink_destroy(struct packet_sink *);
static void packet_sink_run(struct packet_sink *, struct remote_vsi *,
                            long long now);

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
};

enum { UPLINK_RING_SIZE = 1 << 23 };

/* What a switch knows of one VSI, published by the thread that drives the
 * session for the main thread. */
struct switch_vsi_info {
    bool up;
    bool vm;                    /* A VM's, not the uplink's own. */
    uint8_t vsiid[VDP_VSIID_LEN];
    uint8_t mac[6];
    uint16_t vlan_tci;
    uint32_t qpn;               /* The server's. */
};

/* A "vm" port that an uplink exports. */
struct uplink_vm {
    struct netdev_ecprdma *vm;
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

struct netdev_ecprdma {
    struct netdev up;

    /* In 'ecprdma_list'. */
    struct ovs_list list_node OVS_GUARDED_BY(ecprdma_mutex);

    /* Configuration, guarded by 'ecprdma_mutex'.  'requested' is what
     * set_config() accepted, 'options' what reconfigure() applied. */
    struct port_options requested;
    struct port_options options;
    bool configured;            /* True once reconfigure() applied it. */
    char *socket_path;          /* Effective memif socket (role "vm"). */
    int requested_n_txq;

    /* Role "vm": the memif server, guarded by 'ecprdma_mutex', and the
     * connection that the data path uses, which changes only in
     * reconfigure(). */
    struct memif_server *memif;
    char *memif_path;           /* Socket of 'memif' (or of the failure). */
    char *memif_error;          /* Why 'memif' could not be created. */
    struct memif_connection *conn;
    struct ovs_spin *s2c_locks; /* One per S2C ring of 'conn'. */

    struct ovs_mutex mutex;
    struct eth_addr hwaddr OVS_GUARDED;
    int mtu OVS_GUARDED;
    enum netdev_flags flags OVS_GUARDED;

    /* Role "vm": who receives from the C2S rings.  'switching' counts
     * the changes of hands: even, the vm port; odd, the switch.  rxq N
     * stores in 'rxq_switching[N]' each odd value that it sees, at the
     * start of a receive call that then leaves the ring alone: from then
     * on it does not touch the ring until 'switching' changes, and the
     * uplink lets the switch access the ring (see uplink_release()). */
    atomic_uint32_t switching;
    atomic_uint32_t rxq_switching[VDP_MAX_RINGS];
    atomic_bool status_changed; /* See 'status_seq'. */
    char *uplink_error;         /* Why the uplink does not export it. */

    /* Roles "uplink" and "switch": the session, driven by the thread that
     * polls rxq 0. */
    struct link *link;
    struct roe_session *session;
    char *session_error;
    struct ovs_spin faults_lock;
    struct link_faults faults;  /* For the link, under 'faults_lock'. */
    atomic_bool faults_changed;

    /* Role "uplink": the session thread holds 'vms_mutex' while it runs,
     * taking it with a trylock (it skips a poll rather than wait).  The
     * main thread holds it while it changes 'vms' or a VM connection that
     * 'vms' names, because the uplink's rxq is not quiesced when a vm port
     * reconfigures. */
    struct ovs_mutex vms_mutex;

    /* Role "uplink", test hook (ecp-rdma/test-check-quiesced): while a vm
     * port that the uplink exports reconfigures, the main thread sets
     * 'watching', and the session thread sets 'intruded' if it delivers to
     * a VM meanwhile. */
    bool watch_request;         /* Under 'ecprdma_mutex'. */
    atomic_bool watching;
    atomic_bool intruded;

    /* Role "uplink".  The switch may write anything into the rings'
     * headers, so the uplink keeps the indexes it owns to itself: it only
     * ever writes them there. */
    struct frame_ring ingress;
    uint64_t ingress_cons;      /* Session thread. */
    struct frame_ring egress;
    struct ovs_spin egress_lock;    /* Guards the next three. */
    uint64_t egress_prod OVS_GUARDED;
    uint64_t egress_cons OVS_GUARDED;   /* Last good one. */
    bool egress_bad OVS_GUARDED;
    atomic_bool rings_bad;      /* The switch wrote a bad index. */
    int own_vsi;                /* Handle of the uplink's own VSI. */
    struct uplink_vm vms[ROE_SESSION_MAX_VSIS];     /* See 'vms_mutex'. */
    size_t n_vms;

    /* Role "switch". */
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

    /* Role "vsi". */
    struct vsi_sink *sink;
    struct netdev_ecprdma *session_dev;     /* With a reference. */

    /* Counters updated on the fast path. */
    atomic_uint64_t rx_packets;
    atomic_uint64_t rx_bytes;
    atomic_uint64_t tx_packets;
    atomic_uint64_t tx_bytes;
    atomic_uint64_t tx_dropped;
    atomic_uint64_t tx_unbound;     /* Roles "switch", "vsi": no ring yet. */
    atomic_uint64_t switch_rx_slots;    /* Role "vm": C2S slots that the
                                         * switch consumed. */
    atomic_uint64_t stale_ring;     /* Role "switch": held for a server
                                     * ring that the server replaced. */
    atomic_uint64_t tx_ring_full;   /* Roles "switch", "vsi": ring full. */
    atomic_uint64_t rx_errors;
    atomic_uint64_t rx_dropped; /* ECP frames from a (remote) VM. */
    atomic_uint64_t rx_reused;  /* Received into recycled packets. */
    atomic_uint64_t ring_errors;    /* Bad indexes from the peer. */
    atomic_uint64_t unknown_tag;    /* Ingress records for no VM. */
    atomic_uint64_t vm_unacked; /* Role "switch": frames read from VM
                                 * rings whose tail WRITE was not
                                 * acknowledged when the association
                                 * ended. */
    uint64_t lapses_seen;           /* Session thread. */
    uint64_t refusals_seen;         /* Session thread. */
};

struct netdev_rxq_ecprdma {
    struct netdev_rxq up;
    uint32_t switching;         /* Role "vm": the 'switching' of the port
                                 * that this queue saw last. */
};

static const struct netdev_class netdev_ecprdma_class;

static bool
is_ecprdma_class(const struct netdev_class *class)
{
    return class == &netdev_ecprdma_class;
}

static struct netdev_ecprdma *
netdev_ecprdma_cast(const struct netdev *netdev)
{
    ovs_assert(is_ecprdma_class(netdev_get_class(netdev)));
    return CONTAINER_OF(netdev, struct netdev_ecprdma, up);
}

static struct netdev_rxq_ecprdma *
netdev_rxq_ecprdma_cast(const struct netdev_rxq *rx)
{
    return CONTAINER_OF(rx, struct netdev_rxq_ecprdma, up);
}

static struct netdev_ecprdma *
netdev_ecprdma_find(const char *name)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;

    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        if (!strcmp(netdev_get_name(&dev->up), name)) {
            return dev;
        }
    }
    return NULL;
}

/* Returns the memif socket path that a "vm" port named 'name' with options
 * 'po' listens on, as a malloc()'d string. */
static char *
vm_socket_path(const char *name, const struct port_options *po)
{
    return po->socket ? xstrdup(po->socket)
                      : xasprintf("%s/ecp-rdma/%s.sock", ovs_rundir(), name);
}

/* Returns the name of the ecp-rdma netdev other than 'self' whose effective
 * memif socket or link socket is 'path', or NULL. */
static const char *
find_socket_user(const struct netdev_ecprdma *self, const char *path)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;

    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        const struct port_options *po = &dev->requested;

        if (dev == self) {
            continue;
        }
        if ((dev->socket_path && !strcmp(dev->socket_path, path))
            || ((po->link_type == PORT_LINK_UNIX
                 || po->link_type == PORT_LINK_PUNIX)
                && !strcmp(po->link_target, path))) {
            return netdev_get_name(&dev->up);
        }
    }
    return NULL;
}

static struct netdev *
netdev_ecprdma_alloc(void)
{
    struct netdev_ecprdma *dev = xzalloc(sizeof *dev);

    return &dev->up;
}

static int
netdev_ecprdma_construct(struct netdev *netdev)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_init(&dev->mutex);
    port_options_init(&dev->requested);
    port_options_init(&dev->options);
    eth_addr_random(&dev->hwaddr);
    dev->mtu = ETH_PAYLOAD_MAX;
    dev->flags = 0;
    dev->requested_n_txq = 1;
    atomic_init(&dev->rx_packets, 0);
    atomic_init(&dev->rx_bytes, 0);
    atomic_init(&dev->tx_packets, 0);
    atomic_init(&dev->tx_bytes, 0);
    atomic_init(&dev->tx_dropped, 0);
    atomic_init(&dev->tx_unbound, 0);
    atomic_init(&dev->switch_rx_slots, 0);
    atomic_init(&dev->stale_ring, 0);
    atomic_init(&dev->tx_ring_full, 0);
    atomic_init(&dev->rx_errors, 0);
    atomic_init(&dev->rx_dropped, 0);
    atomic_init(&dev->rx_reused, 0);
    atomic_init(&dev->ring_errors, 0);
    atomic_init(&dev->unknown_tag, 0);
    atomic_init(&dev->vm_unacked, 0);
    atomic_init(&dev->rings_bad, false);
    atomic_init(&dev->switching, 0);
    for (int i = 0; i < VDP_MAX_RINGS; i++) {
        atomic_init(&dev->rxq_switching[i], 0);
    }
    atomic_init(&dev->status_changed, false);
    ovs_spin_init(&dev->egress_lock);
    ovs_spin_init(&dev->ingress_lock);
    ovs_spin_init(&dev->faults_lock);
    atomic_init(&dev->faults_changed, false);
    ovs_mutex_init(&dev->info_mutex);
    ovs_mutex_init(&dev->vms_mutex);
    atomic_init(&dev->watching, false);
    atomic_init(&dev->intruded, false);
    dev->info_seq = seq_create();
    dev->own_vsi = -1;
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        ovsrcu_init(&dev->sinks[i], NULL);
    }

    /* No I/O until the first reconfigure() applies the configuration. */
    netdev->n_rxq = 0;
    netdev->n_txq = 0;

    ovs_mutex_lock(&ecprdma_mutex);
    dev->socket_path = vm_socket_path(netdev_get_name(netdev),
                                      &dev->requested);
    ovs_list_push_back(&ecprdma_list, &dev->list_node);
    ovs_mutex_unlock(&ecprdma_mutex);

    netdev_request_reconfigure(netdev);
    return 0;
}

/* Stops using the memif connection in the data path, which must be
 * quiesced, and lets the server release it if it went down. */
static void
detach_memif(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    if (dev->conn) {
        for (int i = 0; i < dev->conn->n_s2c; i++) {
            ovs_spin_destroy(&dev->s2c_locks[i]);
        }
        free(dev->s2c_locks);
        dev->s2c_locks = NULL;
        dev->conn = NULL;
    }
    if (dev->memif) {
        memif_server_detach(dev->memif);
    }
}

/* Returns true if 'a' and 'b' need different memif servers. */
static bool
memif_options_differ(const struct port_options *a,
                     const struct port_options *b)
{
    return a->role != b->role
           || a->id != b->id
           || a->ring_size != b->ring_size
           || a->n_rxq != b->n_rxq
           || strcmp(a->secret ? a->secret : "", b->secret ? b->secret : "");
}

/* Creates the memif server of a "vm" port according to its options. */
static void
create_memif(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const struct port_options *po = &dev->options;
    struct memif_limits limits = {
        .id = po->id,
        .secret = po->secret,
        .max_regions = 16,
        .max_queues = po->n_rxq,
        .max_log2_ring_size = __builtin_ctz(po->ring_size),
        .max_region_size = UINT64_C(1) << 36,
    };
    char *error = NULL;

    free(dev->memif_error);
    dev->memif_error = NULL;
    if (memif_server_create(dev->socket_path, &limits,
                            netdev_get_name(&dev->up), &dev->memif,
                            &error)) {
        VLOG_WARN_RL(&rl, "%s: %s", netdev_get_name(&dev->up), error);
        dev->memif_error = error;
    }
}

/* Asks for the reconfiguration of 'dev' and, if it is a "vm" port with an
 * uplink, of the uplink too, so that both are quiesced together when the
 * VM's exported memory changes. */
static void
request_reconfigure(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    netdev_request_reconfigure(&dev->up);
    if (dev->requested.role == PORT_ROLE_VM && dev->requested.uplink) {
        struct netdev_ecprdma *uplink
            = netdev_ecprdma_find(dev->requested.uplink);

        if (uplink) {
            netdev_request_reconfigure(&uplink->up);
        }
    }
    if (dev->options.role == PORT_ROLE_VM && dev->options.uplink
        && !nullable_string_is_equal(dev->options.uplink,
                                     dev->requested.uplink)) {
        struct netdev_ecprdma *uplink
            = netdev_ecprdma_find(dev->options.uplink);

        if (uplink) {
            netdev_request_reconfigure(&uplink->up);
        }
    }
}

/* A VSI ID for 'what' of the port named 'name', the same every time. */
static void
make_vsiid(const char *name, const char *what, uint8_t id[VDP_VSIID_LEN])
{
    uint32_t basis = hash_string(what, 0);

    for (int i = 0; i < VDP_VSIID_LEN / 4; i++) {
        uint32_t h = hash_string(name, basis + i);

        memcpy(id + 4 * i, &h, 4);
    }
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
}

#define REGION_IOVA(I) ((uint64_t) ((I) + 1) << 40)

/* Describes the client memory and C2S rings of 'conn' as a VSI. */
static char *
vm_vsi_spec(const struct netdev_ecprdma *vm,
            const struct memif_connection *conn, struct roe_vsi_spec *spec)
{
    size_t n_rings = MIN(conn->n_c2s, VDP_MAX_RINGS);
    struct eth_addr mac;

    if (conn->n_regions + n_rings > VDP_MAX_MRS) {
        return xasprintf("the client has %d regions, at most %d can be "
                         "exported", conn->n_regions,
                         (int) (VDP_MAX_MRS - n_rings));
    }
    memset(spec, 0, sizeof *spec);
    make_vsiid(netdev_get_name(&vm->up), vm->socket_path, spec->vsiid);
    ovs_mutex_lock(&vm->mutex);
    mac = vm->hwaddr;
    ovs_mutex_unlock(&vm->mutex);
    memcpy(spec->mac, mac.ea, ETH_ADDR_LEN);
    for (int i = 0; i < conn->n_regions; i++) {
        spec->regions[i] = (struct roe_region) {
            .addr = conn->regions[i].addr,
            .iova = REGION_IOVA(i),
            .length = conn->regions[i].size,
            .access = VDP_MR_REMOTE_READ,
        };
    }
    spec->n_regions = conn->n_regions;
    for (size_t q = 0; q < n_rings; q++) {
        struct memif_ring *ring = conn->c2s[q].ring;
        size_t tail_mr = spec->n_regions++;
        uint64_t ring_bytes = memif_ring_bytes(__builtin_ctz(
                                                   conn->c2s[q].size));
        int k;

        for (k = 0; k < conn->n_regions; k++) {
            const struct memif_region *r = &conn->regions[k];
            uintptr_t ofs = (uintptr_t) ring - (uintptr_t) r->addr;

            if ((uintptr_t) ring >= (uintptr_t) r->addr
                && ofs <= r->size && ring_bytes <= r->size - ofs) {
                spec->rings[q] = (struct vdp_ring) {
                    .id = q,
                    .kind = VDP_RING_VM_TX,
                    .log2_entry_size = 4,
                    .log2_entries = __builtin_ctz(conn->c2s[q].size),
                    .base_iova = REGION_IOVA(k) + ofs
                                 + offsetof(struct memif_ring, desc),
                    .producer_iova = REGION_IOVA(k) + ofs
                                     + offsetof(struct memif_ring, head),
                    .consumer_iova = REGION_IOVA(tail_mr),
                };
                spec->ring_region[q] = k;
                break;
            }
        }
        if (k == conn->n_regions) {
            return xasprintf("C2S ring %"PRIuSIZE" is outside the regions",
                             q);
        }
        spec->regions[tail_mr] = (struct roe_region) {
            .addr = &ring->tail,
            .iova = REGION_IOVA(tail_mr),
            .length = sizeof ring->tail,
            .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
        };
    }
    spec->n_rings = n_rings;
    /* The vm port's receive queues consume the rings until they have seen
     * the association: see uplink_release(). */
    spec->hold = true;
    return NULL;
}

/* Describes the uplink's own ingress and egress rings as a VSI. */
static void
uplink_vsi_spec(struct netdev_ecprdma *dev, struct roe_vsi_spec *spec)
{
    struct frame_ring *rings[2] = { &dev->ingress, &dev->egress };
    struct eth_addr mac;

    memset(spec, 0, sizeof *spec);
    make_vsiid(netdev_get_name(&dev->up), "uplink", spec->vsiid);
    ovs_mutex_lock(&dev->mutex);
    mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    memcpy(spec->mac, mac.ea, ETH_ADDR_LEN);
    for (int i = 0; i < 2; i++) {
        struct frame_ring *r = rings[i];
        int header = 2 * i, data = 2 * i + 1;

        spec->regions[header] = (struct roe_region) {
            .addr = r->header, .iova = REGION_IOVA(header),
            .length = FRAME_RING_HEADER_SIZE,
            .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
        };
        spec->regions[data] = (struct roe_region) {
            .addr = r->data, .iova = REGION_IOVA(data), .length = r->size,
            .access = i ? VDP_MR_REMOTE_READ : VDP_MR_REMOTE_WRITE,
        };
        spec->rings[i] = (struct vdp_ring) {
            .id = i,
            .kind = i ? VDP_RING_EGRESS : VDP_RING_INGRESS,
            /* Entries of 256 octets: VDP counts at most 2^15. */
            .log2_entry_size = 8,
            .log2_entries = __builtin_ctzll(r->size) - 8,
            .base_iova = REGION_IOVA(data),
            .producer_iova = REGION_IOVA(header) + FRAME_RING_PRODUCER_OFS,
            .consumer_iova = REGION_IOVA(header) + FRAME_RING_CONSUMER_OFS,
        };
        spec->ring_region[i] = data;
    }
    spec->n_regions = 4;
    spec->n_rings = 2;
}

/* Whether the switch, not the vm port, receives from 'vm''s C2S rings. */
static bool
vm_is_remote(struct netdev_ecprdma *vm)
{
    uint32_t switching;

    atomic_read(&vm->switching, &switching);
    return switching & 1;
}

/* Sets whether the switch, not the vm port, receives from 'vm''s C2S
 * rings: always with switching=remote (without a session, nobody does
 * and the frames wait in the rings), while associated with
 * switching=auto.  Returns the port's new 'switching'.
 *
 * Local to remote, the switch may access the rings only once every
 * receive queue has seen the change (uplink_release()).  Remote to local,
 * the caller makes sure first that no access of the switch can land any
 * more (its QP is gone): the receive queues then go on from the tail
 * index in the ring. */
static uint32_t
vm_set_remote(struct netdev_ecprdma *vm, bool associated)
{
    const struct port_options *po = &vm->options;
    bool remote = (po->role == PORT_ROLE_VM && po->uplink
                   && (po->switching == PORT_SWITCHING_REMOTE
                       || (po->switching == PORT_SWITCHING_AUTO
                           && associated)));
    uint32_t old;

    /* The main thread and the uplink's thread may both get here. */
    atomic_read(&vm->switching, &old);
    do {
        if ((old & 1) == remote) {
            return old;
        }
    } while (!atomic_compare_exchange_strong(&vm->switching, &old,
                                             old + 1));
    /* Interface:status changes (a rare event). */
    atomic_store(&vm->status_changed, true);
    seq_change(status_seq);
    return old + 1;
}

/* Adds to the vm port of 'uv' the C2S slots that the switch consumed since
 * the last call, as the moves of the rings' tails show (only the switch
 * moves them while it has the rings), if 'count', and remembers the
 * tails. */
static void
uplink_count_switch_rx(struct uplink_vm *uv, bool count)
{
    int n = MIN(uv->conn->n_c2s, VDP_MAX_RINGS);
    uint64_t slots = 0;

    for (int i = 0; i < n; i++) {
        uint16_t tail = memif_queue_rx_tail(&uv->conn->c2s[i]);

        slots += (uint16_t) (tail - uv->tails[i]);
        uv->tails[i] = tail;
    }
    if (count && slots) {
        uint64_t orig;

        atomic_add_relaxed(&uv->vm->switch_rx_slots, slots, &orig);
    }
}

/* Lets the switch access the rings of the VM of 'uv', whose VSI has just
 * associated, once each of the vm port's receive queues has stored the
 * value of 'switching' that handed the rings to the switch, which proves
 * that it has finished the last receive call that could write a ring's
 * tail. */
static void
uplink_release(struct netdev_ecprdma *dev, struct uplink_vm *uv)
{
    int n = MIN(uv->conn->n_c2s, VDP_MAX_RINGS);

    if (!(uv->switching & 1)) {
        return;                 /* Never while the vm port receives. */
    }
    for (int i = 0; i < n; i++) {
        uint32_t seen;

        atomic_read(&uv->vm->rxq_switching[i], &seen);
        if (seen != uv->switching) {
            return;
        }
    }
    uplink_count_switch_rx(uv, false);
    uv->switch_has_rings = true;
    roe_session_vsi_release(dev->session, uv->handle);
    uv->held = false;
}

/* Stops exporting the VM of 'dev->vms[i]' and appends it to 'closing'
 * (netdev_close() it without 'ecprdma_mutex'). */
static void
uplink_drop_vm(struct netdev_ecprdma *dev, size_t i,
               struct netdev **closing, size_t *n_closing)
{
    struct uplink_vm *uv = &dev->vms[i];

    roe_session_vsi_remove(dev->session, uv->handle);
    vm_set_remote(uv->vm, false);
    closing[(*n_closing)++] = &uv->vm->up;
    dev->vms[i] = dev->vms[--dev->n_vms];
}

/* Destroys switch 'dev''s remote VSI 'rv', counting the frames that it
 * delivered from VM rings and that the server will receive again. */
static void
switch_destroy_rv(struct netdev_ecprdma *dev, struct remote_vsi *rv)
{
    if (rv) {
        uint64_t orig;

        atomic_add_relaxed(&dev->vm_unacked, remote_vsi_vm_unacked(rv),
                           &orig);
        remote_vsi_destroy(rv);
    }
}

/* Stops the session of 'dev' (quiesced) and frees what goes with it. */
static void
session_destroy(struct netdev_ecprdma *dev, struct netdev **closing,
                size_t *n_closing)
{
    while (dev->n_vms) {
        uplink_drop_vm(dev, 0, closing, n_closing);
    }
    ovs_spin_lock(&dev->ingress_lock);
    dev->ingress_mirror = NULL;
    ovs_spin_unlock(&dev->ingress_lock);
    for (int i = 0; i < ROE_SESSION_MAX_VSIS; i++) {
        switch_destroy_rv(dev, dev->rvs[i]);
        dev->rvs[i] = NULL;
    }
    remote_vsi_destroy(dev->old_uplink);
    dev->old_uplink = NULL;
    roe_session_destroy(dev->session);
    dev->session = NULL;
    link_close(dev->link);
    dev->link = NULL;
    dev->own_vsi = -1;
    frame_ring_free(&dev->ingress);
    frame_ring_free(&dev->egress);
    if (dev->has_rx_sink) {
        packet_sink_destroy(&dev->rx_sink);
        dev->has_rx_sink = false;
    }
    ovs_mutex_lock(&dev->info_mutex);
    memset(dev->info, 0, sizeof dev->info);
    ovs_mutex_unlock(&dev->info_mutex);
    memset(dev->info_local, 0, sizeof dev->info_local);
    dev->info_dirty = false;
    seq_change(dev->info_seq);
}

/* Returns true if 'a' and 'b' need different sessions. */
static bool
session_options_differ(const struct port_options *a,
                       const struct port_options *b)
{
    return a->role != b->role
           || a->link_type != b->link_type
           || !nullable_string_is_equal(a->link_target, b->link_target)
           || a->mtu != b->mtu || a->window != b->window
           || a->rte != b->rte || a->max_tries != b->max_tries
           || !nullable_string_is_equal(a->secret, b->secret)
           || a->max_vsis != b->max_vsis || a->max_vsi_mb != b->max_vsi_mb
           || a->max_session_mb != b->max_session_mb
           || a->max_regions != b->max_regions
           || a->max_assoc_rate != b->max_assoc_rate;
}

/* Opens the link and starts the session of an uplink or switch port. */
static void
session_create(struct netdev_ecprdma *dev)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const struct port_options *po = &dev->options;
    struct roe_session_config cfg;
    char *name, *error = NULL;
    int mtu = po->mtu;

    free(dev->session_error);
    dev->session_error = NULL;
    name = xasprintf("%s:%s", port_link_type_to_string(po->link_type),
                     po->link_target);
    /* Without options:mtu, a link on an interface takes the interface's
     * MTU (link_open()'s 0); a unix link has none to take. */
    if (!mtu && (po->link_type == PORT_LINK_UNIX
                 || po->link_type == PORT_LINK_PUNIX)) {
        mtu = PORT_MTU_UNIX_DEFAULT;
    }
    if (link_open(name, mtu, &dev->link, &error)) {
        goto error;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.role = (po->role == PORT_ROLE_UPLINK ? ROE_SESSION_STATION
                                               : ROE_SESSION_BRIDGE);
    cfg.link = dev->link;
    cfg.subtype = ECP_SUBTYPE_ROE_DEFAULT;
    cfg.window = po->window;
    cfg.rte = po->rte;
    cfg.max_tries = po->max_tries + 1;
    cfg.keepalive_us = 1000 * 1000;
    make_vsiid(netdev_get_name(&dev->up), "manager", cfg.manager_id);
    cfg.secret = po->secret;
    cfg.max_vsis = po->max_vsis;
    cfg.max_vsi_bytes = (uint64_t) po->max_vsi_mb << 20;
    cfg.max_session_bytes = (uint64_t) po->max_session_mb << 20;
    cfg.max_regions = po->max_regions;
    cfg.max_assoc_rate = po->max_assoc_rate;
    if (po->role == PORT_ROLE_SWITCH) {
        cfg.vsi_cost = remote_vsi_memory;
    }
    dev->session = roe_session_create(&cfg, &error);
    dev->lapses_seen = 0;
    dev->refusals_seen = 0;
    if (!dev->session) {
        link_close(dev->link);
        dev->link = NULL;
        goto error;
    }
    if (po->role == PORT_ROLE_UPLINK) {
        struct roe_vsi_spec spec;

        frame_ring_alloc(&dev->ingress, UPLINK_RING_SIZE);
        frame_ring_alloc(&dev->egress, UPLINK_RING_SIZE);
        dev->ingress_cons = 0;
        ovs_spin_lock(&dev->egress_lock);
        dev->egress_prod = dev->egress_cons = 0;
        dev->egress_bad = false;
        ovs_spin_unlock(&dev->egress_lock);
        atomic_store_relaxed(&dev->rings_bad, false);
        uplink_vsi_spec(dev, &spec);
        if (roe_session_vsi_add(dev->session, &spec, &dev->own_vsi,
                                &error)) {
            goto error;
        }
    } else {
        /* Whole segments, about 32 KiB, and half the window at most, so
         * that a READ or WRITE never fills it. */
        uint32_t seg = roe_segment_size_for_mtu(link_mtu(dev->link));

        dev->max_xfer = seg * MAX(1, MIN(po->window / 2,
                                         DIV_ROUND_UP(32768, seg)));
        packet_sink_init(&dev->rx_sink);
        dev->has_rx_sink = true;
    }
    free(name);
    return;

error:
    VLOG_WARN_RL(&rl, "%s: %s", netdev_get_name(&dev->up), error);
    dev->session_error = xasprintf("%s: %s", name, error);
    free(error);
    free(name);
}

static bool
netdev_in(const struct netdev *netdev, struct netdev *const *netdevs,
          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (netdevs[i] == netdev) {
            return true;
        }
    }
    return false;
}

/* Exports the vm ports that name uplink 'dev' and have a client, and stops
 * exporting the others. */
static void
uplink_reconcile(struct netdev_ecprdma *dev, struct netdev **closing,
                 size_t *n_closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const char *name = netdev_get_name(&dev->up);
    struct netdev_ecprdma *vm;

    for (size_t i = 0; i < dev->n_vms;) {
        struct uplink_vm *uv = &dev->vms[i];

        vm = uv->vm;
        if (vm->options.role != PORT_ROLE_VM || uv->conn != vm->conn
            || !nullable_string_is_equal(vm->options.uplink, name)
            || vm->options.switching == PORT_SWITCHING_LOCAL
            || vm->up.ref_cnt == 1) {
            uplink_drop_vm(dev, i, closing, n_closing);
        } else {
            i++;
        }
    }
    if (!dev->session) {
        return;
    }
    LIST_FOR_EACH (vm, list_node, &ecprdma_list) {
        struct roe_vsi_spec spec;
        struct uplink_vm *uv;
        char *error, *old_error;
        size_t i;

        if (vm->options.role != PORT_ROLE_VM
            || !nullable_string_is_equal(vm->options.uplink, name)
            || vm->options.switching == PORT_SWITCHING_LOCAL
            || netdev_in(&vm->up, closing, *n_closing)) {
            /* (A port just dropped because OVS closed it stays in the
             * list until 'closing' is closed.) */
            continue;
        }
        for (i = 0; i < dev->n_vms; i++) {
            if (dev->vms[i].vm == vm) {
                break;
            }
        }
        if (i < dev->n_vms || !vm->conn) {
            continue;
        }
        old_error = vm->uplink_error;
        vm->uplink_error = vm_vsi_spec(vm, vm->conn, &spec);
        uv = &dev->vms[dev->n_vms];
        if (!vm->uplink_error
            && roe_session_vsi_add(dev->session, &spec, &uv->handle,
                                   &error)) {
            vm->uplink_error = error;
        }
        if (!nullable_string_is_equal(old_error, vm->uplink_error)) {
            /* Interface:status shows it. */
            netdev_change_seq_changed(&vm->up);
        }
        free(old_error);
        if (vm->uplink_error) {
            VLOG_WARN_RL(&rl, "%s: cannot export %s: %s", name,
                         netdev_get_name(&vm->up), vm->uplink_error);
            continue;
        }
        uv->vm = vm;
        uv->conn = vm->conn;
        uv->held = false;
        uv->qpn = roe_session_vsi_assoc(dev->session,
                                        uv->handle)->roe.qp.qpn;
        uv->prev_qpn = 0;
        uv->switch_has_rings = false;
        netdev_ref(&vm->up);
        dev->n_vms++;
    }
}

/* A "vm" port's client memory changed: an uplink that exports the old
 * memory stops now, while both are quiesced, and the uplink that should
 * export the new memory is asked to, in its next reconfigure().  Returns
 * true if an uplink goes on exporting the same memory. */
static bool
vm_update_uplink(struct netdev_ecprdma *vm, struct netdev **closing,
                 size_t *n_closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;
    bool kept = false;

    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        bool exported = false;

        for (size_t i = 0; i < dev->n_vms; i++) {
            if (dev->vms[i].vm == vm) {
                if (dev->vms[i].conn != vm->conn
                    || !nullable_string_is_equal(vm->options.uplink,
                                                 netdev_get_name(&dev->up))
                    || vm->options.switching == PORT_SWITCHING_LOCAL) {
                    uplink_drop_vm(dev, i, closing, n_closing);
                    netdev_request_reconfigure(&dev->up);
                } else {
                    exported = kept = true;
                }
                break;
            }
        }
        if (!exported && vm->conn && dev->options.role == PORT_ROLE_UPLINK
            && nullable_string_is_equal(vm->options.uplink,
                                        netdev_get_name(&dev->up))
            && vm->options.switching != PORT_SWITCHING_LOCAL) {
            netdev_request_reconfigure(&dev->up);
        }
    }
    return kept;
}

/* Binds the vsi ports of switch 'sw' to the VSIs that its session knows.
 * A port whose VSI is not associated now keeps its tag (see struct
 * vsi_sink). */
static void
switch_bind(struct netdev_ecprdma *sw, bool force)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;
    uint64_t seq;

    seq = seq_read(sw->info_seq);
    if (seq == sw->info_seq_seen && !force) {
        return;
    }
    sw->info_seq_seen = seq;
    ovs_mutex_lock(&sw->info_mutex);
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        struct vsi_sink *sink = NULL;

        if (sw->info[h].up && sw->info[h].vm) {
            LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
                if (dev->session_dev == sw && dev->sink
                    && !memcmp(dev->options.vsi_id, sw->info[h].vsiid,
                               VDP_VSIID_LEN)) {
                    sink = dev->sink;
                    break;
                }
            }
        }
        if (sink) {
            atomic_store(&sink->tag, sw->info[h].qpn);
            atomic_store(&sink->bound, true);
        }
        ovsrcu_set(&sw->sinks[h], sink);
    }
    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        if (dev->session_dev == sw && dev->sink) {
            bool bound = false;

            for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
                bound |= ovsrcu_get_protected(struct vsi_sink *,
                                              &sw->sinks[h]) == dev->sink;
            }
            if (!bound) {
                atomic_store(&dev->sink->bound, false);
            }
            netdev_change_seq_changed(&dev->up);
        }
    }
    ovs_mutex_unlock(&sw->info_mutex);
    netdev_change_seq_changed(&sw->up);
}

/* Unbinds vsi port 'dev' from its switch. */
static void
vsi_unbind(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *sw = dev->session_dev;

    if (!sw) {
        return;
    }
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        if (ovsrcu_get_protected(struct vsi_sink *, &sw->sinks[h])
            == dev->sink) {
            ovsrcu_set(&sw->sinks[h], NULL);
        }
    }
    atomic_store(&dev->sink->tag, 0);
    atomic_store(&dev->sink->bound, false);
}

static void
vsi_sink_free(struct vsi_sink *sink)
{
    packet_sink_destroy(&sink->packets);
    free(sink);
}

static void
netdev_ecprdma_destruct(struct netdev *netdev)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    struct netdev *closing[ROE_SESSION_MAX_VSIS + 1];
    size_t n_closing = 0;

    ovs_mutex_lock(&ecprdma_mutex);
    ovs_list_remove(&dev->list_node);
    session_destroy(dev, closing, &n_closing);
    if (dev->sink) {
        vsi_unbind(dev);
        ovsrcu_postpone(vsi_sink_free, dev->sink);
        dev->sink = NULL;
    }
    if (dev->session_dev) {
        closing[n_closing++] = &dev->session_dev->up;
        dev->session_dev = NULL;
    }
    detach_memif(dev);
    memif_server_destroy(dev->memif);
    free(dev->memif_path);
    free(dev->memif_error);
    free(dev->uplink_error);
    free(dev->session_error);
    deferred_closes = xrealloc(deferred_closes,
                               (n_deferred_closes + n_closing)
                               * sizeof *deferred_closes);
    for (size_t i = 0; i < n_closing; i++) {
        deferred_closes[n_deferred_closes++] = closing[i];
    }
    ovs_mutex_unlock(&ecprdma_mutex);

    port_options_destroy(&dev->requested);
    port_options_destroy(&dev->options);
    free(dev->socket_path);
    ovs_spin_destroy(&dev->egress_lock);
    ovs_spin_destroy(&dev->faults_lock);
    ovs_spin_destroy(&dev->ingress_lock);
    ovs_mutex_destroy(&dev->info_mutex);
    ovs_mutex_destroy(&dev->vms_mutex);
    seq_destroy(dev->info_seq);
    ovs_mutex_destroy(&dev->mutex);
}

static void
netdev_ecprdma_dealloc(struct netdev *netdev)
{
    free(netdev_ecprdma_cast(netdev));
}

/* Checks the parts of the configuration that depend on other ports. */
static char *
check_cross_port(const struct netdev_ecprdma *dev,
                 const struct port_options *po, const char *socket_path)
    OVS_REQUIRES(ecprdma_mutex)
{
    const char *user;

    if (socket_path) {
        user = find_socket_user(dev, socket_path);
        if (user) {
            return xasprintf("options:socket: %s is already used by port %s",
                             socket_path, user);
        }
    }
    if (po->link_type == PORT_LINK_UNIX || po->link_type == PORT_LINK_PUNIX) {
        user = find_socket_user(dev, po->link_target);
        if (user) {
            return xasprintf("options:link: %s is already used by port %s",
                             po->link_target, user);
        }
    }
    if (po->role == PORT_ROLE_VM && po->uplink) {
        struct netdev_ecprdma *uplink = netdev_ecprdma_find(po->uplink);

        if (uplink && uplink->requested.role != PORT_ROLE_UPLINK) {
            return xasprintf("options:uplink: port %s has role=%s, "
                             "not role=uplink", po->uplink,
                             port_role_to_string(uplink->requested.role));
        }
    }
    if (po->role == PORT_ROLE_VSI) {
        struct netdev_ecprdma *session = netdev_ecprdma_find(po->session);

        if (session && session->requested.role != PORT_ROLE_SWITCH) {
            return xasprintf("options:session: port %s has role=%s, "
                             "not role=switch", po->session,
                             port_role_to_string(session->requested.role));
        }
    }
    return NULL;
}

static int
netdev_ecprdma_set_config(struct netdev *netdev, const struct smap *args,
                          char **errp)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    size_t n = smap_count(args);
    const char **keys = xmalloc(n * sizeof *keys + 1);
    const char **values = xmalloc(n * sizeof *values + 1);
    const struct smap_node *node;
    struct port_options po;
    char *socket_path = NULL;
    char *error;
    size_t i = 0;

    SMAP_FOR_EACH (node, args) {
        keys[i] = node->key;
        values[i] = node->value;
        i++;
    }
    port_options_init(&po);
    error = port_options_parse(&po, n, keys, values);
    free(keys);
    free(values);

    ovs_mutex_lock(&ecprdma_mutex);
    if (!error) {
        if (po.role == PORT_ROLE_VM) {
            socket_path = vm_socket_path(netdev_get_name(netdev), &po);
        }
        error = check_cross_port(dev, &po, socket_path);
    }
    if (error) {
        *errp = xasprintf("%s: %s", netdev_get_name(netdev), error);
        free(error);
        free(socket_path);
        port_options_destroy(&po);
        ovs_mutex_unlock(&ecprdma_mutex);
        return EINVAL;
    }

    if (!port_options_equal(&po, &dev->requested)) {
        port_options_destroy(&dev->requested);
        dev->requested = po;
        free(dev->socket_path);
        dev->socket_path = socket_path;
        request_reconfigure(dev);
    } else {
        port_options_destroy(&po);
        free(socket_path);
    }
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

/* Adds the session caps of 'po' that are not their defaults to 'args'. */
static void
port_caps_to_smap(const struct port_options *po, struct smap *args)
{
    struct port_options defaults;

    port_options_init_for_role(&defaults, po->role);
    if (po->max_vsis != defaults.max_vsis) {
        smap_add_format(args, "max-vsis", "%"PRIu32, po->max_vsis);
    }
    if (po->max_vsi_mb != defaults.max_vsi_mb) {
        smap_add_format(args, "max-vsi-mb", "%"PRIu32, po->max_vsi_mb);
    }
    if (po->max_session_mb != defaults.max_session_mb) {
        smap_add_format(args, "max-session-mb", "%"PRIu32,
                        po->max_session_mb);
    }
    if (po->max_regions != defaults.max_regions) {
        smap_add_format(args, "max-regions", "%"PRIu32, po->max_regions);
    }
    if (po->max_assoc_rate != defaults.max_assoc_rate) {
        smap_add_format(args, "max-assoc-rate", "%"PRIu32,
                        po->max_assoc_rate);
    }
    port_options_destroy(&defaults);
}

static void
get_config__(const struct netdev_ecprdma *dev, struct smap *args)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct port_options *po = &dev->requested;
    char uuid[37];

    smap_add(args, "role", port_role_to_string(po->role));
    switch (po->role) {
    case PORT_ROLE_VM:
        smap_add(args, "socket", dev->socket_path);
        smap_add_format(args, "id", "%"PRIu32, po->id);
        smap_add_format(args, "ring-size", "%"PRIu32, po->ring_size);
        smap_add_format(args, "buffer-size", "%"PRIu32, po->buffer_size);
        smap_add_format(args, "n-rxq", "%"PRIu32, po->n_rxq);
        if (po->uplink) {
            smap_add(args, "uplink", po->uplink);
        }
        smap_add(args, "switching", port_switching_to_string(po->switching));
        break;
    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
        smap_add_format(args, "link", "%s:%s",
                        port_link_type_to_string(po->link_type),
                        po->link_target);
        if (po->mtu) {
            smap_add_format(args, "mtu", "%"PRIu32, po->mtu);
        }
        smap_add_format(args, "window", "%"PRIu32, po->window);
        smap_add_format(args, "rte", "%"PRIu32, po->rte);
        smap_add_format(args, "max-tries", "%"PRIu32, po->max_tries);
        port_caps_to_smap(po, args);
        break;
    case PORT_ROLE_VSI:
        smap_add(args, "session", po->session);
        smap_add(args, "vsi", port_vsi_id_format(po->vsi_id, uuid));
        break;
    }
}

static int
netdev_ecprdma_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    get_config__(dev, args);
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

/* The uplink that exports vm port 'vm', or NULL.  There is at most one:
 * vm_update_uplink() stops an uplink that 'vm' no longer names. */
static struct netdev_ecprdma *
vm_exporter(const struct netdev_ecprdma *vm)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct netdev_ecprdma *dev;

    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        for (size_t i = 0; i < dev->n_vms; i++) {
            if (dev->vms[i].vm == vm) {
                return dev;
            }
        }
    }
    return NULL;
}

/* Test hook: if ecp-rdma/test-check-quiesced asked for it, watches for
 * 200 ms whether the session thread of uplink 'dev' delivers frames to its
 * VMs while 'vm', one of them, reconfigures, and logs what it saw. */
static void
uplink_check_quiesced(struct netdev_ecprdma *dev,
                      const struct netdev_ecprdma *vm)
    OVS_REQUIRES(ecprdma_mutex)
{
    bool intruded = false;

    if (!dev->watch_request) {
        return;
    }
    dev->watch_request = false;
    atomic_store(&dev->intruded, false);
    atomic_store(&dev->watching, true);
    for (int i = 0; i < 200 && !intruded; i++) {
        xnanosleep(1000 * 1000);
        atomic_read(&dev->intruded, &intruded);
    }
    atomic_store(&dev->watching, false);
    if (intruded) {
        VLOG_WARN("%s: delivered to its VMs while %s reconfigured (test)",
                  netdev_get_name(&dev->up), netdev_get_name(&vm->up));
    } else {
        VLOG_INFO("%s: kept out while %s reconfigured (test)",
                  netdev_get_name(&dev->up), netdev_get_name(&vm->up));
    }
}

static int
netdev_ecprdma_reconfigure(struct netdev *netdev)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    struct netdev *closing[2 * ROE_SESSION_MAX_VSIS + 1];
    struct netdev_ecprdma *exporter;
    size_t n_closing = 0;
    bool rebind = false;

    ovs_mutex_lock(&ecprdma_mutex);
    /* The uplink that exports this port uses its connection from its own
     * thread, which OVS does not quiesce for this port: keep that thread
     * out until the uplink has stopped using what goes away. */
    exporter = vm_exporter(dev);
    if (exporter) {
        ovs_mutex_lock(&exporter->vms_mutex);
        uplink_check_quiesced(exporter, dev);
    }
    detach_memif(dev);
    if (memif_options_differ(&dev->options, &dev->requested)
        || !nullable_string_is_equal(dev->memif_path, dev->socket_path)) {
        memif_server_destroy(dev->memif);
        dev->memif = NULL;
        free(dev->memif_path);
        dev->memif_path = NULL;
    }
    if (session_options_differ(&dev->options, &dev->requested)
        || (dev->session_error && !dev->session)) {
        session_destroy(dev, closing, &n_closing);
    }
    if (dev->session_dev && (dev->requested.role != PORT_ROLE_VSI
                             || strcmp(dev->requested.session,
                                       netdev_get_name(
                                           &dev->session_dev->up)))) {
        vsi_unbind(dev);
        closing[n_closing++] = &dev->session_dev->up;
        dev->session_dev = NULL;
    } else if (dev->session_dev && memcmp(dev->options.vsi_id,
                                          dev->requested.vsi_id,
                                          sizeof dev->options.vsi_id)) {
        /* Another VSI: frames must not go on with the last one's tag. */
        vsi_unbind(dev);
        rebind = true;
    }
    port_options_destroy(&dev->options);
    port_options_clone(&dev->options, &dev->requested);
    dev->configured = true;

    switch (dev->options.role) {
    case PORT_ROLE_VM:
        if (!dev->memif && !dev->memif_path) {
            create_memif(dev);
            dev->memif_path = xstrdup(dev->socket_path);
        }
        dev->conn = dev->memif ? memif_server_attach(dev->memif) : NULL;
        if (dev->conn) {
            dev->s2c_locks = xcalloc(dev->conn->n_s2c,
                                     sizeof *dev->s2c_locks);
            for (int i = 0; i < dev->conn->n_s2c; i++) {
                ovs_spin_init(&dev->s2c_locks[i]);
            }
        }
        if (vm_update_uplink(dev, closing, &n_closing)) {
            /* Same client, still exported: keep the state of the VSI. */
            vm_set_remote(dev, vm_is_remote(dev));
        } else {
            vm_set_remote(dev, false);
        }
        break;

    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
        if (!dev->session) {
            session_create(dev);
        }
        if (dev->options.role == PORT_ROLE_UPLINK) {
            uplink_reconcile(dev, closing, &n_closing);
        }
        break;

    case PORT_ROLE_VSI:
        if (!dev->sink) {
            dev->sink = xzalloc(sizeof *dev->sink);
            packet_sink_init(&dev->sink->packets);
            atomic_init(&dev->sink->tag, 0);
            atomic_init(&dev->sink->bound, false);
        }
        if (!dev->session_dev) {
            struct netdev_ecprdma *sw
                = netdev_ecprdma_find(dev->options.session);

            if (sw && sw->options.role == PORT_ROLE_SWITCH) {
                dev->session_dev = sw;
                netdev_ref(&sw->up);
                switch_bind(sw, true);
            }
        } else if (rebind) {
            switch_bind(dev->session_dev, true);
        }
        break;
    }

    netdev->n_rxq = dev->options.role == PORT_ROLE_VM ? dev->options.n_rxq
                                                      : 1;
    netdev->n_txq = dev->requested_n_txq;
    if (exporter) {
        ovs_mutex_unlock(&exporter->vms_mutex);
    }
    ovs_mutex_unlock(&ecprdma_mutex);
    for (size_t i = 0; i < n_closing; i++) {
        netdev_close(closing[i]);
    }

    netdev_change_seq_changed(netdev);
    return 0;
}

static int
netdev_ecprdma_set_tx_multiq(struct netdev *netdev, unsigned int n_txq)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    if (dev->requested_n_txq != n_txq) {
        dev->requested_n_txq = n_txq;
        request_reconfigure(dev);
    }
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

static int
netdev_ecprdma_get_numa_id(const struct netdev *netdev OVS_UNUSED)
{
    return 0;
}

/* Received packets are allocated as one block with their metadata, and
 * recycled: when such a packet comes back to send() of any ecp-rdma port
 * (VM to VM traffic), its block goes into a cache of the sending thread, and
 * the next receive on that thread takes it from there instead of calling
 * malloc().  A packet that goes anywhere else is freed by its new owner
 * with dp_packet_delete(), like any other. */
enum { PACKET_CACHE_SIZE = 1024 };

struct packet_cache {
    size_t n;
    struct dp_packet *packets[PACKET_CACHE_SIZE];
};

static ovsthread_key_t packet_cache_key;

static void
packet_cache_destroy(void *cache_)
{
    struct packet_cache *cache = cache_;

    for (size_t i = 0; i < cache->n; i++) {
        free(cache->packets[i]);
    }
    free(cache);
}

static struct packet_cache *
packet_cache_get(void)
{
    struct packet_cache *cache = ovsthread_getspecific(packet_cache_key);

    if (!cache) {
        cache = xmalloc(sizeof *cache);
        cache->n = 0;
        ovsthread_setspecific(packet_cache_key, cache);
    }
    return cache;
}

/* The longest frame that a received packet holds: the length of a
 * packet's buffer, DP_NETDEV_HEADROOM included, has 16 bits (in a build
 * with DPDK, it is that of an rte_mbuf).  A longer frame is dropped and
 * counted in rx_errors. */
#define RX_MAX_FRAME (UINT16_MAX - DP_NETDEV_HEADROOM)

/* A block that new_rx_packet() makes: the packet's struct, then its
 * buffer from the next cache line on, so that the frame's data, after
 * DP_NETDEV_HEADROOM, starts on a cache line as in the clients' rings and
 * copies into and out of it run aligned. */
#define RX_BLOCK_BUFFER ROUND_UP(sizeof(struct dp_packet), CACHE_LINE_SIZE)

static void *
rx_block_buffer(const struct dp_packet *packet)
{
    return (char *) packet + RX_BLOCK_BUFFER;
}

/* Returns true if 'packet' is a block that new_rx_packet() made, unchanged
 * since. */
static bool
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
static struct dp_packet *
new_rx_packet(struct packet_cache *cache, uint32_t capacity,
              uint64_t *reused)
{
    size_t room = DP_NETDEV_HEADROOM + capacity;
    struct dp_packet *packet;
    void *block;

    while (cache->n) {
        packet = cache->packets[--cache->n];
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
    if (posix_memalign(&block, CACHE_LINE_SIZE, RX_BLOCK_BUFFER + room)) {
        out_of_memory();
    }
    packet = block;
    dp_packet_use_stub(packet, rx_block_buffer(packet), room);
    dp_packet_reserve(packet, DP_NETDEV_HEADROOM);
    return packet;
}

/* Frees 'packet', keeping it in 'cache' if new_rx_packet() made it. */
static void
recycle_packet(struct packet_cache *cache, struct dp_packet *packet)
{
    if (is_rx_block(packet) && cache->n < PACKET_CACHE_SIZE) {
        cache->packets[cache->n++] = packet;
    } else {
        dp_packet_delete(packet);
    }
}

/* Frees the packets of 'batch', keeping the blocks that new_rx_packet()
 * made in this thread's cache. */
static void
recycle_batch(struct dp_packet_batch *batch)
{
    struct packet_cache *cache = packet_cache_get();
    struct dp_packet *packet;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        recycle_packet(cache, packet);
    }
    dp_packet_batch_init(batch);
}

/* Frees a packet that the switch's engine held: one that it took from a
 * packet sink and did not deliver, or one that a switch's ingress mirror
 * referred to, once the server has consumed its record.  In the switch's
 * thread, its cache feeds the packets that it reads frames into. */
static void
release_packet(void *packet)
{
    recycle_packet(packet_cache_get(), packet);
}

static int
vm_send(struct netdev *netdev, int qid, struct dp_packet_batch *batch,
        bool concurrent_txq OVS_UNUSED)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    struct memif_connection *conn = dev->conn;
    struct memif_tx_pkt pkts[NETDEV_MAX_BURST];
    size_t n = dp_packet_batch_size(batch);
    struct dp_packet *packet;
    uint64_t bytes = 0;
    int sent = 0;
    uint64_t orig;

    if (conn) {
        int ring = qid % conn->n_s2c;
        struct memif_queue *q = &conn->s2c[ring];

        DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
            pkts[i].data = dp_packet_data(packet);
            pkts[i].len = dp_packet_size(packet);
        }
        ovs_spin_lock(&dev->s2c_locks[ring]);
        sent = memif_queue_tx_burst(q, pkts, n);
        if (sent && memif_queue_peer_wants_kick(q)) {
            /* At most one notification per batch, and none to a client
             * that polls. */
            memif_queue_kick(q);
        }
        ovs_spin_unlock(&dev->s2c_locks[ring]);
        for (int i = 0; i < sent; i++) {
            bytes += pkts[i].len;
        }
        atomic_add_relaxed(&dev->tx_packets, sent, &orig);
        atomic_add_relaxed(&dev->tx_bytes, bytes, &orig);
    }
    if (sent < n) {
        atomic_add_relaxed(&dev->tx_dropped, n - sent, &orig);
    }
    recycle_batch(batch);
    return 0;
}

/* Appends the packets of 'batch' to 'ring' at producer index '*prod', as
 * records tagged 'tag', given consumer index 'cons', and publishes them.
 * The caller holds the ring's producer lock and has checked the indexes.
 * Returns the number appended and adds their octets to '*bytes'.
 *
 * Into a ring that takes references (a switch's ingress mirror), a packet
 * that new_rx_packet() made goes by reference: the ring owns it now, and
 * it leaves 'batch'.  Others are copied: a packet of another kind (a DPDK
 * port's, say) is not held for as long as a server takes to consume. */
static int
frame_ring_push(struct frame_ring *ring, uint64_t *prod, uint64_t cons,
                uint32_t tag, struct dp_packet_batch *batch, uint64_t *bytes)
{
    struct dp_packet *packet;
    size_t kept = 0;
    int sent = 0;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t len = dp_packet_size(packet);
        bool ref = (ring->release && len >= FRAME_RING_REF_MIN
                    && is_rx_block(packet));
        enum frame_ring_status st;

        st = (ref
              ? frame_ring_put_ref(ring, prod, cons, tag, packet,
                                   dp_packet_data(packet), len)
              : frame_ring_put(ring, prod, cons, tag, dp_packet_data(packet),
                               len));
        if (st == FRAME_RING_OK) {
            sent++;
            *bytes += len;
        }
        if (st != FRAME_RING_OK || !ref) {
            batch->packets[kept++] = packet;
        }
    }
    batch->count = kept;
    frame_ring_set_producer(ring, *prod);
    return sent;
}

/* Records that the switch wrote index 'what' of one of uplink 'dev''s own
 * rings with a value that cannot be.  The session thread then resets the
 * association of the uplink's own VSI (see uplink_reset_rings()). */
static void
uplink_ring_error(struct netdev_ecprdma *dev, const char *what,
                  uint64_t prod, uint64_t cons)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    uint64_t orig;

    atomic_add_relaxed(&dev->ring_errors, 1, &orig);
    atomic_store_relaxed(&dev->rings_bad, true);
    VLOG_WARN_RL(&rl, "%s: the switch wrote a bad %s index (producer %"
                 PRIu64", consumer %"PRIu64"): resetting the association",
                 netdev_get_name(&dev->up), what, prod, cons);
}

/* Appends the packets of 'batch' to the ingress ring of switch 'sw', as
 * records tagged 'tag'.  Returns the number appended, and stores in
 * '*has_ring' whether there was a ring to append to: the mirror of the
 * server uplink's current association or, while it is down, of its last
 * one. */
static int
ingress_push(struct netdev_ecprdma *sw, uint32_t tag,
             struct dp_packet_batch *batch, uint64_t *bytes, bool *has_ring)
{
    int sent = 0;

    ovs_spin_lock(&sw->ingress_lock);
    *has_ring = sw->ingress_mirror != NULL;
    if (sw->ingress_mirror) {
        struct frame_ring *mirror = sw->ingress_mirror;
        uint64_t prod = frame_ring_producer(mirror);

        /* The mirror is the switch's own memory: its indexes are good. */
        sent = frame_ring_push(mirror, &prod, frame_ring_consumer(mirror),
                               tag, batch, bytes);
    }
    ovs_spin_unlock(&sw->ingress_lock);
    return sent;
}

/* Appends the packets of 'batch' to uplink 'dev''s egress ring. */
static int
egress_push(struct netdev_ecprdma *dev, struct dp_packet_batch *batch,
            uint64_t *bytes)
{
    int sent = 0;

    if (dev->egress.data) {
        uint64_t cons;

        ovs_spin_lock(&dev->egress_lock);
        cons = frame_ring_consumer(&dev->egress);
        if (dev->egress_bad) {
            /* Until the session thread has reset the association. */
        } else if (frame_ring_indexes_ok(&dev->egress, dev->egress_prod,
                                         cons)) {
            dev->egress_cons = cons;
            sent = frame_ring_push(&dev->egress, &dev->egress_prod, cons, 0,
                                   batch, bytes);
        } else {
            dev->egress_bad = true;
            uplink_ring_error(dev, "egress consumer", dev->egress_prod, cons);
        }
        ovs_spin_unlock(&dev->egress_lock);
    }
    return sent;
}

static int
netdev_ecprdma_send(struct netdev *netdev, int qid,
                    struct dp_packet_batch *batch, bool concurrent_txq)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    size_t n = dp_packet_batch_size(batch);
    bool has_ring = false;
    uint64_t bytes = 0;
    uint32_t tag;
    uint64_t orig;
    int sent = 0;

    switch (dev->options.role) {
    case PORT_ROLE_VM:
        return vm_send(netdev, qid, batch, concurrent_txq);

    case PORT_ROLE_UPLINK:
        sent = egress_push(dev, batch, &bytes);
        break;

    case PORT_ROLE_SWITCH:
        sent = ingress_push(dev, 0, batch, &bytes, &has_ring);
        break;

    case PORT_ROLE_VSI:
        /* The tag of the VSI's last association, also while it is down. */
        atomic_read(&dev->sink->tag, &tag);
        if (dev->session_dev && tag) {
            sent = ingress_push(dev->session_dev, tag, batch, &bytes,
                                &has_ring);
        }
        break;
    }
    atomic_add_relaxed(&dev->tx_packets, sent, &orig);
    atomic_add_relaxed(&dev->tx_bytes, bytes, &orig);
    if (sent < n) {
        atomic_add_relaxed(&dev->tx_dropped, n - sent, &orig);
        if (dev->options.role != PORT_ROLE_UPLINK) {
            atomic_add_relaxed(has_ring ? &dev->tx_ring_full
                               : &dev->tx_unbound, n - sent, &orig);
        }
    }
    recycle_batch(batch);
    return 0;
}

static int
netdev_ecprdma_set_etheraddr(struct netdev *netdev, const struct eth_addr mac)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (!eth_addr_equals(dev->hwaddr, mac)) {
        dev->hwaddr = mac;
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_ecprdma_get_etheraddr(const struct netdev *netdev,
                             struct eth_addr *mac)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_ecprdma_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mtup = dev->mtu;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_ecprdma_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    if (mtu < ETH_PAYLOAD_MIN || mtu > PORT_BUFFER_SIZE_MAX - ETH_HEADER_LEN
                                       - VLAN_HEADER_LEN) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    if (dev->mtu != mtu) {
        dev->mtu = mtu;
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* The packet sink of 'dev', a vsi or switch port, or NULL. */
static struct packet_sink *
port_sink(struct netdev_ecprdma *dev)
{
    return (dev->sink ? &dev->sink->packets
            : dev->has_rx_sink ? &dev->rx_sink
            : NULL);
}

static void
get_stats__(struct netdev_ecprdma *dev, struct netdev_stats *stats)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct packet_sink *sink = port_sink(dev);

    atomic_read_relaxed(&dev->rx_packets, &stats->rx_packets);
    atomic_read_relaxed(&dev->rx_bytes, &stats->rx_bytes);
    atomic_read_relaxed(&dev->tx_packets, &stats->tx_packets);
    atomic_read_relaxed(&dev->tx_bytes, &stats->tx_bytes);
    atomic_read_relaxed(&dev->tx_dropped, &stats->tx_dropped);
    atomic_read_relaxed(&dev->rx_errors, &stats->rx_errors);
    atomic_read_relaxed(&dev->rx_dropped, &stats->rx_dropped);
    stats->tx_errors = 0;
    if (sink) {
        uint64_t too_long, overflows;

        atomic_read_relaxed(&sink->too_long, &too_long);
        atomic_read_relaxed(&sink->overflows, &overflows);
        stats->rx_errors += too_long;
        stats->rx_dropped += overflows;
    }
}

static int
netdev_ecprdma_get_stats(const struct netdev *netdev,
                         struct netdev_stats *stats)
    OVS_EXCLUDED(ecprdma_mutex)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    get_stats__(dev, stats);
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

/* Counters for Interface:statistics, besides the standard ones: one for
 * every reason to drop a frame or to end an association. */
struct custom_stats {
    struct netdev_custom_counter *counters;
    size_t n, allocated;
};

static void
custom_stat(struct custom_stats *cs, const char *name, uint64_t value)
{
    if (cs->n >= cs->allocated) {
        cs->counters = x2nrealloc(cs->counters, &cs->allocated,
                                  sizeof *cs->counters);
    }
    ovs_strlcpy(cs->counters[cs->n].name, name,
                sizeof cs->counters[cs->n].name);
    cs->counters[cs->n++].value = value;
}

static void
get_memif_custom_stats(const struct memif_connection *conn,
                       struct custom_stats *cs)
{
    uint64_t oversize = 0, no_room = 0;

    for (int i = 0; i < conn->n_c2s; i++) {
        oversize += conn->c2s[i].oversize;
    }
    for (int i = 0; i < conn->n_s2c; i++) {
        no_room += conn->s2c[i].no_room;
    }
    custom_stat(cs, "rx_oversize_drops", oversize);
    custom_stat(cs, "tx_ring_full_drops", no_room);
}

static void
get_session_custom_stats(const struct netdev_ecprdma *dev,
                         struct custom_stats *cs)
{
    struct roe_session_stats st;
    struct link_stats ls;
    uint64_t rejected = 0;

    /* Counters of the session's thread, read as they are. */
    roe_session_get_stats(dev->session, &st);
    link_get_stats(dev->link, &ls);
    for (int i = 0; i < N_ROE_REJECTS; i++) {
        rejected += st.qp.rejects[i];
    }
    custom_stat(cs, "session_associations", st.associations);
    custom_stat(cs, "session_lapses", st.lapses);
    custom_stat(cs, "session_resets", st.resets);
    custom_stat(cs, "session_vsis_refused", st.vsis_refused);
    custom_stat(cs, "session_events_lost", st.events_lost);
    custom_stat(cs, "session_foreign_frames", st.foreign_frames);
    custom_stat(cs, "vdp_bad", st.vdp_bad);
    custom_stat(cs, "vdp_lost", st.vdp_lost);
    custom_stat(cs, "vdp_auth_failures", st.vdp_auth_failures);
    custom_stat(cs, "roe_unknown_qp", st.roe_unknown_qp);
    custom_stat(cs, "roe_rejected", rejected);
    custom_stat(cs, "roe_read_replays_refused", st.qp.read_replays_refused);
    custom_stat(cs, "roe_retransmits", st.qp.retransmits);
    if (dev->options.role == PORT_ROLE_UPLINK) {
        custom_stat(cs, "switchover_held_requests", st.qp.held);
    }
    custom_stat(cs, "link_rx_errors", ls.rx_errors);
    custom_stat(cs, "link_rx_overruns", ls.rx_overruns);
    custom_stat(cs, "link_tx_errors", ls.tx_errors);
    custom_stat(cs, "link_tx_dropped", st.tx_dropped);
}

static int
netdev_ecprdma_get_custom_stats(const struct netdev *netdev,
                                struct netdev_custom_stats *stats)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    struct custom_stats cs = { .counters = NULL };
    uint64_t value;

    ovs_mutex_lock(&ecprdma_mutex);
    if (dev->options.role != PORT_ROLE_UPLINK) {
        atomic_read_relaxed(&dev->rx_dropped, &value);
        custom_stat(&cs, "rx_ecp_drops", value);
    }
    if (dev->options.role == PORT_ROLE_VM) {
        uint32_t switching;

        if (dev->conn) {
            get_memif_custom_stats(dev->conn, &cs);
        }
        atomic_read_relaxed(&dev->switching, &switching);
        custom_stat(&cs, "switchovers_to_remote", (switching + 1) / 2);
        custom_stat(&cs, "switchovers_to_local", switching / 2);
        atomic_read_relaxed(&dev->switch_rx_slots, &value);
        custom_stat(&cs, "switch_rx_slots", value);
    }
    if (dev->options.role == PORT_ROLE_SWITCH) {
        atomic_read_relaxed(&dev->vm_unacked, &value);
        custom_stat(&cs, "switchover_unacked", value);
        atomic_read_relaxed(&dev->stale_ring, &value);
        custom_stat(&cs, "tx_stale_ring_drops", value);
    }
    if (dev->options.role == PORT_ROLE_SWITCH
        || dev->options.role == PORT_ROLE_VSI) {
        atomic_read_relaxed(&dev->tx_unbound, &value);
        custom_stat(&cs, "tx_unbound_drops", value);
        atomic_read_relaxed(&dev->tx_ring_full, &value);
        custom_stat(&cs, "tx_ring_full_drops", value);
    }
    if (dev->options.role == PORT_ROLE_UPLINK) {
        atomic_read_relaxed(&dev->ring_errors, &value);
        custom_stat(&cs, "ring_index_errors", value);
        atomic_read_relaxed(&dev->unknown_tag, &value);
        custom_stat(&cs, "rx_unknown_vm_drops", value);
    }
    if (dev->session) {
        get_session_custom_stats(dev, &cs);
    }
    ovs_mutex_unlock(&ecprdma_mutex);

    stats->counters = cs.counters;
    stats->size = cs.n;
    return 0;
}

static void
get_memif_status(const struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct memif_connection *conn = dev->conn;

    if (!dev->memif) {
        smap_add_format(status, "memif", "error: %s",
                        dev->memif_error ? dev->memif_error : "not created");
        return;
    }
    /* A connection is up for the data path only once reconfigure() has
     * attached it. */
    smap_add(status, "memif",
             conn ? "connected"
             : memif_server_state(dev->memif) == MEMIF_SERVER_CONNECTED
             ? "connecting"
             : memif_server_state_to_string(memif_server_state(dev->memif)));
    if (conn) {
        smap_add(status, "memif_client", conn->client_name);
        smap_add(status, "memif_client_if", conn->client_if_name);
        smap_add_format(status, "memif_rings", "%d c2s, %d s2c",
                        conn->n_c2s, conn->n_s2c);
        smap_add_format(status, "memif_ring_size", "%u",
                        1u << conn->log2_ring_size);
        smap_add_format(status, "memif_regions", "%d", conn->n_regions);
    }
    if (memif_server_last_error(dev->memif)[0]) {
        smap_add(status, "memif_last_disconnect",
                 memif_server_last_error(dev->memif));
    }
}

static void
get_switch_status(struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct ds vsis = DS_EMPTY_INITIALIZER;
    struct sset ids = SSET_INITIALIZER(&ids);
    const char **sorted;

    ovs_mutex_lock(&dev->info_mutex);
    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        const struct switch_vsi_info *info = &dev->info[h];
        char key[5 + 37];
        char uuid[37];

        if (!info->up) {
            continue;
        }
        port_vsi_id_format(info->vsiid, uuid);
        if (!info->vm) {
            smap_add_format(status, "uplink", "mac="ETH_ADDR_FMT,
                            ETH_ADDR_BYTES_ARGS(info->mac));
            continue;
        }
        sset_add(&ids, uuid);
        snprintf(key, sizeof key, "vsi-%s", uuid);
        smap_add_format(status, key,
                        "mac="ETH_ADDR_FMT" vlan=%d",
                        ETH_ADDR_BYTES_ARGS(info->mac),
                        info->vlan_tci & 0xfff);
    }
    ovs_mutex_unlock(&dev->info_mutex);
    sorted = sset_sort(&ids);
    for (size_t i = 0; i < sset_count(&ids); i++) {
        ds_put_format(&vsis, "%s%s", i ? " " : "", sorted[i]);
    }
    free(sorted);
    if (vsis.length) {
        smap_add(status, "vsis", ds_cstr(&vsis));
    }
    ds_destroy(&vsis);
    sset_destroy(&ids);
}

static void
get_status__(struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct port_options *po = &dev->options;

    smap_add(status, "role", port_role_to_string(po->role));
    smap_add(status, "state", dev->configured ? "configured" : "new");
    switch (po->role) {
    case PORT_ROLE_VM:
        get_memif_status(dev, status);
        smap_add(status, "switching", vm_is_remote(dev) ? "remote" : "local");
        if (po->uplink) {
            uint8_t vsiid[VDP_VSIID_LEN];
            char uuid[37];

            make_vsiid(netdev_get_name(&dev->up), dev->socket_path, vsiid);
            smap_add(status, "vsi", port_vsi_id_format(vsiid, uuid));
        }
        if (dev->uplink_error) {
            smap_add(status, "uplink_error", dev->uplink_error);
        }
        break;
    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
        if (dev->session_error) {
            smap_add(status, "session", "DOWN");
            smap_add(status, "session_error", dev->session_error);
            break;
        }
        smap_add(status, "session",
                 !dev->session ? "DOWN"
                 : po->role == PORT_ROLE_UPLINK
                 ? (roe_session_vsi_is_up(dev->session, dev->own_vsi)
                    ? "ASSOCIATED" : "DISCOVERING")
                 : "LISTENING");
        if (dev->link) {
            smap_add(status, "link", link_is_up(dev->link) ? "up" : "down");
        }
        if (po->role == PORT_ROLE_UPLINK) {
            smap_add_format(status, "exported_vms", "%"PRIuSIZE,
                            dev->n_vms);
        } else {
            get_switch_status(dev, status);
        }
        break;
    case PORT_ROLE_VSI: {
        bool bound = false;

        if (dev->sink) {
            atomic_read(&dev->sink->bound, &bound);
        }
        smap_add(status, "vsi", bound ? "bound" : "unbound");
        break;
    }
    }
}

static int
netdev_ecprdma_get_status(const struct netdev *netdev, struct smap *status)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    get_status__(dev, status);
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

static int
netdev_ecprdma_update_flags(struct netdev *netdev,
                            enum netdev_flags off, enum netdev_flags on,
                            enum netdev_flags *old_flagsp)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    if ((off | on) & ~(NETDEV_UP | NETDEV_PROMISC)) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    *old_flagsp = dev->flags;
    dev->flags |= on;
    dev->flags &= ~off;
    if (*old_flagsp != dev->flags) {
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static struct netdev_rxq *
netdev_ecprdma_rxq_alloc(void)
{
    struct netdev_rxq_ecprdma *rx = xzalloc(sizeof *rx);

    return &rx->up;
}

static int
netdev_ecprdma_rxq_construct(struct netdev_rxq *rxq OVS_UNUSED)
{
    return 0;
}

static void
netdev_ecprdma_rxq_destruct(struct netdev_rxq *rxq OVS_UNUSED)
{
}

static void
netdev_ecprdma_rxq_dealloc(struct netdev_rxq *rxq)
{
    free(netdev_rxq_ecprdma_cast(rxq));
}

/* Returns true if the frame of 'len' bytes at 'data' is an ECP frame
 * (EtherType 0x8940, behind at most one VLAN tag).  Only the server's
 * uplink speaks ECP: a VM must never be able to speak for it, so such
 * frames from a VM are dropped. */
static bool
is_ecp_frame(const uint8_t *data, uint32_t len)
{
    const size_t type_ofs = 2 * ETH_ADDR_LEN;
    uint16_t type;

    if (len < type_ofs + 2) {
        return false;
    }
    type = data[type_ofs] << 8 | data[type_ofs + 1];
    if ((type == ETH_TYPE_VLAN_8021Q || type == ETH_TYPE_VLAN_8021AD)
        && len >= type_ofs + VLAN_HEADER_LEN + 2) {
        type = (data[type_ofs + VLAN_HEADER_LEN] << 8
                | data[type_ofs + VLAN_HEADER_LEN + 1]);
    }
    return type == ECP_ETH_TYPE;
}

static int
vm_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
            int *qfill)
{
    struct netdev_rxq_ecprdma *rx = netdev_rxq_ecprdma_cast(rxq);
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);
    struct memif_connection *conn = dev->conn;
    struct memif_rx_buf bufs[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    uint32_t capacity = MIN(dev->options.buffer_size, RX_MAX_FRAME);
    struct packet_cache *cache;
    struct memif_queue *q;
    uint64_t reused = 0;
    uint64_t bytes = 0;
    uint64_t oversize;
    int ecp = 0;
    uint32_t switching;
    uint16_t pending;
    uint64_t orig;
    int n, filled;

    if (!conn || rxq->queue_id >= conn->n_c2s) {
        return EAGAIN;
    }
    q = &conn->c2s[rxq->queue_id];
    atomic_read(&dev->switching, &switching);
    if (switching & 1) {
        /* The switch receives from this ring.  Tell the uplink that this
         * queue leaves the ring alone until 'switching' changes. */
        if (rx->switching != switching && rxq->queue_id < VDP_MAX_RINGS) {
            atomic_store(&dev->rxq_switching[rxq->queue_id], switching);
        }
        rx->switching = switching;
        if (qfill) {
            *qfill = 0;
        }
        return EAGAIN;
    } else if (rx->switching != switching) {
        /* Back from the switch, or a queue made anew (which may not have
         * seen the switch come and go): go on where the ring's tail is. */
        rx->switching = switching;
        memif_queue_rx_resync(q);
    }
    /* The client may publish more at any time: read the index once. */
    pending = memif_queue_rx_pending(q);
    n = MIN(pending, NETDEV_MAX_BURST);
    if (!n) {
        if (qfill) {
            *qfill = 0;
        }
        return EAGAIN;
    }

    cache = packet_cache_get();
    for (int i = 0; i < n; i++) {
        packets[i] = new_rx_packet(cache, capacity, &reused);
        bufs[i].data = dp_packet_data(packets[i]);
        bufs[i].capacity = capacity;
    }
    oversize = q->oversize;
    filled = memif_queue_rx_burst(q, bufs, n);
    batch->count = 0;
    for (int i = 0; i < filled; i++) {
        if (OVS_UNLIKELY(is_ecp_frame(bufs[i].data, bufs[i].len))) {
            if (cache->n < PACKET_CACHE_SIZE) {
                cache->packets[cache->n++] = packets[i];
            } else {
                dp_packet_delete(packets[i]);
            }
            ecp++;
            continue;
        }
        dp_packet_set_size(packets[i], bufs[i].len);
        batch->packets[batch->count++] = packets[i];
        bytes += bufs[i].len;
    }
    for (int i = filled; i < n && cache->n < PACKET_CACHE_SIZE; i++) {
        cache->packets[cache->n++] = packets[i];
        packets[i] = NULL;
    }
    for (int i = filled; i < n; i++) {
        dp_packet_delete(packets[i]);
    }
    if (ecp) {
        atomic_add_relaxed(&dev->rx_dropped, ecp, &orig);
    }
    if (reused) {
        atomic_add_relaxed(&dev->rx_reused, reused, &orig);
    }

    if (q->oversize != oversize) {
        atomic_add_relaxed(&dev->rx_errors, q->oversize - oversize, &orig);
    }
    if (qfill) {
        *qfill = memif_queue_rx_backlog(q);
    }
    if (!batch->count) {
        return EAGAIN;
    }
    atomic_add_relaxed(&dev->rx_packets, batch->count, &orig);
    atomic_add_relaxed(&dev->rx_bytes, bytes, &orig);
    return 0;
}

static void
packet_sink_init(struct packet_sink *sink)
{
    ptr_queue_init(&sink->queue, PACKET_SINK_SLOTS);
    atomic_init(&sink->too_long, 0);
    atomic_init(&sink->overflows, 0);
    sink->n_reused = 0;
    atomic_init(&sink->reused, 0);
}

/* Frees 'sink' and the packets in it.  Neither the switch nor the port
 * uses it any more. */
static void
packet_sink_destroy(struct packet_sink *sink)
{
    void *packets[NETDEV_MAX_BURST];
    size_t n;

    while ((n = ptr_queue_pop(&sink->queue, packets, NETDEV_MAX_BURST))) {
        for (size_t i = 0; i < n; i++) {
            dp_packet_delete(packets[i]);
        }
    }
    ptr_queue_destroy(&sink->queue);
}

/* The remote_vsi_sink functions of a packet sink. */
static size_t
packet_sink_room(void *sink_)
{
    struct packet_sink *sink = sink_;

    return (ptr_queue_weight(&sink->queue) < PACKET_SINK_BYTES
            ? ptr_queue_room(&sink->queue) : 0);
}

static void *
packet_sink_get_buffer(void *sink_, uint32_t len, uint8_t **datap)
{
    struct packet_sink *sink = sink_;
    struct dp_packet *packet;
    uint64_t orig;

    if (OVS_UNLIKELY(len > RX_MAX_FRAME)) {
        atomic_add_relaxed(&sink->too_long, 1, &orig);
        return NULL;
    }
    packet = new_rx_packet(packet_cache_get(), len, &sink->n_reused);
    dp_packet_set_size(packet, len);
    *datap = dp_packet_data(packet);
    return packet;
}

static void
packet_sink_deliver(void *sink_, void *packet_)
{
    struct packet_sink *sink = sink_;
    struct dp_packet *packet = packet_;
    uint64_t orig;

    if (OVS_UNLIKELY(!ptr_queue_push(&sink->queue, packet,
                                     dp_packet_size(packet)))) {
        atomic_add_relaxed(&sink->overflows, 1, &orig);
        dp_packet_delete(packet);
    }
}

/* Runs remote VSI 'rv' with 'sink' as where its frames go, and publishes
 * what it delivered, once. */
static void
packet_sink_run(struct packet_sink *sink, struct remote_vsi *rv,
                long long now)
{
    const struct remote_vsi_sink rs = {
        .room = packet_sink_room,
        .get_buffer = packet_sink_get_buffer,
        .deliver = packet_sink_deliver,
        .put_buffer = release_packet,
        .aux = sink,
    };

    remote_vsi_run(rv, now, &rs);
    ptr_queue_publish(&sink->queue);
    atomic_store_relaxed(&sink->reused, sink->n_reused);
}

/* Receives up to a batch of frames from 'sink' into 'batch': on a switch,
 * what a remote VM or a server's bridge sent.  ECP frames are dropped and
 * counted, as on a vm port. */
static void
packet_sink_recv(struct netdev_ecprdma *dev, struct packet_sink *sink,
                 struct dp_packet_batch *batch)
{
    void *packets[NETDEV_MAX_BURST];
    uint64_t bytes = 0;
    uint64_t orig;
    size_t n;
    int ecp = 0;

    n = ptr_queue_pop(&sink->queue, packets,
                      NETDEV_MAX_BURST - batch->count);
    for (size_t i = 0; i < n; i++) {
        struct dp_packet *packet = packets[i];

        bytes += dp_packet_size(packet);
        if (OVS_UNLIKELY(is_ecp_frame(dp_packet_data(packet),
                                      dp_packet_size(packet)))) {
            dp_packet_delete(packet);
            ecp++;
            continue;
        }
        batch->packets[batch->count++] = packet;
    }
    ptr_queue_popped_weight(&sink->queue, bytes);
    if (ecp) {
        atomic_add_relaxed(&dev->rx_dropped, ecp, &orig);
    }
}

/* Ingress frames for one VM of an uplink, on their way into its S2C ring
 * in one burst. */
struct uplink_burst {
    struct uplink_vm *uv;
    int n;
    struct memif_tx_pkt pkts[NETDEV_MAX_BURST];
};

/* Whether the switch tags ingress frames for 'uv' with 'tag': the QP
 * number of the VM's association, or of its previous one. */
static bool
uplink_vm_has_tag(const struct uplink_vm *uv, uint32_t tag)
{
    return uv->qpn == tag || (uv->prev_qpn && uv->prev_qpn == tag);
}

/* Returns the VM of uplink 'dev' whose ingress frames the switch tags with
 * 'tag', or NULL. */
static struct uplink_vm *
uplink_find_vm(struct netdev_ecprdma *dev, uint32_t tag)
{
    for (size_t i = 0; i < dev->n_vms; i++) {
        if (uplink_vm_has_tag(&dev->vms[i], tag)) {
            return &dev->vms[i];
        }
    }
    return NULL;
}

/* Puts the frames of 'b' into its VM's S2C ring, publishing the ring's
 * head once, and marks the VM in 'kick' if it got any. */
static void
uplink_burst_flush(struct netdev_ecprdma *dev, struct uplink_burst *b,
                   bool kick[])
{
    struct netdev_ecprdma *vm;
    uint64_t bytes = 0;
    uint64_t orig;
    int sent;

    if (!b->n) {
        return;
    }
    vm = b->uv->vm;
    ovs_spin_lock(&vm->s2c_locks[0]);
    sent = memif_queue_tx_burst(&b->uv->conn->s2c[0], b->pkts, b->n);
    ovs_spin_unlock(&vm->s2c_locks[0]);
    for (int i = 0; i < sent; i++) {
        bytes += b->pkts[i].len;
    }
    if (sent) {
        atomic_add_relaxed(&vm->tx_packets, sent, &orig);
        atomic_add_relaxed(&vm->tx_bytes, bytes, &orig);
        kick[b->uv - dev->vms] = true;
    }
    if (sent < b->n) {
        atomic_add_relaxed(&vm->tx_dropped, b->n - sent, &orig);
    }
    b->n = 0;
}

/* Adds an ingress frame tagged for one of uplink 'dev''s VMs to 'b',
 * flushing 'b' first if it holds frames for another VM or is full. */
static void
uplink_deliver(struct netdev_ecprdma *dev, const struct frame_ring_frame *f,
               struct uplink_burst *b, bool kick[])
{
    if (b->n && (!uplink_vm_has_tag(b->uv, f->tag)
                 || b->n == NETDEV_MAX_BURST)) {
        uplink_burst_flush(dev, b, kick);
    }
    if (!b->n && (!b->uv || !uplink_vm_has_tag(b->uv, f->tag))) {
        b->uv = uplink_find_vm(dev, f->tag);
        if (!b->uv) {
            /* For a VM that went, or of an association that ended. */
            uint64_t orig;

            atomic_add_relaxed(&dev->rx_errors, 1, &orig);
            atomic_add_relaxed(&dev->unknown_tag, 1, &orig);
            return;
        }
    }
    b->pkts[b->n++] = (struct memif_tx_pkt) { .data = f->data,
                                              .len = f->len };
}

/* Runs the session of 'dev' (an uplink or a switch), first giving its link
 * the faults that ecp-rdma/link-fault asked for. */
static void
session_run(struct netdev_ecprdma *dev, long long now)
{
    bool changed;

    atomic_read_relaxed(&dev->faults_changed, &changed);
    if (OVS_UNLIKELY(changed)) {
        struct link_faults faults;

        ovs_spin_lock(&dev->faults_lock);
        faults = dev->faults;
        atomic_store_relaxed(&dev->faults_changed, false);
        ovs_spin_unlock(&dev->faults_lock);
        link_set_faults(dev->link, &faults);
    }
    roe_session_run(dev->session, now);
    if (OVS_UNLIKELY(roe_session_lapses(dev->session) != dev->lapses_seen)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        uint64_t lapses = roe_session_lapses(dev->session);

        VLOG_WARN_RL(&rl, "%s: %"PRIu64" association(s) lapsed: the peer "
                     "was not heard for 3 keep-alive periods, or a queue "
                     "pair gave up retrying", netdev_get_name(&dev->up),
                     lapses - dev->lapses_seen);
        dev->lapses_seen = lapses;
    }
    if (OVS_UNLIKELY(roe_session_refusals(dev->session)
                     != dev->refusals_seen)) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        dev->refusals_seen = roe_session_refusals(dev->session);
        VLOG_WARN_RL(&rl, "%s: VSI association refused (%"PRIu64" so far): "
                     "%s", netdev_get_name(&dev->up), dev->refusals_seen,
                     roe_session_refusal(dev->session));
    }
}

/* After the switch wrote a bad index into one of uplink 'dev''s own rings:
 * resets the association of the uplink's own VSI and writes the uplink's
 * indexes into the rings' headers again, so that the next association
 * starts from them.  Ingress records the switch had not yet published
 * are lost (the switch's next association carries them over); egress
 * records past the last good consumer index are read again. */
static void
uplink_reset_rings(struct netdev_ecprdma *dev)
{
    bool bad;

    atomic_read_relaxed(&dev->rings_bad, &bad);
    if (!bad) {
        return;
    }
    roe_session_vsi_reset(dev->session, dev->own_vsi);
    frame_ring_set_consumer(&dev->ingress, dev->ingress_cons);
    frame_ring_set_producer(&dev->ingress, dev->ingress_cons);
    ovs_spin_lock(&dev->egress_lock);
    frame_ring_set_consumer(&dev->egress, dev->egress_cons);
    frame_ring_set_producer(&dev->egress, dev->egress_prod);
    dev->egress_bad = false;
    ovs_spin_unlock(&dev->egress_lock);
    atomic_store_relaxed(&dev->rings_bad, false);
}

/* Runs the uplink's session, then receives from the ingress ring: frames
 * for a VM go straight into its S2C ring, the others into 'batch'. */
static void
uplink_recv(struct netdev_ecprdma *dev, struct dp_packet_batch *batch)
{
    bool kick[ROE_SESSION_MAX_VSIS] = { false };
    struct packet_cache *cache = packet_cache_get();
    struct frame_ring *ring = &dev->ingress;
    struct uplink_burst burst = { .uv = NULL, .n = 0 };
    struct roe_session_event ev;
    struct frame_ring_frame f;
    enum frame_ring_status st;
    uint64_t prod, cons;
    uint64_t reused = 0;
    uint64_t orig;

    session_run(dev, time_usec());
    while (roe_session_poll_event(dev->session, &ev)) {
        bool up = ev.type == ROE_SESSION_VSI_UP;

        if (ev.handle == dev->own_vsi) {
            /* Interface:status shows whether the session is associated
             * (a rare event). */
            atomic_store(&dev->status_changed, true);
            seq_change(status_seq);
        }
        for (size_t i = 0; i < dev->n_vms; i++) {
            struct uplink_vm *uv = &dev->vms[i];

            if (uv->handle == ev.handle) {
                /* A new association has a new QP number, which the switch
                 * tags the VM's ingress frames with.  Frames that the
                 * switch tagged with the previous one, which it held
                 * while the association was down, are the VM's too. */
                const struct vdp_message *m
                    = roe_session_vsi_assoc(dev->session, ev.handle);

                if (uv->switch_has_rings) {
                    /* The association's queue pair is gone: the switch
                     * moved the tails for the last time. */
                    uplink_count_switch_rx(uv, true);
                    uv->switch_has_rings = false;
                }
                if (m && m->roe.qp.qpn != uv->qpn) {
                    uv->prev_qpn = uv->qpn;
                    uv->qpn = m->roe.qp.qpn;
                }
                /* Going down, the session has already refused the QP
                 * that the switch wrote the tails with. */
                uv->switching = vm_set_remote(uv->vm, up);
                uv->held = up;
            }
        }
    }
    for (size_t i = 0; i < dev->n_vms; i++) {
        if (dev->vms[i].held) {
            uplink_release(dev, &dev->vms[i]);
        } else if (dev->vms[i].switch_has_rings) {
            uplink_count_switch_rx(&dev->vms[i], true);
        }
    }

    uplink_reset_rings(dev);
    prod = frame_ring_producer(ring);
    cons = dev->ingress_cons;
    while (batch->count < NETDEV_MAX_BURST) {
        st = frame_ring_get(ring, &cons, prod, &f);
        if (st == FRAME_RING_EMPTY) {
            break;
        } else if (st == FRAME_RING_BAD) {
            /* The switch wrote nonsense: what it wrote is lost, and the
             * association goes. */
            atomic_add_relaxed(&dev->rx_errors, 1, &orig);
            uplink_ring_error(dev, "ingress producer", prod, cons);
            break;
        }
        if (f.tag) {
            uplink_deliver(dev, &f, &burst, kick);
        } else if (OVS_UNLIKELY(f.len > RX_MAX_FRAME)) {
            atomic_add_relaxed(&dev->rx_errors, 1, &orig);
        } else {
            struct dp_packet *packet = new_rx_packet(cache, f.len, &reused);

            memcpy(dp_packet_data(packet), f.data, f.len);
            dp_packet_set_size(packet, f.len);
            batch->packets[batch->count++] = packet;
        }
    }
    if (burst.n) {
        bool watching;

        /* Test hook, see uplink_check_quiesced(). */
        atomic_read_relaxed(&dev->watching, &watching);
        if (OVS_UNLIKELY(watching)) {
            atomic_store(&dev->intruded, true);
        }
    }
    uplink_burst_flush(dev, &burst, kick);
    if (cons != dev->ingress_cons) {
        dev->ingress_cons = cons;
        frame_ring_set_consumer(ring, cons);
    }
    for (size_t i = 0; i < dev->n_vms; i++) {
        if (kick[i]) {
            struct memif_queue *q = &dev->vms[i].conn->s2c[0];

            ovs_spin_lock(&dev->vms[i].vm->s2c_locks[0]);
            if (memif_queue_peer_wants_kick(q)) {
                memif_queue_kick(q);
            }
            ovs_spin_unlock(&dev->vms[i].vm->s2c_locks[0]);
        }
    }
    if (reused) {
        atomic_add_relaxed(&dev->rx_reused, reused, &orig);
    }
}

/* Publishes what the switch's session thread knows of its VSIs. */
static void
switch_publish(struct netdev_ecprdma *dev)
{
    if (dev->info_dirty && !ovs_mutex_trylock(&dev->info_mutex)) {
        memcpy(dev->info, dev->info_local, sizeof dev->info);
        ovs_mutex_unlock(&dev->info_mutex);
        dev->info_dirty = false;
        /* Wakes the main thread, which binds vsi ports (a rare event). */
        seq_change(dev->info_seq);
    }
}

/* Runs the switch's session and its VSIs' data paths, then receives what
 * the server's uplink sent. */
static void
switch_recv(struct netdev_ecprdma *dev, struct dp_packet_batch *batch)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    long long now = time_usec();
    struct roe_session_event ev;

    session_run(dev, now);
    while (roe_session_poll_event(dev->session, &ev)) {
        int h = ev.handle;
        struct switch_vsi_info *info = &dev->info_local[h];
        struct remote_vsi *rv = dev->rvs[h];

        if (rv) {
            if (remote_vsi_has_ingress(rv)) {
                /* Kept for what it holds for the server: the vsi ports go
                 * on filling its mirror, which the server uplink's next
                 * association takes over. */
                ovs_spin_lock(&dev->ingress_lock);
                dev->ingress_mirror = remote_vsi_ingress(rv);
                ovs_spin_unlock(&dev->ingress_lock);
                remote_vsi_destroy(dev->old_uplink);
                dev->old_uplink = rv;
            } else {
                switch_destroy_rv(dev, rv);
            }
            dev->rvs[h] = NULL;
        }
        memset(info, 0, sizeof *info);
        if (ev.type == ROE_SESSION_VSI_UP) {
            const struct vdp_message *m = roe_session_vsi_assoc(dev->session,
                                                                h);
            char *error;

            rv = remote_vsi_create(roe_session_vsi_qp(dev->session, h), m,
                                   dev->max_xfer, &error);
            if (!rv) {
                VLOG_WARN_RL(&rl, "%s: VSI refused: %s",
                             netdev_get_name(&dev->up), error);
                free(error);
            } else {
                remote_vsi_set_release(rv, release_packet);
                if (dev->old_uplink && remote_vsi_has_ingress(rv)) {
                    uint64_t stale, orig;

                    ovs_spin_lock(&dev->ingress_lock);
                    stale = remote_vsi_carry_ingress(rv, dev->old_uplink);
                    atomic_add_relaxed(&dev->stale_ring, stale, &orig);
                    dev->ingress_mirror = remote_vsi_ingress(rv);
                    ovs_spin_unlock(&dev->ingress_lock);
                    remote_vsi_destroy(dev->old_uplink);
                    dev->old_uplink = NULL;
                }
                dev->rvs[h] = rv;
                info->up = true;
                info->vm = remote_vsi_has_vm_rings(rv);
                memcpy(info->vsiid, m->vsi.vsiid, VDP_VSIID_LEN);
                memcpy(info->mac, m->roe.port.mac, 6);
                info->vlan_tci = m->roe.port.vlan_tci;
                info->qpn = m->roe.qp.qpn;
            }
        }
        dev->info_dirty = true;
    }
    switch_publish(dev);

    for (int h = 0; h < ROE_SESSION_MAX_VSIS; h++) {
        struct remote_vsi *rv = dev->rvs[h];

        if (!rv) {
            continue;
        }
        if (remote_vsi_has_vm_rings(rv)) {
            struct vsi_sink *sink = ovsrcu_get(struct vsi_sink *,
                                               &dev->sinks[h]);

            if (sink) {
                packet_sink_run(&sink->packets, rv, now);
            } else {
                remote_vsi_run(rv, now, NULL);
            }
        } else {
            if (OVS_UNLIKELY(remote_vsi_ingress_settling(rv))) {
                ovs_spin_lock(&dev->ingress_lock);
                packet_sink_run(&dev->rx_sink, rv, now);
                ovs_spin_unlock(&dev->ingress_lock);
            } else {
                packet_sink_run(&dev->rx_sink, rv, now);
            }
            /* Only this thread changes 'ingress_mirror' while the port
             * runs, so it reads it without the lock. */
            if (!dev->ingress_mirror && remote_vsi_ingress(rv)) {
                ovs_spin_lock(&dev->ingress_lock);
                dev->ingress_mirror = remote_vsi_ingress(rv);
                ovs_spin_unlock(&dev->ingress_lock);
            }
        }
    }
    packet_sink_recv(dev, &dev->rx_sink, batch);
}

static int
netdev_ecprdma_rxq_recv(struct netdev_rxq *rxq,
                        struct dp_packet_batch *batch, int *qfill)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);
    uint64_t bytes = 0;
    uint64_t orig;

    batch->count = 0;
    switch (dev->options.role) {
    case PORT_ROLE_VM:
        return vm_rxq_recv(rxq, batch, qfill);

    case PORT_ROLE_UPLINK:
        if (dev->session && !ovs_mutex_trylock(&dev->vms_mutex)) {
            uplink_recv(dev, batch);
            ovs_mutex_unlock(&dev->vms_mutex);
        }
        break;

    case PORT_ROLE_SWITCH:
        if (dev->session) {
            switch_recv(dev, batch);
        }
        break;

    case PORT_ROLE_VSI:
        if (dev->sink) {
            packet_sink_recv(dev, &dev->sink->packets, batch);
        }
        break;
    }
    if (qfill) {
        *qfill = 0;
    }
    if (!batch->count) {
        return EAGAIN;
    }
    for (int i = 0; i < batch->count; i++) {
        bytes += dp_packet_size(batch->packets[i]);
    }
    atomic_add_relaxed(&dev->rx_packets, batch->count, &orig);
    atomic_add_relaxed(&dev->rx_bytes, bytes, &orig);
    return 0;
}

/* Shows the rings of a memif connection.  The data path updates the
 * counters without locking; they are read here as they are. */
static void
show_memif_queues(struct ds *s, const struct memif_connection *conn)
{
    ds_put_format(s, "  memif: client \"%s\" interface \"%s\", "
                  "%d region(s)\n", conn->client_name,
                  conn->client_if_name, conn->n_regions);
    for (int i = 0; i < conn->n_c2s; i++) {
        const struct memif_queue *q = &conn->c2s[i];

        ds_put_format(s, "    rx ring %d: %d slots, packets=%"PRIu64
                      " bytes=%"PRIu64" oversize=%"PRIu64"\n",
                      i, q->size, q->packets, q->bytes, q->oversize);
    }
    for (int i = 0; i < conn->n_s2c; i++) {
        const struct memif_queue *q = &conn->s2c[i];

        ds_put_format(s, "    tx ring %d: %d slots, packets=%"PRIu64
                      " bytes=%"PRIu64" no-room=%"PRIu64
                      " notifications=%"PRIu64"\n",
                      i, q->size, q->packets, q->bytes, q->no_room,
                      q->kicks);
    }
}

static void
show_port(struct ds *s, struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct smap config = SMAP_INITIALIZER(&config);
    struct smap status = SMAP_INITIALIZER(&status);
    struct netdev_stats stats;
    uint64_t reused;
    const struct smap_node **nodes;
    size_t n;

    get_config__(dev, &config);
    get_status__(dev, &status);
    memset(&stats, 0, sizeof stats);
    get_stats__(dev, &stats);

    ds_put_format(s, "%s: role=%s\n", netdev_get_name(&dev->up),
                  smap_get_def(&config, "role", "vm"));
    ds_put_cstr(s, "  config:");
    nodes = smap_sort(&config);
    n = smap_count(&config);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(nodes[i]->key, "role")) {
            ds_put_format(s, " %s=%s", nodes[i]->key, nodes[i]->value);
        }
    }
    free(nodes);
    ds_put_cstr(s, "\n  status:");
    nodes = smap_sort(&status);
    n = smap_count(&status);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(nodes[i]->key, "role")) {
            ds_put_format(s, " %s=\"%s\"", nodes[i]->key, nodes[i]->value);
        }
    }
    free(nodes);
    atomic_read_relaxed(&dev->rx_reused, &reused);
    if (port_sink(dev)) {
        uint64_t n;

        atomic_read_relaxed(&port_sink(dev)->reused, &n);
        reused += n;
    }
    ds_put_format(s, "\n  rx: packets=%"PRIu64" bytes=%"PRIu64
                  " ecp-dropped=%"PRIu64" recycled-buffers=%"PRIu64"\n"
                  "  tx: packets=%"PRIu64" bytes=%"PRIu64
                  " dropped=%"PRIu64"\n",
                  stats.rx_packets, stats.rx_bytes, stats.rx_dropped, reused,
                  stats.tx_packets, stats.tx_bytes, stats.tx_dropped);
    if (dev->options.role == PORT_ROLE_VM && dev->options.uplink) {
        uint64_t slots;
        uint32_t switching;

        atomic_read_relaxed(&dev->switching, &switching);
        atomic_read_relaxed(&dev->switch_rx_slots, &slots);
        ds_put_format(s, "  switchovers: to-remote=%"PRIu32
                      " to-local=%"PRIu32"\n"
                      "  switch: rx-slots=%"PRIu64"\n",
                      (switching + 1) / 2, switching / 2, slots);
    }
    if (dev->options.role == PORT_ROLE_SWITCH) {
        uint64_t unacked, stale;

        atomic_read_relaxed(&dev->vm_unacked, &unacked);
        atomic_read_relaxed(&dev->stale_ring, &stale);
        ds_put_format(s, "  switchovers: unacked=%"PRIu64"\n"
                      "  ingress: stale-ring-drops=%"PRIu64"\n",
                      unacked, stale);
    }
    if (dev->conn) {
        show_memif_queues(s, dev->conn);
    }
    if (dev->ingress.data) {
        uint64_t ring_errors, unknown;

        atomic_read_relaxed(&dev->ring_errors, &ring_errors);
        atomic_read_relaxed(&dev->unknown_tag, &unknown);
        ds_put_format(s, "  rings: bad-index=%"PRIu64" unknown-vm=%"PRIu64
                      "\n", ring_errors, unknown);
    }
    if (dev->session) {
        struct roe_session_stats st;
        uint64_t rejected = 0;

        /* Counters of the session's thread, read as they are. */
        roe_session_get_stats(dev->session, &st);
        for (int i = 0; i < N_ROE_REJECTS; i++) {
            rejected += st.qp.rejects[i];
        }
        ds_put_format(s, "  session: vdp rx=%"PRIu64" tx=%"PRIu64
                      " bad=%"PRIu64" lost=%"PRIu64" auth-failures=%"PRIu64
                      " associations=%"PRIu64
                      " lapses=%"PRIu64" resets=%"PRIu64"\n"
                      "    roe: rx=%"PRIu64" unknown-qp=%"PRIu64
                      " tx-bytes=%"PRIu64" rx-bytes=%"PRIu64
                      " reads=%"PRIu64" writes=%"PRIu64
                      " retransmits=%"PRIu64" rejected=%"PRIu64"\n",
                      st.vdp_rx, st.vdp_tx, st.vdp_bad, st.vdp_lost,
                      st.vdp_auth_failures, st.associations, st.lapses,
                      st.resets, st.roe_rx, st.roe_unknown_qp,
                      st.qp.tx_payload_bytes, st.qp.rx_payload_bytes,
                      st.qp.reads, st.qp.writes,
                      st.qp.retransmits, rejected);
        ds_put_format(s, "    hostile: foreign-frames=%"PRIu64
                      " read-replays-refused=%"PRIu64
                      " vsis-refused=%"PRIu64"\n",
                      st.foreign_frames, st.qp.read_replays_refused,
                      st.vsis_refused);
        if (st.vsis_refused) {
            /* Written by the session's thread: a diagnostic, bounded. */
            ds_put_format(s, "    last refusal: %.100s\n",
                          roe_session_refusal(dev->session));
        }
        if (dev->options.role == PORT_ROLE_UPLINK) {
            ds_put_format(s, "    switchovers: held-requests=%"PRIu64"\n",
                          st.qp.held);
        }
        if (rejected) {
            const char *sep = "";

            ds_put_cstr(s, "    rejected: ");
            for (int i = 0; i < N_ROE_REJECTS; i++) {
                if (st.qp.rejects[i]) {
                    ds_put_format(s, "%s%s=%"PRIu64, sep,
                                  roe_reject_to_string(i), st.qp.rejects[i]);
                    sep = ", ";
                }
            }
            ds_put_char(s, '\n');
        }
    }
    smap_destroy(&config);
    smap_destroy(&status);
}

static void
netdev_ecprdma_show(struct unixctl_conn *conn, int argc,
                    const char *argv[], void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct netdev_ecprdma *dev;

    ovs_mutex_lock(&ecprdma_mutex);
    if (argc > 1) {
        dev = netdev_ecprdma_find(argv[1]);
        if (!dev) {
            ovs_mutex_unlock(&ecprdma_mutex);
            unixctl_command_reply_error(conn, "no such ecp-rdma port");
            return;
        }
        show_port(&s, dev);
    } else {
        LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
            show_port(&s, dev);
        }
    }
    ovs_mutex_unlock(&ecprdma_mutex);

    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* ecp-rdma/link-fault PORT SPEC: for tests, makes the link of an uplink or
 * switch port drop, duplicate or reorder what it sends. */
static void
netdev_ecprdma_link_fault(struct unixctl_conn *conn, int argc OVS_UNUSED,
                          const char *argv[], void *aux OVS_UNUSED)
{
    struct link_faults faults;
    struct netdev_ecprdma *dev;
    char *error;

    error = link_faults_parse(argv[2], &faults);
    if (!error && faults.corrupt) {
        error = xstrdup("corrupt: not on ports (RoE frames carry no CRC "
                        "there)");
    }
    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
        return;
    }
    ovs_mutex_lock(&ecprdma_mutex);
    dev = netdev_ecprdma_find(argv[1]);
    if (!dev || (dev->options.role != PORT_ROLE_UPLINK
                 && dev->options.role != PORT_ROLE_SWITCH)) {
        ovs_mutex_unlock(&ecprdma_mutex);
        unixctl_command_reply_error(conn, "no such uplink or switch port");
        return;
    }
    ovs_spin_lock(&dev->faults_lock);
    dev->faults = faults;
    atomic_store_relaxed(&dev->faults_changed, true);
    ovs_spin_unlock(&dev->faults_lock);
    ovs_mutex_unlock(&ecprdma_mutex);
    unixctl_command_reply(conn, NULL);
}

static void
netdev_ecprdma_test_check_quiesced(struct unixctl_conn *conn,
                                   int argc OVS_UNUSED, const char *argv[],
                                   void *aux OVS_UNUSED)
{
    struct netdev_ecprdma *dev;

    ovs_mutex_lock(&ecprdma_mutex);
    dev = netdev_ecprdma_find(argv[1]);
    if (!dev || dev->options.role != PORT_ROLE_UPLINK) {
        ovs_mutex_unlock(&ecprdma_mutex);
        unixctl_command_reply_error(conn, "no such uplink port");
        return;
    }
    dev->watch_request = true;
    ovs_mutex_unlock(&ecprdma_mutex);
    unixctl_command_reply(conn, NULL);
}

/* Runs the memif control channels of all "vm" ports, in the main thread. */
static void
netdev_ecprdma_run(const struct netdev_class *class OVS_UNUSED)
{
    /* Clients trigger these messages: a client that connects again and
     * again must not fill the log. */
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    static struct vlog_rate_limit info_rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct netdev_ecprdma *dev;
    struct netdev **closes;
    size_t n_closes;

    ovs_mutex_lock(&ecprdma_mutex);
    closes = deferred_closes;
    n_closes = n_deferred_closes;
    deferred_closes = NULL;
    n_deferred_closes = 0;
    ovs_mutex_unlock(&ecprdma_mutex);
    for (size_t i = 0; i < n_closes; i++) {
        netdev_close(closes[i]);
    }
    free(closes);

    ovs_mutex_lock(&ecprdma_mutex);
    status_seq_seen = seq_read(status_seq);
    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        uint64_t rejected;
        bool changed;

        changed = atomic_exchange(&dev->status_changed, false);
        if (changed) {
            netdev_change_seq_changed(&dev->up);
        }

        switch (dev->options.role) {
        case PORT_ROLE_UPLINK:
            for (size_t i = 0; i < dev->n_vms; i++) {
                if (dev->vms[i].vm->up.ref_cnt == 1) {
                    /* Only the uplink still has it: the port is gone. */
                    netdev_request_reconfigure(&dev->up);
                }
            }
            break;
        case PORT_ROLE_SWITCH:
            switch_bind(dev, false);
            break;
        case PORT_ROLE_VSI:
            if (!dev->session_dev && dev->configured) {
                struct netdev_ecprdma *sw
                    = netdev_ecprdma_find(dev->options.session);

                if (sw && sw->options.role == PORT_ROLE_SWITCH) {
                    netdev_request_reconfigure(&dev->up);
                }
            }
            break;
        case PORT_ROLE_VM:
            break;
        }
        if (!dev->memif) {
            continue;
        }
        rejected = memif_server_n_rejected(dev->memif);
        if (memif_server_run(dev->memif)) {
            enum memif_server_state state = memif_server_state(dev->memif);

            if (state == MEMIF_SERVER_CONNECTED) {
                VLOG_INFO_RL(&info_rl, "%s: memif client connected",
                             netdev_get_name(&dev->up));
            } else if (memif_server_n_rejected(dev->memif) == rejected) {
                VLOG_INFO_RL(&info_rl, "%s: memif %s",
                             netdev_get_name(&dev->up),
                             memif_server_last_error(dev->memif));
            }
            request_reconfigure(dev);
        }
        if (memif_server_n_rejected(dev->memif) != rejected) {
            VLOG_WARN_RL(&rl, "%s: memif %s", netdev_get_name(&dev->up),
                         memif_server_last_error(dev->memif));
        }
    }
    ovs_mutex_unlock(&ecprdma_mutex);
}

static void
netdev_ecprdma_wait(const struct netdev_class *class OVS_UNUSED)
{
    struct netdev_ecprdma *dev;

    ovs_mutex_lock(&ecprdma_mutex);
    if (n_deferred_closes) {
        poll_immediate_wake();
    }
    seq_wait(status_seq, status_seq_seen);
    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        int fds[2];
        int n;

        if (dev->options.role == PORT_ROLE_SWITCH) {
            seq_wait(dev->info_seq, dev->info_seq_seen);
        }
        if (!dev->memif) {
            continue;
        }
        n = memif_server_fds(dev->memif, fds);
        for (int i = 0; i < n; i++) {
            poll_fd_wait(fds[i], POLLIN);
        }
        if (memif_server_state(dev->memif) == MEMIF_SERVER_CONNECTED) {
            /* Faults that the data path finds in the rings. */
            poll_timer_wait(100);
        } else if (memif_server_timeout(dev->memif) >= 0) {
            poll_timer_wait(memif_server_timeout(dev->memif));
        }
    }
    ovs_mutex_unlock(&ecprdma_mutex);
}

static int
netdev_ecprdma_class_init(void)
{
    ovsthread_key_create(&packet_cache_key, packet_cache_destroy);
    status_seq = seq_create();
    unixctl_command_register("ecp-rdma/show", "[port]", 0, 1,
                             netdev_ecprdma_show, NULL);
    unixctl_command_register("ecp-rdma/link-fault",
                             "port \"[drop=P] [dup=P] [reorder=P] [seed=N]\"",
                             2, 2, netdev_ecprdma_link_fault, NULL);
    unixctl_command_register("ecp-rdma/test-check-quiesced", "port", 1, 1,
                             netdev_ecprdma_test_check_quiesced, NULL);
    return 0;
}

static const struct netdev_class netdev_ecprdma_class = {
    .type = "ecp-rdma",
    .is_pmd = true,
    .init = netdev_ecprdma_class_init,
    .run = netdev_ecprdma_run,
    .wait = netdev_ecprdma_wait,
    .alloc = netdev_ecprdma_alloc,
    .construct = netdev_ecprdma_construct,
    .destruct = netdev_ecprdma_destruct,
    .dealloc = netdev_ecprdma_dealloc,
    .get_config = netdev_ecprdma_get_config,
    .set_config = netdev_ecprdma_set_config,
    .get_numa_id = netdev_ecprdma_get_numa_id,
    .set_tx_multiq = netdev_ecprdma_set_tx_multiq,
    .send = netdev_ecprdma_send,
    .set_etheraddr = netdev_ecprdma_set_etheraddr,
    .get_etheraddr = netdev_ecprdma_get_etheraddr,
    .get_mtu = netdev_ecprdma_get_mtu,
    .set_mtu = netdev_ecprdma_set_mtu,
    .get_stats = netdev_ecprdma_get_stats,
    .get_custom_stats = netdev_ecprdma_get_custom_stats,
    .get_status = netdev_ecprdma_get_status,
    .update_flags = netdev_ecprdma_update_flags,
    .reconfigure = netdev_ecprdma_reconfigure,
    .rxq_alloc = netdev_ecprdma_rxq_alloc,
    .rxq_construct = netdev_ecprdma_rxq_construct,
    .rxq_destruct = netdev_ecprdma_rxq_destruct,
    .rxq_dealloc = netdev_ecprdma_rxq_dealloc,
    .rxq_recv = netdev_ecprdma_rxq_recv,
};

int
netdev_ecprdma_register(void)
{
    return netdev_register_provider(&netdev_ecprdma_class);
}
