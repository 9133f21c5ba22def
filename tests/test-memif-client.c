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

/* A deliberately broken memif client, to check that a memif server (the
 * ecp-rdma "vm" port inside ovs-vswitchd) refuses it with the right reason
 * and keeps serving:
 *
 *   ecprdma-test memif-client CASE SOCKET [ID [SECRET]]
 *
 * connects, performs the handshake with the flaw that CASE names, and
 * prints how the server reacted: "CONNECTED" or "DISCONNECT: reason".
 * Cases "good" and every data-path flaw first connect properly; so do
 * "no-kick" and "kick-storm", which wait until the server parks the
 * receive queue of the client's ring (see park_case()). */

#define _GNU_SOURCE
#include "memif-proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ecprdma-test.h"

enum { LOG2 = 6, BSIZE = 2048 };

/* Number of file descriptors that case "many-fds" sends with one message:
 * more than the server has room for, fewer than the kernel's limit. */
enum { MANY_FDS = 64 };

struct client {
    int fd;
    int mem;
    uint8_t *base;
    uint64_t size;
    struct memif_ring *c2s, *s2c;
    int c2s_efd;                /* The C2S ring's eventfd. */
};

static void
fatal(const char *what)
{
    fprintf(stderr, "memif-client: %s failed (errno %d)\n", what, errno);
    exit(2);
}

/* Sends 'm' with the 'n_fds' file descriptors in 'fds'. */
static void
send_msg_fds(struct client *c, const struct memif_msg *m, const int *fds,
             int n_fds)
{
    union {
        char buf[CMSG_SPACE(MANY_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = (void *) m, .iov_len = sizeof *m };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

    if (n_fds > 0) {
        struct cmsghdr *cmsg;

        memset(&control, 0, sizeof control);
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
        memcpy(CMSG_DATA(cmsg), fds, n_fds * sizeof(int));
    }
    sendmsg(c->fd, &mh, MSG_NOSIGNAL);
}

/* Sends 'm' with 'fd', if it is not -1. */
static void
send_msg(struct client *c, const struct memif_msg *m, int fd)
{
    send_msg_fds(c, m, &fd, fd >= 0);
}

/* Waits up to 'ms' milliseconds for a message.  Returns its type, or -1 if
 * the server closed the connection, or 0 on timeout. */
static int
recv_msg(struct client *c, struct memif_msg *m, int ms)
{
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    ssize_t n;

    if (poll(&pfd, 1, ms) <= 0) {
        return 0;
    }
    n = recv(c->fd, m, sizeof *m, 0);
    return n == sizeof *m ? m->type : -1;
}

/* Prints the server's answer: CONNECTED, DISCONNECT with its reason, a
 * closed connection, or silence. */
static int
report(struct client *c, int type, const struct memif_msg *m)
{
    if (type == MEMIF_MSG_TYPE_CONNECTED) {
        printf("CONNECTED %.32s\n", (const char *) m->connected.if_name);
        return 0;
    } else if (type == MEMIF_MSG_TYPE_DISCONNECT) {
        printf("DISCONNECT: %.96s\n", (const char *) m->disconnect.string);
    } else if (type < 0) {
        printf("closed\n");
    } else if (type == 0) {
        printf("no answer\n");
    } else {
        printf("unexpected message type %d\n", type);
    }
    close(c->fd);
    return 1;
}

/* Sends 'm' (with 'fd') and expects an ACK; prints and returns nonzero if
 * the server answered otherwise. */
static int
step(struct client *c, const struct memif_msg *m, int fd)
{
    struct memif_msg reply;
    int type;

    send_msg(c, m, fd);
    type = recv_msg(c, &reply, 5000);
    return type == MEMIF_MSG_TYPE_ACK ? 0 : report(c, type, &reply);
}

static void
make_memory(struct client *c, const char *flaw)
{
    uint64_t ring = memif_ring_bytes(LOG2);
    bool sealed = (strcmp(flaw, "unsealed")
                   && strcmp(flaw, "unsealed-short-region"));

    c->size = 2 * ring + 2 * (BSIZE << LOG2);
    c->mem = memfd_create("memif-test", sealed ? MFD_ALLOW_SEALING : 0);
    if (c->mem < 0 || ftruncate(c->mem, c->size)) {
        fatal("memfd");
    }
    if (sealed && fcntl(c->mem, F_ADD_SEALS, F_SEAL_SHRINK)) {
        fatal("F_ADD_SEALS");
    }
    c->base = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   c->mem, 0);
    if (c->base == MAP_FAILED) {
        fatal("mmap");
    }
    c->c2s = (struct memif_ring *) c->base;
    c->s2c = (struct memif_ring *) (c->base + ring);
    for (int r = 0; r < 2; r++) {
        struct memif_ring *ring_p = r ? c->s2c : c->c2s;

        ring_p->cookie = strcmp(flaw, "bad-cookie") ? MEMIF_COOKIE : 1;
        for (int i = 0; i < 1 << LOG2; i++) {
            ring_p->desc[i].offset = 2 * ring + ((r << LOG2) + i) * BSIZE;
            ring_p->desc[i].length = BSIZE;
        }
    }
}

/* Waits up to 5 s for the server to set (or clear) MASK_INT on the C2S
 * ring, which it clears when it parks the ring's receive queue and sets
 * when it wakes it up.  Returns true if it did. */
static bool
wait_c2s_mask(const struct client *c, bool masked)
{
    for (int ms = 0; ms < 5000; ms += 10) {
        uint16_t flags = __atomic_load_n(&c->c2s->flags, __ATOMIC_ACQUIRE);

        if (!(flags & MEMIF_RING_FLAG_MASK_INT) == !masked) {
            return true;
        }
        usleep(10000);
    }
    return false;
}

/* Publishes 'n' broadcast frames of 60 bytes in the C2S ring, without
 * writing its eventfd, and waits up to 5 s for the server to consume them.
 * Returns the number it consumed. */
static int
send_frames_unsignalled(struct client *c, int n)
{
    static const uint8_t frame[14] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x88, 0xb5,
    };
    uint16_t head = __atomic_load_n(&c->c2s->head, __ATOMIC_RELAXED);
    uint16_t tail = head;

    for (int i = 0; i < n; i++) {
        struct memif_desc *d = &c->c2s->desc[(head + i) & ((1 << LOG2) - 1)];

        memset(c->base + d->offset, 0, 60);
        memcpy(c->base + d->offset, frame, sizeof frame);
        d->length = 60;
    }
    __atomic_store_n(&c->c2s->head, head + n, __ATOMIC_RELEASE);
    for (int ms = 0; ms < 5000 && tail != (uint16_t) (head + n); ms += 10) {
        usleep(10000);
        tail = __atomic_load_n(&c->c2s->tail, __ATOMIC_ACQUIRE);
    }
    return (uint16_t) (tail - head);
}

