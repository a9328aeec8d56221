// /dev/kmsg (kmsg.cpp): the kernel log's records for user space.
#pragma once

#include <lib/error_or.h>

namespace devfs {

// After devfs::init().
ErrorOr<void> register_kmsg();

}
