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


#include "frame-ring.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xalloc.h"

/* The header takes a page of its own. */
#define FRAME_RING_MAP_HEADER 4096

/* The header and the area are mapped directly, so that freeing them gives
 * the memory back, and pages are only used as the ring fills. */
void
frame_ring_alloc(struct frame_ring *r, uint64_t size)
{
    uint8_t *p = mmap(NULL, FRAME_RING_MAP_HEADER + size,
                      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);

    if (p == MAP_FAILED) {
        xalloc_out_of_memory();
    }
    r->header = p;
    r->data = p + FRAME_RING_MAP_HEADER;
    r->size = size;
}

void
frame_ring_free(struct frame_ring *r)
{
    if (r->header) {
        munmap(r->header, FRAME_RING_MAP_HEADER + r->size);
        r->header = r->data = NULL;
    }
}

static uint64_t
load_index(const uint8_t *p)
{
    return le64toh(__atomic_load_n((const uint64_t *) p, __ATOMIC_ACQUIRE));
}

static void
store_index(uint8_t *p, uint64_t x)
{
    __atomic_store_n((uint64_t *) p, htole64(x), __ATOMIC_RELEASE);
}

uint64_t
frame_ring_producer(const struct frame_ring *r)
{
    return load_index(r->header + FRAME_RING_PRODUCER_OFS);
}

uint64_t
frame_ring_consumer(const struct frame_ring *r)
{
    return load_index(r->header + FRAME_RING_CONSUMER_OFS);
}

void
frame_ring_set_producer(struct frame_ring *r, uint64_t x)
{
    store_index(r->header + FRAME_RING_PRODUCER_OFS, x);
}

void
frame_ring_set_consumer(struct frame_ring *r, uint64_t x)
{
    store_index(r->header + FRAME_RING_CONSUMER_OFS, x);
}

static void
put_record_header(uint8_t *p, uint32_t tag, uint16_t len)
{
    uint32_t tag_le = htole32(tag);
    uint16_t len_le = htole16(len);

    memcpy(p, &tag_le, 4);
    memcpy(p + 4, &len_le, 2);
    memset(p + 6, 0, 2);
}

enum frame_ring_status
frame_ring_put(struct frame_ring *r, uint64_t *prod, uint64_t cons,
               uint32_t tag, const void *frame, uint32_t len)
{
    uint64_t rec = frame_ring_record_size(len);
    uint64_t pos = *prod & (r->size - 1);
    uint64_t to_end = r->size - pos;
    uint64_t start = *prod;

    if (!frame_ring_indexes_ok(r, *prod, cons)) {
        return FRAME_RING_BAD;
    }
    if (!len || len > FRAME_RING_MAX_FRAME) {
        return FRAME_RING_FULL;
    }
    if (rec > to_end) {
        start += to_end;        /* Skip to the start of the area. */
    }
    if (start + rec - cons > r->size) {
        return FRAME_RING_FULL;
    }
    if (start != *prod) {
        put_record_header(r->data + pos, 0, 0);
        pos = 0;
    }
    put_record_header(r->data + pos, tag, len);
    memcpy(r->data + pos + FRAME_RING_RECORD_HEADER, frame, len);
    *prod = start + rec;
    return FRAME_RING_OK;
}

enum frame_ring_status
frame_ring_get(const struct frame_ring *r, uint64_t *cons, uint64_t prod,
               struct frame_ring_frame *frame)
{
    uint64_t c = *cons;

    if (!frame_ring_indexes_ok(r, prod, c)) {
        return FRAME_RING_BAD;
    }
    for (int skips = 0; skips < 2; skips++) {
        uint64_t pos = c & (r->size - 1);
        uint64_t to_end = r->size - pos;
        uint64_t avail = prod - c;
        uint32_t tag_le;
        uint16_t len_le;
        uint64_t rec;

        if (!avail) {
            *cons = c;
            return FRAME_RING_EMPTY;
        }
        if (avail < FRAME_RING_RECORD_HEADER) {
            return FRAME_RING_BAD;
        }
        memcpy(&tag_le, r->data + pos, 4);
        memcpy(&len_le, r->data + pos + 4, 2);
        if (!len_le) {
            /* Skip record. */
            if (avail < to_end) {
                return FRAME_RING_BAD;
            }
            c += to_end;
            continue;
        }
        rec = frame_ring_record_size(le16toh(len_le));
        if (rec > to_end || rec > avail) {
            return FRAME_RING_BAD;
        }
        frame->tag = le32toh(tag_le);
        frame->len = le16toh(len_le);
        frame->data = r->data + pos + FRAME_RING_RECORD_HEADER;
        *cons = c + rec;
        return FRAME_RING_OK;
    }
    return FRAME_RING_BAD;
}
