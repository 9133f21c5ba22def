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

#ifndef XALLOC_H
#define XALLOC_H 1

/* Memory allocation for the engine, which does not use Open vSwitch's
 * library: like OVS's xmalloc() family, these functions never return NULL
 * and abort the process if memory is exhausted.  They are for
 * configuration and set-up paths only, never for the per-packet path. */

#include <stddef.h>

void *xalloc(size_t size);
void xalloc_out_of_memory(void) __attribute__((noreturn));
void *xalloc_zeroed(size_t n, size_t size);
void *xalloc_aligned_zeroed(size_t align, size_t size);
char *xalloc_strdup(const char *);
char *xalloc_nullable_strdup(const char *);
char *xalloc_printf(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* xalloc.h */
