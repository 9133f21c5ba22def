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

/* Dispatcher of the engine's unit tests.  See ecprdma-test.h. */

#include "ecprdma-clock.h"
#include "ecprdma-test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_COMMANDS = 64 };

struct command {
    const char *name;
    const char *usage;
    ecprdma_test_func *func;
};

static struct command commands[MAX_COMMANDS];
static int n_commands;

void
ecprdma_test_register(const char *name, const char *usage,
                      ecprdma_test_func *func)
{
    if (n_commands >= MAX_COMMANDS) {
        fprintf(stderr, "ecprdma-test: too many commands\n");
        exit(2);
    }
    commands[n_commands++] = (struct command) { name, usage, func };
}

size_t
ecprdma_test_parse_hex(int n, char *args[], uint8_t *buf, size_t size)
{
    size_t len = 0;
    int nibble = -1;

    for (int i = 0; i < n; i++) {
        for (const char *p = args[i]; *p; p++) {
            int v;

            if (strchr(":|. ", *p)) {
                continue;
            } else if (*p >= '0' && *p <= '9') {
                v = *p - '0';
            } else if (*p >= 'a' && *p <= 'f') {
                v = *p - 'a' + 10;
            } else if (*p >= 'A' && *p <= 'F') {
                v = *p - 'A' + 10;
            } else {
                fprintf(stderr, "bad hex digit '%c'\n", *p);
                exit(2);
            }
            if (nibble < 0) {
                nibble = v;
            } else {
                if (len >= size) {
                    fprintf(stderr, "too many octets\n");
                    exit(2);
                }
                buf[len++] = nibble << 4 | v;
                nibble = -1;
            }
        }
    }
    if (nibble >= 0) {
        fprintf(stderr, "odd number of hex digits\n");
        exit(2);
    }
    return len;
}

static int
compare_commands(const void *a_, const void *b_)
{
    const struct command *a = a_;
    const struct command *b = b_;

    return strcmp(a->name, b->name);
}

static void
usage(FILE *stream)
{
    qsort(commands, n_commands, sizeof *commands, compare_commands);
    fprintf(stream, "usage: ecprdma-test COMMAND [ARG]...\n"
            "The engine's unit tests.  Commands:\n");
    for (int i = 0; i < n_commands; i++) {
        fprintf(stream, "  %s %s\n", commands[i].name, commands[i].usage);
    }
}

long long
ecprdma_test_now_us(void)
{
    return ecprdma_clock_ns() / 1000;
}

int
main(int argc, char *argv[])
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    for (int i = 0; i < n_commands; i++) {
        if (!strcmp(commands[i].name, argv[1])) {
            return commands[i].func(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "ecprdma-test: unknown command \"%s\" "
            "(use --help for a list)\n", argv[1]);
    return 2;
}
