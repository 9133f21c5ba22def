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

#define _GNU_SOURCE
#include "memif-server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ecprdma-clock.h"
#include "unix-socket.h"
#include "xalloc.h"

struct memif_server {
    char *path;                 /* As configured; '@' for abstract. */
    char *if_name;              /* Sent to the client in CONNECTED. */
    char *secret;
    struct memif_limits limits;
    int listen_fd;
    int conn_fd;                /* -1 if no client. */
    enum memif_server_state state;

    long long int accept_after; /* In MEMIF_SERVER_LISTENING, after
                                 * accept() failed: monotonic ms before
                                 * which not to try again. */

    struct memif_handshake hs;  /* In MEMIF_SERVER_HANDSHAKE. */
    long long int hs_deadline;  /* Monotonic ms by which it must finish. */

    /* In MEMIF_SERVER_CONNECTED and MEMIF_SERVER_DEAD. */
    struct memif_connection conn;
    int *ring_fds;              /* Eventfds of 'conn', C2S then S2C. */
    int n_ring_fds;

    char last_error[MEMIF_DISCONNECT_STRING_SIZE + 64];
    uint64_t n_rejected;        /* Clients refused or disconnected. */
};

/* A client that does not complete its handshake within this time is
 * disconnected, so that it cannot keep the interface from others. */
#define HANDSHAKE_TIMEOUT_MS 5000

/* After accept() failed for want of a resource (file descriptors, memory),
 * the listening socket stays readable: it is left alone this long rather
 * than polled in a loop.  The client waits in the socket's backlog. */
#define ACCEPT_RETRY_MS 1000

static long long int
monotonic_ms(void)
{
    return ecprdma_clock_ns() / 1000000;
}

static void
set_error(struct memif_server *s, const char *format, const char *arg)
{
    snprintf(s->last_error, sizeof s->last_error, format, arg);
}

/* Creates the directory that holds 'path', if it does not exist, with
 * permissions for its owner only. */
static void
make_parent_dir(const char *path)
{
    char *dir = xalloc_strdup(path);
    char *slash = strrchr(dir, '/');

    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) && errno != EEXIST) {
            /* bind() reports the problem. */
        }
    }
    free(dir);
}

/* Removes the socket at 'path', if there is one: one that a previous
 * server left, before listening there, or our own, when done.  Returns 0,
 * or EEXIST without removing it if 'path' is something other than a
 * socket, which no server created and none may destroy. */
static int
remove_old_socket(const char *path)
{
    struct stat st;

    if (lstat(path, &st)) {
        return 0;
    } else if (!S_ISSOCK(st.st_mode)) {
        return EEXIST;
    }
    unlink(path);
    return 0;
}

/* Creates a server for one memif interface listening on 'socket_path'.
 * On failure returns a positive errno value and sets '*errorp' to a
 * malloc()'d message. */
int
memif_server_create(const char *socket_path,
                    const struct memif_limits *limits, const char *if_name,
                    struct memif_server **serverp, char **errorp)
{
    struct memif_server *s;
    struct sockaddr_un sun;
    socklen_t len;
    int fd, error;

    *serverp = NULL;
    len = unix_socket_address(socket_path, &sun);
    if (!len) {
        *errorp = xalloc_printf("%s: socket path too long", socket_path);
        return ENAMETOOLONG;
    }

    fd = unix_socket_create();
    if (fd < 0) {
        error = errno;
        *errorp = xalloc_printf("%s: socket failed (%s)", socket_path,
                                strerror_r(error, (char[64]) { 0 }, 64));
        return error;
    }
    if (!unix_socket_is_abstract(socket_path)) {
        make_parent_dir(socket_path);
        if (remove_old_socket(socket_path)) {
            *errorp = xalloc_printf("%s: exists and is not a socket",
                                    socket_path);
            close(fd);
            return EEXIST;
        }
    }
    error = unix_socket_listen(fd, socket_path, &sun, len, 1, NULL);
    if (error) {
        *errorp = xalloc_printf("%s: cannot listen (%s)", socket_path,
                                strerror_r(error, (char[64]) { 0 }, 64));
        close(fd);
        return error;
    }

    s = xalloc_zeroed(1, sizeof *s);
    s->path = xalloc_strdup(socket_path);
    s->if_name = xalloc_strdup(if_name);
    s->secret = xalloc_strdup(limits->secret ? limits->secret : "");
    s->limits = *limits;
    s->limits.secret = s->secret;
    s->listen_fd = fd;
    s->conn_fd = -1;
    s->state = MEMIF_SERVER_LISTENING;
    *serverp = s;
    return 0;
}

static void
close_connection(struct memif_server *s)
{
    if (s->conn_fd >= 0) {
        close(s->conn_fd);
        s->conn_fd = -1;
    }
}

