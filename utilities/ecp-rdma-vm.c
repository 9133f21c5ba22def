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

/* ecp-rdma-vm: a memif client that stands in for a VM.  It sends, receives,
 * echoes or pings test frames through a memif server, such as the vm role
 * of an ecp-rdma port, and reports what arrived. */

#define _GNU_SOURCE 1

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ecprdma-clock.h"
#include "ecp-rdma-vm-memif.h"
#include "ecp-rdma-vm-payload.h"
#include "xalloc.h"

#ifndef ECPRDMA_VERSION
#define ECPRDMA_VERSION "unknown"
#endif

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
    N_COMMANDS
};

static const char *const command_names[N_COMMANDS] = {
    "send", "recv", "echo", "ping",
};

#define CMDS_ALL ((1u << N_COMMANDS) - 1)
#define CMD_BIT(CMD) (1u << (CMD))

/* How long ping waits for each reply, in nanoseconds. */
#define PING_WAIT_NS 1000000000ULL

/* How long to wait, at the end, for the server to consume what was sent,
 * in nanoseconds. */
#define DRAIN_WAIT_NS 5000000000ULL

/* Longest sleep of a waiting loop, in nanoseconds, so that timeouts and
 * the control channel are checked often enough. */
#define MAX_WAIT_NS 100000000ULL

/* How long echo retries a full C2S ring before dropping, in nanoseconds. */
#define ECHO_TX_WAIT_NS 1000000000ULL

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
    bool json;
};

/* State shared by the subcommands while they run. */
struct runner {
    const struct options *opt;
    struct memif_client *mc;
    uint64_t start_ns;
    uint64_t deadline_ns;       /* UINT64_MAX if no --timeout. */
    uint64_t next_check_ns;     /* When to check the control channel. */
    unsigned int spins;
    bool timed_out;
    bool failed;
};

/* Set by SIGINT and SIGTERM. */
static volatile sig_atomic_t stop_requested;

/* Records a request to stop. */
static void
stop_handler(int signr)
{
    stop_requested = signr;
}

/* Returns the current time on the monotonic clock, in nanoseconds. */
static uint64_t
now_ns(void)
{
    return ecprdma_clock_ns();
}

/* Sleeps for 'ns' nanoseconds, or less if a signal arrives. */
static void
sleep_ns(uint64_t ns)
{
    struct timespec ts = { ns / 1000000000ULL, ns % 1000000000ULL };

    nanosleep(&ts, NULL);
}

/* Tells the CPU that this is a busy-wait loop. */
static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield" ::: "memory");
#endif
}

/* Prints the usage message and exits successfully. */
static void
usage(void)
{
    printf("%s: a memif client standing in for a VM\n"
           "usage: %s COMMAND --socket=PATH [OPTIONS]\n"
           "\n"
           "Commands:\n"
           "  send  send sequence-numbered test frames\n"
           "  recv  receive test frames; report loss, duplicates, reordering\n"
           "        and corruption\n"
           "  echo  send every frame back, with its MAC addresses swapped\n"
           "  ping  send test frames to an echoing peer; report round trips\n"
           "\n"
           "Connection options:\n"
           "  --socket=PATH        server socket; @NAME for an abstract name\n"
           "  --id=N               interface id (default 0)\n"
           "  --secret=STRING      secret, at most 23 bytes\n"
           "  --ring-size=N        slots per ring, a power of two from 2 to\n"
           "                       16384 (default 1024; the server may lower\n"
           "                       it)\n"
           "  --buffer-size=N      bytes per buffer, 64 to 65535 (default\n"
           "                       2048)\n"
           "  --queues=N           queue pairs, 1 to %d (default 1)\n"
           "  --regions=1|2        rings and buffers in one region or in two\n"
           "                       (default 1)\n"
           "  --mode=MODE          poll: busy-poll the receive rings;\n"
           "                       interrupt: sleep until the server signals\n"
           "                       them (default)\n"
           "  --connect-timeout=S  keep trying to connect for S seconds\n"
           "                       (default 10)\n"
           "\n"
           "Traffic options:\n"
           "  --count=N            stop after N frames (ping: default 10)\n"
           "  --timeout=S          stop after S seconds\n"
           "  --rate=PPS           send: at most PPS frames per second\n"
           "  --size=SPEC          send, ping: frame sizes, each N or\n"
           "                       MIN-MAX (random), separated by commas,\n"
           "                       used in turn (default 60)\n"
           "  --seed=N             send, ping: seed of the random sizes\n"
           "                       (default 1)\n"
           "  --src-mac=MAC        source (default 02:00:00:00:00:01, echo:\n"
           "                       02:00:00:00:00:02)\n"
           "  --dst-mac=MAC        send, ping: destination address (default\n"
           "                       ff:ff:ff:ff:ff:ff)\n"
           "  --vlan=VID           send, ping: add an 802.1Q tag\n"
           "  --stream=N           send, ping: stream id (default 0); send\n"
           "                       uses N + queue number\n"
           "  --expect-vlan=VID    recv: check the frames' VLAN id, or that\n"
           "                       they are untagged if VID is \"none\"\n"
           "  --interval=S         ping: seconds between pings (default\n"
           "                       0.01)\n"
           "  --rx-pause=S         recv: a slow VM: sleep S seconds after\n"
           "                       every look at the rings, without asking\n"
           "                       to be woken up\n"
           "\n"
           "Output options:\n"
           "  --json               print the summary as one JSON object\n"
           "  -v, --verbose        log the handshake on stderr\n"
           "  -h, --help           print this message\n"
           "  -V, --version        print the version\n"
           "\n"
           "Exit status: 0 success, 1 connection or protocol failure,\n"
           "2 usage error, 3 frames lost, duplicated, reordered, corrupted\n"
           "or mis-tagged.\n",
           PROGRAM_NAME, PROGRAM_NAME, MEMIF_CLIENT_MAX_QUEUES);
    exit(EXIT_OK);
}

/* Reports a command-line error and exits. */
static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *format, ...)
{
    va_list args;

    fputs(PROGRAM_NAME ": ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '%s --help' for more information.\n",
            PROGRAM_NAME);
    exit(EXIT_USAGE);
}

