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

#include "memif-ring.h"

#include <string.h>
#include <unistd.h>

#include "frame-copy.h"

/* Initializes 'q' for 'ring', whose next slot to receive from or to
 * transmit into is slot 0: the caller sets the ring's tail to 0. */
void
memif_queue_init(struct memif_queue *q, struct memif_ring *ring,
                 unsigned int log2_ring_size,
                 const struct memif_region *regions, uint16_t n_regions,
                 int eventfd)
{
    memset(q, 0, sizeof *q);
    q->ring = ring;
    q->regions = regions;
    q->n_regions = n_regions;
    q->size = 1u << log2_ring_size;
    q->eventfd = eventfd;
}

/* Records why the client is broken, for the control plane, which reads it
 * from another thread with memif_queue_fault(). */
static void
set_fault(struct memif_queue *q, const char *fault)
{
    __atomic_store_n(&q->fault, fault, __ATOMIC_RELEASE);
}

/* Returns NULL, or why the data path found the client broken.  Any thread
 * may call it. */
const char *
memif_queue_fault(const struct memif_queue *q)
{
    return __atomic_load_n(&q->fault, __ATOMIC_ACQUIRE);
}

static uint16_t
load_head(const struct memif_queue *q)
{
    return __atomic_load_n(&q->ring->head, __ATOMIC_ACQUIRE);
}

static void
store_tail(struct memif_queue *q, uint16_t tail)
{
    __atomic_store_n(&q->ring->tail, tail, __ATOMIC_RELEASE);
}

/* Reads descriptor 'slot' once into 'd' and checks that its buffer, of
 * 'd->length' bytes, lies within a mapped region.  Returns the buffer, or
 * NULL after recording a fault. */
static uint8_t *
read_desc(struct memif_queue *q, uint16_t slot, struct memif_desc *d)
{
    const volatile struct memif_desc *shared
        = &q->ring->desc[slot & (q->size - 1)];
    const struct memif_region *r;

    d->flags = shared->flags;
    d->region = shared->region;
    d->length = shared->length;
    d->offset = shared->offset;

    if (d->region >= q->n_regions) {
        set_fault(q, "Descriptor names a region that does not exist");
        return NULL;
    }
    r = &q->regions[d->region];
    if (!d->length || d->offset > r->size || d->length > r->size - d->offset) {
        set_fault(q, "Descriptor points outside its region");
        return NULL;
    }
    return r->addr + d->offset;
}

/* Returns the number of filled C2S slots that the last
 * memif_queue_rx_burst() left for later, without reading the ring. */
uint16_t
memif_queue_rx_backlog(const struct memif_queue *q)
{
    return (uint16_t) (q->head_seen - q->last_head);
}

/* Takes the ring's tail, which someone else advanced while this queue
 * did not receive, as the next slot to receive. */
void
memif_queue_rx_resync(struct memif_queue *q)
{
    q->last_head = __atomic_load_n(&q->ring->tail, __ATOMIC_ACQUIRE);
    q->head_seen = q->last_head;
}

/* Returns the ring's tail, as it is now. */
uint16_t
memif_queue_rx_tail(const struct memif_queue *q)
{
    return __atomic_load_n(&q->ring->tail, __ATOMIC_ACQUIRE);
}

/* Returns the client's head of C2S queue 'q', as it is now. */
uint16_t
memif_queue_rx_head(const struct memif_queue *q)
{
    return load_head(q);
}

/* Asks the client of C2S queue 'q' to write the ring's eventfd after it
 * publishes frames ('want' true) or not to (false).  Returns the ring's
 * head as it is after the change: a client publishes its head, then looks
 * at the flags, so that either it sees the flag clear or the head returned
 * includes its frames. */
