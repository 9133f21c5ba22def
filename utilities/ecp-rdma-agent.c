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

/* ecp-rdma-agent: the access switch's agent.  For every "ecp-rdma" interface
 * with options:role=switch, ovs-vswitchd publishes the VSIs associated on
 * that session in Interface:status:vsis.  The agent keeps exactly one
 * role=vsi port per listed VSI on the switch interface's bridge: it creates
 * the missing ones, corrects the ones that are wrong and removes the ones
 * that are no longer wanted.  It marks the ports it creates with
 * external_ids and never touches any other port. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "command-line.h"
#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "hash.h"
#include "lib/vswitch-idl.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "simap.h"
#include "sset.h"
#include "stream-ssl.h"
#include "stream.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(ecp_rdma_agent);

#ifndef ECPRDMA_VERSION
#define ECPRDMA_VERSION "unknown"
#endif

/* The external_ids keys that mark a port and its interface as the agent's:
 * the switch interface (the session) and the VSI the port stands for. */
#define AGENT_KEY_SESSION "ecp-rdma-agent"
#define AGENT_KEY_VSI "ecp-rdma-vsi"

/* The external_ids keys of an interface that tell a controller which VM it
 * stands for (OVS's integration guide: ovn-controller binds the interface
 * whose iface-id names a logical port), from what the VM's server told the
 * switch.  The agent sets them on its ports' interfaces as the switch
 * lists them, and removes them where it lists none. */
static const char *const vm_keys[] = { "iface-id", "attached-mac", "vm-id" };
#define N_VM_KEYS ARRAY_SIZE(vm_keys)

/* The OpenFlow port number that the agent asks for (ofport_request) for a
 * VSI's port, so that a VM that leaves and comes back has the same one:
 * the number its port had the last time the agent saw it, or else one
 * derived from the VSI id in [AGENT_OFPORT_MIN, AGENT_OFPORT_MAX], if no
 * other interface has or asks for that number; otherwise none, and Open
 * vSwitch picks one.  The agent remembers the numbers of at most
 * AGENT_OFPORTS_REMEMBERED ports. */
#define AGENT_OFPORT_MIN 1000
#define AGENT_OFPORT_MAX 65279      /* OFPP_MAX (0xff00) excluded. */
#define AGENT_OFPORTS_REMEMBERED 65536

/* The OVSDB lock that one agent holds at a time. */
#define AGENT_LOCK "ecp_rdma_agent"

/* How long to wait before trying again after a transaction error. */
#define AGENT_RETRY_MSEC 1000

/* How long to keep a port whose VSI its switch no longer lists, by default:
 * longer than an association takes to come back after a lapse (3
 * keep-alive periods and a bit), so that the frames that the port holds
 * for the VM meanwhile are not lost with it. */
#define AGENT_GRACE_MSEC_DEFAULT 10000
static long long int grace_msec = AGENT_GRACE_MSEC_DEFAULT;

/* The state of the port of one VSI. */
enum vsi_port_state {
    VSI_PORT_OK,                /* The agent's port is as it should be. */
    VSI_PORT_CREATE,            /* There is no port: create it. */
    VSI_PORT_FIX,               /* The agent's port is wrong: correct it. */
    VSI_PORT_NAME_TAKEN,        /* A port or interface that the agent did not
                                 * create has the name: leave it alone. */
    VSI_PORT_DUPLICATE,         /* Another VSI's port has the same name. */
};

/* The port of one VSI listed by one switch interface. */
struct vsi_port {
    struct hmap_node name_node; /* In 'plan->vsi_ports', if wanted. */
    struct session *session;    /* The switch interface that lists it. */
    char *name;                 /* "<session>-<first 8 hex digits>". */
    char vsi[UUID_LEN + 1];     /* The VSI id, lowercase. */
    char *vm_values[N_VM_KEYS]; /* Of 'vm_keys', NULL for none. */
    enum vsi_port_state state;
    const struct ovsrec_port *port;  /* The agent's port, if any. */
    const struct vsi_port *dup_of;   /* For VSI_PORT_DUPLICATE. */
};

/* One "ecp-rdma" interface with options:role=switch in a bridge. */
struct session {
    const struct ovsrec_interface *iface;
    const struct ovsrec_bridge *bridge;
    struct vsi_port **ports;    /* In the order of the VSI ids. */
    size_t n_ports;
    size_t allocated_ports;
};

/* The bridges that hold one port in their "ports" column. */
struct port_bridges {
    struct hmap_node node;      /* In 'plan->port_bridges'. */
    const struct ovsrec_port *port;
    const struct ovsrec_bridge **bridges;
    size_t n_bridges;
};

/* What the database holds and what the agent wants it to hold. */
struct plan {
    struct session *sessions;   /* Sorted by switch interface name. */
    size_t n_sessions;
    size_t allocated_sessions;

    struct hmap vsi_ports;      /* Wanted ports, by name. */
    struct hmap port_bridges;   /* "struct port_bridges", by port. */

    unsigned long *used_ofports;        /* Port numbers that interfaces
                                         * have or ask for. */
    const struct simap *remembered;     /* Port name -> its last number. */

    const struct ovsrec_port **stale;  /* The agent's unwanted ports. */
    size_t n_stale;
    size_t allocated_stale;

    struct sset problems;       /* Why VSIs get no port, one message each. */
};

static unixctl_cb_func agent_unixctl_exit;
static unixctl_cb_func agent_unixctl_show;

