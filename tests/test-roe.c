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

/* Unit tests of the RoE wire format, the memory-region table and the
 * responder's checks, with the requester played by the test. */

#include "roe.h"
#include "roe-qp.h"
#include "mr-table.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecprdma-test.h"
#include "xalloc.h"

static const struct ecp_l2 test_l2 = {
    .dst = { 0x02, 0, 0, 0, 0, 0x0b },
    .src = { 0x02, 0, 0, 0, 0, 0x0a },
};

/* Encodes 'p' into a frame, parses it back and stores the result in
 * '*out'.  Returns the parse result. */
static enum roe_parse_error
round_trip(const struct roe_packet *p, const struct ecp_l2 *l2,
           uint8_t *frame, struct roe_packet *out)
{
    struct ecp_frame f;
    size_t len;

    len = roe_put_frame(frame, l2, ECP_SUBTYPE_ROE_DEFAULT, p);
    if (ecp_parse(frame, len, &f) != ECP_PARSE_OK
        || f.subtype != ECP_SUBTYPE_ROE_DEFAULT) {
        return N_ROE_PARSE_ERRORS;
    }
    return roe_parse(&f, out);
}

static bool
same_packet(const struct roe_packet *a, const struct roe_packet *b)
{
    return (a->psn == b->psn && a->opcode == b->opcode
            && a->flags == b->flags && a->dqpn == b->dqpn
            && (!roe_opcode_has_reth(a->opcode)
                || (a->va == b->va && a->rkey == b->rkey
                    && a->dma_len == b->dma_len))
            && (!roe_opcode_has_immdt(a->opcode) || a->imm == b->imm)
            && (!roe_opcode_has_aeth(a->opcode)
                || (a->syndrome == b->syndrome && a->msn == b->msn))
            && a->payload_len == b->payload_len
            && !memcmp(a->payload, b->payload, a->payload_len));
}

/* Parses 'len' octets of 'frame' and prints the RoE parse result. */
static void
print_parse(const char *name, const uint8_t *frame, size_t len)
{
    struct roe_packet p;
    struct ecp_frame f;
    enum ecp_parse_error e = ecp_parse(frame, len, &f);

    if (e != ECP_PARSE_OK) {
        printf("%s: ECP: %s\n", name, ecp_parse_error_to_string(e));
    } else {
        printf("%s: %s\n", name, roe_parse_error_to_string(roe_parse(&f, &p)));
    }
}

