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

#ifndef MEMIF_SERVER_H
#define MEMIF_SERVER_H 1

/* A memif server for one interface: a listening unix socket, at most one
 * client connection, and once connected the client's memory mapped and its
 * rings ready for the data path.
 *
 * Threads: memif_server_run() and everything else here run in one control
 * thread.  The queues of a connection are used by data-path threads between
 * memif_server_attach() (connection up) and memif_server_detach(), which
 * the owner calls once no data-path thread uses the queues any more; only
 * then is the client's memory unmapped.  While a dead connection waits to
 * be detached, new clients wait in the listen backlog. */

#include <stdbool.h>
#include <stdint.h>

#include "memif-handshake.h"
#include "memif-ring.h"

struct memif_server;

/* The rings and memory of a connected client. */
struct memif_connection {
    char client_name[MEMIF_NAME_SIZE];      /* From INIT. */
    char client_if_name[MEMIF_NAME_SIZE];   /* From CONNECT. */
    uint16_t n_regions;
    struct memif_region *regions;
    uint16_t n_c2s;                         /* Client to server. */
    struct memif_queue *c2s;
    uint16_t n_s2c;                         /* Server to client. */
    struct memif_queue *s2c;
    unsigned int log2_ring_size;            /* Of the first C2S ring. */
};

enum memif_server_state {
    MEMIF_SERVER_LISTENING,     /* No client. */
    MEMIF_SERVER_HANDSHAKE,     /* A client is connecting. */
    MEMIF_SERVER_CONNECTED,     /* Connection up: memif_server_attach(). */
    MEMIF_SERVER_DEAD,          /* Connection gone: memif_server_detach(). */
};

int memif_server_create(const char *socket_path,
                        const struct memif_limits *,
                        const char *if_name, struct memif_server **,
                        char **errorp);
void memif_server_destroy(struct memif_server *);

bool memif_server_run(struct memif_server *);
int memif_server_fds(const struct memif_server *, int fds[2]);
long long int memif_server_timeout(const struct memif_server *);
enum memif_server_state memif_server_state(const struct memif_server *);
const char *memif_server_state_to_string(enum memif_server_state);

struct memif_connection *memif_server_attach(struct memif_server *);
void memif_server_detach(struct memif_server *);
void memif_server_disconnect(struct memif_server *, const char *reason);

const char *memif_server_last_error(const struct memif_server *);
uint64_t memif_server_n_rejected(const struct memif_server *);

#endif /* memif-server.h */
