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

#ifndef ECP_RDMA_VM_PAYLOAD_H
#define ECP_RDMA_VM_PAYLOAD_H 1

/* The test frames of ecp-rdma-vm, and the accounting of sequence numbers
 * that lets a receiver detect loss, duplication, reordering and corruption.
 *
 * A test frame is an Ethernet frame, optionally with one 802.1Q tag, of
 * EtherType VM_ETH_TYPE (0x88b5, IEEE local experimental), whose payload
 * starts with this header, every field in network byte order:
 *
 *     offset  size  field
 *          0     4  magic      VM_PAYLOAD_MAGIC, 0x45435056 ("ECPV")
 *          4     4  check      of the stream, length and seq fields
 *          8     4  stream     stream id
 *         12     4  length     payload bytes, this header included
 *         16     8  seq        sequence number, from 0 in each stream
 *         24        pattern    filler derived from 'seq', up to 'length'
 *
 * With --ip, the frame is an IPv4 packet instead (EtherType 0x0800, a
 * 20-byte header, TTL 64, don't-fragment) whose UDP datagram (source and
 * destination port VM_UDP_PORT, no checksum) carries the same payload, so
 * that routers forward it.
 *
 * Nothing here changes when the Ethernet header is rewritten (MAC
 * swapping, adding or removing a VLAN tag), nor when a router forwards the
 * packet (TTL and IPv4 checksum).  'check' is the low 32 bits
 * of MurmurHash3's 64-bit finalizer applied to seq ^ (stream << 32 |
 * length).  The pattern is 64-bit little-endian words (the last one cut
 * short): word i (from 0) is (seq + 1) * 0x9e3779b97f4a7c15 + i *
 * 0x2545f4914f6cdd1d.  A receiver checks both, so a corrupted header or
 * filler byte is found, and the sender needs no pass over the filler but
 * the one that writes it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_ETH_TYPE 0x88b5
#define VM_ETH_TYPE_IPV4 0x0800
#define VM_UDP_PORT 0x88b5
#define VM_IPV4_HDR_LEN 20
#define VM_UDP_HDR_LEN 8
#define VM_PAYLOAD_MAGIC 0x45435056
#define VM_PAYLOAD_HDR_SIZE 24

#define VM_ETH_ADDR_LEN 6
#define VM_ETH_HDR_LEN 14
#define VM_VLAN_HDR_LEN 4

/* Largest VLAN id. */
#define VM_VID_MAX 4095

/* What to put in the Ethernet header of test frames. */
struct vm_frame_template {
    uint8_t dst[VM_ETH_ADDR_LEN];
    uint8_t src[VM_ETH_ADDR_LEN];
    int vlan;                   /* VLAN id to tag with, or -1 for none. */
    bool ipv4;                  /* An IPv4 packet, from 'ip_src' to
                                 * 'ip_dst'. */
    uint8_t ip_src[4];
    uint8_t ip_dst[4];
};

/* What a receiver makes of a frame. */
enum vm_frame_kind {
    VM_FRAME_OURS,              /* A valid test frame. */
    VM_FRAME_CORRUPT,           /* A test frame with a bad length or sum. */
    VM_FRAME_FOREIGN,           /* Not a test frame. */
};

/* What vm_frame_parse() found in a frame. */
struct vm_frame_info {
    int vlan;                   /* Outer VLAN id, or -1 if untagged. */
    uint32_t stream;            /* Stream id, valid unless foreign. */
    uint64_t seq;               /* Sequence number, valid unless foreign. */
};

size_t vm_frame_min_size(const struct vm_frame_template *);
void vm_frame_build(uint8_t *frame, size_t size,
                    const struct vm_frame_template *,
                    uint32_t stream, uint64_t seq);
enum vm_frame_kind vm_frame_parse(const uint8_t *frame, size_t size,
                                  struct vm_frame_info *);
void vm_frame_swap_macs(uint8_t *frame, size_t size,
                        const uint8_t own[VM_ETH_ADDR_LEN]);
void vm_frame_swap_ipv4(uint8_t *frame, size_t size);

/* Totals over every stream seen by a tracker. */
struct vm_tracker_totals {
    uint64_t unique;            /* Distinct sequence numbers received. */
    uint64_t lost;              /* Below the highest received, never seen. */
    uint64_t duplicated;        /* Received again. */
    uint64_t reordered;         /* Received after a higher one. */
    uint64_t untracked;         /* Frames beyond the stream limit. */
    size_t n_streams;
};

struct vm_tracker;

struct vm_tracker *vm_tracker_create(void);
void vm_tracker_destroy(struct vm_tracker *);
void vm_tracker_add(struct vm_tracker *, uint32_t stream, uint64_t seq);
void vm_tracker_get_totals(const struct vm_tracker *,
                           struct vm_tracker_totals *);

#endif /* ecp-rdma-vm-payload.h */
