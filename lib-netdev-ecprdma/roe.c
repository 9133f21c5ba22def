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

#include "roe.h"

#include <string.h>

#include "ecprdma-byte-order.h"
#include "ecprdma-crc32c.h"

/* What each opcode carries.  Indexed by opcode; zero means unknown. */
enum {
    F_KNOWN = 1 << 0,
    F_RETH = 1 << 1,
    F_IMMDT = 1 << 2,
    F_AETH = 1 << 3,
    F_RESPONSE = 1 << 4,        /* Travels as an ECP ack. */
};

static const uint8_t opcode_flags[] = {
    [ROE_WRITE_FIRST] = F_KNOWN | F_RETH,
    [ROE_WRITE_MIDDLE] = F_KNOWN,
    [ROE_WRITE_LAST] = F_KNOWN,
    [ROE_WRITE_LAST_IMM] = F_KNOWN | F_IMMDT,
    [ROE_WRITE_ONLY] = F_KNOWN | F_RETH,
    [ROE_WRITE_ONLY_IMM] = F_KNOWN | F_RETH | F_IMMDT,
    [ROE_READ_REQUEST] = F_KNOWN | F_RETH,
    [ROE_READ_RESPONSE_FIRST] = F_KNOWN | F_AETH | F_RESPONSE,
    [ROE_READ_RESPONSE_MIDDLE] = F_KNOWN | F_RESPONSE,
    [ROE_READ_RESPONSE_LAST] = F_KNOWN | F_AETH | F_RESPONSE,
    [ROE_READ_RESPONSE_ONLY] = F_KNOWN | F_AETH | F_RESPONSE,
    [ROE_ACK] = F_KNOWN | F_AETH | F_RESPONSE,
    [ROE_READ_SG_REQUEST] = F_KNOWN | F_RETH,
};

static uint8_t
flags_of(uint8_t opcode)
{
    return opcode < sizeof opcode_flags ? opcode_flags[opcode] : 0;
}

bool
roe_opcode_is_known(uint8_t opcode)
{
    return flags_of(opcode) & F_KNOWN;
}

bool
roe_opcode_has_reth(uint8_t opcode)
{
    return flags_of(opcode) & F_RETH;
}

bool
roe_opcode_has_immdt(uint8_t opcode)
{
    return flags_of(opcode) & F_IMMDT;
}

bool
roe_opcode_has_aeth(uint8_t opcode)
{
    return flags_of(opcode) & F_AETH;
}

bool
roe_opcode_has_payload(uint8_t opcode)
{
    /* WRITE ONLY and READ RESPONSE ONLY may carry zero to 'segment size'
     * octets; READ requests and ACKs never carry any.  A READ_SG request
     * carries its segment list. */
    return opcode != ROE_READ_REQUEST && opcode != ROE_ACK
           && roe_opcode_is_known(opcode);
}

enum ecp_op
roe_opcode_ecp_op(uint8_t opcode)
{
    return flags_of(opcode) & F_RESPONSE ? ECP_OP_ACK : ECP_OP_REQUEST;
}

size_t
roe_headers_len(uint8_t opcode)
{
    uint8_t f = flags_of(opcode);

    return (ROE_HEADER_LEN
            + (f & F_RETH ? ROE_RETH_LEN : 0)
            + (f & F_IMMDT ? ROE_IMMDT_LEN : 0)
            + (f & F_AETH ? ROE_AETH_LEN : 0));
}

