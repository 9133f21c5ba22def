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

/* The memif 2.0 client of ecp-rdma-vm: connection, handshake, shared
 * memory, and the data path on both kinds of rings. */

#define _GNU_SOURCE 1

#include "ecp-rdma-vm-memif.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ecprdma-clock.h"
#include "memif-handshake.h"
#include "memif-proto.h"
#include "unix-socket.h"
#include "xalloc.h"

/* Name sent in INIT as the client application's name. */
#define APP_NAME "ecp-rdma-vm"

/* Interface name sent in CONNECT. */
#define IF_NAME "ecp-rdma-vm"

/* Milliseconds between two connection attempts. */
#define CONNECT_RETRY_MS 100

/* Shortest time allowed for each handshake reply, in milliseconds. */
#define HANDSHAKE_MIN_MS 5000

/* Buffers start on this boundary in a single-region layout. */
#define BUFFER_ALIGN 64

/* One region of shared memory: a memfd mapped into this process. */
struct memif_client_region {
    int fd;
    uint8_t *addr;
    uint64_t size;
};

/* One ring, C2S or S2C, and what the client keeps about it. */
struct memif_client_ring {
    struct memif_ring *ring;    /* In region 0. */
    uint32_t ring_offset;       /* Offset of 'ring' in region 0. */
    int efd;                    /* Interrupt eventfd. */
    uint8_t *buffers;           /* Buffer of slot 0; slot j is j buffers on. */
    uint16_t buf_region;        /* Region of the buffers. */
    uint32_t buf_offset;        /* Offset of slot 0's buffer in it. */
    uint16_t head;              /* Last value stored in ring->head. */
    uint16_t last;              /* S2C: first slot not yet consumed. */
    uint16_t rx_end;            /* S2C: end of what rx handed out. */
    uint8_t *scratch;           /* S2C: reassembly buffers, or NULL. */
};

/* A connected memif client. */
struct memif_client {
    int sock;                   /* Control channel. */
    char *socket_name;          /* For messages. */
    bool verbose;
    const volatile sig_atomic_t *stop; /* Abandons waits when nonzero. */
    int reply_ms;               /* How long to wait for each reply. */

    unsigned int log2_ring_size;
    uint16_t ring_size;
    uint32_t buffer_size;

    struct memif_client_region regions[2];
    unsigned int n_regions;

    struct memif_client_ring *c2s;
    unsigned int n_c2s;
    struct memif_client_ring *s2c;
    unsigned int n_s2c;

    struct pollfd *pollfds;     /* Control socket, then the S2C eventfds. */

    char server_name[MEMIF_NAME_SIZE + 1];    /* From HELLO. */
    char server_if_name[MEMIF_NAME_SIZE + 1]; /* From CONNECTED. */

    bool failed;                /* The connection is unusable. */
    char error[256];            /* Why, if 'failed'. */

    struct memif_client_stats stats;
};

/* Returns the description of errno value 'error', in 'buf' or static
 * storage. */
static const char *
errno_string(int error, char *buf, size_t size)
{
    return strerror_r(error, buf, size);
}

/* Returns the current time on the monotonic clock, in milliseconds. */
static long long int
now_ms(void)
{
    return ecprdma_clock_ns() / 1000000;
}

/* Waits for 'ms' milliseconds, or less if a signal arrives. */
static void
pause_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Copies a name field of 'size' bytes, which may lack a terminating NUL,
 * into 'dst' (of 'size' + 1 bytes), replacing unprintable bytes by '?'. */
static void
copy_name(char *dst, const uint8_t *src, size_t size)
{
    size_t i;

    for (i = 0; i < size && src[i]; i++) {
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    }
    dst[i] = '\0';
}