/* Parses 's', the value of option 'name', as an integer between 'min' and
 * 'max', or exits with a usage error. */
static uint64_t
parse_uint(const char *name, const char *s, uint64_t min, uint64_t max)
{
    unsigned long long int x;
    char *end;

    errno = 0;
    x = strtoull(s, &end, 0);
    if (s[0] < '0' || s[0] > '9' || errno || *end || x < min || x > max) {
        usage_error("--%s: \"%s\" is not an integer between %"PRIu64
                    " and %"PRIu64, name, s, min, max);
    }
    return x;
}

/* Parses 's', the value of option 'name', as a number of seconds between
 * 'min' and 'max', or exits with a usage error. */
static double
parse_seconds(const char *name, const char *s, double min, double max)
{
    double x;
    char *end;

    errno = 0;
    x = strtod(s, &end);
    if (end == s || errno || *end || !(x >= min && x <= max)) {
        usage_error("--%s: \"%s\" is not a number between %g and %g",
                    name, s, min, max);
    }
    return x;
}

/* Parses MAC address 's', the value of option 'name', into 'mac', or exits
 * with a usage error. */
static void
parse_mac(const char *name, const char *s, uint8_t mac[VM_ETH_ADDR_LEN])
{
    unsigned int b[VM_ETH_ADDR_LEN];
    int n = 0;
    int i;

    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n",
               &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) != 6
        || s[n]) {
        usage_error("--%s: \"%s\" is not a MAC address "
                    "(xx:xx:xx:xx:xx:xx)", name, s);
    }
    for (i = 0; i < VM_ETH_ADDR_LEN; i++) {
        mac[i] = b[i];
    }
}

/* Parses the value 's' of --size into 'opt', or exits with a usage
 * error.  Sizes are checked against the frame template later. */
static void
parse_sizes(struct options *opt, const char *s)
{
    char *copy = xalloc_strdup(s);
    char *save = NULL;
    char *item;

    opt->n_sizes = 0;
    for (item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        struct size_item *si;
        char *dash = strchr(item, '-');

        if (opt->n_sizes >= MAX_SIZE_ITEMS) {
            usage_error("--size: more than %d items", MAX_SIZE_ITEMS);
        }
        si = &opt->sizes[opt->n_sizes++];
        if (dash) {
            *dash = '\0';
            si->min = parse_uint("size", item, 0, MEMIF_CLIENT_MAX_FRAME);
            si->max = parse_uint("size", dash + 1, si->min,
                                 MEMIF_CLIENT_MAX_FRAME);
        } else {
            si->min = si->max = parse_uint("size", item, 0,
                                           MEMIF_CLIENT_MAX_FRAME);
        }
    }
    free(copy);
    if (!opt->n_sizes) {
        usage_error("--size: no size given");
    }
}

/* Returns the largest frame size that 'opt' asks for. */
static uint32_t
max_frame_size(const struct options *opt)
{
    uint32_t max = 0;
    size_t i;

    for (i = 0; i < opt->n_sizes; i++) {
        if (opt->sizes[i].max > max) {
            max = opt->sizes[i].max;
        }
    }
    return max;
}

/* Long options, and for each the commands that accept it. */
enum {
    OPT_SOCKET = UCHAR_MAX + 1,
    OPT_ID,
    OPT_SECRET,
    OPT_RING_SIZE,
    OPT_BUFFER_SIZE,
    OPT_QUEUES,
    OPT_REGIONS,
    OPT_MODE,
    OPT_CONNECT_TIMEOUT,
    OPT_COUNT,
    OPT_TIMEOUT,
    OPT_RATE,
    OPT_SIZE,
    OPT_SEED,
    OPT_SRC_MAC,
    OPT_DST_MAC,
    OPT_VLAN,
    OPT_STREAM,
    OPT_EXPECT_VLAN,
    OPT_INTERVAL,
    OPT_RX_PAUSE,
    OPT_JSON,
};

static const struct option long_options[] = {
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"id", required_argument, NULL, OPT_ID},
    {"secret", required_argument, NULL, OPT_SECRET},
    {"ring-size", required_argument, NULL, OPT_RING_SIZE},
    {"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
    {"queues", required_argument, NULL, OPT_QUEUES},
    {"regions", required_argument, NULL, OPT_REGIONS},
    {"mode", required_argument, NULL, OPT_MODE},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"rate", required_argument, NULL, OPT_RATE},
    {"size", required_argument, NULL, OPT_SIZE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"src-mac", required_argument, NULL, OPT_SRC_MAC},
    {"dst-mac", required_argument, NULL, OPT_DST_MAC},
    {"vlan", required_argument, NULL, OPT_VLAN},
    {"stream", required_argument, NULL, OPT_STREAM},
    {"expect-vlan", required_argument, NULL, OPT_EXPECT_VLAN},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"rx-pause", required_argument, NULL, OPT_RX_PAUSE},
    {"json", no_argument, NULL, OPT_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Returns the commands that accept option 'opt'. */
static unsigned int
option_commands(int opt)
{
    switch (opt) {
    case OPT_RATE:
        return CMD_BIT(CMD_SEND);
    case OPT_SIZE:
    case OPT_SEED:
    case OPT_DST_MAC:
    case OPT_VLAN:
    case OPT_STREAM:
        return CMD_BIT(CMD_SEND) | CMD_BIT(CMD_PING);
    case OPT_SRC_MAC:
        return CMD_BIT(CMD_SEND) | CMD_BIT(CMD_PING) | CMD_BIT(CMD_ECHO);
    case OPT_EXPECT_VLAN:
    case OPT_RX_PAUSE:
        return CMD_BIT(CMD_RECV);
    case OPT_INTERVAL:
        return CMD_BIT(CMD_PING);
    default:
        return CMDS_ALL;
    }
}

/* Returns the name of long option 'opt'. */
static const char *
option_name(int opt)
{
    const struct option *o;

    for (o = long_options; o->name; o++) {
        if (o->val == opt) {
            return o->name;
        }
    }
    return "?";
}

/* Sets the defaults of every option in 'opt'. */
static void
set_defaults(struct options *opt)
{
    static const uint8_t broadcast[VM_ETH_ADDR_LEN] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };

    memset(opt, 0, sizeof *opt);
    opt->memif.log2_ring_size = 10;
    opt->memif.buffer_size = 2048;
    opt->memif.n_queues = 1;
    opt->memif.n_regions = 1;
    opt->memif.interrupt = true;
    opt->memif.connect_timeout = 10;
    opt->memif.stop = &stop_requested;
    opt->sizes[0].min = opt->sizes[0].max = 60;
    opt->n_sizes = 1;
    opt->seed = 1;
    memcpy(opt->template.dst, broadcast, VM_ETH_ADDR_LEN);
    opt->template.vlan = -1;
    opt->expect_vlan = -2;
    opt->interval = 0.01;
}

