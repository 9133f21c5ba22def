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


/* Unit tests of the link layer: the in-memory pair, fault injection, the
 * parser of fault specifications, and unix/punix links driven from one
 * process. */

#define _GNU_SOURCE
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ecprdma-test.h"
#include "test-link.h"
#include "xalloc.h"

/* Frames per link_send() in the tests that send many. */
#define BATCH 32

static int n_failures;

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            printf("%s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                   #COND);                                              \
            n_failures++;                                               \
        }                                                               \
    } while (0)

/* Receives at most 'max' frames (up to 64) on 'link' and prints their
 * indexes as test frames. */
static void
print_indexes(const char *label, struct link *link, int max)
{
    struct link_frame out[64];
    int n = link_recv(link, out, max);

    printf("%s:", label);
    if (!n) {
        printf(" -");
    }
    for (int i = 0; i < n; i++) {
        uint32_t index;
        bool vlan;

        if (test_frame_check(out[i].data, out[i].len, &index, &vlan)) {
            printf(" %"PRIu32, index);
        } else {
            printf(" WRONG");
        }
    }
    printf("\n");
}

static bool
mac_is_local_unicast(const uint8_t mac[6])
{
    return (mac[0] & 3) == 2;
}

/* Up to ten test frames of up to 1519 octets. */
struct frames {
    uint8_t buf[10][1519];
    struct link_frame lf[10];
};

static void
frames_make(struct frames *f, int n, const size_t lens[],
            const bool vlans[])
{
    for (int i = 0; i < n; i++) {
        test_frame_make(f->buf[i], i, lens[i], vlans ? vlans[i] : false);
        f->lf[i].data = f->buf[i];
        f->lf[i].len = lens[i];
    }
}

static int
test_link_pair(int argc, char *argv[])
{
    static const size_t lens[] = { 18, 60, 1514, 1518 };
    static const bool vlans[] = { false, false, false, true };
    struct link_frame out[64];
    struct link_stats sa, sb;
    struct frames f;
    uint8_t ma[6], mb[6];
    struct link *a, *b;
    int n;

    (void) argc;
    (void) argv;
    link_pair_create(1500, 4, &a, &b);
    CHECK(!strcmp(link_name(a), "pair:a"));
    CHECK(!strcmp(link_name(b), "pair:b"));
    CHECK(link_mtu(a) == 1500 && link_mtu(b) == 1500);
    CHECK(link_is_up(a) && link_is_up(b));
    CHECK(link_fd(a) == -1);
    link_get_mac(a, ma);
    link_get_mac(b, mb);
    CHECK(mac_is_local_unicast(ma) && mac_is_local_unicast(mb));
    CHECK(memcmp(ma, mb, 6));

    /* Round trip, both ways, every octet. */
    frames_make(&f, 4, lens, vlans);
    for (int dir = 0; dir < 2; dir++) {
        struct link *from = dir ? b : a;
        struct link *to = dir ? a : b;

        CHECK(link_send(from, f.lf, 4) == 4);
        n = link_recv(to, out, 64);
        CHECK(n == 4);
        for (int i = 0; i < n && i < 4; i++) {
            CHECK(out[i].len == lens[i]);
            CHECK(!memcmp(out[i].data, f.buf[i], lens[i]));
        }
        printf("%s to %s: %d frames, exact\n", link_name(from),
               link_name(to), n);
    }

    /* Received frames hold their slots until the next link_recv(). */
    CHECK(link_send(a, f.lf, 1) == 0);
    CHECK(link_recv(b, out, 64) == 0);

    /* A full link accepts what fits; the receiver takes at most 'max'. */
    frames_make(&f, 10, (const size_t[]) { 60, 61, 62, 63, 64, 65, 66, 67,
                                            68, 69 }, NULL);
    printf("send 10 into 4 free slots: %d accepted\n",
           link_send(a, f.lf, 10));
    print_indexes("recv at most 3", b, 3);
    printf("send 6, 0 free slots: %d accepted\n",
           link_send(a, &f.lf[4], 6));
    print_indexes("recv", b, 64);
    printf("send 6, 3 free slots: %d accepted\n",
           link_send(a, &f.lf[4], 6));
    print_indexes("recv", b, 64);
    print_indexes("recv", b, 64);

    /* Frames shorter than a header or longer than the MTU allows are
     * counted and accepted, not delivered. */
    frames_make(&f, 4, (const size_t[]) { 60, 60, 60, 60 }, NULL);
    f.lf[0].len = 13;
    f.lf[2].len = 1519;
    printf("send 13, 60, 1519, 60 octets: %d accepted\n",
           link_send(a, f.lf, 4));
    print_indexes("recv", b, 64);
    f.lf[0].len = 60;

    link_get_stats(a, &sa);
    link_get_stats(b, &sb);
    printf("a: tx %llu frames %llu octets, %llu errors\n",
           (unsigned long long) sa.tx_frames,
           (unsigned long long) sa.tx_bytes,
           (unsigned long long) sa.tx_errors);
    printf("b: rx %llu frames %llu octets, %llu errors\n",
           (unsigned long long) sb.rx_frames,
           (unsigned long long) sb.rx_bytes,
           (unsigned long long) sb.rx_errors);

    /* Without its peer a link is down and accepts nothing. */
    link_close(b);
    CHECK(!link_is_up(a));
    CHECK(link_send(a, f.lf, 1) == 0);
    CHECK(link_recv(a, out, 64) == 0);
    link_close(a);
    return n_failures ? 1 : 0;
}

ECPRDMA_TEST_REGISTER("link-pair", "", test_link_pair);

static void
print_fault_stats(const struct link_stats *s)
{
    printf("drops %llu, duplicates %llu, reorders %llu, corruptions %llu\n",
           (unsigned long long) s->fault_drops,
           (unsigned long long) s->fault_duplicates,
           (unsigned long long) s->fault_reorders,
           (unsigned long long) s->fault_corruptions);
}

static bool
in_range(uint64_t x, uint64_t min, uint64_t max)
{
    if (x < min || x > max) {
        printf("%llu is not in [%llu, %llu]\n", (unsigned long long) x,
               (unsigned long long) min, (unsigned long long) max);
        return false;
    }
    return true;
}

/* What arrived in the fault test. */
struct arrivals {
    uint64_t intact;
    uint64_t corrupt;
    uint64_t out_of_order;      /* Intact and behind a later frame. */
    uint32_t max_index;
};

static void
receive_arrivals(struct link *link, struct arrivals *arr)
{
    struct link_frame out[64];
    int n;

    while ((n = link_recv(link, out, 64)) > 0) {
        for (int i = 0; i < n; i++) {
            uint32_t index;
            bool vlan;

            if (test_frame_check(out[i].data, out[i].len, &index, &vlan)
                && !vlan) {
                arr->intact++;
                arr->out_of_order += index < arr->max_index;
                if (index > arr->max_index) {
                    arr->max_index = index;
                }
            } else {
                arr->corrupt++;
            }
        }
    }
}

/* Sends N frames (default 100,000) through a pair with drop=0.1 dup=0.05
 * reorder=0.05 corrupt=0.02 and the given seed, checks what arrives
 * against the fault counters and prints the counters. */
static int
test_link_faults(int argc, char *argv[])
{
    struct link_faults faults = {
        .drop = 0.1, .duplicate = 0.05, .reorder = 0.05, .corrupt = 0.02,
    };
    static uint8_t bufs[BATCH][1514];
    struct arrivals arr = { 0, 0, 0, 0 };
    struct link_stats sa, sb;
    struct link *a, *b;
    uint32_t n_frames;
    uint32_t i = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: link-faults SEED [N]\n");
        return 2;
    }
    faults.seed = strtoull(argv[1], NULL, 0);
    n_frames = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;

    link_pair_create(1500, 64, &a, &b);
    link_set_faults(a, &faults);
    while (i < n_frames) {
        struct link_frame in[BATCH];
        int n_in = 0, n;

        for (; n_in < BATCH && i + n_in < n_frames; n_in++) {
            uint32_t index = i + n_in;

            in[n_in].data = bufs[n_in];
            in[n_in].len = 60 + index * 7919u % 1455;
            test_frame_make(bufs[n_in], index, in[n_in].len, false);
        }
        n = link_send(a, in, n_in);
        CHECK(n > 0);
        if (n <= 0) {
            break;
        }
        i += n;
        receive_arrivals(b, &arr);
    }
    link_run(a);
    receive_arrivals(b, &arr);

    link_get_stats(a, &sa);
    link_get_stats(b, &sb);
    printf("%"PRIu32" frames: ", n_frames);
    print_fault_stats(&sa);
    printf("received %llu: %llu intact, %llu corrupt, %llu out of order\n",
           (unsigned long long) (arr.intact + arr.corrupt),
           (unsigned long long) arr.intact, (unsigned long long) arr.corrupt,
           (unsigned long long) arr.out_of_order);

    /* Every frame is accounted for. */
    CHECK(arr.intact + arr.corrupt == sb.rx_frames);
    CHECK(sa.tx_frames == sb.rx_frames);
    CHECK(sa.tx_frames == n_frames - sa.fault_drops + sa.fault_duplicates);
    CHECK(arr.corrupt >= sa.fault_corruptions
          && arr.corrupt <= 2 * sa.fault_corruptions);
    CHECK(arr.out_of_order <= sa.fault_reorders
          && arr.out_of_order + 2 * sa.fault_corruptions
             >= sa.fault_reorders);

    /* About 5 standard deviations around the expected values, for
     * 100,000 frames: drops 10,000; duplicates, 5% of the 90,000 not
     * dropped; reorders, 5% of those that do not find a frame held;
     * corruptions, 2% of those not dropped. */
    if (n_frames == 100000) {
        CHECK(in_range(sa.fault_drops, 9500, 10500));
        CHECK(in_range(sa.fault_duplicates, 4150, 4850));
        CHECK(in_range(sa.fault_reorders, 3950, 4650));
        CHECK(in_range(sa.fault_corruptions, 1600, 2000));
    }
    link_close(a);
    link_close(b);
    return n_failures ? 1 : 0;
}