/* Unmaps the client's memory and frees the connection's queues.  Must not
 * be called while a data-path thread may use them. */
static void
release_connection(struct memif_server *s)
{
    struct memif_connection *c = &s->conn;

    for (int i = 0; i < c->n_regions; i++) {
        if (c->regions[i].addr) {
            munmap(c->regions[i].addr, c->regions[i].size);
        }
    }
    for (int i = 0; i < s->n_ring_fds; i++) {
        close(s->ring_fds[i]);
    }
    free(c->regions);
    free(c->c2s);
    free(c->s2c);
    free(s->ring_fds);
    memset(c, 0, sizeof *c);
    s->ring_fds = NULL;
    s->n_ring_fds = 0;
}

void
memif_server_destroy(struct memif_server *s)
{
    if (!s) {
        return;
    }
    if (s->state == MEMIF_SERVER_HANDSHAKE) {
        memif_handshake_destroy(&s->hs);
    }
    close_connection(s);
    release_connection(s);
    close(s->listen_fd);
    if (!unix_socket_is_abstract(s->path)) {
        remove_old_socket(s->path);
    }
    free(s->path);
    free(s->if_name);
    free(s->secret);
    free(s);
}

static int
send_msg(struct memif_server *s, const struct memif_msg *msg)
{
    ssize_t n = send(s->conn_fd, msg, sizeof *msg,
                     MSG_NOSIGNAL | MSG_DONTWAIT);

    return n == sizeof *msg ? 0 : n < 0 ? errno : EPROTO;
}

/* Receives one message and the file descriptor that came with it, if any.
 * Returns 0, EAGAIN if there is none, EOF at end of connection, or another
 * positive value for a malformed message. */
static int
recv_msg(struct memif_server *s, struct memif_msg *msg, int *fdp)
{
    union {
        char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
    struct msghdr mh = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
    };
    struct cmsghdr *cmsg;
    int n_fds = 0;
    ssize_t n;

    *fdp = -1;
    n = recvmsg(s->conn_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? EAGAIN : errno;
    } else if (n == 0) {
        return EOF;
    }

    /* Keep the first file descriptor and close all the others, however
     * many the kernel delivered (it closes those that did not fit in
     * 'control' itself), so that a client cannot make us run out. */
    for (cmsg = CMSG_FIRSTHDR(&mh); cmsg; cmsg = CMSG_NXTHDR(&mh, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET
            && cmsg->cmsg_type == SCM_RIGHTS) {
            const unsigned char *data = CMSG_DATA(cmsg);
            size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);

            for (size_t i = 0; i < n; i++) {
                int fd;

                memcpy(&fd, data + i * sizeof fd, sizeof fd);
                if (n_fds++ == 0) {
                    *fdp = fd;
                } else {
                    close(fd);
                }
            }
        }
    }
    if (n != sizeof *msg || n_fds > 1 || mh.msg_flags & MSG_CTRUNC) {
        if (*fdp >= 0) {
            close(*fdp);
            *fdp = -1;
        }
        /* The kernel drops the descriptors of a message, and says it
         * truncated its control data, when we have no room for them. */
        return (n == sizeof *msg && !n_fds && mh.msg_flags & MSG_CTRUNC
                ? EMFILE : EPROTO);
    }
    return 0;
}

/* Sends DISCONNECT with 'reason' to the client, closes the connection and
 * records why. */
void
memif_server_disconnect(struct memif_server *s, const char *reason)
{
    struct memif_msg msg;

    if (s->state != MEMIF_SERVER_HANDSHAKE
        && s->state != MEMIF_SERVER_CONNECTED) {
        return;
    }
    memif_make_disconnect(&msg, reason);
    send_msg(s, &msg);
    close_connection(s);
    set_error(s, "disconnected client: %s", reason);
    s->n_rejected++;
    if (s->state == MEMIF_SERVER_HANDSHAKE) {
        memif_handshake_destroy(&s->hs);
        s->state = MEMIF_SERVER_LISTENING;
    } else {
        s->state = MEMIF_SERVER_DEAD;
    }
}

/* Maps a region that the client passed, after checking that it cannot
 * shrink under our feet (which would make any access raise SIGBUS) and
 * then that it really has the size claimed.  The seal comes first: the
 * size of a region that can still shrink means nothing. */
static const char *
map_region(int fd, uint64_t size, struct memif_region *r)
{
    struct stat st;
    int seals;
    void *p;

    seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
        return "Region must be a memfd sealed against shrinking";
    }
    if (fstat(fd, &st) || (uint64_t) st.st_size < size) {
        return "Region smaller than announced";
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        return "Cannot map region";
    }
    r->addr = p;
    r->size = size;
    return NULL;
}