enum roe_parse_error
roe_parse(const struct ecp_frame *frame, struct roe_packet *p)
{
    const uint8_t *b = frame->payload;
    size_t len, ext;
    uint8_t f;

    memset(p, 0, sizeof *p);
    if (frame->payload_len < ROE_HEADER_LEN) {
        return ROE_PARSE_SHORT;
    }
    p->ecp_op = frame->op;
    p->psn = frame->seqno;
    p->opcode = b[0];
    p->flags = b[1];
    len = get_be16(b + 2);
    p->dqpn = get_be32(b + 4);
    if (len > frame->payload_len - ROE_HEADER_LEN) {
        return ROE_PARSE_LENGTH;
    }
    if (p->flags & ROE_FLAG_CRC) {
        /* The CRC covers the ECP header, which precedes the payload. */
        const uint8_t *start = b - ECP_HEADER_LEN;
        size_t covered;

        if (len < ROE_CRC_LEN) {
            return ROE_PARSE_CRC;
        }
        len -= ROE_CRC_LEN;
        covered = ECP_HEADER_LEN + ROE_HEADER_LEN + len;
        if (ecprdma_crc32c(start, covered) != get_be32(start + covered)) {
            return ROE_PARSE_CRC;
        }
    }
    if (p->flags & ROE_FLAG_RESERVED || p->dqpn & ~ROE_QPN_MASK) {
        return ROE_PARSE_RESERVED;
    }
    f = flags_of(p->opcode);
    if (!(f & F_KNOWN)) {
        return ROE_PARSE_OPCODE;
    }
    if (frame->op != roe_opcode_ecp_op(p->opcode)) {
        return ROE_PARSE_DIRECTION;
    }
    ext = roe_headers_len(p->opcode) - ROE_HEADER_LEN;
    if (len < ext) {
        return ROE_PARSE_EXT_HEADERS;
    }

    b += ROE_HEADER_LEN;
    if (f & F_RETH) {
        p->va = get_be64(b);
        p->rkey = get_be32(b + 8);
        p->dma_len = get_be32(b + 12);
        b += ROE_RETH_LEN;
    }
    if (f & F_IMMDT) {
        p->imm = get_be32(b);
        b += ROE_IMMDT_LEN;
    }
    if (f & F_AETH) {
        uint32_t aeth = get_be32(b);

        p->syndrome = aeth >> 24;
        p->msn = aeth & 0xffffff;
        b += ROE_AETH_LEN;
    }
    p->payload = b;
    p->payload_len = len - ext;
    if (p->payload_len && !roe_opcode_has_payload(p->opcode)) {
        return ROE_PARSE_PAYLOAD;
    }
    return ROE_PARSE_OK;
}

uint8_t *
roe_put_headers(void *frame_, const struct ecp_l2 *l2, uint16_t subtype,
                const struct roe_packet *p)
{
    uint8_t *frame = frame_;
    uint8_t f = flags_of(p->opcode);
    size_t len = (roe_headers_len(p->opcode) - ROE_HEADER_LEN
                  + p->payload_len
                  + (p->flags & ROE_FLAG_CRC ? ROE_CRC_LEN : 0));
    uint8_t *b;

    ecp_put_headers(frame, l2, roe_opcode_ecp_op(p->opcode), subtype,
                    p->psn);
    b = frame + ecp_headers_len(l2);
    *b++ = p->opcode;
    *b++ = p->flags;
    b = put_be16(b, len);
    b = put_be32(b, p->dqpn & ROE_QPN_MASK);
    if (f & F_RETH) {
        b = put_be64(b, p->va);
        b = put_be32(b, p->rkey);
        b = put_be32(b, p->dma_len);
    }
    if (f & F_IMMDT) {
        b = put_be32(b, p->imm);
    }
    if (f & F_AETH) {
        b = put_be32(b, (uint32_t) p->syndrome << 24 | (p->msn & 0xffffff));
    }
    return b;
}

size_t
roe_put_trailer(void *frame_, const struct ecp_l2 *l2,
                const struct roe_packet *p)
{
    uint8_t *frame = frame_;
    size_t hlen = ecp_headers_len(l2);
    uint8_t *b = frame + hlen + roe_headers_len(p->opcode) + p->payload_len;
    size_t len;

    if (p->flags & ROE_FLAG_CRC) {
        uint8_t *start = frame + hlen - ECP_HEADER_LEN;

        b = put_be32(b, ecprdma_crc32c(start, b - start));
    }
    len = b - frame;
    if (len < ECP_MIN_FRAME_LEN) {
        memset(b, 0, ECP_MIN_FRAME_LEN - len);
        len = ECP_MIN_FRAME_LEN;
    }
    return len;
}

