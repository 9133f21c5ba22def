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
 * One class serves every role of DESIGN.md: "vm" (a VM's memif port on a
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
 * The other roles have no data path yet: they receive nothing and drop,
 * and count, everything sent to them.  get_status() says so. */

#include <config.h>
#include "netdev-ecprdma.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "dirs.h"
#include "ecp.h"
#include "memif-server.h"
#include "dp-packet.h"
#include "dpif-netdev.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "packets.h"
#include "port-options.h"
#include "smap.h"
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

    /* Counters updated on the fast path. */
    atomic_uint64_t rx_packets;
    atomic_uint64_t rx_bytes;
    atomic_uint64_t tx_packets;
    atomic_uint64_t tx_bytes;
    atomic_uint64_t tx_dropped;
    atomic_uint64_t rx_errors;
    atomic_uint64_t rx_dropped; /* ECP frames from a VM. */
    atomic_uint64_t rx_reused;  /* Received into recycled packets. */
};

struct netdev_rxq_ecprdma {
    struct netdev_rxq up;
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
    atomic_init(&dev->rx_errors, 0);
    atomic_init(&dev->rx_dropped, 0);
    atomic_init(&dev->rx_reused, 0);

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

static void
netdev_ecprdma_destruct(struct netdev *netdev)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    ovs_list_remove(&dev->list_node);
    detach_memif(dev);
    memif_server_destroy(dev->memif);
    free(dev->memif_path);
    free(dev->memif_error);
    ovs_mutex_unlock(&ecprdma_mutex);

    port_options_destroy(&dev->requested);
    port_options_destroy(&dev->options);
    free(dev->socket_path);
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
        netdev_request_reconfigure(netdev);
    } else {
        port_options_destroy(&po);
        free(socket_path);
    }
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
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

static int
netdev_ecprdma_reconfigure(struct netdev *netdev)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    detach_memif(dev);
    if (memif_options_differ(&dev->options, &dev->requested)
        || !nullable_string_is_equal(dev->memif_path, dev->socket_path)) {
        memif_server_destroy(dev->memif);
        dev->memif = NULL;
        free(dev->memif_path);
        dev->memif_path = NULL;
    }
    port_options_destroy(&dev->options);
    port_options_clone(&dev->options, &dev->requested);
    dev->configured = true;

    if (dev->options.role == PORT_ROLE_VM) {
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
    }

    netdev->n_rxq = dev->options.role == PORT_ROLE_VM ? dev->options.n_rxq
                                                      : 1;
    netdev->n_txq = dev->requested_n_txq;
    ovs_mutex_unlock(&ecprdma_mutex);

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
        netdev_request_reconfigure(netdev);
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

/* Returns true if 'packet' is a block that new_rx_packet() made, unchanged
 * since. */
static bool
is_rx_block(const struct dp_packet *packet)
{
    return packet->source == DPBUF_STUB
           && dp_packet_base(packet) == packet + 1;
}

/* Returns a packet with room for 'capacity' bytes after DP_NETDEV_HEADROOM
 * of headroom.  If OVS needs to grow it, it moves the data to a buffer of
 * its own, as for any stub.  '*reused' counts blocks taken from the cache. */
static struct dp_packet *
new_rx_packet(struct packet_cache *cache, uint32_t capacity,
              uint64_t *reused)
{
    size_t room = DP_NETDEV_HEADROOM + capacity;
    struct dp_packet *packet;

    while (cache->n) {
        packet = cache->packets[--cache->n];
        if (dp_packet_get_allocated(packet) == room) {
            (*reused)++;
            goto init;
        }
        free(packet);
    }
    packet = xmalloc(sizeof *packet + room);

init:
    dp_packet_use_stub(packet, packet + 1, room);
    dp_packet_reserve(packet, DP_NETDEV_HEADROOM);
    return packet;
}

/* Frees the packets of 'batch', keeping the blocks that new_rx_packet()
 * made in this thread's cache. */