/* Parses option 'c', with argument 'arg', if it is one of the options of
 * the memif connection.  Returns true if it was. */
static bool
parse_memif_option(struct memif_client_config *memif, int c,
                   const char *arg)
{
    switch (c) {
    case OPT_SOCKET:
        memif->socket = arg;
        break;
    case OPT_ID:
        memif->id = parse_uint("id", arg, 0, UINT32_MAX);
        break;
    case OPT_SECRET:
        if (strlen(arg) >= 24) {
            usage_error("--secret: longer than 23 bytes");
        }
        memif->secret = arg;
        break;
    case OPT_RING_SIZE: {
        uint64_t n = parse_uint("ring-size", arg, 2, 16384);

        if (n & (n - 1)) {
            usage_error("--ring-size: %"PRIu64" is not a power of two", n);
        }
        memif->log2_ring_size = __builtin_ctzll(n);
        break;
    }
    case OPT_BUFFER_SIZE:
        memif->buffer_size = parse_uint("buffer-size", arg, 64, 65535);
        break;
    case OPT_QUEUES:
        memif->n_queues = parse_uint("queues", arg, 1,
                                     MEMIF_CLIENT_MAX_QUEUES);
        break;
    case OPT_REGIONS:
        memif->n_regions = parse_uint("regions", arg, 1, 2);
        break;
    case OPT_MODE:
        if (!strcmp(arg, "poll")) {
            memif->interrupt = false;
        } else if (!strcmp(arg, "interrupt")) {
            memif->interrupt = true;
        } else {
            usage_error("--mode: \"%s\" is neither poll nor interrupt", arg);
        }
        break;
    case OPT_CONNECT_TIMEOUT:
        memif->connect_timeout = parse_seconds("connect-timeout", arg, 0,
                                               86400);
        break;
    case 'v':
        memif->verbose = true;
        break;
    default:
        return false;
    }
    return true;
}

/* Parses option 'c', with argument 'arg', if it is one of the options of
 * the traffic: how much, how fast, which frames, what to expect, how to
 * report.  Returns true if it was. */
static bool
parse_traffic_option(struct options *opt, int c, const char *arg)
{
    switch (c) {
    case OPT_COUNT:
        opt->count = parse_uint("count", arg, 1, UINT64_MAX);
        break;
    case OPT_TIMEOUT:
        opt->timeout = parse_seconds("timeout", arg, 0.001, 1e9);
        break;
    case OPT_RATE:
        opt->rate = parse_seconds("rate", arg, 0.001, 1e9);
        break;
    case OPT_SIZE:
        parse_sizes(opt, arg);
        break;
    case OPT_SEED:
        opt->seed = parse_uint("seed", arg, 0, UINT64_MAX);
        break;
    case OPT_SRC_MAC:
        parse_mac("src-mac", arg, opt->template.src);
        opt->src_mac_set = true;
        break;
    case OPT_DST_MAC:
        parse_mac("dst-mac", arg, opt->template.dst);
        break;
    case OPT_VLAN:
        opt->template.vlan = parse_uint("vlan", arg, 0, VM_VID_MAX);
        break;
    case OPT_STREAM:
        opt->stream = parse_uint("stream", arg, 0, UINT32_MAX);
        break;
    case OPT_EXPECT_VLAN:
        opt->expect_vlan = (!strcmp(arg, "none") ? -1
                            : (int) parse_uint("expect-vlan", arg, 0,
                                               VM_VID_MAX));
        break;
    case OPT_INTERVAL:
        opt->interval = parse_seconds("interval", arg, 0, 3600);
        break;
    case OPT_RX_PAUSE:
        opt->rx_pause = parse_seconds("rx-pause", arg, 0, 60);
        break;
    case OPT_JSON:
        opt->json = true;
        break;
    default:
        return false;
    }
    return true;
}

/* Handles the options that only print something and exit: --help,
 * --version and those that getopt_long() did not recognize. */
static void
handle_other_option(int c)
{
    switch (c) {
    case 'h':
        usage();
        break;
    case 'V':
        printf("%s (ovs-ecp-rdma) %s\n", PROGRAM_NAME, ECPRDMA_VERSION);
        exit(EXIT_OK);
    default:
        fprintf(stderr, "Try '%s --help' for more information.\n",
                PROGRAM_NAME);
        exit(EXIT_USAGE);
    }
}

/* Returns the command named 'name', or exits. */
static enum command
parse_command(const char *name)
{
    size_t i;

    if (!name) {
        usage_error("missing command (send, recv, echo or ping)");
    }
    for (i = 0; i < N_COMMANDS; i++) {
        if (!strcmp(name, command_names[i])) {
            return i;
        }
    }
    usage_error("unknown command \"%s\"", name);
}

/* Checks the options of 'opt', given for its command ('given' lists the
 * 'n_given' long options that the command line named), and fills in the
 * defaults that depend on the command.  Exits if they do not go
 * together. */
