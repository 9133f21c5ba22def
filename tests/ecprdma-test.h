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

#ifndef ECPRDMA_TEST_H
#define ECPRDMA_TEST_H 1

/* The engine's unit-test program, in the manner of OVS's ovstest: one
 * program, one subcommand per test, each invoked from an autotest .at file
 * as "ecprdma-test COMMAND [ARG]...".  A test module registers its command
 * with ECPRDMA_TEST_REGISTER at file scope. */

#include <stddef.h>
#include <stdint.h>

typedef int ecprdma_test_func(int argc, char *argv[]);

void ecprdma_test_register(const char *name, const char *usage,
                           ecprdma_test_func *);

/* Parses hexadecimal octets from 'args[0..n-1]', ignoring ':', '|', '.',
 * spaces and argument boundaries, into 'buf' of 'size' octets.  Returns
 * the number of octets, or exits with status 2 on bad input. */
size_t ecprdma_test_parse_hex(int n, char *args[], uint8_t *buf,
                              size_t size);

/* Microseconds of the monotonic clock. */
long long ecprdma_test_now_us(void);

#define ECPRDMA_TEST_REGISTER(NAME, USAGE, FUNC)                        \
    static void register_##FUNC(void) __attribute__((constructor));    \
    static void                                                         \
    register_##FUNC(void)                                               \
    {                                                                   \
        ecprdma_test_register(NAME, USAGE, FUNC);                       \
    }

#endif /* ecprdma-test.h */