uint16_t
memif_queue_rx_want_kicks(struct memif_queue *q, bool want)
{
    __atomic_store_n(&q->ring->flags, want ? 0 : MEMIF_RING_FLAG_MASK_INT,
                     __ATOMIC_RELAXED);
    /* Orders the store of the flags before the load of the head. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return load_head(q);
}

/* Returns the number of filled C2S slots waiting to be received. */
uint16_t
memif_queue_rx_pending(const struct memif_queue *q)
{
    return (uint16_t) (load_head(q) - q->last_head);
}

/* Receives up to 'n' frames from C2S queue 'q' into 'bufs', copying each
 * frame, possibly chained over several slots, into one buffer.  A frame
 * that does not fit its buffer is dropped and counted in 'oversize'.
 * Returns the number of buffers filled; the slots consumed are handed back
 * to the client with one update of the ring's tail. */
int
memif_queue_rx_burst(struct memif_queue *q, struct memif_rx_buf *bufs, int n)
{
    uint16_t head = load_head(q);
    uint16_t slot = q->last_head;
    int filled = 0;

    q->head_seen = head;
    if ((uint16_t) (head - slot) > q->size) {
        set_fault(q, "Ring head index ran past the ring size");
        return 0;
    }

    while (slot != head && filled < n) {
        struct memif_rx_buf *buf = &bufs[filled];
        uint16_t start = slot;
        uint32_t len = 0;
        bool fits = true;
        bool flags = false;
        int n_desc = 0;

        for (;;) {
            struct memif_desc d;
            uint8_t *data;

            if (slot == head) {
                /* Incomplete chain: wait until the client publishes the
                 * rest of it, unless it already fills the whole ring. */
                if ((uint16_t) (slot - start) >= q->size) {
                    set_fault(q, "Descriptor chain fills the ring");
                }
                slot = start;
                goto done;
            }
            if (++n_desc > MEMIF_MAX_CHAIN) {
                set_fault(q, "Descriptor chain too long");
                slot = start;
                goto done;
            }
            data = read_desc(q, slot, &d);
            if (!data) {
                slot = start;
                goto done;
            }
            if (fits && d.length <= buf->capacity - len) {
                frame_copy(buf->data + len, data, d.length);
                len += d.length;
            } else {
                fits = false;
            }
            slot++;
            flags |= d.flags != 0;
            if (!(d.flags & MEMIF_DESC_FLAG_NEXT)) {
                break;
            }
        }

        /* The frame is complete.  Clear its flags: stale NEXT flags left
         * by some clients (DPDK 22.11) would merge later frames.  Write
         * only if needed: the client writes the same cache lines. */
        if (flags) {
            for (uint16_t s = start; s != slot; s++) {
                q->ring->desc[s & (q->size - 1)].flags = 0;
            }
        }

        if (fits) {
            buf->len = len;
            q->packets++;
            q->bytes += len;
            filled++;
        } else {
            q->oversize++;
        }
    }

done:
    if (slot != q->last_head) {
        q->last_head = slot;
        store_tail(q, slot);
    }
    q->bursts += filled > 0;
    return filled;
}

/* Fills the client's empty buffers of S2C queue 'q' with the first frames
 * of 'pkts' that fit, each into one or more buffers, and publishes them
 * with one update of the ring's tail.  Returns the number of frames
 * transmitted; counts nothing but the frames' packets and bytes. */
static int
fill_ring(struct memif_queue *q, const struct memif_tx_pkt *pkts, int n)
{
    uint16_t tail = q->tail;
    uint16_t head = load_head(q);
    uint16_t n_free = head - tail;
    uint16_t slot = tail;
    int sent;

    if (n_free > q->size) {
        set_fault(q, "Ring head index ran past the ring size");
        return 0;
    }

    for (sent = 0; sent < n; sent++) {
        const struct memif_tx_pkt *pkt = &pkts[sent];
        uint32_t done = 0;
        uint16_t first = slot;
        int n_desc = 0;

        /* Fill a chain of buffers; if the free buffers run out first,
         * give the slots back: only complete frames are published. */
        do {
            struct memif_desc d;
            uint32_t chunk;
            uint8_t *data;

            if ((uint16_t) (slot - tail) >= n_free
                || ++n_desc > MEMIF_MAX_CHAIN) {
                slot = first;
                goto publish;
            }
            data = read_desc(q, slot, &d);
            if (!data) {
                slot = first;
                goto publish;
            }
            chunk = pkt->len - done < d.length ? pkt->len - done : d.length;
            frame_copy(data, pkt->data + done, chunk);
            done += chunk;
            q->ring->desc[slot & (q->size - 1)].length = chunk;
            q->ring->desc[slot & (q->size - 1)].flags
                = done < pkt->len ? MEMIF_DESC_FLAG_NEXT : 0;
            slot++;
        } while (done < pkt->len);

        q->packets++;
        q->bytes += pkt->len;
    }

publish:
    if (slot != tail) {
        q->tail = slot;
        store_tail(q, slot);
    }
    return sent;
}

/* Counts a transmit call that put 'sent' of 'n' frames into S2C queue
 * 'q': a burst if it put any, and the rest as finding no room, unless the
 * ring is broken. */
static void
count_tx(struct memif_queue *q, int n, int sent)
{
    q->bursts += sent > 0;
    if (sent < n && !q->fault) {
        q->no_room += n - sent;
    }
}

/* Transmits the first frames of 'pkts' that fit into S2C queue 'q' and
 * publishes them with one update of the ring's tail, as
 * memif_queue_tx() with no retries, but does not notify the client.
 * Returns the number of frames transmitted; the caller counts the rest as
 * dropped. */
int
memif_queue_tx_burst(struct memif_queue *q, const struct memif_tx_pkt *pkts,
                     int n)
{
    int sent = fill_ring(q, pkts, n);

    count_tx(q, n, sent);
    return sent;
}

/* Notifies the client of S2C queue 'q', at most once per call, if it
 * sleeps.  '*notified' is true once it did or found the client polling. */
static void
notify_once(struct memif_queue *q, bool *notified)
{
    if (!*notified) {
        *notified = true;
        memif_queue_notify(q);
    }
}

/* Transmits the 'n' frames of 'pkts' into S2C queue 'q', as
 * memif_queue_tx_burst() does.  While the ring is full, wakes the client
 * up if it sleeps and tries again, up to 'max_retries' times, without
 * waiting: a client that runs on another CPU may make room meanwhile.
 * Then notifies the client, once for the whole call, if it sleeps and
 * anything was transmitted.  Returns the number of frames transmitted;
 * the caller counts the rest as dropped ('no_room' counts them too, unless
 * the ring is broken). */
int
memif_queue_tx(struct memif_queue *q, const struct memif_tx_pkt *pkts,
               int n, int max_retries)
{
    bool notified = false;
    int sent = fill_ring(q, pkts, n);

    for (int i = 0; sent < n && i < max_retries && !q->fault; i++) {
        notify_once(q, &notified);
        q->retries++;
        sent += fill_ring(q, pkts + sent, n - sent);
    }
    count_tx(q, n, sent);
    if (sent) {
        notify_once(q, &notified);
    }
    return sent;
}

/* Returns true if the client sleeps on this ring and wants its eventfd
 * written when there is something new for it. */
bool
memif_queue_peer_wants_kick(const struct memif_queue *q)
{
    return !(__atomic_load_n(&q->ring->flags, __ATOMIC_RELAXED)
             & MEMIF_RING_FLAG_MASK_INT);
}

/* Wakes the client up through the ring's eventfd.  Never blocks. */
void
memif_queue_kick(struct memif_queue *q)
{
    uint64_t one = 1;

    if (q->eventfd >= 0 && write(q->eventfd, &one, sizeof one) > 0) {
        q->kicks++;
    }
}

/* Wakes the client of S2C queue 'q' up if it sleeps, after what was
 * published in the ring: a client about to sleep clears MASK_INT, then
 * looks at the ring once more, so that either it sees the new tail or
 * this sees the flag clear.  Counts a notification that the client did
 * not need because it polls. */
void
memif_queue_notify(struct memif_queue *q)
{
    /* Orders the store of the tail before the load of the flags. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (memif_queue_peer_wants_kick(q)) {
        memif_queue_kick(q);
    } else {
        q->kicks_suppressed++;
    }
}
