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

/* Unit tests of the memif engine: the handshake state machine and the
 * server's ring data path, with the client played by the test. */

#define _GNU_SOURCE
#include "memif-handshake.h"
#include "memif-ring.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ecprdma-test.h"
#include "xalloc.h"

static int n_failures;

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            printf("%s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                   #COND);                                              \
            n_failures++;                                               \
        }                                                               \
    } while (0)

/* A fake client: one region with a ring of 'size' slots, then buffers of
 * 'bsize' bytes, one per slot. */
struct fake_client {
    struct memif_region region;
    struct memif_ring *ring;
    unsigned int log2;
    uint16_t size;
    uint32_t bsize;
    uint32_t buf_base;
};

static void
fake_init(struct fake_client *fc, unsigned int log2, uint32_t bsize)
{
    fc->log2 = log2;
    fc->size = 1u << log2;
    fc->bsize = bsize;
    fc->buf_base = memif_ring_bytes(log2);
    fc->region.size = fc->buf_base + (uint64_t) fc->size * bsize;
    fc->region.addr = xalloc_zeroed(1, fc->region.size);
    fc->ring = (struct memif_ring *) fc->region.addr;
    fc->ring->cookie = MEMIF_COOKIE;
    for (int i = 0; i < fc->size; i++) {
        fc->ring->desc[i].region = 0;
        fc->ring->desc[i].offset = fc->buf_base + i * bsize;
        fc->ring->desc[i].length = bsize;
    }
}

static void
fake_destroy(struct fake_client *fc)
{
    free(fc->region.addr);
}

static uint8_t *
fake_buf(struct fake_client *fc, uint16_t slot)
{
    return fc->region.addr + fc->ring->desc[slot & (fc->size - 1)].offset;
}

/* Client transmit: writes a frame of 'len' bytes of value 'fill' at head,
 * chained over as many buffers as needed, and publishes it. */
static void
fake_send(struct fake_client *fc, uint32_t len, uint8_t fill)
{
    uint16_t head = fc->ring->head;

    do {
        struct memif_desc *d = &fc->ring->desc[head & (fc->size - 1)];
        uint32_t chunk = len > fc->bsize ? fc->bsize : len;

        d->offset = fc->buf_base + (head & (fc->size - 1)) * fc->bsize;
        memset(fake_buf(fc, head), fill, chunk);
        d->length = chunk;
        len -= chunk;
        d->flags = len ? MEMIF_DESC_FLAG_NEXT : 0;
        head++;
    } while (len);
    fc->ring->head = head;
}

static bool
all_bytes(const uint8_t *p, uint32_t len, uint8_t value)
{
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] != value) {
            return false;
        }
    }
    return true;
}

static void
test_rx(uint16_t start)
{
    struct memif_rx_buf bufs[32];
    struct fake_client fc;
    struct memif_queue q;
    uint8_t space[32][4096];
    int n;

    fake_init(&fc, 4, 2048);
    fc.ring->head = fc.ring->tail = start;
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    q.last_head = start;
    for (int i = 0; i < 32; i++) {
        bufs[i] = (struct memif_rx_buf) { space[i], sizeof space[i], 0 };
    }

    /* Nothing to receive. */
    CHECK(memif_queue_rx_burst(&q, bufs, 32) == 0);

    /* Three frames, one of them chained over two slots. */
    fake_send(&fc, 60, 1);
    fake_send(&fc, 3000, 2);
    fake_send(&fc, 1500, 3);
    CHECK(memif_queue_rx_pending(&q) == 4);
    n = memif_queue_rx_burst(&q, bufs, 2);
    CHECK(n == 2);
    CHECK(bufs[0].len == 60 && all_bytes(space[0], 60, 1));
    CHECK(bufs[1].len == 3000 && all_bytes(space[1], 3000, 2));
    CHECK(fc.ring->tail == (uint16_t) (start + 3));
    CHECK(memif_queue_rx_backlog(&q) == 1);
    /* The chain's NEXT flag is cleared once the frame is received. */
    CHECK(fc.ring->desc[(uint16_t) (start + 1) & (fc.size - 1)].flags == 0);
    n = memif_queue_rx_burst(&q, bufs, 32);
    CHECK(n == 1 && bufs[0].len == 1500 && all_bytes(space[0], 1500, 3));
    CHECK(fc.ring->tail == (uint16_t) (start + 4));
    CHECK(memif_queue_rx_backlog(&q) == 0);
    CHECK(q.packets == 3 && q.bytes == 4560);

    /* A frame larger than the receive buffer is dropped and counted. */
    fake_send(&fc, 5000, 4);
    fake_send(&fc, 100, 5);
    n = memif_queue_rx_burst(&q, bufs, 32);
    CHECK(n == 1 && bufs[0].len == 100 && all_bytes(space[0], 100, 5));
    CHECK(q.oversize == 1);

    /* A chain whose end is not yet published waits. */
    fake_send(&fc, 3000, 6);
    fc.ring->head--;
    CHECK(memif_queue_rx_burst(&q, bufs, 32) == 0);
    fc.ring->head++;
    CHECK(memif_queue_rx_burst(&q, bufs, 32) == 1 && bufs[0].len == 3000);

    /* Consumed descriptors have their flags cleared. */
    for (int i = 0; i < fc.size; i++) {
        CHECK(fc.ring->desc[i].flags == 0);
    }
    CHECK(!q.fault);
    fake_destroy(&fc);
}