ECPRDMA_TEST_REGISTER("link-faults", "SEED [N]", test_link_faults);

/* Makes 'n' frames with indexes from 'first' in 'f'. */
static void
frames_make_from(struct frames *f, int first, int n)
{
    for (int i = 0; i < n; i++) {
        test_frame_make(f->buf[i], first + i, 60, false);
        f->lf[i].data = f->buf[i];
        f->lf[i].len = 60;
    }
}

static int
test_link_reorder(int argc, char *argv[])
{
    struct link_faults faults = { .reorder = 1, .seed = 1 };
    struct link_faults none = { .seed = 0 };
    struct link_stats s;
    struct link *a, *b;
    struct frames f;
    char label[32];

    (void) argc;
    (void) argv;
    link_pair_create(1500, 16, &a, &b);
    link_set_faults(a, &faults);

    /* One frame per call: each held frame goes after the next one. */
    for (int i = 0; i < 5; i++) {
        frames_make_from(&f, i, 1);
        CHECK(link_send(a, f.lf, 1) == 1);
        snprintf(label, sizeof label, "send %d", i);
        print_indexes(label, b, 64);
    }
    link_run(a);
    print_indexes("run", b, 64);

    /* A call with no frames also releases a held frame. */
    frames_make_from(&f, 5, 1);
    CHECK(link_send(a, f.lf, 1) == 1);
    print_indexes("send 5", b, 64);
    CHECK(link_send(a, f.lf, 0) == 0);
    print_indexes("send nothing", b, 64);

    /* In a batch, the last frame waits for the next call. */
    frames_make_from(&f, 10, 5);
    CHECK(link_send(a, f.lf, 5) == 5);
    print_indexes("send 10-14", b, 64);
    frames_make_from(&f, 15, 2);
    CHECK(link_send(a, f.lf, 2) == 2);
    print_indexes("send 15-16", b, 64);

    /* Turning faults off does not strand the held frame. */
    link_set_faults(a, &none);
    frames_make_from(&f, 17, 1);
    CHECK(link_send(a, f.lf, 1) == 1);
    print_indexes("faults off, send 17", b, 64);

    link_get_stats(a, &s);
    printf("tx_frames %llu, ", (unsigned long long) s.tx_frames);
    print_fault_stats(&s);
    link_close(a);
    link_close(b);
    return n_failures ? 1 : 0;
}

