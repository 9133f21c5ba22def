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

/* Building and checking ecp-rdma-vm test frames, and counting what became
 * of each stream's sequence numbers. */

#define _DEFAULT_SOURCE 1

#include "ecp-rdma-vm-payload.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Ethernet minimum frame size without the FCS: shorter frames may have
 * been padded up to it. */
#define ETH_MIN_SIZE 60

#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_QINQ 0x88a8

/* Sequence numbers remembered per stream, for duplicate detection. */
#define WINDOW_BITS 65536

/* Most streams a tracker follows. */
#define MAX_STREAMS 1024

/* Stores 'x' at 'p' in network byte order. */
static void
put16(uint8_t *p, uint16_t x)
{
    x = htobe16(x);
    memcpy(p, &x, sizeof x);
}

static void
put32(uint8_t *p, uint32_t x)
{
    x = htobe32(x);
    memcpy(p, &x, sizeof x);
}

static void
put64(uint8_t *p, uint64_t x)
{
    x = htobe64(x);
    memcpy(p, &x, sizeof x);
}

/* Loads a value in network byte order from 'p'. */
static uint16_t
get16(const uint8_t *p)
{
    uint16_t x;

    memcpy(&x, p, sizeof x);
    return be16toh(x);
}

static uint32_t
get32(const uint8_t *p)
{
    uint32_t x;

    memcpy(&x, p, sizeof x);
    return be32toh(x);
}

static uint64_t
get64(const uint8_t *p)
{
    uint64_t x;

    memcpy(&x, p, sizeof x);
    return be64toh(x);
}

/* Returns the 'check' field of a payload, as defined in the header file. */
static uint32_t
payload_check(uint32_t stream, uint32_t len, uint64_t seq)
{
    uint64_t h = seq ^ ((uint64_t) stream << 32 | len);

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* The pattern's word 0 for 'seq', and the step from one word to the
 * next. */
#define PATTERN_WORD0(SEQ) (((SEQ) + 1) * 0x9e3779b97f4a7c15ULL)
#define PATTERN_STEP 0x2545f4914f6cdd1dULL

/* Returns true if the 'n' bytes at 'p' are the pattern of 'seq'. */
static bool
pattern_ok(const uint8_t *p, size_t n, uint64_t seq)
{
    uint64_t word = PATTERN_WORD0(seq);
    uint64_t diff = 0;
    uint64_t w;
    size_t i;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, sizeof w);
        diff |= w ^ htole64(word);
        word += PATTERN_STEP;
    }
    if (i < n) {
        uint64_t expect = htole64(word);

        diff |= memcmp(p + i, &expect, n - i);
    }
    return !diff;
}

/* Returns the offset of the EtherType's payload in frames made from 't'. */
static size_t
l3_offset(const struct vm_frame_template *t)
{
    return VM_ETH_HDR_LEN + (t->vlan >= 0 ? VM_VLAN_HDR_LEN : 0);
}

/* Returns the offset of the payload in frames made from 't'. */
static size_t
payload_offset(const struct vm_frame_template *t)
{
    return l3_offset(t) + (t->ipv4 ? VM_IPV4_HDR_LEN + VM_UDP_HDR_LEN : 0);
}

