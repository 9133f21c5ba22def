# The autotest suite.  It reuses OVS's test macros (ovs-macros.at,
# ofproto-macros.at, ovsdb-macros.at) from the OVS source tree, as OVN does.
TESTSUITE_AT = \
	tests/testsuite.at \
	tests/ecprdma-macros.at \
	tests/plugin.at \
	tests/port-options.at \
	tests/memif.at \
	tests/ecp.at \
	tests/vdp.at \
	tests/roe.at \
	tests/link.at \
	tests/fuzz.at \
	tests/wireshark.at \
	tests/netdev-ecprdma.at \
	tests/remote.at \
	tests/agent.at \
	tests/fault.at \
	tests/dpdk.at \
	tests/scale.at \
	tests/controllers.at \
	tests/ovn.at
EXTRA_DIST += $(TESTSUITE_AT) tests/atlocal.in tests/plugin-test.c \
	tests/bench-counters.py tests/bench-plot.py
TESTSUITE = tests/testsuite
TESTSUITE_DIR = $(abs_top_builddir)/tests/testsuite.dir
DISTCLEANFILES += tests/atconfig tests/atlocal
CLEANFILES += $(TESTSUITE) tests/package.m4
CLEAN_LOCAL += clean-testsuite
clean-testsuite:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean
.PHONY: clean-testsuite

AUTOTEST = $(AUTOM4TE) --language=autotest
ECPRDMA_AUTOTEST_PATH = $(abs_top_builddir)/utilities:$(abs_top_builddir)/tests
OVS_AUTOTEST_PATH = $(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/vswitchd
OVS_AUTOTEST_PATH2 = $(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/tests
AUTOTEST_PATH = \
	$(ECPRDMA_AUTOTEST_PATH):$(OVS_AUTOTEST_PATH):$(OVS_AUTOTEST_PATH2)

tests/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN){ \
	  echo '# Signature of the current package.'; \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])'; \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])'; \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])'; \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])'; \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} > $@.tmp && mv $@.tmp $@

$(TESTSUITE): tests/package.m4 $(TESTSUITE_AT) $(OVS_STAMP)
	$(AM_V_GEN)$(AUTOTEST) -I tests -I '$(srcdir)' -I '$(OVS_SRCDIR)' \
	    -o $@.tmp $(srcdir)/tests/testsuite.at
	$(AM_V_at)mv $@.tmp $@

check-local: $(TESTSUITE)
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	    $(TESTSUITEFLAGS)

# The unit-test program: one command per engine test, run from .at files.
check_PROGRAMS += tests/ecprdma-test
tests_ecprdma_test_SOURCES = \
	tests/ecprdma-test.c \
	tests/ecprdma-test.h \
	tests/test-memif.c \
	tests/test-memif-client.c \
	tests/test-port-options.c \
	tests/test-ecp.c \
	tests/test-vdp.c \
	tests/test-link.c \
	tests/test-link-io.c \
	tests/test-link.h \
	tests/test-roe.c \
	tests/test-roe-ops.c \
	tests/test-roe-session.c \
	tests/test-remote-vsi.c \
	tests/roe-samples.c \
	tests/roe-samples.h \
	tests/test-fuzz-corpus.c \
	tests/test-roe-pcap.c \
	tests/test-vm-payload.c \
	utilities/ecp-rdma-vm-arp.c \
	utilities/ecp-rdma-vm-arp.h \
	utilities/ecp-rdma-vm-payload.c \
	utilities/ecp-rdma-vm-payload.h \
	$(ECPRDMA_ENGINE_SOURCES) $(ECPRDMA_AFXDP_SOURCES)
nodist_tests_ecprdma_test_SOURCES = $(ECPRDMA_AFXDP_NODIST_SOURCES)
tests_ecprdma_test_CPPFLAGS = $(AM_CPPFLAGS) $(ECPRDMA_AFXDP_CPPFLAGS)
tests_ecprdma_test_CFLAGS = $(AM_CFLAGS) $(SANITIZER_CFLAGS)
tests_ecprdma_test_LDADD = $(CRYPTO_LIBS) $(XDP_LIBS)
tests_ecprdma_test_LDFLAGS = $(SANITIZER_CFLAGS)
if SANITIZERS
SANITIZER_CFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
endif

# Plugins that ovs-vswitchd must refuse, one per way of being wrong.  They
# are built from one source file with different macros; -rpath makes
# libtool build shared objects although they are never installed.
PLUGIN_TEST_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
PLUGIN_TEST_CPPFLAGS = $(OVS_CPPFLAGS) $(AM_CPPFLAGS)
check_LTLIBRARIES += \
	tests/plugin-bad-abi.la \
	tests/plugin-bad-version.la \
	tests/plugin-missing-symbol.la \
	tests/plugin-no-descriptor.la