static int
test_roe_wire(int argc, char *argv[])
{
    static const uint8_t opcodes[] = {
        ROE_WRITE_FIRST, ROE_WRITE_MIDDLE, ROE_WRITE_LAST,
        ROE_WRITE_LAST_IMM, ROE_WRITE_ONLY, ROE_WRITE_ONLY_IMM,
        ROE_READ_REQUEST, ROE_READ_RESPONSE_FIRST, ROE_READ_RESPONSE_MIDDLE,
        ROE_READ_RESPONSE_LAST, ROE_READ_RESPONSE_ONLY, ROE_ACK,
        ROE_READ_SG_REQUEST,
    };
    struct ecp_l2 vlan_l2 = test_l2;
    uint8_t payload[100], frame[256];
    struct roe_packet p, q;
    size_t len;

    for (int i = 0; i < sizeof payload; i++) {
        payload[i] = i * 7;
    }
    vlan_l2.has_vlan = true;
    vlan_l2.vlan_tci = 0x2064;

    for (int i = 0; i < sizeof opcodes; i++) {
        for (int crc = 0; crc < 2; crc++) {
            uint8_t op = opcodes[i];
            enum roe_parse_error e;

            memset(&p, 0, sizeof p);
            p.opcode = op;
            p.psn = 0xfffe + i;
            p.flags = (i & 1 ? ROE_FLAG_ACKREQ : 0) | (crc ? ROE_FLAG_CRC : 0);
            p.dqpn = 0xabcdef;
            p.va = 0x0123456789abcdefULL;
            p.rkey = 0xdeadbeef;
            p.dma_len = 0x10000;
            p.imm = 0xcafef00d;
            p.syndrome = ROE_SYN_NAK_ACCESS;
            p.msn = 0x123456;
            p.payload = payload;
            p.payload_len = roe_opcode_has_payload(op) ? 1 + i * 8 : 0;
            e = round_trip(&p, crc ? &vlan_l2 : &test_l2, frame, &q);
            printf("%s%s: %s, %s\n", roe_opcode_to_string(op),
                   crc ? " crc vlan" : "", roe_parse_error_to_string(e),
                   e == ROE_PARSE_OK && same_packet(&p, &q)
                   && q.ecp_op == roe_opcode_ecp_op(op)
                   ? "same" : "DIFFERENT");
        }
    }

    /* Malformed frames, each derived from a good WRITE_ONLY. */
    memset(&p, 0, sizeof p);
    p.opcode = ROE_WRITE_ONLY;
    p.psn = 5;
    p.dqpn = 1;
    p.dma_len = 20;
    p.payload = payload;
    p.payload_len = 20;
    len = roe_put_frame(frame, &test_l2, ECP_SUBTYPE_ROE_DEFAULT, &p);
    print_parse("good", frame, len);
    print_parse("truncated RoE header", frame, 14 + 4 + 7);
    frame[20] = 0xff;           /* Length 0xff00 and more. */
    print_parse("length past the end", frame, len);
    frame[20] = 0;
    frame[19] = 0x01;           /* A reserved flag. */
    print_parse("reserved flag", frame, len);
    frame[19] = 0;
    frame[22] = 0x01;           /* Reserved QPN bits. */
    print_parse("reserved QPN bits", frame, len);
    frame[22] = 0;
    frame[18] = 0x42;
    print_parse("unknown opcode", frame, len);
    frame[18] = ROE_ACK;
    print_parse("ACK sent as a request", frame, len);
    frame[18] = ROE_WRITE_ONLY;
    frame[21] = 10;             /* Shorter than the RETH. */
    print_parse("length shorter than the RETH", frame, len);
    frame[21] = 16 + 20;
    frame[18] = ROE_READ_REQUEST;
    print_parse("payload on a READ request", frame, len);

    /* A CRC-protected frame with one bit flipped anywhere from the ECP
     * header on is refused. */
    p.flags = ROE_FLAG_CRC;
    len = roe_put_frame(frame, &test_l2, ECP_SUBTYPE_ROE_DEFAULT, &p);
    {
        int refused = 0, total = 0;

        for (size_t bit = 14 * 8; bit < len * 8; bit++) {
            struct ecp_frame f;

            frame[bit / 8] ^= 1 << (bit % 8);
            if (ecp_parse(frame, len, &f) != ECP_PARSE_OK
                || f.subtype != ECP_SUBTYPE_ROE_DEFAULT
                || roe_parse(&f, &q) != ROE_PARSE_OK
                || !(q.flags & ROE_FLAG_CRC)) {
                refused++;
            }
            total++;
            frame[bit / 8] ^= 1 << (bit % 8);
        }
        printf("CRC: %d of %d single-bit errors refused\n", refused, total);
    }
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-wire", "", test_roe_wire);

static int
test_mr_table(int argc, char *argv[])
{
    static uint8_t mem[4096], other[4096];
    struct mr_table *t = mr_table_create();
    uint32_t rw, ro, foreign, keys[MR_TABLE_SIZE];
    uint64_t base = 0x7f0000001000ULL;
    uint8_t *addr;
    int n;

#define CHECK_MR(NAME, PD, RKEY, ACCESS, VA, LEN)                        \
    printf("%s: %s\n", NAME,                                            \
           mr_check_result_to_string(mr_check(t, PD, RKEY, ACCESS,     \
                                              VA, LEN, &addr)))

    rw = mr_register(t, 1, mem, base, sizeof mem,
                     MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE);
    ro = mr_register(t, 1, mem, base, sizeof mem, MR_ACCESS_REMOTE_READ);
    foreign = mr_register(t, 2, other, base, sizeof other,
                          MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE);
    printf("registered: %zu, keys distinct and nonzero: %s\n",
           mr_table_count(t),
           rw && ro && foreign && rw != ro && ro != foreign ? "yes" : "no");

    CHECK_MR("whole region", 1, rw, MR_ACCESS_REMOTE_WRITE, base, 4096);
    printf("address: %s\n", addr == mem ? "right" : "WRONG");
    CHECK_MR("last octet", 1, rw, MR_ACCESS_REMOTE_READ, base + 4095, 1);
    printf("address: %s\n", addr == mem + 4095 ? "right" : "WRONG");
    CHECK_MR("zero length at the end", 1, rw, MR_ACCESS_REMOTE_READ,
             base + 4096, 0);
    CHECK_MR("one past the end", 1, rw, MR_ACCESS_REMOTE_READ,
             base + 4095, 2);
    CHECK_MR("starts past the end", 1, rw, MR_ACCESS_REMOTE_READ,
             base + 4097, 0);
    CHECK_MR("one before the start", 1, rw, MR_ACCESS_REMOTE_READ,
             base - 1, 1);
    CHECK_MR("longer than the region", 1, rw, MR_ACCESS_REMOTE_READ,
             base, 4097);
    CHECK_MR("va + len wraps", 1, rw, MR_ACCESS_REMOTE_READ,
             UINT64_MAX - 15, 32);
    CHECK_MR("len wraps va - iova", 1, rw, MR_ACCESS_REMOTE_READ,
             base + 16, UINT64_MAX - 8);
    CHECK_MR("write to read-only", 1, ro, MR_ACCESS_REMOTE_WRITE, base, 1);
    CHECK_MR("read from read-only", 1, ro, MR_ACCESS_REMOTE_READ, base, 1);
    CHECK_MR("other association", 1, foreign, MR_ACCESS_REMOTE_READ,
             base, 1);
    CHECK_MR("key off by one bit", 1, rw ^ 0x100, MR_ACCESS_REMOTE_READ,
             base, 1);
    CHECK_MR("slot right, random bits wrong", 1,
             (rw & 0xff) | ((rw ^ 0xffffff00) & 0xffffff00),
             MR_ACCESS_REMOTE_READ, base, 1);
    CHECK_MR("key zero", 1, 0, MR_ACCESS_REMOTE_READ, base, 1);

    printf("invalidate: %s", mr_invalidate(t, rw) ? "yes" : "no");
    printf(", again: %s\n", mr_invalidate(t, rw) ? "yes" : "no");
    CHECK_MR("invalidated", 1, rw, MR_ACCESS_REMOTE_READ, base, 1);

    /* The slot is reused with new random bits: the old key stays dead. */
    {
        uint32_t again = mr_register(t, 1, mem, base, sizeof mem,
                                     MR_ACCESS_REMOTE_READ);

        printf("re-registered in the same slot: %s, with a new key: %s\n",
               (again & 0xff) == (rw & 0xff) ? "yes" : "no",
               again != rw ? "yes" : "no");
        CHECK_MR("old key after re-registration", 1, rw,
                 MR_ACCESS_REMOTE_READ, base, 1);
    }
    printf("invalidate association 1: %zu regions\n",
           mr_invalidate_pd(t, 1));
    CHECK_MR("read-only after its association went", 1, ro,
             MR_ACCESS_REMOTE_READ, base, 1);
    CHECK_MR("other association still there", 2, foreign,
             MR_ACCESS_REMOTE_READ, base, 1);

    printf("refused: zero length %s, wrapping %s, unknown access %s\n",
           mr_register(t, 1, mem, base, 0, MR_ACCESS_REMOTE_READ)
           ? "no" : "yes",
           mr_register(t, 1, mem, UINT64_MAX - 10, 20, MR_ACCESS_REMOTE_READ)
           ? "no" : "yes",
           mr_register(t, 1, mem, base, 1, 0x8) ? "no" : "yes");

    /* Fill the table; keys stay distinct; one more is refused. */
    n = 0;
    while (mr_table_count(t) < MR_TABLE_SIZE) {
        keys[n++] = mr_register(t, 3, mem, base, 1, MR_ACCESS_REMOTE_READ);
    }
    {
        bool distinct = true;

        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                distinct = distinct && keys[i] != keys[j];
            }
        }
        printf("full table: %zu regions, distinct keys: %s, "
               "one more refused: %s\n", mr_table_count(t),
               distinct ? "yes" : "no",
               mr_register(t, 3, mem, base, 1, MR_ACCESS_REMOTE_READ)
               ? "no" : "yes");
    }
