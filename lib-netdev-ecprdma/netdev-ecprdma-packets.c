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

/* Packets that ecp-rdma ports receive, allocated with their buffer in one
 * block and recycled by the thread that sends them; and packet sinks, the
 * queues of packets that a switch reads frames into for its ports. */

#include <config.h>
#include "netdev-ecprdma-private.h"

#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "ecp.h"
#include "frame-ring.h"
#include "packets.h"
#include "ptr-queue.h"
#include "remote-vsi.h"
#include "util.h"

/* Received packets are allocated as one block with their metadata, and
 * recycled: when such a packet comes back to send() of any ecp-rdma port
 * (VM to VM traffic), its block goes into a cache of the sending thread, and
 * the next receive on that thread takes it from there instead of calling
 * malloc().  A packet that goes anywhere else is freed by its new owner
 * with dp_packet_delete(), like any other. */
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

void
packet_cache_init(void)
{
    ovsthread_key_create(&packet_cache_key, packet_cache_destroy);
}

struct packet_cache *
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

/* Allocates the block of a new packet with 'room' bytes of buffer, for
 * new_rx_packet() when its cache is empty. */
struct dp_packet *
new_rx_packet_alloc(size_t room)
{
    struct dp_packet *packet;
    void *block;

    if (posix_memalign(&block, CACHE_LINE_SIZE, RX_BLOCK_BUFFER + room)) {
        out_of_memory();
    }
    packet = block;
    dp_packet_use_stub(packet, rx_block_buffer(packet), room);
    dp_packet_reserve(packet, DP_NETDEV_HEADROOM);
    return packet;
}

/* Frees the packets of 'batch', keeping the blocks that new_rx_packet()
 * made in this thread's cache. */
void
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
void
release_packet(void *packet)
{
    recycle_packet(packet_cache_get(), packet);
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
int
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

void
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
void
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
void
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
 * what a remote VM or a server's bridge sent.  ECP frames are dropped, as
 * on a vm port: returns how many. */
int
packet_sink_recv(struct packet_sink *sink, struct dp_packet_batch *batch)
{
    void *packets[NETDEV_MAX_BURST];
    uint64_t bytes = 0;
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
    return ecp;
}