static char *parse_options(int argc, char *argv[], char **unixctl_path);
OVS_NO_RETURN static void usage(void);

/* Returns true if 'port' was created by the agent. */
static bool
is_agent_port(const struct ovsrec_port *port)
{
    return smap_get(&port->external_ids, AGENT_KEY_SESSION) != NULL;
}

/* Returns true if 'iface' is the switch's end of a session. */
static bool
is_switch_iface(const struct ovsrec_interface *iface)
{
    return !strcmp(iface->type, "ecp-rdma")
           && !strcmp(smap_get_def(&iface->options, "role", ""), "switch");
}

static struct port_bridges *
port_bridges_find(const struct plan *plan, const struct ovsrec_port *port)
{
    struct port_bridges *pb;

    HMAP_FOR_EACH_WITH_HASH (pb, node, hash_pointer(port, 0),
                             &plan->port_bridges) {
        if (pb->port == port) {
            return pb;
        }
    }
    return NULL;
}

static void
port_bridges_add(struct plan *plan, const struct ovsrec_port *port,
                 const struct ovsrec_bridge *br)
{
    struct port_bridges *pb = port_bridges_find(plan, port);

    if (!pb) {
        pb = xzalloc(sizeof *pb);
        pb->port = port;
        hmap_insert(&plan->port_bridges, &pb->node, hash_pointer(port, 0));
    }
    for (size_t i = 0; i < pb->n_bridges; i++) {
        if (pb->bridges[i] == br) {
            return;
        }
    }
    pb->bridges = xrealloc(pb->bridges,
                           (pb->n_bridges + 1) * sizeof *pb->bridges);
    pb->bridges[pb->n_bridges++] = br;
}

static struct vsi_port *
plan_find_vsi_port(const struct plan *plan, const char *name)
{
    struct vsi_port *vp;

    HMAP_FOR_EACH_WITH_HASH (vp, name_node, hash_string(name, 0),
                             &plan->vsi_ports) {
        if (!strcmp(vp->name, name)) {
            return vp;
        }
    }
    return NULL;
}

static int
compare_sessions(const void *a_, const void *b_)
{
    const struct session *a = a_;
    const struct session *b = b_;

    return strcmp(a->iface->name, b->iface->name);
}

/* The options of the interface of 'vp'. */
static void
vsi_port_options(const struct vsi_port *vp, struct smap *options)
{
    smap_init(options);
    smap_add(options, "role", "vsi");
    smap_add(options, "session", vp->session->iface->name);
    smap_add(options, "vsi", vp->vsi);
}

/* The external_ids of the port of 'vp' and, with 'vm_keys' too, of its
 * interface. */
static void
vsi_port_external_ids(const struct vsi_port *vp, bool iface,
                      struct smap *ids)
{
    smap_init(ids);
    smap_add(ids, AGENT_KEY_SESSION, vp->session->iface->name);
    smap_add(ids, AGENT_KEY_VSI, vp->vsi);
    for (size_t i = 0; iface && i < N_VM_KEYS; i++) {
        if (vp->vm_values[i]) {
            smap_add(ids, vm_keys[i], vp->vm_values[i]);
        }
    }
}

static bool
external_ids_ok(const struct vsi_port *vp, const struct smap *ids)
{
    return !strcmp(smap_get_def(ids, AGENT_KEY_SESSION, ""),
                   vp->session->iface->name)
           && !strcmp(smap_get_def(ids, AGENT_KEY_VSI, ""), vp->vsi);
}

/* Whether the interface's 'ids' have the 'vm_keys' of 'vp', and only
 * those.  Other keys are someone else's (e.g. ovn-controller's
 * "ovn-installed"). */
static bool
vm_ids_ok(const struct vsi_port *vp, const struct smap *ids)
{
    for (size_t i = 0; i < N_VM_KEYS; i++) {
        const char *value = smap_get(ids, vm_keys[i]);

        if (!nullable_string_is_equal(value, vp->vm_values[i])) {
            return false;
        }
    }
    return true;
}

static bool
iface_ok(const struct vsi_port *vp, const struct ovsrec_interface *iface)
{
    struct smap options;
    bool ok;

    vsi_port_options(vp, &options);
    ok = (!strcmp(iface->name, vp->name)
          && !strcmp(iface->type, "ecp-rdma")
          && smap_equal(&iface->options, &options)
          && external_ids_ok(vp, &iface->external_ids)
          && vm_ids_ok(vp, &iface->external_ids));
    smap_destroy(&options);
    return ok;
}

/* Returns true if the agent's port of 'vp' is exactly as it should be: on
 * the session's bridge only, with one interface, and the right columns. */
static bool
vsi_port_ok(const struct plan *plan, const struct vsi_port *vp)
{
    const struct port_bridges *pb = port_bridges_find(plan, vp->port);

    return (pb && pb->n_bridges == 1
            && pb->bridges[0] == vp->session->bridge
            && external_ids_ok(vp, &vp->port->external_ids)
            && vp->port->n_interfaces == 1
            && iface_ok(vp, vp->port->interfaces[0]));
}

/* Records a reason why a VSI gets no port. */
static void OVS_PRINTF_FORMAT(2, 3)
plan_problem(struct plan *plan, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    sset_add_and_free(&plan->problems, xvasprintf(format, args));
    va_end(args);
}

