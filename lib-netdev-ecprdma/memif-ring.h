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

#ifndef MEMIF_RING_H
#define MEMIF_RING_H 1

/* The server's data path on memif rings, in the VM's shared memory.
 *
 * A 'struct memif_queue' is one ring as seen by the server: a C2S ring,
 * from which the server receives (consumes [tail, head) and advances
 * 'tail'), or an S2C ring, into whose empty buffers the server transmits
 * (fills [tail, head) and advances 'tail').  Each queue is used by one
 * thread at a time.  Indexes are read with acquire and published with
 * release semantics, once per burst.
 *
 * The ring and every descriptor live in memory that the client can change
 * at any time: each descriptor is read once into a local copy, checked
 * against the mapped regions, and only then used.  A descriptor that points
 * outside the regions, or a head index that runs more than a ring's worth
 * ahead, is a fault: the burst stops there, 'fault' names the problem and
 * the control plane disconnects the client.  The server never reads back an
 * index that it alone writes: it keeps its own copy, so that a client that
 * rewrites it cannot make the server fill slots again.  Frames are copied
 * exactly once, between the ring buffers and the caller's buffers. */

#include <stdbool.h>
#include <stdint.h>

#include "memif-proto.h"

/* A mapped region of the client's shared memory. */
struct memif_region {
    uint8_t *addr;
    uint64_t size;
};

struct memif_queue {
    struct memif_ring *ring;
    const struct memif_region *regions;
    uint16_t n_regions;
    uint16_t size;              /* Number of slots, a power of two. */
    uint16_t last_head;         /* C2S: next slot to consume. */
    uint16_t head_seen;         /* C2S: head at the last receive. */
    uint16_t tail;              /* S2C: next slot to fill.  The ring's tail
                                 * is only ever written from this copy:
                                 * the client may rewrite the ring's. */
    int eventfd;                /* Interrupt eventfd (owned elsewhere). */

    /* Set by the data path, read by the control plane, atomically: see
     * memif_queue_fault(). */
    const char *fault;          /* NULL, or why the client is broken. */

    /* Statistics, written only by the thread that uses the queue. */
    uint64_t packets;
    uint64_t bytes;
    uint64_t oversize;          /* C2S frames larger than the buffer. */
    uint64_t bursts;            /* Calls that moved at least one frame. */
    uint64_t sleeps;            /* C2S: the receiver slept, asking for
                                 * kicks. */
    uint64_t sleep_wakeups;     /* C2S: and the client's kick came. */
    uint64_t no_room;           /* S2C frames with no buffer to go to. */
    uint64_t retries;           /* S2C: tries again on a full ring. */
    uint64_t kicks;             /* S2C: eventfd notifications sent. */
    uint64_t kicks_suppressed;  /* S2C: not sent, the client was polling. */
};

/* A buffer of the caller that one received frame is copied into. */
struct memif_rx_buf {
    uint8_t *data;
    uint32_t capacity;
    uint32_t len;               /* Set by memif_queue_rx_burst(). */
};

/* A frame to transmit. */
struct memif_tx_pkt {
    const uint8_t *data;
    uint32_t len;
};

/* Maximum number of descriptors in one frame's chain. */
#define MEMIF_MAX_CHAIN 64

void memif_queue_init(struct memif_queue *, struct memif_ring *,
                      unsigned int log2_ring_size,
                      const struct memif_region *, uint16_t n_regions,
                      int eventfd);
int memif_queue_rx_burst(struct memif_queue *, struct memif_rx_buf *,
                         int n);
int memif_queue_tx_burst(struct memif_queue *, const struct memif_tx_pkt *,
                         int n);
int memif_queue_tx(struct memif_queue *, const struct memif_tx_pkt *,
                   int n, int max_retries);
const char *memif_queue_fault(const struct memif_queue *);
bool memif_queue_peer_wants_kick(const struct memif_queue *);
void memif_queue_kick(struct memif_queue *);
void memif_queue_notify(struct memif_queue *);
void memif_queue_rx_resync(struct memif_queue *);
uint16_t memif_queue_rx_tail(const struct memif_queue *);
uint16_t memif_queue_rx_head(const struct memif_queue *);
uint16_t memif_queue_rx_want_kicks(struct memif_queue *, bool want);
uint16_t memif_queue_rx_pending(const struct memif_queue *);
uint16_t memif_queue_rx_backlog(const struct memif_queue *);

#endif /* memif-ring.h */
