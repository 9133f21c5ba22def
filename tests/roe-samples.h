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

#ifndef ROE_SAMPLES_H
#define ROE_SAMPLES_H 1

/* Sample RoE frames built with the engine's roe_put_frame(), shared by the
 * tests that need realistic frames: one of every opcode, NAKs, one with a
 * CRC-32C trailer, a VLAN-tagged one, and a READ_SG request and its retry.
 * "ecprdma-test roe-pcap" writes them to a capture for the Wireshark
 * dissector's test and "ecprdma-test fuzz-corpus roe" seeds the fuzzer
 * with them. */

#include <stddef.h>
#include <stdint.h>

/* Largest frame roe_sample_frame() writes. */
#define ROE_SAMPLE_MAX_LEN 2048

int roe_sample_count(void);

/* Writes sample 'i' (0 <= i < roe_sample_count()) into 'frame', which has
 * room for ROE_SAMPLE_MAX_LEN octets, and returns its length.  Stores a
 * short name for it, usable in a file name, in '*name'. */
size_t roe_sample_frame(int i, uint8_t *frame, const char **name);

#endif /* roe-samples.h */