static void
check_options(struct options *opt, const unsigned int given[],
              size_t n_given)
{
    const char *socket = opt->memif.socket;
    size_t i;

    for (i = 0; i < n_given; i++) {
        if (!(option_commands(given[i]) & CMD_BIT(opt->command))) {
            usage_error("--%s does not apply to %s", option_name(given[i]),
                        command_names[opt->command]);
        }
    }
    if (!socket) {
        usage_error("missing --socket");
    }
    if (socket[0] == '@' ? !socket[1] : !socket[0]) {
        usage_error("--socket: empty name");
    }
    if (strlen(socket) > 107) {
        usage_error("--socket: name longer than 107 bytes");
    }
    if (!opt->src_mac_set) {
        static const uint8_t src[VM_ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 1 };
        static const uint8_t echo_src[VM_ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 2 };

        memcpy(opt->template.src, opt->command == CMD_ECHO ? echo_src : src,
               VM_ETH_ADDR_LEN);
    }
    for (i = 0; i < opt->n_sizes; i++) {
        size_t min = vm_frame_min_size(&opt->template);

        if (opt->sizes[i].min < min) {
            usage_error("--size: frames must be at least %zu bytes%s", min,
                        opt->template.vlan >= 0 ? " with --vlan" : "");
        }
    }
    if (opt->command == CMD_PING && !opt->count) {
        opt->count = 10;
    }
}

/* Parses the command line into 'opt', or exits. */
static void
parse_options(int argc, char *argv[], struct options *opt)
{
    unsigned int given[64] = { 0 };
    size_t n_given = 0;
    const char *command = NULL;
    int c;

    set_defaults(opt);
    while ((c = getopt_long(argc, argv, "+vhV", long_options, NULL)) != -1
           || optind < argc) {
        if (c == -1) {
            /* A non-option argument: the command.  Options may follow. */
            if (command) {
                usage_error("unexpected argument \"%s\"", argv[optind]);
            }
            command = argv[optind++];
            continue;
        }
        if (c > UCHAR_MAX && n_given < sizeof given / sizeof *given) {
            given[n_given++] = c;
        }
        if (!parse_memif_option(&opt->memif, c, optarg)
            && !parse_traffic_option(opt, c, optarg)) {
            handle_other_option(c);
        }
    }
    opt->command = parse_command(command);
    check_options(opt, given, n_given);
}

/* Returns the size of the next frame to send, drawn with the state of
 * 'rng'. */
static uint32_t
next_size(const struct options *opt, uint64_t *rng, uint64_t index)
{
    const struct size_item *si = &opt->sizes[index % opt->n_sizes];
    uint64_t x;

    if (si->min == si->max) {
        return si->min;
    }
    /* xorshift64*. */
    x = *rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    x *= 0x2545f4914f6cdd1dULL;
    return si->min + (x >> 32) % (si->max - si->min + 1);
}

/* Returns true if the command should stop: on a signal, at the deadline, or
 * after a failure. */
static bool
should_stop(struct runner *r)
{
    if (r->failed || stop_requested) {
        return true;
    }
    if (r->deadline_ns != UINT64_MAX && now_ns() >= r->deadline_ns) {
        r->timed_out = true;
        return true;
    }
    return false;
}

/* Checks the control channel now and then while busy-polling.  Returns
 * false if the connection failed. */
static bool
tick(struct runner *r)
{
    if (++r->spins >= 256) {
        uint64_t now = now_ns();

        r->spins = 0;
        if (now >= r->next_check_ns) {
            r->next_check_ns = now + 10000000;
            if (memif_client_check_control(r->mc) < 0) {
                r->failed = true;
                return false;
            }
        }
    }
    return true;
}

/* Returns how long a wait may last: until 'until_ns', the deadline, or the
 * longest wait, whichever comes first, in nanoseconds. */
static uint64_t
wait_budget(const struct runner *r, uint64_t until_ns)
{
    uint64_t now = now_ns();
    uint64_t end = until_ns < r->deadline_ns ? until_ns : r->deadline_ns;

    if (end <= now) {
        return 0;
    }
    return end - now < MAX_WAIT_NS ? end - now : MAX_WAIT_NS;
}

/* Waits for frames on the S2C rings, until 'until_ns' at the latest:
 * sleeps on the eventfds in interrupt mode, spins in poll mode. */
static void
wait_rx(struct runner *r, uint64_t until_ns)
{
    if (r->opt->memif.interrupt) {
        uint64_t ns = wait_budget(r, until_ns);

        if (memif_client_wait(r->mc, (ns + 999999) / 1000000) < 0) {
            r->failed = true;
        }
    } else {
        cpu_relax();
        tick(r);
    }
}

/* Waits for room on the C2S rings: the server never signals it, so this
 * spins in poll mode and sleeps briefly in interrupt mode. */
static void
wait_tx(struct runner *r)
{
    if (r->opt->memif.interrupt) {
        sleep_ns(20000);
        r->spins = 255;
    } else {
        cpu_relax();
    }
    tick(r);
}

/* Waits up to DRAIN_WAIT_NS for the server to consume everything sent,
 * also after a signal asked the command to stop.  Returns true if it
 * did. */
static bool
drain_tx(struct runner *r)
{
    uint64_t end = now_ns() + DRAIN_WAIT_NS;

    while (!memif_client_tx_drained(r->mc)) {
        if (r->failed || now_ns() >= end) {
            return false;
        }
        sleep_ns(100000);
        r->spins = 255;
        tick(r);
    }
    return true;
}

/* Sends 'n' frames on queue 'q', waiting for room as needed.  Returns the
 * number sent, less than 'n' only if the command must stop or if 'max_ns'
 * passes. */
static int
send_all(struct runner *r, unsigned int q,
         const struct memif_client_frame *frames, int n, uint64_t max_ns)
{
    uint64_t give_up = max_ns ? now_ns() + max_ns : UINT64_MAX;
    int done = 0;

    while (done < n) {
        int k = memif_client_tx(r->mc, q, frames + done, n - done);

        if (k < 0) {
            r->failed = true;
            break;
        }
        done += k;
        if (done < n) {
            if (should_stop(r) || now_ns() >= give_up) {
                break;
            }
            wait_tx(r);
        }
    }
    return done;
}

/* Prints 's' as a JSON string. */
static void
json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = *s;

        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20 || c >= 0x7f) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

/* Returns the CPU time that this process has used, in seconds. */
static double
cpu_seconds(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru)) {
        return 0;
    }
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
            + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* Prints the JSON members common to every command, after the opening
 * brace. */
