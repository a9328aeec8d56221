// execve (exec.cpp): loading a new program into the calling process.
#pragma once

#include <arch/x86_64/interrupts.h>
#include <lib/error_or.h>
#include <lib/kstring.h>
#include <lib/string_view.h>
#include <syscall/uaccess.h>

namespace exec {

// The system call: copies the path, argv and envp in, then execute().
ErrorOr<long> execve(InterruptFrame& frame, UserPtr<char const> path, VirtAddr argv, VirtAddr envp);

// Runs the program at `path` (relative to the working directory) in the
// calling process with kernel copies of argv and envp. On success `frame`
// holds the new program's first registers (return through iret); on
// failure nothing has changed.
ErrorOr<long> execute(InterruptFrame& frame, StringView path, usize argc, KString const* argv, usize envc,
    KString const* envp);

}