/* Sets the 'vm_keys' values of 'vp' from what its switch interface
 * publishes of its VSI, "status:vsi-<id>", e.g. "mac=02:00:00:00:00:01
 * vlan=0 iface-id=lsp1 vm-id=vm1" (mac, iface-id and vm-id: attached-mac,
 * iface-id and vm-id). */
static void
vsi_port_parse_vm(struct vsi_port *vp)
{
    static const char *const fields[N_VM_KEYS] = { "iface-id", "mac",
                                                   "vm-id" };
    char *key = xasprintf("vsi-%s", vp->vsi);
    const char *value = smap_get(&vp->session->iface->status, key);
    char *copy, *token, *save_ptr = NULL;

    free(key);
    if (!value) {
        return;
    }
    copy = xstrdup(value);
    for (token = strtok_r(copy, " ", &save_ptr); token;
         token = strtok_r(NULL, " ", &save_ptr)) {
        char *eq = strchr(token, '=');

        if (!eq) {
            continue;
        }
        *eq = '\0';
        for (size_t i = 0; i < N_VM_KEYS; i++) {
            if (!strcmp(token, fields[i]) && eq[1] && !vp->vm_values[i]) {
                vp->vm_values[i] = xstrdup(eq + 1);
            }
        }
    }
    free(copy);
}

/* Adds to 's' the port of VSI 'vsi' (a lowercase UUID). */
static void
session_add_vsi(struct plan *plan, struct session *s, const char *vsi,
                const struct sset *foreign)
{
    const char *session = s->iface->name;
    struct vsi_port *vp, *other;

    vp = xzalloc(sizeof *vp);
    vp->session = s;
    ovs_strzcpy(vp->vsi, vsi, sizeof vp->vsi);
    vp->name = xasprintf("%s-%.8s", session, vp->vsi);
    vsi_port_parse_vm(vp);

    other = plan_find_vsi_port(plan, vp->name);
    if (other) {
        vp->state = VSI_PORT_DUPLICATE;
        vp->dup_of = other;
        plan_problem(plan, "%s: not adding a port for VSI %s: port %s is "
                     "already VSI %s's", session, vp->vsi, vp->name,
                     other->vsi);
    } else if (sset_contains(foreign, vp->name)) {
        vp->state = VSI_PORT_NAME_TAKEN;
        plan_problem(plan, "%s: not adding a port for VSI %s: a port or "
                     "interface named %s, not created by ecp-rdma-agent, "
                     "exists", session, vp->vsi, vp->name);
    } else {
        vp->state = VSI_PORT_CREATE;
        hmap_insert(&plan->vsi_ports, &vp->name_node,
                    hash_string(vp->name, 0));
    }

    if (s->n_ports >= s->allocated_ports) {
        s->ports = x2nrealloc(s->ports, &s->allocated_ports,
                              sizeof *s->ports);
    }
    s->ports[s->n_ports++] = vp;
}

/* Adds to 's' the ports of the VSIs in its status:vsis, in the order of
 * their ids, so that the same ids always give the same ports whatever
 * order they are listed in. */
static void
session_add_vsis(struct plan *plan, struct session *s,
                 const struct sset *foreign)
{
    const char *vsis = smap_get(&s->iface->status, "vsis");
    char *copy, *token, *save_ptr = NULL;
    struct sset ids;
    const char **sorted;

    if (!vsis) {
        return;
    }

    sset_init(&ids);
    copy = xstrdup(vsis);
    for (token = strtok_r(copy, " \t\n,", &save_ptr); token;
         token = strtok_r(NULL, " \t\n,", &save_ptr)) {
        struct uuid uuid;

        if (uuid_from_string(&uuid, token)) {
            sset_add_and_free(&ids, xasprintf(UUID_FMT, UUID_ARGS(&uuid)));
        } else {
            plan_problem(plan, "%s: ignoring VSI id \"%s\" in status:vsis, "
                         "which is not a UUID", s->iface->name, token);
        }
    }
    free(copy);

    sorted = sset_sort(&ids);
    for (size_t i = 0; i < sset_count(&ids); i++) {
        session_add_vsi(plan, s, sorted[i], foreign);
    }
    free(sorted);
    sset_destroy(&ids);
}

static void
plan_add_session(struct plan *plan, const struct ovsrec_interface *iface,
                 const struct ovsrec_bridge *br)
{
    struct session *s;

    for (size_t i = 0; i < plan->n_sessions; i++) {
        if (plan->sessions[i].iface == iface) {
            /* A port in two bridges; keep the first. */
            return;
        }
    }
    if (plan->n_sessions >= plan->allocated_sessions) {
        plan->sessions = x2nrealloc(plan->sessions, &plan->allocated_sessions,
                                    sizeof *plan->sessions);
    }
    s = &plan->sessions[plan->n_sessions++];
    memset(s, 0, sizeof *s);
    s->iface = iface;
    s->bridge = br;
}

static void
plan_add_stale(struct plan *plan, const struct ovsrec_port *port)
{
    if (plan->n_stale >= plan->allocated_stale) {
        plan->stale = x2nrealloc(plan->stale, &plan->allocated_stale,
                                 sizeof *plan->stale);
    }
    plan->stale[plan->n_stale++] = port;
}

/* Whether 'ofport' is a number that the agent may ask for or remember. */
static bool
ofport_in_range(int64_t ofport)
{
    return ofport > 0 && ofport <= AGENT_OFPORT_MAX;
}

