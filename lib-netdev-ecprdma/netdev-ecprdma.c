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
 * One class serves every role: "vm" (a VM's memif port on a server),
 * "uplink" (the server's ECP endpoint), "switch" (the access switch's end
 * of a server link) and "vsi" (one remote VM on the switch).  The role and
 * its options come from the Interface table's "options" column and are
 * validated by the engine's port-options module.  This file holds what
 * every port has: options, counters, status, and the dispatch to the
 * roles' files (see netdev-ecprdma-private.h).
 *
 * Configuration follows the usual pattern: set_config() validates and
 * stores the requested configuration and asks for a reconfiguration, which
 * the datapath performs with the port quiesced by calling
 * reconfigure(). */

#include <config.h>
#define NETDEV_ECPRDMA_DEFINES_LOG_MODULE 1
#include "netdev-ecprdma-private.h"
#include "netdev-ecprdma.h"

#include <errno.h>
#include <string.h>

#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "seq.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_ecprdma);

struct ovs_mutex ecprdma_mutex = OVS_MUTEX_INITIALIZER;
struct ovs_list ecprdma_list OVS_GUARDED_BY(ecprdma_mutex)
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

static const struct netdev_class netdev_ecprdma_class;

static bool
is_ecprdma_class(const struct netdev_class *class)
{
    return class == &netdev_ecprdma_class;
}

struct netdev_ecprdma *
netdev_ecprdma_cast(const struct netdev *netdev)
{
    ovs_assert(is_ecprdma_class(netdev_get_class(netdev)));
    return CONTAINER_OF(netdev, struct netdev_ecprdma, up);
}

struct netdev_ecprdma *
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

/* Tells the main thread, from any thread, that Interface:status of 'dev'
 * changed (a rare event). */
void
netdev_ecprdma_status_changed(struct netdev_ecprdma *dev)
{
    atomic_store(&dev->status_changed, true);
    seq_change(status_seq);
}

struct eth_addr
netdev_ecprdma_get_hwaddr(const struct netdev_ecprdma *dev)
{
    struct eth_addr mac;

    ovs_mutex_lock(&dev->mutex);
    mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    return mac;
}

bool
closing_has(const struct closing *c, const struct netdev_ecprdma *dev)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->netdevs[i] == &dev->up) {
            return true;
        }
    }
    return false;
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
        if ((dev->vm.socket_path && !strcmp(dev->vm.socket_path, path))
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
    /* Up, as DPDK's ports are: OpenFlow controllers see the port's
     * administrative and link state as up (not PORT_DOWN, LINK_DOWN). */
    dev->flags = NETDEV_UP | NETDEV_PROMISC;
    dev->requested_n_txq = 1;
    atomic_init(&dev->status_changed, false);
    vm_port_init(dev);
    session_port_init(dev);
    uplink_port_init(dev);
    switch_port_init(dev);
    atomic_init(&dev->rx_packets, 0);
    atomic_init(&dev->rx_bytes, 0);
    atomic_init(&dev->tx_packets, 0);
    atomic_init(&dev->tx_bytes, 0);
    atomic_init(&dev->tx_dropped, 0);
    atomic_init(&dev->tx_unbound, 0);
    atomic_init(&dev->tx_ring_full, 0);
    atomic_init(&dev->rx_errors, 0);
    atomic_init(&dev->rx_dropped, 0);
    atomic_init(&dev->rx_reused, 0);

    /* No I/O until the first reconfigure() applies the configuration. */
    netdev->n_rxq = 0;
    netdev->n_txq = 0;

    ovs_mutex_lock(&ecprdma_mutex);
    dev->vm.socket_path = vm_port_socket_path(netdev_get_name(netdev),
                                              &dev->requested);
    ovs_list_push_back(&ecprdma_list, &dev->list_node);
    ovs_mutex_unlock(&ecprdma_mutex);

    netdev_request_reconfigure(netdev);
    return 0;
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
void
netdev_ecprdma_make_vsiid(const char *name, const char *what,
                          uint8_t id[VDP_VSIID_LEN])
{
    uint32_t basis = hash_string(what, 0);

    for (int i = 0; i < VDP_VSIID_LEN / 4; i++) {
        uint32_t h = hash_string(name, basis + i);

        memcpy(id + 4 * i, &h, 4);
    }
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
}

static void
netdev_ecprdma_destruct(struct netdev *netdev)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    struct closing closing = { .n = 0 };

    ovs_mutex_lock(&ecprdma_mutex);
    ovs_list_remove(&dev->list_node);
    session_port_destroy(dev, &closing);
    vsi_port_destroy(dev, &closing);
    vm_port_destroy(dev);
    free(dev->session.error);
    deferred_closes = xrealloc(deferred_closes,
                               (n_deferred_closes + closing.n)
                               * sizeof *deferred_closes);
    for (size_t i = 0; i < closing.n; i++) {
        deferred_closes[n_deferred_closes++] = closing.netdevs[i];
    }
    ovs_mutex_unlock(&ecprdma_mutex);

    port_options_destroy(&dev->requested);
    port_options_destroy(&dev->options);
    uplink_port_destroy(dev);
    switch_port_destroy(dev);
    ovs_spin_destroy(&dev->session.faults_lock);
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
            socket_path = vm_port_socket_path(netdev_get_name(netdev), &po);
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
        free(dev->vm.socket_path);
        dev->vm.socket_path = socket_path;
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

void
netdev_ecprdma_get_config__(const struct netdev_ecprdma *dev,
                            struct smap *args)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct port_options *po = &dev->requested;
    char uuid[37];

    smap_add(args, "role", port_role_to_string(po->role));
    switch (po->role) {
    case PORT_ROLE_VM:
        smap_add(args, "socket", dev->vm.socket_path);
        smap_add_format(args, "id", "%"PRIu32, po->id);
        smap_add_format(args, "ring-size", "%"PRIu32, po->ring_size);
        smap_add_format(args, "buffer-size", "%"PRIu32, po->buffer_size);
        smap_add_format(args, "n-rxq", "%"PRIu32, po->n_rxq);
        smap_add_format(args, "tx-retries", "%"PRIu32, po->tx_retries);
        smap_add_format(args, "rx-park-after", "%"PRIu32,
                        po->rx_park_after);
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
        smap_add_format(args, "rx-park-after", "%"PRIu32,
                        po->rx_park_after);
        break;
    }
}

