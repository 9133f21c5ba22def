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
#include "utilities/ecp-rdma-vm-payload.h"

#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

static const struct vm_frame_template templates[] = {
    { { 2, 0, 0, 0, 0, 2 }, { 2, 0, 0, 0, 0, 1 }, -1 },
    { { 2, 0, 0, 0, 0, 2 }, { 2, 0, 0, 0, 0, 1 }, 42 },
};

static const size_t sizes[] = { 60, 61, 64, 67, 100, 1500, 1514, 9000 };

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
                for (size_t i = hdr + 4; i < size; i++) {
                    for (int b = 0; b < 8; b++) {
                        frame[i] ^= 1 << b;
                        flips++;
                        caught += (vm_frame_parse(frame, size, &info)
                                   == VM_FRAME_CORRUPT);
                        frame[i] ^= 1 << b;
                    }
                }
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

ECPRDMA_TEST_REGISTER("vm-payload", "", test_vm_payload);
