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

/* Plugins that ovs-vswitchd must refuse to load.  Each is built from this
 * file with one of these macros defined:
 *
 *   BAD_ABI          the descriptor names another build configuration.
 *   BAD_VERSION      the descriptor names another Open vSwitch version.
 *   MISSING_SYMBOL   the object needs a symbol that nothing defines.
 *   NO_DESCRIPTOR    the object exports no plugin descriptor. */

#include <config.h>

#include "plugin.h"

#ifdef MISSING_SYMBOL
/* Deliberately never defined anywhere. */
int ecprdma_test_symbol_that_does_not_exist(void);
#endif

static int
plugin_test_init(void)
{
#ifdef MISSING_SYMBOL
    return ecprdma_test_symbol_that_does_not_exist();
#else
    return 0;
#endif
}

#if defined(BAD_ABI)
__attribute__((visibility("default")))
const struct ovs_plugin_descriptor ovs_plugin_descriptor = {
    .magic = OVS_PLUGIN_MAGIC,
    .size = sizeof(struct ovs_plugin_descriptor),
    .name = "bad-abi",
    .version = "1.0",
    .ovs_version = PACKAGE_VERSION,
    .ovs_abi = "0000000000000000",
    .init = plugin_test_init,
};
#elif defined(BAD_VERSION)
__attribute__((visibility("default")))
const struct ovs_plugin_descriptor ovs_plugin_descriptor = {
    .magic = OVS_PLUGIN_MAGIC,
    .size = sizeof(struct ovs_plugin_descriptor),
    .name = "bad-version",
    .version = "1.0",
    .ovs_version = "2.17.0",
    .ovs_abi = OVS_PLUGIN_ABI,
    .init = plugin_test_init,
};
#elif defined(MISSING_SYMBOL)
OVS_PLUGIN_DEFINE("missing-symbol", "1.0", "needs a missing symbol",
                  plugin_test_init);
#elif defined(NO_DESCRIPTOR)
/* A shared object with code but no descriptor. */
__attribute__((visibility("default"))) int plugin_test_entry(void);

int
plugin_test_entry(void)
{
    return plugin_test_init();
}
#else
#error "define one of BAD_ABI, BAD_VERSION, MISSING_SYMBOL, NO_DESCRIPTOR"
#endif