static int
netdev_ecprdma_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);

    ovs_mutex_lock(&ecprdma_mutex);
    netdev_ecprdma_get_config__(dev, args);
    ovs_mutex_unlock(&ecprdma_mutex);
    return 0;
}

/* Stops what the options that 'dev' applied need and its new ones do not:
 * its memif server, its session, its switch. */
static void
netdev_ecprdma_detach(struct netdev_ecprdma *dev, struct closing *closing,
                      bool *rebind)
    OVS_REQUIRES(ecprdma_mutex)
{
    vm_port_detach(dev, &dev->requested);
    if (session_port_options_differ(&dev->options, &dev->requested)
        || (dev->session.error && !dev->session.roe)) {
        session_port_destroy(dev, closing);
    }
    vsi_port_detach(dev, &dev->requested, closing, rebind);
}

static int
netdev_ecprdma_reconfigure(struct netdev *netdev)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    struct closing closing = { .n = 0 };
    struct netdev_ecprdma *exporter;
    bool rebind;

    ovs_mutex_lock(&ecprdma_mutex);
    /* The uplink that exports this port uses its connection from its own
     * thread, which OVS does not quiesce for this port: keep that thread
     * out until the uplink has stopped using what goes away. */
    exporter = uplink_exporting(dev);
    if (exporter) {
        ovs_mutex_lock(&exporter->uplink.vms_mutex);
        uplink_check_quiesced(exporter, dev);
    }
    netdev_ecprdma_detach(dev, &closing, &rebind);
    port_options_destroy(&dev->options);
    port_options_clone(&dev->options, &dev->requested);
    dev->configured = true;

    switch (dev->options.role) {
    case PORT_ROLE_VM:
        vm_port_reconfigure(dev, &closing);
        break;

    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
        if (!dev->session.roe) {
            session_port_create(dev);
        }
        if (dev->options.role == PORT_ROLE_UPLINK) {
            uplink_port_reconcile(dev, &closing);
        }
        break;

    case PORT_ROLE_VSI:
        vsi_port_reconfigure(dev, rebind);
        break;
    }

    netdev->n_rxq = dev->options.role == PORT_ROLE_VM ? dev->options.n_rxq
                                                      : 1;
    netdev->n_txq = dev->requested_n_txq;
    if (exporter) {
        ovs_mutex_unlock(&exporter->uplink.vms_mutex);
    }
    ovs_mutex_unlock(&ecprdma_mutex);
    for (size_t i = 0; i < closing.n; i++) {
        netdev_close(closing.netdevs[i]);
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

static int
netdev_ecprdma_send(struct netdev *netdev, int qid,
                    struct dp_packet_batch *batch,
                    bool concurrent_txq OVS_UNUSED)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(netdev);
    size_t n = dp_packet_batch_size(batch);
    bool has_ring = false;
    uint64_t bytes = 0;
    uint64_t orig;
    int sent = 0;

    switch (dev->options.role) {
    case PORT_ROLE_VM:
        return vm_port_send(dev, qid, batch);

    case PORT_ROLE_UPLINK:
        sent = uplink_port_send(dev, batch, &bytes);
        break;

    case PORT_ROLE_SWITCH:
        sent = switch_port_push(dev, 0, batch, &bytes, &has_ring);
        break;

    case PORT_ROLE_VSI:
        sent = vsi_port_send(dev, batch, &bytes, &has_ring);
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

int
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
netdev_ecprdma_rxq_construct(struct netdev_rxq *rxq)
{
    netdev_rxq_ecprdma_cast(rxq)->sleep_epfd = -1;
    netdev_rxq_ecprdma_cast(rxq)->sleep_timerfd = -1;
    return 0;
}

static void
netdev_ecprdma_rxq_destruct(struct netdev_rxq *rxq)
{
    rxq_sleep_destroy(netdev_rxq_ecprdma_cast(rxq));
}

static void
netdev_ecprdma_rxq_dealloc(struct netdev_rxq *rxq)
{
    free(netdev_rxq_ecprdma_cast(rxq));
}

/* Whether PMD threads are to poll 'rxq': not while it is parked. */
static bool
netdev_ecprdma_rxq_enabled(struct netdev_rxq *rxq)
{
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);

    switch (dev->options.role) {
    case PORT_ROLE_VM:
        return vm_port_rxq_enabled(dev, rxq->queue_id);
    case PORT_ROLE_VSI:
        return vsi_port_rxq_enabled(dev);
    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
    default:
        return true;
    }
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
        return vm_port_rxq_recv(rxq, batch, qfill);

    case PORT_ROLE_UPLINK:
        if (dev->session.roe && !ovs_mutex_trylock(&dev->uplink.vms_mutex)) {
            uplink_port_recv(dev, batch);
            ovs_mutex_unlock(&dev->uplink.vms_mutex);
        }
        break;

    case PORT_ROLE_SWITCH:
        if (dev->session.roe) {
            switch_port_recv(dev, batch);
        }
        break;

    case PORT_ROLE_VSI:
        vsi_port_recv(dev, batch);
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

/* Closes the references that destruct() dropped. */
static void
close_deferred(void)
{
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
}

/* Runs what every port does in the main thread: the memif control
 * channels of "vm" ports, the binding of "vsi" ports, and the changes of
 * Interface:status that the data path made. */
static void
netdev_ecprdma_run(const struct netdev_class *class OVS_UNUSED)
{
    struct netdev_ecprdma *dev;

    close_deferred();
    ovs_mutex_lock(&ecprdma_mutex);
    status_seq_seen = seq_read(status_seq);
    vsi_ports_poll_wake();
    LIST_FOR_EACH (dev, list_node, &ecprdma_list) {
        if (atomic_exchange(&dev->status_changed, false)) {
            netdev_change_seq_changed(&dev->up);
        }
        switch (dev->options.role) {
        case PORT_ROLE_UPLINK:
            uplink_port_run(dev);
            break;
        case PORT_ROLE_SWITCH:
            switch_port_bind(dev, false);
            break;
        case PORT_ROLE_VSI:
            vsi_port_run(dev);
            break;
        case PORT_ROLE_VM:
            break;
        }
        if (dev->vm.memif && vm_port_run(dev)) {
            request_reconfigure(dev);
        }
        if (dev->vm.conn && vm_port_park_run(dev)) {
            netdev_change_seq_changed(&dev->up);
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
        if (dev->options.role == PORT_ROLE_SWITCH) {
            switch_port_wait(dev);
        } else if (dev->options.role == PORT_ROLE_VSI) {
            vsi_port_wait(dev);
        }
        if (dev->vm.memif) {
            vm_port_wait(dev);
        }
        if (dev->vm.conn) {
            vm_port_park_wait(dev);
        }
    }
    ovs_mutex_unlock(&ecprdma_mutex);
}

static int
netdev_ecprdma_class_init(void)
{
    packet_cache_init();
    status_seq = seq_create();
    netdev_ecprdma_register_show();
    session_port_register_commands();
    uplink_port_register_commands();
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
    .rxq_enabled = netdev_ecprdma_rxq_enabled,
    .rxq_sleep_prepare = netdev_ecprdma_rxq_sleep_prepare,
    .rxq_sleep_end = netdev_ecprdma_rxq_sleep_end,
};

int
netdev_ecprdma_register(void)
{
    return netdev_register_provider(&netdev_ecprdma_class);
}
