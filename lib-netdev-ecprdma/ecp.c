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

#include "ecp.h"

#include <string.h>

#include "ecprdma-byte-order.h"

#define ETH_TYPE_VLAN 0x8100

const uint8_t ecp_nearest_customer_bridge[6] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00
};

enum ecp_parse_error
ecp_parse(const void *frame_, size_t len, struct ecp_frame *f)
{
    const uint8_t *frame = frame_;
    size_t ofs = ECP_ETH_HEADER_LEN;
    uint16_t eth_type, x;

    memset(f, 0, sizeof *f);
    if (len < ECP_ETH_HEADER_LEN) {
        return ECP_PARSE_SHORT;
    }
    memcpy(f->l2.dst, frame, 6);
    memcpy(f->l2.src, frame + 6, 6);
    eth_type = get_be16(frame + 12);
    if (eth_type == ETH_TYPE_VLAN) {
        /* One tag: TCI, then the real EtherType.  A second tag is not
         * followed, so a stacked frame fails the EtherType check. */
        if (len - ofs < ECP_VLAN_HEADER_LEN) {
            return ECP_PARSE_SHORT;
        }
        f->l2.has_vlan = true;
        f->l2.vlan_tci = get_be16(frame + ofs);
        eth_type = get_be16(frame + ofs + 2);
        ofs += ECP_VLAN_HEADER_LEN;
    }
    if (eth_type != ECP_ETH_TYPE) {
        return ECP_PARSE_ETH_TYPE;
    }
    if (len - ofs < ECP_HEADER_LEN) {
        return ECP_PARSE_SHORT;
    }

    x = get_be16(frame + ofs);
    f->version = x >> 12;
    f->op = (x >> 10) & 3;
    f->subtype = x & ECP_SUBTYPE_MAX;
    f->seqno = get_be16(frame + ofs + 2);
    ofs += ECP_HEADER_LEN;
    f->payload = frame + ofs;
    f->payload_len = len - ofs;
    if (f->version != ECP_VERSION) {
        return ECP_PARSE_VERSION;
    }
    if (f->op != ECP_OP_REQUEST && f->op != ECP_OP_ACK) {
        return ECP_PARSE_OP;
    }
    return ECP_PARSE_OK;
}

const char *
ecp_parse_error_to_string(enum ecp_parse_error error)
{
    switch (error) {
    case ECP_PARSE_OK:
        return "ok";
    case ECP_PARSE_SHORT:
        return "frame too short";
    case ECP_PARSE_ETH_TYPE:
        return "not an ECP EtherType";
    case ECP_PARSE_VERSION:
        return "unsupported ECP version";
    case ECP_PARSE_OP:
        return "reserved ECP operation";
    }
    return "unknown error";
}

size_t
ecp_headers_len(const struct ecp_l2 *l2)
{
    return (ECP_ETH_HEADER_LEN + (l2->has_vlan ? ECP_VLAN_HEADER_LEN : 0)
            + ECP_HEADER_LEN);
}

size_t
ecp_put_headers(void *frame_, const struct ecp_l2 *l2, enum ecp_op op,
                uint16_t subtype, uint16_t seqno)
{
    uint8_t *frame = frame_;
    uint8_t *p = frame;

    memcpy(p, l2->dst, 6);
    memcpy(p + 6, l2->src, 6);
    p += 12;
    if (l2->has_vlan) {
        p = put_be16(p, ETH_TYPE_VLAN);
        p = put_be16(p, l2->vlan_tci);
    }
    p = put_be16(p, ECP_ETH_TYPE);
    p = put_be16(p, (ECP_VERSION << 12) | ((op & 3) << 10)
                    | (subtype & ECP_SUBTYPE_MAX));
    p = put_be16(p, seqno);
    return p - frame;
}
