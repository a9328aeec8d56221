// System V message queues (CONCEPTS F6): msgget, msgsnd, msgrcv, msgctl.
// A queue is a list of typed messages with a byte budget (msg_qbytes); a
// sender sleeps while its message does not fit, a receiver while no
// message matches its type rule (0: the first; >0: the first of that type,
// or with MSG_EXCEPT of another; <0: the first of the lowest type not above
// |type|). IPC_RMID frees every message and wakes every sleeper with EIDRM;
// a signal wakes one with EINTR.
//
// Messages are copied in before the queue's lock is taken and out after
// it is let go (the syscall layer, kernel/syscall/sysv_ipc.cpp, does both),
// so nothing touches user memory under the lock. Sleeping senders and
// receivers keep a removed queue's memory alive: the last to leave frees it.
#pragma once

#include <fs/procfs/text_buffer.h>
#include <ipc/sysv/ipc_ids.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>

namespace sysv {

// include/uapi/linux/msg.h
constexpr int kMsgNoerror = 010000;
constexpr int kMsgExcept = 020000;
constexpr int kMsgCopy = 040000;
constexpr int kMsgStat = 11;
constexpr int kMsgInfo = 12;
constexpr int kMsgStatAny = 13;

// Linux's defaults, /proc/sys/kernel/msg*.
constexpr u32 kMsgMax = 8192;  // bytes in one message
constexpr u32 kMsgMnb = 16384; // default bytes in one queue
constexpr u32 kMsgMni = 32000; // queues

// struct msqid64_ds of x86-64.
struct MsqidDs {
    IpcPermAbi perm;
    i64 stime;
    i64 rtime;
    i64 ctime;
    u64 cbytes;
    u64 qnum;
    u64 qbytes;
    i32 lspid;
    i32 lrpid;
    u64 unused4;
    u64 unused5;
};
static_assert(sizeof(MsqidDs) == 120);

// struct msginfo (IPC_INFO, MSG_INFO).
struct MsgInfo {
    i32 msgpool;
    i32 msgmap;
    i32 msgmax;
    i32 msgmnb;
    i32 msgmni;
    i32 msgssz;
    i32 msgtql;
    u16 msgseg;
};

// One message: its header and then its text.
struct Message {
    IntrusiveListNode node;
    i64 type { 0 };
    usize size { 0 };
    u8* text() { return reinterpret_cast<u8*>(this + 1); }
};

// A message of `size` bytes of text (ENOMEM), and its release.
ErrorOr<Message*> allocate_message(usize size);
void free_message(Message* message);

ErrorOr<i32> msg_get(i32 key, int flags);
// On success the queue owns `message`; on error the caller still does.
ErrorOr<void> msg_send(i32 id, Message* message, int flags);
// The message taken off the queue, now the caller's. E2BIG when the first
// match is longer than `max_size` without MSG_NOERROR (it stays queued).
ErrorOr<Message*> msg_receive(i32 id, usize max_size, i64 type, int flags);

ErrorOr<MsqidDs> msg_stat(i64 id, bool by_index, bool check_read, i32& id_out);
ErrorOr<void> msg_set(i32 id, MsqidDs const& request);
ErrorOr<void> msg_remove(i32 id);
// IPC_INFO (limits) or MSG_INFO (`usage`: queues, messages and bytes in use).
MsgInfo msg_info(bool usage);
i32 msg_highest_index();

// /proc/sysvipc/msg.
ErrorOr<void> msg_proc_show(procfs::TextBuffer& text);

}