static void
test_rx_faults(void)
{
    struct memif_rx_buf buf;
    struct fake_client fc;
    struct memif_queue q;
    uint8_t space[2048];

    buf = (struct memif_rx_buf) { space, sizeof space, 0 };

    /* Region index out of range. */
    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    fake_send(&fc, 60, 1);
    fc.ring->desc[0].region = 1;
    CHECK(memif_queue_rx_burst(&q, &buf, 1) == 0);
    CHECK(q.fault && strstr(q.fault, "region that does not exist"));
    CHECK(fc.ring->tail == 0);
    fake_destroy(&fc);

    /* Buffer one byte past the end of the region. */
    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    fake_send(&fc, 60, 1);
    fc.ring->desc[0].offset = fc.region.size - 59;
    CHECK(memif_queue_rx_burst(&q, &buf, 1) == 0);
    CHECK(q.fault && strstr(q.fault, "outside its region"));
    fake_destroy(&fc);

    /* Length that overflows 32-bit offset + length. */
    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    fake_send(&fc, 60, 1);
    fc.ring->desc[0].offset = 16;
    fc.ring->desc[0].length = UINT32_MAX - 8;
    CHECK(memif_queue_rx_burst(&q, &buf, 1) == 0);
    CHECK(q.fault && strstr(q.fault, "outside its region"));
    fake_destroy(&fc);

    /* Zero-length descriptor. */
    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    fake_send(&fc, 60, 1);
    fc.ring->desc[0].length = 0;
    CHECK(memif_queue_rx_burst(&q, &buf, 1) == 0);
    CHECK(q.fault != NULL);
    fake_destroy(&fc);

    /* Head more than a ring's worth ahead of tail. */
    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    fc.ring->head = 9;
    CHECK(memif_queue_rx_burst(&q, &buf, 1) == 0);
    CHECK(q.fault && strstr(q.fault, "ran past"));
    fake_destroy(&fc);

    /* A chain that never ends loops over the whole ring. */
    fake_init(&fc, 7, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    for (int i = 0; i < 128; i++) {
        fc.ring->desc[i].flags = MEMIF_DESC_FLAG_NEXT;
    }
    fc.ring->head = 128;
    CHECK(memif_queue_rx_burst(&q, &buf, 1) == 0);
    CHECK(q.fault && strstr(q.fault, "chain too long"));
    fake_destroy(&fc);

    /* A chain that fills a small ring can never complete. */
    fake_init(&fc, 4, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    for (int i = 0; i < 16; i++) {
        fc.ring->desc[i].flags = MEMIF_DESC_FLAG_NEXT;
    }
    fc.ring->head = 16;
    CHECK(memif_queue_rx_burst(&q, &buf, 1) == 0);
    CHECK(q.fault && strstr(q.fault, "fills the ring"));
    fake_destroy(&fc);
}

static void
test_tx(uint16_t start)
{
    struct memif_tx_pkt pkts[4];
    uint8_t data[4][5000];
    struct fake_client fc;
    struct memif_queue q;
    uint16_t slot;

    fake_init(&fc, 3, 2048);
    fc.ring->head = fc.ring->tail = start;
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    q.tail = start;
    for (int i = 0; i < 4; i++) {
        memset(data[i], 10 + i, sizeof data[i]);
    }
    pkts[0] = (struct memif_tx_pkt) { data[0], 60 };
    pkts[1] = (struct memif_tx_pkt) { data[1], 5000 };
    pkts[2] = (struct memif_tx_pkt) { data[2], 2048 };
    pkts[3] = (struct memif_tx_pkt) { data[3], 100 };

    /* No buffers posted: nothing goes. */
    CHECK(memif_queue_tx_burst(&q, pkts, 4) == 0);
    CHECK(q.no_room == 4);

    /* Five buffers posted: frames 0 (1 slot), 1 (3 slots) and 2 (1 slot)
     * fit; frame 3 does not. */
    fc.ring->head = start + 5;
    CHECK(memif_queue_tx_burst(&q, pkts, 4) == 3);
    CHECK(fc.ring->tail == (uint16_t) (start + 5));
    slot = start;
    CHECK(fc.ring->desc[slot & 7].length == 60);
    CHECK(fc.ring->desc[slot & 7].flags == 0);
    CHECK(all_bytes(fake_buf(&fc, slot), 60, 10));
    slot++;
    CHECK(fc.ring->desc[slot & 7].length == 2048);
    CHECK(fc.ring->desc[slot & 7].flags == MEMIF_DESC_FLAG_NEXT);
    slot += 2;
    CHECK(fc.ring->desc[slot & 7].length == 5000 - 4096);
    CHECK(fc.ring->desc[slot & 7].flags == 0);
    CHECK(all_bytes(fake_buf(&fc, slot), 5000 - 4096, 11));
    slot++;
    CHECK(fc.ring->desc[slot & 7].length == 2048);

    /* One free buffer, a frame that needs three: nothing is published. */
    fc.ring->head = start + 6;
    CHECK(memif_queue_tx_burst(&q, &pkts[1], 1) == 0);
    CHECK(fc.ring->tail == (uint16_t) (start + 5));

    /* The client posted a buffer outside its region. */
    fc.ring->desc[(start + 5) & 7].offset = fc.region.size;
    CHECK(memif_queue_tx_burst(&q, &pkts[0], 1) == 0);
    CHECK(q.fault && strstr(q.fault, "outside its region"));
    fake_destroy(&fc);
}

static uint8_t
copy_pattern(uint32_t i, uint32_t len)
{
    return i * 131 + len * 7 + 1;
}

/* Checks that 'buf' holds the frame of 'len' bytes that copy_pattern()
 * describes, between guard bytes that nobody wrote. */
static bool
copy_intact(const uint8_t *buf, uint32_t len)
{
    if (*(buf - 1) != 0xee || buf[len] != 0xee) {
        return false;
    }
    for (uint32_t i = 0; i < len; i++) {
        if (buf[i] != copy_pattern(i, len)) {
            return false;
        }
    }
    return true;
}

/* Frames of every length up to 600 bytes, and longer ones, received and
 * transmitted at misaligned addresses on both sides: each is copied
 * exactly and no byte beside it is written (the copy loop for long frames
 * and the library's for short ones). */
static void
test_copy(void)
{
    static const uint32_t long_lens[] = {
        1000, 1499, 1500, 1501, 2048, 4095, 4096, 9000,
    };
    static const uint32_t misaligns[] = { 0, 1, 31, 63 };
    const int n_misaligns = sizeof misaligns / sizeof misaligns[0];
    const int n_lens = 600 + sizeof long_lens / sizeof long_lens[0];
    const uint32_t bsize = 9216;
    uint8_t *ours = xalloc(bsize);
    struct fake_client rx, tx;
    struct memif_queue rxq, txq;
    int failures = 0;

    fake_init(&rx, 1, bsize);
    fake_init(&tx, 1, bsize);
    memif_queue_init(&rxq, rx.ring, rx.log2, &rx.region, 1, -1);
    memif_queue_init(&txq, tx.ring, tx.log2, &tx.region, 1, -1);
    for (int k = 0; k < n_lens; k++) {
        uint32_t len = k < 600 ? k + 1 : long_lens[k - 600];

        for (int m = 0; m < n_misaligns; m++) {
            uint32_t src_ofs = 64 + misaligns[m];
            uint32_t dst_ofs = 64 + misaligns[n_misaligns - 1 - m];
            uint16_t slot = rx.ring->head;
            struct memif_desc *d = &rx.ring->desc[slot & (rx.size - 1)];
            uint8_t *client = fake_buf(&rx, slot);
            struct memif_rx_buf buf;
            struct memif_tx_pkt pkt;

            /* Receive: from the client's buffer into ours. */
            for (uint32_t i = 0; i < len; i++) {
                client[src_ofs + i] = copy_pattern(i, len);
            }
            d->offset += src_ofs;
            d->length = len;
            rx.ring->head++;
            memset(ours, 0xee, bsize);
            buf = (struct memif_rx_buf) { ours + dst_ofs, len, 0 };
            if (memif_queue_rx_burst(&rxq, &buf, 1) != 1 || buf.len != len
                || !copy_intact(buf.data, len)) {
                printf("receive of %"PRIu32" bytes from offset %"PRIu32
                       " to offset %"PRIu32" is wrong\n",
                       len, src_ofs, dst_ofs);
                failures++;
            }
            d->offset -= src_ofs;

            /* Transmit: from ours into the client's buffer. */
            slot = tx.ring->tail;
            d = &tx.ring->desc[slot & (tx.size - 1)];
            client = fake_buf(&tx, slot);
            memset(client, 0xee, bsize);
            for (uint32_t i = 0; i < len; i++) {
                ours[src_ofs + i] = copy_pattern(i, len);
            }
            d->offset += dst_ofs;
            d->length = bsize - dst_ofs;
            tx.ring->head = slot + 1;
            pkt = (struct memif_tx_pkt) { ours + src_ofs, len };
            if (memif_queue_tx_burst(&txq, &pkt, 1) != 1 || d->length != len
                || !copy_intact(client + dst_ofs, len)) {
                printf("transmit of %"PRIu32" bytes from offset %"PRIu32
                       " to offset %"PRIu32" is wrong\n",
                       len, src_ofs, dst_ofs);
                failures++;
            }
            d->offset -= dst_ofs;
        }
    }
    CHECK(!failures);
    CHECK(!rxq.fault && !txq.fault);
    free(ours);
    fake_destroy(&rx);
    fake_destroy(&tx);
}

static void
test_kick(void)
{
    struct fake_client fc;
    struct memif_queue q;
    uint64_t value = 0;
    int efd = eventfd(0, EFD_NONBLOCK);

    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, efd);
    CHECK(memif_queue_peer_wants_kick(&q));
    memif_queue_kick(&q);
    memif_queue_kick(&q);
    CHECK(read(efd, &value, sizeof value) == sizeof value && value == 2);
    CHECK(q.kicks == 2);
    fc.ring->flags = MEMIF_RING_FLAG_MASK_INT;
    CHECK(!memif_queue_peer_wants_kick(&q));
    close(efd);
    fake_destroy(&fc);
}

/* memif_queue_tx(): tries again on a full ring, notifies a sleeping
 * client at most once per call, and a polling one never. */
static void
test_notify(void)
{
    struct memif_tx_pkt pkts[6];
    uint8_t data[60];
    struct fake_client fc;
    struct memif_queue q;
    uint64_t value = 0;
    int efd = eventfd(0, EFD_NONBLOCK);

    memset(data, 7, sizeof data);
    for (int i = 0; i < 6; i++) {
        pkts[i] = (struct memif_tx_pkt) { data, sizeof data };
    }
    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, efd);

    /* A sleeping client posted 4 buffers: 4 frames go, the port tries 3
     * times more for the other 2, which it drops; one notification. */
    fc.ring->head = 4;
    CHECK(memif_queue_tx(&q, pkts, 6, 3) == 4);
    CHECK(fc.ring->tail == 4);
    CHECK(q.retries == 3 && q.no_room == 2 && q.bursts == 1);
    CHECK(q.kicks == 1 && q.kicks_suppressed == 0);
    CHECK(read(efd, &value, sizeof value) == sizeof value && value == 1);

    /* A polling client: no notification, and it is counted. */
    fc.ring->flags = MEMIF_RING_FLAG_MASK_INT;
    fc.ring->head = 8;
    CHECK(memif_queue_tx(&q, pkts, 2, 3) == 2);
    CHECK(q.bursts == 2 && q.kicks == 1 && q.kicks_suppressed == 1);
    CHECK(read(efd, &value, sizeof value) < 0);

    /* A full ring: tries again, nothing goes, no burst. */
    fc.ring->head = q.tail;
    CHECK(memif_queue_tx(&q, pkts, 1, 2) == 0);
    CHECK(q.retries == 5 && q.no_room == 3 && q.bursts == 2);
    CHECK(memif_queue_tx(&q, pkts, 1, 0) == 0);
    CHECK(q.retries == 5 && q.no_room == 4);

    /* memif_queue_tx_burst() never notifies. */
    fc.ring->flags = 0;
    fc.ring->head = q.tail + 1;
    CHECK(memif_queue_tx_burst(&q, pkts, 1) == 1);
    CHECK(q.kicks == 1 && q.bursts == 3);
    CHECK(read(efd, &value, sizeof value) < 0);
    close(efd);
    fake_destroy(&fc);
}

