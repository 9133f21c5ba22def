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

#ifndef ECP_RDMA_VM_ARP_H
#define ECP_RDMA_VM_ARP_H 1

/* The ARP requests that "ecp-rdma-vm arp" sends, and the replies it looks
 * for: an ARP request for an IPv4 address (RFC 826, Ethernet and IPv4),
 * optionally with one 802.1Q tag, padded to the Ethernet minimum. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_ARP_FRAME_SIZE 64    /* With a VLAN tag, 60 without. */

size_t vm_arp_build_request(uint8_t frame[VM_ARP_FRAME_SIZE],
                            const uint8_t src_mac[6], int vlan,
                            const uint8_t spa[4], const uint8_t tpa[4]);
bool vm_arp_parse_reply(const uint8_t *frame, size_t size,
                        const uint8_t tpa[4], uint8_t mac[6]);

#endif /* ecp-rdma-vm-arp.h */