/* Marks the 'n' port numbers 'ofports' used in 'plan'. */
static void
plan_mark_ofports(struct plan *plan, const int64_t *ofports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ofport_in_range(ofports[i])) {
            bitmap_set1(plan->used_ofports, ofports[i]);
        }
    }
}

/* Marks in 'plan' the OpenFlow port numbers that an interface has or asks
 * for. */
static void
plan_find_used_ofports(struct plan *plan, struct ovsdb_idl *idl)
{
    const struct ovsrec_interface *iface;

    plan->used_ofports = bitmap_allocate(AGENT_OFPORT_MAX + 1);
    OVSREC_INTERFACE_FOR_EACH (iface, idl) {
        plan_mark_ofports(plan, iface->ofport, iface->n_ofport);
        plan_mark_ofports(plan, iface->ofport_request,
                          iface->n_ofport_request);
    }
}

/* Compares the database that 'idl' replicates with what the agent wants and
 * stores both in 'plan', with the reasons why VSIs get no port.  The port
 * numbers in 'remembered' are asked for again for ports created anew. */
static void
plan_build(struct plan *plan, struct ovsdb_idl *idl,
           const struct simap *remembered)
{
    const struct ovsrec_bridge *br;
    const struct ovsrec_port *port;
    struct sset foreign;

    memset(plan, 0, sizeof *plan);
    hmap_init(&plan->vsi_ports);
    hmap_init(&plan->port_bridges);
    sset_init(&plan->problems);
    plan_find_used_ofports(plan, idl);
    plan->remembered = remembered;

    /* The bridges of every port. */
    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        for (size_t i = 0; i < br->n_ports; i++) {
            port_bridges_add(plan, br->ports[i], br);
        }
    }

    /* The names of the ports and interfaces that are not the agent's. */
    sset_init(&foreign);
    OVSREC_PORT_FOR_EACH (port, idl) {
        if (!is_agent_port(port)) {
            sset_add(&foreign, port->name);
            for (size_t i = 0; i < port->n_interfaces; i++) {
                sset_add(&foreign, port->interfaces[i]->name);
            }
        }
    }

    /* The sessions and the ports that they want. */
    OVSREC_BRIDGE_FOR_EACH (br, idl) {
        for (size_t i = 0; i < br->n_ports; i++) {
            port = br->ports[i];
            if (is_agent_port(port)) {
                continue;
            }
            for (size_t j = 0; j < port->n_interfaces; j++) {
                if (is_switch_iface(port->interfaces[j])) {
                    plan_add_session(plan, port->interfaces[j], br);
                }
            }
        }
    }
    if (plan->n_sessions) {
        qsort(plan->sessions, plan->n_sessions, sizeof *plan->sessions,
              compare_sessions);
    }
    for (size_t i = 0; i < plan->n_sessions; i++) {
        session_add_vsis(plan, &plan->sessions[i], &foreign);
    }
    sset_destroy(&foreign);

    /* The agent's ports: wanted ones are kept, others removed. */
    OVSREC_PORT_FOR_EACH (port, idl) {
        struct vsi_port *vp;

        if (!is_agent_port(port)) {
            continue;
        }
        vp = plan_find_vsi_port(plan, port->name);
        if (vp && !vp->port) {
            vp->port = port;
            vp->state = vsi_port_ok(plan, vp) ? VSI_PORT_OK : VSI_PORT_FIX;
        } else {
            plan_add_stale(plan, port);
        }
    }
}

static void
plan_destroy(struct plan *plan)
{
    struct port_bridges *pb;

    for (size_t i = 0; i < plan->n_sessions; i++) {
        struct session *s = &plan->sessions[i];

        for (size_t j = 0; j < s->n_ports; j++) {
            for (size_t k = 0; k < N_VM_KEYS; k++) {
                free(s->ports[j]->vm_values[k]);
            }
            free(s->ports[j]->name);
            free(s->ports[j]);
        }
        free(s->ports);
    }
    free(plan->sessions);
    hmap_destroy(&plan->vsi_ports);

    HMAP_FOR_EACH_POP (pb, node, &plan->port_bridges) {
        free(pb->bridges);
        free(pb);
    }
    hmap_destroy(&plan->port_bridges);

    free(plan->stale);
    sset_destroy(&plan->problems);
    bitmap_free(plan->used_ofports);
}

/* Removes 'port', one of the agent's, from every bridge and deletes it and
 * its interfaces. */
static void
remove_port(const struct plan *plan, const struct ovsrec_port *port)
{
    const struct port_bridges *pb = port_bridges_find(plan, port);

    VLOG_INFO("%s: removing port %s of VSI %s",
              smap_get_def(&port->external_ids, AGENT_KEY_SESSION, ""),
              port->name, smap_get_def(&port->external_ids, AGENT_KEY_VSI,
                                       "(none)"));
    for (size_t i = 0; pb && i < pb->n_bridges; i++) {
        ovsrec_bridge_update_ports_delvalue(pb->bridges[i], port);
    }
    for (size_t i = 0; i < port->n_interfaces; i++) {
        ovsrec_interface_delete(port->interfaces[i]);
    }
    ovsrec_port_delete(port);
}

static struct ovsrec_interface *
insert_iface(struct ovsdb_idl_txn *txn, const struct vsi_port *vp)
{
    struct ovsrec_interface *iface;
    struct smap options, ids;

    vsi_port_options(vp, &options);
    vsi_port_external_ids(vp, true, &ids);

    iface = ovsrec_interface_insert(txn);
    ovsrec_interface_set_name(iface, vp->name);
    ovsrec_interface_set_type(iface, "ecp-rdma");
    ovsrec_interface_set_options(iface, &options);
    ovsrec_interface_set_external_ids(iface, &ids);

    smap_destroy(&options);
    smap_destroy(&ids);
    return iface;
}

