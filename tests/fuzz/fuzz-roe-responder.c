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

/* libFuzzer target: a RoE queue pair fed with a hostile peer's packets,
 * roe_qp_receive() and roe_qp_transmit() in turn, with a clock that
 * advances.
 *
 * The QP's regions, each a heap allocation of its exact size: a
 * read-write one, a read-only one at the top of the address space, a
 * write-only one, one of another protection domain and one that the input
 * may invalidate.  The foreign one is poisoned for ASan throughout, the
 * other once invalidated, so that any access to them is reported.
 *
 * Input: four configuration octets, then packets of PKT_LEN octets, all
 * integers little-endian:
 *
 *     config   0: bits 2-0: log2 of the segment size - 3; bit 3: CRC;
 *                 bits 7-4: READs outstanding - 1
 *              1: window - 1
 *              2: bits 3-0: the peer's rte, bits 7-4: ours
 *              3: high octet of both initial PSNs (low octet 0xf0)
 *     packet   0: bits 3-0, modulo 13: opcode - 6, or 12 for
 *                 READ_SG_REQUEST; bit 4: ACKREQ; bit 5: CRC; bit 6:
 *                 invalidate region 4 first; bit 7: post a work request
 *                 first (see post())
 *              1: PSN - initial PSN (u16)
 *              3: rkey: region 0-4, 5 a stale rkey, 6 an unknown one, 7 0
 *              4: VA - that region's base (s32)
 *              8: DMA length (u32)
 *             12: syndrome
 *             13: payload length (u16, 11 bits count)
 *             15: microseconds the clock advances (bit 7: times 1024)
 *             16: frames to transmit - 1 (4 bits count)
 *
 * A READ_SG request takes its segment list from octets 3-14 instead, read
 * as a string of 96 bits from bit 0 of octet 3 up (see sg_request()):
 *
 *     bits 21i + 0: segment i's rkey (0 <= i < 4), chosen as octet 3
 *                   chooses one (3 bits)
 *          21i + 3: its VA - that region's base + 16 (9 bits)
 *          21i + 12: its length - 1, or 511 for 2^31 (9 bits)
 *               84: segments - 1 (2 bits)
 *               86: 0-2 a good list; 3 the first segment's rkey in the
 *                   RETH; 4 one octet short; 5 the last segment empty; 6
 *                   a DMA length one more than the sum of the segments';
 *                   7 starting at an offset, as a retry does (3 bits)
 *               89: that offset / the segment size - 1 (4 bits)
 *
 * A good list asks for all of its segments from the start.  The responder
 * must refuse the others as new requests; the last kind is also how a
 * requester retries from a later response.
 *
 * Each packet goes through roe_put_frame() and the parsers, as on the
 * wire.  The target checks that roe_qp_transmit() builds at most the
 * frames asked for, each one that parses and is no longer than
 * roe_qp_max_frame_len(); that every READ response is one that a READ or
 * READ_SG request the responder accepted asks for (PSN, opcode, length),
 * with the octets of readable regions that the request names (for a
 * READ_SG, its segments' octets back to back at the response's offset);
 * that every READ_SG request sent names the segments of a READ_SG work
 * request posted; and that the read-only region never changes. */

#include <sanitizer/asan_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>

#include "ecp.h"
#include "fuzz.h"
#include "mr-table.h"
#include "roe-qp.h"
#include "roe.h"
#include "xalloc.h"

enum { N_REGIONS = 5, DOOMED = 4, PKT_LEN = 17, MAX_TX = 16, MAX_WRS = 8 };
enum { MAX_READS = 4096 / PKT_LEN + 1, PAYLOAD = 2048, MAX_SG = 4 };

static const struct { uint32_t pd, access; uint64_t iova, len; } layout[] = {
    { 1, MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE, 0x10000, 300 },
    { 1, MR_ACCESS_REMOTE_READ, UINT64_MAX - 200, 200 },
    { 1, MR_ACCESS_REMOTE_WRITE, 0x20000, 100 },
    { 2, MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE, 0x10000, 100 },
    { 1, MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE, 0x30000, 100 },
};

