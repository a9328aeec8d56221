# The bootable image, from the parts the rest of the build makes: the
# kernel's symbol table, the root file system (initramfs) and the GRUB ISO
# that loads them. Included by the top-level CMakeLists.txt after kernel/,
# user/ and tests/, whose targets it packs.

# The symbol table panic() uses to name functions in a backtrace: loaded by
# GRUB as a module, so the kernel needs no second link.
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/haneul.sym
  COMMAND ${CMAKE_SOURCE_DIR}/tools/mksyms.sh $<TARGET_FILE:kernel> ${CMAKE_BINARY_DIR}/haneul.sym
  DEPENDS kernel ${CMAKE_SOURCE_DIR}/tools/mksyms.sh
  COMMENT "Extracting kernel symbols")

# The root file system, two cpio newc archives made by tools/mkinitramfs.py
# (list one with `cpio -itv < build/initramfs.cpio`):
#
#   initramfs.cpio         the system: user/rootfs (/etc...), user/rootfs.list
#                          (empty directories, /dev/console, owners, modes),
#                          Debian's busybox-static as /bin/busybox with a
#                          symlink per applet, /sbin/init
#   initramfs-tests.cpio   the same plus /tests/runner and /tests/bin/<name>
#                          (tests/guest/programs)
#
# The system ISO (haneul.iso, `make run`) carries the first; tools/qemu.py
# gives an ISO whose command line runs something in /tests (`-- /tests/runner`)
# the second. The test programs are static glibc binaries of ~0.8 MiB each,
# more than the whole system: in the default image they would break the
# 16 MiB memory bar and add seconds of GRUB reading to every boot.
#
# Both go into the ISO uncompressed: under TCG, GRUB takes longer to inflate
# a gzip or xz module than to read the bytes compression saves (for the
# 2.9 MB system: +0.3 s to read it plain, +0.5 s gzipped, +1.2 s xz).
# Programs are stripped on the way in (the build keeps them with -g).
set(BUSYBOX /bin/busybox)
if(NOT EXISTS ${BUSYBOX})
  message(FATAL_ERROR "${BUSYBOX} is missing: run tools/deps.sh (it installs busybox-static)")
endif()
file(GLOB_RECURSE ROOTFS_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/user/rootfs/*)
set(MKINITRAMFS ${HANEUL_PYTHON} ${CMAKE_SOURCE_DIR}/tools/mkinitramfs.py)

set(INITRAMFS ${CMAKE_BINARY_DIR}/initramfs.cpio)
add_custom_command(OUTPUT ${INITRAMFS}
  COMMAND ${MKINITRAMFS} --out ${INITRAMFS} --summary
    --busybox ${BUSYBOX}
    --tree ${CMAKE_SOURCE_DIR}/user/rootfs
    --strip --file sbin/init=$<TARGET_FILE:init>
    --file usr/bin/ipcs=$<TARGET_FILE:ipcs>
    --manifest ${CMAKE_SOURCE_DIR}/user/rootfs.list
  DEPENDS ${ROOTFS_FILES} ${CMAKE_SOURCE_DIR}/user/rootfs.list ${BUSYBOX} init ipcs
    ${CMAKE_SOURCE_DIR}/tools/mkinitramfs.py
  COMMENT "Building initramfs (the system)"
  VERBATIM)

# The guest test programs: GUEST_PROGRAMS names their targets;
# GUEST_PROGRAM_FILES, where it is defined, their binaries (some are custom
# commands, not executables).
get_directory_property(GUEST_PROGRAMS DIRECTORY ${CMAKE_SOURCE_DIR}/tests/guest/programs DEFINITION GUEST_PROGRAMS)
get_directory_property(GUEST_PROGRAM_FILES DIRECTORY ${CMAKE_SOURCE_DIR}/tests/guest/programs DEFINITION GUEST_PROGRAM_FILES)
if(NOT GUEST_PROGRAM_FILES)
  foreach(program ${GUEST_PROGRAMS})
    list(APPEND GUEST_PROGRAM_FILES $<TARGET_FILE:${program}>)
  endforeach()
endif()
set(GUEST_PROGRAM_ARGS "")
foreach(file ${GUEST_PROGRAM_FILES})
  get_filename_component(name ${file} NAME)
  list(APPEND GUEST_PROGRAM_ARGS --file tests/bin/${name}=${file})
endforeach()

set(INITRAMFS_TESTS ${CMAKE_BINARY_DIR}/initramfs-tests.cpio)
add_custom_command(OUTPUT ${INITRAMFS_TESTS}
  COMMAND ${MKINITRAMFS} --out ${INITRAMFS_TESTS} --summary --base ${INITRAMFS}
    --mkdir tests/bin --strip --file tests/runner=$<TARGET_FILE:guest_runner> ${GUEST_PROGRAM_ARGS}
  DEPENDS ${INITRAMFS} guest_runner ${GUEST_PROGRAMS} ${GUEST_PROGRAM_FILES}
    ${CMAKE_SOURCE_DIR}/tools/mkinitramfs.py
  COMMENT "Building initramfs-tests (the system and /tests)"
  VERBATIM)
add_custom_target(initramfs DEPENDS ${INITRAMFS} ${INITRAMFS_TESTS})

# The bootable image for `make run` (default command line). Other command
# lines and `make run ADD=` get their own ISOs from tools/qemu.py, built
# when first used; `image` makes sure both archives they start from exist.
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/haneul.iso
  COMMAND ${CMAKE_SOURCE_DIR}/tools/mkiso.sh ${CMAKE_BINARY_DIR} ${CMAKE_BINARY_DIR}/haneul.iso "" ${INITRAMFS}
  DEPENDS kernel ${CMAKE_BINARY_DIR}/haneul.sym ${INITRAMFS} ${CMAKE_SOURCE_DIR}/tools/mkiso.sh
  COMMENT "Building haneul.iso"
  VERBATIM) # passes the empty command line "" as an argument of its own
add_custom_target(image ALL DEPENDS ${CMAKE_BINARY_DIR}/haneul.iso ${INITRAMFS_TESTS})