/* The OpenFlow port number to ask for for 'vp''s port, created anew, or 0
 * for none (see AGENT_OFPORT_MIN); marks it used in 'plan'. */
static int64_t
vsi_port_ofport(struct plan *plan, const struct vsi_port *vp)
{
    int64_t candidates[2] = {
        plan->remembered ? simap_get(plan->remembered, vp->name) : 0,
        AGENT_OFPORT_MIN + hash_string(vp->vsi, 0) % (AGENT_OFPORT_MAX
                                                      - AGENT_OFPORT_MIN + 1),
    };

    for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
        int64_t n = candidates[i];

        if (ofport_in_range(n) && !bitmap_is_set(plan->used_ofports, n)) {
            bitmap_set1(plan->used_ofports, n);
            return n;
        }
    }
    return 0;
}

static void
create_port(struct ovsdb_idl_txn *txn, struct plan *plan,
            const struct vsi_port *vp)
{
    const struct ovsrec_bridge *br = vp->session->bridge;
    struct ovsrec_interface *iface;
    struct ovsrec_port *port;
    struct smap ids;
    int64_t ofport = vsi_port_ofport(plan, vp);

    VLOG_INFO("%s: adding port %s for VSI %s to bridge %s",
              vp->session->iface->name, vp->name, vp->vsi, br->name);

    iface = insert_iface(txn, vp);
    if (ofport) {
        ovsrec_interface_set_ofport_request(iface, &ofport, 1);
    }

    vsi_port_external_ids(vp, false, &ids);
    port = ovsrec_port_insert(txn);
    ovsrec_port_set_name(port, vp->name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_port_set_external_ids(port, &ids);
    smap_destroy(&ids);

    ovsrec_bridge_update_ports_addvalue(br, port);
}

/* Corrects the 'vm_keys' of the external_ids of 'iface', the interface of
 * 'vp', leaving its other keys alone. */
static void
fix_vm_ids(const struct vsi_port *vp, const struct ovsrec_interface *iface)
{
    for (size_t i = 0; i < N_VM_KEYS; i++) {
        const char *value = smap_get(&iface->external_ids, vm_keys[i]);

        if (nullable_string_is_equal(value, vp->vm_values[i])) {
            continue;
        }
        if (vp->vm_values[i]) {
            ovsrec_interface_update_external_ids_setkey(iface, vm_keys[i],
                                                        vp->vm_values[i]);
        } else {
            ovsrec_interface_update_external_ids_delkey(iface, vm_keys[i]);
        }
    }
}

/* Corrects the agent's port of 'vp': its bridge, its columns and those of
 * its interface. */
static void
fix_port(struct ovsdb_idl_txn *txn, const struct plan *plan,
         const struct vsi_port *vp)
{
    const struct ovsrec_bridge *br = vp->session->bridge;
    const struct port_bridges *pb = port_bridges_find(plan, vp->port);
    const struct ovsrec_port *port = vp->port;
    struct ovsrec_interface *iface = NULL;
    bool in_bridge = false;
    struct smap options;

    VLOG_INFO("%s: correcting port %s of VSI %s on bridge %s",
              vp->session->iface->name, vp->name, vp->vsi, br->name);

    for (size_t i = 0; pb && i < pb->n_bridges; i++) {
        if (pb->bridges[i] == br) {
            in_bridge = true;
        } else {
            ovsrec_bridge_update_ports_delvalue(pb->bridges[i], port);
        }
    }
    if (!in_bridge) {
        ovsrec_bridge_update_ports_addvalue(br, port);
    }

    if (!external_ids_ok(vp, &port->external_ids)) {
        ovsrec_port_update_external_ids_setkey(port, AGENT_KEY_SESSION,
                                               vp->session->iface->name);
        ovsrec_port_update_external_ids_setkey(port, AGENT_KEY_VSI, vp->vsi);
    }

    /* Keep the interface named like the port, delete the others. */
    for (size_t i = 0; i < port->n_interfaces; i++) {
        if (!iface && !strcmp(port->interfaces[i]->name, vp->name)) {
            iface = port->interfaces[i];
        } else {
            ovsrec_interface_delete(port->interfaces[i]);
        }
    }
    if (!iface) {
        iface = insert_iface(txn, vp);
    } else {
        if (strcmp(iface->type, "ecp-rdma")) {
            ovsrec_interface_set_type(iface, "ecp-rdma");
        }
        vsi_port_options(vp, &options);
        if (!smap_equal(&iface->options, &options)) {
            ovsrec_interface_verify_options(iface);
            ovsrec_interface_set_options(iface, &options);
        }
        smap_destroy(&options);
        if (!external_ids_ok(vp, &iface->external_ids)) {
            ovsrec_interface_update_external_ids_setkey(
                iface, AGENT_KEY_SESSION, vp->session->iface->name);
            ovsrec_interface_update_external_ids_setkey(iface, AGENT_KEY_VSI,
                                                        vp->vsi);
        }
        fix_vm_ids(vp, iface);
    }
    if (port->n_interfaces != 1 || port->interfaces[0] != iface) {
        ovsrec_port_verify_interfaces(port);
        ovsrec_port_set_interfaces(port, &iface, 1);
    }
}

/* Adds to 'txn' the changes that make the database match 'plan'.  Returns
 * the number of ports changed. */
static size_t
plan_execute(struct plan *plan, struct ovsdb_idl_txn *txn)
{
    size_t n_changes = 0;

    for (size_t i = 0; i < plan->n_stale; i++) {
        remove_port(plan, plan->stale[i]);
        n_changes++;
    }
    for (size_t i = 0; i < plan->n_sessions; i++) {
        const struct session *s = &plan->sessions[i];

        for (size_t j = 0; j < s->n_ports; j++) {
            const struct vsi_port *vp = s->ports[j];

            if (vp->state == VSI_PORT_CREATE) {
                create_port(txn, plan, vp);
                n_changes++;
            } else if (vp->state == VSI_PORT_FIX) {
                fix_port(txn, plan, vp);
                n_changes++;
            }
        }
    }
    return n_changes;
}

/* The agent's state between iterations of the main loop. */
struct agent {
    struct ovsdb_idl *idl;
    char *remote;

    struct ovsdb_idl_txn *txn;  /* Transaction being committed, if any. */
    unsigned int done_seqno;    /* IDL seqno of the last reconciliation. */
    long long int retry_at;     /* Reconcile again at this time, if set. */
    struct sset problems;       /* Problems already logged. */
    bool contended;             /* Logged that another agent has the lock. */
    struct shash absent;        /* Name of a port whose VSI its switch no
                                 * longer lists -> since when (long long
                                 * int *, msec). */
    struct simap ofports;       /* Name of a port of the agent's -> the
                                 * OpenFlow port number it had last. */
};

/* Remembers the OpenFlow port numbers of the agent's ports. */
static void
agent_remember_ofports(struct agent *agent)
{
    const struct ovsrec_port *port;

    OVSREC_PORT_FOR_EACH (port, agent->idl) {
        const struct ovsrec_interface *iface;

        if (!is_agent_port(port) || port->n_interfaces != 1) {
            continue;
        }
        iface = port->interfaces[0];
        if (iface->n_ofport && ofport_in_range(iface->ofport[0])
            && (simap_contains(&agent->ofports, iface->name)
                || simap_count(&agent->ofports) < AGENT_OFPORTS_REMEMBERED)) {
            simap_put(&agent->ofports, iface->name, iface->ofport[0]);
        }
    }
}

/* Whether 'plan' has the switch interface that agent port 'port' is for. */
static bool
plan_has_session_of(const struct plan *plan, const struct ovsrec_port *port)
{
    const char *name = smap_get_def(&port->external_ids, AGENT_KEY_SESSION,
                                    "");

    for (size_t i = 0; i < plan->n_sessions; i++) {
        if (!strcmp(plan->sessions[i].iface->name, name)) {
            return true;
        }
    }
    return false;
}

/* Takes out of the stale ports of 'plan' those whose switch still exists
 * but has not listed their VSI for 'grace_msec' yet: a VSI whose
 * association lapses comes back under the same ID, and its port must
 * still be there to hold the frames for it.  Wakes up when the first of
 * them is due. */
static void
agent_keep_absent(struct agent *agent, struct plan *plan)
{
    long long int now = time_msec();
    struct shash still_absent = SHASH_INITIALIZER(&still_absent);
    size_t n = 0;

    for (size_t i = 0; i < plan->n_stale; i++) {
        const struct ovsrec_port *port = plan->stale[i];
        long long int *since;

        if (!grace_msec || !plan_has_session_of(plan, port)) {
            plan->stale[n++] = port;
            continue;
        }
        since = shash_find_and_delete(&agent->absent, port->name);
        if (!since) {
            since = xmalloc(sizeof *since);
            *since = now;
        }
        if (now >= *since + grace_msec) {
            free(since);
            plan->stale[n++] = port;
            continue;
        }
        if (agent->retry_at == LLONG_MIN
            || agent->retry_at > *since + grace_msec) {
            agent->retry_at = *since + grace_msec;
        }
        shash_add(&still_absent, port->name, since);
    }
    plan->n_stale = n;
    shash_swap(&agent->absent, &still_absent);
    /* What is left of the old map: ports no longer stale. */
    shash_destroy_free_data(&still_absent);
}

/* Polls the transaction in progress. */
static void
agent_commit(struct agent *agent)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    enum ovsdb_idl_txn_status status;

    status = ovsdb_idl_txn_commit(agent->txn);
    switch (status) {
    case TXN_INCOMPLETE:
        return;

    case TXN_UNCOMMITTED:
    case TXN_UNCHANGED:
    case TXN_SUCCESS:
        break;

    case TXN_TRY_AGAIN:
        /* The database changed under the transaction: 'done_seqno' is older
         * than the IDL's seqno once the change arrives, which reconciles
         * again. */
        VLOG_DBG("transaction must be retried");
        break;

    case TXN_NOT_LOCKED:
        /* Reconcile again once the lock is back. */
        agent->done_seqno = UINT_MAX;
        break;

    case TXN_ABORTED:
    case TXN_ERROR:
    default:
        VLOG_WARN_RL(&rl, "transaction failed (%s): %s",
                     ovsdb_idl_txn_status_to_string(status),
                     ovsdb_idl_txn_get_error(agent->txn));
        agent->retry_at = time_msec() + AGENT_RETRY_MSEC;
        break;
    }
    ovsdb_idl_txn_destroy(agent->txn);
    agent->txn = NULL;
}