/* A READ or READ_SG request that the responder accepted. */
struct read {
    struct roe_packet p;        /* Without its payload. */
    struct roe_sge sg[MAX_SG];  /* READ_SG: the segments, as sent. */
    int n_sg;
};

struct fuzz {
    struct roe_qp_config cfg;
    uint8_t *mem[N_REGIONS];
    uint32_t keys[N_REGIONS];
    bool dead;                  /* Region DOOMED is invalidated. */
    struct read reads[MAX_READS];
    int n_reads;
    void *wrs[MAX_WRS];         /* Local buffers of posted requests. */
    struct roe_send_wr posted[MAX_WRS];     /* Those posted. */
    struct roe_sge wr_sg[MAX_WRS][MAX_SG];  /* Their segments, for
                                             * ROE_WR_READ_SG. */
    int n_wrs;
};

static uint64_t
get(const uint8_t *p, int n)
{
    uint64_t x = 0;

    for (int i = 0; i < n; i++) {
        x |= (uint64_t) p[i] << (8 * i);
    }
    return x;
}

/* Returns the 'n' bits (at most 32) of 'p' from bit '*pos' on, counting
 * from bit 0 of p[0] up, and advances '*pos' past them. */
static uint32_t
get_bits(const uint8_t *p, int *pos, int n)
{
    uint32_t x = 0;

    for (int i = 0; i < n; i++) {
        int bit = (*pos)++;

        x |= (uint32_t) ((p[bit / 8] >> (bit % 8)) & 1) << i;
    }
    return x;
}

/* The rkey that selector 'sel' (0-7) picks: that of region 0-4, a stale
 * one, an unknown one, or 0. */
static uint32_t
rkey_for(const struct fuzz *f, int sel)
{
    return (sel < N_REGIONS ? f->keys[sel]
            : sel == 5 ? f->keys[0] ^ 0x100 : sel == 6 ? 0x123456c8 : 0);
}

/* The base of the region that selector 'sel' picks (region 0's for the
 * rkeys of no region). */
static uint64_t
base_for(int sel)
{
    return layout[sel < N_REGIONS ? sel : 0].iova;
}

/* True if the 'len' octets at 'data' are those at 'va' of a region of
 * protection domain 1 that the peer may read through 'rkey'. */
static bool
is_readable(const struct fuzz *f, uint32_t rkey, uint64_t va,
            const uint8_t *data, uint64_t len)
{
    for (int i = 0; i < N_REGIONS; i++) {
        if (rkey == f->keys[i] && !(i == DOOMED && f->dead)
            && layout[i].pd == 1 && layout[i].access & MR_ACCESS_REMOTE_READ
            && va >= layout[i].iova && va - layout[i].iova <= layout[i].len
            && len <= layout[i].len - (va - layout[i].iova)) {
            return !memcmp(f->mem[i] + (va - layout[i].iova), data, len);
        }
    }
    return false;
}

/* True if the 'len' octets at 'data' are octets [off, off + len) of the
 * concatenation of the 'n' segments 'sg', each piece read from a readable
 * region. */
static bool
is_gathered(const struct fuzz *f, const struct roe_sge sg[], int n,
            uint64_t off, const uint8_t *data, uint64_t len)
{
    for (int i = 0; i < n && len; i++) {
        uint64_t piece;

        if (off >= sg[i].len) {
            off -= sg[i].len;
            continue;
        }
        piece = MIN(len, sg[i].len - off);
        if (!is_readable(f, sg[i].rkey, sg[i].va + off, data, piece)) {
            return false;
        }
        data += piece;
        len -= piece;
        off = 0;
    }
    return !len;
}

/* True if READ response 'p' is one that accepted request 'rq' asks for:
 * its PSN is one of the request's, its opcode and payload length are
 * those of that place in the message, and its payload holds the octets
 * that the request names there. */