static void
json_common(const struct runner *r, double seconds)
{
    const struct options *opt = r->opt;
    const struct memif_client_stats *st = memif_client_stats(r->mc);

    printf("\"command\": \"%s\", \"socket\": ", command_names[opt->command]);
    json_string(opt->memif.socket);
    printf(", \"server\": ");
    json_string(memif_client_server_name(r->mc));
    printf(", \"server_if\": ");
    json_string(memif_client_server_if_name(r->mc));
    printf(", \"c2s_rings\": %u, \"s2c_rings\": %u, \"ring_size\": %u, "
           "\"buffer_size\": %"PRIu32", \"regions\": %u, \"mode\": \"%s\", "
           "\"seconds\": %.6f, \"cpu_seconds\": %.3f, "
           "\"timed_out\": %s, \"interrupted\": %s, "
           "\"kicks\": %"PRIu64", \"wakeups\": %"PRIu64", "
           "\"events\": %"PRIu64", \"missed_events\": %"PRIu64", "
           "\"sleeps\": %"PRIu64", \"rechecks\": %"PRIu64", "
           "\"bad_desc\": %"PRIu64", \"oversized\": %"PRIu64,
           memif_client_n_c2s(r->mc), memif_client_n_s2c(r->mc),
           memif_client_ring_size(r->mc), memif_client_buffer_size(r->mc),
           opt->memif.n_regions, opt->memif.interrupt ? "interrupt" : "poll",
           seconds, cpu_seconds(), r->timed_out ? "true" : "false",
           stop_requested ? "true" : "false",
           st->kicks, st->wakeups, st->events, st->missed_events,
           st->sleeps, st->rechecks, st->bad_desc, st->oversized);
}

/* Returns 'n' per second over 'seconds', or 0. */
static double
per_second(double n, double seconds)
{
    return seconds > 0 ? n / seconds : 0;
}

/* When frames first moved, and when they last did. */
struct span {
    uint64_t first_ns;          /* 0 if none has moved yet. */
    uint64_t last_ns;
};

/* Notes that frames moved just now. */
static void
span_mark(struct span *span)
{
    span->last_ns = now_ns();
    if (!span->first_ns) {
        span->first_ns = span->last_ns;
    }
}

/* Returns the seconds from the first frames to the last, or 0. */
static double
span_seconds(const struct span *span)
{
    return (span->last_ns > span->first_ns
            ? (span->last_ns - span->first_ns) / 1e9 : 0);
}

/* What send keeps while it runs. */
struct sender {
    struct runner *r;
    unsigned int n_queues;      /* C2S queues, used in turn. */
    uint32_t max_size;          /* Of each buffer in 'bufs'. */
    uint8_t *bufs;              /* MEMIF_CLIENT_MAX_BURST buffers. */
    uint64_t *seqs;             /* Next sequence number, per queue. */
    uint64_t rng;               /* Draws the sizes of the frames. */
    uint64_t interval_ns;       /* Between frames at --rate, else 0. */
    uint64_t next_ns;           /* At --rate: when the next frame is due. */
    uint64_t sent;              /* Frames sent. */
    uint64_t bytes;             /* Bytes sent. */
    struct span span;
};

static void
sender_init(struct sender *s, struct runner *r)
{
    const struct options *opt = r->opt;

    memset(s, 0, sizeof *s);
    s->r = r;
    s->n_queues = memif_client_n_c2s(r->mc);
    s->max_size = max_frame_size(opt);
    s->bufs = xalloc((size_t) MEMIF_CLIENT_MAX_BURST * s->max_size);
    s->seqs = xalloc_zeroed(s->n_queues, sizeof *s->seqs);
    s->rng = opt->seed ? opt->seed : 1;
    s->interval_ns = opt->rate ? 1e9 / opt->rate : 0;
    if (!s->interval_ns && opt->rate) {
        s->interval_ns = 1;
    }
    s->next_ns = now_ns();
}

static void
sender_destroy(struct sender *s)
{
    free(s->seqs);
    free(s->bufs);
}

/* Returns how many of 'n' frames may go now: all without --rate, otherwise
 * those that are due, or none after waiting a little if none is. */
static uint64_t
pace(struct sender *s, uint64_t n)
{
    struct runner *r = s->r;
    uint64_t now, due;

    if (!s->interval_ns) {
        return n;
    }
    now = now_ns();
    if (s->next_ns > now) {
        uint64_t ns = wait_budget(r, s->next_ns);

        if (ns > 100000 || r->opt->memif.interrupt) {
            sleep_ns(ns);
            r->spins = 255;
        } else {
            cpu_relax();
        }
        tick(r);
        return 0;
    }
    if (now - s->next_ns > 4 * MEMIF_CLIENT_MAX_BURST * s->interval_ns) {
        /* Too far behind: do not catch up in one rush. */
        s->next_ns = now - MEMIF_CLIENT_MAX_BURST * s->interval_ns;
    }
    due = (now - s->next_ns) / s->interval_ns + 1;
    return due < n ? due : n;
}

/* Makes 'n' test frames and sends them on queue 'q'. */
static void
send_burst(struct sender *s, unsigned int q, int n)
{
    const struct options *opt = s->r->opt;
    struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
    int i, done;

    for (i = 0; i < n; i++) {
        uint32_t size = next_size(opt, &s->rng, s->sent + i);

        frames[i].data = s->bufs + (size_t) i * s->max_size;
        frames[i].len = size;
        vm_frame_build(frames[i].data, size, &opt->template,
                       opt->stream + q, s->seqs[q] + i);
    }
    done = send_all(s->r, q, frames, n, 0);
    if (done) {
        span_mark(&s->span);
    }
    for (i = 0; i < done; i++) {
        s->bytes += frames[i].len;
    }
    s->sent += done;
    s->seqs[q] += done;
    s->next_ns += done * s->interval_ns;
}

