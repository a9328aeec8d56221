// Starting PID 1 (init_process.cpp).
#pragma once

#include <lib/error_or.h>

namespace process {

// Builds PID 1 and starts it: it execs /sbin/init (or init=) with the
// console as its standard descriptors. After root_fs::init().
ErrorOr<void> start_init();

}