ECPRDMA_TEST_REGISTER("link-reorder", "", test_link_reorder);

static int
count_bit_differences(const uint8_t *p, const uint8_t *q, size_t n)
{
    int bits = 0;

    for (size_t i = 0; i < n; i++) {
        bits += __builtin_popcount(p[i] ^ q[i]);
    }
    return bits;
}

static int
test_link_corrupt(int argc, char *argv[])
{
    struct link_faults faults = { .corrupt = 1, .seed = 42 };
    uint8_t buf[1518], copy[1518];
    int n_one_bit = 0, n_intact = 0;
    struct link_stats s;
    struct link *a, *b;

    (void) argc;
    (void) argv;
    link_pair_create(1500, 4, &a, &b);
    link_set_faults(a, &faults);
    for (int i = 0; i < 1000; i++) {
        struct link_frame in = { buf, 60 + i % 1459 };
        struct link_frame out;

        test_frame_make(buf, i, in.len, false);
        memcpy(copy, buf, in.len);
        CHECK(link_send(a, &in, 1) == 1);
        n_intact += !memcmp(buf, copy, in.len);
        if (link_recv(b, &out, 1) == 1 && out.len == in.len) {
            n_one_bit += count_bit_differences(out.data, copy, in.len) == 1;
        }
    }
    link_get_stats(a, &s);
    printf("1000 frames: %d with one bit flipped, %d sender's buffers "
           "intact, %llu corruptions counted\n", n_one_bit, n_intact,
           (unsigned long long) s.fault_corruptions);
    link_close(a);
    link_close(b);
    return n_failures ? 1 : 0;
}

