# Copyright (c) 2026 The ovs-ecp-rdma Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

dnl ECPRDMA_CHECK_OVS
dnl
dnl Finds the Open vSwitch tree to build against.  With --with-ovs-source
dnl (and optionally --with-ovs-build) an existing configured and built tree
dnl is used, as OVN does.  Without them the build unpacks the pinned OVS
dnl release (Debian's openvswitch-source tarball) into ./ovs, applies
dnl ovs-patches/series and builds it; see build-aux/ovs-prepare.
AC_DEFUN([ECPRDMA_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
    [AS_HELP_STRING([--with-ovs-source=DIR],
                    [use the Open vSwitch source tree in DIR])],
    [], [with_ovs_source=no])
  AC_ARG_WITH([ovs-build],
    [AS_HELP_STRING([--with-ovs-build=DIR],
                    [use the Open vSwitch build tree in DIR
                     (default: the source tree)])],
    [], [with_ovs_build=no])
  AC_ARG_WITH([ovs-tarball],
    [AS_HELP_STRING([--with-ovs-tarball=FILE],
                    [pinned Open vSwitch release to build when no tree is
                     given (default: /usr/src/openvswitch/openvswitch.tar.gz)])],
    [OVS_TARBALL=$withval],
    [OVS_TARBALL=/usr/src/openvswitch/openvswitch.tar.gz])

  OVS_PINNED_VERSION=3.1.0
  if test "$with_ovs_source" = no || test "$with_ovs_source" = yes; then
    AS_IF([test "$with_ovs_build" != no],
          [AC_MSG_ERROR([--with-ovs-build requires --with-ovs-source])])
    AC_MSG_CHECKING([for the pinned Open vSwitch release])
    AS_IF([test -r "$OVS_TARBALL"], [AC_MSG_RESULT([$OVS_TARBALL])],
          [AC_MSG_RESULT([no])
           AC_MSG_ERROR([$OVS_TARBALL not found: install Debian's
openvswitch-source package (apt-get install openvswitch-source), pass
--with-ovs-tarball=FILE, or point --with-ovs-source at a built tree])])
    OVS_SRCDIR=`pwd`/ovs
    OVS_BUILDDIR=$OVS_SRCDIR
    ovs_pinned=yes
  else
    OVS_SRCDIR=`cd "$with_ovs_source" && pwd`
    if test "$with_ovs_build" = no || test "$with_ovs_build" = yes; then
      OVS_BUILDDIR=$OVS_SRCDIR
    else
      OVS_BUILDDIR=`cd "$with_ovs_build" && pwd`
    fi
    AC_MSG_CHECKING([for a patched Open vSwitch source tree])
    AS_IF([test -f "$OVS_SRCDIR/lib/netdev-provider.h" &&
           test -f "$OVS_SRCDIR/lib/plugin.h"],
          [AC_MSG_RESULT([$OVS_SRCDIR])],
          [AC_MSG_RESULT([no])
           AC_MSG_ERROR([$OVS_SRCDIR is not an Open vSwitch source tree
with the patches in ovs-patches/ applied])])
    AC_MSG_CHECKING([for a shared-library Open vSwitch build])
    AS_IF([test -f "$OVS_BUILDDIR/config.h" &&
           grep "^dlname='..*'" "$OVS_BUILDDIR/lib/libopenvswitch.la" \
             >/dev/null 2>&1],
          [AC_MSG_RESULT([$OVS_BUILDDIR])],
          [AC_MSG_RESULT([no])
           AC_MSG_ERROR([$OVS_BUILDDIR is not a built Open vSwitch tree
configured with --enable-shared])])
    ovs_pinned=no
  fi
  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_TARBALL])
  AC_SUBST([OVS_PINNED_VERSION])
  AM_CONDITIONAL([OVS_PINNED], [test "$ovs_pinned" = yes])
])

dnl ECPRDMA_CHECK_FUZZING
dnl
dnl --enable-fuzzing builds the libFuzzer targets in tests/fuzz/ with
dnl AddressSanitizer and UndefinedBehaviorSanitizer.  libFuzzer comes with
dnl clang (Debian: clang and libclang-rt-14-dev), so CC must be clang.
dnl Substitutes FUZZ_CFLAGS and defines the FUZZING conditional.
AC_DEFUN([ECPRDMA_CHECK_FUZZING], [
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing],
                    [build the libFuzzer targets in tests/fuzz (needs
                     CC=clang)])],
    [], [enable_fuzzing=no])
  FUZZ_CFLAGS=
  AS_IF([test "$enable_fuzzing" = yes], [
    AC_MSG_CHECKING([whether $CC is clang])
    AC_COMPILE_IFELSE(
      [AC_LANG_PROGRAM([], [[
#ifndef __clang__
#error not clang
#endif
]])],
      [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       AC_MSG_ERROR([--enable-fuzzing needs libFuzzer, which comes with
clang: configure with CC=clang (Debian: apt-get install clang
libclang-rt-14-dev)])])

    FUZZ_CFLAGS="-g -fsanitize=fuzzer,address,undefined"
    FUZZ_CFLAGS="$FUZZ_CFLAGS -fno-sanitize-recover=all"
    FUZZ_CFLAGS="$FUZZ_CFLAGS -fno-omit-frame-pointer"
    AC_MSG_CHECKING([whether $CC links with $FUZZ_CFLAGS])
    save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS $FUZZ_CFLAGS"
    AC_LINK_IFELSE(
      [AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return size && data[0] == 'x';
}
]])],
      [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       AC_MSG_ERROR([$CC cannot link a libFuzzer target with
$FUZZ_CFLAGS: install the clang runtime libraries (Debian: apt-get
install libclang-rt-14-dev) or configure without --enable-fuzzing])])
    CFLAGS=$save_CFLAGS
  ])
  AC_SUBST([FUZZ_CFLAGS])
  AM_CONDITIONAL([FUZZING], [test "$enable_fuzzing" = yes])
])

