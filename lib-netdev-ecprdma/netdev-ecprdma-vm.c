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

/* Role "vm": a VM's port on a server, a memif server (memif-server.c).
 *
 * Its control channel runs in the main thread, from the class's run()
 * callback; when a client connects or goes away, the port asks for a
 * reconfiguration, and reconfigure(), with the datapath quiesced, attaches
 * the client's rings to the port's queues or detaches them before the
 * client's memory is unmapped.  rxq N receives from the client's C2S ring
 * N; send() transmits into the S2C rings.
 *
 * With options:uplink, the uplink port exports the client's memory and C2S
 * rings as a VSI (netdev-ecprdma-uplink.c).  While the VSI is associated
 * (switching=auto) or always (switching=remote), the port's receive queues
 * leave the C2S rings to the switch: 'switching' says who has them. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "dirs.h"
#include "memif-server.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "roe-session.h"
#include "smap.h"
#include "util.h"

/* Returns the memif socket path that a "vm" port named 'name' with options
 * 'po' listens on, as a malloc()'d string. */
char *
vm_port_socket_path(const char *name, const struct port_options *po)
{
    return po->socket ? xstrdup(po->socket)
                      : xasprintf("%s/ecp-rdma/%s.sock", ovs_rundir(), name);
}

/* Adds the counters of the rings of 'conn' to 'c'. */
static void
add_memif_counters(const struct memif_connection *conn,
                   struct vm_memif_counters *c)
{
    for (int i = 0; i < conn->n_c2s; i++) {
        c->rx_oversize += conn->c2s[i].oversize;
        c->rx_bursts += conn->c2s[i].bursts;
        c->rx_sleeps += conn->c2s[i].sleeps;
        c->rx_sleep_wakeups += conn->c2s[i].sleep_wakeups;
    }
    for (int i = 0; i < conn->n_s2c; i++) {
        const struct memif_queue *q = &conn->s2c[i];

        c->tx_no_room += q->no_room;
        c->tx_retries += q->retries;
        c->tx_bursts += q->bursts;
        c->tx_kicks += q->kicks;
        c->tx_kicks_suppressed += q->kicks_suppressed;
    }
}

/* Stops using the memif connection in the data path, which must be
 * quiesced, and lets the server release it if it went down.  If it went
 * down, or goes because 'destroying' the server, keeps its counters. */
static void
detach_memif(struct netdev_ecprdma *dev, bool destroying)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct memif_connection *conn = dev->vm.conn;

    vm_port_park_stop(dev);
    if (conn) {
        for (int i = 0; i < conn->n_s2c; i++) {
            ovs_spin_destroy(&dev->vm.s2c_locks[i]);
        }
        free(dev->vm.s2c_locks);
        dev->vm.s2c_locks = NULL;
        dev->vm.conn = NULL;
        if (destroying
            || memif_server_state(dev->vm.memif) != MEMIF_SERVER_CONNECTED) {
            add_memif_counters(conn, &dev->vm.closed);
        }
    }
    if (dev->vm.memif) {
        memif_server_detach(dev->vm.memif);
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

    free(dev->vm.memif_error);
    dev->vm.memif_error = NULL;
    if (memif_server_create(dev->vm.socket_path, &limits,
                            netdev_get_name(&dev->up), &dev->vm.memif,
                            &error)) {
        VLOG_WARN_RL(&rl, "%s: %s", netdev_get_name(&dev->up), error);
        dev->vm.memif_error = error;
    }
}

/* Describes the client memory and C2S rings of 'conn' as a VSI. */
char *
vm_port_vsi_spec(const struct netdev_ecprdma *vm,
                 const struct memif_connection *conn,
                 struct roe_vsi_spec *spec)
{
    size_t n_rings = MIN(conn->n_c2s, VDP_MAX_RINGS);
    struct eth_addr mac;