ECPRDMA_TEST_REGISTER("link-corrupt", "", test_link_corrupt);

static int
test_link_faults_parse(int argc, char *argv[])
{
    for (int i = 1; i < argc; i++) {
        struct link_faults f;
        char *error = link_faults_parse(argv[i], &f);

        if (error) {
            printf("\"%s\": error: %s\n", argv[i], error);
            free(error);
        } else {
            printf("\"%s\": drop=%g dup=%g reorder=%g corrupt=%g "
                   "seed=%llu\n", argv[i], f.drop, f.duplicate, f.reorder,
                   f.corrupt, (unsigned long long) f.seed);
        }
    }
    return 0;
}

ECPRDMA_TEST_REGISTER("link-faults-parse", "STRING...",
                      test_link_faults_parse);

/* unix and punix links, both ends in this process.  Paths are in
 * 'unix_dir', printed as "DIR". */
static const char *unix_dir;

static void
print_msg(const char *prefix, const char *msg)
{
    size_t n = strlen(unix_dir);

    fputs(prefix, stdout);
    while (*msg) {
        if (!strncmp(msg, unix_dir, n)) {
            fputs("DIR", stdout);
            msg += n;
        } else {
            putchar(*msg++);
        }
    }
    putchar('\n');
}

static char *
unix_path(const char *file)
{
    return xalloc_printf("%s/%s", unix_dir, file);
}

/* Opens "TYPE:DIR/FILE", or prints the error and returns NULL. */
static struct link *
open_unix_link(const char *type, const char *file, int mtu)
{
    char *name = xalloc_printf("%s:%s/%s", type, unix_dir, file);
    struct link *link;
    char *error;

    if (link_open(name, mtu, &link, &error)) {
        print_msg("error: ", error);
        free(error);
        link = NULL;
    }
    free(name);
    return link;
}

/* Sends test frames of 60, 1514 and 1518 (tagged) octets from 'from' to
 * 'to' and checks every octet. */