#undef CHECK_MR
    mr_table_destroy(t);
    return 0;
}

ECPRDMA_TEST_REGISTER("mr-table", "", test_mr_table);

/* The responder's checks, against requests that the test crafts. */

enum { REGION = 4096, SEG = 256 };

/* Segment size of the QPs that make_qp() creates. */
static uint16_t qp_segment_size = SEG;

struct responder {
    struct mr_table *mrs;
    struct roe_qp *qp;
    uint8_t mem[REGION];        /* Read-write region. */
    uint8_t ro[REGION];         /* Read-only region. */
    uint8_t wo[REGION];         /* Write-only region. */
    uint8_t before[3][REGION];
    uint32_t rw_key, ro_key, wo_key, foreign_key, dead_key;
    uint64_t base;
    uint16_t psn;               /* Next PSN the test sends. */
    long long now;              /* Virtual time, in microseconds. */
};

static struct roe_qp *
make_qp(struct mr_table *mrs, uint32_t pd, uint16_t window, uint8_t reads)
{
    struct roe_qp_config cfg = {
        .l2 = test_l2,
        .subtype = ECP_SUBTYPE_ROE_DEFAULT,
        .dest_qpn = 7,
        .sq_psn = 100,
        .rq_psn = 100,
        .segment_size = qp_segment_size,
        .window = window,
        .rte = 2,
        .peer_rte = 2,
        .max_tries = 3,
        .max_reads = reads,
        .mrs = mrs,
        .pd = pd,
    };
    char *error;
    struct roe_qp *qp = roe_qp_create(&cfg, &error);

    if (!qp) {
        fprintf(stderr, "%s\n", error);
        exit(1);
    }
    return qp;
}

static void
responder_init(struct responder *r, uint8_t max_reads)
{
    static uint8_t other[REGION], dead[REGION];

    memset(r, 0, sizeof *r);
    r->mrs = mr_table_create();
    r->base = 0x10000;
    r->rw_key = mr_register(r->mrs, 1, r->mem, r->base, REGION,
                            MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE);
    r->ro_key = mr_register(r->mrs, 1, r->ro, r->base + REGION, REGION,
                            MR_ACCESS_REMOTE_READ);
    r->wo_key = mr_register(r->mrs, 1, r->wo, r->base + 2 * REGION, REGION,
                            MR_ACCESS_REMOTE_WRITE);
    r->foreign_key = mr_register(r->mrs, 2, other, r->base, REGION,
                                 MR_ACCESS_REMOTE_READ
                                 | MR_ACCESS_REMOTE_WRITE);
    r->dead_key = mr_register(r->mrs, 1, dead, r->base, REGION,
                              MR_ACCESS_REMOTE_READ | MR_ACCESS_REMOTE_WRITE);
    mr_invalidate(r->mrs, r->dead_key);
    for (int i = 0; i < REGION; i++) {
        r->mem[i] = r->ro[i] = r->wo[i] = i;
    }
    memcpy(r->before[0], r->mem, REGION);
    memcpy(r->before[1], r->ro, REGION);
    memcpy(r->before[2], r->wo, REGION);
    r->qp = make_qp(r->mrs, 1, 128, max_reads);
    r->psn = 100;
}

static void
responder_destroy(struct responder *r)
{
    roe_qp_destroy(r->qp);
    mr_table_destroy(r->mrs);
}

/* Sends the request 'op' through a real frame and the parser. */
static void
send_request(struct responder *r, uint8_t op, uint16_t psn, uint64_t va,
             uint32_t rkey, uint32_t dma_len, size_t payload_len)
{
    static uint8_t payload[REGION], frame[REGION + 128];
    struct roe_packet p = {
        .opcode = op, .psn = psn, .dqpn = 9, .flags = ROE_FLAG_ACKREQ,
        .va = va, .rkey = rkey, .dma_len = dma_len, .imm = 42,
        .payload = payload, .payload_len = payload_len,
    };
    struct roe_packet q;

    memset(payload, 0xee, sizeof payload);
    if (round_trip(&p, &test_l2, frame, &q) != ROE_PARSE_OK) {
        printf("request does not parse\n");
        exit(1);
    }
    roe_qp_receive(r->qp, &q, r->now);
}

