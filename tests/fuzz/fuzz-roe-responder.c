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
 *     packet   0: bits 3-0: opcode - 6 (modulo 12); bit 4: ACKREQ;
 *                 bit 5: CRC; bit 6: invalidate region 4 first; bit 7:
 *                 post a work request first (see post())
 *              1: PSN - initial PSN (u16)
 *              3: rkey: region 0-4, 5 a stale rkey, 6 an unknown one, 7 0
 *              4: VA - that region's base (s32)
 *              8: DMA length (u32)
 *             12: syndrome
 *             13: payload length (u16, 11 bits count)
 *             15: microseconds the clock advances (bit 7: times 1024)
 *             16: frames to transmit - 1 (4 bits count)
 *
 * Each packet goes through roe_put_frame() and the parsers, as on the
 * wire.  The target checks that roe_qp_transmit() builds at most the
 * frames asked for, each one that parses and is no longer than
 * roe_qp_max_frame_len(); that every READ response carries octets of a
 * readable region, as a READ request received asked for them; and that the
 * read-only region never changes. */

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
enum { MAX_READS = 4096 / PKT_LEN + 1, PAYLOAD = 2048 };

static const struct { uint32_t pd, access; uint64_t iova, len; } layout[] = {
    { 1, MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE, 0x10000, 300 },
    { 1, MR_ACCESS_REMOTE_READ, UINT64_MAX - 200, 200 },
    { 1, MR_ACCESS_REMOTE_WRITE, 0x20000, 100 },
    { 2, MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE, 0x10000, 100 },
    { 1, MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE, 0x30000, 100 },
};

struct fuzz {
    struct roe_qp_config cfg;
    uint8_t *mem[N_REGIONS];
    uint32_t keys[N_REGIONS];
    bool dead;                  /* Region DOOMED is invalidated. */
    struct roe_packet reads[MAX_READS];     /* READ requests received. */
    int n_reads;
    void *wrs[MAX_WRS];         /* Local buffers of posted requests. */
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

/* True if READ request 'rq' asks for the 'len' octets at 'payload' as the
 * response with 'psn', and they are the octets of a readable region. */
static bool
is_response_to(const struct fuzz *f, const struct roe_packet *rq,
               uint16_t psn, const uint8_t *payload, size_t len)
{
    uint64_t k = (uint16_t) (psn - rq->psn);
    uint64_t va = rq->va + k * f->cfg.segment_size;
    uint64_t n = rq->dma_len ? (rq->dma_len - 1) / f->cfg.segment_size : 0;

    if (k > n || !len) {
        return k <= n;          /* A READ of 0 octets needs no region. */
    }
    for (int i = 0; i < N_REGIONS; i++) {
        if (rq->rkey == f->keys[i] && !(i == DOOMED && f->dead)
            && layout[i].pd == 1 && layout[i].access & MR_ACCESS_REMOTE_READ
            && va >= layout[i].iova && va - layout[i].iova <= layout[i].len
            && len <= layout[i].len - (va - layout[i].iova)) {
            return !memcmp(f->mem[i] + (va - layout[i].iova), payload, len);
        }
    }
    return false;
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
    if (p.opcode < ROE_READ_RESPONSE_FIRST
        || p.opcode > ROE_READ_RESPONSE_ONLY) {
        return;
    }
    FUZZ_CHECK(p.payload_len <= f->cfg.segment_size);
    for (int i = 0; i < f->n_reads && !found; i++) {
        found = is_response_to(f, &f->reads[i], p.psn, p.payload,
                               p.payload_len);
    }
    FUZZ_CHECK(found);
}

/* Posts a request, so that the peer's responses have something to
 * answer: 'p->dma_len' bits 1-0 pick WRITE, WRITE with immediate or READ,
 * bits 11-2 the length. */
static void
post(struct fuzz *f, struct roe_qp *qp, const struct roe_packet *p)
{
    uint32_t length = (p->dma_len >> 2) & 0x3ff;
    struct roe_send_wr wr = {
        .opcode = MIN(p->dma_len & 3, ROE_WR_READ),
        .length = length, .remote_va = p->va, .rkey = p->rkey,
    };

    if (f->n_wrs < MAX_WRS) {
        wr.local = f->wrs[f->n_wrs++] = xalloc(length ? length : 1);
        memset(wr.local, 0x3c, length);
        roe_qp_post_send(qp, &wr);
    }
}

static void
receive(struct fuzz *f, struct roe_qp *qp, const uint8_t *in, long long now)
{
    static uint8_t payload[PAYLOAD], frame[PAYLOAD + 128];
    int sel = in[3] % 8;
    int base = sel < N_REGIONS ? sel : 0;
    struct roe_packet p = {
        .opcode = ROE_WRITE_FIRST + (in[0] & 15) % 12,
        .flags = in[0] & (ROE_FLAG_ACKREQ | ROE_FLAG_CRC),
        .rkey = (sel < N_REGIONS ? f->keys[sel]
                 : sel == 5 ? f->keys[0] ^ 0x100 : sel == 6 ? 0x123456c8 : 0),
        .va = layout[base].iova + (int32_t) get(in + 4, 4),
        .dma_len = get(in + 8, 4), .syndrome = in[12], .imm = 42,
        .payload = payload, .payload_len = get(in + 13, 2) & (PAYLOAD - 1),
    };
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
    ecp_parse(frame, roe_put_frame(frame, &f->cfg.l2, f->cfg.subtype, &p),
              &ecp);
    FUZZ_CHECK(roe_parse(&ecp, &q) == ROE_PARSE_OK);
    if (q.opcode == ROE_READ_REQUEST) {
        f->reads[f->n_reads++] = q;
    }
    roe_qp_receive(qp, &q, now);
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
