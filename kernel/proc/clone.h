// clone(2), clone3(2), fork(2), vfork(2): what the caller asked for, in
// one form (fork.cpp does the work; syscall/process.cpp decodes the calls).
#pragma once

#include <lib/types.h>

namespace clone_flags {
constexpr u64 kVm = 0x100;
constexpr u64 kFs = 0x200;
constexpr u64 kFiles = 0x400;
constexpr u64 kSighand = 0x800;
constexpr u64 kPidfd = 0x1000;
constexpr u64 kPtrace = 0x2000;
constexpr u64 kVfork = 0x4000;
constexpr u64 kParent = 0x8000;
constexpr u64 kThread = 0x10000;
constexpr u64 kNewNs = 0x20000;
constexpr u64 kSysvsem = 0x40000;
constexpr u64 kSettls = 0x80000;
constexpr u64 kParentSettid = 0x100000;
constexpr u64 kChildCleartid = 0x200000;
constexpr u64 kDetached = 0x400000;
constexpr u64 kUntraced = 0x800000;
constexpr u64 kChildSettid = 0x1000000;
constexpr u64 kNewCgroup = 0x2000000;
constexpr u64 kNewUts = 0x4000000;
constexpr u64 kNewIpc = 0x8000000;
constexpr u64 kNewUser = 0x10000000;
constexpr u64 kNewPid = 0x20000000;
constexpr u64 kNewNet = 0x40000000;
constexpr u64 kIo = 0x80000000;
constexpr u64 kNamespaces = kNewNs | kNewCgroup | kNewUts | kNewIpc | kNewUser | kNewPid | kNewNet;
}

struct CloneRequest {
    u64 flags { 0 };       // CLONE_* (without the exit signal)
    int exit_signal { 0 }; // sent to the parent when the child exits
    VirtAddr stack { 0 };  // the child's rsp (0: the parent's)
    VirtAddr tls { 0 };    // CLONE_SETTLS: the child's FS base
    VirtAddr parent_tid { 0 };
    VirtAddr child_tid { 0 };
};
