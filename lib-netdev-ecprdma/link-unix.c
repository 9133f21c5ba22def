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

/* unix:PATH and punix:PATH links: a SOCK_SEQPACKET unix socket that
 * carries one Ethernet frame per message.
 *
 * unix:PATH connects to PATH and tries again from link_run(): at once
 * when it loses the connection, then after a delay that doubles from
 * BACKOFF_MIN_MS up to BACKOFF_MAX_MS.  punix:PATH listens on PATH and
 * accepts from link_run(), every ACCEPT_IDLE_MS while it has no peer and
 * every ACCEPT_PEER_MS while it has one (accept() allocates a socket
 * before it finds that nobody waits, which costs a busy caller more than
 * receiving does); a new peer replaces the current one.  It
 * creates its socket file with permissions for its owner only and removes
 * it when closed.  When it opens, it replaces a stale socket file, one
 * that refuses a connection, but not one that another server listens on
 * (that server sees the test connection come and go) nor any other kind of
 * file.  A PATH that starts with '@' is in the abstract namespace.
 *
 * A message of length zero is the end of the connection: Ethernet frames
 * are never empty. */

#define _GNU_SOURCE
#include "link-provider.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unix-socket.h"
#include "xalloc.h"

enum {
    BACKOFF_MIN_MS = 10,
    BACKOFF_MAX_MS = 1000,
    ACCEPT_IDLE_MS = 1,
    ACCEPT_PEER_MS = 100,
    SNDBUF_SIZE = 1 << 20,      /* Asked for; the kernel may give less. */
};

struct unix_link {
    struct link up;
    bool server;                /* punix:PATH? */
    char *path;
    struct sockaddr_un sun;
    socklen_t sun_len;
    int listen_fd;              /* punix only, otherwise -1. */
    bool bound;                 /* Whether 'listen_fd' made a file. */
    int fd;                     /* The connection, or -1. */
    bool ever_connected;

    /* unix:PATH: when to try to connect next, and the delay after that if
     * it fails.  punix:PATH: when to accept next. */
    long long int next_connect;
    int backoff;

    /* Receive buffers, LINK_BATCH of up.max_frame_len octets each. */
    uint8_t *bufs;
    struct iovec iovs[LINK_BATCH];
    struct mmsghdr msgs[LINK_BATCH];
};

static struct unix_link *
unix_link_cast(const struct link *link)
{
    return LINK_CAST(struct unix_link, link);
}

static void
set_sndbuf(int fd)
{
    int size = SNDBUF_SIZE;

    /* Best effort: the default is smaller but works. */
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

/* Makes 'fd' the connection. */
static void
attach(struct unix_link *ul, int fd)
{
    if (ul->fd >= 0) {
        close(ul->fd);
    }
    set_sndbuf(fd);
    ul->fd = fd;
    if (ul->ever_connected) {
        ul->up.stats.reconnects++;
    }
    ul->ever_connected = true;
    ul->backoff = BACKOFF_MIN_MS;
}

/* Drops the connection.  A client tries again at the next link_run(). */
static void
detach(struct unix_link *ul)
{
    if (ul->fd >= 0) {
        close(ul->fd);
        ul->fd = -1;
    }
    ul->next_connect = link_time_msec();
    ul->backoff = BACKOFF_MIN_MS;
}

static void
try_connect(struct unix_link *ul)
{
    int fd = unix_socket_create();

    if (fd >= 0 && !connect(fd, (struct sockaddr *) &ul->sun, ul->sun_len)) {
        attach(ul, fd);
        return;
    }
    if (fd >= 0) {
        close(fd);
    }
    ul->next_connect = link_time_msec() + ul->backoff;
    ul->backoff = ul->backoff * 2 < BACKOFF_MAX_MS ? ul->backoff * 2
                                                    : BACKOFF_MAX_MS;
}

/* Removes the socket file at 'path' if no one listens on it any more.
 * Returns false if someone does. */
static bool
remove_stale_socket(const struct unix_link *ul)
{
    struct stat st;
    bool in_use;
    int fd;

    if (unix_socket_is_abstract(ul->path) || lstat(ul->path, &st)
        || !S_ISSOCK(st.st_mode)) {
        return true;
    }
    fd = unix_socket_create();
    if (fd < 0) {
        return true;
    }
    in_use = (!connect(fd, (struct sockaddr *) &ul->sun, ul->sun_len)
              || errno == EAGAIN);
    if (!in_use && errno == ECONNREFUSED) {
        unlink(ul->path);
    }
    close(fd);
    return !in_use;
}

static int
start_listening(struct unix_link *ul, char **errorp)
{
    const char *name = ul->up.name;
    char buf[64];
    int error;

    if (!remove_stale_socket(ul)) {
        *errorp = xalloc_printf("%s: already in use by a listening server",
                                name);
        return EADDRINUSE;
    }
    ul->listen_fd = unix_socket_create();
    if (ul->listen_fd < 0) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot create socket (%s)", name,
                                link_strerror(error, buf, sizeof buf));
        return error;
    }
    error = unix_socket_listen(ul->listen_fd, ul->path, &ul->sun,
                               ul->sun_len, 8, &ul->bound);
    if (error) {
        *errorp = xalloc_printf("%s: cannot listen (%s)", name,
                                link_strerror(error, buf, sizeof buf));
    }
    return error;
}

static void
unix_link_free(struct unix_link *ul)
{
    if (ul->fd >= 0) {
        close(ul->fd);
    }
    if (ul->listen_fd >= 0) {
        close(ul->listen_fd);
    }
    if (ul->bound) {
        unlink(ul->path);
    }
    free(ul->bufs);
    free(ul->path);
    link_uninit(&ul->up);
    free(ul);
}

