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

#ifndef ROE_H
#define ROE_H 1

/* RDMA over ECP ("RoE"): the data plane's wire format.
 *
 * RoE frames are ECP frames (see ecp.h) of a configurable subtype (default
 * ECP_SUBTYPE_ROE_DEFAULT).  Requester-to-responder packets (RDMA WRITE,
 * READ request) travel as ECP requests, responder-to-requester packets
 * (ACK, NAK, READ responses) as ECP acks.  The ECP sequence number is the
 * packet sequence number (PSN).  After the ECP header comes an 8-octet RoE
 * header, in network byte order:
 *
 *     u8  opcode      InfiniBand RC opcode (see enum roe_opcode)
 *     u8  flags       ROE_FLAG_*; other bits zero
 *     u16 length      octets after this header: extension headers and
 *                     payload, excluding Ethernet padding
 *     u32 dqpn        bits 31-24 zero, bits 23-0 destination QP number
 *
 * then the InfiniBand extension headers the opcode calls for, encoded as in
 * InfiniBand: RETH (u64 va, u32 rkey, u32 dma_len), IMMDT (u32), AETH
 * (u8 syndrome, u24 MSN), and then the payload.
 *
 * With ROE_FLAG_CRC, a CRC-32C of everything from the ECP header to the end
 * of the payload follows the payload (and counts in 'length').  Links with
 * a frame check sequence do not need it; it protects links without one,
 * and lets tests corrupt frames. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ecp.h"

#define ROE_HEADER_LEN 8
#define ROE_RETH_LEN 16
#define ROE_IMMDT_LEN 4
#define ROE_AETH_LEN 4
#define ROE_CRC_LEN 4
#define ROE_QPN_MASK 0x00ffffff

/* Largest RDMA message (RETH dma_len), as in InfiniBand. */
#define ROE_MAX_MESSAGE (1u << 31)

/* A READ_SG request's payload is a list of 1 to ROE_SG_MAX segments of
 * ROE_SGE_LEN octets each: u64 va, u32 rkey, u32 length (big-endian). */
#define ROE_SGE_LEN 16
#define ROE_SG_MAX 64

enum roe_opcode {
    ROE_WRITE_FIRST = 0x06,
    ROE_WRITE_MIDDLE = 0x07,
    ROE_WRITE_LAST = 0x08,
    ROE_WRITE_LAST_IMM = 0x09,
    ROE_WRITE_ONLY = 0x0a,
    ROE_WRITE_ONLY_IMM = 0x0b,
    ROE_READ_REQUEST = 0x0c,
    ROE_READ_RESPONSE_FIRST = 0x0d,
    ROE_READ_RESPONSE_MIDDLE = 0x0e,
    ROE_READ_RESPONSE_LAST = 0x0f,
    ROE_READ_RESPONSE_ONLY = 0x10,
    ROE_ACK = 0x11,
    ROE_READ_SG_REQUEST = 0xc0,     /* Manufacturer-specific in IB. */
};

enum roe_flags {
    ROE_FLAG_SE = 0x80,         /* Solicited event. */
    ROE_FLAG_ACKREQ = 0x40,     /* Responder should acknowledge. */
    ROE_FLAG_CRC = 0x20,        /* CRC-32C trailer present. */
    ROE_FLAG_RESERVED = 0x1f,   /* Must be zero. */
};

/* AETH syndromes, as in InfiniBand. */
enum roe_syndrome {
    ROE_SYN_ACK = 0x00,         /* Low 5 bits: credits (0x1f unlimited). */
    ROE_SYN_RNR_NAK = 0x20,     /* Low 5 bits: RNR timer code. */
    ROE_SYN_NAK_PSN_SEQ = 0x60,
    ROE_SYN_NAK_INVALID = 0x61,
    ROE_SYN_NAK_ACCESS = 0x62,
    ROE_SYN_NAK_OPERATIONAL = 0x63,
};

#define ROE_SYN_TYPE_MASK 0xe0
#define ROE_SYN_ACK_UNLIMITED 0x1f