dnl ECPRDMA_CHECK_DPDK
dnl
dnl Whether Open vSwitch is built with DPDK, so that one ovs-vswitchd drives
dnl DPDK ports and ecp-rdma ports in the same bridges.  For the pinned
dnl release, --with-dpdk=auto (the default) builds it with DPDK's shared
dnl libraries if pkg-config finds libdpdk (Debian: libdpdk-dev), yes
dnl requires them and no builds without DPDK.  A tree given with
dnl --with-ovs-source was configured already: its config.h decides, and
dnl --with-dpdk may only confirm it.
dnl
dnl With DPDK, struct dp_packet embeds an rte_mbuf, so whatever includes
dnl OVS headers is compiled with DPDK's headers, as OVS compiles itself:
dnl pkg-config's flags without -march and -mno-avx512f, and with -mssse3.
dnl Substitutes OVS_WITH_DPDK (for the pinned release, shared or no: what
dnl build-aux/ovs-prepare passes to OVS's configure) and OVS_DPDK_CFLAGS.
AC_DEFUN([ECPRDMA_CHECK_DPDK], [
  AC_REQUIRE([ECPRDMA_CHECK_OVS])
  AC_ARG_WITH([dpdk],
    [AS_HELP_STRING([--with-dpdk=auto|yes|no],
                    [build the pinned Open vSwitch with DPDK (default:
                     auto, with DPDK if pkg-config finds libdpdk)])],
    [], [with_dpdk=auto])
  case $with_dpdk in
    auto|yes|no) ;;
    *) AC_MSG_ERROR([--with-dpdk=$with_dpdk: expected auto, yes or no]) ;;
  esac
  AC_PATH_TOOL([PKG_CONFIG], [pkg-config])

  ovs_dpdk=no
  dpdk_cflags=
  if test "$ovs_pinned" = yes; then
    AC_MSG_CHECKING([whether to build Open vSwitch with DPDK])
    if test "$with_dpdk" != no && test -n "$PKG_CONFIG" &&
       $PKG_CONFIG --exists libdpdk; then
      ovs_dpdk=shared
      dpdk_cflags=`$PKG_CONFIG --cflags libdpdk`
      AC_MSG_RESULT([yes, DPDK `$PKG_CONFIG --modversion libdpdk`])
    else
      AC_MSG_RESULT([no])
      AS_IF([test "$with_dpdk" = yes],
        [AC_MSG_ERROR([--with-dpdk=yes: pkg-config does not find libdpdk:
install DPDK's development files (Debian: apt-get install libdpdk-dev) or
set PKG_CONFIG_PATH])])
    fi
  else
    AC_MSG_CHECKING([whether $OVS_BUILDDIR was built with DPDK])
    if grep '^#define DPDK_NETDEV 1' "$OVS_BUILDDIR/config.h" \
         >/dev/null 2>&1; then
      ovs_dpdk=yes
      dnl What OVS's configure got from pkg-config for libdpdk.
      dpdk_cflags=`sed -n 's/^DPDK_CFLAGS = //p' "$OVS_BUILDDIR/Makefile"`
      AC_MSG_RESULT([yes])
    else
      AC_MSG_RESULT([no])
    fi
    AS_IF([test "$with_dpdk" = yes && test "$ovs_dpdk" = no],
      [AC_MSG_ERROR([--with-dpdk=yes, but $OVS_BUILDDIR was configured
without DPDK])])
    AS_IF([test "$with_dpdk" = no && test "$ovs_dpdk" != no],
      [AC_MSG_ERROR([--with-dpdk=no, but $OVS_BUILDDIR was configured with
DPDK: the plugin must be built as its tree was])])
  fi

  OVS_DPDK_CFLAGS=
  if test "$ovs_dpdk" != no; then
    for flag in $dpdk_cflags; do
      case $flag in
        -march=*|-mno-avx512f) ;;
        *) OVS_DPDK_CFLAGS="$OVS_DPDK_CFLAGS $flag" ;;
      esac
    done
    AC_MSG_CHECKING([whether $CC accepts -mssse3])
    save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -mssse3"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
      [AC_MSG_RESULT([yes])
       OVS_DPDK_CFLAGS="$OVS_DPDK_CFLAGS -mssse3"],
      [AC_MSG_RESULT([no])])
    CFLAGS=$save_CFLAGS
    AC_MSG_CHECKING([for DPDK's rte_mbuf.h])
    save_CPPFLAGS=$CPPFLAGS
    CPPFLAGS="$CPPFLAGS $OVS_DPDK_CFLAGS"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <rte_mbuf.h>]], [])],
      [AC_MSG_RESULT([yes])],
      [AC_MSG_RESULT([no])
       AC_MSG_ERROR([cannot compile with DPDK's headers ($OVS_DPDK_CFLAGS):
install DPDK's development files (Debian: apt-get install libdpdk-dev) or
configure --with-dpdk=no])])
    CPPFLAGS=$save_CPPFLAGS
  fi
  OVS_WITH_DPDK=$ovs_dpdk
  AC_SUBST([OVS_WITH_DPDK])
  AC_SUBST([OVS_DPDK_CFLAGS])
])
