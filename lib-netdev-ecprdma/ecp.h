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

#ifndef ECP_H
#define ECP_H 1

/* IEEE 802.1Qbg Edge Control Protocol (ECP) framing.
 *
 * An ECPDU is an Ethernet frame with EtherType 0x8940 (optionally behind
 * one 802.1Q tag) whose payload starts with a 4-octet header, in network
 * byte order:
 *
 *     bits 15-12  version        always 1
 *     bits 11-10  operation      0 = request (carries a ULPDU), 1 = ack
 *     bits  9-0   subtype        upper-layer protocol: 1 = VDP
 *     16 bits     sequence number
 *
 * ECP has no length field: short frames are padded to 60 octets and the
 * upper layer must carry its own length.  ecp_parse() therefore reports the
 * whole rest of the frame as payload, padding included.
 *
 * Nothing here does I/O or keeps state; these are pure functions on
 * buffers, safe to call from any thread. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ECP_ETH_TYPE 0x8940
#define ECP_VERSION 1
#define ECP_SUBTYPE_VDP 1
#define ECP_SUBTYPE_MAX 0x3ff

/* The RoE data plane's subtype, when not configured otherwise.  Not an
 * IEEE-assigned value. */
#define ECP_SUBTYPE_ROE_DEFAULT 0x3e0

enum ecp_op {
    ECP_OP_REQUEST = 0,
    ECP_OP_ACK = 1,
};

#define ECP_HEADER_LEN 4        /* The ECP header proper. */
#define ECP_ETH_HEADER_LEN 14   /* Ethernet header without a VLAN tag. */
#define ECP_VLAN_HEADER_LEN 4   /* One 802.1Q tag. */
#define ECP_MIN_FRAME_LEN 60    /* Minimum Ethernet frame, without FCS. */

/* The group address lldpad sends ECP to (nearest customer bridge). */
extern const uint8_t ecp_nearest_customer_bridge[6];

/* Layer-2 addressing of an ECP frame. */
struct ecp_l2 {
    uint8_t dst[6];
    uint8_t src[6];
    bool has_vlan;
    uint16_t vlan_tci;          /* PCP, DEI and VID, if 'has_vlan'. */
};

/* A parsed ECP frame.  'payload' points into the frame that was parsed. */
struct ecp_frame {
    struct ecp_l2 l2;
    uint8_t version;
    uint8_t op;                 /* enum ecp_op, or 2 or 3 (reserved). */
    uint16_t subtype;
    uint16_t seqno;
    const uint8_t *payload;     /* After the ECP header. */
    size_t payload_len;         /* Up to the end of the frame. */
};

enum ecp_parse_error {
    ECP_PARSE_OK,
    ECP_PARSE_SHORT,            /* Frame ends inside a header. */
    ECP_PARSE_ETH_TYPE,         /* Not 0x8940 (after at most one tag). */
    ECP_PARSE_VERSION,          /* Version is not 1. */
    ECP_PARSE_OP,               /* Operation 2 or 3. */
};

enum ecp_parse_error ecp_parse(const void *frame, size_t len,
                               struct ecp_frame *);
const char *ecp_parse_error_to_string(enum ecp_parse_error);

/* Length of the Ethernet, VLAN (if any) and ECP headers for 'l2'. */
size_t ecp_headers_len(const struct ecp_l2 *);

/* Writes the Ethernet, VLAN (if any) and ECP headers into 'frame', which
 * must have room for ecp_headers_len(l2) octets, and returns that length. */
size_t ecp_put_headers(void *frame, const struct ecp_l2 *, enum ecp_op,
                       uint16_t subtype, uint16_t seqno);

/* Serial-number comparison of 16-bit sequence numbers: negative if 'a' is
 * before 'b', zero if equal, positive if after.  Meaningful while the two
 * are less than 2^15 apart. */
static inline int
ecp_seq_diff(uint16_t a, uint16_t b)
{
    return (int16_t) (uint16_t) (a - b);
}

#endif /* ecp.h */