static int
test_memif_ring(int argc, char *argv[])
{
    test_rx(0);
    test_rx(65530);            /* Indexes wrap around during the test. */
    test_rx_faults();
    test_tx(0);
    test_tx(65533);
    test_copy();
    test_kick();
    test_notify();
    printf("%s\n", n_failures ? "FAILED" : "ok");
    return n_failures != 0;
}

ECPRDMA_TEST_REGISTER("memif-ring", "", test_memif_ring);

/* Tests of a client that breaks the rules of the rings. */

/* Posts the 'n' buffers of an S2C ring that follow its head, with their
 * original offsets and lengths, and marks them with 'fill'. */
static void
fake_post(struct fake_client *fc, int n, uint8_t fill)
{
    for (int i = 0; i < n; i++) {
        uint16_t slot = fc->ring->head++ & (fc->size - 1);

        fc->ring->desc[slot].offset = fc->buf_base + slot * fc->bsize;
        fc->ring->desc[slot].length = fc->bsize;
        memset(fake_buf(fc, slot), fill, fc->bsize);
    }
}

/* The client rewrites the S2C ring's tail, which only the server writes:
 * the server neither fills again the slots that it already handed over
 * nor takes the client's word for where to go on, but continues from its
 * own copy of the tail. */
static void
test_tx_hostile_tail(void)
{
    struct memif_tx_pkt pkts[2];
    uint8_t data[2][60];
    struct fake_client fc;
    struct memif_queue q;

    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    memset(data[0], 1, sizeof data[0]);
    memset(data[1], 2, sizeof data[1]);
    pkts[0] = (struct memif_tx_pkt) { data[0], sizeof data[0] };
    pkts[1] = (struct memif_tx_pkt) { data[1], sizeof data[1] };

    fake_post(&fc, 4, 0xee);
    CHECK(memif_queue_tx_burst(&q, pkts, 2) == 2);
    CHECK(fc.ring->tail == 2);

    /* Moved back: slots 0 and 1 are the client's now, not filled again. */
    fc.ring->tail = 0;
    CHECK(memif_queue_tx_burst(&q, &pkts[1], 1) == 1);
    CHECK(fc.ring->tail == 3);
    CHECK(all_bytes(fake_buf(&fc, 0), 60, 1));
    CHECK(all_bytes(fake_buf(&fc, 2), 60, 2));

    /* Moved far ahead: not a fault of the head, and no slot skipped. */
    fc.ring->tail = 60000;
    CHECK(memif_queue_tx_burst(&q, &pkts[0], 1) == 1);
    CHECK(fc.ring->tail == 4);
    CHECK(all_bytes(fake_buf(&fc, 3), 60, 1));

    /* Moved to the head: the posted buffers still are free. */
    fake_post(&fc, 2, 0xee);
    fc.ring->tail = fc.ring->head;
    CHECK(memif_queue_tx_burst(&q, pkts, 2) == 2);
    CHECK(fc.ring->tail == 6);
    CHECK(all_bytes(fake_buf(&fc, 5), 60, 2));
    CHECK(!q.fault);
    fake_destroy(&fc);
}

