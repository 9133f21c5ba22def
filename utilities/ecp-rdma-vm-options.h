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

#ifndef ECP_RDMA_VM_OPTIONS_H
#define ECP_RDMA_VM_OPTIONS_H 1

/* ecp-rdma-vm's command line. */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ecp-rdma-vm-memif.h"
#include "ecp-rdma-vm-payload.h"

#define PROGRAM_NAME "ecp-rdma-vm"

/* Exit statuses. */
enum {
    EXIT_OK = 0,                /* Success. */
    EXIT_FAIL = 1,              /* Connection or protocol failure. */
    EXIT_USAGE = 2,             /* Bad command line. */
    EXIT_CHECK = 3,             /* Traffic arrived damaged or incomplete. */
};

/* The subcommands. */
enum command {
    CMD_SEND,
    CMD_RECV,
    CMD_ECHO,
    CMD_PING,
    CMD_ARP,
    N_COMMANDS
};

/* The names of the subcommands, as the command line gives them. */
extern const char *const command_names[N_COMMANDS];

/* Most items in a --size list. */
#define MAX_SIZE_ITEMS 64

/* One item of a --size list: a size, or a range to draw from. */
struct size_item {
    uint32_t min;
    uint32_t max;
};

/* The command line. */
struct options {
    enum command command;
    struct memif_client_config memif;
    uint64_t count;             /* 0: unlimited (ping: default). */
    double timeout;             /* Seconds, 0 for none. */
    double rate;                /* Frames per second, 0 for maximum. */
    struct size_item sizes[MAX_SIZE_ITEMS];
    size_t n_sizes;
    uint64_t seed;
    struct vm_frame_template template;
    bool src_mac_set;
    uint32_t stream;
    int expect_vlan;            /* -2: no check, -1: untagged, else VID. */
    double interval;            /* Seconds between pings. */
    double rx_pause;            /* Seconds between looks at the rings. */
    bool hold;                  /* Stay connected after the summary. */
    const char *start_file;     /* Start once it exists, or NULL. */
    bool json;
};

/* Parses the command line into 'opt', or exits with a message and
 * EXIT_USAGE (EXIT_OK for --help and --version).  The connection gives up
 * waiting when '*stop' becomes nonzero. */
void parse_options(int argc, char *argv[], struct options *opt,
                   volatile sig_atomic_t *stop);

/* Returns the largest frame size that 'opt' asks for. */
uint32_t max_frame_size(const struct options *opt);

#endif /* ecp-rdma-vm-options.h */
