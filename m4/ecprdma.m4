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
