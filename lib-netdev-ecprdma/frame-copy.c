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

#include "frame-copy.h"

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>

/* Copies 'len' bytes, more than 128, in 32-byte vectors: loads the first
 * vector and the last four, copies the bytes in between 128 at a time,
 * each step four loads and then their four stores, and stores the last
 * four vectors and the first one at the end. */
__attribute__((target("avx2")))
static void
frame_copy_avx2(uint8_t *dst, const uint8_t *src, size_t len)
{
    __m256i first = _mm256_loadu_si256((const __m256i *) src);
    __m256i last0 = _mm256_loadu_si256((const __m256i *) (src + len - 32));
    __m256i last1 = _mm256_loadu_si256((const __m256i *) (src + len - 64));
    __m256i last2 = _mm256_loadu_si256((const __m256i *) (src + len - 96));
    __m256i last3 = _mm256_loadu_si256((const __m256i *) (src + len - 128));

    for (size_t ofs = 32; ofs < len - 128; ofs += 128) {
        const __m256i *s = (const __m256i *) (src + ofs);
        __m256i *d = (__m256i *) (dst + ofs);
        __m256i v0 = _mm256_loadu_si256(s);
        __m256i v1 = _mm256_loadu_si256(s + 1);
        __m256i v2 = _mm256_loadu_si256(s + 2);
        __m256i v3 = _mm256_loadu_si256(s + 3);

        _mm256_storeu_si256(d, v0);
        _mm256_storeu_si256(d + 1, v1);
        _mm256_storeu_si256(d + 2, v2);
        _mm256_storeu_si256(d + 3, v3);
    }
    _mm256_storeu_si256((__m256i *) (dst + len - 32), last0);
    _mm256_storeu_si256((__m256i *) (dst + len - 64), last1);
    _mm256_storeu_si256((__m256i *) (dst + len - 96), last2);
    _mm256_storeu_si256((__m256i *) (dst + len - 128), last3);
    _mm256_storeu_si256((__m256i *) dst, first);
}

static bool
have_avx2(void)
{
    static int have = -1;

    if (have < 0) {
        have = __builtin_cpu_supports("avx2");
    }
    return have;
}
#endif

/* Copies 'len' bytes from 'src' to 'dst', like frame_copy() but without
 * its test for short frames. */
void
frame_copy_large(void *dst, const void *src, size_t len)
{
#if defined(__x86_64__)
    if (len > 128 && have_avx2()) {
        frame_copy_avx2(dst, src, len);
        return;
    }
#endif
    memcpy(dst, src, len);
}
