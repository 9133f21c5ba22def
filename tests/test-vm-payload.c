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


/* The test frames of ecp-rdma-vm: what the sender builds, the receiver
 * takes as valid, through VLAN tagging and MAC swapping, and any bit
 * flipped in the payload makes the frame corrupt. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ecprdma-test.h"
#include "utilities/ecp-rdma-vm-arp.h"
#include "utilities/ecp-rdma-vm-payload.h"

#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

static const struct vm_frame_template templates[] = {
    { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .vlan = -1 },
    { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .vlan = 42 },
};

static const size_t sizes[] = { 60, 61, 64, 67, 100, 1500, 1514, 9000 };

/* Flips each bit of the 'size'-byte 'frame' from byte 'from' on, one at a
 * time, adding the number of flips to '*flips'.  Returns how many of them
 * made the frame corrupt. */
static uint64_t
flip_each_bit(uint8_t *frame, size_t size, size_t from, uint64_t *flips)
{
    struct vm_frame_info info;
    uint64_t caught = 0;

    for (size_t i = from; i < size; i++) {
        for (int b = 0; b < 8; b++) {
            frame[i] ^= 1 << b;
            caught += vm_frame_parse(frame, size, &info) == VM_FRAME_CORRUPT;
            frame[i] ^= 1 << b;
        }
    }
    *flips += (size - from) * 8;
    return caught;
}

static int
test_vm_payload(int argc, char *argv[])
{
    static uint8_t frame[9000];
    uint64_t built = 0, flips = 0, caught = 0, bad = 0;
    const uint8_t own[VM_ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 9 };

    (void) argc;
    (void) argv;
    for (size_t t = 0; t < ARRAY_SIZE(templates); t++) {
        const struct vm_frame_template *tpl = &templates[t];
        size_t hdr = VM_ETH_HDR_LEN + (tpl->vlan >= 0 ? VM_VLAN_HDR_LEN : 0);

        for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
            size_t size = sizes[s];

            for (uint64_t seq = 0; seq < 3; seq++) {
                struct vm_frame_info info;
                uint64_t wseq = seq * 0x100000001ULL;

                vm_frame_build(frame, size, tpl, 7, wseq);
                vm_frame_swap_macs(frame, size, own);
                built++;
                if (vm_frame_parse(frame, size, &info) != VM_FRAME_OURS
                    || info.stream != 7 || info.seq != wseq
                    || info.vlan != tpl->vlan) {
                    printf("frame of %zu bytes, seq %"PRIu64": not taken\n",
                           size, wseq);
                    bad++;
                    continue;
                }
                /* Every bit of the payload after the magic matters. */
                caught += flip_each_bit(frame, size, hdr + 4, &flips);
                /* Cut short, the frame is corrupt too. */
                if (size > 60
                    && vm_frame_parse(frame, size - 1, &info)
                       != VM_FRAME_CORRUPT) {
                    printf("frame of %zu bytes cut short: not corrupt\n",
                           size);
                    bad++;
                }
            }
        }
    }
    printf("%"PRIu64" frames built and taken, %s of %"PRIu64" bit flips "
           "found corrupt\n", built - bad,
           caught == flips ? "all" : "not all", flips);
    return bad || caught != flips;
}

/* The sum of the 'n' (even) bytes at 'p' as 16-bit words, folded: 0xffff
 * over an IPv4 header with a valid checksum. */
static uint16_t
ones_sum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < n; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* What a router does to a frame whose IPv4 header is at 'ip': new MAC
 * addresses, TTL decremented, checksum recomputed. */
static void
route(uint8_t *frame, uint8_t *ip)
{
    uint16_t csum;

    memset(frame, 0xaa, 2 * VM_ETH_ADDR_LEN);
    frame[0] = 2;
    frame[VM_ETH_ADDR_LEN] = 2;
    ip[8]--;
    ip[10] = ip[11] = 0;
    csum = ~ones_sum(ip, VM_IPV4_HDR_LEN);
    ip[10] = csum >> 8;
    ip[11] = csum;
}

static const struct vm_frame_template ipv4_templates[] = {
    { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .vlan = -1,
      .ipv4 = true, .ip_src = { 10, 0, 1, 10 }, .ip_dst = { 10, 0, 2, 10 } },
    { .dst = { 2, 0, 0, 0, 0, 2 }, .src = { 2, 0, 0, 0, 0, 1 }, .vlan = 42,
      .ipv4 = true, .ip_src = { 10, 0, 1, 10 }, .ip_dst = { 10, 0, 2, 10 } },
};

/* The smallest frames: 66 bytes untagged, 70 tagged. */
static const size_t ipv4_sizes[] = { 66, 70, 100, 1500, 9000 };

/* Checks the IPv4 frame of 'size' bytes in 'frame', with its IPv4 header
 * at 'ip', built from 'tpl'.  Returns the number of problems, printed. */
static int
check_ipv4_frame(const uint8_t *frame, size_t size, const uint8_t *ip,
                 const struct vm_frame_template *tpl)
{
    size_t l3 = ip - frame;

    if (frame[l3 - 2] != 0x08 || frame[l3 - 1] != 0x00 || ip[0] != 0x45
        || ((ip[2] << 8) | ip[3]) != size - l3 || ip[8] != 64 || ip[9] != 17
        || memcmp(ip + 12, tpl->ip_src, 4) || memcmp(ip + 16, tpl->ip_dst, 4)
        || ones_sum(ip, VM_IPV4_HDR_LEN) != 0xffff) {
        printf("ipv4: frame of %zu bytes: bad IPv4 header\n", size);
        return 1;
    }
    return 0;
}