/* Sends a READ_SG request for the 'n' segments 'sg', asking for 'dma_len'
 * octets from octet 'offset' on. */
static void
send_sg_request(struct responder *r, uint16_t psn, uint64_t offset,
                uint32_t dma_len, const struct roe_sge *sg, size_t n)
{
    static uint8_t payload[(ROE_SG_MAX + 1) * ROE_SGE_LEN];
    static uint8_t frame[sizeof payload + 128];
    struct roe_packet p = {
        .opcode = ROE_READ_SG_REQUEST, .psn = psn, .dqpn = 9,
        .flags = ROE_FLAG_ACKREQ, .va = offset, .dma_len = dma_len,
        .payload = payload, .payload_len = n * ROE_SGE_LEN,
    };
    struct roe_packet q;

    for (size_t i = 0; i < n; i++) {
        roe_put_sge(payload + i * ROE_SGE_LEN, &sg[i]);
    }
    if (round_trip(&p, &test_l2, frame, &q) != ROE_PARSE_OK) {
        printf("request does not parse\n");
        exit(1);
    }
    roe_qp_receive(r->qp, &q, r->now);
}

/* Prints what the responder sends now, its reject counters, whether its
 * regions are untouched, and its state. */
static void
show(struct responder *r, const char *what)
{
    static uint8_t bufs[64][REGION + 128];
    struct roe_frame frames[64];
    struct roe_qp_stats s;
    int n, responses = 0;
    uint16_t first_psn = 0;
    size_t bytes = 0;

    for (int i = 0; i < 64; i++) {
        frames[i].data = bufs[i];
    }
    printf("%s:", what);
    n = roe_qp_transmit(r->qp, r->now, frames, 64);
    for (int i = 0; i <= n; i++) {
        struct ecp_frame f;
        struct roe_packet p;
        bool ok = (i < n
                   && ecp_parse(frames[i].data, frames[i].len, &f)
                      == ECP_PARSE_OK
                   && roe_parse(&f, &p) == ROE_PARSE_OK);

        /* Consecutive READ responses print as one range. */
        if (responses && (!ok || p.opcode == ROE_ACK)) {
            printf(" READ_RESPONSE(%u-%u, %zu)", first_psn,
                   (uint16_t) (first_psn + responses - 1), bytes);
            responses = 0;
        }
        if (i == n) {
            break;
        } else if (!ok) {
            printf(" (unparsable frame)");
        } else if (p.opcode == ROE_ACK) {
            printf(" %s(%u)", roe_syndrome_to_string(p.syndrome), p.psn);
        } else {
            if (!responses++) {
                first_psn = p.psn;
                bytes = 0;
            }
            bytes += p.payload_len;
        }
    }
    if (!n) {
        printf(" nothing sent");
    }
    roe_qp_get_stats(r->qp, &s);
    for (int i = 0; i < N_ROE_REJECTS; i++) {
        if (s.rejects[i]) {
            printf("; rejected %"PRIu64" (%s)", s.rejects[i],
                   roe_reject_to_string(i));
        }
    }
    printf("; memory %s",
           !memcmp(r->mem, r->before[0], REGION)
           && !memcmp(r->ro, r->before[1], REGION)
           && !memcmp(r->wo, r->before[2], REGION) ? "untouched" : "written");
    if (roe_qp_get_state(r->qp) == ROE_QP_ERROR) {
        printf("; QP error: %s", roe_qp_error_reason(r->qp));
    }
    printf("\n");
}

/* Returns the READ response octets the responder sends now. */
static size_t
read_response_bytes(struct responder *r)
{
    static uint8_t bufs[64][REGION + 128];
    struct roe_frame frames[64];
    size_t bytes = 0;
    int n;

    for (int i = 0; i < 64; i++) {
        frames[i].data = bufs[i];
    }
    n = roe_qp_transmit(r->qp, r->now, frames, 64);
    for (int i = 0; i < n; i++) {
        struct ecp_frame f;
        struct roe_packet p;

        if (ecp_parse(frames[i].data, frames[i].len, &f) == ECP_PARSE_OK
            && roe_parse(&f, &p) == ROE_PARSE_OK && p.opcode != ROE_ACK) {
            bytes += p.payload_len;
        }
    }
    return bytes;
}

/* A requester that retries one READ over and over gets it replayed once
 * per retransmit timeout (10 us x 2^2 here), not once per request. */
static void
hostile_read_replays(struct responder *r)
{
    uint64_t b = r->base;
    struct roe_qp_stats s;
    size_t bytes = 0;

    send_request(r, ROE_READ_REQUEST, 100, b, r->rw_key, 3 * SEG, 0);
    show(r, "READ");
    for (int i = 0; i < 10; i++) {
        send_request(r, ROE_READ_REQUEST, 100, b, r->rw_key, 3 * SEG, 0);
        bytes += read_response_bytes(r);
    }
    roe_qp_get_stats(r->qp, &s);
    printf("the same READ 10 times: %zu octets replayed, %"PRIu64
           " replays refused\n", bytes, s.read_replays_refused);
    send_request(r, ROE_READ_REQUEST, 101, b + SEG, r->rw_key, 2 * SEG, 0);
    show(r, "its tail at once");
    r->now += 40;
    send_request(r, ROE_READ_REQUEST, 101, b + SEG, r->rw_key, 2 * SEG, 0);
    show(r, "its tail after a retransmit timeout");
    send_request(r, ROE_READ_REQUEST, 100, b, r->rw_key, 3 * SEG, 0);
    show(r, "and the whole READ again at once");
}

