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

#include "roe-session.h"
#include "vdp.h"
#include "xalloc.h"

#define MIN(A, B) ((A) < (B) ? (A) : (B))

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
    r->release = NULL;
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
put_record_header(uint8_t *p, uint32_t tag, uint16_t len, uint16_t flags)
{
    uint32_t tag_le = htole32(tag);
    uint16_t len_le = htole16(len);
    uint16_t flags_le = htole16(flags);

    memcpy(p, &tag_le, 4);
    memcpy(p + 4, &len_le, 2);
    memcpy(p + 6, &flags_le, 2);
}

/* Makes room for a record of a 'len'-octet frame at '*prod' and returns
 * where it goes in the area, or NULL with the reason in '*st'. */
static uint8_t *
reserve_record(struct frame_ring *r, uint64_t *prod, uint64_t cons,
               uint32_t len, enum frame_ring_status *st)
{
    uint64_t rec = frame_ring_record_size(len);
    uint64_t pos = *prod & (r->size - 1);
    uint64_t to_end = r->size - pos;
    uint64_t start = *prod;

    if (!frame_ring_indexes_ok(r, *prod, cons)) {
        *st = FRAME_RING_BAD;
        return NULL;
    }
    if (!len || len > FRAME_RING_MAX_FRAME) {
        *st = FRAME_RING_FULL;
        return NULL;
    }
    if (rec > to_end) {
        start += to_end;        /* Skip to the start of the area. */
    }
    if (start + rec - cons > r->size) {
        *st = FRAME_RING_FULL;
        return NULL;
    }
    if (start != *prod) {
        put_record_header(r->data + pos, 0, 0, 0);
        pos = 0;
    }
    *prod = start + rec;
    return r->data + pos;
}

enum frame_ring_status
frame_ring_put(struct frame_ring *r, uint64_t *prod, uint64_t cons,
               uint32_t tag, const void *frame, uint32_t len)
{
    enum frame_ring_status st = FRAME_RING_FULL;
    uint8_t *p = reserve_record(r, prod, cons, len, &st);

    if (!p) {
        return st;
    }
    put_record_header(p, tag, len, 0);
    memcpy(p + FRAME_RING_RECORD_HEADER, frame, len);
    return FRAME_RING_OK;
}

enum frame_ring_status
frame_ring_put_ref(struct frame_ring *r, uint64_t *prod, uint64_t cons,
                   uint32_t tag, void *buffer, const void *frame,
                   uint32_t len)
{
    enum frame_ring_status st = FRAME_RING_FULL;
    uint8_t *p;

    if (!r->release || len < FRAME_RING_REF_MIN) {
        return FRAME_RING_FULL;
    }
    p = reserve_record(r, prod, cons, len, &st);
    if (!p) {
        return st;
    }
    put_record_header(p, tag, len, FRAME_RING_REF);
    memcpy(p + FRAME_RING_RECORD_HEADER, &buffer, sizeof buffer);
    memcpy(p + FRAME_RING_RECORD_HEADER + sizeof buffer, &frame,
           sizeof frame);
    return FRAME_RING_OK;
}

/* Whether the record at 'p' of ring 'r' refers to its frame. */
static bool
is_ref_record(const struct frame_ring *r, const uint8_t *p)
{
    uint16_t flags_le;

    memcpy(&flags_le, p + 6, 2);
    return r->release && le16toh(flags_le) & FRAME_RING_REF;
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
        frame->buffer = NULL;
        if (is_ref_record(r, r->data + pos)) {
            memcpy(&frame->buffer, frame->data, sizeof frame->buffer);
            memcpy(&frame->data, frame->data + sizeof frame->buffer,
                   sizeof frame->data);
        }
        *cons = c + rec;
        return FRAME_RING_OK;
    }
    return FRAME_RING_BAD;
}

void
frame_ring_release(const struct frame_ring *r, uint64_t from, uint64_t to)
{
    struct frame_ring_frame f;

    while (frame_ring_get(r, &from, to, &f) == FRAME_RING_OK) {
        if (f.buffer) {
            r->release(f.buffer);
        }
    }
}

