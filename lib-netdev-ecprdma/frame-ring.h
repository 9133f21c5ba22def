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


#ifndef FRAME_RING_H
#define FRAME_RING_H 1

/* A frame ring: Ethernet frames packed back to back in one byte area, for
 * the rings that a server exports to the switch besides the VMs' own:
 * the ingress ring, which the switch fills by RDMA WRITE, and the egress
 * ring, which it drains by RDMA READ.  Packing lets one WRITE or READ move
 * many small frames.
 *
 * Layout, all integers little-endian:
 *
 *   header (FRAME_RING_HEADER_SIZE bytes):
 *     0   producer: octets ever produced (u64)
 *     64  consumer: octets ever consumed (u64)
 *   data area: a power of two of octets, at least FRAME_RING_MIN_SIZE.
 *
 * A record starts at 'producer' modulo the area size, on an 8-octet
 * boundary, and never wraps around the end of the area:
 *
 *     0   tag (u32): on the ingress ring, the server's QP number of the
 *         VSI the frame is for, or 0 for the server's bridge
 *     4   length of the frame (u16), or 0: skip to the end of the area
 *     6   zero (u16)
 *     8   the frame, then padding to 8 octets
 *
 * The producer writes records past 'producer' and then publishes the new
 * 'producer'; the consumer reads records up to 'producer' and then
 * publishes the new 'consumer'.  The producer never runs more than the
 * area's size ahead of the consumer.  A consumer checks every record
 * against the indexes before using it: a bad record is reported and the
 * caller drops what is left (the peer is broken or hostile). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_RING_HEADER_SIZE 128
#define FRAME_RING_PRODUCER_OFS 0
#define FRAME_RING_CONSUMER_OFS 64
#define FRAME_RING_RECORD_HEADER 8
#define FRAME_RING_MIN_SIZE 4096
#define FRAME_RING_MAX_FRAME 65535

/* The octets a record of a 'len'-octet frame takes. */
static inline uint64_t
frame_ring_record_size(uint32_t len)
{
    return (FRAME_RING_RECORD_HEADER + len + 7) & ~(uint64_t) 7;
}

struct frame_ring {
    uint8_t *header;            /* FRAME_RING_HEADER_SIZE octets. */
    uint8_t *data;              /* 'size' octets. */
    uint64_t size;              /* A power of 2. */

    /* A ring in local memory only (a mirror of a peer's ring) may hold
     * records that refer to their frames elsewhere instead of holding
     * them (frame_ring_put_ref()), if 'release' is set: the ring owns each
     * such frame's 'buffer' and passes it to 'release' when the record is
     * consumed or dropped (frame_ring_release()).  Such a record's
     * reserved field says so, and its frame area holds the two pointers.
     * In a ring without 'release' (one that a peer may write) that field
     * means nothing. */
    void (*release)(void *buffer);
};

#define FRAME_RING_REF 1        /* Reserved field of a referring record. */
#define FRAME_RING_REF_MIN 16   /* Shortest frame that a record may refer
                                 * to: its area holds two pointers. */

/* Allocates, zeroed, a header and an area of 'size' octets (a power of 2,
 * at least FRAME_RING_MIN_SIZE), page-aligned.  frame_ring_free() frees. */
void frame_ring_alloc(struct frame_ring *, uint64_t size);
void frame_ring_free(struct frame_ring *);

/* The indexes in the header, read with acquire and written with release
 * semantics. */
uint64_t frame_ring_producer(const struct frame_ring *);
uint64_t frame_ring_consumer(const struct frame_ring *);
void frame_ring_set_producer(struct frame_ring *, uint64_t);
void frame_ring_set_consumer(struct frame_ring *, uint64_t);

enum frame_ring_status {
    FRAME_RING_OK,              /* Put or got a frame. */
    FRAME_RING_EMPTY,           /* Get: nothing before 'prod'. */
    FRAME_RING_FULL,            /* Put: no room, or not a frame of 1 to
                                 * FRAME_RING_MAX_FRAME octets. */
    FRAME_RING_BAD,             /* A bad record or index. */
};

