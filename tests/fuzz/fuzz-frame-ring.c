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

/* libFuzzer target: frame_ring_put() and frame_ring_get() on a ring whose
 * peer is hostile and rewrites the indexes in the header and the records
 * in the area between operations.
 *
 * The ring is ours, as the uplink's: it puts with its own producer index
 * against the consumer index in the header, and gets with its own consumer
 * index up to the producer index in the header.  The header and the area
 * are separate heap allocations of their exact sizes, so that ASan sees
 * any access outside them.
 *
 * Input: one configuration octet (bit 0: an area of 8192 octets instead
 * of 4096), then operations of one octet (taken modulo N_OPS) and their
 * arguments, all integers little-endian:
 *
 *     0 put         length (u24, of which 17 bits count), then a frame of
 *                   that many octets of a fixed pattern, tag = length
 *     1 get
 *     2 near-prod   delta (u16): header producer = our consumer + delta
 *     3 near-cons   delta (u16): header consumer = our producer - delta
 *     4 set-prod    the header's producer index (u64)
 *     5 set-cons    the header's consumer index (u64)
 *     6 record      offset (u16), length (u16): a record header, tag
 *                   0x5a5a5a5a, at offset rounded down to 8, in the area
 *     7 poke        offset (u16), count (u8), then that many octets
 *                   written into the area at offset, up to its end
 *     8 reset       our producer and consumer index (u64 each), as after
 *                   reading them back from the header
 *     9 echo        the header's indexes = ours, as a peer that consumes
 *                   what we put and produces what we get
 *
 * The target checks what frame-ring.h promises: indexes that fail
 * frame_ring_indexes_ok() are refused; a refused put changes neither the
 * index nor the area; a put writes only its record (and a skip record
 * before it) and stays within the consumer's area's size; a get that
 * succeeds returns a frame inside the area, at the record it skipped. */

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame-ring.h"
#include "fuzz.h"
#include "xalloc.h"

enum { N_OPS = 10, MAX_SIZE = 8192, MAX_LEN = 0x1ffff };

/* True if the octets of 'r' that differ from 'before' are all in
 * [a, a + a_len) or [b, b + b_len). */
static bool
changed_only(const struct frame_ring *r, const uint8_t *before,
             uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
    for (uint64_t i = 0; i < r->size; i++) {
        if (r->data[i] != before[i]
            && !(i >= a && i - a < a_len) && !(i >= b && i - b < b_len)) {
            return false;
        }
    }
    return true;
}

/* Puts a frame of 'len' octets, tagged 'len', at our producer index
 * '*prod' against the consumer index in the header, and checks the
 * outcome. */
static void
put(struct frame_ring *r, uint64_t *prod, uint32_t len)
{
    static uint8_t frame[MAX_LEN], before[MAX_SIZE];
    uint64_t mask = r->size - 1, old = *prod;
    uint64_t cons = frame_ring_consumer(r);
    enum frame_ring_status st;

    if (!frame[0]) {
        for (uint32_t i = 0; i < MAX_LEN; i++) {
            frame[i] = i * 7 + 1;
        }
    }
    memcpy(before, r->data, r->size);
    st = frame_ring_put(r, prod, cons, len, frame, len);
    if (!frame_ring_indexes_ok(r, old, cons)) {
        FUZZ_CHECK(st == FRAME_RING_BAD);
    }
    if (st != FRAME_RING_OK) {
        FUZZ_CHECK(st == FRAME_RING_FULL || st == FRAME_RING_BAD);
        FUZZ_CHECK(*prod == old);
        FUZZ_CHECK(!memcmp(before, r->data, r->size));
    } else {
        uint64_t rec = frame_ring_record_size(len);
        uint64_t start = *prod - rec;
        uint64_t pos = start & mask;
        uint32_t tag;
        uint16_t len16;

        FUZZ_CHECK(len >= 1 && len <= FRAME_RING_MAX_FRAME);
        FUZZ_CHECK(start - old < r->size);
        FUZZ_CHECK(start == old || !(start & mask));
        FUZZ_CHECK(pos + rec <= r->size);
        FUZZ_CHECK(*prod - cons <= r->size);
        FUZZ_CHECK(frame_ring_indexes_ok(r, *prod, cons));
        memcpy(&tag, r->data + pos, 4);
        memcpy(&len16, r->data + pos + 4, 2);
        FUZZ_CHECK(le32toh(tag) == len && le16toh(len16) == len);
        FUZZ_CHECK(!memcmp(r->data + pos + FRAME_RING_RECORD_HEADER, frame,
                           len));
        FUZZ_CHECK(changed_only(r, before, old & mask,
                                start != old ? FRAME_RING_RECORD_HEADER : 0,
                                pos, FRAME_RING_RECORD_HEADER + len));
    }
}

