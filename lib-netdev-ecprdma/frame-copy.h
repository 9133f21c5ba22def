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

#ifndef FRAME_COPY_H
#define FRAME_COPY_H 1

/* Copying a frame into or out of memory shared with a peer.
 *
 * A VM port copies each frame twice: from the client's buffer into a
 * packet and from a packet into a client's buffer, and the client's side
 * of each copy is usually in the cache of another CPU.  Frames longer than
 * FRAME_COPY_SMALL bytes are copied by a loop of our own, in 32-byte
 * vectors where the CPU has AVX2: on a CPU with AVX-512 the C
 * library's memcpy() uses 64-byte vectors, which moved such frames
 * between the CPUs measurably slower (`ecp-rdma-bench local
 * --baseline-plugin`, Documentation/performance.rst). */

#include <stddef.h>
#include <string.h>

#define FRAME_COPY_SMALL 256

void frame_copy_large(void *dst, const void *src, size_t len);

/* Copies 'len' bytes from 'src' to 'dst'.  The two must not overlap. */
static inline void
frame_copy(void *dst, const void *src, size_t len)
{
    if (len > FRAME_COPY_SMALL) {
        frame_copy_large(dst, src, len);
    } else {
        memcpy(dst, src, len);
    }
}

#endif /* frame-copy.h */
