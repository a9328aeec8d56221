// System V message queues; see msg.h.
#include <ipc/sysv/msg.h>
#include <new>
#include <proc/current.h>
#include <sched/wait_queue.h>

namespace sysv {

namespace {

struct MsgQueue final : public IpcObject {
    IntrusiveList<Message, &Message::node> messages;
    u64 cbytes { 0 };
    u64 qbytes { kMsgMnb };
    i64 stime { 0 };
    i64 rtime { 0 };
    i64 ctime { 0 };
    i32 lspid { 0 };
    i32 lrpid { 0 };
    WaitQueue senders;   // waiting for room
    WaitQueue receivers; // waiting for a message
    u32 sleepers { 0 };  // threads inside sleep(): they keep a removed queue alive
    bool removed { false };

    bool fits(usize size) const { return cbytes + size <= qbytes && messages.size() + 1 <= qbytes; }

    MsqidDs to_abi() const
    {
        MsqidDs ds {};
        ds.perm = IpcObject::to_abi();
        ds.stime = stime;
        ds.rtime = rtime;
        ds.ctime = ctime;
        ds.cbytes = cbytes;
        ds.qnum = messages.size();
        ds.qbytes = qbytes;
        ds.lspid = lspid;
        ds.lrpid = lrpid;
        return ds;
    }
};

constinit IpcIds s_ids { "sysv msg", kMsgMni };

MsgQueue* queue(IpcObject* object) { return static_cast<MsgQueue*>(object); }

ErrorOr<MsgQueue*> find_locked(i32 id)
{
    IpcObject* object = s_ids.find_id(id);
    if (!object)
        return Error::from_errno(EINVAL);
    return queue(object);
}

// Sleeps on one of `q`'s wait queues. EIDRM when the queue was removed
// meanwhile (the last sleeper to notice frees it), EINTR for a signal.
ErrorOr<void> sleep(MsgQueue& q, WaitQueue& on, SpinlockLocker& locker)
{
    if (current::interrupted())
        return Error::from_errno(EINTR);
    ++q.sleepers;
    (void)on.wait(locker);
    --q.sleepers;
    if (q.removed) {
        if (q.sleepers == 0)
            delete &q;
        return Error::from_errno(EIDRM);
    }
    if (current::interrupted())
        return Error::from_errno(EINTR);
    return {};
}

// The message a receive with `type` and `flags` takes, or nullptr.
Message* select(MsgQueue& q, i64 type, int flags)
{
    if (type == 0)
        return q.messages.first();
    if (type > 0) {
        bool except = flags & kMsgExcept;
        for (auto& message : q.messages) {
            if ((message.type == type) != except)
                return &message;
        }
        return nullptr;
    }
    constexpr i64 kLowest = -0x7fffffffffffffffll - 1;
    i64 limit = type == kLowest ? -(kLowest + 1) : -type;
    Message* lowest = nullptr;
    for (auto& message : q.messages) {
        if (message.type <= limit && (!lowest || message.type < lowest->type))
            lowest = &message;
    }
    return lowest;
}

void free_all(MsgQueue& q)
{
    while (Message* message = q.messages.pop_front())
        free_message(message);
    q.cbytes = 0;
}

}

ErrorOr<Message*> allocate_message(usize size)
{
    auto* memory = new (std::nothrow) u8[sizeof(Message) + size];
    if (!memory)
        return Error::from_errno(ENOMEM);
    auto* message = new (memory) Message;
    message->size = size;
    return message;
}

void free_message(Message* message)
{
    message->~Message();
    delete[] reinterpret_cast<u8*>(message);
}

ErrorOr<i32> msg_get(i32 key, int flags)
{
    Credentials const& credentials = current::credentials();
    // Made before the lock is taken (it may not be needed).
    auto* created = new (std::nothrow) MsgQueue;
    if (!created)
        return Error::from_errno(ENOMEM);
    SpinlockLocker locker(s_ids.lock());
    if (key != kIpcPrivate) {
        if (IpcObject* found = s_ids.find_key(key)) {
            delete created;
            if ((flags & kIpcCreat) && (flags & kIpcExcl))
                return Error::from_errno(EEXIST);
            TRY(check_access(*found, credentials, static_cast<u32>(flags) & 0777));
            return found->id();
        }
        if (!(flags & kIpcCreat)) {
            delete created;
            return Error::from_errno(ENOENT);
        }
    }
    created->init_owner(credentials, key, flags);
    created->ctime = now_seconds();
    auto added = s_ids.add(*created);
    if (added.is_error()) {
        delete created;
        return added.error();
    }
    return created->id();
}

ErrorOr<void> msg_send(i32 id, Message* message, int flags)
{
    SpinlockLocker locker(s_ids.lock());
    MsgQueue* q = TRY(find_locked(id));
    for (;;) {
        TRY(check_access(*q, current::credentials(), kIpcWrite));
        if (q->fits(message->size)) {
            q->messages.append(*message);
            q->cbytes += message->size;
            q->lspid = caller_pid();
            q->stime = now_seconds();
            q->receivers.wake_all();
            return {};
        }
        if (flags & kIpcNowait)
            return Error::from_errno(EAGAIN);
        TRY(sleep(*q, q->senders, locker));
    }
}

ErrorOr<Message*> msg_receive(i32 id, usize max_size, i64 type, int flags)
{
    if (flags & kMsgCopy)
        return Error::from_errno(ENOSYS); // as Linux built without CONFIG_CHECKPOINT_RESTORE
    SpinlockLocker locker(s_ids.lock());
    MsgQueue* q = TRY(find_locked(id));
    for (;;) {
        TRY(check_access(*q, current::credentials(), kIpcRead));
        if (Message* message = select(*q, type, flags)) {
            if (message->size > max_size && !(flags & kMsgNoerror))
                return Error::from_errno(E2BIG);
            q->messages.remove(*message);
            q->cbytes -= message->size;
            q->lrpid = caller_pid();
            q->rtime = now_seconds();
            q->senders.wake_all();
            return message;
        }
        if (flags & kIpcNowait)
            return Error::from_errno(ENOMSG);
        TRY(sleep(*q, q->receivers, locker));
    }
}

ErrorOr<MsqidDs> msg_stat(i64 id, bool by_index, bool check_read, i32& id_out)
{
    SpinlockLocker locker(s_ids.lock());
    IpcObject* object = TRY(s_ids.find_for_stat(id, by_index, check_read, id_out));
    return queue(object)->to_abi();
}

ErrorOr<void> msg_set(i32 id, MsqidDs const& request)
{
    Credentials const& credentials = current::credentials();
    SpinlockLocker locker(s_ids.lock());
    MsgQueue* q = TRY(find_locked(id));
    TRY(check_owner(*q, credentials));
    if (request.qbytes > kMsgMnb && !credentials.is_superuser())
        return Error::from_errno(EPERM); // raising it past msgmnb needs CAP_SYS_RESOURCE
    q->qbytes = request.qbytes;
    q->set_from_abi(request.perm);
    q->ctime = now_seconds();
    q->senders.wake_all(); // more may fit now
    return {};
}

ErrorOr<void> msg_remove(i32 id)
{
    SpinlockLocker locker(s_ids.lock());
    MsgQueue* q = TRY(find_locked(id));
    TRY(check_owner(*q, current::credentials()));
    s_ids.remove(*q);
    free_all(*q);
    q->removed = true;
    if (q->sleepers == 0) {
        delete q;
        return {};
    }
    q->senders.wake_all();
    q->receivers.wake_all();
    return {};
}

MsgInfo msg_info(bool usage)
{
    MsgInfo info {};
    info.msgmax = kMsgMax;
    info.msgmnb = kMsgMnb;
    info.msgmni = kMsgMni;
    info.msgssz = 16;    // MSGSSZ
    info.msgseg = 0xffff; // MSGSEG
    if (!usage) {
        info.msgpool = static_cast<i32>(static_cast<u64>(kMsgMni) * kMsgMnb / 1024); // MSGPOOL, in KiB
        info.msgmap = kMsgMnb; // MSGMAP
        info.msgtql = kMsgMnb; // MSGTQL
        return info;
    }
    SpinlockLocker locker(s_ids.lock());
    info.msgpool = static_cast<i32>(s_ids.in_use());
    u64 messages = 0;
    u64 bytes = 0;
    s_ids.for_each([&](IpcObject& object) {
        messages += queue(&object)->messages.size();
        bytes += queue(&object)->cbytes;
    });
    info.msgmap = static_cast<i32>(messages);
    info.msgtql = static_cast<i32>(bytes);
    return info;
}

i32 msg_highest_index()
{
    SpinlockLocker locker(s_ids.lock());
    i32 highest = s_ids.highest_index();
    return highest < 0 ? 0 : highest;
}

ErrorOr<void> msg_proc_show(procfs::TextBuffer& text)
{
    text.append("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime"
                "      ctime\n");
    SpinlockLocker locker(s_ids.lock());
    s_ids.for_each([&](IpcObject& object) {
        MsgQueue& q = *queue(&object);
        text.appendf("%10d %10d  %4o  %10llu %10llu %5d %5d %5u %5u %5u %5u %10lld %10lld %10lld\n", q.key, q.id(), q.mode,
            static_cast<unsigned long long>(q.cbytes), static_cast<unsigned long long>(q.messages.size()), q.lspid,
            q.lrpid, q.uid, q.gid, q.cuid, q.cgid, static_cast<long long>(q.stime), static_cast<long long>(q.rtime),
            static_cast<long long>(q.ctime));
    });
    return text.finish();
}

}
