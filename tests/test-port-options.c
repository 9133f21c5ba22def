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

/* Unit test of port-options: "ecprdma-test port-options KEY=VALUE..."
 * parses the options and prints the result, or the error and exit code 1. */

#include "port-options.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecprdma-test.h"
#include "xalloc.h"

static void
print_options(const struct port_options *po)
{
    char uuid[37];

    printf("role=%s\n", port_role_to_string(po->role));
    switch (po->role) {
    case PORT_ROLE_VM:
        printf("socket=%s\n", po->socket ? po->socket : "(default)");
        printf("id=%"PRIu32"\n", po->id);
        printf("secret=%s\n", po->secret ? po->secret : "(none)");
        printf("ring-size=%"PRIu32"\n", po->ring_size);
        printf("buffer-size=%"PRIu32"\n", po->buffer_size);
        printf("n-rxq=%"PRIu32"\n", po->n_rxq);
        printf("tx-retries=%"PRIu32"\n", po->tx_retries);
        printf("rx-park-after=%"PRIu32"\n", po->rx_park_after);
        printf("uplink=%s\n", po->uplink ? po->uplink : "(none)");
        printf("switching=%s\n", port_switching_to_string(po->switching));
        if (po->has_mac) {
            printf("mac=%02x:%02x:%02x:%02x:%02x:%02x\n", po->mac[0],
                   po->mac[1], po->mac[2], po->mac[3], po->mac[4],
                   po->mac[5]);
        } else {
            printf("mac=(random)\n");
        }
        printf("iface-id=%s\n", po->iface_id ? po->iface_id : "(none)");
        printf("vm-id=%s\n", po->vm_id ? po->vm_id : "(none)");
        break;
    case PORT_ROLE_UPLINK:
    case PORT_ROLE_SWITCH:
        printf("link=%s:%s\n", port_link_type_to_string(po->link_type),
               po->link_target);
        printf("mtu=%"PRIu32"\n", po->mtu);
        printf("window=%"PRIu32"\n", po->window);
        printf("rte=%"PRIu32"\n", po->rte);
        printf("max-tries=%"PRIu32"\n", po->max_tries);
        printf("secret=%s\n", po->secret ? po->secret : "(none)");
        printf("max-vsis=%"PRIu32"\n", po->max_vsis);
        printf("max-vsi-mb=%"PRIu32"\n", po->max_vsi_mb);
        printf("max-session-mb=%"PRIu32"\n", po->max_session_mb);
        if (po->role == PORT_ROLE_UPLINK) {
            printf("max-regions=%"PRIu32"\n", po->max_regions);
        } else {
            printf("max-assoc-rate=%"PRIu32"\n", po->max_assoc_rate);
        }
        break;
    case PORT_ROLE_VSI:
        printf("session=%s\n", po->session);
        printf("vsi=%s\n", port_vsi_id_format(po->vsi_id, uuid));
        break;
    }
}

static int
test_port_options(int argc, char *argv[])
{
    int n = argc - 1;
    const char **keys = xalloc_zeroed(n + 1, sizeof *keys);
    const char **values = xalloc_zeroed(n + 1, sizeof *values);
    char **copies = xalloc_zeroed(n + 1, sizeof *copies);
    struct port_options po, clone;
    char *error;
    int status;

    for (int i = 0; i < n; i++) {
        char *eq;

        copies[i] = xalloc_strdup(argv[i + 1]);
        eq = strchr(copies[i], '=');
        if (!eq) {
            fprintf(stderr, "%s: expected KEY=VALUE\n", argv[i + 1]);
            exit(2);
        }
        *eq = '\0';
        keys[i] = copies[i];
        values[i] = eq + 1;
    }

    port_options_init(&po);
    error = port_options_parse(&po, n, keys, values);
    if (error) {
        printf("error: %s\n", error);
        free(error);
        status = 1;
    } else {
        /* A clone is equal to its original and outlives it. */
        port_options_clone(&clone, &po);
        if (!port_options_equal(&clone, &po)) {
            printf("clone differs\n");
            exit(1);
        }
        port_options_destroy(&po);
        print_options(&clone);
        port_options_destroy(&clone);
        status = 0;
    }

    for (int i = 0; i < n; i++) {
        free(copies[i]);
    }
    free(copies);
    free(keys);
    free(values);
    return status;
}

ECPRDMA_TEST_REGISTER("port-options", "[KEY=VALUE]...", test_port_options);