static void
exchange(struct link *from, struct link *to, const char *label)
{
    static const size_t lens[] = { 60, 1514, 1518 };
    static const bool vlans[] = { false, false, true };
    long long int deadline = test_time_ms() + 5000;
    int sent = 0, got = 0, exact = 0;
    struct frames f;

    frames_make(&f, 3, lens, vlans);
    while ((sent < 3 || got < 3) && test_time_ms() < deadline) {
        struct link_frame out[8];
        int n;

        link_run(from);
        link_run(to);
        sent += link_send(from, &f.lf[sent], 3 - sent);
        n = link_recv(to, out, 8);
        for (int i = 0; i < n; i++, got++) {
            exact += (got < 3 && out[i].len == lens[got]
                      && !memcmp(out[i].data, f.buf[got], lens[got]));
        }
        if (!n) {
            test_sleep_ms(1);
        }
    }
    printf("%s: %d sent, %d received, %d exact\n", label, sent, got, exact);
}

/* Receives (and drops) frames on 'link' until it goes down.  Does not run
 * it, so that a client does not reconnect. */
static bool
wait_down(struct link *link)
{
    long long int deadline = test_time_ms() + 5000;

    while (link_is_up(link) && test_time_ms() < deadline) {
        struct link_frame out[8];

        if (!link_recv(link, out, 8)) {
            test_sleep_ms(1);
        }
    }
    return !link_is_up(link);
}

static uint64_t
get_reconnects(const struct link *link)
{
    struct link_stats s;

    link_get_stats(link, &s);
    return s.reconnects;
}

/* Runs 'link' until its reconnects counter reaches 'n'. */
static bool
wait_reconnects(struct link *link, uint64_t n)
{
    long long int deadline = test_time_ms() + 5000;

    while (get_reconnects(link) < n && test_time_ms() < deadline) {
        link_run(link);
        test_sleep_ms(1);
    }
    return get_reconnects(link) >= n;
}

static bool
is_socket_file(const char *path)
{
    struct stat st;

    return !lstat(path, &st) && S_ISSOCK(st.st_mode);
}

/* Leaves a socket file at 'path' that no one listens on. */
static void
make_stale_socket(const char *path)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path));
    CHECK(fd >= 0 && !bind(fd, (struct sockaddr *) &sun, sizeof sun));
    close(fd);
}

/* A server with MTU 9000 sends the client (MTU 1500) frames too long for
 * it, then one that fits. */
static void
send_too_long(struct link *server, struct link *client)
{
    static uint8_t big[9018];
    struct link_frame in[3] = {
        { big, 9018 }, { big, 1519 }, { big, 60 },
    };
    long long int deadline = test_time_ms() + 5000;
    struct link_frame out[8];
    struct link_stats s;
    int sent = 0, got = 0;

    test_frame_make(big, 0, 9018, true);
    while ((sent < 3 || !got) && test_time_ms() < deadline) {
        sent += link_send(server, &in[sent], 3 - sent);
        got += link_recv(client, out, 8);
        test_sleep_ms(1);
    }
    link_get_stats(client, &s);
    printf("too long for the client: %d sent, %d received, %llu rx_errors\n",
           sent, got, (unsigned long long) s.rx_errors);
}

