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


#ifndef TEST_LINK_H
#define TEST_LINK_H 1

/* Test frames for the link tests: each frame's bytes follow from its
 * index, length and whether it has a VLAN tag, so that the receiver can
 * check every octet of what arrives.
 *
 *     01:80:c2:00:00:00   destination (ECP's group address)
 *     02:00:00:00:00:01   source
 *     [0x8100, TCI]       optional VLAN tag, TCI = 0x2000 | index % 4096
 *     0x8940              EtherType
 *     index               32 bits, big-endian
 *     pattern             a function of index and offset, to the end */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct link;

/* The shortest test frame, with and without a VLAN tag. */
#define TEST_FRAME_MIN_LEN(VLAN) ((VLAN) ? 22 : 18)

void test_frame_make(uint8_t *frame, uint32_t index, size_t len, bool vlan);

/* Checks 'frame' against the test frame it claims to be.  Stores its index
 * and whether it is tagged, and returns true if every octet is right. */
bool test_frame_check(const uint8_t *frame, size_t len, uint32_t *index,
                      bool *vlan);

/* Runs 'a' and 'b' (either may be NULL) until both are up, for at most
 * 'ms' milliseconds.  Returns true if they came up. */
bool test_link_wait_up(struct link *a, struct link *b, int ms);

void test_sleep_ms(int ms);
long long int test_time_ms(void);

#endif /* test-link.h */