static int
unix_link_open(bool server, const char *name, const char *path, int mtu,
               struct link **linkp, char **errorp)
{
    struct unix_link *ul;
    uint8_t mac[6];
    int error;

    if (!path[0]) {
        *errorp = xalloc_printf("%s missing socket path",
                                server ? "punix:" : "unix:");
        return EINVAL;
    }

    ul = xalloc_zeroed(1, sizeof *ul);
    link_random_mac(mac);
    link_init(&ul->up, server ? &link_punix_class : &link_unix_class, name,
              mtu ? mtu : LINK_DEFAULT_MTU, mac);
    ul->server = server;
    ul->path = xalloc_strdup(path);
    ul->listen_fd = -1;
    ul->fd = -1;
    ul->backoff = BACKOFF_MIN_MS;

    ul->sun_len = unix_socket_address(path, &ul->sun);
    if (!ul->sun_len) {
        *errorp = xalloc_printf("%s: socket path too long (at most %zu "
                                "octets)", name, sizeof ul->sun.sun_path - 1);
        unix_link_free(ul);
        return ENAMETOOLONG;
    }

    ul->bufs = xalloc(LINK_BATCH * ul->up.max_frame_len);
    for (int i = 0; i < LINK_BATCH; i++) {
        ul->iovs[i].iov_base = ul->bufs + i * ul->up.max_frame_len;
        ul->iovs[i].iov_len = ul->up.max_frame_len;
        ul->msgs[i].msg_hdr.msg_iov = &ul->iovs[i];
        ul->msgs[i].msg_hdr.msg_iovlen = 1;
    }

    if (server) {
        error = start_listening(ul, errorp);
        if (error) {
            unix_link_free(ul);
            return error;
        }
    } else {
        try_connect(ul);
    }
    *linkp = &ul->up;
    return 0;
}

static int
unix_open(const char *name, const char *path, int mtu, struct link **linkp,
          char **errorp)
{
    return unix_link_open(false, name, path, mtu, linkp, errorp);
}

static int
punix_open(const char *name, const char *path, int mtu, struct link **linkp,
           char **errorp)
{
    return unix_link_open(true, name, path, mtu, linkp, errorp);
}

static void
unix_close(struct link *link)
{
    unix_link_free(unix_link_cast(link));
}

static void
unix_run(struct link *link)
{
    struct unix_link *ul = unix_link_cast(link);

    if (ul->server) {
        long long int now = link_time_msec();
        int fd;

        if (now < ul->next_connect) {
            return;
        }
        /* The last of the waiting peers wins. */
        while ((fd = accept4(ul->listen_fd, NULL, NULL,
                             SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
            attach(ul, fd);
        }
        ul->next_connect = now + (ul->fd >= 0 ? ACCEPT_PEER_MS
                                               : ACCEPT_IDLE_MS);
    } else if (ul->fd < 0 && link_time_msec() >= ul->next_connect) {
        try_connect(ul);
    }
}

static bool
unix_is_up(const struct link *link)
{
    return unix_link_cast(link)->fd >= 0;
}

static int
unix_fd(const struct link *link)
{
    const struct unix_link *ul = unix_link_cast(link);

    return ul->fd >= 0 ? ul->fd : ul->listen_fd;
}

static int
unix_recv(struct link *link, struct link_frame frames[], int max)
{
    struct unix_link *ul = unix_link_cast(link);
    int n_msgs, n = 0;

    if (ul->fd < 0) {
        return 0;
    }
    n_msgs = recvmmsg(ul->fd, ul->msgs, max < LINK_BATCH ? max : LINK_BATCH,
                      MSG_DONTWAIT, NULL);
    if (n_msgs < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            detach(ul);
        }
        return 0;
    }
    for (int i = 0; i < n_msgs; i++) {
        const struct mmsghdr *msg = &ul->msgs[i];

        if (!msg->msg_len) {
            detach(ul);
            break;
        } else if (msg->msg_hdr.msg_flags & MSG_TRUNC
                   || msg->msg_len < LINK_ETH_HEADER_LEN) {
            link->stats.rx_errors++;
        } else {
            frames[n].data = ul->iovs[i].iov_base;
            frames[n].len = msg->msg_len;
            n++;
        }
    }
    return n;
}

static int
unix_send(struct link *link, const struct link_frame frames[], int n)
{
    struct unix_link *ul = unix_link_cast(link);
    int i = 0;

    while (i < n && ul->fd >= 0) {
        int error;

        i += link_sendmmsg(link, ul->fd, &frames[i], n - i, MSG_NOSIGNAL,
                           &error);
        if (!error || link_error_is_transient(error)) {
            break;
        } else if (error == EPIPE || error == ECONNRESET
                   || error == ENOTCONN || error == ECONNREFUSED) {
            detach(ul);
        } else {
            /* This frame cannot be sent. */
            link->stats.tx_errors++;
            i++;
        }
    }
    return i;
}

/* The client and the server differ only in how they open. */
#define UNIX_LINK_CLASS(TYPE, OPEN)             \
    {                                           \
        .type = TYPE,                           \
        .open = OPEN,                           \
        .close = unix_close,                    \
        .run = unix_run,                        \
        .is_up = unix_is_up,                    \
        .fd = unix_fd,                          \
        .recv = unix_recv,                      \
        .send = unix_send,                      \
    }

const struct link_class link_unix_class = UNIX_LINK_CLASS("unix", unix_open);
const struct link_class link_punix_class = UNIX_LINK_CLASS("punix",
                                                           punix_open);