/* Sends a 60-byte frame into an S2C ring whose client posted one buffer,
 * described by 'region', 'offset' and 'length'.  Checks that nothing is
 * sent, written or published, and returns the fault, or NULL. */
static const char *
tx_into_broken_desc(uint16_t region, uint32_t offset, uint32_t length)
{
    struct memif_tx_pkt pkt;
    struct memif_queue q;
    struct fake_client fc;
    uint8_t data[60];

    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    fake_post(&fc, 1, 0xee);
    fc.ring->desc[0].region = region;
    fc.ring->desc[0].offset = offset;
    fc.ring->desc[0].length = length;
    memset(data, 1, sizeof data);
    pkt = (struct memif_tx_pkt) { data, sizeof data };
    CHECK(memif_queue_tx_burst(&q, &pkt, 1) == 0);
    CHECK(fc.ring->tail == 0);
    CHECK(all_bytes(fc.region.addr + fc.buf_base, 256, 0xee));
    fake_destroy(&fc);
    return q.fault;
}

/* Every S2C descriptor is checked before the server writes to its buffer,
 * and chains are bounded: a client cannot make the server write outside
 * its regions, spin, or publish a frame that it did not complete. */
static void
test_tx_hostile_desc(void)
{
    uint32_t size = memif_ring_bytes(3) + 8 * 256;  /* As in the helper. */
    struct memif_tx_pkt pkt;
    uint8_t data[200];
    struct fake_client fc;
    struct memif_queue q;
    const char *fault;

    /* A region that does not exist. */
    fault = tx_into_broken_desc(1, 0, 256);
    CHECK(fault && strstr(fault, "region that does not exist"));

    /* A buffer that starts at the end of the region, or ends past it, or
     * whose offset + length overflows 32 bits, or that is empty. */
    fault = tx_into_broken_desc(0, size, 1);
    CHECK(fault && strstr(fault, "outside its region"));
    fault = tx_into_broken_desc(0, size - 59, 60);
    CHECK(fault && strstr(fault, "outside its region"));
    fault = tx_into_broken_desc(0, 16, UINT32_MAX - 8);
    CHECK(fault && strstr(fault, "outside its region"));
    fault = tx_into_broken_desc(0, 256, 0);
    CHECK(fault && strstr(fault, "outside its region"));

    /* Head more than a ring's worth ahead of the tail. */
    fake_init(&fc, 3, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    memset(data, 1, sizeof data);
    pkt = (struct memif_tx_pkt) { data, 60 };
    fc.ring->head = 9;
    CHECK(memif_queue_tx_burst(&q, &pkt, 1) == 0);
    CHECK(q.fault && strstr(q.fault, "ran past"));
    CHECK(fc.ring->tail == 0);
    fake_destroy(&fc);

    /* Buffers of one byte: a frame that would need a chain longer than
     * MEMIF_MAX_CHAIN is not sent, although there are enough of them, and
     * nothing is published.  One that needs exactly that many goes. */
    fake_init(&fc, 8, 256);
    memif_queue_init(&q, fc.ring, fc.log2, &fc.region, 1, -1);
    fake_post(&fc, fc.size, 0xee);
    for (int i = 0; i < fc.size; i++) {
        fc.ring->desc[i].length = 1;
    }
    pkt = (struct memif_tx_pkt) { data, MEMIF_MAX_CHAIN + 1 };
    CHECK(memif_queue_tx_burst(&q, &pkt, 1) == 0);
    CHECK(q.no_room == 1 && !q.fault);
    CHECK(fc.ring->tail == 0);
    pkt.len = MEMIF_MAX_CHAIN;
    CHECK(memif_queue_tx_burst(&q, &pkt, 1) == 1);
    CHECK(fc.ring->tail == MEMIF_MAX_CHAIN);
    CHECK(fc.ring->desc[MEMIF_MAX_CHAIN - 2].flags == MEMIF_DESC_FLAG_NEXT);
    CHECK(fc.ring->desc[MEMIF_MAX_CHAIN - 1].flags == 0);
    CHECK(!q.fault);
    fake_destroy(&fc);
}

static int
test_memif_ring_hostile(int argc, char *argv[])
{
    const char *which = argc > 1 ? argv[1] : "";

    if (!strcmp(which, "tail")) {
        test_tx_hostile_tail();
    } else if (!strcmp(which, "tx-desc")) {
        test_tx_hostile_desc();
    } else {
        fprintf(stderr, "unknown case %s\n", which);
        return 2;
    }
    printf("%s\n", n_failures ? "FAILED" : "ok");
    return n_failures != 0;
}

ECPRDMA_TEST_REGISTER("memif-ring-hostile", "CASE", test_memif_ring_hostile);

/* Handshake tests. */

static const struct memif_limits test_limits = {
    .id = 7,
    .secret = "s3cret",
    .max_regions = 2,
    .max_queues = 2,
    .max_log2_ring_size = 10,
    .max_region_size = 1 << 24,
};

static struct memif_msg
make_init(uint16_t version, uint32_t id, uint8_t mode, const char *secret)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_INIT;
    m.init.version = version;
    m.init.id = id;
    m.init.mode = mode;
    memcpy(m.init.secret, secret, strlen(secret));
    memcpy(m.init.name, "test client", 11);
    return m;
}

