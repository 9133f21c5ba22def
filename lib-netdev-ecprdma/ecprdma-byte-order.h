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

#ifndef ECPRDMA_BYTE_ORDER_H
#define ECPRDMA_BYTE_ORDER_H 1

/* Reading and writing big-endian (network byte order) integers at any
 * alignment.  The put_*() functions return the position just after what
 * they wrote. */

#include <stdint.h>

static inline uint16_t
get_be16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t
get_be24(const uint8_t *p)
{
    return (uint32_t) p[0] << 16 | (uint32_t) p[1] << 8 | p[2];
}

static inline uint32_t
get_be32(const uint8_t *p)
{
    return (uint32_t) get_be16(p) << 16 | get_be16(p + 2);
}

static inline uint64_t
get_be64(const uint8_t *p)
{
    return (uint64_t) get_be32(p) << 32 | get_be32(p + 4);
}

static inline uint8_t *
put_be16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
    return p + 2;
}

static inline uint8_t *
put_be24(uint8_t *p, uint32_t x)
{
    p[0] = x >> 16;
    p[1] = x >> 8;
    p[2] = x;
    return p + 3;
}

static inline uint8_t *
put_be32(uint8_t *p, uint32_t x)
{
    return put_be16(put_be16(p, x >> 16), x);
}

static inline uint8_t *
put_be64(uint8_t *p, uint64_t x)
{
    return put_be32(put_be32(p, x >> 32), x);
}

#endif /* ecprdma-byte-order.h */