static int
test_link_unix(int argc, char *argv[])
{
    struct link *server, *client, *client2, *other;
    char *path, *file;
    uint8_t mac[6];
    bool up;
    int fd;

    if (argc < 2) {
        fprintf(stderr, "usage: link-unix DIR\n");
        return 2;
    }
    unix_dir = argv[1];
    path = unix_path("link.sock");

    server = open_unix_link("punix", "link.sock", 9000);
    client = open_unix_link("unix", "link.sock", 0);
    if (!server || !client) {
        return 1;
    }
    printf("socket file created: %s\n", is_socket_file(path) ? "yes" : "no");
    printf("mtu: server %d, client %d\n", link_mtu(server), link_mtu(client));
    link_get_mac(client, mac);
    CHECK(mac_is_local_unicast(mac));
    CHECK(link_fd(server) >= 0);
    printf("connected: %s\n",
           test_link_wait_up(server, client, 5000) ? "yes" : "no");
    CHECK(link_fd(client) >= 0);
    exchange(client, server, "client to server");
    exchange(server, client, "server to client");
    send_too_long(server, client);

    /* The client goes away; the server takes the next one. */
    link_close(client);
    printf("server sees the peer go: %s\n", wait_down(server) ? "yes" : "no");
    client = open_unix_link("unix", "link.sock", 0);
    up = test_link_wait_up(server, client, 5000);
    printf("new client: %s, server reconnects %llu\n", up ? "up" : "down",
           (unsigned long long) get_reconnects(server));
    exchange(client, server, "client to server");
    exchange(server, client, "server to client");

    /* A second client replaces the first. */
    client2 = open_unix_link("unix", "link.sock", 0);
    printf("second client: server reconnects %s\n",
           wait_reconnects(server, 2) ? "2" : "not 2");
    printf("first client dropped: %s\n", wait_down(client) ? "yes" : "no");
    link_close(client);
    client = client2;
    exchange(client, server, "client to server");
    exchange(server, client, "server to client");

    /* The server goes away and comes back; the client reconnects. */
    link_close(server);
    printf("socket file removed: %s\n", access(path, F_OK) ? "yes" : "no");
    printf("client sees the server go: %s\n",
           wait_down(client) ? "yes" : "no");
    for (int i = 0; i < 20; i++) {
        link_run(client);
        test_sleep_ms(1);
    }
    printf("client without server: %s\n", link_is_up(client) ? "up" : "down");
    server = open_unix_link("punix", "link.sock", 9000);
    up = test_link_wait_up(server, client, 5000);
    printf("server back: %s, client reconnects %llu\n", up ? "up" : "down",
           (unsigned long long) get_reconnects(client));
    exchange(client, server, "client to server");
    exchange(server, client, "server to client");

    /* No second server on a path where one listens. */
    other = open_unix_link("punix", "link.sock", 0);
    CHECK(!other);
    link_close(client);
    link_close(server);

    /* A stale socket file is replaced; another file is left alone. */
    make_stale_socket(path);
    server = open_unix_link("punix", "link.sock", 0);
    printf("stale socket file replaced: %s\n", server ? "yes" : "no");
    link_close(server);
    file = unix_path("file");
    fd = open(file, O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK(!open_unix_link("punix", "file", 0));
    printf("regular file kept: %s\n", access(file, F_OK) ? "no" : "yes");
    CHECK(!open_unix_link("punix", "nodir/link.sock", 0));

    /* A client without a server opens and stays down. */
    client = open_unix_link("unix", "none.sock", 0);
    link_run(client);
    printf("client of nothing: %s, fd %d\n",
           link_is_up(client) ? "up" : "down", link_fd(client));
    link_close(client);

    free(path);
    free(file);
    return n_failures ? 1 : 0;
}

ECPRDMA_TEST_REGISTER("link-unix", "DIR", test_link_unix);

/* A punix link in the abstract namespace, and its client. */
static int
test_link_unix_abstract(int argc, char *argv[])
{
    char *name = xalloc_printf("@ecprdma-test-link-%d", (int) getpid());
    char *sname = xalloc_printf("punix:%s", name);
    char *cname = xalloc_printf("unix:%s", name);
    struct link *server, *client;
    char *error;

    (void) argc;
    (void) argv;
    if (link_open(sname, 0, &server, &error)
        || link_open(cname, 0, &client, &error)) {
        printf("%s\n", error);
        return 1;
    }
    printf("connected: %s\n",
           test_link_wait_up(server, client, 5000) ? "yes" : "no");
    exchange(client, server, "client to server");
    exchange(server, client, "server to client");
    link_close(client);
    link_close(server);
    free(name);
    free(sname);
    free(cname);
    return 0;
}

ECPRDMA_TEST_REGISTER("link-unix-abstract", "", test_link_unix_abstract);