/* Logs the problems in 'plan' that were not there the last time, so that a
 * problem is logged once when it appears, not at every change. */
static void
agent_log_problems(struct agent *agent, struct plan *plan)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    const char *problem;

    SSET_FOR_EACH (problem, &plan->problems) {
        if (!sset_contains(&agent->problems, problem)) {
            VLOG_WARN_RL(&rl, "%s", problem);
        }
    }
    sset_swap(&agent->problems, &plan->problems);
}

/* Makes the database match what the switch interfaces want, if the database
 * changed since the last time and no transaction is in progress. */
static void
agent_run(struct agent *agent)
{
    struct plan plan;

    if (agent->txn) {
        agent_commit(agent);
        if (agent->txn) {
            return;
        }
    }

    if (ovsdb_idl_is_lock_contended(agent->idl)) {
        if (!agent->contended) {
            VLOG_INFO("another ecp-rdma-agent holds the database lock; "
                      "waiting for it");
            agent->contended = true;
        }
        return;
    }
    if (!ovsdb_idl_has_lock(agent->idl)) {
        /* Reconcile as soon as the lock is granted. */
        agent->done_seqno = UINT_MAX;
        return;
    }
    if (agent->contended) {
        VLOG_INFO("acquired the database lock");
        agent->contended = false;
    }

    if (agent->retry_at != LLONG_MIN && time_msec() >= agent->retry_at) {
        agent->retry_at = LLONG_MIN;
        agent->done_seqno = UINT_MAX;
    }
    if (ovsdb_idl_get_seqno(agent->idl) == agent->done_seqno) {
        return;
    }
    agent->done_seqno = ovsdb_idl_get_seqno(agent->idl);

    agent_remember_ofports(agent);
    plan_build(&plan, agent->idl, &agent->ofports);
    agent_keep_absent(agent, &plan);
    agent_log_problems(agent, &plan);
    agent->txn = ovsdb_idl_txn_create(agent->idl);
    ovsdb_idl_txn_add_comment(agent->txn, "ecp-rdma-agent");
    plan_execute(&plan, agent->txn);
    plan_destroy(&plan);

    agent_commit(agent);
}