/* Prints what send did. */
static void
print_sent(const struct sender *s, bool drained, uint64_t unconsumed)
{
    double seconds = span_seconds(&s->span);

    if (s->r->opt->json) {
        putchar('{');
        json_common(s->r, seconds);
        printf(", \"sent\": %"PRIu64", \"bytes\": %"PRIu64", "
               "\"pps\": %.1f, \"bps\": %.1f, \"drained\": %s, "
               "\"unconsumed\": %"PRIu64"}\n",
               s->sent, s->bytes, per_second(s->sent, seconds),
               per_second(s->bytes * 8.0, seconds),
               drained ? "true" : "false", unconsumed);
    } else {
        printf("sent %"PRIu64" frames, %"PRIu64" bytes in %.3f s "
               "(%.0f frames/s, %.1f Mbit/s)",
               s->sent, s->bytes, seconds, per_second(s->sent, seconds),
               per_second(s->bytes * 8.0, seconds) / 1e6);
        if (!drained) {
            printf(", %"PRIu64" not consumed", unconsumed);
        }
        putchar('\n');
    }
}

/* send: sends --count test frames, or until stopped, at --rate. */
static int
cmd_send(struct runner *r)
{
    const struct options *opt = r->opt;
    unsigned int q = 0;
    uint64_t unconsumed;
    struct sender s;
    bool drained;

    sender_init(&s, r);
    while (!opt->count || s.sent < opt->count) {
        uint64_t n = MEMIF_CLIENT_MAX_BURST;

        if (!tick(r) || should_stop(r)) {
            break;
        }
        if (opt->count && opt->count - s.sent < n) {
            n = opt->count - s.sent;
        }
        n = pace(&s, n);
        if (n) {
            send_burst(&s, q, n);
            q = (q + 1) % s.n_queues;
        }
    }
    drained = !r->failed && drain_tx(r);
    if (!r->failed && !drained) {
        fprintf(stderr, "%s: %s: server did not consume every frame sent\n",
                PROGRAM_NAME, opt->memif.socket);
    }
    /* Also after the server went: the rings are in the client's memory. */
    unconsumed = drained ? 0 : memif_client_tx_unconsumed(r->mc);

    print_sent(&s, drained, unconsumed);
    sender_destroy(&s);
    return r->failed ? EXIT_FAIL : EXIT_OK;
}

/* What recv counts. */
struct recv_counts {
    uint64_t frames;            /* Every frame. */
    uint64_t bytes;
    uint64_t valid;             /* Test frames, intact. */
    uint64_t corrupted;         /* Test frames, damaged. */
    uint64_t foreign;           /* Not test frames. */
    uint64_t bad_vlan;          /* Valid test frames with the wrong tag. */
};

/* With --verbose, logs the first frames that are not valid test frames,
 * described as 'what', on stderr. */
static void
log_frame(const struct options *opt, const char *what,
          const struct memif_client_frame *frame,
          const struct vm_frame_info *info)
{
    static unsigned int n_logged;
    uint32_t i;

    if (!opt->memif.verbose || n_logged >= 20) {
        return;
    }
    n_logged++;
    fprintf(stderr, "%s: %s frame, %"PRIu32" bytes, stream %"PRIu32", "
            "seq %"PRIu64":", PROGRAM_NAME, what, frame->len, info->stream,
            info->seq);
    for (i = 0; i < frame->len && i < 48; i++) {
        fprintf(stderr, "%s%02x", i % 4 ? "" : " ", frame->data[i]);
    }
    fputc('\n', stderr);
}

/* recv: receives test frames until --count, --timeout or a signal, and
 * reports what was missing or wrong. */
/* Receives a burst from S2C queue 'q' into 'c' and 'tracker'.  Returns the
 * number of frames received, or -1 if the server broke the ring. */
static int
recv_burst(struct runner *r, unsigned int q, struct recv_counts *c,
           struct vm_tracker *tracker)
{
    const struct options *opt = r->opt;
    struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
    int n = memif_client_rx(r->mc, q, frames, MEMIF_CLIENT_MAX_BURST);
    int i;

    for (i = 0; i < n; i++) {
        struct vm_frame_info info;

        c->frames++;
        c->bytes += frames[i].len;
        switch (vm_frame_parse(frames[i].data, frames[i].len, &info)) {
        case VM_FRAME_OURS:
            c->valid++;
            if (opt->expect_vlan != -2 && info.vlan != opt->expect_vlan) {
                c->bad_vlan++;
            }
            vm_tracker_add(tracker, info.stream, info.seq);
            break;
        case VM_FRAME_CORRUPT:
            c->corrupted++;
            log_frame(opt, "corrupted", &frames[i], &info);
            break;
        case VM_FRAME_FOREIGN:
        default:
            c->foreign++;
            log_frame(opt, "foreign", &frames[i], &info);
            break;
        }
    }
    if (n >= 0) {
        memif_client_rx_done(r->mc, q);
    }
    return n;
}