static bool
is_response_to(const struct fuzz *f, const struct read *rq,
               const struct roe_packet *p)
{
    uint16_t s = f->cfg.segment_size;
    uint64_t dma_len = rq->p.dma_len;
    uint64_t n = dma_len ? (dma_len - 1) / s + 1 : 1;   /* PSNs. */
    uint64_t k = (uint16_t) (p->psn - rq->p.psn);
    uint64_t off = k * s;
    uint8_t opcode;

    if (k >= n) {
        return false;
    }
    opcode = (n == 1 ? ROE_READ_RESPONSE_ONLY
              : !k ? ROE_READ_RESPONSE_FIRST
              : k == n - 1 ? ROE_READ_RESPONSE_LAST
              : ROE_READ_RESPONSE_MIDDLE);
    if (p->opcode != opcode
        || p->payload_len != (k == n - 1 ? dma_len - off : s)) {
        return false;
    }
    if (rq->p.opcode == ROE_READ_SG_REQUEST) {
        return p->payload_len && is_gathered(f, rq->sg, rq->n_sg,
                                             rq->p.va + off, p->payload,
                                             p->payload_len);
    }
    /* A READ of 0 octets needs no region. */
    return !p->payload_len || is_readable(f, rq->p.rkey, rq->p.va + off,
                                          p->payload, p->payload_len);
}

/* True if READ_SG request 'p', sent by the QP, names the segments of work
 * request 'wr', from a response's place in them to their end. */
static bool
is_request_for(const struct fuzz *f, const struct roe_send_wr *wr,
               const struct roe_packet *p)
{
    if (wr->opcode != ROE_WR_READ_SG
        || p->payload_len != wr->n_sg * ROE_SGE_LEN
        || p->va % f->cfg.segment_size || p->va >= wr->length
        || p->dma_len != wr->length - p->va) {
        return false;
    }
    for (unsigned int i = 0; i < wr->n_sg; i++) {
        struct roe_sge sge;

        roe_get_sge(p->payload + i * ROE_SGE_LEN, &sge);
        if (sge.va != wr->sg[i].va || sge.rkey != wr->sg[i].rkey
            || sge.len != wr->sg[i].len) {
            return false;
        }
    }
    return true;
}

static void
check_frame(const struct fuzz *f, const struct roe_frame *frame)
{
    struct ecp_frame ecp;
    struct roe_packet p;
    bool found = false;

    FUZZ_CHECK(frame->len <= roe_qp_max_frame_len(&f->cfg));
    FUZZ_CHECK(ecp_parse(frame->data, frame->len, &ecp) == ECP_PARSE_OK);
    FUZZ_CHECK(roe_parse(&ecp, &p) == ROE_PARSE_OK);
    if (p.opcode == ROE_READ_SG_REQUEST) {
        FUZZ_CHECK(!p.rkey && p.payload_len <= f->cfg.segment_size);
        for (int i = 0; i < f->n_wrs && !found; i++) {
            found = is_request_for(f, &f->posted[i], &p);
        }
        FUZZ_CHECK(found);
        return;
    }
    if (p.opcode < ROE_READ_RESPONSE_FIRST
        || p.opcode > ROE_READ_RESPONSE_ONLY) {
        return;
    }
    FUZZ_CHECK(p.payload_len <= f->cfg.segment_size);
    for (int i = 0; i < f->n_reads && !found; i++) {
        found = is_response_to(f, &f->reads[i], &p);
    }
    FUZZ_CHECK(found);
}

/* Posts a request, so that the peer's responses have something to
 * answer: 'p->dma_len' bits 1-0 pick WRITE, WRITE with immediate, READ or
 * READ_SG, bits 11-2 the length, bits 13-12 a READ_SG's segments - 1, which
 * share the length out (the last one takes the rest), one after another
 * at 'p->va' through 'p->rkey'. */
static void
post(struct fuzz *f, struct roe_qp *qp, const struct roe_packet *p)
{
    uint32_t length = (p->dma_len >> 2) & 0x3ff;
    struct roe_send_wr wr = {
        .opcode = p->dma_len & 3,
        .length = length, .remote_va = p->va, .rkey = p->rkey,
    };

    if (f->n_wrs >= MAX_WRS) {
        return;
    }
    if (wr.opcode == ROE_WR_READ_SG) {
        struct roe_sge *sg = f->wr_sg[f->n_wrs];
        uint64_t va = p->va;

        wr.n_sg = 1 + ((p->dma_len >> 12) & 3);
        for (unsigned int i = 0; i < wr.n_sg; i++) {
            sg[i].va = va;
            sg[i].rkey = p->rkey;
            sg[i].len = (i == wr.n_sg - 1 ? length - (length / wr.n_sg) * i
                         : length / wr.n_sg);
            va += sg[i].len;
        }
        wr.sg = sg;
    }
    wr.local = f->wrs[f->n_wrs] = xalloc(length ? length : 1);
    memset(wr.local, 0x3c, length);
    if (!roe_qp_post_send(qp, &wr)) {
        f->posted[f->n_wrs] = wr;
    }
    f->n_wrs++;
}