/* Completes a handshake that reached CONNECT: maps the regions and locates
 * and checks the rings.  Returns NULL or the reason to disconnect. */
static const char *
connect_client(struct memif_server *s)
{
    struct memif_handshake *hs = &s->hs;
    struct memif_connection *c = &s->conn;
    const char *error;

    memcpy(c->client_name, hs->client_name, sizeof c->client_name);
    memcpy(c->client_if_name, hs->client_if_name, sizeof c->client_if_name);
    c->regions = xalloc_zeroed(hs->n_regions, sizeof *c->regions);
    c->n_regions = hs->n_regions;
    for (int i = 0; i < hs->n_regions; i++) {
        error = map_region(hs->regions[i].fd, hs->regions[i].size,
                           &c->regions[i]);
        if (error) {
            return error;
        }
        close(hs->regions[i].fd);
        hs->regions[i].fd = -1;
    }

    s->ring_fds = xalloc_zeroed(hs->n_c2s + hs->n_s2c, sizeof *s->ring_fds);
    c->c2s = xalloc_zeroed(hs->n_c2s, sizeof *c->c2s);
    c->s2c = xalloc_zeroed(hs->n_s2c, sizeof *c->s2c);
    for (int dir = 0; dir < 2; dir++) {
        struct memif_hs_ring *rings = dir ? hs->s2c : hs->c2s;
        struct memif_queue *queues = dir ? c->s2c : c->c2s;
        int n = dir ? hs->n_s2c : hs->n_c2s;

        for (int i = 0; i < n; i++) {
            struct memif_hs_ring *hr = &rings[i];
            struct memif_ring *ring = (struct memif_ring *)
                (c->regions[hr->region].addr + hr->offset);

            if (ring->cookie != MEMIF_COOKIE) {
                return "Wrong ring cookie";
            }
            s->ring_fds[s->n_ring_fds++] = hr->fd;
            memif_queue_init(&queues[i], ring, hr->log2_ring_size,
                             c->regions, c->n_regions, hr->fd);
            hr->fd = -1;
            ring->tail = 0;
            if (!dir) {
                /* The server polls: the client need not kick us. */
                ring->flags = MEMIF_RING_FLAG_MASK_INT;
            }
        }
        if (dir) {
            c->n_s2c = n;
        } else {
            c->n_c2s = n;
        }
    }
    c->log2_ring_size = hs->c2s[0].log2_ring_size;
    return NULL;
}

static bool
run_handshake(struct memif_server *s)
{
    if (monotonic_ms() >= s->hs_deadline) {
        memif_server_disconnect(s, "Handshake timed out");
        return false;
    }
    for (;;) {
        struct memif_msg msg, reply;
        int fd, error;

        error = recv_msg(s, &msg, &fd);
        if (error == EAGAIN) {
            return false;
        } else if (error) {
            memif_server_disconnect(s, (error == EOF
                                        ? "Client closed the connection"
                                        : error == EMFILE
                                        ? "Out of file descriptors"
                                        : "Invalid message size"));
            return false;
        }

        if (memif_handshake_input(&s->hs, &msg, fd, &reply)) {
            if (reply.type == MEMIF_MSG_TYPE_DISCONNECT) {
                memif_server_disconnect(s, s->hs.reason);
                return false;
            }
            if (send_msg(s, &reply)) {
                memif_server_disconnect(s, "Cannot send to client");
                return false;
            }
        } else if (s->hs.state == MEMIF_HS_FAILED) {
            memif_server_disconnect(s, s->hs.reason);
            return false;
        } else if (s->hs.state == MEMIF_HS_CONNECT) {
            const char *reason = connect_client(s);

            memif_handshake_destroy(&s->hs);
            if (!reason) {
                memif_make_connected(&reply, s->if_name);
                if (send_msg(s, &reply)) {
                    reason = "Cannot send to client";
                }
            }
            s->state = MEMIF_SERVER_CONNECTED;
            if (reason) {
                memif_server_disconnect(s, reason);
                return true;
            }
            s->last_error[0] = '\0';
            return true;
        }
    }
}

/* Checks a connected client: any message or end of connection ends it, as
 * does a fault that the data path found in its rings. */
