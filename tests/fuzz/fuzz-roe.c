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

/* libFuzzer target: ecp_parse() and roe_parse() on arbitrary Ethernet
 * frames.
 *
 * Besides the sanitizers' checks, every frame that parses must survive a
 * round trip: roe_put_frame() re-encodes the parsed fields into a frame
 * that parses to the same fields, whose RoE header, extension headers,
 * payload and CRC trailer are the octets of the input (the encoding is
 * canonical), and whose length is what roe.h promises. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ecp.h"
#include "fuzz.h"
#include "roe.h"

/* Inputs longer than this are not tried: no frame is that long. */
enum { MAX_FRAME = 65536 };

static bool
same_l2(const struct ecp_l2 *a, const struct ecp_l2 *b)
{
    return (!memcmp(a->dst, b->dst, sizeof a->dst)
            && !memcmp(a->src, b->src, sizeof a->src)
            && a->has_vlan == b->has_vlan
            && (!a->has_vlan || a->vlan_tci == b->vlan_tci));
}

static void
check_same_packet(const struct roe_packet *a, const struct roe_packet *b)
{
    FUZZ_CHECK(a->ecp_op == b->ecp_op);
    FUZZ_CHECK(a->psn == b->psn);
    FUZZ_CHECK(a->opcode == b->opcode);
    FUZZ_CHECK(a->flags == b->flags);
    FUZZ_CHECK(a->dqpn == b->dqpn);
    FUZZ_CHECK(a->va == b->va);
    FUZZ_CHECK(a->rkey == b->rkey);
    FUZZ_CHECK(a->dma_len == b->dma_len);
    FUZZ_CHECK(a->imm == b->imm);
    FUZZ_CHECK(a->syndrome == b->syndrome);
    FUZZ_CHECK(a->msn == b->msn);
    FUZZ_CHECK(a->payload_len == b->payload_len);
    FUZZ_CHECK(!a->payload_len
               || !memcmp(a->payload, b->payload, a->payload_len));
}

/* Octets of RoE header, extension headers, payload and CRC trailer. */
static size_t
roe_frame_len(const struct roe_packet *p)
{
    return (roe_headers_len(p->opcode) + p->payload_len
            + (p->flags & ROE_FLAG_CRC ? ROE_CRC_LEN : 0));
}

static void
round_trip(const struct ecp_frame *in, const struct roe_packet *p)
{
    static uint8_t out[MAX_FRAME + ECP_MIN_FRAME_LEN];
    size_t hlen = ecp_headers_len(&in->l2);
    size_t roe_len = roe_frame_len(p);
    size_t want = hlen + roe_len;
    struct ecp_frame ecp2;
    struct roe_packet p2;
    size_t len;

    FUZZ_CHECK(want <= sizeof out);
    len = roe_put_frame(out, &in->l2, in->subtype, p);
    FUZZ_CHECK(len == (want < ECP_MIN_FRAME_LEN ? ECP_MIN_FRAME_LEN : want));

    FUZZ_CHECK(ecp_parse(out, len, &ecp2) == ECP_PARSE_OK);
    FUZZ_CHECK(same_l2(&in->l2, &ecp2.l2));
    FUZZ_CHECK(ecp2.version == in->version);
    FUZZ_CHECK(ecp2.op == in->op);
    FUZZ_CHECK(ecp2.subtype == in->subtype);
    FUZZ_CHECK(ecp2.seqno == in->seqno);
    FUZZ_CHECK(ecp2.payload == out + hlen);

    FUZZ_CHECK(roe_parse(&ecp2, &p2) == ROE_PARSE_OK);
    check_same_packet(p, &p2);
    FUZZ_CHECK(!memcmp(ecp2.payload, in->payload, roe_len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum ecp_parse_error ecp_error;
    enum roe_parse_error roe_error;
    struct ecp_frame ecp;
    struct roe_packet p;

    if (size > MAX_FRAME) {
        return 0;
    }

    ecp_error = ecp_parse(data, size, &ecp);
    FUZZ_CHECK(ecp_parse_error_to_string(ecp_error) != NULL);
    if (ecp_error != ECP_PARSE_OK) {
        return 0;
    }
    FUZZ_CHECK(ecp.version == ECP_VERSION);
    FUZZ_CHECK(ecp.op == ECP_OP_REQUEST || ecp.op == ECP_OP_ACK);
    FUZZ_CHECK(ecp.subtype <= ECP_SUBTYPE_MAX);
    FUZZ_CHECK(ecp.payload == data + ecp_headers_len(&ecp.l2));
    FUZZ_CHECK(ecp.payload + ecp.payload_len == data + size);

    /* RoE is tried on every subtype: the parser must cope with anything,
     * and the round trip keeps the subtype. */
    roe_error = roe_parse(&ecp, &p);
    FUZZ_CHECK(roe_parse_error_to_string(roe_error) != NULL);
    FUZZ_CHECK(roe_opcode_to_string(p.opcode) != NULL);
    FUZZ_CHECK(roe_syndrome_to_string(p.syndrome) != NULL);
    if (roe_error != ROE_PARSE_OK) {
        return 0;
    }
    FUZZ_CHECK(roe_opcode_is_known(p.opcode));
    FUZZ_CHECK(p.ecp_op == roe_opcode_ecp_op(p.opcode));
    FUZZ_CHECK(p.psn == ecp.seqno);
    FUZZ_CHECK(!(p.dqpn & ~ROE_QPN_MASK));
    FUZZ_CHECK(!(p.flags & ROE_FLAG_RESERVED));
    FUZZ_CHECK(p.msn <= 0xffffff);
    FUZZ_CHECK(p.payload == ecp.payload + roe_headers_len(p.opcode));
    FUZZ_CHECK(roe_frame_len(&p) <= ecp.payload_len);
    FUZZ_CHECK(!p.payload_len || roe_opcode_has_payload(p.opcode));
    round_trip(&ecp, &p);
    return 0;
}