    if (conn->n_regions + n_rings > VDP_MAX_MRS) {
        return xasprintf("the client has %d regions, at most %d can be "
                         "exported", conn->n_regions,
                         (int) (VDP_MAX_MRS - n_rings));
    }
    memset(spec, 0, sizeof *spec);
    netdev_ecprdma_make_vsiid(netdev_get_name(&vm->up), vm->vm.socket_path,
                              spec->vsiid);
    mac = netdev_ecprdma_get_hwaddr(vm);
    memcpy(spec->mac, mac.ea, ETH_ADDR_LEN);
    if (vm->options.iface_id) {
        ovs_strlcpy(spec->iface_id, vm->options.iface_id,
                    sizeof spec->iface_id);
    }
    if (vm->options.vm_id) {
        ovs_strlcpy(spec->vm_id, vm->options.vm_id, sizeof spec->vm_id);
    }
    for (int i = 0; i < conn->n_regions; i++) {
        spec->regions[i] = (struct roe_region) {
            .addr = conn->regions[i].addr,
            .iova = ROE_REGION_IOVA(i),
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
                    .base_iova = ROE_REGION_IOVA(k) + ofs
                                 + offsetof(struct memif_ring, desc),
                    .producer_iova = ROE_REGION_IOVA(k) + ofs
                                     + offsetof(struct memif_ring, head),
                    .consumer_iova = ROE_REGION_IOVA(tail_mr),
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
            .iova = ROE_REGION_IOVA(tail_mr),
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

/* Whether the switch, not the vm port, receives from 'vm''s C2S rings. */
static bool
vm_is_remote(const struct netdev_ecprdma *vm)
{
    uint32_t switching;

    atomic_read(&vm->vm.switching, &switching);
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
uint32_t
vm_port_set_remote(struct netdev_ecprdma *vm, bool associated)
{
    const struct port_options *po = &vm->options;
    bool remote = (po->role == PORT_ROLE_VM && po->uplink
                   && (po->switching == PORT_SWITCHING_REMOTE
                       || (po->switching == PORT_SWITCHING_AUTO
                           && associated)));
    uint32_t old;

    /* The main thread and the uplink's thread may both get here. */
    atomic_read(&vm->vm.switching, &old);
    do {
        if ((old & 1) == remote) {
            return old;
        }
    } while (!atomic_compare_exchange_strong(&vm->vm.switching, &old,
                                             old + 1));
    netdev_ecprdma_status_changed(vm);
    return old + 1;
}

/* Puts the 'n' frames of 'pkts' into S2C ring 'ring' of 'dev''s
 * connection, under the ring's lock: any thread may send to any ring.
 * Returns the number of frames put. */
static int
vm_tx_ring(struct netdev_ecprdma *dev, int ring,
           const struct memif_tx_pkt *pkts, int n)
{
    int sent;

    ovs_spin_lock(&dev->vm.s2c_locks[ring]);
    sent = memif_queue_tx(&dev->vm.conn->s2c[ring], pkts, n,
                          dev->options.tx_retries);
    ovs_spin_unlock(&dev->vm.s2c_locks[ring]);
    return sent;
}

/* Mixes the 4 bytes at 'p' into 'hash'. */
static inline uint32_t
ring_hash_add(uint32_t hash, const uint8_t *p)
{
    uint32_t word;

    memcpy(&word, p, sizeof word);
    return (hash ^ word) * 0x9e3779b1u;
}

/* Returns the S2C ring, among 'n_rings', of the frame of 'len' bytes at
 * 'data': a function of its Ethernet addresses and, for IPv4 and IPv6
 * behind at most one VLAN tag, of its IP addresses.  So it is the same
 * for every frame of a flow, fragments too, whichever PMD thread sends it
 * and however dpif-netdev classified it (dpif-netdev's RSS hash is no
 * such function: it hashes the first frame of a flow, in its upcall, and
 * not the frames that its simple match of in_port flows forwards), and
 * moving a receive queue to another PMD thread cannot reorder a flow in
 * the VM, which reads its rings one after another.  No division: this
 * runs per frame. */
static int
vm_tx_ring_of(const uint8_t *data, uint32_t len, int n_rings)
{
    uint32_t hash = 0;
    uint16_t type;
    uint32_t l3;

    if (len < ETH_HEADER_LEN) {
        return 0;
    }
    type = frame_eth_type(data, len, &l3);
    /* The last 4 bytes of each address. */
    hash = ring_hash_add(hash, data + 2);
    hash = ring_hash_add(hash, data + ETH_ADDR_LEN + 2);
    if (type == ETH_TYPE_IP && len >= l3 + IP_HEADER_LEN) {
        hash = ring_hash_add(hash, data + l3 + 12);
        hash = ring_hash_add(hash, data + l3 + 16);
    } else if (type == ETH_TYPE_IPV6 && len >= l3 + IPV6_HEADER_LEN) {
        for (int i = 8; i < IPV6_HEADER_LEN; i += 4) {
            hash = ring_hash_add(hash, data + l3 + i);
        }
    }
    return ((uint64_t) hash * n_rings) >> 32;
}

/* Puts the 'n' frames of 'pkts' into the S2C rings 'rings' name, each
 * ring's frames in their order, with one burst per ring.  Adds the bytes
 * of the frames put to '*bytes' and returns their number. */
static int
vm_tx_rings(struct netdev_ecprdma *dev, const struct memif_tx_pkt *pkts,
            const uint8_t *rings, int n, int n_rings, uint64_t *bytes)
{
    struct memif_tx_pkt grouped[NETDEV_MAX_BURST];
    int start[PORT_N_RXQ_MAX + 1] = { 0 };
    int sent = 0;

    for (int i = 0; i < n; i++) {
        start[rings[i] + 1]++;
    }
    for (int r = 0; r < n_rings; r++) {
        start[r + 1] += start[r];
    }
    for (int i = 0; i < n; i++) {
        grouped[start[rings[i]]++] = pkts[i];
    }
    for (int r = 0, first = 0; r < n_rings; first = start[r++]) {
        int n_ring = start[r] - first;
        int put = n_ring ? vm_tx_ring(dev, r, &grouped[first], n_ring) : 0;

        for (int i = 0; i < put; i++) {
            *bytes += grouped[first + i].len;
        }
        sent += put;
    }
    return sent;
}

int
vm_port_send(struct netdev_ecprdma *dev, int qid OVS_UNUSED,
             struct dp_packet_batch *batch)
{
    struct memif_connection *conn = dev->vm.conn;
    struct memif_tx_pkt pkts[NETDEV_MAX_BURST];
    uint8_t rings[NETDEV_MAX_BURST];
    size_t n = dp_packet_batch_size(batch);
    struct dp_packet *packet;
    uint64_t bytes = 0;
    int sent = 0;
    uint64_t orig;

    if (conn && n) {
        int n_rings = MIN(conn->n_s2c, PORT_N_RXQ_MAX);
        bool one_ring = true;

        DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
            pkts[i].data = dp_packet_data(packet);
            pkts[i].len = dp_packet_size(packet);
            rings[i] = (n_rings > 1
                        ? vm_tx_ring_of(pkts[i].data, pkts[i].len, n_rings)
                        : 0);
            one_ring &= rings[i] == rings[0];
        }
        if (one_ring) {
            sent = vm_tx_ring(dev, rings[0], pkts, n);
            for (int i = 0; i < sent; i++) {
                bytes += pkts[i].len;
            }
        } else {
            sent = vm_tx_rings(dev, pkts, rings, n, n_rings, &bytes);
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

/* Adds the counters of the rings of 'dev''s memif connections, those gone
 * and the one in use, to 'cs'.  The data path updates the counters of the
 * connection in use without locking; they are read here as they are. */
static void
get_memif_custom_stats(const struct netdev_ecprdma *dev,
                       struct custom_stats *cs)
    OVS_REQUIRES(ecprdma_mutex)
{
    struct vm_memif_counters c = dev->vm.closed;

    if (dev->vm.conn) {
        add_memif_counters(dev->vm.conn, &c);
    }
    custom_stat(cs, "rx_oversize_drops", c.rx_oversize);
    custom_stat(cs, "rx_bursts", c.rx_bursts);
    custom_stat(cs, "rx_sleeps", c.rx_sleeps);
    custom_stat(cs, "rx_sleep_wakeups", c.rx_sleep_wakeups);
    custom_stat(cs, "tx_ring_full_drops", c.tx_no_room);
    custom_stat(cs, "tx_retries", c.tx_retries);
    custom_stat(cs, "tx_bursts", c.tx_bursts);
    custom_stat(cs, "tx_kicks", c.tx_kicks);
    custom_stat(cs, "tx_kicks_suppressed", c.tx_kicks_suppressed);
    if (dev->vm.memif) {
        custom_stat(cs, "memif_clients_refused",
                    memif_server_n_rejected(dev->vm.memif));
    }
    custom_stat(cs, "rx_parks", dev->vm.rx_parks);
    custom_stat(cs, "rx_wakeups", dev->vm.rx_wakeups);
}

static void
get_memif_status(const struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    const struct memif_connection *conn = dev->vm.conn;
    enum memif_server_state state;

    if (!dev->vm.memif) {
        smap_add_format(status, "memif", "error: %s",
                        (dev->vm.memif_error ? dev->vm.memif_error
                         : "not created"));
        return;
    }
    /* A connection is up for the data path only once reconfigure() has
     * attached it. */
    state = memif_server_state(dev->vm.memif);
    smap_add(status, "memif",
             conn ? "connected"
             : state == MEMIF_SERVER_CONNECTED ? "connecting"
             : memif_server_state_to_string(state));
    if (conn) {
        smap_add(status, "memif_client", conn->client_name);
        smap_add(status, "memif_client_if", conn->client_if_name);
        smap_add_format(status, "memif_rings", "%d c2s, %d s2c",
                        conn->n_c2s, conn->n_s2c);
        smap_add_format(status, "memif_ring_size", "%u",
                        1u << conn->log2_ring_size);
        smap_add_format(status, "memif_regions", "%d", conn->n_regions);
    }
    if (memif_server_last_error(dev->vm.memif)[0]) {
        smap_add(status, "memif_last_disconnect",
                 memif_server_last_error(dev->vm.memif));
    }
}

/* Shows the rings of a memif connection.  The data path updates the
 * counters without locking; they are read here as they are. */
static void
show_memif_queues(struct ds *s, const struct netdev_ecprdma *dev,
                  const struct memif_connection *conn)
{
    ds_put_format(s, "  memif: client \"%s\" interface \"%s\", "
                  "%d region(s)\n", conn->client_name,
                  conn->client_if_name, conn->n_regions);
    for (int i = 0; i < conn->n_c2s; i++) {
        const struct memif_queue *q = &conn->c2s[i];

        ds_put_format(s, "    rx ring %d: %d slots, packets=%"PRIu64
                      " bytes=%"PRIu64" bursts=%"PRIu64" oversize=%"PRIu64
                      "%s\n", i, q->size, q->packets, q->bytes, q->bursts,
                      q->oversize,
                      vm_port_rxq_enabled(dev, i) ? "" : " parked");
    }
    for (int i = 0; i < conn->n_s2c; i++) {
        const struct memif_queue *q = &conn->s2c[i];

        ds_put_format(s, "    tx ring %d: %d slots, packets=%"PRIu64
                      " bytes=%"PRIu64" bursts=%"PRIu64" no-room=%"PRIu64
                      " retries=%"PRIu64" kicks=%"PRIu64
                      " kicks-suppressed=%"PRIu64"\n",
                      i, q->size, q->packets, q->bytes, q->bursts,
                      q->no_room, q->retries, q->kicks,
                      q->kicks_suppressed);
    }
}

/* Whether receive queue 'rxq' of 'dev' leaves its C2S ring to the switch
 * now.  If it does, it tells the uplink, once, that it leaves the ring
 * alone until 'switching' changes.  Back from the switch, or as a queue
 * made anew (which may not have seen the switch come and go), it goes on
 * where the ring's tail is. */
static bool
vm_rxq_yields(struct netdev_rxq_ecprdma *rx, struct netdev_ecprdma *dev,
              struct memif_queue *q)
{
    int qid = rx->up.queue_id;
    uint32_t switching;

    atomic_read(&dev->vm.switching, &switching);
    if (switching & 1) {
        if (rx->switching != switching && qid < VDP_MAX_RINGS) {
            atomic_store(&dev->vm.rxq_switching[qid], switching);
        }
        rx->switching = switching;
        return true;
    } else if (rx->switching != switching) {
        rx->switching = switching;
        memif_queue_rx_resync(q);
    }
    return false;
}

/* Receives up to 'n' frames from 'q' into packets of 'batch', dropping ECP
 * frames.  Returns the octets received and counts what it drops. */
static uint64_t
vm_rxq_fill(struct netdev_ecprdma *dev, struct memif_queue *q, int n,
            struct dp_packet_batch *batch)
{
    struct memif_rx_buf bufs[NETDEV_MAX_BURST];
    struct dp_packet *packets[NETDEV_MAX_BURST];
    uint32_t capacity = MIN(dev->options.buffer_size, RX_MAX_FRAME);
    struct packet_cache *cache = packet_cache_get();
    uint64_t oversize = q->oversize;
    uint64_t reused = 0;
    uint64_t bytes = 0;
    uint64_t orig;
    int filled;
    int ecp = 0;

    for (int i = 0; i < n; i++) {
        packets[i] = new_rx_packet(cache, capacity, &reused);
        bufs[i].data = dp_packet_data(packets[i]);
        bufs[i].capacity = capacity;
    }
    filled = memif_queue_rx_burst(q, bufs, n);
    batch->count = 0;
    for (int i = 0; i < filled; i++) {
        if (OVS_UNLIKELY(is_ecp_frame(bufs[i].data, bufs[i].len))) {
            recycle_packet(cache, packets[i]);
            ecp++;
            continue;
        }
        dp_packet_set_size(packets[i], bufs[i].len);
        batch->packets[batch->count++] = packets[i];
        bytes += bufs[i].len;
    }
    for (int i = filled; i < n; i++) {
        recycle_packet(cache, packets[i]);
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
    return bytes;
}

int
vm_port_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                 int *qfill)
{
    struct netdev_rxq_ecprdma *rx = netdev_rxq_ecprdma_cast(rxq);
    struct netdev_ecprdma *dev = netdev_ecprdma_cast(rxq->netdev);
    struct memif_connection *conn = dev->vm.conn;
    struct memif_queue *q;
    uint64_t bytes;
    uint64_t orig;
    int n = 0;

    if (!conn || rxq->queue_id >= conn->n_c2s) {
        return EAGAIN;
    }
    q = &conn->c2s[rxq->queue_id];
    if (!vm_rxq_yields(rx, dev, q)) {
        /* The client may publish more at any time: read the index once
         * (MIN() evaluates its arguments twice). */
        uint16_t pending = memif_queue_rx_pending(q);

        n = MIN(pending, NETDEV_MAX_BURST);
    }
    if (!n) {
        if (qfill) {
            *qfill = 0;
        }
        return EAGAIN;
    }
    bytes = vm_rxq_fill(dev, q, n, batch);
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

/* Whether each receive queue of 'vm' over its first 'n_rings' C2S rings has
 * stored 'switching', which proves that it has finished the last receive
 * call that could write a ring's tail. */
bool
vm_port_rxqs_saw(const struct netdev_ecprdma *vm, uint32_t switching,
                 int n_rings)
{
    for (int i = 0; i < n_rings; i++) {
        uint32_t seen;

        atomic_read(&CONST_CAST(struct netdev_ecprdma *, vm)
                    ->vm.rxq_switching[i], &seen);
        if (seen != switching) {
            return false;
        }
    }
    return true;
}

/* Adds 'slots' to the C2S slots of 'vm' that the switch consumed. */
void
vm_port_count_switch_rx(struct netdev_ecprdma *vm, uint64_t slots)
{
    uint64_t orig;

    atomic_add_relaxed(&vm->vm.switch_rx_slots, slots, &orig);
}

/* Puts the 'n' frames of 'pkts' into S2C ring 0 of 'conn', the connection
 * of 'vm', publishing the ring's head once, and counts them as sent by
 * 'vm'.  Returns the number put. */
int
vm_port_tx_burst(struct netdev_ecprdma *vm, struct memif_connection *conn,
                 struct memif_tx_pkt *pkts, int n)
{
    uint64_t bytes = 0;
    uint64_t orig;
    int sent;

    ovs_spin_lock(&vm->vm.s2c_locks[0]);
    sent = memif_queue_tx_burst(&conn->s2c[0], pkts, n);
    ovs_spin_unlock(&vm->vm.s2c_locks[0]);
    for (int i = 0; i < sent; i++) {
        bytes += pkts[i].len;
    }
    if (sent) {
        atomic_add_relaxed(&vm->tx_packets, sent, &orig);
        atomic_add_relaxed(&vm->tx_bytes, bytes, &orig);
    }
    if (sent < n) {
        atomic_add_relaxed(&vm->tx_dropped, n - sent, &orig);
    }
    return sent;
}

/* Notifies the client of 'conn', the connection of 'vm', of what S2C ring
 * 0 received, if it asked to be. */
void
vm_port_kick(struct netdev_ecprdma *vm, struct memif_connection *conn)
{
    struct memif_queue *q = &conn->s2c[0];

    ovs_spin_lock(&vm->vm.s2c_locks[0]);
    memif_queue_notify(q);
    ovs_spin_unlock(&vm->vm.s2c_locks[0]);
}

void
vm_port_init(struct netdev_ecprdma *dev)
{
    atomic_init(&dev->vm.switching, 0);
    for (int i = 0; i < VDP_MAX_RINGS; i++) {
        atomic_init(&dev->vm.rxq_switching[i], 0);
    }
    atomic_init(&dev->vm.switch_rx_slots, 0);
    for (int i = 0; i < PORT_N_RXQ_MAX; i++) {
        atomic_init(&dev->vm.park[i].parked, false);
        ovs_spin_init(&dev->vm.park[i].kicks_lock);
    }
    dev->vm.park_epfd = -1;
}

void
vm_port_destroy(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    detach_memif(dev, true);
    memif_server_destroy(dev->vm.memif);
    free(dev->vm.memif_path);
    free(dev->vm.memif_error);
    free(dev->vm.uplink_error);
    free(dev->vm.socket_path);
    for (int i = 0; i < PORT_N_RXQ_MAX; i++) {
        ovs_spin_destroy(&dev->vm.park[i].kicks_lock);
    }
}

/* Before 'dev' takes options 'new': stops using the memif connection in the
 * data path, which is quiesced, and destroys the memif server if 'new'
 * needs another. */
void
vm_port_detach(struct netdev_ecprdma *dev, const struct port_options *new)
    OVS_REQUIRES(ecprdma_mutex)
{
    bool destroying = (memif_options_differ(&dev->options, new)
                       || !nullable_string_is_equal(dev->vm.memif_path,
                                                    dev->vm.socket_path));

    detach_memif(dev, destroying);
    if (destroying) {
        memif_server_destroy(dev->vm.memif);
        dev->vm.memif = NULL;
        free(dev->vm.memif_path);
        dev->vm.memif_path = NULL;
    }
}

/* Applies the options of vm port 'dev': creates its memif server if need
 * be, attaches the client's connection to the data path, and tells the
 * uplinks. */
void
vm_port_reconfigure(struct netdev_ecprdma *dev, struct closing *closing)
    OVS_REQUIRES(ecprdma_mutex)
{
    if (!dev->vm.memif && !dev->vm.memif_path) {
        create_memif(dev);
        dev->vm.memif_path = xstrdup(dev->vm.socket_path);
    }
    dev->vm.conn = dev->vm.memif ? memif_server_attach(dev->vm.memif) : NULL;
    if (dev->vm.conn) {
        dev->vm.s2c_locks = xcalloc(dev->vm.conn->n_s2c,
                                    sizeof *dev->vm.s2c_locks);
        for (int i = 0; i < dev->vm.conn->n_s2c; i++) {
            ovs_spin_init(&dev->vm.s2c_locks[i]);
        }
        vm_port_park_start(dev);
    }
    if (dev->options.has_mac) {
        struct eth_addr mac;

        memcpy(mac.ea, dev->options.mac, ETH_ADDR_LEN);
        netdev_ecprdma_set_etheraddr(&dev->up, mac);
    }
    if (uplink_vm_changed(dev, closing)) {
        /* Same client, still exported: keep the state of the VSI. */
        vm_port_set_remote(dev, vm_is_remote(dev));
    } else {
        vm_port_set_remote(dev, false);
    }
}

void
vm_port_get_custom_stats(const struct netdev_ecprdma *dev,
                         struct custom_stats *cs)
    OVS_REQUIRES(ecprdma_mutex)
{
    uint32_t switching;
    uint64_t value;

    get_memif_custom_stats(dev, cs);
    atomic_read_relaxed(&CONST_CAST(struct netdev_ecprdma *, dev)
                        ->vm.switching, &switching);
    custom_stat(cs, "switchovers_to_remote", (switching + 1) / 2);
    custom_stat(cs, "switchovers_to_local", switching / 2);
    atomic_read_relaxed(&CONST_CAST(struct netdev_ecprdma *, dev)
                        ->vm.switch_rx_slots, &value);
    custom_stat(cs, "switch_rx_slots", value);
}

void
vm_port_get_status(const struct netdev_ecprdma *dev, struct smap *status)
    OVS_REQUIRES(ecprdma_mutex)
{
    get_memif_status(dev, status);
    smap_add(status, "switching", vm_is_remote(dev) ? "remote" : "local");
    if (dev->options.uplink) {
        uint8_t vsiid[VDP_VSIID_LEN];
        char uuid[37];

        netdev_ecprdma_make_vsiid(netdev_get_name(&dev->up),
                                  dev->vm.socket_path, vsiid);
        smap_add(status, "vsi", port_vsi_id_format(vsiid, uuid));
    }
    if (dev->vm.uplink_error) {
        smap_add(status, "uplink_error", dev->vm.uplink_error);
    }
}

void
vm_port_show(struct ds *s, const struct netdev_ecprdma *dev)
{
    if (dev->options.uplink) {
        struct netdev_ecprdma *vm = CONST_CAST(struct netdev_ecprdma *, dev);
        uint64_t slots;
        uint32_t switching;

        atomic_read_relaxed(&vm->vm.switching, &switching);
        atomic_read_relaxed(&vm->vm.switch_rx_slots, &slots);
        ds_put_format(s, "  switchovers: to-remote=%"PRIu32
                      " to-local=%"PRIu32"\n"
                      "  switch: rx-slots=%"PRIu64"\n",
                      (switching + 1) / 2, switching / 2, slots);
    }
    if (dev->vm.memif) {
        ds_put_format(s, "  memif server: clients refused=%"PRIu64"\n",
                      memif_server_n_rejected(dev->vm.memif));
    }
    if (dev->vm.conn) {
        show_memif_queues(s, dev, dev->vm.conn);
    }
}

/* Runs the memif control channel of 'dev', in the main thread.  Returns
 * true if 'dev' needs a reconfiguration. */
bool
vm_port_run(struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    /* Clients trigger these messages: a client that connects again and
     * again must not fill the log. */
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    static struct vlog_rate_limit info_rl = VLOG_RATE_LIMIT_INIT(1, 5);
    uint64_t rejected = memif_server_n_rejected(dev->vm.memif);
    bool changed = memif_server_run(dev->vm.memif);

    if (changed) {
        enum memif_server_state state = memif_server_state(dev->vm.memif);

        if (state == MEMIF_SERVER_CONNECTED) {
            VLOG_INFO_RL(&info_rl, "%s: memif client connected",
                         netdev_get_name(&dev->up));
        } else if (memif_server_n_rejected(dev->vm.memif) == rejected) {
            VLOG_INFO_RL(&info_rl, "%s: memif %s",
                         netdev_get_name(&dev->up),
                         memif_server_last_error(dev->vm.memif));
        }
    }
    if (memif_server_n_rejected(dev->vm.memif) != rejected) {
        VLOG_WARN_RL(&rl, "%s: memif %s", netdev_get_name(&dev->up),
                     memif_server_last_error(dev->vm.memif));
        /* Interface:status shows the reason. */
        netdev_change_seq_changed(&dev->up);
    }
    return changed;
}

void
vm_port_wait(const struct netdev_ecprdma *dev)
    OVS_REQUIRES(ecprdma_mutex)
{
    int fds[2];
    int n;

    n = memif_server_fds(dev->vm.memif, fds);
    for (int i = 0; i < n; i++) {
        poll_fd_wait(fds[i], POLLIN);
    }
    if (memif_server_state(dev->vm.memif) == MEMIF_SERVER_CONNECTED) {
        /* Faults that the data path finds in the rings. */
        poll_timer_wait(100);
    } else if (memif_server_timeout(dev->vm.memif) >= 0) {
        poll_timer_wait(memif_server_timeout(dev->vm.memif));
    }
}