/* Logs a handshake step on stderr if verbose. */
static void __attribute__((format(printf, 2, 3)))
trace(const struct memif_client *mc, const char *format, ...)
{
    va_list args;

    if (!mc->verbose) {
        return;
    }
    va_start(args, format);
    fputs(APP_NAME ": ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

/* Marks the connection as failed, with an error message that names the
 * socket, unless it failed already. */
static void __attribute__((format(printf, 2, 3)))
fail(struct memif_client *mc, const char *format, ...)
{
    va_list args;
    char msg[200];

    if (mc->failed) {
        return;
    }
    va_start(args, format);
    vsnprintf(msg, sizeof msg, format, args);
    va_end(args);
    snprintf(mc->error, sizeof mc->error, "%s: %s", mc->socket_name, msg);
    mc->failed = true;
}

/* Connects 'mc->sock' to the socket named in 'cfg', retrying while the
 * socket does not exist or refuses connections until the connect timeout
 * expires.  Returns true if successful, otherwise false with an error in
 * 'mc'. */
static bool
connect_socket(struct memif_client *mc,
               const struct memif_client_config *cfg)
{
    long long int deadline = now_ms() + cfg->connect_timeout * 1000;
    struct sockaddr_un sun;
    socklen_t len;
    char buf[128];
    int error;

    len = unix_socket_address(cfg->socket, &sun);
    if (!len) {
        fail(mc, "socket name too long");
        return false;
    }
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        if (fd < 0) {
            fail(mc, "socket: %s", errno_string(errno, buf, sizeof buf));
            return false;
        }
        if (!connect(fd, (struct sockaddr *) &sun, len)) {
            mc->sock = fd;
            trace(mc, "%s: connected", mc->socket_name);
            return true;
        }
        error = errno;
        close(fd);
        if ((error != ENOENT && error != ECONNREFUSED && error != EAGAIN)
            || now_ms() >= deadline || (cfg->stop && *cfg->stop)) {
            break;
        }
        pause_ms(CONNECT_RETRY_MS);
    }
    if (error == ENOENT) {
        fail(mc, "no such socket");
    } else if (error == ECONNREFUSED) {
        fail(mc, "connection refused");
    } else {
        fail(mc, "%s", errno_string(error, buf, sizeof buf));
    }
    return false;
}

/* Sends 'msg' on the control channel, with file descriptor 'fd' attached
 * unless it is negative.  Returns true if successful, otherwise false with
 * an error in 'mc'. */
static bool
send_msg(struct memif_client *mc, const struct memif_msg *msg, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { (void *) msg, sizeof *msg };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    char buf[128];
    ssize_t n;

    if (fd >= 0) {
        struct cmsghdr *cmsg;

        memset(&control, 0, sizeof control);
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof control.buf;
        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    }
    do {
        n = sendmsg(mc->sock, &mh, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n != sizeof *msg) {
        fail(mc, "sending message type %u: %s", msg->type,
             n < 0 ? errno_string(errno, buf, sizeof buf) : "short write");
        return false;
    }
    return true;
}

/* Sends DISCONNECT with 'reason', ignoring errors. */
static void
send_disconnect(struct memif_client *mc, const char *reason)
{
    struct memif_msg msg;

    memif_make_disconnect(&msg, reason);
    if (!mc->failed) {
        send_msg(mc, &msg, -1);
    }
}

/* Receives one message from the control channel into 'msg', without
 * waiting if 'dontwait'.  Closes any file descriptor the server passed.
 * Returns 1 if a message was received, 0 if 'dontwait' and none was ready,
 * -1 on EOF or error (with an error in 'mc').  A DISCONNECT is an error
 * whose message carries the server's reason. */
static int
read_msg(struct memif_client *mc, struct memif_msg *msg, bool dontwait)
{
    union {
        char buf[CMSG_SPACE(4 * sizeof(int)) + CMSG_SPACE(64)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { msg, sizeof *msg };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof control.buf,
    };
    struct cmsghdr *cmsg;
    char buf[128];
    ssize_t n;

    do {
        n = recvmsg(mc->sock, &mh,
                    MSG_CMSG_CLOEXEC | (dontwait ? MSG_DONTWAIT : 0));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (dontwait && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        fail(mc, "control channel: %s", errno_string(errno, buf, sizeof buf));
        return -1;
    }
    for (cmsg = CMSG_FIRSTHDR(&mh); cmsg; cmsg = CMSG_NXTHDR(&mh, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET
            && cmsg->cmsg_type == SCM_RIGHTS) {
            size_t n_fds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            size_t i;

            for (i = 0; i < n_fds; i++) {
                int fd;

                memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof fd, sizeof fd);
                close(fd);
            }
        }
    }
    if (n == 0) {
        fail(mc, "connection closed by server");
        return -1;
    }
    if (n != sizeof *msg) {
        send_disconnect(mc, "Invalid message size");
        fail(mc, "invalid message size %zd from server", n);
        return -1;
    }
    if (msg->type == MEMIF_MSG_TYPE_DISCONNECT) {
        char reason[MEMIF_DISCONNECT_STRING_SIZE + 1];

        copy_name(reason, msg->disconnect.string,
                  sizeof msg->disconnect.string);
        fail(mc, "disconnected by server: %s", reason);
        return -1;
    }
    return 1;
}

/* Waits up to 'mc->reply_ms' for a message of type 'type', described as
 * 'what' in errors, and receives it into 'msg'.  Returns true if
 * successful, otherwise false with an error in 'mc'. */
static bool
expect_msg(struct memif_client *mc, struct memif_msg *msg, uint16_t type,
           const char *what)
{
    const volatile sig_atomic_t *stop = mc->stop;
    long long int deadline = now_ms() + mc->reply_ms;

    for (;;) {
        struct pollfd pfd = { mc->sock, POLLIN, 0 };
        long long int left = deadline - now_ms();
        int retval;

        if (stop && *stop) {
            fail(mc, "interrupted while waiting for %s", what);
            return false;
        }
        if (left <= 0) {
            fail(mc, "timed out waiting for %s from server", what);
            return false;
        }
        retval = poll(&pfd, 1, left);
        if (retval > 0) {
            break;
        } else if (retval < 0 && errno != EINTR) {
            char buf[128];

            fail(mc, "poll: %s", errno_string(errno, buf, sizeof buf));
            return false;
        }
    }
    if (read_msg(mc, msg, false) < 0) {
        return false;
    }
    if (msg->type != type) {
        send_disconnect(mc, "Unexpected message");
        fail(mc, "expected %s from server, received message type %u",
             what, msg->type);
        return false;
    }
    return true;
}

/* Sends 'msg', with file descriptor 'fd' attached unless it is negative,
 * then waits for the reply of type 'type', described as 'what' in errors,
 * and receives it into 'msg'.  Returns true if successful, otherwise false
 * with an error in 'mc'. */
static bool
exchange(struct memif_client *mc, struct memif_msg *msg, int fd,
         uint16_t type, const char *what)
{
    return send_msg(mc, msg, fd) && expect_msg(mc, msg, type, what);
}

/* Creates region 'index' of 'size' bytes: a sealed memfd mapped shared.
 * Returns true if successful, otherwise false with an error in 'mc'. */
static bool
create_region(struct memif_client *mc, unsigned int index, uint64_t size)
{
    struct memif_client_region *r = &mc->regions[index];
    char name[32];
    char buf[128];

    snprintf(name, sizeof name, "memif region %u", index);
    r->fd = memfd_create(name, MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (r->fd < 0) {
        fail(mc, "memfd_create: %s", errno_string(errno, buf, sizeof buf));
        return false;
    }
    if (fcntl(r->fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0
        || ftruncate(r->fd, size) < 0) {
        fail(mc, "sizing region %u (%"PRIu64" bytes): %s", index, size,
             errno_string(errno, buf, sizeof buf));
        return false;
    }
    r->addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (r->addr == MAP_FAILED) {
        r->addr = NULL;
        fail(mc, "mmap of region %u (%"PRIu64" bytes): %s", index, size,
             errno_string(errno, buf, sizeof buf));
        return false;
    }
    r->size = size;
    mc->n_regions = index + 1;
    return true;
}

/* Allocates the regions, rings and eventfds for 'mc->n_c2s' C2S and
 * 'mc->n_s2c' S2C rings, laid out as DPDK's copy mode does (one region:
 * all C2S rings, all S2C rings, then every ring's buffers in the same
 * order) or as libmemif does (two regions: the rings, then the buffers).
 * Returns true if successful, otherwise false with an error in 'mc'. */
static bool
create_rings(struct memif_client *mc, unsigned int n_regions)
{
    unsigned int n_rings = mc->n_c2s + mc->n_s2c;
    uint64_t ring_bytes = memif_ring_bytes(mc->log2_ring_size);
    uint64_t rings_size = ring_bytes * n_rings;
    uint64_t bufs_size = (uint64_t) mc->buffer_size * mc->ring_size * n_rings;
    uint64_t buf_base;
    uint16_t buf_region;
    unsigned int g;

    if (n_regions == 1) {
        buf_base = (rings_size + BUFFER_ALIGN - 1) & ~(uint64_t) (BUFFER_ALIGN
                                                                  - 1);
        buf_region = 0;
    } else {
        buf_base = 0;
        buf_region = 1;
    }
    if (buf_base + bufs_size > UINT32_MAX) {
        fail(mc, "%"PRIu64" bytes of buffers do not fit in 4 GiB",
             bufs_size);
        return false;
    }
    if (n_regions == 1) {
        if (!create_region(mc, 0, buf_base + bufs_size)) {
            return false;
        }
    } else if (!create_region(mc, 0, rings_size)
               || !create_region(mc, 1, bufs_size)) {
        return false;
    }

    mc->c2s = xalloc_zeroed(mc->n_c2s, sizeof *mc->c2s);
    mc->s2c = xalloc_zeroed(mc->n_s2c, sizeof *mc->s2c);
    for (g = 0; g < mc->n_c2s; g++) {
        mc->c2s[g].efd = -1;
    }
    for (g = 0; g < mc->n_s2c; g++) {
        mc->s2c[g].efd = -1;
    }
    for (g = 0; g < n_rings; g++) {
        struct memif_client_ring *r = (g < mc->n_c2s
                                       ? &mc->c2s[g]
                                       : &mc->s2c[g - mc->n_c2s]);
        unsigned int j;

        r->ring_offset = g * ring_bytes;
        r->ring = (struct memif_ring *) (mc->regions[0].addr
                                         + r->ring_offset);
        r->buf_region = buf_region;
        r->buf_offset = buf_base
                        + (uint64_t) g * mc->ring_size * mc->buffer_size;
        r->buffers = mc->regions[buf_region].addr + r->buf_offset;
        r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (r->efd < 0) {
            char buf[128];

            fail(mc, "eventfd: %s", errno_string(errno, buf, sizeof buf));
            return false;
        }

        r->ring->cookie = MEMIF_COOKIE;
        r->ring->flags = 0;
        r->ring->head = 0;
        r->ring->tail = 0;
        for (j = 0; j < mc->ring_size; j++) {
            struct memif_desc *d = &r->ring->desc[j];

            d->flags = 0;
            d->region = buf_region;
            d->length = mc->buffer_size;
            d->offset = r->buf_offset + j * mc->buffer_size;
            d->metadata = 0;
        }
    }
    return true;
}

/* Sizes the rings as 'cfg' asks, within the limits that the server gave
 * in 'hello' and 'max_log2', and says on stderr where it had to give
 * less. */
static void
size_rings(struct memif_client *mc, const struct memif_client_config *cfg,
           const struct memif_msg_hello *hello, unsigned int max_log2)
{
    mc->log2_ring_size = (cfg->log2_ring_size < max_log2
                          ? cfg->log2_ring_size : max_log2);
    mc->ring_size = 1u << mc->log2_ring_size;
    mc->buffer_size = cfg->buffer_size;
    mc->n_c2s = (cfg->n_queues < hello->max_c2s_ring + 1u
                 ? cfg->n_queues : hello->max_c2s_ring + 1u);
    mc->n_s2c = (cfg->n_queues < hello->max_s2c_ring + 1u
                 ? cfg->n_queues : hello->max_s2c_ring + 1u);
    if (mc->n_c2s < cfg->n_queues || mc->n_s2c < cfg->n_queues) {
        fprintf(stderr, APP_NAME ": %s: server accepts only %u C2S and %u "
                "S2C rings\n", mc->socket_name, mc->n_c2s, mc->n_s2c);
    }
    if (mc->log2_ring_size < cfg->log2_ring_size) {
        fprintf(stderr, APP_NAME ": %s: server limits rings to %u slots\n",
                mc->socket_name, mc->ring_size);
    }
}

/* Receives HELLO, checks the server's version and limits against 'cfg',
 * sizes the rings within them and creates the shared memory.  Returns true
 * if successful, otherwise false with an error in 'mc'. */
static bool
receive_hello(struct memif_client *mc, const struct memif_client_config *cfg)
{
    const struct memif_msg_hello *hello;
    struct memif_msg msg;
    unsigned int max_log2;

    if (!expect_msg(mc, &msg, MEMIF_MSG_TYPE_HELLO, "HELLO")) {
        return false;
    }
    hello = &msg.hello;
    copy_name(mc->server_name, hello->name, sizeof hello->name);
    trace(mc, "<- HELLO name='%s' version=%#06x..%#06x max_region=%u "
          "max_c2s_ring=%u max_s2c_ring=%u max_log2_ring_size=%u",
          mc->server_name, hello->min_version, hello->max_version,
          hello->max_region, hello->max_c2s_ring, hello->max_s2c_ring,
          hello->max_log2_ring_size);
    if (hello->min_version > MEMIF_VERSION
        || hello->max_version < MEMIF_VERSION) {
        send_disconnect(mc, "Incompatible memif version");
        fail(mc, "server speaks memif versions %#06x to %#06x, not %#06x",
             hello->min_version, hello->max_version, MEMIF_VERSION);
        return false;
    }
    max_log2 = hello->max_log2_ring_size;
    if (max_log2 > MEMIF_MAX_LOG2_RING_SIZE) {
        max_log2 = MEMIF_MAX_LOG2_RING_SIZE;
    }
    if (max_log2 < 1) {
        send_disconnect(mc, "Ring size too small");
        fail(mc, "server allows rings of at most %u slots", 1u << max_log2);
        return false;
    }
    if (cfg->n_regions - 1 > hello->max_region) {
        send_disconnect(mc, "Too many regions");
        fail(mc, "server accepts at most %u regions",
             hello->max_region + 1u);
        return false;
    }
    size_rings(mc, cfg, hello, max_log2);
    if (!create_rings(mc, cfg->n_regions)) {
        send_disconnect(mc, "Client out of resources");
        return false;
    }
    return true;
}

/* Sends INIT and waits for its ACK.  Returns true if successful, otherwise
 * false with an error in 'mc'. */
static bool
send_init(struct memif_client *mc, const struct memif_client_config *cfg)
{
    struct memif_msg msg;

    memset(&msg, 0, sizeof msg);
    msg.type = MEMIF_MSG_TYPE_INIT;
    msg.init.version = MEMIF_VERSION;
    msg.init.id = cfg->id;
    msg.init.mode = MEMIF_INTERFACE_MODE_ETHERNET;
    memif_put_name(msg.init.secret, cfg->secret ? cfg->secret : "",
                   sizeof msg.init.secret);
    memif_put_name(msg.init.name, APP_NAME, sizeof msg.init.name);
    trace(mc, "-> INIT id=%"PRIu32" secret=%s", cfg->id,
          cfg->secret && cfg->secret[0] ? "yes" : "no");
    return exchange(mc, &msg, -1, MEMIF_MSG_TYPE_ACK, "ACK of INIT");
}

/* Sends ADD_REGION for every region, in index order, each with its memfd,
 * and waits for each ACK.  Returns true if successful, otherwise false
 * with an error in 'mc'. */
static bool
add_regions(struct memif_client *mc)
{
    for (unsigned int i = 0; i < mc->n_regions; i++) {
        struct memif_msg msg;

        memset(&msg, 0, sizeof msg);
        msg.type = MEMIF_MSG_TYPE_ADD_REGION;
        msg.add_region.index = i;
        msg.add_region.size = mc->regions[i].size;
        trace(mc, "-> ADD_REGION index=%u size=%"PRIu64, i,
              mc->regions[i].size);
        if (!exchange(mc, &msg, mc->regions[i].fd, MEMIF_MSG_TYPE_ACK,
                      "ACK of ADD_REGION")) {
            return false;
        }
    }
    return true;
}

/* Sends ADD_RING for every C2S ring, then every S2C ring, each with its
 * eventfd, and waits for each ACK.  Returns true if successful, otherwise
 * false with an error in 'mc'. */
static bool
add_rings(struct memif_client *mc)
{
    for (unsigned int i = 0; i < mc->n_c2s + mc->n_s2c; i++) {
        bool c2s = i < mc->n_c2s;
        unsigned int index = c2s ? i : i - mc->n_c2s;
        const struct memif_client_ring *r = (c2s ? &mc->c2s[index]
                                             : &mc->s2c[index]);
        struct memif_msg msg;

        memset(&msg, 0, sizeof msg);
        msg.type = MEMIF_MSG_TYPE_ADD_RING;
        msg.add_ring.flags = c2s ? MEMIF_MSG_ADD_RING_FLAG_C2S : 0;
        msg.add_ring.index = index;
        msg.add_ring.region = 0;
        msg.add_ring.offset = r->ring_offset;
        msg.add_ring.log2_ring_size = mc->log2_ring_size;
        msg.add_ring.private_hdr_size = 0;
        trace(mc, "-> ADD_RING %s index=%u offset=%"PRIu32" log2=%u",
              c2s ? "C2S" : "S2C", index, r->ring_offset,
              mc->log2_ring_size);
        if (!exchange(mc, &msg, r->efd, MEMIF_MSG_TYPE_ACK,
                      "ACK of ADD_RING")) {
            return false;
        }
    }
    return true;
}

/* Sends CONNECT and waits for CONNECTED.  Returns true if successful,
 * otherwise false with an error in 'mc'. */
static bool
send_connect(struct memif_client *mc)
{
    struct memif_msg msg;

    memset(&msg, 0, sizeof msg);
    msg.type = MEMIF_MSG_TYPE_CONNECT;
    memif_put_name(msg.connect.if_name, IF_NAME,
                   sizeof msg.connect.if_name);
    trace(mc, "-> CONNECT if_name='%s'", IF_NAME);
    if (!exchange(mc, &msg, -1, MEMIF_MSG_TYPE_CONNECTED, "CONNECTED")) {
        return false;
    }
    copy_name(mc->server_if_name, msg.connected.if_name,
              sizeof msg.connected.if_name);
    trace(mc, "<- CONNECTED if_name='%s'", mc->server_if_name);
    return true;
}

/* Runs the client side of the handshake, from HELLO to CONNECTED, creating
 * the shared memory along the way.  Returns true if successful, otherwise
 * false with an error in 'mc'. */
static bool
handshake(struct memif_client *mc, const struct memif_client_config *cfg)
{
    mc->stop = cfg->stop;
    mc->reply_ms = cfg->connect_timeout * 1000;
    if (mc->reply_ms < HANDSHAKE_MIN_MS) {
        mc->reply_ms = HANDSHAKE_MIN_MS;
    }
    return (receive_hello(mc, cfg)
            && send_init(mc, cfg)
            && add_regions(mc)
            && add_rings(mc)
            && send_connect(mc));
}

/* Sets or clears MASK_INT on every S2C ring: set, the server does not
 * signal the ring's eventfd. */
static void
mask_interrupts(struct memif_client *mc, bool mask)
{
    unsigned int i;

    for (i = 0; i < mc->n_s2c; i++) {
        __atomic_store_n(&mc->s2c[i].ring->flags,
                         mask ? MEMIF_RING_FLAG_MASK_INT : 0,
                         __ATOMIC_RELAXED);
    }
}

/* Prepares the rings for traffic once connected: resets the indexes, masks
 * the S2C interrupts (the client runs; in interrupt mode it unmasks them
 * only to sleep), and posts every S2C buffer. */
static void
start_rings(struct memif_client *mc)
{
    unsigned int i;

    for (i = 0; i < mc->n_c2s; i++) {
        struct memif_client_ring *r = &mc->c2s[i];

        r->ring->tail = 0;
        __atomic_store_n(&r->ring->head, 0, __ATOMIC_RELEASE);
        r->head = 0;
    }
    for (i = 0; i < mc->n_s2c; i++) {
        struct memif_client_ring *r = &mc->s2c[i];

        r->ring->flags = MEMIF_RING_FLAG_MASK_INT;
        r->ring->tail = 0;
        r->last = r->rx_end = 0;
        r->head = mc->ring_size;
        __atomic_store_n(&r->ring->head, r->head, __ATOMIC_RELEASE);
    }
}

/* Connects to the memif server named in 'cfg' and runs the handshake.
 * Returns the connected client, or NULL with an error message, which the
 * caller must free, in '*errorp'. */
struct memif_client *
memif_client_connect(const struct memif_client_config *cfg, char **errorp)
{
    struct memif_client *mc = xalloc_zeroed(1, sizeof *mc);
    unsigned int i;

    mc->sock = -1;
    mc->socket_name = xalloc_strdup(cfg->socket);
    mc->verbose = cfg->verbose;
    for (i = 0; i < 2; i++) {
        mc->regions[i].fd = -1;
    }

    if (!connect_socket(mc, cfg) || !handshake(mc, cfg)) {
        *errorp = xalloc_strdup(mc->error);
        memif_client_destroy(mc);
        return NULL;
    }
    start_rings(mc);

    mc->pollfds = xalloc_zeroed(1 + mc->n_s2c, sizeof *mc->pollfds);
    mc->pollfds[0].fd = mc->sock;
    mc->pollfds[0].events = POLLIN;
    for (i = 0; i < mc->n_s2c; i++) {
        mc->pollfds[1 + i].fd = mc->s2c[i].efd;
        mc->pollfds[1 + i].events = POLLIN;
    }
    *errorp = NULL;
    return mc;
}

/* Closes the rings of array 'rings' of 'n' and frees the array. */
static void
destroy_rings(struct memif_client_ring *rings, unsigned int n)
{
    unsigned int i;

    for (i = 0; rings && i < n; i++) {
        if (rings[i].efd >= 0) {
            close(rings[i].efd);
        }
        free(rings[i].scratch);
    }
    free(rings);
}

/* Disconnects 'mc', if it is connected, and frees everything it holds. */
void
memif_client_destroy(struct memif_client *mc)
{
    unsigned int i;

    if (!mc) {
        return;
    }
    if (mc->sock >= 0) {
        close(mc->sock);
    }
    destroy_rings(mc->c2s, mc->n_c2s);
    destroy_rings(mc->s2c, mc->n_s2c);
    for (i = 0; i < 2; i++) {
        if (mc->regions[i].addr) {
            munmap(mc->regions[i].addr, mc->regions[i].size);
        }
        if (mc->regions[i].fd >= 0) {
            close(mc->regions[i].fd);
        }
    }
    free(mc->pollfds);
    free(mc->socket_name);
    free(mc);
}

/* Returns the number of C2S rings the server accepted. */
unsigned int
memif_client_n_c2s(const struct memif_client *mc)
{
    return mc->n_c2s;
}

/* Returns the number of S2C rings the server accepted. */
unsigned int
memif_client_n_s2c(const struct memif_client *mc)
{
    return mc->n_s2c;
}

/* Returns the number of slots in each ring. */
unsigned int
memif_client_ring_size(const struct memif_client *mc)
{
    return mc->ring_size;
}

/* Returns the size of each buffer, in bytes. */
uint32_t
memif_client_buffer_size(const struct memif_client *mc)
{
    return mc->buffer_size;
}

/* Returns the application name the server sent in HELLO. */
const char *
memif_client_server_name(const struct memif_client *mc)
{
    return mc->server_name;
}

/* Returns the interface name the server sent in CONNECTED. */
const char *
memif_client_server_if_name(const struct memif_client *mc)
{
    return mc->server_if_name;
}

/* Returns the counters of 'mc'. */
const struct memif_client_stats *
memif_client_stats(const struct memif_client *mc)
{
    return &mc->stats;
}

/* Returns why 'mc' failed, or NULL if it did not. */
const char *
memif_client_error(const struct memif_client *mc)
{
    return mc->failed ? mc->error : NULL;
}

/* Copies up to 'n' frames from 'frames' into C2S ring 'queue' and publishes
 * them together, whole frames only, chaining a frame over several buffers
 * when it is longer than one.  Signals the ring's eventfd unless the server
 * masked it.  Returns the number of frames published, which is less than
 * 'n' when the ring is full, or -1 if the server broke the ring. */
int
memif_client_tx(struct memif_client *mc, unsigned int queue,
                const struct memif_client_frame *frames, int n)
{
    struct memif_client_ring *r = &mc->c2s[queue];
    struct memif_ring *ring = r->ring;
    uint32_t bsize = mc->buffer_size;
    uint16_t mask = mc->ring_size - 1;
    uint16_t head = r->head;
    uint16_t tail, used;
    uint32_t n_free;
    int i;

    tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    used = head - tail;
    if (used > mc->ring_size) {
        fail(mc, "server moved C2S ring %u tail to %u, beyond head %u",
             queue, tail, head);
        return -1;
    }
    n_free = mc->ring_size - used;

    for (i = 0; i < n; i++) {
        const uint8_t *src = frames[i].data;
        uint32_t left = frames[i].len;
        uint32_t need = left ? (left + bsize - 1) / bsize : 1;

        if (need > n_free) {
            break;
        }
        n_free -= need;
        do {
            uint16_t slot = head & mask;
            struct memif_desc *d = &ring->desc[slot];
            uint32_t chunk = left < bsize ? left : bsize;

            memcpy(r->buffers + (size_t) slot * bsize, src, chunk);
            d->region = r->buf_region;
            d->offset = r->buf_offset + (uint32_t) slot * bsize;
            d->length = chunk;
            d->flags = left > chunk ? MEMIF_DESC_FLAG_NEXT : 0;
            src += chunk;
            left -= chunk;
            head++;
        } while (left > 0);
    }

    if (i > 0) {
        __atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
        r->head = head;
        /* Orders the store of the head before the load of the flags: a
         * server about to sleep clears MASK_INT, then looks at the head
         * once more, so that either it sees the frames or this sees the
         * flag clear. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (!(__atomic_load_n(&ring->flags, __ATOMIC_RELAXED)
              & MEMIF_RING_FLAG_MASK_INT)) {
            uint64_t one = 1;

            if (write(r->efd, &one, sizeof one) == sizeof one) {
                mc->stats.kicks++;
            }
        }
    }
    return i;
}

/* Returns true if the server has consumed everything published on every
 * C2S ring. */
bool
memif_client_tx_drained(struct memif_client *mc)
{
    unsigned int i;

    for (i = 0; i < mc->n_c2s; i++) {
        struct memif_client_ring *r = &mc->c2s[i];

        if (__atomic_load_n(&r->ring->tail, __ATOMIC_ACQUIRE) != r->head) {
            return false;
        }
    }
    return true;
}

/* Returns the number of frames published on the C2S rings that the server
 * has not consumed (the ring's tail is not past them). */
uint64_t
memif_client_tx_unconsumed(struct memif_client *mc)
{
    uint16_t mask = mc->ring_size - 1;
    uint64_t frames = 0;
    unsigned int i;

    for (i = 0; i < mc->n_c2s; i++) {
        struct memif_client_ring *r = &mc->c2s[i];
        uint16_t slot = __atomic_load_n(&r->ring->tail, __ATOMIC_ACQUIRE);

        if ((uint16_t) (r->head - slot) > mc->ring_size) {
            slot = r->head - mc->ring_size;   /* The server wrote nonsense. */
        }
        for (; slot != r->head; slot++) {
            /* Only the client writes C2S descriptors. */
            frames += !(r->ring->desc[slot & mask].flags
                        & MEMIF_DESC_FLAG_NEXT);
        }
    }
    return frames;
}

/* Returns the address of the reassembly buffer for frame 'i' of a burst on
 * S2C ring 'r', allocating the buffers on first use. */
static uint8_t *
scratch_frame(struct memif_client_ring *r, int i)
{
    if (!r->scratch) {
        r->scratch = xalloc((size_t) MEMIF_CLIENT_MAX_BURST
                            * MEMIF_CLIENT_MAX_FRAME);
    }
    return r->scratch + (size_t) i * MEMIF_CLIENT_MAX_FRAME;
}

/* Checks descriptor 'd' of slot 'slot' of S2C ring 'r', which the server
 * filled: the server may write only its length, at most the buffer's
 * capacity, and its flags.  Returns the data length, clamped to the
 * capacity. */
static uint32_t
check_s2c_desc(struct memif_client *mc, const struct memif_client_ring *r,
               const struct memif_desc *d, uint16_t slot)
{
    uint32_t len = d->length;

    if (len > mc->buffer_size || d->region != r->buf_region
        || d->offset != r->buf_offset + (uint32_t) slot * mc->buffer_size) {
        mc->stats.bad_desc++;
        if (len > mc->buffer_size) {
            len = mc->buffer_size;
        }
    }
    return len;
}

/* Receives up to 'max' frames (at most MEMIF_CLIENT_MAX_BURST) from S2C
 * ring 'queue' into 'frames', reassembling chained frames.  The frames stay
 * valid until memif_client_rx_done(), which must be called before the next
 * memif_client_rx() on the same ring.  Returns the number of frames, or -1
 * if the server broke the ring. */
int
memif_client_rx(struct memif_client *mc, unsigned int queue,
                struct memif_client_frame *frames, int max)
{
    struct memif_client_ring *r = &mc->s2c[queue];
    struct memif_ring *ring = r->ring;
    uint16_t mask = mc->ring_size - 1;
    uint16_t slot = r->last;
    uint16_t tail;
    int n = 0;

    tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if ((uint16_t) (tail - r->last) > (uint16_t) (r->head - r->last)) {
        fail(mc, "server moved S2C ring %u tail to %u, beyond head %u",
             queue, tail, r->head);
        return -1;
    }

    if (max > MEMIF_CLIENT_MAX_BURST) {
        max = MEMIF_CLIENT_MAX_BURST;
    }
    while (n < max && slot != tail) {
        uint16_t first = slot;
        uint64_t total = 0;
        bool complete = false;
        unsigned int n_desc = 0;

        /* Find the end of the frame. */
        while (slot != tail) {
            const struct memif_desc *d = &ring->desc[slot & mask];

            total += check_s2c_desc(mc, r, d, slot & mask);
            n_desc++;
            slot++;
            if (!(d->flags & MEMIF_DESC_FLAG_NEXT)) {
                complete = true;
                break;
            }
        }
        if (!complete) {
            /* The server must publish whole frames; wait for the rest. */
            slot = first;
            break;
        }

        if (n_desc == 1) {
            frames[n].data = r->buffers + (size_t) (first & mask)
                                          * mc->buffer_size;
            frames[n].len = total;
            n++;
        } else if (total > MEMIF_CLIENT_MAX_FRAME) {
            mc->stats.oversized++;
        } else {
            uint8_t *dst = scratch_frame(r, n);
            uint32_t copied = 0;
            uint16_t s;

            /* Lengths were checked above, but the server may still be
             * writing them: never copy more than 'total' bytes. */
            for (s = first; s != slot; s++) {
                uint32_t len = ring->desc[s & mask].length;

                if (len > mc->buffer_size) {
                    len = mc->buffer_size;
                }
                if (len > total - copied) {
                    len = total - copied;
                }
                memcpy(dst + copied,
                       r->buffers + (size_t) (s & mask) * mc->buffer_size,
                       len);
                copied += len;
            }
            frames[n].data = dst;
            frames[n].len = copied;
            n++;
        }
    }
    r->rx_end = slot;
    return n;
}

/* Gives back to the server the S2C buffers of ring 'queue' that the last
 * memif_client_rx() consumed. */
void
memif_client_rx_done(struct memif_client *mc, unsigned int queue)
{
    struct memif_client_ring *r = &mc->s2c[queue];
    uint16_t mask = mc->ring_size - 1;
    uint16_t s;

    if (r->rx_end == r->last) {
        return;
    }
    for (s = r->last; s != r->rx_end; s++) {
        struct memif_desc *d = &r->ring->desc[s & mask];

        d->flags = 0;
        d->region = r->buf_region;
        d->offset = r->buf_offset + (uint32_t) (s & mask) * mc->buffer_size;
        d->length = mc->buffer_size;
    }
    r->last = r->rx_end;
    r->head = r->last + mc->ring_size;
    __atomic_store_n(&r->ring->head, r->head, __ATOMIC_RELEASE);
}

/* Returns true if some S2C ring holds frames not yet received. */
bool
memif_client_rx_pending(const struct memif_client *mc)
{
    unsigned int i;

    for (i = 0; i < mc->n_s2c; i++) {
        const struct memif_client_ring *r = &mc->s2c[i];

        if (__atomic_load_n(&r->ring->tail, __ATOMIC_ACQUIRE) != r->last) {
            return true;
        }
    }
    return false;
}

/* Handles whatever the server sent on the control channel, without
 * waiting.  After CONNECTED the server may only send DISCONNECT.  Returns
 * 0 if the connection is still up, otherwise -1 with an error in 'mc'. */
static int
handle_control(struct memif_client *mc)
{
    struct memif_msg msg;
    int retval;

    while ((retval = read_msg(mc, &msg, true)) > 0) {
        trace(mc, "ignoring message type %u from server", msg.type);
    }
    return retval;
}

/* Reads S2C eventfd 'i', adding its counter to the statistics.  Returns
 * true if it had been signalled. */
static bool
read_event(struct memif_client *mc, unsigned int i)
{
    uint64_t value;

    if (read(mc->s2c[i].efd, &value, sizeof value) == sizeof value) {
        mc->stats.events += value;
        return true;
    }
    return false;
}

/* Unmasks the S2C interrupts, as a client does before it sleeps, then
 * looks at the rings once more: a frame that the server published before
 * it could see the interrupts unmasked did not signal.  Returns true if
 * frames are pending, with the interrupts masked again. */
static bool
unmask_interrupts(struct memif_client *mc)
{
    mask_interrupts(mc, false);
    /* Orders the stores of the flags before the loads of the tails. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (memif_client_rx_pending(mc)) {
        mask_interrupts(mc, true);
        mc->stats.rechecks++;
        return true;
    }
    return false;
}

/* Reads the S2C eventfds that poll() found readable.  Returns true if
 * one was. */
static bool
read_events(struct memif_client *mc)
{
    bool signalled = false;
    unsigned int i;

    for (i = 0; i < mc->n_s2c; i++) {
        if (mc->pollfds[1 + i].revents & POLLIN) {
            signalled |= read_event(mc, i);
        }
    }
    return signalled;
}

/* After a wait that no eventfd ended: if frames are pending, the server
 * should have signalled, unless its signal raced with the timeout. */
static void
check_missed_events(struct memif_client *mc)
{
    bool signalled = false;
    unsigned int i;

    if (memif_client_rx_pending(mc)) {
        for (i = 0; i < mc->n_s2c; i++) {
            signalled |= read_event(mc, i);
        }
        if (!signalled) {
            mc->stats.missed_events++;
        }
    }
}

/* In interrupt mode, sleeps until the server signals an S2C eventfd or
 * writes to the control channel, a signal arrives or 'timeout_ms' passes,
 * and reads the signalled eventfds.  The S2C interrupts are unmasked only
 * while it sleeps, as DPDK's memif driver does between
 * rte_eth_dev_rx_intr_enable() and rte_eth_dev_rx_intr_disable(), so that
 * the server does not signal a client that runs.  The caller then drains
 * every S2C ring.  Returns 1 if frames arrived or an eventfd was
 * signalled, 0 otherwise, or -1 if the connection failed (see
 * memif_client_error()). */
int
memif_client_wait(struct memif_client *mc, int timeout_ms)
{
    bool signalled;
    int retval;

    if (mc->failed) {
        return -1;
    }
    if (unmask_interrupts(mc)) {
        return 1;
    }
    mc->stats.sleeps++;
    retval = poll(mc->pollfds, 1 + mc->n_s2c, timeout_ms);
    mask_interrupts(mc, true);
    if (retval < 0) {
        char buf[128];

        if (errno == EINTR) {
            return 0;
        }
        fail(mc, "poll: %s", errno_string(errno, buf, sizeof buf));
        return -1;
    }
    if (mc->pollfds[0].revents && handle_control(mc) < 0) {
        return -1;
    }
    signalled = read_events(mc);
    if (signalled) {
        mc->stats.wakeups++;
        return 1;
    }
    if (retval == 0) {
        check_missed_events(mc);
    }
    return 0;
}

/* Handles, without waiting, what the server sent on the control channel.
 * Returns 0 if the connection is still up, otherwise -1 (see
 * memif_client_error()). */
int
memif_client_check_control(struct memif_client *mc)
{
    return mc->failed ? -1 : handle_control(mc);
}