static int
cmd_recv(struct runner *r)
{
    const struct options *opt = r->opt;
    unsigned int n_queues = memif_client_n_s2c(r->mc);
    const struct memif_client_stats *st = memif_client_stats(r->mc);
    struct vm_tracker *tracker = vm_tracker_create();
    struct vm_tracker_totals t;
    struct recv_counts c;
    struct span span = { 0, 0 };
    double seconds;
    bool broken = false;
    bool bad;

    memset(&c, 0, sizeof c);
    while (!opt->count || c.valid + c.corrupted < opt->count) {
        bool got = false;
        unsigned int q;

        if (!tick(r) || should_stop(r)) {
            break;
        }
        for (q = 0; q < n_queues; q++) {
            int n = recv_burst(r, q, &c, tracker);

            if (n < 0) {
                r->failed = broken = true;
                break;
            } else if (n > 0) {
                span_mark(&span);
                got = true;
            }
        }
        if (opt->rx_pause && !r->failed) {
            sleep_ns(opt->rx_pause * 1e9);
        } else if (!got && !r->failed) {
            wait_rx(r, UINT64_MAX);
        }
    }
    if (r->failed && !broken) {
        /* The server went: what it had put into the rings, which are in
         * the client's memory, is still ours. */
        for (unsigned int q = 0; q < n_queues; q++) {
            while ((!opt->count || c.valid + c.corrupted < opt->count)
                   && recv_burst(r, q, &c, tracker) > 0) {
                continue;
            }
        }
    }

    vm_tracker_get_totals(tracker, &t);
    if (opt->count && t.unique + t.lost < opt->count) {
        /* Frames that never arrived after the last one that did. */
        t.lost = opt->count - t.unique;
    }
    seconds = span_seconds(&span);
    bad = (t.lost || t.duplicated || t.reordered || c.corrupted
           || c.bad_vlan || st->bad_desc || st->oversized);
    if (opt->json) {
        putchar('{');
        json_common(r, seconds);
        printf(", \"received\": %"PRIu64", \"bytes\": %"PRIu64", "
               "\"valid\": %"PRIu64", \"unique\": %"PRIu64", "
               "\"lost\": %"PRIu64", \"duplicated\": %"PRIu64", "
               "\"reordered\": %"PRIu64", \"corrupted\": %"PRIu64", "
               "\"foreign\": %"PRIu64", \"bad_vlan\": %"PRIu64", "
               "\"streams\": %zu, \"pps\": %.1f, \"bps\": %.1f, "
               "\"ok\": %s}\n",
               c.frames, c.bytes, c.valid, t.unique, t.lost, t.duplicated,
               t.reordered, c.corrupted, c.foreign, c.bad_vlan, t.n_streams,
               per_second(c.frames, seconds),
               per_second(c.bytes * 8.0, seconds), bad ? "false" : "true");
    } else {
        printf("received %"PRIu64" frames, %"PRIu64" bytes in %.3f s "
               "(%.0f frames/s, %.1f Mbit/s)\n"
               "valid %"PRIu64", lost %"PRIu64", duplicated %"PRIu64", "
               "reordered %"PRIu64", corrupted %"PRIu64", "
               "foreign %"PRIu64", bad VLAN %"PRIu64"\n",
               c.frames, c.bytes, seconds, per_second(c.frames, seconds),
               per_second(c.bytes * 8.0, seconds) / 1e6,
               c.valid, t.lost, t.duplicated, t.reordered, c.corrupted,
               c.foreign, c.bad_vlan);
        if (st->bad_desc || st->oversized || st->missed_events) {
            printf("bad descriptors %"PRIu64", oversized %"PRIu64", "
                   "missed events %"PRIu64"\n",
                   st->bad_desc, st->oversized, st->missed_events);
        }
    }
    vm_tracker_destroy(tracker);
    return r->failed ? EXIT_FAIL : bad ? EXIT_CHECK : EXIT_OK;
}

/* echo: sends every received frame back on the same queue, with its MAC
 * addresses swapped. */
static int
cmd_echo(struct runner *r)
{
    const struct options *opt = r->opt;
    unsigned int n_s2c = memif_client_n_s2c(r->mc);
    unsigned int n_c2s = memif_client_n_c2s(r->mc);
    uint64_t received = 0, echoed = 0, dropped = 0, bytes = 0;
    struct span span = { 0, 0 };
    double seconds;

    while (!opt->count || received < opt->count) {
        bool got = false;
        unsigned int q;

        if (!tick(r) || should_stop(r)) {
            break;
        }
        for (q = 0; q < n_s2c && !r->failed; q++) {
            struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
            int n = memif_client_rx(r->mc, q, frames, MEMIF_CLIENT_MAX_BURST);
            int i, done;

            if (n < 0) {
                r->failed = true;
                break;
            } else if (!n) {
                continue;
            }
            for (i = 0; i < n; i++) {
                vm_frame_swap_macs(frames[i].data, frames[i].len,
                                   opt->template.src);
            }
            done = send_all(r, q % n_c2s, frames, n, ECHO_TX_WAIT_NS);
            memif_client_rx_done(r->mc, q);
            for (i = 0; i < done; i++) {
                bytes += frames[i].len;
            }
            received += n;
            echoed += done;
            dropped += n - done;
            span_mark(&span);
            got = true;
        }
        if (!got && !r->failed) {
            wait_rx(r, UINT64_MAX);
        }
    }
    if (!r->failed) {
        drain_tx(r);
    }

    seconds = span_seconds(&span);
    if (opt->json) {
        putchar('{');
        json_common(r, seconds);
        printf(", \"received\": %"PRIu64", \"echoed\": %"PRIu64", "
               "\"dropped\": %"PRIu64", \"bytes\": %"PRIu64", "
               "\"pps\": %.1f}\n", received, echoed, dropped, bytes,
               per_second(echoed, seconds));
    } else {
        printf("echoed %"PRIu64" of %"PRIu64" frames received, "
               "%"PRIu64" bytes (%"PRIu64" dropped)\n",
               echoed, received, bytes, dropped);
    }
    return r->failed ? EXIT_FAIL : EXIT_OK;
}

/* Compares two uint64_t values, for qsort(). */
static int
compare_u64(const void *a_, const void *b_)
{
    const uint64_t *a = a_;
    const uint64_t *b = b_;

    return *a < *b ? -1 : *a > *b;
}

/* What ping counts. */
struct ping_counts {
    uint64_t sent;
    uint64_t received;
    uint64_t late;              /* Replies after their wait ended. */
    uint64_t corrupted;
    uint64_t foreign;
};

/* Receives everything pending, counting it in 'c'.  Returns true if the
 * reply to 'seq' arrived. */
static bool
ping_receive(struct runner *r, struct ping_counts *c, uint64_t seq)
{
    unsigned int n_queues = memif_client_n_s2c(r->mc);
    bool found = false;
    unsigned int q;

    for (q = 0; q < n_queues; q++) {
        struct memif_client_frame frames[MEMIF_CLIENT_MAX_BURST];
        int n = memif_client_rx(r->mc, q, frames, MEMIF_CLIENT_MAX_BURST);
        int i;

        if (n < 0) {
            r->failed = true;
            return false;
        }
        for (i = 0; i < n; i++) {
            struct vm_frame_info info;

            switch (vm_frame_parse(frames[i].data, frames[i].len, &info)) {
            case VM_FRAME_OURS:
                if (info.stream != r->opt->stream) {
                    c->foreign++;
                } else if (info.seq == seq && !found) {
                    found = true;
                } else {
                    c->late++;
                }
                break;
            case VM_FRAME_CORRUPT:
                c->corrupted++;
                break;
            case VM_FRAME_FOREIGN:
            default:
                c->foreign++;
                break;
            }
        }
        memif_client_rx_done(r->mc, q);
    }
    return found;
}