/* Makes 'p' the READ_SG request that 'in' describes (see the top of this
 * file), with its segment list in 'payload'. */
static void
sg_request(const struct fuzz *f, const uint8_t *in, struct roe_packet *p,
           uint8_t *payload)
{
    struct roe_sge sg[MAX_SG];
    uint64_t sum = 0, start;
    int pos = 0;
    int n, how;

    for (int i = 0; i < MAX_SG; i++) {
        int sel = get_bits(in + 3, &pos, 3);
        int off = (int) get_bits(in + 3, &pos, 9) - 16;
        uint32_t len = get_bits(in + 3, &pos, 9);

        sg[i].rkey = rkey_for(f, sel);
        sg[i].va = base_for(sel) + off;
        sg[i].len = len == 511 ? ROE_MAX_MESSAGE : len + 1;
    }
    n = 1 + get_bits(in + 3, &pos, 2);
    how = get_bits(in + 3, &pos, 3);
    start = (1 + get_bits(in + 3, &pos, 4)) * f->cfg.segment_size;
    if (how == 5) {
        sg[n - 1].len = 0;
    }
    for (int i = 0; i < n; i++) {
        roe_put_sge(payload + i * ROE_SGE_LEN, &sg[i]);
        sum += sg[i].len;
    }
    p->va = 0;
    p->rkey = 0;
    p->dma_len = sum;
    p->payload_len = n * ROE_SGE_LEN - (how == 4);
    if (how == 3) {
        p->rkey = sg[0].rkey;
    } else if (how == 6) {
        p->dma_len++;
    } else if (how == 7) {
        p->va = start;
        p->dma_len = sum - start;
    }
}

static bool
is_read_request(uint8_t opcode)
{
    return opcode == ROE_READ_REQUEST || opcode == ROE_READ_SG_REQUEST;
}