/* A parsed RoE packet.  'payload' points into the parsed frame. */
struct roe_packet {
    uint8_t ecp_op;             /* enum ecp_op. */
    uint16_t psn;
    uint8_t opcode;             /* enum roe_opcode. */
    uint8_t flags;
    uint32_t dqpn;

    /* Extension headers; valid per the opcode (roe_opcode_has_*()). */
    uint64_t va;                /* RETH. */
    uint32_t rkey;              /* RETH. */
    uint32_t dma_len;           /* RETH. */
    uint32_t imm;               /* IMMDT. */
    uint8_t syndrome;           /* AETH. */
    uint32_t msn;               /* AETH, 24 bits. */

    const uint8_t *payload;
    size_t payload_len;
};

enum roe_parse_error {
    ROE_PARSE_OK,
    ROE_PARSE_SHORT,            /* Less than a RoE header. */
    ROE_PARSE_LENGTH,           /* 'length' runs past the frame. */
    ROE_PARSE_RESERVED,         /* Reserved flag or QPN bits set. */
    ROE_PARSE_OPCODE,           /* Unknown opcode. */
    ROE_PARSE_DIRECTION,        /* Opcode sent with the wrong ECP op. */
    ROE_PARSE_EXT_HEADERS,      /* 'length' shorter than the extension
                                 * headers the opcode needs. */
    ROE_PARSE_PAYLOAD,          /* Payload where the opcode allows none. */
    ROE_PARSE_CRC,              /* CRC-32C trailer does not match. */
    N_ROE_PARSE_ERRORS
};

/* One segment of a READ_SG request. */
struct roe_sge {
    uint64_t va;
    uint32_t rkey;
    uint32_t len;
};

void roe_put_sge(uint8_t *, const struct roe_sge *);
void roe_get_sge(const uint8_t *, struct roe_sge *);

/* Parses the RoE packet carried by 'frame', which must be an ECP frame of
 * the RoE subtype, as ecp_parse() returned it (the ECP header precedes
 * 'frame->payload').  Every length is checked before it is read. */
enum roe_parse_error roe_parse(const struct ecp_frame *frame,
                               struct roe_packet *);
const char *roe_parse_error_to_string(enum roe_parse_error);
const char *roe_opcode_to_string(uint8_t opcode);
const char *roe_syndrome_to_string(uint8_t syndrome);

bool roe_opcode_is_known(uint8_t opcode);
bool roe_opcode_has_reth(uint8_t opcode);
bool roe_opcode_has_immdt(uint8_t opcode);
bool roe_opcode_has_aeth(uint8_t opcode);
bool roe_opcode_has_payload(uint8_t opcode);
enum ecp_op roe_opcode_ecp_op(uint8_t opcode);

/* Length of the RoE header plus the extension headers of 'opcode'. */
size_t roe_headers_len(uint8_t opcode);

/* Writes a whole RoE frame into 'frame' (which must have room for
 * ecp_headers_len(l2) + roe_headers_len(p->opcode) + p->payload_len +
 * ROE_CRC_LEN octets, and at least ECP_MIN_FRAME_LEN): Ethernet and ECP
 * headers from 'l2', 'subtype' and 'p', the RoE header and the extension
 * headers of p->opcode from 'p', the payload, and a CRC-32C trailer if
 * p->flags has ROE_FLAG_CRC.  Pads short frames with zeros to
 * ECP_MIN_FRAME_LEN.  Returns the frame's length. */
size_t roe_put_frame(void *frame, const struct ecp_l2 *l2, uint16_t subtype,
                     const struct roe_packet *p);

/* roe_put_frame() in two steps, for a caller that writes the payload
 * itself: roe_put_headers() writes the headers of 'p' (whose 'payload' it
 * ignores) and returns where the 'p->payload_len' octets of payload go;
 * once they are there, roe_put_trailer() adds the CRC and the padding and
 * returns the frame's length. */
uint8_t *roe_put_headers(void *frame, const struct ecp_l2 *l2,
                         uint16_t subtype, const struct roe_packet *p);
size_t roe_put_trailer(void *frame, const struct ecp_l2 *l2,
                       const struct roe_packet *p);

#endif /* roe.h */