/* The octets that the record at 'rec' of 'r' takes, to the end of the
 * area for a skip record (or one that would run past it). */
static uint64_t
record_span(const struct frame_ring *r, uint64_t rec)
{
    uint64_t rpos = rec & (r->size - 1);
    uint64_t to_end = r->size - rpos;
    uint16_t flen_le;
    uint64_t size;

    memcpy(&flen_le, r->data + rpos + 4, 2);
    size = flen_le ? frame_ring_record_size(le16toh(flen_le)) : to_end;
    return MIN(size, to_end);
}

uint64_t
frame_ring_record_at(const struct frame_ring *r, uint64_t rec, uint64_t pos)
{
    uint64_t size;

    while (pos >= rec + (size = record_span(r, rec))) {
        rec += size;
    }
    return rec;
}

void
frame_ring_copy_out(const struct frame_ring *r, uint64_t *recp,
                    uint64_t pos, uint8_t *dst, uint32_t len)
{
    uint64_t rec = frame_ring_record_at(r, *recp, pos);

    while (len) {
        uint64_t rpos = rec & (r->size - 1);
        const uint8_t *p = r->data + rpos;
        uint8_t header[FRAME_RING_RECORD_HEADER];
        const uint8_t *frame = p + FRAME_RING_RECORD_HEADER;
        uint64_t size = record_span(r, rec);
        uint16_t flen_le;
        uint32_t flen;
        uint64_t end;

        memcpy(&flen_le, p + 4, 2);
        flen = le16toh(flen_le);
        memcpy(header, p, sizeof header);
        if (flen && is_ref_record(r, p)) {
            memset(header + 6, 0, 2);
            memcpy(&frame, frame + sizeof(void *), sizeof frame);
        } else {
            flen = size - FRAME_RING_RECORD_HEADER;     /* All of it. */
        }
        end = MIN(rec + size, pos + len);
        while (pos < end) {
            uint64_t o = pos - rec;
            uint64_t n;

            if (o < FRAME_RING_RECORD_HEADER) {
                n = MIN(FRAME_RING_RECORD_HEADER - o, end - pos);
                memcpy(dst, header + o, n);
            } else if (o < FRAME_RING_RECORD_HEADER + flen) {
                n = MIN(FRAME_RING_RECORD_HEADER + flen - o, end - pos);
                memcpy(dst, frame + (o - FRAME_RING_RECORD_HEADER), n);
            } else {
                n = end - pos;
                memset(dst, 0, n);
            }
            dst += n;
            pos += n;
            len -= n;
        }
        if (len) {
            rec += size;
        }
    }
    *recp = rec;
}

void
frame_ring_describe_uplink(struct frame_ring *ingress,
                           struct frame_ring *egress,
                           struct roe_vsi_spec *spec)
{
    struct frame_ring *rings[2] = { ingress, egress };

    for (int i = 0; i < 2; i++) {
        struct frame_ring *r = rings[i];
        int header = 2 * i, data = 2 * i + 1;
        uint64_t header_iova = ROE_REGION_IOVA(header);
        uint64_t data_iova = ROE_REGION_IOVA(data);

        spec->regions[header] = (struct roe_region) {
            .addr = r->header, .iova = header_iova,
            .length = FRAME_RING_HEADER_SIZE,
            .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
        };
        spec->regions[data] = (struct roe_region) {
            .addr = r->data, .iova = data_iova, .length = r->size,
            .access = i ? VDP_MR_REMOTE_READ : VDP_MR_REMOTE_WRITE,
        };
        spec->rings[i] = (struct vdp_ring) {
            .id = i,
            .kind = i ? VDP_RING_EGRESS : VDP_RING_INGRESS,
            /* Entries of 256 octets: VDP counts at most 2^15. */
            .log2_entry_size = 8,
            .log2_entries = __builtin_ctzll(r->size) - 8,
            .base_iova = data_iova,
            .producer_iova = header_iova + FRAME_RING_PRODUCER_OFS,
            .consumer_iova = header_iova + FRAME_RING_CONSUMER_OFS,
        };
        spec->ring_region[i] = data;
    }
    spec->n_regions = 4;
    spec->n_rings = 2;
}
