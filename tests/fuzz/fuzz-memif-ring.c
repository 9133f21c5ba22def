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

/* libFuzzer target: the memif server's data path, memif_queue_rx_burst(),
 * memif_queue_tx_burst() and memif_queue_tx(), against a client that
 * rewrites its ring headers and descriptors between bursts.
 *
 * Region 0 holds a C2S ring at offset 0, an S2C ring after it and
 * REGION_BUFS octets of buffers after both; region 1, if there is one,
 * holds REGION_BUFS octets of buffers.  Each region, and each buffer of
 * the caller's, is a heap allocation of its exact size, so that ASan sees
 * any access outside them.
 *
 * Input: one configuration octet (bits 2-0: log2 of the ring size - 1;
 * bit 3: two regions), then operations of one octet and their arguments,
 * integers little-endian.  Bit 7 of the operation octet picks the ring
 * of operations 0-3 (0: C2S, 1: S2C), the rest modulo N_OPS the
 * operation:
 *
 *     0 head      delta (u16): head = the server's next slot + delta
 *     1 flags     the ring's flags (u16)
 *     2 desc      slot (u8), region (u16), offset (u32), length (u32),
 *                 flags (u16): a descriptor
 *     3 tail      the ring's tail (u16), which only the server may write
 *     4 rx        burst (u8): bits 4-0: frames - 1; bits 7-5: log2 of
 *                 the buffer size - 5
 *     5 tx        burst (u8): bits 4-0: frames - 1; bits 6-5: retries
 *                 of memif_queue_tx(), or bit 7: memif_queue_tx_burst();
 *                 then one octet per frame: its length is 1 + 9 times it
 *     6 resync    memif_queue_rx_resync()
 *
 * The target checks that a burst never moves the server's index past
 * the client's head, never returns more frames than asked for or longer
 * than their buffers, publishes the tail it keeps, and sets a fault,
 * doing nothing else, when the head runs more than a ring ahead. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "memif-ring.h"
#include "xalloc.h"

enum { N_OPS = 7, REGION_BUFS = 2048, MAX_BURST = 32 };

/* Receives a burst from C2S queue 'q', as operation "rx" with 'arg'
 * says, and checks the outcome. */
static void
rx(struct memif_queue *q, uint8_t arg)
{
    struct memif_rx_buf bufs[MAX_BURST];
    uint32_t capacity = 32u << (arg >> 5);
    uint16_t head = q->ring->head, old = q->last_head;
    bool faulted = memif_queue_fault(q) != NULL;
    int n = 1 + (arg & 31);
    int filled;

    for (int i = 0; i < n; i++) {
        bufs[i].data = xalloc(capacity);
        bufs[i].capacity = capacity;
        bufs[i].len = UINT32_MAX;
    }
    filled = memif_queue_rx_burst(q, bufs, n);
    FUZZ_CHECK(filled >= 0 && filled <= n);
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(i < filled ? bufs[i].len <= capacity
                              : bufs[i].len == UINT32_MAX);
        free(bufs[i].data);
    }
    if ((uint16_t) (head - old) > q->size) {
        FUZZ_CHECK(memif_queue_fault(q) && !filled && q->last_head == old);
    }
    FUZZ_CHECK((uint16_t) (q->last_head - old) <= (uint16_t) (head - old));
    FUZZ_CHECK(q->last_head == old || q->ring->tail == q->last_head);
    FUZZ_CHECK(!faulted || memif_queue_fault(q));
}

/* Transmits a burst into S2C queue 'q', as operation "tx" with 'arg' and
 * the frame lengths that follow it in the input says, and checks the
 * outcome. */
static void
tx(struct memif_queue *q, uint8_t arg, const uint8_t **data, size_t *size)
{
    static uint8_t frames[1 + 9 * 255];
    struct memif_tx_pkt pkts[MAX_BURST];
    uint16_t head = q->ring->head, old = q->tail;
    bool faulted = memif_queue_fault(q) != NULL;
    uint64_t notified;
    int n = 1 + (arg & 31);
    bool ok = true;
    int sent;

    if (!frames[0]) {
        memset(frames, 0xc5, sizeof frames);
    }
    for (int i = 0; i < n; i++) {
        pkts[i].data = frames;
        pkts[i].len = 1 + 9 * fuzz_take(data, size, 1, &ok);
    }
    notified = q->kicks + q->kicks_suppressed;
    if (arg & 0x80) {
        sent = memif_queue_tx_burst(q, pkts, n);
        FUZZ_CHECK(q->kicks + q->kicks_suppressed == notified);
    } else {
        /* Tries again up to 3 times; notifies at most once. */
        sent = memif_queue_tx(q, pkts, n, (arg >> 5) & 3);
        FUZZ_CHECK(q->kicks + q->kicks_suppressed - notified <= 1);
    }
    FUZZ_CHECK(sent >= 0 && sent <= n);
    if ((uint16_t) (head - old) > q->size) {
        FUZZ_CHECK(memif_queue_fault(q) && !sent && q->tail == old);
    }
    FUZZ_CHECK((uint16_t) (q->tail - old) <= (uint16_t) (head - old));
    FUZZ_CHECK(q->tail == old || q->ring->tail == q->tail);
    FUZZ_CHECK(!faulted || memif_queue_fault(q));
}

/* The next N octets of input, as a little-endian integer. */
#define TAKE(N) fuzz_take(&data, &size, N, &ok)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memif_region regions[2];
    struct memif_queue queues[2];
    unsigned int log2;
    uint64_t ring_bytes;
    uint16_t n_regions;
    bool ok = true;

    if (!size) {
        return 0;
    }
    log2 = 1 + (data[0] & 7);
    n_regions = data[0] & 8 ? 2 : 1;
    data++;
    size--;

    ring_bytes = memif_ring_bytes(log2);
    regions[0].size = 2 * ring_bytes + REGION_BUFS;
    regions[0].addr = xalloc_zeroed(1, regions[0].size);
    regions[1].size = REGION_BUFS;
    regions[1].addr = xalloc_zeroed(1, regions[1].size);
    for (int i = 0; i < 2; i++) {
        struct memif_ring *ring = (void *) (regions[0].addr + i * ring_bytes);

        ring->cookie = MEMIF_COOKIE;
        memif_queue_init(&queues[i], ring, log2, regions, n_regions, -1);
    }

    while (ok && size) {
        uint8_t op = TAKE(1);
        struct memif_queue *q = &queues[op >> 7];
        struct memif_desc *d;

        switch ((op & 0x7f) % N_OPS) {
        case 0:
            q->ring->head = (op >> 7 ? q->tail : q->last_head) + TAKE(2);
            break;
        case 1:
            q->ring->flags = TAKE(2);
            FUZZ_CHECK(memif_queue_peer_wants_kick(q)
                       == !(q->ring->flags & MEMIF_RING_FLAG_MASK_INT));
            break;
        case 2:
            d = &q->ring->desc[TAKE(1) & (q->size - 1)];
            d->region = TAKE(2);
            d->offset = TAKE(4);
            d->length = TAKE(4);
            d->flags = TAKE(2);
            break;
        case 3:
            q->ring->tail = TAKE(2);
            break;
        case 4:
            rx(&queues[0], TAKE(1));
            break;
        case 5:
            tx(&queues[1], TAKE(1), &data, &size);
            break;
        case 6:
            memif_queue_rx_resync(&queues[0]);
            FUZZ_CHECK(queues[0].last_head == queues[0].ring->tail);
            break;
        }
    }

    free(regions[0].addr);
    free(regions[1].addr);
    return 0;
}