static void
agent_wait(struct agent *agent)
{
    ovsdb_idl_wait(agent->idl);
    if (agent->txn) {
        ovsdb_idl_txn_wait(agent->txn);
    } else if (ovsdb_idl_has_lock(agent->idl)) {
        if (ovsdb_idl_get_seqno(agent->idl) != agent->done_seqno) {
            poll_immediate_wake();
        }
        if (agent->retry_at != LLONG_MIN) {
            poll_timer_wait_until(agent->retry_at);
        }
    }
}

static struct ovsdb_idl *
agent_idl_create(const char *remote)
{
    struct ovsdb_idl *idl;

    idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_set_lock(idl, AGENT_LOCK);

    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_bridge_col_ports);

    ovsdb_idl_add_column(idl, &ovsrec_port_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_interfaces);
    ovsdb_idl_add_column(idl, &ovsrec_port_col_external_ids);

    ovsdb_idl_add_column(idl, &ovsrec_interface_col_name);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_type);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_options);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_status);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_external_ids);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_ofport);
    ovsdb_idl_add_column(idl, &ovsrec_interface_col_ofport_request);

    return idl;
}

int
main(int argc, char *argv[])
{
    struct unixctl_server *unixctl;
    char *unixctl_path = NULL;
    struct agent agent;
    bool exiting;
    int retval;

    set_program_name(argv[0]);
    ovs_cmdl_proctitle_init(argc, argv);
    service_start(&argc, &argv);
    memset(&agent, 0, sizeof agent);
    agent.remote = parse_options(argc, argv, &unixctl_path);
    fatal_ignore_sigpipe();

    daemonize_start(false);

    retval = unixctl_server_create(unixctl_path, &unixctl);
    if (retval) {
        exit(EXIT_FAILURE);
    }
    unixctl_command_register("exit", "", 0, 0, agent_unixctl_exit, &exiting);
    unixctl_command_register("ecp-rdma-agent/show", "", 0, 0,
                             agent_unixctl_show, &agent);

    agent.idl = agent_idl_create(agent.remote);
    agent.done_seqno = UINT_MAX;
    agent.retry_at = LLONG_MIN;
    sset_init(&agent.problems);
    shash_init(&agent.absent);
    simap_init(&agent.ofports);

    daemonize_complete();

    VLOG_INFO("ecp-rdma-agent (ovs-ecp-rdma) %s, database %s",
              ECPRDMA_VERSION, agent.remote);

    exiting = false;
    while (!exiting) {
        ovsdb_idl_run(agent.idl);
        if (!ovsdb_idl_is_alive(agent.idl)) {
            int error = ovsdb_idl_get_last_error(agent.idl);

            VLOG_FATAL("%s: database connection failed (%s)", agent.remote,
                       ovs_retval_to_string(error));
        }
        agent_run(&agent);
        unixctl_server_run(unixctl);

        agent_wait(&agent);
        unixctl_server_wait(unixctl);
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
        if (should_service_stop()) {
            exiting = true;
        }
    }

    if (agent.txn) {
        ovsdb_idl_txn_destroy(agent.txn);
    }
    ovsdb_idl_destroy(agent.idl);
    sset_destroy(&agent.problems);
    shash_destroy_free_data(&agent.absent);
    simap_destroy(&agent.ofports);
    unixctl_server_destroy(unixctl);
    service_stop();
    free(agent.remote);
    return 0;
}