static struct memif_msg
make_add_region(uint16_t index, uint64_t size)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_ADD_REGION;
    m.add_region.index = index;
    m.add_region.size = size;
    return m;
}

static struct memif_msg
make_add_ring(bool c2s, uint16_t index, uint16_t region, uint32_t offset,
              uint8_t log2)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_ADD_RING;
    m.add_ring.flags = c2s ? MEMIF_MSG_ADD_RING_FLAG_C2S : 0;
    m.add_ring.index = index;
    m.add_ring.region = region;
    m.add_ring.offset = offset;
    m.add_ring.log2_ring_size = log2;
    return m;
}

static struct memif_msg
make_simple(uint16_t type)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = type;
    return m;
}

/* Feeds 'msgs' to a fresh handshake, passing a new fd (an eventfd) with
 * every ADD_REGION and ADD_RING, and prints what the server answers. */
static void
run_handshake(const struct memif_msg *msgs, int n)
{
    struct memif_handshake hs;
    struct memif_msg hello;

    memif_handshake_init(&hs, &test_limits);
    memif_handshake_hello(&hs, "test server", &hello);
    CHECK(hello.hello.max_c2s_ring == 1 && hello.hello.max_s2c_ring == 1);
    CHECK(hello.hello.max_region == 1);
    CHECK(hello.hello.max_log2_ring_size == 10);
    CHECK(hello.hello.min_version == MEMIF_VERSION);

    for (int i = 0; i < n; i++) {
        struct memif_msg reply;
        int fd = -1;

        if (msgs[i].type == MEMIF_MSG_TYPE_ADD_REGION
            || msgs[i].type == MEMIF_MSG_TYPE_ADD_RING) {
            fd = eventfd(0, 0);
        }
        if (memif_handshake_input(&hs, &msgs[i], fd, &reply)) {
            if (reply.type == MEMIF_MSG_TYPE_ACK) {
                printf("ACK ");
            } else if (reply.type == MEMIF_MSG_TYPE_DISCONNECT) {
                printf("DISCONNECT \"%s\"\n",
                       (char *) reply.disconnect.string);
                break;
            }
        } else if (hs.state == MEMIF_HS_CONNECT) {
            printf("CONNECT from \"%s\" (%s): %d region(s), %d+%d rings\n",
                   hs.client_if_name, hs.client_name, hs.n_regions,
                   hs.n_c2s, hs.n_s2c);
            break;
        } else {
            printf("closed \"%s\"\n", hs.reason);
            break;
        }
    }
    memif_handshake_destroy(&hs);
}

