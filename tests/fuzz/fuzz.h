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

#ifndef FUZZ_H
#define FUZZ_H 1

/* Shared by the libFuzzer targets in tests/fuzz/. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* libFuzzer calls this with each input; it returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Crashes, so that libFuzzer saves the input, if COND is false: a broken
 * promise of the code under test. */
#define FUZZ_CHECK(COND)                                                \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n",                \
                    __FILE__, __LINE__, #COND);                         \
            __builtin_trap();                                           \
        }                                                               \
    } while (0)

/* Takes the next 'n' octets (at most 8) of the '*size' octets of input at
 * '*data' and returns them as a little-endian integer.  If fewer are left,
 * returns 0 and sets '*ok' to false. */
static inline uint64_t
fuzz_take(const uint8_t **data, size_t *size, size_t n, bool *ok)
{
    uint64_t x = 0;

    if (*size < n) {
        *ok = false;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        x |= (uint64_t) (*data)[i] << (8 * i);
    }
    *data += n;
    *size -= n;
    return x;
}

#endif /* fuzz.h */