/* The IPv4 header checksum of the 'n' (even) bytes at 'p'. */
static uint16_t
ipv4_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < n; i += 2) {
        sum += get16(p + i);
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* Writes at 'p' the IPv4 and UDP headers of a packet of 'len' bytes from
 * the addresses of 't' that carries payload 'seq'. */
static void
put_ipv4_udp(uint8_t *p, size_t len, const struct vm_frame_template *t,
             uint64_t seq)
{
    memset(p, 0, VM_IPV4_HDR_LEN);
    p[0] = 0x45;                            /* Version 4, 5 words. */
    put16(p + 2, len);
    put16(p + 4, seq);                      /* Identification. */
    put16(p + 6, 0x4000);                   /* Don't fragment. */
    p[8] = 64;                              /* TTL. */
    p[9] = 17;                              /* UDP. */
    memcpy(p + 12, t->ip_src, 4);
    memcpy(p + 16, t->ip_dst, 4);
    put16(p + 10, ipv4_checksum(p, VM_IPV4_HDR_LEN));

    p += VM_IPV4_HDR_LEN;
    put16(p, VM_UDP_PORT);
    put16(p + 2, VM_UDP_PORT);
    put16(p + 4, len - VM_IPV4_HDR_LEN);
    put16(p + 6, 0);                        /* No checksum. */
}

/* Returns the smallest frame that vm_frame_build() can make from 't'. */
size_t
vm_frame_min_size(const struct vm_frame_template *t)
{
    return payload_offset(t) + VM_PAYLOAD_HDR_SIZE;
}

/* Writes into 'frame' a test frame of 'size' bytes, at least
 * vm_frame_min_size(t), with the addresses and tag of 't', for sequence
 * number 'seq' of stream 'stream'. */
void
vm_frame_build(uint8_t *frame, size_t size, const struct vm_frame_template *t,
               uint32_t stream, uint64_t seq)
{
    size_t off = payload_offset(t);
    uint8_t *p = frame + off;
    size_t len = size - off;
    uint64_t word = PATTERN_WORD0(seq);
    size_t i;

    memcpy(frame, t->dst, VM_ETH_ADDR_LEN);
    memcpy(frame + VM_ETH_ADDR_LEN, t->src, VM_ETH_ADDR_LEN);
    if (t->vlan >= 0) {
        put16(frame + 12, ETH_TYPE_VLAN);
        put16(frame + 14, t->vlan);
    }
    if (t->ipv4) {
        size_t l3 = l3_offset(t);

        put16(frame + l3 - 2, VM_ETH_TYPE_IPV4);
        put_ipv4_udp(frame + l3, size - l3, t, seq);
    } else {
        put16(frame + off - 2, VM_ETH_TYPE);
    }

    put32(p, VM_PAYLOAD_MAGIC);
    put32(p + 8, stream);
    put32(p + 12, len);
    put64(p + 16, seq);
    for (i = VM_PAYLOAD_HDR_SIZE; i + 8 <= len; i += 8) {
        uint64_t le = htole64(word);

        memcpy(p + i, &le, sizeof le);
        word += PATTERN_STEP;
    }
    if (i < len) {
        uint64_t le = htole64(word);

        memcpy(p + i, &le, len - i);
    }
    put32(p + 4, payload_check(stream, len, seq));
}

/* Returns the length of the IPv4 and UDP headers of the 'size'-byte packet
 * at 'p' if it is a UDP datagram to VM_UDP_PORT, otherwise 0. */
static size_t
skip_ipv4(const uint8_t *p, size_t size)
{
    size_t ihl;

    if (size < VM_IPV4_HDR_LEN || p[0] >> 4 != 4 || p[9] != 17) {
        return 0;
    }
    ihl = (p[0] & 0xf) * 4;
    if (ihl < VM_IPV4_HDR_LEN || size < ihl + VM_UDP_HDR_LEN
        || get16(p + ihl + 2) != VM_UDP_PORT) {
        return 0;
    }
    return ihl + VM_UDP_HDR_LEN;
}

/* Examines the 'size'-byte 'frame' and fills in '*info' with its VLAN id
 * and, unless it is foreign, its stream id and sequence number. */
enum vm_frame_kind
vm_frame_parse(const uint8_t *frame, size_t size, struct vm_frame_info *info)
{
    size_t off = VM_ETH_HDR_LEN;
    const uint8_t *p;
    uint16_t type;
    uint32_t len;
    int i;

    info->vlan = -1;
    info->stream = 0;
    info->seq = 0;
    if (size < VM_ETH_HDR_LEN) {
        return VM_FRAME_FOREIGN;
    }
    type = get16(frame + 12);
    for (i = 0; i < 2 && (type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ);
         i++) {
        if (size < off + VM_VLAN_HDR_LEN) {
            return VM_FRAME_FOREIGN;
        }
        if (info->vlan < 0) {
            info->vlan = get16(frame + off) & VM_VID_MAX;
        }
        type = get16(frame + off + 2);
        off += VM_VLAN_HDR_LEN;
    }
    if (type == VM_ETH_TYPE_IPV4) {
        size_t udp = skip_ipv4(frame + off, size - off);

        if (!udp) {
            return VM_FRAME_FOREIGN;
        }
        off += udp;
    } else if (type != VM_ETH_TYPE) {
        return VM_FRAME_FOREIGN;
    }
    if (size < off + VM_PAYLOAD_HDR_SIZE) {
        return VM_FRAME_FOREIGN;
    }
    p = frame + off;
    if (get32(p) != VM_PAYLOAD_MAGIC) {
        return VM_FRAME_FOREIGN;
    }

    info->stream = get32(p + 8);
    info->seq = get64(p + 16);
    len = get32(p + 12);
    if (len < VM_PAYLOAD_HDR_SIZE || len > size - off
        || (len < size - off && size != ETH_MIN_SIZE)
        || payload_check(info->stream, len, info->seq) != get32(p + 4)
        || !pattern_ok(p + VM_PAYLOAD_HDR_SIZE, len - VM_PAYLOAD_HDR_SIZE,
                       info->seq)) {
        return VM_FRAME_CORRUPT;
    }
    return VM_FRAME_OURS;
}

/* Swaps the source and destination addresses of the 'size'-byte 'frame'
 * for sending it back.  A group destination does not become the source:
 * 'own' does. */
void
vm_frame_swap_macs(uint8_t *frame, size_t size,
                   const uint8_t own[VM_ETH_ADDR_LEN])
{
    uint8_t dst[VM_ETH_ADDR_LEN];

    if (size < 2 * VM_ETH_ADDR_LEN) {
        return;
    }
    memcpy(dst, frame, VM_ETH_ADDR_LEN);
    memcpy(frame, frame + VM_ETH_ADDR_LEN, VM_ETH_ADDR_LEN);
    memcpy(frame + VM_ETH_ADDR_LEN, dst[0] & 1 ? own : dst, VM_ETH_ADDR_LEN);
}

/* Swaps the source and destination addresses of the 'size'-byte 'frame'
 * if it is an IPv4 packet (with at most one VLAN tag), for sending it
 * back.  The checksum stays valid. */
void
vm_frame_swap_ipv4(uint8_t *frame, size_t size)
{
    size_t off = VM_ETH_HDR_LEN;
    uint16_t type;
    uint8_t a[4];

    if (size < off) {
        return;
    }
    type = get16(frame + 12);
    if (type == ETH_TYPE_VLAN && size >= off + VM_VLAN_HDR_LEN) {
        type = get16(frame + off + 2);
        off += VM_VLAN_HDR_LEN;
    }
    if (type != VM_ETH_TYPE_IPV4 || size < off + VM_IPV4_HDR_LEN) {
        return;
    }
    memcpy(a, frame + off + 12, 4);
    memcpy(frame + off + 12, frame + off + 16, 4);
    memcpy(frame + off + 16, a, 4);
}

/* What a tracker knows about one stream. */
struct vm_stream {
    uint32_t id;
    uint64_t next;              /* Highest sequence number seen, plus 1. */
    uint64_t unique;            /* Distinct sequence numbers seen. */
    uint64_t *seen;             /* Bit 's % WINDOW_BITS': 's' was seen, for
                                 * 's' in [next - WINDOW_BITS, next). */
};

/* Sequence number accounting over a set of streams. */
struct vm_tracker {
    struct vm_stream *streams;
    size_t n_streams;
    size_t last;                /* Index of the last stream looked up. */
    uint64_t duplicated;
    uint64_t reordered;
    uint64_t untracked;
};

/* Creates an empty tracker. */
struct vm_tracker *
vm_tracker_create(void)
{
    struct vm_tracker *t = xalloc_zeroed(1, sizeof *t);

    t->streams = xalloc_zeroed(MAX_STREAMS, sizeof *t->streams);
    return t;
}

/* Frees 't'. */
void
vm_tracker_destroy(struct vm_tracker *t)
{
    size_t i;

    if (t) {
        for (i = 0; i < t->n_streams; i++) {
            free(t->streams[i].seen);
        }
        free(t->streams);
        free(t);
    }
}

/* Returns the stream 'id' of 't', adding it if it is new, or NULL if 't'
 * follows too many streams already. */
static struct vm_stream *
find_stream(struct vm_tracker *t, uint32_t id)
{
    struct vm_stream *s;
    size_t i;

    if (t->last < t->n_streams && t->streams[t->last].id == id) {
        return &t->streams[t->last];
    }
    for (i = 0; i < t->n_streams; i++) {
        if (t->streams[i].id == id) {
            t->last = i;
            return &t->streams[i];
        }
    }
    if (t->n_streams >= MAX_STREAMS) {
        return NULL;
    }
    s = &t->streams[t->n_streams];
    s->id = id;
    s->seen = xalloc_zeroed(WINDOW_BITS / 64, sizeof *s->seen);
    t->last = t->n_streams++;
    return s;
}

/* Returns a pointer to the word of bitmap 'seen' that holds the bit of
 * 'seq', and that bit's mask in '*bit'. */
static uint64_t *
seen_word(uint64_t *seen, uint64_t seq, uint64_t *bit)
{
    size_t index = seq % WINDOW_BITS;

    *bit = 1ULL << (index % 64);
    return &seen[index / 64];
}

/* Accounts for receiving sequence number 'seq' of stream 'id'.  Sequence
 * numbers that lag the highest one by more than the window cannot be told
 * from duplicates: they count as reordered. */
void
vm_tracker_add(struct vm_tracker *t, uint32_t id, uint64_t seq)
{
    struct vm_stream *s = find_stream(t, id);
    uint64_t *word, bit;

    if (!s) {
        t->untracked++;
        return;
    }
    if (seq >= s->next) {
        /* New highest: forget what the window's slots held before. */
        if (seq - s->next >= WINDOW_BITS) {
            memset(s->seen, 0, WINDOW_BITS / 8);
        } else {
            uint64_t x;

            for (x = s->next; x < seq; x++) {
                word = seen_word(s->seen, x, &bit);
                *word &= ~bit;
            }
        }
        word = seen_word(s->seen, seq, &bit);
        *word |= bit;
        s->next = seq + 1;
        s->unique++;
    } else if (s->next - seq > WINDOW_BITS) {
        t->reordered++;
        s->unique++;
    } else {
        word = seen_word(s->seen, seq, &bit);
        if (*word & bit) {
            t->duplicated++;
        } else {
            *word |= bit;
            t->reordered++;
            s->unique++;
        }
    }
}

/* Fills in '*totals' for every stream of 't'. */
void
vm_tracker_get_totals(const struct vm_tracker *t,
                      struct vm_tracker_totals *totals)
{
    size_t i;

    memset(totals, 0, sizeof *totals);
    for (i = 0; i < t->n_streams; i++) {
        const struct vm_stream *s = &t->streams[i];

        totals->unique += s->unique;
        if (s->next > s->unique) {
            totals->lost += s->next - s->unique;
        }
    }
    totals->duplicated = t->duplicated;
    totals->reordered = t->reordered;
    totals->untracked = t->untracked;
    totals->n_streams = t->n_streams;
}