/* Gets a frame at our consumer index '*cons' up to the producer index in
 * the header, and checks the outcome. */
static void
get(const struct frame_ring *r, uint64_t *cons)
{
    static uint8_t copy[FRAME_RING_MAX_FRAME];
    uint64_t mask = r->size - 1, old = *cons;
    uint64_t prod = frame_ring_producer(r);
    enum frame_ring_status st;
    struct frame_ring_frame f;

    st = frame_ring_get(r, cons, prod, &f);
    if (!frame_ring_indexes_ok(r, prod, old)) {
        FUZZ_CHECK(st == FRAME_RING_BAD);
    }
    if (st == FRAME_RING_BAD) {
        FUZZ_CHECK(*cons == old);
    } else if (st == FRAME_RING_EMPTY) {
        FUZZ_CHECK(*cons == prod);
    } else {
        uint64_t rec = frame_ring_record_size(f.len);

        FUZZ_CHECK(st == FRAME_RING_OK);
        FUZZ_CHECK(f.len >= 1 && f.len <= FRAME_RING_MAX_FRAME);
        FUZZ_CHECK(*cons - old <= prod - old);
        FUZZ_CHECK(!(*cons & 7));
        FUZZ_CHECK(f.data == (r->data + ((*cons - rec) & mask)
                              + FRAME_RING_RECORD_HEADER));
        FUZZ_CHECK(f.data + f.len <= r->data + r->size);
        memcpy(copy, f.data, f.len);
    }
}

/* The next N octets of input, as a little-endian integer. */
#define TAKE(N) fuzz_take(&data, &size, N, &ok)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct frame_ring r;
    uint64_t prod = 0, cons = 0;
    bool ok = true;

    if (!size) {
        return 0;
    }
    /* A ring that a peer writes: its records never refer to frames
     * elsewhere, whatever their reserved field says. */
    r.release = NULL;
    r.size = data[0] & 1 ? 8192 : 4096;
    r.header = xalloc_zeroed(1, FRAME_RING_HEADER_SIZE);
    r.data = xalloc_zeroed(1, r.size);
    data++;
    size--;

    while (ok && size) {
        uint8_t op = TAKE(1) % N_OPS;
        uint16_t len16;
        uint64_t a, b;

        switch (op) {
        case 0:
            a = TAKE(3) & MAX_LEN;
            if (ok) {
                put(&r, &prod, a);
            }
            break;
        case 1:
            get(&r, &cons);
            break;
        case 2:
            frame_ring_set_producer(&r, cons + TAKE(2));
            break;
        case 3:
            frame_ring_set_consumer(&r, prod - TAKE(2));
            break;
        case 4:
            frame_ring_set_producer(&r, TAKE(8));
            break;
        case 5:
            frame_ring_set_consumer(&r, TAKE(8));
            break;
        case 6:
            a = TAKE(2) & (r.size - 1) & ~7;
            len16 = htole16(TAKE(2));
            memset(r.data + a, 0x5a, 4);
            memcpy(r.data + a + 4, &len16, 2);
            break;
        case 7:
            a = TAKE(2) & (r.size - 1);
            b = TAKE(1);
            b = b < size ? b : size;
            b = b < r.size - a ? b : r.size - a;
            memcpy(r.data + a, data, b);
            data += b;
            size -= b;
            break;
        case 8:
            a = TAKE(8);
            b = TAKE(8);
            if (ok) {
                prod = a;
                cons = b;
            }
            break;
        case 9:
            frame_ring_set_producer(&r, prod);
            frame_ring_set_consumer(&r, cons);
            break;
        }
    }

    free(r.header);
    free(r.data);
    return 0;
}
