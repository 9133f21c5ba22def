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

#include "ecprdma-crc32c.h"

#include <stdbool.h>
#include <string.h>

#define POLY 0x82f63b78         /* 0x1EDC6F41, bit-reversed. */

static uint32_t
crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
    static uint32_t table[256];

    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;

            for (int k = 0; k < 8; k++) {
                c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
            }
            table[i] = c;
        }
    }
    while (len--) {
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t
crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
    uint64_t c = crc;

    for (; len >= 8; len -= 8, p += 8) {
        uint64_t x;

        memcpy(&x, p, 8);
        c = __builtin_ia32_crc32di(c, x);
    }
    crc = c;
    while (len--) {
        crc = __builtin_ia32_crc32qi(crc, *p++);
    }
    return crc;
}

static bool
have_sse42(void)
{
    static int have = -1;

    if (have < 0) {
        have = __builtin_cpu_supports("sse4.2");
    }
    return have;
}
#endif

uint32_t
ecprdma_crc32c(const void *data, size_t len)
{
#if defined(__x86_64__)
    if (have_sse42()) {
        return ~crc32c_hw(~0u, data, len);
    }
#endif
    return ~crc32c_sw(~0u, data, len);
}