tests_plugin_bad_abi_la_SOURCES = tests/plugin-test.c
tests_plugin_bad_abi_la_CPPFLAGS = $(PLUGIN_TEST_CPPFLAGS) -DBAD_ABI
tests_plugin_bad_abi_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_plugin_bad_version_la_SOURCES = tests/plugin-test.c
tests_plugin_bad_version_la_CPPFLAGS = $(PLUGIN_TEST_CPPFLAGS) -DBAD_VERSION
tests_plugin_bad_version_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_plugin_missing_symbol_la_SOURCES = tests/plugin-test.c
tests_plugin_missing_symbol_la_CPPFLAGS = \
	$(PLUGIN_TEST_CPPFLAGS) -DMISSING_SYMBOL
tests_plugin_missing_symbol_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_plugin_no_descriptor_la_SOURCES = tests/plugin-test.c
tests_plugin_no_descriptor_la_CPPFLAGS = \
	$(PLUGIN_TEST_CPPFLAGS) -DNO_DESCRIPTOR
tests_plugin_no_descriptor_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)

# A bounded subset of OVS's own testsuite, run on the patched OVS tree, to
# show that the patches in ovs-patches/ break nothing upstream.
OVS_CHECK_KEYWORDS = \
	-k plugin -k ovs-vswitchd -k bridge -k netdev-type -k dpif-netdev \
	-k pmd -k 'ofproto-dpif,basic'
check-ovs: $(OVS_STAMP)
	$(MAKE) -C '$(OVS_BUILDDIR)' check \
	    TESTSUITEFLAGS='$(OVS_CHECK_KEYWORDS) $(TESTSUITEFLAGS)'
.PHONY: check-ovs

# libFuzzer targets, built by "configure CC=clang --enable-fuzzing" and run
# by tests/fuzz.at, and their seed corpora (generated by "ecprdma-test
# fuzz-corpus"; "make fuzz-corpus" rewrites them in the source tree).
FUZZ_TARGETS = memif roe vdp frame-ring memif-ring roe-responder
if FUZZING
check_PROGRAMS += \
	tests/fuzz/fuzz-memif tests/fuzz/fuzz-roe tests/fuzz/fuzz-vdp \
	tests/fuzz/fuzz-frame-ring tests/fuzz/fuzz-memif-ring \
	tests/fuzz/fuzz-roe-responder
endif
tests_fuzz_fuzz_memif_SOURCES = \
	tests/fuzz/fuzz.h tests/fuzz/fuzz-memif.c $(ECPRDMA_ENGINE_SOURCES)
tests_fuzz_fuzz_memif_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_memif_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_memif_LDADD = $(CRYPTO_LIBS)
tests_fuzz_fuzz_roe_SOURCES = \
	tests/fuzz/fuzz.h tests/fuzz/fuzz-roe.c $(ECPRDMA_ENGINE_SOURCES)
tests_fuzz_fuzz_roe_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_roe_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_roe_LDADD = $(CRYPTO_LIBS)
tests_fuzz_fuzz_vdp_SOURCES = \
	tests/fuzz/fuzz.h tests/fuzz/fuzz-vdp.c $(ECPRDMA_ENGINE_SOURCES)
tests_fuzz_fuzz_vdp_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_vdp_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_vdp_LDADD = $(CRYPTO_LIBS)
tests_fuzz_fuzz_frame_ring_SOURCES = \
	tests/fuzz/fuzz.h tests/fuzz/fuzz-frame-ring.c $(ECPRDMA_ENGINE_SOURCES)
tests_fuzz_fuzz_frame_ring_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_frame_ring_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_frame_ring_LDADD = $(CRYPTO_LIBS)
tests_fuzz_fuzz_memif_ring_SOURCES = \
	tests/fuzz/fuzz.h tests/fuzz/fuzz-memif-ring.c $(ECPRDMA_ENGINE_SOURCES)
tests_fuzz_fuzz_memif_ring_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_memif_ring_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_memif_ring_LDADD = $(CRYPTO_LIBS)
tests_fuzz_fuzz_roe_responder_SOURCES = \
	tests/fuzz/fuzz.h tests/fuzz/fuzz-roe-responder.c \
	$(ECPRDMA_ENGINE_SOURCES)
tests_fuzz_fuzz_roe_responder_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_roe_responder_LDFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_roe_responder_LDADD = $(CRYPTO_LIBS)
EXTRA_DIST += tests/fuzz/corpus
fuzz-corpus: tests/ecprdma-test$(EXEEXT)
	$(AM_V_GEN)for t in $(FUZZ_TARGETS); do \
	    d='$(srcdir)/tests/fuzz/corpus/'$$t; \
	    rm -f "$$d"/[0-9][0-9]-* && \
	    tests/ecprdma-test$(EXEEXT) fuzz-corpus $$t "$$d" || exit 1; \
	done
.PHONY: fuzz-corpus