/* Prints whether the READ responses the responder sends now carry,
 * back to back, what the 'n' segments 'sg' of 'r''s regions hold. */
static void
show_sg_data(struct responder *r, const struct roe_sge *sg, size_t n)
{
    static uint8_t bufs[64][REGION + 128];
    static uint8_t got[8 * REGION], want[8 * REGION];
    struct roe_frame frames[64];
    size_t n_got = 0, n_want = 0;
    int n_frames;

    for (int i = 0; i < 64; i++) {
        frames[i].data = bufs[i];
    }
    n_frames = roe_qp_transmit(r->qp, r->now, frames, 64);
    for (int i = 0; i < n_frames; i++) {
        struct ecp_frame f;
        struct roe_packet p;

        if (ecp_parse(frames[i].data, frames[i].len, &f) == ECP_PARSE_OK
            && roe_parse(&f, &p) == ROE_PARSE_OK && p.opcode != ROE_ACK
            && n_got + p.payload_len <= sizeof got) {
            memcpy(got + n_got, p.payload, p.payload_len);
            n_got += p.payload_len;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *src = (sg[i].rkey == r->rw_key ? r->mem
                              : sg[i].rkey == r->ro_key ? r->ro : r->wo);

        memcpy(want + n_want, src + (sg[i].va - r->base) % REGION,
               sg[i].len);
        n_want += sg[i].len;
    }
    printf("%zu octets in %d responses, %s\n", n_got, n_frames,
           n_got == n_want && !memcmp(got, want, n_got)
           ? "the segments' octets back to back" : "NOT the segments' octets");
}

/* The READ_SG cases of roe-responder. */
static void
responder_sg_case(struct responder *r, const char *name)
{
    uint64_t b = r->base;
    struct roe_sge sg[ROE_SG_MAX + 1] = {
        { b + 10, r->rw_key, 300 },
        { b + REGION + 4000, r->ro_key, 96 },
        { b + 100, r->rw_key, 50 },
    };

    if (!strcmp(name, "good")) {
        send_sg_request(r, 100, 0, 446, sg, 3);
        show_sg_data(r, sg, 3);
        show(r, "then");
    } else if (!strcmp(name, "bad-rkey")) {
        sg[1].rkey ^= 0x100;
        send_sg_request(r, 100, 0, 446, sg, 3);
        show(r, "second segment's rkey off by one bit");
    } else if (!strcmp(name, "invalidated")) {
        sg[2].rkey = r->dead_key;
        send_sg_request(r, 100, 0, 446, sg, 3);
        show(r, "last segment in an invalidated region");
    } else if (!strcmp(name, "foreign")) {
        sg[0].rkey = r->foreign_key;
        send_sg_request(r, 100, 0, 446, sg, 3);
        show(r, "first segment in another association's region");
    } else if (!strcmp(name, "write-only")) {
        sg[1] = (struct roe_sge) { b + 2 * REGION, r->wo_key, 96 };
        send_sg_request(r, 100, 0, 446, sg, 3);
        show(r, "a segment in a write-only region");
    } else if (!strcmp(name, "past-end")) {
        sg[1].len = 97;
        send_sg_request(r, 100, 0, 447, sg, 3);
        show(r, "a segment one octet past its region's end");
    } else if (!strcmp(name, "wraps")) {
        sg[0] = (struct roe_sge) { UINT64_MAX - 0xff, r->rw_key, 0x200 };
        send_sg_request(r, 100, 0, 0x200 + 146, sg, 3);
        show(r, "a segment whose va + length wraps around");
    } else if (!strcmp(name, "empty-segment")) {
        sg[1].len = 0;
        send_sg_request(r, 100, 0, 350, sg, 3);
        show(r, "an empty segment");
    } else if (!strcmp(name, "no-segments")) {
        send_sg_request(r, 100, 0, 0, sg, 0);
        show(r, "no segments");
    } else if (!strcmp(name, "length-mismatch")) {
        send_sg_request(r, 100, 0, 445, sg, 3);
        show(r, "dma_len one less than the segments");
    } else if (!strcmp(name, "offset")) {
        send_sg_request(r, 100, 1, 445, sg, 3);
        show(r, "a new request that starts past the first octet");
    } else if (!strcmp(name, "too-many")) {
        for (int i = 0; i <= ROE_SG_MAX; i++) {
            sg[i] = (struct roe_sge) { b + i, r->rw_key, 1 };
        }
        send_sg_request(r, 100, 0, ROE_SG_MAX + 1, sg, ROE_SG_MAX + 1);
        show(r, "ROE_SG_MAX + 1 segments");
        r->psn = 100;
    } else if (!strcmp(name, "too-long")) {
        for (int i = 0; i < SEG / ROE_SGE_LEN + 1; i++) {
            sg[i] = (struct roe_sge) { b + i, r->rw_key, 1 };
        }
        send_sg_request(r, 100, 0, SEG / ROE_SGE_LEN + 1, sg,
                        SEG / ROE_SGE_LEN + 1);
        show(r, "more segments than a packet holds");
    } else if (!strcmp(name, "replay")) {
        send_sg_request(r, 100, 0, 446, sg, 3);
        show(r, "READ_SG");
        send_sg_request(r, 101, SEG, 446 - SEG, sg, 3);
        show(r, "retried from its second PSN");
        sg[2].len = 49;
        send_sg_request(r, 101, SEG, 445 - SEG, sg, 3);
        show(r, "retried with other segments");
    } else if (!strcmp(name, "invalidated-mid-read")) {
        static uint8_t buf[REGION + 128];
        struct roe_frame frame = { .data = buf };

        send_sg_request(r, 100, 0, 446, sg, 3);
        printf("responses before: %d\n",
               roe_qp_transmit(r->qp, 0, &frame, 1));
        mr_invalidate(r->mrs, r->ro_key);
        show(r, "a segment's region invalidated during the READ_SG");
    } else {
        fprintf(stderr, "unknown case \"sg-%s\"\n", name);
        exit(2);
    }
}

static int
test_roe_responder(int argc, char *argv[])
{
    const char *name = argc > 1 ? argv[1] : "";
    struct responder r;
    uint64_t b;

    if (!strcmp(name, "sg-too-many")) {
        /* Room in a packet for more than ROE_SG_MAX segments. */
        qp_segment_size = 2048;
    }
    responder_init(&r, !strcmp(name, "too-many-reads") ? 1 : 4);
    b = r.base;
    if (!strcmp(name, "good")) {
        send_request(&r, ROE_WRITE_ONLY, 100, b + REGION - 10, r.rw_key,
                     10, 10);
        send_request(&r, ROE_READ_REQUEST, 101, b + REGION, r.ro_key,
                     REGION, 0);
        send_request(&r, ROE_WRITE_ONLY, 117, b + 2 * REGION, r.wo_key,
                     0, 0);
        show(&r, "write to the last 10 octets, read all, empty write");
        send_request(&r, ROE_WRITE_ONLY, 117, b, r.rw_key, 0, 0);
        show(&r, "duplicate");
    } else if (!strcmp(name, "wrong-rkey")) {
        send_request(&r, ROE_WRITE_ONLY, 100, b, r.rw_key ^ 0x100, 8, 8);
        show(&r, "rkey off by one bit");
    } else if (!strcmp(name, "invalidated")) {
        send_request(&r, ROE_READ_REQUEST, 100, b, r.dead_key, 8, 0);
        show(&r, "invalidated region");
    } else if (!strcmp(name, "foreign")) {
        send_request(&r, ROE_WRITE_ONLY, 100, b, r.foreign_key, 8, 8);
        show(&r, "region of another association");
    } else if (!strcmp(name, "write-read-only")) {
        send_request(&r, ROE_WRITE_ONLY, 100, b + REGION, r.ro_key, 8, 8);
        show(&r, "write to a read-only region");
    } else if (!strcmp(name, "read-write-only")) {
        send_request(&r, ROE_READ_REQUEST, 100, b + 2 * REGION, r.wo_key,
                     8, 0);
        show(&r, "read from a write-only region");
    } else if (!strcmp(name, "past-end")) {
        send_request(&r, ROE_WRITE_ONLY, 100, b + REGION - 10, r.rw_key,
                     11, 11);
        show(&r, "one octet past the end");
    } else if (!strcmp(name, "before-start")) {
        send_request(&r, ROE_READ_REQUEST, 100, b - 1, r.rw_key, 2, 0);
        show(&r, "one octet before the start");
    } else if (!strcmp(name, "length-overflow")) {
        send_request(&r, ROE_READ_REQUEST, 100, UINT64_MAX - 0xff, r.rw_key,
                     0x200, 0);
        show(&r, "va + length wraps around");
    } else if (!strcmp(name, "huge-length")) {
        send_request(&r, ROE_READ_REQUEST, 100, b, r.rw_key, 0x80000001, 0);
        show(&r, "length above 2^31");
    } else if (!strcmp(name, "middle-first")) {
        send_request(&r, ROE_WRITE_MIDDLE, 100, 0, 0, 0, SEG);
        show(&r, "WRITE MIDDLE without FIRST");
    } else if (!strcmp(name, "missing-last")) {
        send_request(&r, ROE_WRITE_FIRST, 100, b, r.rw_key, 2 * SEG, SEG);
        send_request(&r, ROE_WRITE_ONLY, 101, b, r.rw_key, 8, 8);
        show(&r, "WRITE FIRST then ONLY");
    } else if (!strcmp(name, "bad-segment")) {
        send_request(&r, ROE_WRITE_FIRST, 100, b, r.rw_key, 2 * SEG,
                     SEG - 1);
        show(&r, "WRITE FIRST shorter than a segment");
    } else if (!strcmp(name, "long-only")) {
        send_request(&r, ROE_WRITE_ONLY, 100, b, r.rw_key, SEG + 1, SEG + 1);
        show(&r, "WRITE ONLY longer than a segment");
    } else if (!strcmp(name, "last-too-long")) {
        send_request(&r, ROE_WRITE_FIRST, 100, b, r.rw_key, SEG + 8, SEG);
        send_request(&r, ROE_WRITE_LAST, 101, 0, 0, 0, 9);
        show(&r, "WRITE LAST longer than what is left");
    } else if (!strcmp(name, "invalidated-mid-write")) {
        send_request(&r, ROE_WRITE_FIRST, 100, b, r.rw_key, 2 * SEG, SEG);
        memcpy(r.before[0], r.mem, REGION);
        mr_invalidate(r.mrs, r.rw_key);
        send_request(&r, ROE_WRITE_LAST, 101, 0, 0, 0, SEG);
        show(&r, "region invalidated between FIRST and LAST");
    } else if (!strcmp(name, "invalidated-mid-read")) {
        static uint8_t buf[4][REGION + 128];
        struct roe_frame frames[4];

        for (int i = 0; i < 4; i++) {
            frames[i].data = buf[i];
        }
        send_request(&r, ROE_READ_REQUEST, 100, b, r.rw_key, 3 * SEG, 0);
        printf("responses before: %d\n",
               roe_qp_transmit(r.qp, 0, frames, 1));
        mr_invalidate(r.mrs, r.rw_key);
        show(&r, "region invalidated during the READ");
    } else if (!strcmp(name, "future-psn")) {
        send_request(&r, ROE_WRITE_ONLY, 105, b, r.rw_key, 8, 8);
        send_request(&r, ROE_WRITE_ONLY, 106, b, r.rw_key, 8, 8);
        show(&r, "two requests past a gap");
        send_request(&r, ROE_WRITE_ONLY, 100, b, r.rw_key, 8, 8);
        show(&r, "the missing one");
    } else if (!strcmp(name, "after-error")) {
        send_request(&r, ROE_WRITE_ONLY, 100, b, r.rw_key ^ 1, 8, 8);
        show(&r, "bad rkey");
        send_request(&r, ROE_WRITE_ONLY, 100, b, r.rw_key, 8, 8);
        show(&r, "good request after the error");
    } else if (!strcmp(name, "too-many-reads")) {
        send_request(&r, ROE_READ_REQUEST, 100, b, r.rw_key, 8, 0);
        send_request(&r, ROE_READ_REQUEST, 101, b, r.rw_key, 8, 0);
        show(&r, "second READ while the first is unanswered");
    } else if (!strcmp(name, "duplicate-read")) {
        send_request(&r, ROE_READ_REQUEST, 100, b, r.rw_key, 3 * SEG, 0);
        show(&r, "READ");
        send_request(&r, ROE_READ_REQUEST, 101, b + SEG, r.rw_key, 2 * SEG,
                     0);
        show(&r, "retried from its second PSN");
        send_request(&r, ROE_READ_REQUEST, 101, b + SEG, r.ro_key, 2 * SEG,
                     0);
        send_request(&r, ROE_READ_REQUEST, 101, b, r.rw_key, 2 * SEG, 0);
        show(&r, "retried with another rkey or range");
    } else if (!strncmp(name, "sg-", 3)) {
        responder_sg_case(&r, name + 3);
    } else if (!strcmp(name, "hostile-read-replays")) {
        hostile_read_replays(&r);
    } else if (!strcmp(name, "rnr")) {
        struct roe_recv_completion c[ROE_QP_RQ_SIZE];

        for (int i = 0; i < ROE_QP_RQ_SIZE; i++) {
            send_request(&r, ROE_WRITE_ONLY_IMM, 100 + i, b, r.rw_key, 0, 0);
        }
        send_request(&r, ROE_WRITE_ONLY_IMM, 100 + ROE_QP_RQ_SIZE, b,
                     r.rw_key, 0, 0);
        show(&r, "immediate with no room");
        printf("immediates: %d\n",
               roe_qp_poll_recv(r.qp, c, ROE_QP_RQ_SIZE));
        send_request(&r, ROE_WRITE_ONLY_IMM, 100 + ROE_QP_RQ_SIZE, b,
                     r.rw_key, 0, 0);
        show(&r, "again after polling");
    } else {
        fprintf(stderr, "unknown case \"%s\"\n", name);
        return 2;
    }
    responder_destroy(&r);
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-responder", "CASE", test_roe_responder);

/* Moves every frame 'from' sends now to 'to', and returns how many. */
static int
deliver(struct roe_qp *from, struct roe_qp *to, long long now)
{
    static uint8_t bufs[64][REGION + 128];
    struct roe_frame frames[64];
    int n;

    for (int i = 0; i < 64; i++) {
        frames[i].data = bufs[i];
    }
    n = roe_qp_transmit(from, now, frames, 64);
    for (int i = 0; i < n; i++) {
        struct ecp_frame f;
        struct roe_packet p;

        if (to && ecp_parse(frames[i].data, frames[i].len, &f) == ECP_PARSE_OK
            && roe_parse(&f, &p) == ROE_PARSE_OK) {
            roe_qp_receive(to, &p, now);
        }
    }
    return n;
}

static void
print_completions(struct roe_qp *qp)
{
    struct roe_completion c[ROE_QP_SQ_SIZE];
    int n = roe_qp_poll_send(qp, c, ROE_QP_SQ_SIZE);

    printf("completions:");
    for (int i = 0; i < n; i++) {
        printf(" %"PRIu64" %s%s", c[i].wr_id,
               roe_wc_status_to_string(c[i].status), i < n - 1 ? "," : "");
    }
    printf("\n");
}

static int
test_roe_retry(int argc, char *argv[])
{
    static uint8_t data[3 * SEG];
    struct mr_table *mrs = mr_table_create();
    struct roe_qp *qp = make_qp(mrs, 1, 128, 4);
    struct roe_send_wr wr = {
        .opcode = ROE_WR_WRITE, .local = data, .length = 2 * SEG,
        .remote_va = 0x1000, .rkey = 0x1234,
    };
    long long now = 0;
    int sends = 0;

    for (int i = 0; i < 3; i++) {
        wr.wr_id = i;
        roe_qp_post_send(qp, &wr);
    }

    /* Nobody answers.  Each timeout (10 us x 2^2) resends everything. */
    for (;;) {
        int n = deliver(qp, NULL, now);

        if (n) {
            printf("%lld us: sent %d packets\n", now, n);
            sends++;
        }
        if (roe_qp_get_state(qp) == ROE_QP_ERROR
            || roe_qp_next_timeout(qp) == LLONG_MAX || sends > 10) {
            break;
        }
        now = roe_qp_next_timeout(qp);
    }
    printf("%lld us: %s\n", now,
           roe_qp_get_state(qp) == ROE_QP_ERROR
           ? roe_qp_error_reason(qp) : "still trying");
    print_completions(qp);
    printf("post after the error: %s\n",
           roe_qp_post_send(qp, &wr) == EPIPE ? "EPIPE" : "accepted");
    roe_qp_destroy(qp);
    mr_table_destroy(mrs);
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-retry", "", test_roe_retry);

static int
test_roe_window(int argc, char *argv[])
{
    static uint8_t data[8 * SEG];
    struct responder r;
    struct roe_qp *qp;
    struct roe_send_wr wr = {
        .opcode = ROE_WR_WRITE, .local = data, .length = 3 * SEG,
    };
    int n, error;

    responder_init(&r, 4);
    qp = make_qp(r.mrs, 1, 8, 4);
    wr.rkey = r.rw_key;
    wr.remote_va = r.base;
    for (int i = 0; i < 4; i++) {
        wr.wr_id = i;
        roe_qp_post_send(qp, &wr);
    }
    n = deliver(qp, r.qp, 0);
    printf("4 WRITEs of 3 packets, window 8: %d packets sent\n", n);
    printf("window full: %d more\n", deliver(qp, r.qp, 0));
    printf("responder answers with %d packet(s)\n", deliver(r.qp, qp, 0));
    n = deliver(qp, r.qp, 0);
    printf("then %d packets sent\n", n);
    deliver(r.qp, qp, 0);
    print_completions(qp);

    wr.opcode = ROE_WR_READ;
    wr.length = 8 * SEG + 1;
    error = roe_qp_post_send(qp, &wr);
    printf("READ of 9 packets, window 8: %s\n",
           error == EINVAL ? "EINVAL" : "accepted");
    wr.length = 8 * SEG;
    printf("READ of 8 packets: %s\n",
           roe_qp_post_send(qp, &wr) ? "refused" : "accepted");

    wr.opcode = ROE_WR_WRITE;
    wr.length = 1;
    n = 1;
    while (!(error = roe_qp_post_send(qp, &wr))) {
        n++;
    }
    printf("send queue: %d posted, then %s\n", n,
           error == EAGAIN ? "EAGAIN" : "another error");
    roe_qp_destroy(qp);
    responder_destroy(&r);
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-window", "", test_roe_window);

/* The next time at which 'qp' has something to do, at least 1 us and at
 * most 1 ms after 'now'. */
static long long
next_time(const struct roe_qp *qp, long long now)
{
    long long t = roe_qp_next_timeout(qp);

    return t <= now ? now + 1 : t > now + 1000 ? now + 1000 : t;
}

/* A held responder answers a READ and a WRITE with RNR NAKs, for longer
 * than the requester's retry limit, and executes neither; once released,
 * the READ returns what the memory holds then. */
static int
test_roe_hold(int argc, char *argv[])
{
    static uint8_t data[2] = { 0x55, 0x55 };
    uint8_t got[2] = { 0, 0 };
    struct roe_qp_stats st;
    struct responder r;
    struct roe_qp *qp;
    struct roe_send_wr wr = {
        .wr_id = 0, .opcode = ROE_WR_READ, .local = got, .length = 2,
    };
    long long now = 0;

    responder_init(&r, 4);
    qp = make_qp(r.mrs, 1, 128, 4);
    roe_qp_set_hold(r.qp, true);
    wr.rkey = r.rw_key;
    wr.remote_va = r.base;
    roe_qp_post_send(qp, &wr);
    wr.wr_id = 1;
    wr.opcode = ROE_WR_WRITE;
    wr.local = data;
    wr.remote_va = r.base + 2;
    roe_qp_post_send(qp, &wr);

    /* The requester gives up after 3 timeouts of 40 us or more: hold it
     * for 100 times as long. */
    while (now < 12000) {
        deliver(qp, r.qp, now);
        deliver(r.qp, qp, now);
        now = next_time(qp, now);
    }
    roe_qp_get_stats(r.qp, &st);
    printf("held for %lld us: %s, requests held %s, memory %s\n", now,
           roe_qp_get_state(qp) == ROE_QP_READY ? "requester ready"
                                                : roe_qp_error_reason(qp),
           st.held >= 2 ? "2 or more" : "fewer than 2",
           memcmp(r.mem, r.before[0], REGION) ? "changed" : "untouched");
    print_completions(qp);

    /* The owner hands the memory over, then releases the responder. */
    r.mem[0] = 0x2a;
    r.mem[1] = 0;
    roe_qp_set_hold(r.qp, false);
    for (int i = 0; i < 100 && !roe_qp_is_idle(qp); i++) {
        deliver(qp, r.qp, now);
        deliver(r.qp, qp, now);
        now = next_time(qp, now);
    }
    printf("released: READ saw 0x%02x%02x, WRITE placed 0x%02x%02x\n",
           got[1], got[0], r.mem[3], r.mem[2]);
    print_completions(qp);
    roe_qp_destroy(qp);
    responder_destroy(&r);
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-hold", "", test_roe_hold);