/* Whether a producer index 'prod' and a consumer index 'cons' can be the
 * indexes of ring 'r': both on an 8-octet boundary, and the producer ahead
 * of the consumer by at most the area's size.  A ring whose peer writes
 * one of its indexes checks that index with this before any use. */
static inline bool
frame_ring_indexes_ok(const struct frame_ring *r, uint64_t prod,
                      uint64_t cons)
{
    return !((prod | cons) & 7) && prod - cons <= r->size;
}

/* Producer: writes a record of the 'len'-octet 'frame' (1..65535 octets)
 * at '*prod' and advances '*prod', if the area has room for it given
 * 'cons'.  Returns FRAME_RING_OK, FRAME_RING_FULL if there is no room for
 * it, or FRAME_RING_BAD if '*prod' and 'cons' fail
 * frame_ring_indexes_ok(); in both cases nothing changes.  The caller
 * publishes '*prod' afterwards, once per batch. */
enum frame_ring_status frame_ring_put(struct frame_ring *, uint64_t *prod,
                                      uint64_t cons, uint32_t tag,
                                      const void *frame, uint32_t len);

/* Producer of a ring with 'release': as frame_ring_put(), but the record
 * refers to the 'len' octets at 'frame', which stay there, in 'buffer',
 * until the ring passes 'buffer' to 'release'.  'len' must be at least
 * FRAME_RING_REF_MIN (or FRAME_RING_FULL). */
enum frame_ring_status frame_ring_put_ref(struct frame_ring *, uint64_t *prod,
                                          uint64_t cons, uint32_t tag,
                                          void *buffer, const void *frame,
                                          uint32_t len);

/* A frame found by frame_ring_get(). */
struct frame_ring_frame {
    uint32_t tag;
    uint32_t len;
    const uint8_t *data;        /* In the area, or where a record of a
                                 * ring with 'release' refers to. */
    void *buffer;               /* Such a record's buffer, or NULL. */
};

/* Consumer: finds the record at '*cons', given the producer's index
 * 'prod', and advances '*cons' past it (and past any skip record before
 * it).  Returns FRAME_RING_OK, FRAME_RING_EMPTY, or FRAME_RING_BAD for
 * indexes that fail frame_ring_indexes_ok() or a record that does not fit
 * between them.  The caller publishes '*cons' afterwards, once per
 * batch. */
enum frame_ring_status frame_ring_get(const struct frame_ring *,
                                      uint64_t *cons, uint64_t prod,
                                      struct frame_ring_frame *);

/* A ring with 'release': passes to 'release' the buffers of the records
 * in [from, to), which the caller is about to consume or drop. */
void frame_ring_release(const struct frame_ring *, uint64_t from,
                        uint64_t to);

/* Returns the position of the record of 'r' that holds position 'pos',
 * given 'rec', the position of a record at or before it, in records that
 * the producer has published. */
uint64_t frame_ring_record_at(const struct frame_ring *r, uint64_t rec,
                              uint64_t pos);

/* Copies the octets [pos, pos + len) of the area of 'r', which has
 * 'release', as the peer's ring is to hold them: a record that refers to
 * its frame has the frame's octets and a zero reserved field.  '*rec' is
 * the position of a record at or before 'pos', in records that the
 * producer has published; it is advanced to the record that holds the
 * last octet copied. */
void frame_ring_copy_out(const struct frame_ring *r, uint64_t *rec,
                         uint64_t pos, uint8_t *dst, uint32_t len);

/* Describes 'ingress' and 'egress', the rings of a server's uplink, in
 * 'spec', whose other members the caller sets: regions 0 to 3 (each
 * ring's header, then its area; region I at ROE_REGION_IOVA(I)), and
 * rings 0 (ingress: the switch WRITEs it) and 1
 * (egress: the switch READs it), of 256-octet entries. */
struct roe_vsi_spec;
void frame_ring_describe_uplink(struct frame_ring *ingress,
                                struct frame_ring *egress,
                                struct roe_vsi_spec *spec);

#endif /* frame-ring.h */
