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

#include "xalloc.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
xalloc_out_of_memory(void)
{
    fputs("virtual memory exhausted\n", stderr);
    raise(SIGABRT);
    _Exit(EXIT_FAILURE);
}

void *
xalloc(size_t size)
{
    void *p = (malloc)(size ? size : 1);

    if (!p) {
        xalloc_out_of_memory();
    }
    return p;
}

/* Returns 'size' zeroed octets aligned on 'align', a power of 2 multiple
 * of sizeof(void *).  free() frees them. */
void *
xalloc_aligned_zeroed(size_t align, size_t size)
{
    void *p;

    if (posix_memalign(&p, align, size ? size : 1)) {
        xalloc_out_of_memory();
    }
    memset(p, 0, size);
    return p;
}

void *
xalloc_zeroed(size_t n, size_t size)
{
    void *p = (calloc)(n ? n : 1, size ? size : 1);

    if (!p) {
        xalloc_out_of_memory();
    }
    return p;
}

char *
xalloc_strdup(const char *s)
{
    size_t len = strlen(s) + 1;

    return memcpy(xalloc(len), s, len);
}

char *
xalloc_nullable_strdup(const char *s)
{
    return s ? xalloc_strdup(s) : NULL;
}

char *
xalloc_printf(const char *format, ...)
{
    va_list args, args2;
    char *s;
    int n;

    va_start(args, format);
    va_copy(args2, args);
    n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (n < 0) {
        xalloc_out_of_memory();
    }
    s = xalloc(n + 1);
    vsnprintf(s, n + 1, format, args2);
    va_end(args2);
    return s;
}