static bool
run_connected(struct memif_server *s)
{
    struct memif_msg msg;
    int fd, error;

    for (int i = 0; i < s->conn.n_c2s + s->conn.n_s2c; i++) {
        struct memif_queue *q = i < s->conn.n_c2s
                                ? &s->conn.c2s[i]
                                : &s->conn.s2c[i - s->conn.n_c2s];
        const char *fault = memif_queue_fault(q);

        if (fault) {
            memif_server_disconnect(s, fault);
            return true;
        }
    }

    error = recv_msg(s, &msg, &fd);
    if (error == EAGAIN) {
        return false;
    }
    if (fd >= 0) {
        close(fd);
    }
    if (!error && msg.type == MEMIF_MSG_TYPE_DISCONNECT) {
        char reason[MEMIF_DISCONNECT_STRING_SIZE];

        memif_copy_name(reason, msg.disconnect.string, sizeof reason);
        close_connection(s);
        set_error(s, "client disconnected: %s", reason);
        s->state = MEMIF_SERVER_DEAD;
    } else if (error == EOF || error == ECONNRESET) {
        close_connection(s);
        set_error(s, "%s", "client closed the connection");
        s->state = MEMIF_SERVER_DEAD;
    } else {
        memif_server_disconnect(s, error ? "Invalid message size"
                                         : "Unexpected message");
    }
    return true;
}

/* Does the control-plane work that is due: accepts a client, advances its
 * handshake, notices its departure.  Returns true if the state changed in
 * a way that the owner must act on: the connection came up (call
 * memif_server_attach()) or went down (call memif_server_detach()). */
bool
memif_server_run(struct memif_server *s)
{
    switch (s->state) {
    case MEMIF_SERVER_LISTENING: {
        struct memif_msg hello;
        int fd;

        if (monotonic_ms() < s->accept_after) {
            return false;
        }
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                && errno != ECONNABORTED) {
                set_error(s, "cannot accept a client: %s",
                          strerror_r(errno, (char[64]) { 0 }, 64));
                s->n_rejected++;
                s->accept_after = monotonic_ms() + ACCEPT_RETRY_MS;
            }
            return false;
        }
        s->conn_fd = fd;
        s->state = MEMIF_SERVER_HANDSHAKE;
        s->hs_deadline = monotonic_ms() + HANDSHAKE_TIMEOUT_MS;
        memif_handshake_init(&s->hs, &s->limits);
        memif_handshake_hello(&s->hs, "ovs-ecp-rdma", &hello);
        if (send_msg(s, &hello)) {
            memif_server_disconnect(s, "Cannot send to client");
            return false;
        }
        return run_handshake(s);
    }
    case MEMIF_SERVER_HANDSHAKE:
        return run_handshake(s);
    case MEMIF_SERVER_CONNECTED:
        return run_connected(s);
    case MEMIF_SERVER_DEAD:
        return false;
    }
    return false;
}

/* Stores in 'fds' the file descriptors to wait on before calling
 * memif_server_run() again, and returns how many there are. */
int
memif_server_fds(const struct memif_server *s, int fds[2])
{
    switch (s->state) {
    case MEMIF_SERVER_LISTENING:
        if (monotonic_ms() < s->accept_after) {
            return 0;
        }
        fds[0] = s->listen_fd;
        return 1;
    case MEMIF_SERVER_HANDSHAKE:
    case MEMIF_SERVER_CONNECTED:
        fds[0] = s->conn_fd;
        return 1;
    case MEMIF_SERVER_DEAD:
        return 0;
    }
    return 0;
}

enum memif_server_state
memif_server_state(const struct memif_server *s)
{
    return s->state;
}

const char *
memif_server_state_to_string(enum memif_server_state state)
{
    switch (state) {
    case MEMIF_SERVER_LISTENING:
        return "disconnected";
    case MEMIF_SERVER_HANDSHAKE:
        return "connecting";
    case MEMIF_SERVER_CONNECTED:
        return "connected";
    case MEMIF_SERVER_DEAD:
        return "disconnecting";
    }
    return "unknown";
}

/* Returns the number of milliseconds after which memif_server_run() must be
 * called again even if none of its file descriptors is ready, or -1. */
long long int
memif_server_timeout(const struct memif_server *s)
{
    long long int left;

    if (s->state == MEMIF_SERVER_HANDSHAKE) {
        left = s->hs_deadline - monotonic_ms();
    } else if (s->state == MEMIF_SERVER_LISTENING && s->accept_after) {
        left = s->accept_after - monotonic_ms();
        if (left <= 0) {
            return -1;
        }
    } else {
        return -1;
    }
    return left > 0 ? left : 0;
}

/* Returns the connection of a connected client, for the data path. */
struct memif_connection *
memif_server_attach(struct memif_server *s)
{
    return s->state == MEMIF_SERVER_CONNECTED ? &s->conn : NULL;
}

/* Releases a connection that went down, once no data-path thread uses its
 * queues, and listens for the next client. */
void
memif_server_detach(struct memif_server *s)
{
    if (s->state == MEMIF_SERVER_DEAD) {
        release_connection(s);
        s->state = MEMIF_SERVER_LISTENING;
    }
}

/* Returns why the last client was refused or disconnected, or "". */
const char *
memif_server_last_error(const struct memif_server *s)
{
    return s->last_error;
}

uint64_t
memif_server_n_rejected(const struct memif_server *s)
{
    return s->n_rejected;
}
