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

#include "ecp-rdma-vm-arp.h"

#include <string.h>

#include "ecprdma-byte-order.h"

#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_VLAN 0x8100
#define ETH_HDR_LEN 14
#define VLAN_HDR_LEN 4
#define ARP_LEN 28                  /* For Ethernet and IPv4. */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

/* Writes into 'frame' a broadcast ARP request from 'src_mac' and 'spa' for
 * 'tpa', tagged with 'vlan' unless it is negative.  Returns its size. */
size_t
vm_arp_build_request(uint8_t frame[VM_ARP_FRAME_SIZE],
                     const uint8_t src_mac[6], int vlan,
                     const uint8_t spa[4], const uint8_t tpa[4])
{
    uint8_t *p = frame;

    memset(frame, 0, VM_ARP_FRAME_SIZE);
    memset(p, 0xff, 6);
    memcpy(p + 6, src_mac, 6);
    p += 12;
    if (vlan >= 0) {
        p = put_be16(p, ETH_TYPE_VLAN);
        p = put_be16(p, vlan);
    }
    p = put_be16(p, ETH_TYPE_ARP);
    p = put_be16(p, 1);                        /* Ethernet. */
    p = put_be16(p, ETH_TYPE_IPV4);
    *p++ = 6;
    *p++ = 4;
    p = put_be16(p, ARP_OP_REQUEST);
    memcpy(p, src_mac, 6);
    memcpy(p + 6, spa, 4);
    memcpy(p + 16, tpa, 4);                 /* Target MAC: zeros. */
    return vlan >= 0 ? 64 : 60;
}

/* Returns true if the 'size'-byte 'frame' is an ARP reply from 'tpa', and
 * then stores the MAC address it gives in 'mac'. */
bool
vm_arp_parse_reply(const uint8_t *frame, size_t size, const uint8_t tpa[4],
                   uint8_t mac[6])
{
    size_t off = ETH_HDR_LEN;
    const uint8_t *p;
    uint16_t type;

    if (size < ETH_HDR_LEN) {
        return false;
    }
    type = get_be16(frame + 12);
    if (type == ETH_TYPE_VLAN && size >= off + VLAN_HDR_LEN) {
        type = get_be16(frame + off + 2);
        off += VLAN_HDR_LEN;
    }
    if (type != ETH_TYPE_ARP || size < off + ARP_LEN) {
        return false;
    }
    p = frame + off;
    if (get_be16(p) != 1 || get_be16(p + 2) != ETH_TYPE_IPV4 || p[4] != 6
        || p[5] != 4 || get_be16(p + 6) != ARP_OP_REPLY
        || memcmp(p + 14, tpa, 4)) {
        return false;
    }
    memcpy(mac, p + 8, 6);
    return true;
}