static int
test_memif_handshake(int argc, char *argv[])
{
    uint64_t ring_bytes = memif_ring_bytes(10);
    struct memif_msg good[] = {
        make_init(MEMIF_VERSION, 7, 0, "s3cret"),
        make_add_region(0, 2 * ring_bytes),
        make_add_region(1, 4096),
        make_add_ring(true, 0, 0, 0, 10),
        make_add_ring(false, 0, 0, ring_bytes, 10),
        make_simple(MEMIF_MSG_TYPE_CONNECT),
    };
    const char *which = argc > 1 ? argv[1] : "good";
    struct memif_msg m[8];
    int n = 6;

    memcpy(m, good, sizeof good);
    memcpy(m[5].connect.if_name, "net_memif0", 10);
    if (!strcmp(which, "good")) {
        /* As is. */
    } else if (!strcmp(which, "version")) {
        m[0] = make_init(0x0100, 7, 0, "s3cret");
    } else if (!strcmp(which, "id")) {
        m[0] = make_init(MEMIF_VERSION, 8, 0, "s3cret");
    } else if (!strcmp(which, "mode")) {
        m[0] = make_init(MEMIF_VERSION, 7, 1, "s3cret");
    } else if (!strcmp(which, "no-secret")) {
        m[0] = make_init(MEMIF_VERSION, 7, 0, "");
    } else if (!strcmp(which, "secret")) {
        m[0] = make_init(MEMIF_VERSION, 7, 0, "s3creT");
    } else if (!strcmp(which, "secret-prefix")) {
        m[0] = make_init(MEMIF_VERSION, 7, 0, "s3cre");
    } else if (!strcmp(which, "secret-longer")) {
        m[0] = make_init(MEMIF_VERSION, 7, 0, "s3cret!");
    } else if (!strcmp(which, "secret-unterminated")) {
        memset(m[0].init.secret, 'x', sizeof m[0].init.secret);
    } else if (!strcmp(which, "secret-trailing")) {
        /* What follows the secret's NUL does not count. */
        memcpy(&m[0].init.secret[7], "xyz", 3);
    } else if (!strcmp(which, "order")) {
        m[0] = make_add_region(0, 4096);
    } else if (!strcmp(which, "region-index")) {
        m[2] = make_add_region(2, 4096);
    } else if (!strcmp(which, "region-count")) {
        m[3] = make_add_region(2, 4096);
    } else if (!strcmp(which, "region-size")) {
        m[1] = make_add_region(0, (uint64_t) 1 << 40);
    } else if (!strcmp(which, "ring-log2")) {
        m[3] = make_add_ring(true, 0, 0, 0, 11);
    } else if (!strcmp(which, "ring-log2-zero")) {
        m[3] = make_add_ring(true, 0, 0, 0, 0);
    } else if (!strcmp(which, "ring-index")) {
        m[3] = make_add_ring(true, 1, 0, 0, 10);
    } else if (!strcmp(which, "ring-count")) {
        m[4] = make_add_ring(true, 1, 0, ring_bytes, 10);
        m[5] = make_add_ring(true, 2, 0, 0, 10);
    } else if (!strcmp(which, "ring-region")) {
        m[3] = make_add_ring(true, 0, 2, 0, 10);
    } else if (!strcmp(which, "ring-bounds")) {
        m[4] = make_add_ring(false, 0, 0, ring_bytes + 64, 10);
    } else if (!strcmp(which, "ring-bounds-overflow")) {
        m[4] = make_add_ring(false, 0, 0, UINT32_MAX - 63, 10);
    } else if (!strcmp(which, "private-hdr")) {
        m[3].add_ring.private_hdr_size = 8;
    } else if (!strcmp(which, "no-rings")) {
        m[3] = make_simple(MEMIF_MSG_TYPE_CONNECT);
        n = 4;
    } else if (!strcmp(which, "unknown")) {
        m[1] = make_simple(42);
    } else if (!strcmp(which, "ack")) {
        m[1] = make_simple(MEMIF_MSG_TYPE_ACK);
    } else if (!strcmp(which, "disconnect")) {
        m[1] = make_simple(MEMIF_MSG_TYPE_DISCONNECT);
        memcpy(m[1].disconnect.string, "bye", 3);
    } else if (!strcmp(which, "unterminated")) {
        memset(m[0].init.name, 'x', sizeof m[0].init.name);
    } else {
        fprintf(stderr, "unknown case %s\n", which);
        return 2;
    }
    run_handshake(m, n);
    return n_failures != 0;
}

ECPRDMA_TEST_REGISTER("memif-handshake", "[CASE]", test_memif_handshake);