static char *
parse_options(int argc, char *argv[], char **unixctl_pathp)
{
    enum {
        OPT_UNIXCTL = UCHAR_MAX + 1,
        OPT_BOOTSTRAP_CA_CERT,
        OPT_PEER_CA_CERT,
        OPT_GRACE,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"grace", required_argument, NULL, OPT_GRACE},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {"peer-ca-cert", required_argument, NULL, OPT_PEER_CA_CERT},
        {"bootstrap-ca-cert", required_argument, NULL, OPT_BOOTSTRAP_CA_CERT},
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c;

        c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }

        switch (c) {
        case 'h':
            usage();

        case 'V':
            printf("%s (ovs-ecp-rdma) %s\n", program_name, ECPRDMA_VERSION);
            printf("Open vSwitch Library %s\n", VERSION);
            exit(EXIT_SUCCESS);

        case OPT_UNIXCTL:
            *unixctl_pathp = optarg;
            break;

        case OPT_GRACE: {
            unsigned int secs;

            if (!str_to_uint(optarg, 10, &secs) || secs > 3600) {
                VLOG_FATAL("--grace: expected seconds from 0 to 3600, "
                           "not \"%s\"", optarg);
            }
            grace_msec = secs * 1000LL;
            break;
        }

        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS
        STREAM_SSL_OPTION_HANDLERS

        case OPT_PEER_CA_CERT:
            stream_ssl_set_peer_ca_cert_file(optarg);
            break;

        case OPT_BOOTSTRAP_CA_CERT:
            stream_ssl_set_ca_cert_file(optarg, true);
            break;

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    argc -= optind;
    argv += optind;

    switch (argc) {
    case 0:
        return xasprintf("unix:%s/db.sock", ovs_rundir());

    case 1:
        return xstrdup(argv[0]);

    default:
        VLOG_FATAL("at most one non-option argument accepted; "
                   "use --help for usage");
    }
}

static void
usage(void)
{
    printf("%s: ecp-rdma access switch agent\n"
           "usage: %s [OPTIONS] [DATABASE]\n"
           "where DATABASE is a socket on which ovsdb-server is listening\n"
           "      (default: \"unix:%s/db.sock\").\n"
           "\nFor every ecp-rdma interface with options:role=switch, keeps\n"
           "one role=vsi port per VSI listed in its status:vsis on its\n"
           "bridge.\n",
           program_name, program_name, ovs_rundir());
    stream_usage("DATABASE", true, false, true);
    daemon_usage();
    vlog_usage();
    printf("\nOther options:\n"
           "  --grace=SECS              keep a port SECS seconds after its\n"
           "                            VSI left (default 10)\n"
           "  --unixctl=SOCKET          override default control socket name\n"
           "  -h, --help                display this help message\n"
           "  -V, --version             display version information\n");
    exit(EXIT_SUCCESS);
}

static void
agent_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *exiting_)
{
    bool *exiting = exiting_;

    *exiting = true;
    unixctl_command_reply(conn, NULL);
}

static const char *
vsi_port_state_to_string(enum vsi_port_state state)
{
    switch (state) {
    case VSI_PORT_OK:
        return "ok";
    case VSI_PORT_CREATE:
        return "to be created";
    case VSI_PORT_FIX:
        return "to be corrected";
    case VSI_PORT_NAME_TAKEN:
        return "skipped, the name belongs to a port the agent did not create";
    case VSI_PORT_DUPLICATE:
        return "skipped, the name belongs to VSI";
    }
    return "unknown";
}

static void
agent_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct plan plan;

    ds_put_format(&s, "database: %s, %s\n",
                  ovsdb_idl_is_connected(agent->idl)
                  ? "connected" : "not connected",
                  ovsdb_idl_has_lock(agent->idl) ? "lock held"
                  : ovsdb_idl_is_lock_contended(agent->idl)
                  ? "lock held by another client"
                  : "lock not held");

    plan_build(&plan, agent->idl, &agent->ofports);
    for (size_t i = 0; i < plan.n_sessions; i++) {
        const struct session *ses = &plan.sessions[i];

        ds_put_format(&s, "switch %s on bridge %s: %"PRIuSIZE" VSIs\n",
                      ses->iface->name, ses->bridge->name, ses->n_ports);
        for (size_t j = 0; j < ses->n_ports; j++) {
            const struct vsi_port *vp = ses->ports[j];

            ds_put_format(&s, "  %s vsi=%s: %s", vp->name, vp->vsi,
                          vsi_port_state_to_string(vp->state));
            if (vp->state == VSI_PORT_DUPLICATE) {
                ds_put_format(&s, " %s", vp->dup_of->vsi);
            }
            ds_put_char(&s, '\n');
        }
    }
    for (size_t i = 0; i < plan.n_stale; i++) {
        const struct ovsrec_port *port = plan.stale[i];
        const long long int *since = shash_find_data(&agent->absent,
                                                      port->name);

        if (since && plan_has_session_of(&plan, port)) {
            ds_put_format(&s, "port %s: VSI gone, kept for %lld ms more\n",
                          port->name,
                          MAX(0, *since + grace_msec - time_msec()));
        } else {
            ds_put_format(&s, "stale port %s: to be removed\n", port->name);
        }
    }
    plan_destroy(&plan);

    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}