/* Cases about the parking of an idle receive queue: "no-kick" sends, once
 * parked, without writing the eventfd; "kick-storm" writes the eventfd
 * 1000 times, sending nothing, and waits for the queue to wake up and to
 * be parked again. */
static int
park_case(struct client *c, const char *flaw)
{
    if (!wait_c2s_mask(c, false)) {
        printf("not parked\n");
        return 1;
    }
    if (!strcmp(flaw, "no-kick")) {
        int n = send_frames_unsignalled(c, 3);

        printf("parked, consumed %d\n", n);
        return n == 3 ? 0 : 1;
    }
    for (int i = 0; i < 1000; i++) {
        uint64_t one = 1;

        if (write(c->c2s_efd, &one, sizeof one) != sizeof one
            && errno != EAGAIN) {
            fatal("write eventfd");
        }
    }
    if (!wait_c2s_mask(c, true)) {
        printf("parked, not woken up\n");
        return 1;
    }
    if (!wait_c2s_mask(c, false)) {
        printf("parked, woken up, not parked again\n");
        return 1;
    }
    printf("parked, woken up, parked again\n");
    return 0;
}

static int
test_memif_client(int argc, char *argv[])
{
    const char *flaw = argv[1];
    const char *path = argv[2];
    uint32_t id = argc > 3 ? atoi(argv[3]) : 0;
    const char *secret = argc > 4 ? argv[4] : "";
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct memif_msg m, reply;
    struct client c;
    int type;

    if (argc < 3) {
        fprintf(stderr, "usage: memif-client CASE SOCKET [ID [SECRET]]\n");
        return 2;
    }
    c.fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    if (connect(c.fd, (struct sockaddr *) &sun, sizeof sun)) {
        fatal("connect");
    }
    if (recv_msg(&c, &reply, 5000) != MEMIF_MSG_TYPE_HELLO) {
        printf("no HELLO\n");
        return 1;
    }

    if (!strcmp(flaw, "silent")) {
        /* Never say anything: the server must give up on us. */
        type = recv_msg(&c, &reply, 10000);
        return report(&c, type, &reply);
    }
    if (!strcmp(flaw, "short-message")) {
        send(c.fd, "0123456789", 10, MSG_NOSIGNAL);
        type = recv_msg(&c, &reply, 5000);
        return report(&c, type, &reply);
    }

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_INIT;
    m.init.version = MEMIF_VERSION;
    m.init.id = id;
    memcpy(m.init.secret, secret, strnlen(secret, MEMIF_SECRET_SIZE - 1));
    memcpy(m.init.name, "memif-client", 12);
    if (step(&c, &m, -1)) {
        return 1;
    }

    if (!strcmp(flaw, "many-fds")) {
        /* A region with far more descriptors than it needs: the server
         * must close every one that it received. */
        int fds[MANY_FDS];

        for (int i = 0; i < MANY_FDS; i++) {
            fds[i] = eventfd(0, 0);
            if (fds[i] < 0) {
                fatal("eventfd");
            }
        }
        memset(&m, 0, sizeof m);
        m.type = MEMIF_MSG_TYPE_ADD_REGION;
        m.add_region.size = 4096;
        send_msg_fds(&c, &m, fds, MANY_FDS);
        type = recv_msg(&c, &reply, 5000);
        return report(&c, type, &reply);
    }

    make_memory(&c, flaw);
    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_ADD_REGION;
    m.add_region.size = c.size;
    if (!strcmp(flaw, "short-region")
        || !strcmp(flaw, "unsealed-short-region")) {
        m.add_region.size += 4096;
    }
    if (step(&c, &m, c.mem)) {
        return 1;
    }
    for (int r = 0; r < 2; r++) {
        memset(&m, 0, sizeof m);
        m.type = MEMIF_MSG_TYPE_ADD_RING;
        m.add_ring.flags = r ? 0 : MEMIF_MSG_ADD_RING_FLAG_C2S;
        m.add_ring.offset = r * memif_ring_bytes(LOG2);
        m.add_ring.log2_ring_size = LOG2;
        int efd = eventfd(0, EFD_NONBLOCK);

        if (!r) {
            c.c2s_efd = efd;
        }
        if (step(&c, &m, efd)) {
            return 1;
        }
    }
    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_CONNECT;
    memcpy(m.connect.if_name, "evil0", 5);
    send_msg(&c, &m, -1);
    type = recv_msg(&c, &reply, 5000);
    if (type != MEMIF_MSG_TYPE_CONNECTED || !strcmp(flaw, "good")) {
        return report(&c, type, &reply);
    }

    /* Connected: now break the rings. */
    if (!strcmp(flaw, "bad-desc")) {
        c.c2s->desc[0].offset = c.size - 10;
        c.c2s->desc[0].length = 60;
        __atomic_store_n(&c.c2s->head, 1, __ATOMIC_RELEASE);
    } else if (!strcmp(flaw, "bad-region")) {
        c.c2s->desc[0].region = 3;
        c.c2s->desc[0].length = 60;
        __atomic_store_n(&c.c2s->head, 1, __ATOMIC_RELEASE);
    } else if (!strcmp(flaw, "overrun")) {
        __atomic_store_n(&c.c2s->head, 3 << LOG2, __ATOMIC_RELEASE);
    } else if (!strcmp(flaw, "endless-chain")) {
        for (int i = 0; i < 1 << LOG2; i++) {
            c.c2s->desc[i].flags = MEMIF_DESC_FLAG_NEXT;
            c.c2s->desc[i].length = 60;
        }
        __atomic_store_n(&c.c2s->head, 1 << LOG2, __ATOMIC_RELEASE);
    } else if (!strcmp(flaw, "ecp-frames")) {
        /* Not a flaw of the protocol, but frames a VM must not send: two
         * ECP frames (one VLAN-tagged) around an ordinary one.  The port
         * consumes all three and forwards only the ordinary one. */
        static const uint8_t frames[3][18] = {
            { 1, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x89, 0x40,
              0x10, 0x01, 0x12, 0x34 },
            { 1, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x81, 0x00,
              0x00, 0x64, 0x89, 0x40 },
            { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1,
              0x88, 0xb5, 'E', 'C', 'P', 'V' },
        };
        uint16_t tail = 0;

        for (int i = 0; i < 3; i++) {
            struct memif_desc *d = &c.c2s->desc[i];

            memset(c.base + d->offset, 0, 60);
            memcpy(c.base + d->offset, frames[i], sizeof frames[i]);
            d->length = 60;
        }
        __atomic_store_n(&c.c2s->head, 3, __ATOMIC_RELEASE);
        for (int ms = 0; ms < 5000 && tail != 3; ms += 10) {
            usleep(10000);
            tail = __atomic_load_n(&c.c2s->tail, __ATOMIC_ACQUIRE);
        }
        printf("consumed %d\n", tail);
        return tail == 3 ? 0 : 1;
    } else if (!strcmp(flaw, "no-kick") || !strcmp(flaw, "kick-storm")) {
        return park_case(&c, flaw);
    } else if (!strcmp(flaw, "message-after-connect")) {
        memset(&m, 0, sizeof m);
        m.type = MEMIF_MSG_TYPE_INIT;
        send_msg(&c, &m, -1);
    } else {
        fprintf(stderr, "unknown case %s\n", flaw);
        return 2;
    }
    type = recv_msg(&c, &reply, 10000);
    return report(&c, type, &reply) == 1 ? 0 : 1;
}

ECPRDMA_TEST_REGISTER("memif-client", "CASE SOCKET [ID [SECRET]]",
                      test_memif_client);