static void
receive(struct fuzz *f, struct roe_qp *qp, const uint8_t *in, long long now)
{
    static uint8_t payload[PAYLOAD], frame[PAYLOAD + 128];
    int op = (in[0] & 15) % 13;
    int sel = in[3] % 8;
    struct roe_packet p = {
        .opcode = op == 12 ? ROE_READ_SG_REQUEST : ROE_WRITE_FIRST + op,
        .flags = ((in[0] & 0x10 ? ROE_FLAG_ACKREQ : 0)
                  | (in[0] & ROE_FLAG_CRC)),
        .rkey = rkey_for(f, sel),
        .va = base_for(sel) + (int32_t) get(in + 4, 4),
        .dma_len = get(in + 8, 4), .syndrome = in[12], .imm = 42,
        .payload = payload, .payload_len = get(in + 13, 2) & (PAYLOAD - 1),
    };
    struct roe_qp_stats before, after;
    struct ecp_frame ecp;
    struct roe_packet q;

    p.ecp_op = roe_opcode_ecp_op(p.opcode);
    p.psn = (p.ecp_op == ECP_OP_REQUEST ? f->cfg.rq_psn : f->cfg.sq_psn)
            + get(in + 1, 2);
    p.payload_len = roe_opcode_has_payload(p.opcode) ? p.payload_len : 0;
    memset(payload, 0xee, p.payload_len);
    if (in[0] & 0x40 && !f->dead) {
        FUZZ_CHECK(mr_invalidate(f->cfg.mrs, f->keys[DOOMED]));
        ASAN_POISON_MEMORY_REGION(f->mem[DOOMED], layout[DOOMED].len);
        f->dead = true;
    }
    if (in[0] & 0x80) {
        post(f, qp, &p);
    }
    if (p.opcode == ROE_READ_SG_REQUEST) {
        sg_request(f, in, &p, payload);
    }
    ecp_parse(frame, roe_put_frame(frame, &f->cfg.l2, f->cfg.subtype, &p),
              &ecp);
    FUZZ_CHECK(roe_parse(&ecp, &q) == ROE_PARSE_OK);

    roe_qp_get_stats(qp, &before);
    roe_qp_receive(qp, &q, now);
    roe_qp_get_stats(qp, &after);
    if (is_read_request(q.opcode) && after.rx_packets != before.rx_packets) {
        /* Accepted.  The frame and the payload buffer are reused: keep a
         * copy of the segments. */
        struct read *r = &f->reads[f->n_reads++];

        r->p = q;
        r->p.payload = NULL;
        r->n_sg = 0;
        if (q.opcode == ROE_READ_SG_REQUEST) {
            r->n_sg = q.payload_len / ROE_SGE_LEN;
            FUZZ_CHECK(r->n_sg <= MAX_SG);
            for (int i = 0; i < r->n_sg; i++) {
                roe_get_sge(q.payload + i * ROE_SGE_LEN, &r->sg[i]);
            }
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz f;
    struct roe_frame frames[MAX_TX];
    uint8_t ro[200];
    long long now = 1000;
    struct roe_qp *qp;
    char *error;

    if (size < 4 || size > 4 + (MAX_READS - 1) * PKT_LEN) {
        return 0;
    }
    memset(&f, 0, sizeof f);
    f.cfg = (struct roe_qp_config) {
        .l2 = { .dst = { 2, 0, 0, 0, 0, 0xb }, .src = { 2, 0, 0, 0, 0, 0xa } },
        .subtype = ECP_SUBTYPE_ROE_DEFAULT, .dest_qpn = 7,
        .segment_size = 8 << (data[0] & 7), .crc = data[0] & 8,
        .max_reads = 1 + (data[0] >> 4), .window = 1 + data[1],
        .peer_rte = data[2] & 15, .rte = data[2] >> 4,
        .sq_psn = data[3] << 8 | 0xf0, .rq_psn = data[3] << 8 | 0xf0,
        .max_tries = 3, .mrs = mr_table_create(), .pd = 1,
    };
    for (int i = 0; i < N_REGIONS; i++) {
        f.mem[i] = xalloc(layout[i].len);
        for (size_t j = 0; j < layout[i].len; j++) {
            f.mem[i][j] = i * 64 + j;
        }
        f.keys[i] = mr_register(f.cfg.mrs, layout[i].pd, f.mem[i],
                                layout[i].iova, layout[i].len,
                                layout[i].access);
        FUZZ_CHECK(f.keys[i]);
    }
    memcpy(ro, f.mem[1], sizeof ro);
    ASAN_POISON_MEMORY_REGION(f.mem[3], layout[3].len);
    qp = roe_qp_create(&f.cfg, &error);
    FUZZ_CHECK(qp);
    for (int i = 0; i < MAX_TX; i++) {
        frames[i].data = xalloc(roe_qp_max_frame_len(&f.cfg));
    }

    for (data += 4, size -= 4; size >= PKT_LEN;
         data += PKT_LEN, size -= PKT_LEN) {
        int max = 1 + (data[16] & 15);
        int n;

        receive(&f, qp, data, now);
        FUZZ_CHECK(!memcmp(ro, f.mem[1], sizeof ro));
        now += (data[15] & 0x7f) << (data[15] & 0x80 ? 10 : 0);
        n = roe_qp_transmit(qp, now, frames, max);
        FUZZ_CHECK(n >= 0 && n <= max);
        for (int i = 0; i < n; i++) {
            check_frame(&f, &frames[i]);
        }
    }

    roe_qp_destroy(qp);
    mr_table_destroy(f.cfg.mrs);
    for (int i = 0; i < MAX_TX; i++) {
        free(frames[i].data);
    }
    for (int i = 0; i < N_REGIONS; i++) {
        ASAN_UNPOISON_MEMORY_REGION(f.mem[i], layout[i].len);
        free(f.mem[i]);
    }
    for (int i = 0; i < f.n_wrs; i++) {
        free(f.wrs[i]);
    }
    return 0;
}
