// The boot module "initramfs": a cpio newc archive of user/rootfs.
#pragma once

#include <lib/error_or.h>

namespace initramfs {

// Logs every entry of the archive; returns how many there were.
ErrorOr<usize> list();

}