static void
recycle_batch(struct dp_packet_batch *batch)
{
    struct packet_cache *cache = packet_cache_get();
    struct dp_packet *packet;

    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        if (is_rx_block(packet) && cache->n < PACKET_CACHE_SIZE) {
            cache->packets[cache->n++] = packet;
        } else {
            dp_packet_delete(packet);
        }
    }
    dp_packet_batch_init(batch);
}

static int
netdev_ecprdma_send(struct netdev *netdev, int qid,
                    struct dp_packet_batch *batch,
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

static int
netdev_ecprdma_get_stats(const struct netdev *netdev,
                         struct netdev_stats *stats)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    atomic_read_relaxed(&dev->rx_packets, &stats->rx_packets);
    atomic_read_relaxed(&dev->rx_bytes, &stats->rx_bytes);
    atomic_read_relaxed(&dev->tx_packets, &stats->tx_packets);
    atomic_read_relaxed(&dev->tx_bytes, &stats->tx_bytes);
    atomic_read_relaxed(&dev->tx_dropped, &stats->tx_dropped);
    atomic_read_relaxed(&dev->rx_errors, &stats->rx_errors);
    atomic_read_relaxed(&dev->rx_dropped, &stats->rx_dropped);
    stats->tx_errors = 0;
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
get_status__(const struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct port_options *po = &dev->options;

    smap_add(status, "role", port_role_to_string(po->role));
    smap_add(status, "state", dev->configured ? "configured" : "new");
    if (po->role == PORT_ROLE_VM) {
        get_memif_status(dev, status);
        smap_add(status, "switching", "local");
    } else {
        smap_add(status, "datapath",
                 "not implemented: receives nothing, drops every send");
        if (po->role == PORT_ROLE_UPLINK || po->role == PORT_ROLE_SWITCH) {
            smap_add(status, "session", "DOWN");
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
netdev_ecprdma_rxq_recv(struct netdev_rxq *rxq,
                        struct dp_packet_batch *batch, int *qfill)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);
    struct memif_connection *conn = dev->conn;
    struct memif_rx_buf bufs[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    uint32_t capacity = dev->options.buffer_size;
    struct packet_cache *cache;
    struct memif_queue *q;
    uint64_t reused = 0;
    uint64_t bytes = 0;
    uint64_t oversize;
    int ecp = 0;
    uint16_t pending;
    uint64_t orig;
    int n, filled;

    if (!conn || rxq->queue_id >= conn->n_c2s) {
        return EAGAIN;
    }
    q = &conn->c2s[rxq->queue_id];
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
    netdev_ecprdma_get_stats(&dev->up, &stats);

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
    ds_put_format(s, "\n  rx: packets=%"PRIu64" bytes=%"PRIu64
                  " ecp-dropped=%"PRIu64" recycled-buffers=%"PRIu64"\n"
                  "  tx: packets=%"PRIu64" bytes=%"PRIu64
                  " dropped=%"PRIu64"\n",
                  stats.rx_packets, stats.rx_bytes, stats.rx_dropped, reused,
                  stats.tx_packets, stats.tx_bytes, stats.tx_dropped);
    if (dev->conn) {
        show_memif_queues(s, dev->conn);
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

/* Runs the memif control channels of all "vm" ports, in the main thread. */
static void
netdev_ecprdma_run(const struct netdev_class *class OVS_UNUSED)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);
    struct netdev_ecprdma *dev;

    ovs_mutex_lock(&ecprdma_mutex);
    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        uint64_t rejected;

        if (!dev->memif) {
            continue;
        }
        rejected = memif_server_n_rejected(dev->memif);
        if (memif_server_run(dev->memif)) {
            enum memif_server_state state = memif_server_state(dev->memif);

            if (state == MEMIF_SERVER_CONNECTED) {
                VLOG_INFO("%s: memif client connected",
                          netdev_get_name(&dev->up));
            } else if (memif_server_n_rejected(dev->memif) == rejected) {
                VLOG_INFO("%s: memif %s", netdev_get_name(&dev->up),
                          memif_server_last_error(dev->memif));
            }
            netdev_request_reconfigure(&dev->up);
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
    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        int fds[2];
        int n;

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
    unixctl_command_register("ecp-rdma/show", "[port]", 0, 1,
                             netdev_ecprdma_show, NULL);
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