/* vm-payload-ipv4: test frames in IPv4/UDP packets survive routing, and
 * any bit flipped in their payload makes them corrupt; ARP requests and
 * replies. */
static int
test_vm_payload_ipv4(int argc, char *argv[])
{
    static uint8_t frame[9000];
    uint64_t built = 0, flips = 0, caught = 0;
    int bad = 0;

    (void) argc;
    (void) argv;
    for (size_t t = 0; t < ARRAY_SIZE(ipv4_templates); t++) {
        const struct vm_frame_template *tpl = &ipv4_templates[t];
        size_t l3 = VM_ETH_HDR_LEN + (tpl->vlan >= 0 ? VM_VLAN_HDR_LEN : 0);
        size_t payload = l3 + VM_IPV4_HDR_LEN + VM_UDP_HDR_LEN;
        uint8_t *ip = frame + l3;

        for (size_t s = 0; s < ARRAY_SIZE(ipv4_sizes); s++) {
            size_t size = ipv4_sizes[s];
            struct vm_frame_info info;

            if (size < vm_frame_min_size(tpl)) {
                continue;
            }
            vm_frame_build(frame, size, tpl, 3, s);
            bad += check_ipv4_frame(frame, size, ip, tpl);
            route(frame, ip);
            built++;
            if (vm_frame_parse(frame, size, &info) != VM_FRAME_OURS
                || info.stream != 3 || info.seq != s
                || info.vlan != tpl->vlan) {
                printf("ipv4: frame of %zu bytes not taken after routing\n",
                       size);
                bad++;
                continue;
            }
            caught += flip_each_bit(frame, size, payload + 4, &flips);
            vm_frame_swap_ipv4(frame, size);
            if (memcmp(ip + 12, tpl->ip_dst, 4)
                || memcmp(ip + 16, tpl->ip_src, 4)
                || ones_sum(ip, VM_IPV4_HDR_LEN) != 0xffff) {
                printf("ipv4: addresses not swapped\n");
                bad++;
            }
            /* Another protocol, or another UDP port: not a test frame. */
            ip[9] = 6;
            if (vm_frame_parse(frame, size, &info) != VM_FRAME_FOREIGN) {
                printf("ipv4: TCP taken\n");
                bad++;
            }
            ip[9] = 17;
            ip[VM_IPV4_HDR_LEN + 3] ^= 1;
            if (vm_frame_parse(frame, size, &info) != VM_FRAME_FOREIGN) {
                printf("ipv4: other UDP port taken\n");
                bad++;
            }
        }
    }
    printf("ipv4: %"PRIu64" frames built and taken after routing, %s of "
           "%"PRIu64" bit flips found corrupt\n", built - bad,
           caught == flips ? "all" : "not all", flips);

    /* ARP: a request for 10.0.1.1; its reply, and others. */
    {
        static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
        static const uint8_t gw_mac[6] = { 0, 0, 0, 0, 0xff, 1 };
        static const uint8_t spa[4] = { 10, 0, 1, 10 };
        static const uint8_t tpa[4] = { 10, 0, 1, 1 };
        static const uint8_t other[4] = { 10, 0, 1, 2 };
        uint8_t req[VM_ARP_FRAME_SIZE], reply[VM_ARP_FRAME_SIZE];
        uint8_t got[6];
        size_t len = vm_arp_build_request(req, mac, -1, spa, tpa);
        bool ok;

        ok = (len == 60 && req[12] == 0x08 && req[13] == 0x06
              && req[21] == 1 && !memcmp(req + 22, mac, 6)
              && !memcmp(req + 28, spa, 4) && !memcmp(req + 38, tpa, 4));
        /* The reply, as a responder makes it from the request. */
        memcpy(reply, req, sizeof reply);
        memcpy(reply, mac, 6);
        memcpy(reply + 6, gw_mac, 6);
        reply[21] = 2;
        memcpy(reply + 22, gw_mac, 6);
        memcpy(reply + 28, tpa, 4);
        memcpy(reply + 32, mac, 6);
        memcpy(reply + 38, spa, 4);
        ok = (ok && vm_arp_parse_reply(reply, len, tpa, got)
              && !memcmp(got, gw_mac, 6)
              && !vm_arp_parse_reply(reply, len, other, got)
              && !vm_arp_parse_reply(reply, 41, tpa, got)
              && !vm_arp_parse_reply(req, len, spa, got)
              && vm_arp_build_request(req, mac, 7, spa, tpa) == 64
              && req[12] == 0x81 && req[15] == 7 && req[17] == 0x06);
        printf("arp: %s\n", ok ? "request built, reply taken, others not"
               : "FAILED");
        bad += !ok;
    }
    return bad || caught != flips;
}

ECPRDMA_TEST_REGISTER("vm-payload", "", test_vm_payload);
ECPRDMA_TEST_REGISTER("vm-payload-ipv4", "", test_vm_payload_ipv4);
