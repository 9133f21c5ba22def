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

#ifndef ECPRDMA_CRC32C_H
#define ECPRDMA_CRC32C_H 1

/* CRC-32C (Castagnoli), as in iSCSI and SCTP: polynomial 0x1EDC6F41,
 * reflected, initial value and final XOR 0xffffffff.  Uses the SSE4.2
 * CRC32 instruction when the CPU has it. */

#include <stddef.h>
#include <stdint.h>

uint32_t ecprdma_crc32c(const void *data, size_t len);

#endif /* ecprdma-crc32c.h */
