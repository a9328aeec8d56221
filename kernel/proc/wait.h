// wait4/waitid (wait.cpp): collecting children's exit statuses.
#pragma once

#include <lib/error_or.h>
#include <proc/pid.h>

namespace wait_options {
constexpr int kNoHang = 1;
constexpr int kUntraced = 2; // WSTOPPED for waitid
constexpr int kExited = 4;   // waitid's WEXITED; wait4 always implies it
constexpr int kContinued = 8;
constexpr int kNoWait = 0x1000000;
constexpr int kNoThread = 0x20000000;
constexpr int kAll = 0x40000000;   // __WALL
constexpr int kClone = static_cast<int>(0x80000000u); // __WCLONE
}

namespace wait_request {
enum class Selector {
    Pid,   // the child with this PID
    Group, // children in process group `id` (0: the caller's)
    Any,
};
}

struct WaitResult {
    pid_t pid { 0 };  // 0: WNOHANG and nothing ready
    int status { 0 }; // wait()'s encoding
    u32 uid { 0 };
};

namespace process {

ErrorOr<WaitResult> wait(wait_request::Selector, pid_t id, int options);

}