/* ping: sends --count test frames, one at a time, each --interval after
 * the previous one, and measures how long each takes to come back. */
static int
cmd_ping(struct runner *r)
{
    const struct options *opt = r->opt;
    uint8_t *buf = xalloc(max_frame_size(opt));
    uint64_t rng = opt->seed ? opt->seed : 1;
    uint64_t *rtts = xalloc_zeroed(opt->count, sizeof *rtts);
    uint64_t interval_ns = opt->interval * 1e9;
    uint64_t min = 0, median = 0, p99 = 0, max = 0, sum = 0;
    struct ping_counts c;
    uint64_t seq;
    bool bad;

    memset(&c, 0, sizeof c);
    for (seq = 0; seq < opt->count && tick(r) && !should_stop(r);
         seq++) {
        uint32_t size = next_size(opt, &rng, seq);
        struct memif_client_frame frame = { buf, size };
        uint64_t t0, reply_by, next_ns;
        bool found = false;

        /* Anything still pending is late. */
        ping_receive(r, &c, UINT64_MAX);

        vm_frame_build(buf, size, &opt->template, opt->stream, seq);
        t0 = now_ns();
        if (send_all(r, 0, &frame, 1, 0) != 1) {
            break;
        }
        c.sent++;

        reply_by = t0 + PING_WAIT_NS;
        while (!found && !r->failed && now_ns() < reply_by
               && !should_stop(r)) {
            found = ping_receive(r, &c, seq);
            if (found) {
                rtts[c.received++] = now_ns() - t0;
            } else if (!r->failed) {
                wait_rx(r, reply_by);
            }
        }

        next_ns = t0 + interval_ns;
        while (seq + 1 < opt->count && !r->failed && !should_stop(r)
               && now_ns() < next_ns) {
            uint64_t ns = wait_budget(r, next_ns);

            sleep_ns(ns < 1000000 ? ns : 1000000);
            ping_receive(r, &c, UINT64_MAX);
            r->spins = 255;
            tick(r);
        }
    }

    if (c.received) {
        qsort(rtts, c.received, sizeof *rtts, compare_u64);
        min = rtts[0];
        max = rtts[c.received - 1];
        median = (c.received % 2
                  ? rtts[c.received / 2]
                  : (rtts[c.received / 2 - 1] + rtts[c.received / 2]) / 2);
        p99 = rtts[(uint64_t) ceil(c.received * 0.99) - 1];
        for (seq = 0; seq < c.received; seq++) {
            sum += rtts[seq];
        }
    }
    bad = c.received < c.sent || c.corrupted;
    if (opt->json) {
        putchar('{');
        json_common(r, (now_ns() - r->start_ns) / 1e9);
        printf(", \"sent\": %"PRIu64", \"received\": %"PRIu64", "
               "\"lost\": %"PRIu64", \"late\": %"PRIu64", "
               "\"corrupted\": %"PRIu64", \"foreign\": %"PRIu64", "
               "\"rtt_min_us\": %.3f, "
               "\"rtt_median_us\": %.3f, \"rtt_p99_us\": %.3f, "
               "\"rtt_avg_us\": %.3f, \"rtt_max_us\": %.3f, \"ok\": %s}\n",
               c.sent, c.received, c.sent - c.received, c.late, c.corrupted,
               c.foreign, min / 1e3, median / 1e3, p99 / 1e3,
               c.received ? sum / 1e3 / c.received : 0, max / 1e3,
               bad ? "false" : "true");
    } else {
        printf("%"PRIu64" sent, %"PRIu64" received, %"PRIu64" lost, "
               "%"PRIu64" late, %"PRIu64" corrupted\n",
               c.sent, c.received, c.sent - c.received, c.late, c.corrupted);
        if (c.received) {
            printf("rtt min/median/p99/avg/max = %.1f/%.1f/%.1f/%.1f/%.1f "
                   "us\n", min / 1e3, median / 1e3, p99 / 1e3,
                   sum / 1e3 / c.received, max / 1e3);
        }
    }
    free(rtts);
    free(buf);
    return r->failed ? EXIT_FAIL : bad ? EXIT_CHECK : EXIT_OK;
}

/* Parses the command line, connects, runs the command and reports. */
int
main(int argc, char *argv[])
{
    struct sigaction sa;
    struct options opt;
    struct runner r;
    char *error;
    uint32_t max_size;
    int status;

    parse_options(argc, argv, &opt);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stop_handler;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    memset(&r, 0, sizeof r);
    r.opt = &opt;
    r.mc = memif_client_connect(&opt.memif, &error);
    if (!r.mc) {
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, error);
        free(error);
        return EXIT_FAIL;
    }
    max_size = max_frame_size(&opt);
    if ((opt.command == CMD_SEND || opt.command == CMD_PING)
        && max_size > (uint64_t) memif_client_ring_size(r.mc)
                      * memif_client_buffer_size(r.mc)) {
        fprintf(stderr, "%s: %"PRIu32"-byte frames do not fit in a ring of "
                "%u %"PRIu32"-byte buffers\n", PROGRAM_NAME, max_size,
                memif_client_ring_size(r.mc), memif_client_buffer_size(r.mc));
        memif_client_destroy(r.mc);
        return EXIT_USAGE;
    }

    r.start_ns = now_ns();
    r.deadline_ns = (opt.timeout
                     ? r.start_ns + (uint64_t) (opt.timeout * 1e9)
                     : UINT64_MAX);
    r.next_check_ns = r.start_ns;
    switch (opt.command) {
    case CMD_SEND:
        status = cmd_send(&r);
        break;
    case CMD_RECV:
        status = cmd_recv(&r);
        break;
    case CMD_ECHO:
        status = cmd_echo(&r);
        break;
    case CMD_PING:
    default:
        status = cmd_ping(&r);
        break;
    }
    fflush(stdout);
    if (memif_client_error(r.mc)) {
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, memif_client_error(r.mc));
        status = EXIT_FAIL;
    }
    memif_client_destroy(r.mc);
    return status;
}