size_t
roe_put_frame(void *frame, const struct ecp_l2 *l2, uint16_t subtype,
              const struct roe_packet *p)
{
    uint8_t *b = roe_put_headers(frame, l2, subtype, p);

    if (p->payload_len) {
        memcpy(b, p->payload, p->payload_len);
    }
    return roe_put_trailer(frame, l2, p);
}

void
roe_put_sge(uint8_t *b, const struct roe_sge *sge)
{
    b = put_be64(b, sge->va);
    b = put_be32(b, sge->rkey);
    put_be32(b, sge->len);
}

void
roe_get_sge(const uint8_t *b, struct roe_sge *sge)
{
    sge->va = get_be64(b);
    sge->rkey = get_be32(b + 8);
    sge->len = get_be32(b + 12);
}

const char *
roe_parse_error_to_string(enum roe_parse_error error)
{
    switch (error) {
    case ROE_PARSE_OK:
        return "ok";
    case ROE_PARSE_SHORT:
        return "frame shorter than a RoE header";
    case ROE_PARSE_LENGTH:
        return "RoE length runs past the end of the frame";
    case ROE_PARSE_RESERVED:
        return "reserved bits set";
    case ROE_PARSE_OPCODE:
        return "unknown opcode";
    case ROE_PARSE_DIRECTION:
        return "opcode sent with the wrong ECP operation";
    case ROE_PARSE_EXT_HEADERS:
        return "RoE length shorter than the opcode's extension headers";
    case ROE_PARSE_PAYLOAD:
        return "payload on an opcode that carries none";
    case ROE_PARSE_CRC:
        return "CRC-32C mismatch";
    case N_ROE_PARSE_ERRORS:
    default:
        return "unknown error";
    }
}

const char *
roe_opcode_to_string(uint8_t opcode)
{
    switch (opcode) {
    case ROE_WRITE_FIRST:
        return "WRITE_FIRST";
    case ROE_WRITE_MIDDLE:
        return "WRITE_MIDDLE";
    case ROE_WRITE_LAST:
        return "WRITE_LAST";
    case ROE_WRITE_LAST_IMM:
        return "WRITE_LAST_IMM";
    case ROE_WRITE_ONLY:
        return "WRITE_ONLY";
    case ROE_WRITE_ONLY_IMM:
        return "WRITE_ONLY_IMM";
    case ROE_READ_REQUEST:
        return "READ_REQUEST";
    case ROE_READ_SG_REQUEST:
        return "READ_SG_REQUEST";
    case ROE_READ_RESPONSE_FIRST:
        return "READ_RESPONSE_FIRST";
    case ROE_READ_RESPONSE_MIDDLE:
        return "READ_RESPONSE_MIDDLE";
    case ROE_READ_RESPONSE_LAST:
        return "READ_RESPONSE_LAST";
    case ROE_READ_RESPONSE_ONLY:
        return "READ_RESPONSE_ONLY";
    case ROE_ACK:
        return "ACK";
    default:
        return "UNKNOWN";
    }
}

const char *
roe_syndrome_to_string(uint8_t syndrome)
{
    switch (syndrome & ROE_SYN_TYPE_MASK) {
    case ROE_SYN_ACK:
        return "ACK";
    case ROE_SYN_RNR_NAK:
        return "RNR_NAK";
    default:
        break;
    }
    switch (syndrome) {
    case ROE_SYN_NAK_PSN_SEQ:
        return "NAK_PSN_SEQUENCE";
    case ROE_SYN_NAK_INVALID:
        return "NAK_INVALID_REQUEST";
    case ROE_SYN_NAK_ACCESS:
        return "NAK_REMOTE_ACCESS";
    case ROE_SYN_NAK_OPERATIONAL:
        return "NAK_REMOTE_OPERATIONAL";
    default:
        return "RESERVED";
    }
}
